#include "filters/tracing/exporter.hpp"

#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "filters/tracing/otlp_proto.hpp"
#include "http/client.hpp"

namespace torii::filters::tracing {

namespace asio = boost::asio;

namespace {

// Per worker, in requests: over a second of a worker's full load, so a
// collector that keeps up loses nothing while an export is on its way.
constexpr size_t kRingCapacity = 1 << 15;
constexpr size_t kMaxSpansPerExport = 512;
// Between exports while few spans come; a drain that filled an export goes
// again at once, so a busy gateway's queue never waits out the interval.
constexpr auto kInterval = std::chrono::milliseconds(200);

std::mutex g_mutex;
Exporter* g_exporter = nullptr;

}  // namespace

struct Exporter::Impl {
  ExporterSettings settings;
  http::Url url;
  std::string target;  // path of {endpoint}/v1/traces
  asio::io_context io;
  std::thread thread;
  core::ThreadRings<TraceBatch> rings{kRingCapacity};
  std::atomic<bool> stopping{false};
  asio::steady_timer* timer = nullptr;  // the loop's, for stop() to cut its wait short
  std::atomic<uint64_t> exported{0}, dropped{0}, failed{0};
  uint64_t failures_logged = 0;

  std::vector<std::unique_ptr<TraceBatch>> drain() {
    std::vector<std::unique_ptr<TraceBatch>> out;
    rings.drain(out);
    return out;
  }

  asio::awaitable<void> send(http::UpstreamClient& client, const std::vector<const SpanData*>& spans) {
    const std::string body = encode_export_request({settings.service_name, TORII_VERSION}, spans);
    http::UpstreamRequest req;
    req.method = "POST";
    req.origin = &url;
    req.target = target;
    req.headers.add("Content-Type", "application/x-protobuf");
    for (const auto& [k, v] : settings.headers) req.headers.add(k, v);
    req.body = body;
    req.connect_timeout = std::chrono::milliseconds(settings.timeout_ms);
    req.total_timeout = std::chrono::milliseconds(settings.timeout_ms);
    http::UpstreamError err;
    auto resp = co_await client.send(req, err);
    std::string answer;
    bool ok = false;
    if (resp) {
      co_await resp->read_all(answer, 1 << 20, err);
      ok = resp->status() / 100 == 2;
      if (!ok) err.message = "status " + std::to_string(resp->status());
    }
    if (ok) {
      exported.fetch_add(spans.size(), std::memory_order_relaxed);
      co_return;
    }
    dropped.fetch_add(spans.size(), std::memory_order_relaxed);
    const uint64_t n = failed.fetch_add(1, std::memory_order_relaxed) + 1;
    if ((n & (n - 1)) == 0)
      log::warn("tracing: export to {}{} failed ({}); {} batches failed so far", settings.endpoint, "/v1/traces",
                err.message, n);
  }

  asio::awaitable<void> loop() {
    http::UpstreamClient client(io.get_executor());
    asio::steady_timer timer(io);
    this->timer = &timer;
    while (true) {
      const bool last = stopping.load();
      auto batches = drain();
      std::vector<const SpanData*> spans;
      for (const auto& b : batches)
        for (const auto& s : b->spans) spans.push_back(&s);
      for (size_t at = 0; at < spans.size(); at += kMaxSpansPerExport) {
        std::vector<const SpanData*> part(spans.begin() + std::ptrdiff_t(at),
                                          spans.begin() + std::ptrdiff_t(std::min(spans.size(), at + kMaxSpansPerExport)));
        co_await send(client, part);
      }
      if (last) {
        this->timer = nullptr;
        io.stop();  // pooled connections would otherwise keep the loop alive
        co_return;
      }
      if (spans.size() >= kMaxSpansPerExport) continue;
      timer.expires_after(kInterval);
      boost::system::error_code ec;
      auto wait = asio::redirect_error(asio::use_awaitable, ec);
      co_await timer.async_wait(wait);
    }
  }
};

Exporter::Exporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Exporter* Exporter::start(const ExporterSettings& settings, std::string& error) {
  std::lock_guard lock(g_mutex);
  if (g_exporter) return g_exporter;
  auto impl = std::make_unique<Impl>();
  impl->settings = settings;
  std::string base = settings.endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!http::parse_url(base, impl->url, error)) return nullptr;
  impl->target = impl->url.path + "/v1/traces";
  Impl* raw = impl.get();
  auto work = [raw]() -> asio::awaitable<void> { co_await raw->loop(); };
  asio::co_spawn(raw->io, work, asio::detached);
  raw->thread = std::thread([raw] { raw->io.run(); });
  g_exporter = new Exporter(std::move(impl));
  return g_exporter;
}

Exporter* Exporter::running() {
  std::lock_guard lock(g_mutex);
  return g_exporter;
}

Exporter::~Exporter() { stop(); }

bool Exporter::submit(std::unique_ptr<TraceBatch> batch) {
  const size_t n = batch->spans.size();
  if (impl_->rings.push(batch)) return true;
  impl_->dropped.fetch_add(n, std::memory_order_relaxed);
  return false;
}

void Exporter::stop() {
  if (!impl_->thread.joinable()) return;
  // Wakes the loop so the last batch goes now (the flag is read on its thread).
  asio::post(impl_->io, [raw = impl_.get()] {
    raw->stopping.store(true);
    if (raw->timer) raw->timer->cancel();
  });
  impl_->thread.join();
}

ExporterStats Exporter::stats() const {
  ExporterStats s;
  s.exported = impl_->exported.load(std::memory_order_relaxed);
  s.dropped = impl_->dropped.load(std::memory_order_relaxed);
  s.failed_exports = impl_->failed.load(std::memory_order_relaxed);
  s.queued = impl_->rings.size();
  return s;
}

}  // namespace torii::filters::tracing
