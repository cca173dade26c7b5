// torii-mock: a deterministic fake LLM provider for tests and benchmarks.
#include <charconv>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "admin_routes.hpp"
#include "anthropic_routes.hpp"
#include "app.hpp"
#include "bedrock_routes.hpp"
#include "cohere_routes.hpp"
#include "gemini_routes.hpp"
#include "http/descriptors.hpp"
#include "http/server.hpp"
#include "openai_routes.hpp"
#include "otlp_routes.hpp"
#include "responses.hpp"
#include "responses_routes.hpp"

namespace {

using namespace torii;
using namespace torii::mock_server;
namespace asio = boost::asio;

constexpr std::string_view kUsage = R"(usage: torii-mock [--listen HOST:PORT] [--workers N] [flags]

  --listen HOST:PORT         default 127.0.0.1:4010; port 0 picks a free one
  --workers N                event-loop threads, default 1
  --api-key K                require "Authorization: Bearer K" ("api-key: K" on Azure paths,
                             "x-api-key: K" or Bearer on Anthropic, "x-goog-api-key: K" or ?key=K on Gemini)
  --latency-ms N             wait before the response head
  --ttft-ms N                streaming: wait before the first event
  --tokens-per-sec N         streaming: pace content events (0 = unpaced)
  --reply-words N            replies have exactly N words
  --fail-status CODE         answer CODE with the error body of the path's provider
  --retry-after S            with --fail-status: add Retry-After: S
  --fail-every N             with --fail-status: only every Nth request fails
  --reset before|during|truncate
                             TCP reset before answering / mid-stream, or a
                             stream that ends cleanly before its last events
  --reset-after-events N     where "--reset during" and --stall-ms strike (default 2)
  --malformed                invalid JSON body, or one invalid stream event
  --malformed-after N        streams: events before the invalid one (default 1)
  --fail-mid-stream          with --fail-status: streams fail after the 200 head (Anthropic,
                             Gemini, Cohere, Bedrock, Responses API paths) with the provider's
                             in-stream error
  --stall-ms N               stall before the head, or mid-stream
  --aws-access-key-id K      Bedrock paths: verify SigV4 with this key (and the secret below)
  --aws-secret-access-key S
  --aws-session-token T      Bedrock: require X-Amz-Security-Token: T
  --aws-region R             Bedrock: region when the Host names none (default us-east-1)
  --bad-crc[=message|prelude]  Bedrock streams: corrupt that CRC of one message
See tools/mock-provider/README.md.
)";

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 4010;
  int workers = 1;
  Behaviour behaviour;
};

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// HOST:PORT, with [v6]:PORT accepted.
bool parse_listen(std::string_view text, Options& o) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  int port = 0;
  if (!parse_int(text.substr(colon + 1), port) || port < 0 || port > 65535) return false;
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  o.host = std::string(host);
  o.port = static_cast<uint16_t>(port);
  return true;
}

// Returns an error message, or "" on success.
std::string parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--")) return "unexpected argument '" + std::string(arg) + "'";
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    bool needs_value = true;
    bool known = name == "listen" || name == "workers" || is_behaviour_flag(name, needs_value);
    if (!known) return "unknown flag --" + std::string(name);
    if (!value && needs_value) {
      if (i + 1 >= argc) return "--" + std::string(name) + " needs a value";
      value = argv[++i];
    }
    if (name == "listen") {
      if (!parse_listen(*value, o)) return "--listen needs HOST:PORT, got '" + std::string(*value) + "'";
    } else if (name == "workers") {
      if (!parse_int(*value, o.workers) || o.workers < 1) return "--workers needs a positive integer";
    } else {
      std::string error = apply_flag(o.behaviour, name, value.value_or(""));
      if (!error.empty()) return error;
    }
  }
  return "";
}

asio::awaitable<void> handle(std::shared_ptr<App> app, http::Request& req, http::ResponseWriter& w) {
  if (req.path().starts_with("/mock/")) co_await serve_admin(*app, req, w);
  else if (is_anthropic_request(req)) co_await serve_anthropic(*app, req, w);
  else if (is_gemini_request(req)) co_await serve_gemini(*app, req, w);
  else if (is_cohere_request(req)) co_await serve_cohere(*app, req, w);
  else if (is_bedrock_request(req)) co_await serve_bedrock(*app, req, w);
  else if (is_responses_request(req)) co_await serve_responses(*app, req, w);
  else if (is_otlp_request(req)) co_await serve_otlp(*app, req, w);
  else co_await serve_api(*app, req, w);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
  }
  Options options;
  if (std::string error = parse_args(argc, argv, options); !error.empty()) {
    std::cerr << "torii-mock: " << error << "\n" << kUsage;
    return 2;
  }
  // As torii does, before its threads start: a burst of connections must
  // not stall on the kernel growing the descriptor table (descriptors.hpp).
  torii::http::prepare_descriptors();

  auto app = std::make_shared<App>(options.behaviour);
  http::ServerOptions so;
  so.host = options.host;
  so.port = options.port;
  so.workers = options.workers;
  so.server_name = "torii-mock";
  // Tests stop the mock between cases; a stalled stream must not hold that up.
  so.shutdown_grace = std::chrono::milliseconds(1000);

  http::HandlerFactory factory = [app](int, asio::any_io_executor) -> http::Handler {
    return [app](http::Request& req, http::ResponseWriter& w) { return handle(app, req, w); };
  };
  http::ErrorResponder errors = [](int status, std::string_view message, std::string_view) {
    return server_error(status, message);
  };
  try {
    http::Server server(so, std::move(factory), std::move(errors));
    uint16_t port = server.bind();
    bool v6 = options.host.find(':') != std::string::npos;
    std::cout << "torii-mock listening on " << (v6 ? "[" + options.host + "]" : options.host) << ":" << port
              << std::endl;
    server.run();
  } catch (const std::exception& e) {
    std::cerr << "torii-mock: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
