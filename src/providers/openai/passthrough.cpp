#include "providers/openai/passthrough.hpp"

#include "llm/json_scan.hpp"
#include "providers/translated.hpp"

namespace torii::providers {

boost::asio::awaitable<AttemptOutcome> prepare_passthrough(http::UpstreamClient& client, const AttemptRequest& req) {
  const Provider& p = *req.provider;
  if (!p.has_credentials && (p.type == "openai" || p.kind == Kind::azure)) {
    // Not worth sending: another target may still serve the request.
    AttemptOutcome out;
    out.failure = {FailureClass::connect,
                   make_error(503, "provider '" + p.name + "' has no api_key configured", "provider_not_configured")};
    co_return out;
  }
  // The body is already OpenAI's format: forwarded as is, answered as is.
  Translation tr;
  tr.native = true;
  tr.native_format = WireFormat::openai;
  if (req.strip_stream_usage) {
    // The client sees what it asked for: no usage chunk, and no "usage":null
    // member that include_usage adds to every other chunk.
    tr.native_filter = [](const std::string& event, std::string& out, std::string&) {
      if (llm::is_usage_only_chunk(event)) return true;
      static constexpr std::string_view kNullUsage = ",\"usage\":null";
      size_t at = event.find(kNullUsage);
      if (at == std::string::npos) {
        out += event;
      } else {
        out.append(event, 0, at);
        out.append(event, at + kNullUsage.size());
      }
      return true;
    };
  }
  co_return co_await prepare_translated(client, req, tr);
}

}  // namespace torii::providers
