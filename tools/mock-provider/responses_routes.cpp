#include "responses_routes.hpp"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/json.hpp>

#include "endpoints.hpp"
#include "format_io.hpp"
#include "formats/mock_responses.hpp"
#include "openai_routes.hpp"
#include "responses.hpp"

namespace torii::mock_server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Stored responses beyond this many evict the oldest: a long benchmark must
// not grow the mock without bound.
constexpr size_t kMaxStored = 10000;

// ---------------------------------------------------------------- the store

struct Stored {
  std::string body;           // the Response object
  json::array input_items;    // with ids, oldest first
  json::array context;        // what previous_response_id continues from
};

class ResponseStore {
 public:
  void put(const std::string& id, std::shared_ptr<const Stored> entry) {
    std::lock_guard lock(mutex_);
    if (entries_.emplace(id, std::move(entry)).second) order_.push_back(id);
    while (order_.size() > kMaxStored) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
  }

  std::shared_ptr<const Stored> get(std::string_view id) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(std::string(id));
    return it == entries_.end() ? nullptr : it->second;
  }

  bool erase(std::string_view id) {
    std::lock_guard lock(mutex_);
    // The id stays in order_ until it would be evicted; erasing it then is a no-op.
    return entries_.erase(std::string(id)) > 0;
  }

  void clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
    order_.clear();
    serial_ = 0;
  }

  std::uint64_t next_serial() { return serial_.fetch_add(1, std::memory_order_relaxed) + 1; }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Stored>> entries_;
  std::deque<std::string> order_;
  std::atomic<std::uint64_t> serial_{0};
};

ResponseStore& store() {
  static ResponseStore instance;
  return instance;
}

// ---------------------------------------------------------------- paths

enum class Route { unknown, create, item, input_items };

struct Target {
  Route route = Route::unknown;
  bool azure = false;     // /openai/...: the api-key header
  bool versioned = false; // /openai/responses: needs ?api-version=
  std::string id;
};

constexpr std::string_view kOpenAI = "/v1/responses";
constexpr std::string_view kAzure = "/openai/responses";
constexpr std::string_view kAzureV1 = "/openai/v1/responses";

bool under(std::string_view path, std::string_view prefix) {
  return path == prefix || (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/');
}

Target resolve_responses(std::string_view path) {
  if (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  Target t;
  std::string_view rest;
  if (under(path, kOpenAI)) {
    rest = path.substr(kOpenAI.size());
  } else if (under(path, kAzureV1)) {
    rest = path.substr(kAzureV1.size());
    t.azure = true;
  } else if (under(path, kAzure)) {
    rest = path.substr(kAzure.size());
    t.azure = true;
    t.versioned = true;
  } else {
    return t;
  }
  if (rest.empty()) {
    t.route = Route::create;
    return t;
  }
  rest.remove_prefix(1);  // '/'
  size_t slash = rest.find('/');
  std::string_view id = rest.substr(0, slash);
  if (id.empty()) return t;
  t.id = std::string(id);
  if (slash == std::string_view::npos) t.route = Route::item;
  else if (rest.substr(slash) == "/input_items") t.route = Route::input_items;
  return t;
}

std::string_view allowed_methods(Route r) {
  switch (r) {
    case Route::create: return "POST";
    case Route::item: return "GET, DELETE";
    case Route::input_items: return "GET";
    default: return "";
  }
}

bool method_allowed(Route r, std::string_view method) {
  if (r == Route::create) return method == "POST";
  if (r == Route::item) return method == "GET" || method == "DELETE";
  return method == "GET";
}

// ---------------------------------------------------------------- failures

// --fail-mid-stream: the in-stream error event, placed where send_stream puts
// it (after --reset-after-events events, never past the second-to-last).
std::string stream_failure(const Behaviour& b, size_t events) {
  std::string code = !b.fail_code.empty()     ? b.fail_code
                     : b.fail_status == 429   ? "rate_limit_exceeded"
                     : b.fail_status >= 500   ? "server_error"
                                              : "invalid_request_error";
  std::string message = b.fail_status == 429 ? "Rate limit reached for requests (injected by torii-mock)."
                        : b.fail_status >= 500
                            ? "The server had an error while processing your request (injected by torii-mock)."
                            : "Injected failure (torii-mock).";
  size_t at = events == 0 ? 0 : std::min(static_cast<size_t>(b.reset_after_events), events - 1);
  return mock::responses_error_event(code, message, static_cast<std::int64_t>(at));
}

http::Response not_found(const std::string& id, http::Headers headers) {
  return error_response(404, "No response found with id '" + id + "'.", "invalid_request_error", {}, {},
                        std::move(headers));
}

// ---------------------------------------------------------------- create

struct Created {
  std::optional<http::Response> error;  // set: answer it instead
  mock::ResponsesAnswer answer;
};

Created create(const Behaviour& b, const http::Request& req, const http::Headers& headers) {
  Created out;
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec) {
    out.error = error_response(400,
                               "We could not parse the JSON body of your request. (HINT: This likely means you "
                               "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but "
                               "what was sent was not valid JSON.)",
                               "invalid_request_error", {}, {}, headers);
    return out;
  }
  if (!v.is_object()) {
    out.error = error_response(400, "Invalid request body: expected a JSON object.", "invalid_request_error", {}, {},
                               headers);
    return out;
  }
  mock::ResponsesOptions opt;
  opt.gen.reply_words = b.reply_words;
  opt.serial = store().next_serial();
  opt.previous = [](std::string_view id) -> std::optional<json::array> {
    auto entry = store().get(id);
    if (!entry) return std::nullopt;
    return entry->context;
  };
  out.answer = mock::create_response(v.get_object(), opt);
  if (out.answer.status != 200) {
    out.error = json_response(out.answer.status, std::move(out.answer.body), headers);
    return out;
  }
  if (out.answer.store) {
    auto entry = std::make_shared<Stored>();
    entry->body = out.answer.body;
    entry->input_items = out.answer.input_items;
    entry->context = std::move(out.answer.context);
    store().put(out.answer.id, std::move(entry));
  }
  return out;
}

// GET/DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items: the
// 200 body, or the error to answer instead.
struct Found {
  std::optional<http::Response> error;
  std::string body;
};

Found stored(const http::Request& req, const Target& t, const http::Headers& headers) {
  Found out;
  if (t.route == Route::item && req.method == "DELETE") {
    if (store().erase(t.id)) out.body = mock::deleted_response(t.id);
    else out.error = not_found(t.id, headers);
    return out;
  }
  auto entry = store().get(t.id);
  if (!entry) {
    out.error = not_found(t.id, headers);
    return out;
  }
  std::string_view query = req.query();
  if (t.route == Route::item) {
    auto stream = query_param(query, "stream");
    if (stream && *stream == "true")
      out.error = error_response(400, "torii-mock does not replay the stream of a stored response: retrieve it "
                                      "without stream=true.",
                                 "invalid_request_error", "stream", {}, headers);
    else
      out.body = entry->body;
    return out;
  }
  mock::Answer list = mock::list_input_items(entry->input_items, query_param(query, "order"),
                                             query_param(query, "limit"), query_param(query, "after"));
  if (list.status != 200) out.error = json_response(list.status, std::move(list.body), headers);
  else out.body = std::move(list.body);
  return out;
}

}  // namespace

bool is_responses_request(const http::Request& req) {
  std::string_view path = req.path();
  if (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  return under(path, kOpenAI) || under(path, kAzure) || under(path, kAzureV1);
}

void clear_stored_responses() { store().clear(); }

asio::awaitable<void> serve_responses(App& app, http::Request& req, http::ResponseWriter& w) {
  app.stats.record(req);
  const std::shared_ptr<const Behaviour> snapshot = app.behaviour();
  const Behaviour& b = *snapshot;
  http::Headers headers;
  headers.add("x-request-id", app.next_request_id());
  add_body_digest(headers, req);

  Target t = resolve_responses(req.path());
  if (t.route == Route::unknown) {
    auto r = error_response(404, "Invalid URL (" + req.method + " " + std::string(req.path()) + ")",
                            "invalid_request_error", {}, {}, std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  if (!method_allowed(t.route, req.method)) {
    headers.add("Allow", std::string(allowed_methods(t.route)));
    auto r = error_response(405, "Method " + req.method + " is not allowed on " + std::string(req.path()),
                            "invalid_request_error", {}, {}, std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  bool proceed = co_await format_io::before_answer(b, w);
  if (!proceed) co_return;
  if (t.versioned) {
    auto version = query_param(req.query(), "api-version");
    if (!version || version->empty()) {
      auto r = error_response(400, "Missing required query parameter 'api-version'.", "invalid_request_error",
                              "api-version", "missing_api_version", std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
  }
  // Azure takes the key in api-key; its v1 paths also take it as a bearer
  // token, as the plain OpenAI SDKs send it.
  Endpoint ep;
  ep.azure = t.azure && !(!t.versioned && req.headers.find("api-key") == nullptr &&
                          !format_io::bearer_token(req).empty());
  if (auto denied = check_auth(b, req, ep, headers)) {
    co_await w.send(std::move(*denied));
    co_return;
  }
  bool streaming = t.route == Route::create && format_io::asks_for_stream(req.body);
  bool failing = app.should_fail(b);
  if (failing && !(streaming && b.fail_mid_stream)) {
    auto r = injected_failure(b.fail_status, b.retry_after, b.fail_code, std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  if (t.route != Route::create) {
    Found found = stored(req, t, headers);
    if (found.error) {
      co_await w.send(std::move(*found.error));
      co_return;
    }
    co_await format_io::send_ok(b, w, std::move(found.body), std::move(headers));
    co_return;
  }

  Created created = create(b, req, headers);
  if (created.error) {
    co_await w.send(std::move(*created.error));
    co_return;
  }
  mock::ResponsesAnswer& answer = created.answer;
  if (!answer.stream) {
    co_await format_io::send_ok(b, w, std::move(answer.body), std::move(headers));
    co_return;
  }
  mock::StreamAnswer events;
  events.events = std::move(answer.events);
  events.is_content = std::move(answer.is_content);
  std::optional<std::string> failure;
  if (failing) failure = stream_failure(b, events.events.size());
  co_await format_io::send_stream(app, b, w, std::move(events), std::move(headers), std::move(failure));
}

}  // namespace torii::mock_server
