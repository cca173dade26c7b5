#include "formats/mock_invoke.hpp"

#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>

#include <boost/json.hpp>

namespace torii::mock {

namespace json = boost::json;

namespace {

constexpr size_t kCohereMaxTexts = 96;
constexpr int64_t kMaxDimensions = 8192;

struct Invalid {
  std::string message;
};

// Bedrock validates InvokeModel bodies against the model's JSON schema and
// words the failures this way.
[[noreturn]] void malformed(std::string_view detail) {
  throw Invalid{"Malformed input request: " + std::string(detail) + ", please reformat your input and try again."};
}

void only_keys(const json::object& req, std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : req) {
    bool ok = false;
    for (auto a : allowed) ok = ok || kv.key() == a;
    if (!ok) malformed("#: extraneous key [" + std::string(kv.key()) + "] is not permitted");
  }
}

std::string_view text_at(const json::value* v, std::string_view path) {
  if (!v) malformed("#: required key [" + std::string(path.substr(path.rfind('/') + 1)) + "] not found");
  if (!v->is_string()) malformed(std::string(path) + ": expected type: String, found: " + (v->is_array() ? "JSONArray" : "other"));
  if (v->get_string().empty()) malformed(std::string(path) + ": expected minLength: 1, actual: 0");
  return v->get_string();
}

std::optional<int64_t> dimensions_at(const json::value* v, std::string_view path) {
  if (!v) return std::nullopt;
  if (!v->is_int64() && !v->is_uint64()) malformed(std::string(path) + ": expected type: Integer");
  int64_t n = v->to_number<int64_t>();
  if (n < 1 || n > kMaxDimensions) malformed(std::string(path) + ": " + std::to_string(n) + " is not a valid value");
  return n;
}

// The OpenAI mock's vector for `text`: every format embeds a text alike.
json::value vector_for(std::string_view text, std::optional<int64_t> dims, std::string_view model) {
  json::object oreq{{"model", model}, {"input", text}};
  if (dims) oreq["dimensions"] = *dims;
  Answer a = embeddings(oreq, model);
  if (a.status != 200) malformed("#: input cannot be embedded");
  return json::parse(a.body).at("data").at(0).at("embedding");
}

std::string_view without_profile_prefix(std::string_view id) {
  for (std::string_view p : {"us.", "eu.", "apac.", "us-gov.", "global.", "ca.", "jp.", "au."})
    if (id.starts_with(p)) return id.substr(p.size());
  return id;
}

InvokeAnswer titan(const json::object& req, std::string_view id, std::string_view model_id) {
  const bool v2 = id.starts_with("amazon.titan-embed-text-v2");
  const bool multimodal = id.starts_with("amazon.titan-embed-image");
  std::optional<int64_t> dims;
  if (v2) {
    only_keys(req, {"inputText", "dimensions", "normalize", "embeddingTypes"});
    dims = dimensions_at(req.if_contains("dimensions"), "#/dimensions");
    if (auto* n = req.if_contains("normalize"); n && !n->is_bool()) malformed("#/normalize: expected type: Boolean");
  } else if (multimodal) {
    only_keys(req, {"inputText", "inputImage", "embeddingConfig"});
    if (auto* c = req.if_contains("embeddingConfig"); c && c->is_object())
      dims = dimensions_at(c->get_object().if_contains("outputEmbeddingLength"), "#/embeddingConfig/outputEmbeddingLength");
  } else {
    only_keys(req, {"inputText"});
  }
  std::string_view text = text_at(req.if_contains("inputText"), "#/inputText");
  InvokeAnswer out;
  out.input_tokens = count_tokens(text);
  json::value vec = vector_for(text, dims, model_id);
  json::object body{{"embedding", vec}, {"inputTextTokenCount", out.input_tokens}};
  if (v2) body["embeddingsByType"] = json::object{{"float", vec}};
  out.answer = {200, {}, json::serialize(body)};
  return out;
}

InvokeAnswer cohere(const json::object& req, std::string_view model_id) {
  only_keys(req, {"texts", "images", "input_type", "truncate", "embedding_types", "output_dimension", "max_tokens"});
  const json::value* texts = req.if_contains("texts");
  if (!texts) malformed("#: required key [texts] not found");
  if (!texts->is_array()) malformed("#/texts: expected type: JSONArray");
  if (texts->get_array().size() > kCohereMaxTexts)
    malformed("#/texts: expected maximum item count: " + std::to_string(kCohereMaxTexts) +
              ", found: " + std::to_string(texts->get_array().size()));
  const json::value* type = req.if_contains("input_type");
  if (!type) malformed("#: required key [input_type] not found");
  std::string_view t = type->is_string() ? std::string_view(type->get_string()) : std::string_view();
  if (t != "search_document" && t != "search_query" && t != "classification" && t != "clustering")
    malformed("#/input_type: " + (t.empty() ? json::serialize(*type) : std::string(t)) + " is not a valid enum value");
  bool by_type = false;
  if (const json::value* types = req.if_contains("embedding_types")) {
    if (!types->is_array()) malformed("#/embedding_types: expected type: JSONArray");
    for (const auto& e : types->get_array())
      if (!e.is_string() || e.get_string() != "float")
        malformed("#/embedding_types: only \"float\" embeddings are served by torii-mock");
    by_type = true;
  }
  std::optional<int64_t> dims = dimensions_at(req.if_contains("output_dimension"), "#/output_dimension");

  InvokeAnswer out;
  json::array vectors;
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the texts: the same batch gets the same id
  for (size_t i = 0; i < texts->get_array().size(); ++i) {
    std::string path = "#/texts/" + std::to_string(i);
    std::string_view text = text_at(&texts->get_array()[i], path);
    out.input_tokens += count_tokens(text);
    vectors.push_back(vector_for(text, dims, model_id));
    for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  }
  char id[40];
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-8%03x-%012llx", unsigned(h >> 32), unsigned(h >> 16) & 0xffff,
                unsigned(h >> 4) & 0xfff, unsigned(h) & 0xfff, static_cast<unsigned long long>(h & 0xffffffffffffull));
  json::object body;
  if (by_type) {
    body["embeddings"] = json::object{{"float", std::move(vectors)}};
    body["response_type"] = "embeddings_by_type";
  } else {
    body["embeddings"] = std::move(vectors);
    body["response_type"] = "embeddings_floats";
  }
  body["id"] = id;
  body["texts"] = *texts;
  out.answer = {200, {}, json::serialize(body)};
  return out;
}

}  // namespace

InvokeAnswer invoke_model(const json::object& req, std::string_view model_id) {
  std::string_view id = without_profile_prefix(model_id);
  try {
    if (id.starts_with("amazon.titan-embed")) return titan(req, id, model_id);
    if (id.starts_with("cohere.embed")) return cohere(req, model_id);
    throw Invalid{"The provided model identifier is invalid."};
  } catch (const Invalid& e) {
    return {{400, "ValidationException", bedrock_error_body(e.message)}, 0};
  }
}

}  // namespace torii::mock
