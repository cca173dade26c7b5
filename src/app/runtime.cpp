#include "app/runtime.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include <boost/asio/post.hpp>
#include <future>

#include "app/admin_pool.hpp"
#include <boost/json.hpp>

#include "config/section.hpp"
#include "core/log.hpp"
#include "filters/auth/static_keys.hpp"
#include "filters/auth/virtual_keys.hpp"
#include "core/clock.hpp"
#include "governance/ledger.hpp"
#include "governance/money.hpp"
#include "llm/pricing.hpp"
#include "filters/logging/logging_filter.hpp"
#include "filters/guardrails/guardrails_filter.hpp"
#include "filters/metrics/exposition.hpp"
#include "filters/tracing/tracing_filter.hpp"

namespace torii::app {

void WorkerContext::adopt(std::shared_ptr<const Gateway> gateway) {
  auto pinned = std::make_shared<PinnedSnapshot>();
  pinned->health = health.view_for(gateway->models());
  pinned->gateway = std::move(gateway);
  current = std::move(pinned);
}

std::unique_ptr<Runtime> Runtime::create(Config config, std::string& error) {
  std::unique_ptr<Runtime> rt(new Runtime());
  // The request log's store opens before the first snapshot, so a store
  // that cannot be created stops the start with the reason.
  if (!filters::logging::start_writer(config, error) && !error.empty()) return nullptr;
  if (!filters::tracing::start_exporter(config, error) && !error.empty()) return nullptr;
  // Virtual keys, teams, users and the spend ledger live in the store once
  // keys can exist: issued through the admin API, or declared under `keys:`.
  if (config.admin_enabled || filters::static_keys_section(config)) {
    std::error_code ec;
    std::filesystem::create_directories(config.store.resolved_path, ec);
    store::StoreLocation where;
    where.sqlite_path = (std::filesystem::path(config.store.resolved_path) / "torii.db").string();
    where.postgres = config.store.postgres;
    const std::string name = where.postgres.empty() ? where.sqlite_path : std::string("PostgreSQL (store.postgres)");
    const std::string journal = (std::filesystem::path(config.store.resolved_path) / "journal").string();
    if (!governance::Ledger::start(where, journal, error)) {
      error = "cannot open the spend ledger in " + name + ": " + error;
      return nullptr;
    }
    if (!filters::KeyDirectory::start(where, error)) {
      error = "cannot open the key store in " + name + ": " + error;
      return nullptr;
    }
  }
  const bool shared = !config.store.postgres.empty() && filters::KeyDirectory::running();
  auto gw = Gateway::create(std::move(config), rt->hooks(), error);
  if (!gw) return nullptr;
  rt->current_ = std::move(gw);
  if (shared) rt->watch_shared_store();
  return rt;
}

void Runtime::watch_shared_store() {
  // Another node's change (a key created, changed, revoked; a team or user)
  // is in force here within 250 ms plus a reload. The check runs on the
  // admin thread, where the store's connection lives.
  store_watcher_ = std::thread([this] {
    while (!stopping_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      std::promise<void> done;
      boost::asio::post(admin_pool(), [&done] {
        std::string error;
        if (auto* dir = filters::KeyDirectory::running(); dir && !dir->reload_if_changed(error))
          log::warn("shared store: cannot check for changes: {}", error);
        done.set_value();
      });
      done.get_future().wait();
    }
  });
}

Runtime::~Runtime() {
  stopping_.store(true);
  if (watcher_.joinable()) watcher_.join();
  if (store_watcher_.joinable()) store_watcher_.join();
}

GatewayHooks Runtime::hooks() {
  GatewayHooks h;
  h.draining = [this] { return draining_ && draining_(); };
  h.health = [this] { return health_report(); };
  h.metrics = [this] { return metrics_gauges(); };
  h.reload = [this](std::vector<std::string>& changes) { return reload(changes); };
  return h;
}

std::shared_ptr<const Gateway> Runtime::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

http::HandlerFactory Runtime::handler_factory() {
  return [this](int, boost::asio::any_io_executor ex) -> http::Handler {
    auto worker = std::make_shared<WorkerContext>(std::move(ex));
    {
      std::lock_guard lock(mutex_);
      worker->adopt(current_);  // before the worker's thread starts
      workers_.push_back(worker);
    }
    return [worker](http::Request& req, http::ResponseWriter& out) {
      std::shared_ptr<const PinnedSnapshot> pinned = worker->current;
      const Gateway& gateway = *pinned->gateway;
      return gateway.handle(*worker, std::move(pinned), req, out);
    };
  };
}

std::vector<std::string> Runtime::reload(std::vector<std::string>& changes) {
  std::lock_guard lock(mutex_);
  const Config& old = current_->config();
  ConfigResult loaded = load_config_file(old.file);
  std::vector<std::string> errors;
  for (const auto& e : loaded.errors) errors.push_back(e.to_string());
  if (!errors.empty()) {
    log::error("reload of {} refused, the running config stays: {} error(s)", old.file, errors.size());
    for (const auto& e : errors) log::error("  {}", e);
    return errors;
  }
  std::string error;
  auto next = Gateway::create(std::move(*loaded.config), hooks(), error);
  if (!next) {
    errors.push_back(old.file + ": " + error);
    log::error("reload of {} refused, the running config stays: {}", old.file, error);
    return errors;
  }
  changes = describe_changes(old, next->config());
  current_ = next;
  // Each worker switches on its own thread, between requests: no request
  // sees a half-made switch, and none waits for it.
  for (const auto& w : workers_)
    if (auto worker = w.lock()) boost::asio::post(worker->executor, [worker, next] { worker->adopt(next); });
  log::info("reloaded {}: {}", old.file, changes.empty() ? std::string("no changes") : std::to_string(changes.size()) + " change(s)");
  for (const auto& c : changes) log::info("  {}", c);
  return {};
}

void Runtime::start_watching() {
  std::string file = current()->config().file;
  watcher_ = std::thread([this, file] {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto seen = fs::last_write_time(file, ec);
    // Polled four times a second: a change is in force well within 1 s.
    while (!stopping_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      auto now = fs::last_write_time(file, ec);
      if (ec || now == seen) continue;
      seen = now;
      std::vector<std::string> changes;
      reload(changes);
    }
  });
}

std::vector<Runtime::TargetState> Runtime::target_states(size_t& worker_count) const {
  std::vector<std::shared_ptr<WorkerContext>> workers;
  std::shared_ptr<const Gateway> gateway;
  {
    std::lock_guard lock(mutex_);
    gateway = current_;
    for (const auto& w : workers_)
      if (auto p = w.lock()) workers.push_back(std::move(p));
  }
  worker_count = workers.size();
  std::vector<TargetState> out;
  for (const auto& m : gateway->models().models()) {
    for (const auto& t : m->targets) {
      TargetState s{m->name, t.provider->name, t.model};
      for (const auto& w : workers) {
        w->health.inspect(t.identity, [&](const routing::TargetHealth* h) {
          if (!h) return;
          s.requests += h->requests.load(std::memory_order_relaxed);
          s.failures += h->failures.load(std::memory_order_relaxed);
          s.in_flight += h->in_flight.load(std::memory_order_relaxed);
          s.latency_ms = std::max(s.latency_ms, h->latency_ms.load(std::memory_order_relaxed));
          s.cooldown_until_ns = std::max(s.cooldown_until_ns, h->cooldown_until_ns.load(std::memory_order_relaxed));
          auto state = routing::Breaker::State(h->breaker_state.load(std::memory_order_relaxed));
          if (state == routing::Breaker::State::open) ++s.workers_open;
          if (state == routing::Breaker::State::half_open) ++s.workers_half_open;
        });
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string Runtime::health_report() const {
  size_t workers = 0;
  auto states = target_states(workers);
  auto now = std::chrono::steady_clock::now();
  boost::json::array targets;
  for (const auto& s : states) {
    boost::json::object o;
    o["model"] = s.model;
    o["provider"] = s.provider;
    o["upstream_model"] = s.upstream_model;
    // Breakers are per worker; the target is reported open when any is.
    o["breaker"] = s.workers_open ? "open" : s.workers_half_open ? "half_open" : "closed";
    o["workers_open"] = s.workers_open;
    o["ewma_latency_ms"] = s.latency_ms;
    o["in_flight"] = s.in_flight;
    o["requests"] = s.requests;
    o["failures"] = s.failures;
    o["error_rate"] = s.requests ? double(s.failures) / double(s.requests) : 0.0;
    int64_t remaining = s.cooldown_until_ns - now.time_since_epoch().count();
    o["cooldown_ms"] = remaining > 0 ? remaining / 1'000'000 : 0;
    targets.push_back(std::move(o));
  }
  boost::json::object root;
  root["workers"] = workers;
  root["targets"] = std::move(targets);
  return boost::json::serialize(root);
}

std::string Runtime::metrics_gauges() const {
  size_t workers = 0;
  auto states = target_states(workers);
  std::string out =
      "# HELP torii_breaker_open Workers whose circuit breaker for the target is open (0: closed everywhere).\n"
      "# TYPE torii_breaker_open gauge\n";
  std::string in_flight =
      "# HELP torii_upstream_in_flight Upstream attempts in flight, by target.\n"
      "# TYPE torii_upstream_in_flight gauge\n";
  for (const auto& s : states) {
    std::string labels = "{model=\"" + filters::metrics::label_value(s.model) + "\",provider=\"" +
                         filters::metrics::label_value(s.provider) + "\",upstream_model=\"" +
                         filters::metrics::label_value(s.upstream_model) + "\"}";
    out += "torii_breaker_open" + labels + " " + std::to_string(s.workers_open) + "\n";
    in_flight += "torii_upstream_in_flight" + labels + " " + std::to_string(s.in_flight) + "\n";
  }
  out += in_flight;
  // One unlabelled sample with its HELP and TYPE lines.
  auto single = [&out](const char* name, const char* type, const char* help, uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(value) + "\n";
  };
  if (auto* writer = filters::logging::LogWriter::running()) {
    const auto s = writer->stats();
    single("torii_log_queue_depth", "gauge", "Request-log records not yet written (queued or held while the store fails).",
           s.queued);
    single("torii_log_dropped_total", "counter", "Request-log records dropped (backlog and spool full, or queue full).",
           s.dropped);
    single("torii_log_written_total", "counter", "Request-log records written to the store.", s.written);
    single("torii_log_store_errors_total", "counter", "Failed writes of a batch of request-log records.", s.store_errors);
    single("torii_log_spooled", "gauge", "Request-log records in the spool file, waiting for the store.", s.spooled);
    single("torii_log_cache_bytes", "gauge", "Bytes in the request log database's page cache (up to 32 MiB).",
           s.cache_bytes);
  }
  if (auto* directory = filters::KeyDirectory::running()) {
    // Teams and users only: a label per key would be one series per key.
    out += "# HELP torii_budget_remaining_usd What is left of a team's or user's budget in its current period, "
           "requests in flight reserved (this node's view without store.redis).\n"
           "# TYPE torii_budget_remaining_usd gauge\n";
    const int64_t now = core::unix_now_us();
    for (const auto& p : directory->budgeted_members()) {
      const auto v = p->counters->budget.view(*p->policy.max_budget_nusd, p->policy.budget_period, now);
      out += "torii_budget_remaining_usd{level=\"" + std::string(governance::level_name(p->level)) + "\",name=\"" +
             filters::metrics::label_value(p->label.empty() ? p->id : p->label) + "\"} " +
             llm::format_cost(governance::to_usd(std::max<int64_t>(0, v.limit_nusd - v.spent_nusd - v.reserved_nusd))) +
             "\n";
    }
  }
  if (auto* exporter = filters::tracing::Exporter::running()) {
    const auto s = exporter->stats();
    single("torii_trace_spans_exported_total", "counter", "Spans the OTLP collector accepted.", s.exported);
    single("torii_trace_spans_dropped_total", "counter", "Spans lost: queue full, or their export failed.", s.dropped);
    single("torii_trace_export_failures_total", "counter",
           "Exports the collector refused or could not be reached for.", s.failed_exports);
  }
  out += filters::guardrails::render_metrics();
  return out;
}

namespace {

std::string signature(const ProviderConfig& p) {
  std::string s = p.type + '\n' + p.base_url + '\n' + p.api_key + '\n' + p.api_version + '\n' + p.region + '\n' +
                  p.access_key_id + '\n' + p.secret_access_key + '\n' + p.session_token + '\n' +
                  std::to_string(p.timeout_ms) + '\n' + std::to_string(p.connect_timeout_ms);
  for (const auto& [k, v] : p.headers) s += '\n' + k + ':' + v;
  return s;
}

std::string opt(const std::optional<double>& v) { return v ? std::to_string(*v) : "-"; }

std::string signature(const ModelConfig& m) {
  std::string s = m.strategy + '\n' + std::to_string(m.hedge_after_ms) + '\n' + std::to_string(m.default_max_tokens);
  for (const auto& t : m.targets)
    s += "\nt:" + t.provider + '/' + t.model + '*' + std::to_string(t.weight) + '$' + opt(t.price.input) + ',' +
         opt(t.price.output) + ',' + opt(t.price.cached_input) + ',' + opt(t.price.cache_write) + ',' +
         opt(t.price.reasoning);
  for (const auto* list : {&m.fallbacks, &m.context_window_fallbacks, &m.content_policy_fallbacks}) {
    s += "\nf:";
    for (const auto& f : *list) s += f + ',';
  }
  s += "\nr:" + std::to_string(m.retry.attempts) + ',' + std::to_string(m.retry.backoff_ms) + ',' +
       std::to_string(m.retry.max_backoff_ms) + ',' + std::to_string(m.retry.on_timeout) +
       std::to_string(m.retry.on_connect);
  for (int st : m.retry.statuses) s += ',' + std::to_string(st);
  s += "\no:" + std::to_string(m.timeout.connect_ms) + ',' + std::to_string(m.timeout.first_token_ms) + ',' +
       std::to_string(m.timeout.total_ms);
  s += "\nb:" + std::to_string(m.breaker.enabled) + ',' + std::to_string(m.breaker.failures) + ',' +
       std::to_string(m.breaker.window_ms) + ',' + std::to_string(m.breaker.cooldown_ms);
  // The concerns' own fields (a model's `cache:`), as they describe them.
  for (const auto& [name, value] : m.sections)
    if (const config::Section* sec = config::builtin_sections().find_model(name); sec && sec->describe)
      s += "\ns:" + name + '=' + sec->describe(value);
  return s;
}

template <class T>
void compare(const std::vector<T>& before, const std::vector<T>& after, const char* what,
             std::vector<std::string>& out) {
  std::map<std::string, std::string> a, b;
  for (const auto& x : before) a[x.name] = signature(x);
  for (const auto& x : after) b[x.name] = signature(x);
  for (const auto& [name, sig] : b) {
    auto it = a.find(name);
    if (it == a.end()) out.push_back(std::string(what) + " '" + name + "' added");
    else if (it->second != sig) out.push_back(std::string(what) + " '" + name + "' changed");
  }
  for (const auto& [name, sig] : a)
    if (!b.count(name)) out.push_back(std::string(what) + " '" + name + "' removed");
}

}  // namespace

std::vector<std::string> describe_changes(const Config& before, const Config& after) {
  std::vector<std::string> out;
  compare(before.providers, after.providers, "provider", out);
  compare(before.models, after.models, "model", out);
  auto routes = [](const Config& c) {
    std::string s;
    for (const auto& r : c.routes) {
      s += r.requested_model + "->" + r.model;
      for (const auto& [k, v] : r.headers) s += ';' + k + '=' + v;
      s += '\n';
    }
    return s;
  };
  if (routes(before) != routes(after)) out.push_back("routes changed");
  // The concerns' own sections, by the YAML they were read from.
  std::set<std::string, std::less<>> names;
  for (const auto& [name, text] : before.section_sources) names.insert(name);
  for (const auto& [name, text] : after.section_sources) names.insert(name);
  for (const auto& name : names) {
    auto b = before.section_sources.find(name), a = after.section_sources.find(name);
    if (b == before.section_sources.end()) out.push_back(name + " section added");
    else if (a == after.section_sources.end()) out.push_back(name + " section removed");
    else if (a->second != b->second) out.push_back(name + " section changed");
  }
  if (before.admin_enabled != after.admin_enabled || before.admin_keys != after.admin_keys)
    out.push_back("admin keys changed");
  if (before.listen_host != after.listen_host || before.listen_port != after.listen_port || before.workers != after.workers ||
      before.max_body_bytes != after.max_body_bytes || before.max_header_bytes != after.max_header_bytes ||
      before.idle_timeout_ms != after.idle_timeout_ms || before.read_timeout_ms != after.read_timeout_ms)
    out.push_back("listen, workers, body/header limits and timeouts of the server: in force after a restart");
  if (before.store.resolved_path != after.store.resolved_path)
    out.push_back("store.path: in force after a restart");
  return out;
}

}  // namespace torii::app
