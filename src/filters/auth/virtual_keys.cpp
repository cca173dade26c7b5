#include "filters/auth/virtual_keys.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <tuple>

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "governance/ledger.hpp"
#include "governance/money.hpp"

namespace torii::filters {

namespace {

std::mutex g_mutex;  // start() only
// Read on every request with a virtual key: an atomic, not the mutex.
std::atomic<KeyDirectory*> g_directory{nullptr};

bool glob(std::string_view p, std::string_view s) {
  // '*' matches any run of characters; iterative with one backtrack point.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

std::string new_key_secret() {
  static constexpr char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out = "tk-";
  while (out.size() < 43) {
    unsigned char buf[64];
    if (RAND_bytes(buf, sizeof buf) != 1) continue;
    for (unsigned char b : buf) {
      if (b >= 248) continue;  // 248 = 4 * 62: no bias
      out += alphabet[b % 62];
      if (out.size() == 43) break;
    }
  }
  return out;
}

bool model_allowed(const std::vector<std::string>& patterns, std::string_view model) {
  if (patterns.empty()) return true;
  for (const auto& p : patterns)
    if (glob(p, model)) return true;
  return false;
}

KeyDirectory* KeyDirectory::start(const store::StoreLocation& where, std::string& error) {
  std::lock_guard lock(g_mutex);
  if (KeyDirectory* d = g_directory.load()) return d;
  auto* d = new KeyDirectory;
  d->shared_ = !where.postgres.empty();
  if (!store::open_entity_stores(where, d->stores_, error) || !d->reload(error)) {
    delete d;
    return nullptr;
  }
  g_directory.store(d, std::memory_order_release);
  return d;
}

KeyDirectory* KeyDirectory::running() { return g_directory.load(std::memory_order_acquire); }

namespace {

std::vector<std::string> string_list(const std::string& json_text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(json_text, ec);
  if (!ec && v.is_array())
    for (const auto& m : v.as_array())
      if (m.is_string()) out.emplace_back(m.as_string());
  return out;
}

}  // namespace

std::shared_ptr<governance::Principal> make_principal(governance::Level level, const std::string& id,
                                                      const std::string& label, const store::PolicyColumns& p) {
  auto out = std::make_shared<governance::Principal>();
  out->level = level;
  out->id = id;
  out->label = label;
  out->policy.models = string_list(p.models_json);
  out->policy.guardrails = string_list(p.guardrails_json);
  if (p.max_budget_usd) out->policy.max_budget_nusd = governance::to_nusd(*p.max_budget_usd);
  out->policy.budget_period = governance::parse_budget_period(p.budget_period).value_or(governance::BudgetPeriod::none);
  out->policy.rpm = p.rpm;
  out->policy.tpm = p.tpm;
  out->policy.max_parallel = p.max_parallel;
  out->counters = governance::counters_for(level, id);
  // {"PATTERN": {"rpm": N, "tpm": N, "max_parallel": N}} (checked when it was stored).
  boost::system::error_code ec;
  auto limits = boost::json::parse(p.model_limits_json, ec);
  if (!ec && limits.is_object())
    for (const auto& [pattern, v] : limits.as_object()) {
      if (!v.is_object()) continue;
      auto m = std::make_shared<governance::Principal>();
      m->level = level;
      m->id = id + "@" + std::string(pattern);
      m->label = label;
      m->scope = std::string(pattern);
      m->policy.models = {std::string(pattern)};
      for (auto [name, dest] : {std::pair{"rpm", &m->policy.rpm}, std::pair{"tpm", &m->policy.tpm},
                                std::pair{"max_parallel", &m->policy.max_parallel}})
        if (const auto* x = v.as_object().if_contains(name); x && (x->is_int64() || x->is_uint64()))
          *dest = x->to_number<int64_t>();
      m->counters = governance::counters_for(level, m->id);
      out->model_limits.push_back(std::move(m));
    }
  return out;
}

bool seed_budgets(const std::vector<const governance::Principal*>& principals, std::string& error) {
  const int64_t now = core::unix_now_us();
  std::vector<governance::Ledger::Query> queries;
  std::vector<const governance::Principal*> asked;
  for (const auto* p : principals) {
    if (!p->policy.max_budget_nusd) continue;
    const int64_t start = governance::period_start_us(p->policy.budget_period, now);
    if (p->counters->budget.seeded_for(p->policy.budget_period, start)) continue;
    queries.push_back({p->level, p->id, start, 0});
    asked.push_back(p);
  }
  if (queries.empty()) return true;
  governance::Ledger* ledger = governance::Ledger::running();
  if (!ledger) {
    error = "the spend ledger is not running";
    return false;
  }
  if (!ledger->spent_since(queries, error)) return false;
  for (size_t i = 0; i < asked.size(); ++i)
    asked[i]->counters->budget.seed(asked[i]->policy.budget_period, queries[i].since_us, queries[i].spent_nusd);
  return true;
}

bool KeyDirectory::reload_if_changed(std::string& error) {
  std::optional<int64_t> v = stores_.keys->change_version(error);
  if (!v) return !shared_;
  if (seen_version_ && *seen_version_ == *v) return true;
  return reload(error);
}

bool KeyDirectory::reload(std::string& error) {
  // Read before the rows: a change made while they are read moves it again.
  std::string ignored;
  const std::optional<int64_t> version = stores_.keys->change_version(ignored);
  std::vector<store::KeyRow> rows;
  std::vector<store::EntityRow> team_rows, user_rows;
  if (!stores_.keys->list(rows, error) || !stores_.teams->list(team_rows, error) || !stores_.users->list(user_rows, error))
    return false;
  auto table = std::make_shared<KeyTable>();
  std::vector<const governance::Principal*> all;
  for (auto [rows_of, level, dest] : {std::tuple{&team_rows, governance::Level::team, &table->teams},
                                      std::tuple{&user_rows, governance::Level::user, &table->users}}) {
    for (const auto& r : *rows_of) {
      Member m{make_principal(level, r.id, r.name, r.policy), r.blocked};
      all.push_back(m.principal.get());
      (*dest)[r.id] = std::move(m);
    }
  }
  for (const auto& r : rows) {
    if (r.revoked_us) continue;
    auto k = std::make_shared<VirtualKey>();
    k->id = r.id;
    k->alias = r.alias;
    k->team_id = r.team_id;
    k->user_id = r.user_id;
    k->expires_at_us = r.expires_at_us;
    k->blocked = r.blocked;
    k->tags = string_list(r.tags_json);
    k->principal = make_principal(governance::Level::key, r.id, r.alias, r.policy);
    all.push_back(k->principal.get());
    if (auto t = table->teams.find(r.team_id); t != table->teams.end()) k->team = t->second.principal;
    if (auto u = table->users.find(r.user_id); u != table->users.end()) k->user = u->second.principal;
    table->by_hash[r.hash] = {k, 0};
    if (!r.previous_hash.empty()) table->by_hash[r.previous_hash] = {k, r.previous_until_us};
  }
  // Budgets start from what the ledger holds for their period, before the
  // requests see the new table.
  if (!seed_budgets(all, error)) return false;
  {
    std::lock_guard lock(mutex_);
    table_ = std::move(table);
  }
  seen_version_ = version;
  version_.fetch_add(1, std::memory_order_release);
  return true;
}

std::vector<std::shared_ptr<const governance::Principal>> KeyDirectory::budgeted_members() const {
  std::vector<std::shared_ptr<const governance::Principal>> out;
  const KeyTable* t = current();
  if (!t) return out;
  for (const auto* members : {&t->teams, &t->users})
    for (const auto& [id, m] : *members)
      if (m.principal->policy.max_budget_nusd) out.push_back(m.principal);
  return out;
}

const Member* KeyDirectory::team(const std::string& id) const {
  const KeyTable* t = current();
  if (!t) return nullptr;
  auto it = t->teams.find(id);
  return it == t->teams.end() ? nullptr : &it->second;
}

const Member* KeyDirectory::user(const std::string& id) const {
  const KeyTable* t = current();
  if (!t) return nullptr;
  auto it = t->users.find(id);
  return it == t->users.end() ? nullptr : &it->second;
}

const KeyTable* KeyDirectory::current() const {
  // The thread's own reference, renewed when the version moved: the request
  // path reads one shared counter and writes nothing shared.
  struct Cached {
    const KeyDirectory* owner = nullptr;
    uint64_t version = ~0ull;
    std::shared_ptr<const KeyTable> table;
  };
  thread_local Cached cached;
  const uint64_t v = version_.load(std::memory_order_acquire);
  if (cached.owner != this || cached.version != v) {
    std::lock_guard lock(mutex_);
    cached = {this, v, table_};
  }
  return cached.table.get();
}

std::shared_ptr<const VirtualKey> KeyDirectory::find(const std::string& secret_hash, int64_t now_us,
                                                     const char*& why) const {
  why = "unknown";
  const KeyTable* table = current();
  if (!table) return nullptr;
  auto it = table->by_hash.find(secret_hash);
  if (it == table->by_hash.end()) return nullptr;
  const KeyTable::Entry& e = it->second;
  if (e.valid_until_us && now_us >= e.valid_until_us) {
    why = "rotated";
    return nullptr;
  }
  if (e.key->blocked) {
    why = "blocked";
    return nullptr;
  }
  if (e.key->expires_at_us && now_us >= *e.key->expires_at_us) {
    why = "expired";
    return nullptr;
  }
  return e.key;
}

}  // namespace torii::filters
