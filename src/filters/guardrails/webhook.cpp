#include "filters/guardrails/webhook.hpp"

#include <boost/json.hpp>

#include "llm/json_dom.hpp"

namespace torii::filters::guardrails {

namespace json = boost::json;

namespace {
constexpr size_t kMaxAnswer = 8 << 20;
}

boost::asio::awaitable<Verdict> ask_webhook(http::UpstreamClient& client, const Rule& rule,
                                            const std::vector<std::string>& texts) {
  json::array list;
  for (const auto& t : texts) list.emplace_back(t);
  const std::string body = json::serialize(json::object{{"rule", rule.name}, {"side", "input"}, {"texts", std::move(list)}});
  http::UpstreamRequest req;
  req.method = "POST";
  req.origin = rule.endpoint.get();
  req.target = rule.endpoint->path.empty() ? "/" : rule.endpoint->path;
  req.headers.add("Content-Type", "application/json");
  req.headers.add("Accept", "application/json");
  for (const auto& [k, v] : rule.headers) req.headers.add(k, v);
  req.body = body;
  req.connect_timeout = std::chrono::milliseconds(rule.timeout_ms);
  req.total_timeout = std::chrono::milliseconds(rule.timeout_ms);
  Verdict v;
  http::UpstreamError error;
  auto sending = client.send(req, error);
  std::unique_ptr<http::UpstreamResponse> resp = co_await std::move(sending);
  if (!resp) {
    v.reason = "the webhook could not be reached: " + error.message;
    co_return v;
  }
  std::string answer;
  auto reading = resp->read_all(answer, kMaxAnswer, error);
  const bool read = co_await std::move(reading);
  if (!read) {
    v.reason = "the webhook's answer was cut: " + error.message;
    co_return v;
  }
  if (resp->status() != 200) {
    v.reason = "the webhook answered " + std::to_string(resp->status());
    co_return v;
  }
  json::error_code ec;
  json::value parsed = llm::parse_json(answer, ec);
  const json::object* o = !ec && parsed.is_object() ? &parsed.get_object() : nullptr;
  const json::value* action = o ? o->if_contains("action") : nullptr;
  if (!action || !action->is_string()) {
    v.reason = "the webhook's answer has no action";
    co_return v;
  }
  if (const json::value* r = o->if_contains("reason"); r && r->is_string()) v.reason = std::string(r->get_string());
  if (action->get_string() == "allow") {
    v.kind = Verdict::allow;
  } else if (action->get_string() == "block") {
    v.kind = Verdict::block;
  } else if (action->get_string() == "rewrite") {
    const json::value* t = o->if_contains("texts");
    if (!t || !t->is_array() || t->get_array().size() != texts.size()) {
      v.reason = "the webhook's rewrite does not carry one text per text sent";
      co_return v;
    }
    for (const auto& x : t->get_array()) {
      if (!x.is_string()) {
        v.texts.clear();
        v.reason = "the webhook's rewrite has a text that is not a string";
        co_return v;
      }
      v.texts.emplace_back(x.get_string());
    }
    v.kind = Verdict::rewrite;
  } else {
    v.reason = "the webhook answered an unknown action '" + std::string(action->get_string()) + "'";
  }
  co_return v;
}

}  // namespace torii::filters::guardrails
