#pragma once
// Where the Responses surface keeps its answers: the response store
// (store/response_store.hpp) on a thread of its own, since its reads and
// writes block on the disk or on PostgreSQL, never on a worker's loop.
// Opened on first use, so a gateway nobody asks for Responses makes no file.
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "store/response_store.hpp"

namespace torii {
struct Config;
}

namespace torii::surfaces {

struct ArchiveAnswer {
  bool ok = false;          // false: the store failed (`error`)
  std::string error;
  std::optional<store::ResponseRow> row;  // get: the response, when it exists
  bool found = false;       // get, remove: it existed
};

class ResponseArchive {
 public:
  static ResponseArchive& instance();

  boost::asio::awaitable<ArchiveAnswer> get(store::StoreLocation where, std::string id);
  boost::asio::awaitable<ArchiveAnswer> put(store::StoreLocation where, store::ResponseRow row);
  boost::asio::awaitable<ArchiveAnswer> remove(store::StoreLocation where, std::string id);
};

// The store the config names: {store.path}/torii.db, or store.postgres.
store::StoreLocation response_store_location(const Config& config);

}  // namespace torii::surfaces
