#include "providers/provider.hpp"

#include "providers/family.hpp"

#include <cctype>

namespace torii::providers {

namespace {

Kind kind_of(const std::string& type) {
  if (type == "azure") return Kind::azure;
  if (type == "anthropic") return Kind::anthropic;
  if (type == "gemini") return Kind::gemini;
  if (type == "bedrock") return Kind::bedrock;
  if (type == "cohere") return Kind::cohere;
  if (type == "mock") return Kind::mock;
  return Kind::openai;  // openai, openai-compatible and its presets
}

// Percent-encodes a path segment (deployment names are user-chosen).
std::string encode_segment(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string_view endpoint_path(Endpoint e) {
  switch (e) {
    case Endpoint::chat: return "/chat/completions";
    case Endpoint::completions: return "/completions";
    case Endpoint::embeddings: return "/embeddings";
  }
  return "";
}

bool Provider::supports(Endpoint e) const { return family_of(kind).supports(e); }

bool Provider::forwards_as_is(WireFormat format) const { return family_of(kind).native == format; }

std::string Provider::target(Endpoint e, std::string_view model, bool stream) const {
  std::string t = origin.path;
  if (kind == Kind::azure) {
    t += "/openai/deployments/";
    t += encode_segment(model);
    t += endpoint_path(e);
    t += "?api-version=";
    t += encode_segment(api_version);
    return t;
  }
  if (kind == Kind::anthropic) return t + "/v1/messages";
  if (kind == Kind::cohere) return t + "/v2/chat";
  // The model id is one segment, so ":" in "...-v1:0" goes as %3A.
  if (kind == Kind::bedrock) {
    t += "/model/" + encode_segment(model);
    if (e == Endpoint::embeddings) return t + "/invoke";
    return t + (stream ? "/converse-stream" : "/converse");
  }
  if (kind == Kind::gemini) {
    t += "/v1beta/models/";
    t += encode_segment(model);
    if (e == Endpoint::embeddings) return t + ":batchEmbedContents";
    return t + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  }
  t += endpoint_path(e);
  return t;
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
  p->kind = kind_of(cfg.type);
  p->api_version = cfg.api_version;
  p->timeout = std::chrono::milliseconds(cfg.timeout_ms);
  p->connect_timeout = std::chrono::milliseconds(cfg.connect_timeout_ms);
  if (p->kind != Kind::mock) {
    if (!http::parse_url(cfg.base_url, p->origin, error)) {
      error = "provider '" + cfg.name + "': base_url '" + cfg.base_url + "': " + error;
      return nullptr;
    }
  }
  p->has_credentials = !cfg.api_key.empty();
  if (!cfg.api_key.empty()) {
    switch (p->kind) {
      case Kind::azure: p->upstream_headers.add("api-key", cfg.api_key); break;
      case Kind::anthropic: p->upstream_headers.add("x-api-key", cfg.api_key); break;
      case Kind::gemini: p->upstream_headers.add("x-goog-api-key", cfg.api_key); break;
      default: p->upstream_headers.add("Authorization", "Bearer " + cfg.api_key); break;
    }
  }
  if (p->kind == Kind::bedrock) {
    p->has_credentials = !cfg.access_key_id.empty() || !cfg.api_key.empty();
    p->region = cfg.region;
    p->access_key_id = cfg.access_key_id;
    p->secret_access_key = cfg.secret_access_key;
    p->session_token = cfg.session_token;
  }
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
