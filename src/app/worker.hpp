#pragma once
// What one worker thread owns across config snapshots: its upstream client
// and connection pools, its random source, its routing health, and the
// snapshot it currently serves (pinned with this worker's view of the
// health records). Only its own thread touches it, but for the health
// records' reads by /admin/health (see WorkerHealth).
#include <memory>
#include <random>

#include <boost/asio/any_io_executor.hpp>

#include "http/client.hpp"
#include "routing/health.hpp"

namespace torii::app {

class Gateway;

// One snapshot as one worker serves it. Allocated per worker, so the
// reference count a request takes on it lives on that worker's cache lines,
// never on one all workers write.
struct PinnedSnapshot {
  std::shared_ptr<const Gateway> gateway;
  std::shared_ptr<const routing::HealthView> health;
};

struct WorkerContext {
  explicit WorkerContext(boost::asio::any_io_executor ex) : executor(ex), client(ex), rng(std::random_device{}()) {}

  // Makes `gateway` the snapshot new requests get; requests in flight keep theirs.
  void adopt(std::shared_ptr<const Gateway> gateway);

  boost::asio::any_io_executor executor;
  http::UpstreamClient client;
  std::mt19937_64 rng;
  routing::WorkerHealth health;
  std::shared_ptr<const PinnedSnapshot> current;  // written and read on this worker's thread only
};

}  // namespace torii::app
