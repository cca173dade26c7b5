#pragma once
// Sends finished spans to an OTLP/HTTP collector ({endpoint}/v1/traces,
// protobuf) from one thread of its own, fed by a lock-free ring per worker
// thread. Batches go every 200 ms (or at 512 spans); a collector that is
// slow, failing or unreachable costs the request path nothing: batches that
// cannot be sent are dropped and counted, and a full queue drops new spans.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/ring.hpp"
#include "filters/tracing/span.hpp"

namespace torii::filters::tracing {

struct ExporterSettings {
  std::string endpoint;  // base URL, e.g. http://127.0.0.1:4318
  std::string service_name = "torii";
  uint32_t timeout_ms = 5000;
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every export
};

struct ExporterStats {
  uint64_t exported = 0;         // spans the collector accepted
  uint64_t dropped = 0;          // spans lost (queue full, or a batch that failed)
  uint64_t failed_exports = 0;   // batches that failed (refused, unreachable, timed out)
  uint64_t queued = 0;
};

class Exporter {
 public:
  // The process's exporter, started on first use (a reload that changes the
  // endpoint takes effect after a restart). Null with `error` on a bad URL.
  static Exporter* start(const ExporterSettings& settings, std::string& error);
  static Exporter* running();

  ~Exporter();
  // From any thread; never blocks. False when the batch was dropped.
  bool submit(std::unique_ptr<TraceBatch> batch);
  // Sends what is queued, then stops (SIGTERM).
  void stop();
  ExporterStats stats() const;

 private:
  struct Impl;
  explicit Exporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace torii::filters::tracing
