#include "surfaces/response_archive.hpp"

#include <filesystem>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "config/config.hpp"

namespace torii::surfaces {

namespace asio = boost::asio;

namespace {

// Touched only on the archive's thread.
struct ArchiveThread {
  asio::thread_pool pool{1};
  std::unique_ptr<store::ResponseStore> store;
  store::StoreLocation opened;
  std::string open_error;

  // The store at `where`, opened (again) when the config moved it, or after it failed.
  store::ResponseStore* at(const store::StoreLocation& where, std::string& error) {
    if (store && opened.sqlite_path == where.sqlite_path && opened.postgres == where.postgres) return store.get();
    store.reset();
    if (where.postgres.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(where.sqlite_path).parent_path(), ec);
    }
    store = store::open_response_store(where, error);
    opened = where;
    return store.get();
  }
};

ArchiveThread& archive_thread() {
  static ArchiveThread t;
  return t;
}

template <class Work>
asio::awaitable<ArchiveAnswer> on_archive_thread(store::StoreLocation where, Work work) {
  ArchiveThread& t = archive_thread();
  auto run = [&t, where = std::move(where), work = std::move(work)]() -> asio::awaitable<ArchiveAnswer> {
    ArchiveAnswer a;
    store::ResponseStore* s = t.at(where, a.error);
    if (!s) co_return a;
    work(*s, a);
    co_return a;
  };
  auto spawned = asio::co_spawn(t.pool, std::move(run), asio::use_awaitable);
  ArchiveAnswer answer = co_await std::move(spawned);
  co_return answer;
}

}  // namespace

ResponseArchive& ResponseArchive::instance() {
  static ResponseArchive a;
  return a;
}

asio::awaitable<ArchiveAnswer> ResponseArchive::get(store::StoreLocation where, std::string id) {
  return on_archive_thread(std::move(where), [id = std::move(id)](store::ResponseStore& s, ArchiveAnswer& a) {
    a.row = s.get(id, a.error);
    a.ok = a.error.empty();
    a.found = a.row.has_value();
  });
}

asio::awaitable<ArchiveAnswer> ResponseArchive::put(store::StoreLocation where, store::ResponseRow row) {
  return on_archive_thread(std::move(where), [row = std::move(row)](store::ResponseStore& s, ArchiveAnswer& a) {
    a.ok = s.put(row, a.error);
  });
}

asio::awaitable<ArchiveAnswer> ResponseArchive::remove(store::StoreLocation where, std::string id) {
  return on_archive_thread(std::move(where), [id = std::move(id)](store::ResponseStore& s, ArchiveAnswer& a) {
    a.found = s.remove(id, a.error);
    a.ok = a.error.empty();
  });
}

store::StoreLocation response_store_location(const Config& config) {
  store::StoreLocation where;
  where.sqlite_path = (std::filesystem::path(config.store.resolved_path) / "torii.db").string();
  where.postgres = config.store.postgres;
  return where;
}

}  // namespace torii::surfaces
