#pragma once
// Virtual keys on the request path: the table of live keys by the SHA-256 of
// their secret, rebuilt from the store whenever a key changes and published
// to the workers without a lock on the request path (each thread keeps its
// own reference and takes a new one only when the version moves).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "governance/principal.hpp"
#include "store/entity_store.hpp"
#include "store/key_store.hpp"
#include "store/open_stores.hpp"

namespace torii::filters {

struct VirtualKey {
  std::string id, alias, team_id, user_id;
  std::optional<int64_t> expires_at_us;
  bool blocked = false;
  std::vector<std::string> tags;
  // The levels it is charged to: itself, and its user and team when it has them.
  std::shared_ptr<const governance::Principal> principal, user, team;
};

// A team or a user as the request path sees it.
struct Member {
  std::shared_ptr<const governance::Principal> principal;
  bool blocked = false;
};

struct KeyTable {
  struct Entry {
    std::shared_ptr<const VirtualKey> key;
    int64_t valid_until_us = 0;  // 0 = no end (a rotated-out secret has one)
  };
  std::unordered_map<std::string, Entry> by_hash;  // SHA-256 hex of the secret
  std::unordered_map<std::string, Member> teams, users;  // by id
};

class KeyDirectory {
 public:
  // The process's directory over its store (torii.db or PostgreSQL), opened on first use.
  static KeyDirectory* start(const store::StoreLocation& where, std::string& error);
  static KeyDirectory* running();

  // Request path: the key whose secret has this SHA-256 (hex), when it is
  // live at `now_us` (not revoked, blocked, expired, or a rotated-out secret
  // past its grace). `why` says which when it is not.
  std::shared_ptr<const VirtualKey> find(const std::string& secret_hash, int64_t now_us, const char*& why) const;

  // Every team and user with a budget: its principal (for the budget gauge).
  std::vector<std::shared_ptr<const governance::Principal>> budgeted_members() const;

  // The team or user `id`, or null (request path, static keys).
  const Member* team(const std::string& id) const;
  const Member* user(const std::string& id) const;

  // Admin thread: the store, and a rebuild of the table after a change.
  store::KeyStore& store() { return *stores_.keys; }
  store::EntityStore& teams() { return *stores_.teams; }
  store::EntityStore& users() { return *stores_.users; }
  bool reload(std::string& error);
  // Admin thread, polled: rebuilds the table when another node changed a
  // key, team or user in the shared store. False only when the store failed.
  bool reload_if_changed(std::string& error);
  bool shared() const { return shared_; }

 private:
  // The calling thread's table; valid until this thread's next call.
  const KeyTable* current() const;

  store::EntityStores stores_;
  bool shared_ = false;
  std::optional<int64_t> seen_version_;  // the shared store's change counter at the last load
  mutable std::mutex mutex_;  // guards table_ for publication; readers take it only when version_ moved
  std::shared_ptr<const KeyTable> table_;
  std::atomic<uint64_t> version_{0};
};

// "tk-" and 40 random base62 characters.
std::string new_key_secret();
// Whether `model` is allowed by `patterns` (names, or globs with '*').
bool model_allowed(const std::vector<std::string>& patterns, std::string_view model);

// A principal for a stored policy; its counters are found again by level and id.
std::shared_ptr<governance::Principal> make_principal(governance::Level level, const std::string& id,
                                                      const std::string& label, const store::PolicyColumns& policy);
// Brings every budget among `principals` to its current period's spend
// from the ledger (those already there are skipped). Not for the request path.
bool seed_budgets(const std::vector<const governance::Principal*>& principals, std::string& error);

}  // namespace torii::filters
