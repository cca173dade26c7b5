#include "surfaces/responses_api.hpp"

#include <algorithm>
#include <optional>

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "http/percent.hpp"
#include "http/sse.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "llm/json_scan.hpp"
#include "llm/responses_format.hpp"
#include "surfaces/model_access.hpp"
#include "surfaces/response_archive.hpp"

namespace torii::surfaces {

namespace json = boost::json;
using providers::Exchange;

namespace {

// Canonical answers as a Response object or the Responses event stream.
class ResponsesOutput final : public providers::OutputTranslator {
 public:
  ResponsesOutput(llm::ResponseIdentity who, std::shared_ptr<const json::object> request)
      : request_(std::move(request)), who_(std::move(who)), stream_(who_) {}

  std::string content_type() const override { return "application/json"; }

  std::string body(std::string_view openai_json) override {
    json::error_code ec;
    json::value v = json::parse(openai_json, ec);
    if (ec || !v.is_object()) return std::string(openai_json);
    return json::serialize(llm::chat_to_response(v.get_object(), who_));
  }

  std::string events(std::string_view openai_events) override {
    translated_ = true;
    std::string out, raw;
    splitter_.feed(openai_events);
    http::SseEvent ev;
    while (splitter_.next(raw))
      if (http::parse_sse_event(raw, ev)) stream_.feed(ev.data, out);
    return out;
  }

  std::string finish() override {
    std::string out;
    stream_.finish(out);
    return out;
  }

  std::string error_event(const ApiError& e) override {
    std::string out;
    // A stream passed on as OpenAI sent it ends with the error alone.
    if (!translated_) return llm::responses_error_event(e, 0);
    stream_.fail(e, out);
    return out;
  }

 private:
  std::shared_ptr<const json::object> request_;  // what `who_` points into
  llm::ResponseIdentity who_;
  llm::ChatToResponsesStream stream_;
  http::SseSplitter splitter_;
  bool translated_ = false;
};

// Stores the Response as it goes out (a whole body, or the response a
// stream's completing event carries) and holds that data back until the
// store has it: the client's next request can only come after, and finds it
// stored on any node sharing the store.
class ResponseCapture final : public providers::OutputTap {
 public:
  ResponseCapture(store::StoreLocation where, store::ResponseRow row) : where_(std::move(where)), row_(std::move(row)) {}
  bool holds() const override { return holding_; }
  boost::asio::awaitable<void> settle() override {
    holding_ = false;
    const std::string id = row_.id;
    auto putting = ResponseArchive::instance().put(std::move(where_), std::move(row_));
    ArchiveAnswer stored = co_await std::move(putting);
    // The answer still goes out: it was generated (and paid for); only a
    // follow-up turn naming it will find it missing.
    if (!stored.ok) log::warn("responses: cannot store response {}: {}", id, stored.error);
  }
  void observe(int status, std::string_view data, bool streamed) override {
    if (status != 200) return;
    if (!streamed) {
      take(data);
      return;
    }
    splitter_.feed(data);
    std::string raw;
    http::SseEvent ev;
    while (splitter_.next(raw)) {
      if (!http::parse_sse_event(raw, ev)) continue;
      if (ev.event != "response.completed" && ev.event != "response.incomplete" &&
          ev.data.find("\"response.completed\"") == std::string::npos &&
          ev.data.find("\"response.incomplete\"") == std::string::npos)
        continue;
      json::error_code ec;
      json::value v = json::parse(ev.data, ec);
      if (!ec && v.is_object())
        if (auto* r = v.get_object().if_contains("response"); r && r->is_object()) keep(r->get_object());
    }
  }

 private:
  void take(std::string_view body) {
    json::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec && v.is_object() && llm::get::str(v.get_object(), "object") == "response") keep(v.get_object());
  }
  void keep(const json::object& response) {
    if (kept_) return;
    row_.id = std::string(llm::get::str(response, "id"));
    if (row_.id.empty()) return;
    kept_ = true;
    row_.response_json = json::serialize(response);
    row_.created_us = core::unix_now_us();
    holding_ = true;
  }
  store::StoreLocation where_;
  store::ResponseRow row_;  // owner, previous id and input items; the rest when it went out
  http::SseSplitter splitter_;
  bool kept_ = false;
  bool holding_ = false;  // kept, not yet stored
};

// A stored response's conversation: its input items, then its output items.
json::array conversation_of(const store::ResponseRow& row) {
  json::error_code ec;
  json::value in = json::parse(row.input_items_json, ec);
  json::value out = json::parse(row.response_json, ec);
  json::array items;
  if (in.is_array()) items = std::move(in.get_array());
  if (out.is_object())
    if (auto* o = out.get_object().if_contains("output"); o && o->is_array())
      for (auto& item : o->get_array()) items.push_back(std::move(item));
  return items;
}

std::string new_response_id(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "resp_";
  for (int i = 0; i < 3; ++i) {
    uint64_t r = rng();
    for (int k = 0; k < 16; ++k, r >>= 4) id += hex[r & 15];
  }
  return id;
}

ApiError not_found(const std::string& id) {
  return make_error(404, "No response found with id '" + id + "'.", "", "");
}

ApiError store_failed(const std::string& error) {
  return make_error(503, "the response store is not available: " + error, "store_unavailable");
}

// Checks what routing needs; an error to answer, or nothing.
std::optional<ApiError> decode(const routing::ModelTable& models, const http::Headers& headers,
                               const providers::Caller& caller, const llm::RequestScan& scan, const json::value& parsed,
                               routing::Model& direct, const routing::Model*& model) {
  if (!scan.valid) return make_error(400, "request body is not valid JSON: " + scan.error, "invalid_json");
  if (!scan.is_object || !parsed.is_object()) return make_error(400, "request body must be a JSON object", "invalid_json");
  if (!scan.has_model || !scan.model_is_string || scan.model.empty())
    return make_error(400, "Missing required parameter: 'model'.", "missing_required_parameter", "model");
  if (!routing::acceptable_model_name(scan.model))
    return make_error(400, "model: the name must be at most 256 bytes without control characters",
                      "invalid_model_name", "model");
  const json::object& body = parsed.get_object();
  if (auto* s = body.if_contains("store"); s && !s->is_bool() && !s->is_null())
    return make_error(400, "Invalid type for 'store': expected a boolean.", "invalid_type", "store");
  if (auto* p = body.if_contains("previous_response_id"); p && !p->is_string() && !p->is_null())
    return make_error(400, "Invalid type for 'previous_response_id': expected a string.", "invalid_type",
                      "previous_response_id");
  if (!body.contains("input") && !body.contains("previous_response_id"))
    return make_error(400, "Missing required parameter: 'input'.", "missing_required_parameter", "input");
  model = models.resolve(headers, scan.model, direct, caller);
  if (!model)
    return make_error(404, "The model '" + scan.model + "' does not exist or is not configured", "model_not_found",
                      "model");
  if (!routing::serves(*model, providers::Endpoint::chat))
    return make_error(400, "The model '" + scan.model + "' cannot serve /v1/responses (it is not a chat model)",
                      "unsupported_endpoint", "model");
  return std::nullopt;
}

boost::asio::awaitable<void> send_json(Exchange& ex, int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers = std::move(ex.response_headers);
  r.content_type = "application/json";
  r.body = std::move(body);
  co_await ex.out.send(std::move(r));
}

}  // namespace

boost::asio::awaitable<void> responses_create(ResponsesContext c, std::string body) {
  Exchange& ex = c.request.ex;
  llm::RequestScan scan = llm::scan_request(body);
  auto request = std::make_shared<json::object>();
  json::value parsed;
  if (scan.valid && scan.is_object) {
    json::error_code ec;
    parsed = llm::parse_json(body, ec);
  }
  routing::Model direct;
  const routing::Model* model = nullptr;
  if (std::optional<ApiError> error = decode(c.models, c.request.request.headers, ex.caller, scan, parsed, direct, model)) {
    co_await send_error(ex, *error);
    co_return;
  }
  *request = std::move(parsed.get_object());
  ex.route.model = model->name;
  const pipeline::Admission admission = admission_for(*model, scan, body.size(), true);
  std::optional<ApiError> refused = admission_refusal(ex, admission);
  if (!refused && ex.gate && ex.gate->admits_async()) {
    auto admitting = ex.gate->admit_async(admission);
    refused = co_await std::move(admitting);
  }
  if (refused) {
    co_await send_error(ex, *refused);
    co_return;
  }

  // The conversation so far: the previous response's input and output.
  const std::string previous_id(llm::get::str(*request, "previous_response_id"));
  json::array items;
  if (!previous_id.empty()) {
    auto fetching = ResponseArchive::instance().get(c.store, previous_id);
    ArchiveAnswer earlier = co_await std::move(fetching);
    if (!earlier.ok) {
      ApiError e = store_failed(earlier.error);
      co_await send_error(ex, e);
      co_return;
    }
    if (!earlier.found || earlier.row->owner != c.request.key_id) {
      ApiError e = make_error(400, "Previous response with id '" + previous_id + "' not found.",
                              "previous_response_not_found", "previous_response_id");
      co_await send_error(ex, e);
      co_return;
    }
    items = conversation_of(*earlier.row);
  }
  const std::string id = new_response_id(c.router.rng);
  llm::ResponsesRefusal bad;
  json::array own = llm::responses_input_items(*request, std::string_view(id).substr(5), bad);
  if (bad.refused()) {
    ApiError e = make_error(400, bad.message, "invalid_request_error", bad.param);
    co_await send_error(ex, e);
    co_return;
  }
  // item_reference items naming what Torii answered earlier (clients such as
  // the Vercel AI SDK send them instead of the item): the item itself, from
  // the stored response, so every target gets it. Others are left for an
  // OpenAI target to resolve (or refused when the target is translated).
  bool resolved_references = false;
  for (size_t i = 0; i < own.size(); ++i) {
    json::object& item = own[i].as_object();
    if (llm::get::str(item, "type") != "item_reference") continue;
    const std::string ref(llm::get::str(item, "id"));
    const std::string owner_id = llm::response_id_of_item(ref);
    if (owner_id.empty()) continue;
    auto fetching = ResponseArchive::instance().get(c.store, owner_id);
    ArchiveAnswer found = co_await std::move(fetching);
    if (!found.ok) {
      ApiError e = store_failed(found.error);
      co_await send_error(ex, e);
      co_return;
    }
    if (!found.found || found.row->owner != c.request.key_id) continue;
    // From the last item back: output items first, since an input item and
    // an output item of one response can share an id (both count from 0).
    json::array conversation = conversation_of(*found.row);
    for (auto it = conversation.rbegin(); it != conversation.rend(); ++it)
      if (it->is_object() && llm::get::str(it->get_object(), "id") == ref) {
        own[i] = std::move(*it);
        resolved_references = true;
        break;
      }  // not found: not one of ours after all
  }
  for (auto& item : own) items.push_back(std::move(item));

  // The canonical form, made at once: the input filters read it, and most
  // targets need it.
  llm::ResponsesRefusal untranslatable;
  std::string canonical = json::serialize(llm::responses_to_chat_request(*request, items, untranslatable));
  bool native_allowed = true;
  if (ex.gate && ex.gate->inspects_input()) {
    pipeline::Input input{model, providers::Endpoint::chat, canonical};
    auto inspecting = inspected_input(ex, input);
    std::optional<ApiError> blocked = co_await std::move(inspecting);
    if (blocked) {
      co_await send_error(ex, *blocked);
      co_return;
    }
    // A rewritten (redacted) request goes as rewritten: through the canonical form only.
    if (input.changed) native_allowed = false;
  }
  if (auto user = llm::get::str(*request, "user"); !user.empty()) ex.route.body_user = std::string(user);

  const bool stream = scan.stream;
  const bool keep = !(request->contains("store") && request->at("store").is_bool() && !request->at("store").get_bool());
  ex.translator = std::make_shared<ResponsesOutput>(llm::ResponseIdentity{id, core::unix_now_us() / 1'000'000, request.get()},
                                                    request);
  store::ResponseRow row;
  row.owner = c.request.key_id;
  row.previous_id = previous_id;
  if (keep) row.input_items_json = json::serialize(items);
  ResponseCapture capture(c.store, std::move(row));
  if (keep) ex.tap = &capture;

  routing::RouteInput in;
  in.model = model;
  in.endpoint = providers::Endpoint::chat;
  in.stream = stream;
  // OpenAI targets get the request as sent; with previous_response_id or
  // references to Torii's items, the conversation inlined instead (Torii
  // holds it).
  llm::RequestScan native_scan;
  if (native_allowed) {
    if (previous_id.empty() && !resolved_references) {
      in.native_body = std::make_shared<const std::string>(std::move(body));
    } else {
      json::object inlined = *request;
      inlined.erase("previous_response_id");
      inlined["input"] = llm::responses_items_for_openai(items);
      in.native_body = std::make_shared<const std::string>(json::serialize(inlined));
    }
    native_scan = llm::scan_request(*in.native_body);
    in.native_scan = &native_scan;
  }
  in.native_format = providers::WireFormat::responses;  // null native_body: every target gets the canonical form
  in.to_canonical = [canonical = std::move(canonical), untranslatable](std::string& out) -> std::optional<ApiError> {
    if (untranslatable.refused()) return make_error(400, untranslatable.message, "unsupported_parameter", untranslatable.param);
    out = canonical;
    return std::nullopt;
  };
  auto routing_done = routing::route_request(c.router, ex, std::move(in));
  co_await std::move(routing_done);
  ex.tap = nullptr;
}

boost::asio::awaitable<void> responses_item(ResponsesContext c, std::string rest) {
  Exchange& ex = c.request.ex;
  const std::string method = c.request.request.method == "HEAD" ? "GET" : c.request.request.method;
  std::string id = rest;
  bool list_items = false;
  if (size_t slash = rest.find('/'); slash != std::string::npos) {
    id = rest.substr(0, slash);
    list_items = rest.substr(slash) == "/input_items";
    if (!list_items || method != "GET") {
      ApiError e = make_error(404, "Unknown request URL: " + c.request.request.method + " " +
                                       std::string(c.request.request.path()), "unknown_url");
      co_await send_error(ex, e);
      co_return;
    }
  }
  if (method == "DELETE") {
    // Only the owner may delete: look first.
    auto fetching = ResponseArchive::instance().get(c.store, id);
    ArchiveAnswer found = co_await std::move(fetching);
    if (found.ok && found.found && found.row->owner == c.request.key_id) {
      auto removing = ResponseArchive::instance().remove(c.store, id);
      found = co_await std::move(removing);
    } else if (found.ok) {
      found.found = false;
    }
    if (!found.ok) {
      ApiError e = store_failed(found.error);
      co_await send_error(ex, e);
      co_return;
    }
    if (!found.found) {
      ApiError e = not_found(id);
      co_await send_error(ex, e);
      co_return;
    }
    std::string body = json::serialize(json::object{{"id", id}, {"object", "response"}, {"deleted", true}});
    co_await send_json(ex, 200, std::move(body));
    co_return;
  }
  auto fetching = ResponseArchive::instance().get(c.store, id);
  ArchiveAnswer found = co_await std::move(fetching);
  if (!found.ok) {
    ApiError e = store_failed(found.error);
    co_await send_error(ex, e);
    co_return;
  }
  if (!found.found || found.row->owner != c.request.key_id) {
    ApiError e = not_found(id);
    co_await send_error(ex, e);
    co_return;
  }
  if (!list_items) {
    co_await send_json(ex, 200, std::move(found.row->response_json));
    co_return;
  }
  // input_items: newest first unless order=asc; `limit` (1-100, default
  // 20) items after the `after` id.
  std::string order = "desc", after;
  int64_t limit = 20;
  std::string_view query = c.request.request.query();
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = http::percent_decode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : http::percent_decode(pair.substr(eq + 1), true);
    if (key == "order") order = value;
    else if (key == "after") after = value;
    else if (key == "limit") limit = std::atoll(value.c_str());
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  if ((order != "asc" && order != "desc") || limit < 1 || limit > 100) {
    ApiError e = make_error(400, "order must be asc or desc, and limit between 1 and 100", "invalid_value",
                            order != "asc" && order != "desc" ? "order" : "limit");
    co_await send_error(ex, e);
    co_return;
  }
  json::error_code ec;
  json::value all = json::parse(found.row->input_items_json, ec);
  json::array items = all.is_array() ? std::move(all.get_array()) : json::array{};
  if (order == "desc") std::reverse(items.begin(), items.end());
  size_t from = 0;
  if (!after.empty())
    for (size_t i = 0; i < items.size(); ++i)
      if (items[i].is_object() && llm::get::str(items[i].get_object(), "id") == after) from = i + 1;
  json::array page;
  for (size_t i = from; i < items.size() && int64_t(page.size()) < limit; ++i) page.push_back(items[i]);
  const bool more = from + page.size() < items.size();
  json::object list{{"object", "list"}};
  list["first_id"] = page.empty() ? json::value(nullptr) : json::value(llm::get::str(page.front().as_object(), "id"));
  list["last_id"] = page.empty() ? json::value(nullptr) : json::value(llm::get::str(page.back().as_object(), "id"));
  list["has_more"] = more;
  list["data"] = std::move(page);
  std::string listed = json::serialize(list);
  co_await send_json(ex, 200, std::move(listed));
}

}  // namespace torii::surfaces
