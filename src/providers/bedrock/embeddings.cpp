#include <boost/json.hpp>

#include "llm/bedrock_embeddings.hpp"
#include "llm/json_dom.hpp"
#include "providers/answers.hpp"
#include "providers/bedrock/common.hpp"

namespace torii::providers {

namespace json = boost::json;

namespace {

int64_t header_count(const http::Headers& headers, std::string_view name) {
  std::string_view v = headers.get(name);
  if (v.empty()) return -1;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

boost::asio::awaitable<AttemptOutcome> prepare_bedrock_embeddings(http::UpstreamClient& client,
                                                                  const AttemptRequest& req,
                                                                  const json::object& openai) {
  const Provider& p = *req.provider;
  AttemptOutcome out;
  std::string error;
  llm::BedrockEmbedPlan plan = llm::openai_to_bedrock_embeddings(openai, req.model, error);
  if (!error.empty()) {
    out.failure = {FailureClass::status, make_error(400, error, "invalid_request")};
    co_return out;
  }
  // Titan embeds one text per call, so a list of inputs is several calls on
  // the same connection pool; the first failure decides the attempt.
  llm::BedrockEmbeddings collected(plan.family);
  http::Headers extra;
  for (size_t i = 0; i < plan.bodies.size(); ++i) {
    const std::string& body = plan.bodies[i];
    http::UpstreamRequest up = upstream_request(req, "application/json");
    sign_bedrock_request(p, up, body);
    up.body = body;

    http::UpstreamError err;
    auto resp = co_await client.send(up, err);
    if (!resp) {
      out.failure = transport_failure(p.name, err);
      co_return out;
    }
    CancelWhileReading cancel_guard(req.cancel, *resp);

    int status = resp->status();
    if (status >= 400) {
      std::string text;
      co_await resp->read_all(text, kMaxErrorBody, err);
      out.failure = status_failure(bedrock_upstream_error(status, resp->headers(), text), resp->headers());
      co_return out;
    }
    if (i == 0) copy_upstream_headers(resp->headers(), extra);
    std::string answer;
    bool complete = co_await resp->read_all(answer, kMaxResponseBody, err);
    if (!complete) {
      out.failure = transport_failure(p.name, err);
      co_return out;
    }
    json::error_code ec;
    json::value v = llm::parse_json(answer, ec);
    std::string why;
    if (ec || !v.is_object())
      why = "invalid JSON";
    else
      collected.add(v.get_object(), header_count(resp->headers(), "x-amzn-bedrock-input-token-count"), why);
    if (!why.empty()) {
      out.failure = {FailureClass::protocol,
                     make_error(502, "upstream '" + p.name + "' returned an unusable embeddings answer: " + why,
                                "upstream_invalid_response")};
      co_return out;
    }
  }
  out.answer = std::make_unique<BufferedAnswer>(WireFormat::openai, 200, "application/json", std::move(extra),
                                                json::serialize(collected.finish(req.model, plan.base64)));
  co_return out;
}

}  // namespace torii::providers
