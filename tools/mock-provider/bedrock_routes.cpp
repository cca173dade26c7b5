#include "bedrock_routes.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "format_io.hpp"
#include "providers/bedrock/event_stream.hpp"
#include "providers/bedrock/sigv4.hpp"
#include "formats/mock_converse.hpp"
#include "formats/mock_invoke.hpp"
#include "responses.hpp"
#include "streaming.hpp"

namespace torii::mock_server {

namespace asio = boost::asio;
namespace es = bedrock::eventstream;

namespace {

constexpr std::string_view kPrefix = "/model/";
constexpr std::string_view kEventStream = "application/vnd.amazon.eventstream";

struct Operation {
  std::string model_id;  // decoded
  bool stream = false;
  bool invoke = false;  // InvokeModel, served for the embedding families
  bool count = false;   // CountTokens
  bool known = false;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The model id is one encoded segment, so an ARN's '/' arrives as %2F.
Operation resolve(std::string_view path) {
  Operation op;
  path.remove_prefix(kPrefix.size());
  size_t slash = path.find('/');
  if (slash == 0 || slash == std::string_view::npos) return op;
  std::string_view action = path.substr(slash + 1);
  if (action != "converse" && action != "converse-stream" && action != "invoke" && action != "count-tokens") return op;
  op.model_id = percent_decode(path.substr(0, slash));
  op.stream = action == "converse-stream";
  op.invoke = action == "invoke";
  op.count = action == "count-tokens";
  op.known = true;
  return op;
}

// bedrock-runtime.<region>.amazonaws.com (or -fips), else the configured region.
std::string region_for(const Behaviour& b, std::string_view host) {
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos)
    host = host.substr(0, colon);
  for (std::string_view prefix : {"bedrock-runtime-fips.", "bedrock-runtime."}) {
    if (!host.starts_with(prefix)) continue;
    std::string_view rest = host.substr(prefix.size());
    size_t dot = rest.find('.');
    if (dot != std::string_view::npos && dot > 0 && rest.substr(dot).starts_with(".amazonaws.com"))
      return std::string(rest.substr(0, dot));
  }
  return b.aws_region.empty() ? std::string("us-east-1") : b.aws_region;
}

http::Response aws_error(int status, std::string_view type, std::string_view message, http::Headers headers) {
  headers.add("x-amzn-ErrorType", std::string(type));
  return json_response(status, mock::bedrock_error_body(message), std::move(headers));
}

// SigV4 when credentials are configured, a Bedrock API key ("Authorization:
// Bearer") when --api-key is; anything goes when neither is.
std::optional<http::Response> check_auth(const Behaviour& b, const http::Request& req, const http::Headers& headers) {
  bool sigv4 = !b.aws_access_key_id.empty() && !b.aws_secret_access_key.empty();
  if (!sigv4 && b.api_key.empty()) return std::nullopt;
  std::string_view bearer = format_io::bearer_token(req);
  if (!bearer.empty()) {
    if (!b.api_key.empty() && bearer == b.api_key) return std::nullopt;
    return aws_error(403, "UnrecognizedClientException", "The security token included in the request is invalid.",
                     headers);
  }
  if (!sigv4) {
    bool none = req.headers.get("authorization").empty();
    return none ? aws_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token", headers)
                : aws_error(403, "UnrecognizedClientException", "The security token included in the request is invalid.",
                            headers);
  }
  bedrock::SigV4Credentials creds{b.aws_access_key_id, b.aws_secret_access_key, b.aws_session_token};
  bedrock::Verification v = bedrock::verify(req, creds, region_for(b, req.headers.get("host")), "bedrock",
                                            std::chrono::system_clock::now());
  if (v.ok) return std::nullopt;
  return aws_error(v.status, v.error_type, v.message, headers);
}

std::string frame(const mock::ConverseEvent& e) { return es::encode(es::event(e.type, e.payload)); }

// A well-framed event whose JSON payload is cut in half, after `after`
// events: the framing holds, the JSON does not.
void insert_malformed(mock::StreamAnswer& s, const std::vector<mock::ConverseEvent>& events, int after) {
  auto first = std::find_if(events.begin(), events.end(), [](const auto& e) { return e.content; });
  if (first == events.end() || s.events.empty()) return;
  std::string half = first->payload.substr(0, first->payload.size() / 2);
  const auto at = std::ptrdiff_t(std::min<size_t>(size_t(after), s.events.size()));
  s.events.insert(s.events.begin() + at, es::encode(es::event(first->type, std::move(half))));
  s.is_content.insert(s.is_content.begin() + at, false);
}

// Flips the low bit of one CRC, so the gateway's decoder must refuse the message.
void corrupt_crc(std::string& message, std::string_view which) {
  size_t at = which == "prelude" ? 11 : message.size() - 1;
  message[at] = static_cast<char>(message[at] ^ 0x01);
}

asio::awaitable<void> stream(App& app, const Behaviour& b, http::ResponseWriter& w,
                             const mock::ConverseStreamAnswer& answer, std::optional<mock::BedrockError> failure,
                             http::Headers headers) {
  mock::StreamAnswer s;
  for (const auto& e : answer.events) {
    s.events.push_back(frame(e));
    s.is_content.push_back(e.content);
  }
  Behaviour shaped = b;
  if (b.malformed) insert_malformed(s, answer.events, b.malformed_after);
  shaped.malformed = false;  // stream_events' own version assumes SSE text
  if (failure) {
    // The exception takes the place where a reset or stall would strike.
    size_t keep = s.events.empty() ? 0 : std::min(static_cast<size_t>(b.reset_after_events), s.events.size() - 1);
    s.events.resize(keep);
    s.is_content.resize(keep);
    s.events.push_back(es::encode(es::exception(mock::stream_exception_type(failure->type),
                                                mock::stream_exception_payload(*failure))));
    s.is_content.push_back(false);
    shaped.reset = ResetMode::none;
    shaped.stall_ms = 0;
  }
  if (!b.bad_crc.empty() && !s.events.empty())
    corrupt_crc(s.events[std::min(static_cast<size_t>(b.reset_after_events), s.events.size() - 1)], b.bad_crc);
  co_await stream_events(app, shaped, w, std::move(s), std::move(headers), kEventStream);
}

}  // namespace

bool is_bedrock_request(const http::Request& req) { return req.path().starts_with(kPrefix); }

asio::awaitable<void> serve_bedrock(App& app, http::Request& req, http::ResponseWriter& w) {
  app.stats.record(req);
  const std::shared_ptr<const Behaviour> snapshot = app.behaviour();
  const Behaviour& b = *snapshot;
  http::Headers headers;
  headers.add("x-amzn-RequestId", app.next_request_id());
  add_body_digest(headers, req);

  Operation op = resolve(req.path());
  if (!op.known) {
    auto r = aws_error(404, "UnknownOperationException", "Unknown operation " + std::string(req.path()),
                       std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  if (req.method != "POST") {
    headers.add("Allow", "POST");
    auto r = aws_error(405, "UnknownOperationException",
                       "Method " + req.method + " is not allowed on " + std::string(req.path()), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }

  bool go_on = co_await format_io::before_answer(b, w);
  if (!go_on) co_return;
  if (auto denied = check_auth(b, req, headers)) {
    co_await w.send(std::move(*denied));
    co_return;
  }

  std::optional<mock::BedrockError> failure;
  if (app.should_fail(b)) {
    failure = mock::bedrock_error(b.fail_status, b.fail_code);
    if (!op.stream || !b.fail_mid_stream) {
      format_io::add_retry_after(b, headers);
      auto r = aws_error(failure->status, failure->type, failure->message, std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
  }

  auto body = format_io::parse_object(req.body);
  if (!body) {
    auto r = aws_error(400, "ValidationException",
                       "Malformed input request, please reformat your input and try again.", std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  if (op.count) {
    mock::ConverseAnswer counted = mock::count_tokens(*body, op.model_id);
    if (counted.status != 200) headers.add("x-amzn-ErrorType", counted.error_type);
    auto r = json_response(counted.status, std::move(counted.body), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  if (op.invoke) {
    mock::InvokeAnswer invoked = mock::invoke_model(*body, op.model_id);
    if (invoked.answer.status != 200) {
      headers.add("x-amzn-ErrorType", invoked.answer.error_type);
      auto r = json_response(invoked.answer.status, std::move(invoked.answer.body), std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    headers.add("X-Amzn-Bedrock-Input-Token-Count", std::to_string(invoked.input_tokens));
    co_await format_io::send_ok(b, w, std::move(invoked.answer.body), std::move(headers));
    co_return;
  }
  mock::GenerateOptions gen;
  gen.reply_words = b.reply_words;

  if (op.stream) {
    mock::ConverseStreamAnswer answer = mock::converse_stream(*body, op.model_id, gen, b.latency_ms);
    if (answer.error.status != 200) {
      headers.add("x-amzn-ErrorType", answer.error.error_type);
      auto r = json_response(answer.error.status, std::move(answer.error.body), std::move(headers));
      co_await w.send(std::move(r));
      co_return;
    }
    co_await stream(app, b, w, answer, failure, std::move(headers));
    co_return;
  }

  mock::ConverseAnswer answer = mock::converse(*body, op.model_id, gen, b.latency_ms);
  if (answer.status != 200) {
    headers.add("x-amzn-ErrorType", answer.error_type);
    auto r = json_response(answer.status, std::move(answer.body), std::move(headers));
    co_await w.send(std::move(r));
    co_return;
  }
  co_await format_io::send_ok(b, w, std::move(answer.body), std::move(headers));
}

}  // namespace torii::mock_server
