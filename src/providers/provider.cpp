#include "providers/provider.hpp"

#include "providers/family.hpp"

namespace torii::providers {

std::string_view endpoint_path(Endpoint e) {
  switch (e) {
    case Endpoint::chat: return "/chat/completions";
    case Endpoint::completions: return "/completions";
    case Endpoint::embeddings: return "/embeddings";
    case Endpoint::responses: return "/responses";
  }
  return "";
}

bool Provider::supports(Endpoint e) const { return family->supports(e); }

bool Provider::forwards_as_is(WireFormat format) const {
  return format == WireFormat::responses ? speaks_responses : family->native == format;
}

std::string Provider::target(Endpoint e, std::string_view model, bool stream) const {
  return family->target(*this, e, model, stream);
}

namespace {

// The semantic conventions' well-known values; other hosts keep their type.
std::string genai_name_of(const ProviderConfig& cfg) {
  static const std::pair<const char*, const char*> names[] = {
      {"azure", "azure.ai.openai"}, {"gemini", "gcp.gemini"}, {"bedrock", "aws.bedrock"}, {"mistral", "mistral_ai"},
      {"xai", "x_ai"},
  };
  const std::string& key = cfg.preset.empty() ? cfg.type : cfg.preset;
  for (const auto& [from, to] : names)
    if (key == from) return to;
  return key;
}

}  // namespace

std::unique_ptr<Provider> make_provider(const ProviderConfig& cfg, std::string& error) {
  auto p = std::make_unique<Provider>();
  p->name = cfg.name;
  p->type = cfg.type;
  p->genai_name = genai_name_of(cfg);
  p->family = FamilyRegistry::builtin().find(cfg.type);
  if (!p->family) {
    error = "provider '" + cfg.name + "': no provider family serves type '" + cfg.type + "'";
    return nullptr;
  }
  p->speaks_responses = cfg.type == "openai" || cfg.type == "azure";
  p->api_version = cfg.api_version;
  p->timeout = std::chrono::milliseconds(cfg.timeout_ms);
  p->connect_timeout = std::chrono::milliseconds(cfg.connect_timeout_ms);
  if (p->family->needs_base_url) {
    if (!http::parse_url(cfg.base_url, p->origin, error)) {
      error = "provider '" + cfg.name + "': base_url '" + cfg.base_url + "': " + error;
      return nullptr;
    }
  }
  p->family->credentials(*p, cfg);
  for (const auto& [k, v] : cfg.headers) p->upstream_headers.set(k, v);
  if (!p->upstream_headers.find("content-type")) p->header_block += "Content-Type: application/json\r\n";
  for (const auto& h : p->upstream_headers) {
    // A credential or configured header with CR/LF (an env var read with
    // its newline, say) would inject lines of its own: refused at start.
    if (!http::append_header_line(p->header_block, h.name, h.value)) {
      error = "provider '" + cfg.name + "': header '" + h.name +
              "' has an invalid name, or a value with a CR, LF or NUL character";
      return nullptr;
    }
  }
  return p;
}

}  // namespace torii::providers
