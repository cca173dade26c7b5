#include "providers/openai/passthrough.hpp"

#include "providers/translated.hpp"

namespace torii::providers {

boost::asio::awaitable<AttemptOutcome> prepare_passthrough(http::UpstreamClient& client, const AttemptRequest& req) {
  const Provider& p = *req.provider;
  if (!p.has_credentials && (p.type == "openai" || p.type == "azure")) {
    // Not worth sending: another target may still serve the request.
    AttemptOutcome out;
    out.failure = {FailureClass::connect,
                   make_error(503, "provider '" + p.name + "' has no api_key configured", "provider_not_configured")};
    co_return out;
  }
  // The body is already OpenAI's format: forwarded as is, answered as is
  // (each stream event checked on the way).
  Translation tr;
  tr.native = true;
  const bool responses = req.endpoint == Endpoint::responses;
  tr.native_format = responses ? WireFormat::responses : WireFormat::openai;
  tr.native_events = responses ? responses_passthrough_events() : openai_passthrough_events();
  co_return co_await prepare_translated(client, req, tr);
}

}  // namespace torii::providers
