#include "llm/bedrock_embeddings.hpp"

#include <algorithm>
#include <cstring>

#include <boost/json.hpp>

#include "llm/json_get.hpp"

namespace torii::llm {

namespace json = boost::json;
using namespace get;

namespace {

// Inference profiles put a geography in front of the model id.
std::string_view without_profile_prefix(std::string_view id) {
  for (std::string_view p : {"us.", "eu.", "apac.", "us-gov.", "global.", "ca.", "jp.", "au."})
    if (id.starts_with(p)) return id.substr(p.size());
  return id;
}

}  // namespace

BedrockEmbedFamily bedrock_embed_family(std::string_view model_id) {
  std::string_view id = without_profile_prefix(model_id);
  if (id.starts_with("amazon.titan-embed")) return BedrockEmbedFamily::titan;
  if (id.starts_with("cohere.embed")) return BedrockEmbedFamily::cohere;
  return BedrockEmbedFamily::unknown;
}

BedrockEmbedPlan openai_to_bedrock_embeddings(const json::object& in, std::string_view model_id, std::string& error) {
  BedrockEmbedPlan plan;
  plan.family = bedrock_embed_family(model_id);
  if (plan.family == BedrockEmbedFamily::unknown) {
    error = "model '" + std::string(model_id) +
            "' cannot embed through this provider: Bedrock embeddings need an amazon.titan-embed* or cohere.embed* model";
    return {};
  }
  std::vector<std::string_view> texts;
  const json::value* input = in.if_contains("input");
  if (input && input->is_string() && !input->get_string().empty()) {
    texts.push_back(input->get_string());
  } else if (input && input->is_array() && !input->get_array().empty()) {
    for (const auto& v : input->get_array()) {
      if (v.is_string() && !v.get_string().empty()) {
        texts.push_back(v.get_string());
        continue;
      }
      error = v.is_string() ? "input: empty strings cannot be embedded"
                            : "input: Bedrock embeds text only; token arrays cannot be sent to this provider";
      return {};
    }
  } else {
    error = "input must be a non-empty string or a non-empty array of strings";
    return {};
  }
  plan.base64 = str(in, "encoding_format") == "base64";

  if (plan.family == BedrockEmbedFamily::titan) {
    // Titan's generations take different bodies, and G1 refuses any key but
    // inputText ("extraneous key ... is not permitted").
    std::string_view id = without_profile_prefix(model_id);
    const bool v2 = id.starts_with("amazon.titan-embed-text-v2");
    const bool multimodal = id.starts_with("amazon.titan-embed-image");
    const json::value* dims = in.if_contains("dimensions");
    if (dims && !dims->is_null() && (!dims->is_number() || (!v2 && !multimodal))) {
      error = dims->is_number() ? "dimensions: model '" + std::string(model_id) + "' has a fixed number of dimensions"
                                : "dimensions must be an integer";
      return {};
    }
    const bool sized = dims && dims->is_number();
    for (auto t : texts) {
      json::object body{{"inputText", t}};
      if (v2) {
        if (sized) body["dimensions"] = *dims;
        body["normalize"] = true;  // OpenAI's vectors are unit length; clients compare with dot products
      } else if (multimodal && sized) {
        body["embeddingConfig"] = json::object{{"outputEmbeddingLength", *dims}};
      }
      plan.bodies.push_back(json::serialize(body));
    }
    return plan;
  }
  // OpenAI has no notion of query vs document; a document is what most
  // embeddings calls index. A client may still name Cohere's input_type.
  std::string_view input_type = str(in, "input_type");
  if (input_type.empty()) input_type = "search_document";
  for (size_t start = 0; start < texts.size(); start += kCohereEmbedBatch) {
    json::array batch;
    for (size_t i = start; i < texts.size() && i < start + kCohereEmbedBatch; ++i) batch.emplace_back(texts[i]);
    plan.bodies.push_back(json::serialize(json::object{{"texts", std::move(batch)}, {"input_type", input_type}}));
  }
  return plan;
}

bool BedrockEmbeddings::add(const json::object& answer, int64_t input_tokens, std::string& error) {
  if (family_ == BedrockEmbedFamily::titan) {
    const json::array* values = arr(answer, "embedding");
    if (!values) {
      error = "answer has no 'embedding' array";
      return false;
    }
    vectors_.push_back(*values);
    tokens_ += answer.contains("inputTextTokenCount") ? integer(answer, "inputTextTokenCount")
                                                      : std::max<int64_t>(input_tokens, 0);
    return true;
  }
  // Cohere answers a list of vectors, or (when embedding_types was named, as
  // Embed v4 does) an object of lists keyed by type.
  const json::array* list = arr(answer, "embeddings");
  if (!list)
    if (const json::object* by_type = obj(answer, "embeddings")) list = arr(*by_type, "float");
  if (!list) {
    error = "answer has no float 'embeddings'";
    return false;
  }
  for (const auto& v : *list) {
    if (!v.is_array()) {
      error = "answer has an embedding that is not an array";
      return false;
    }
    vectors_.push_back(v.get_array());
  }
  int64_t billed = integer(obj(obj(answer, "meta"), "billed_units"), "input_tokens");
  tokens_ += billed > 0 ? billed : std::max<int64_t>(input_tokens, 0);
  return true;
}

json::object BedrockEmbeddings::finish(std::string_view model, bool base64) const {
  json::array data;
  for (size_t i = 0; i < vectors_.size(); ++i) {
    json::object e{{"object", "embedding"}, {"index", int64_t(i)}};
    if (base64)
      e["embedding"] = float32_base64(vectors_[i]);
    else
      e["embedding"] = vectors_[i];
    data.push_back(std::move(e));
  }
  return json::object{{"object", "list"},
                      {"data", std::move(data)},
                      {"model", model},
                      {"usage", json::object{{"prompt_tokens", tokens_}, {"total_tokens", tokens_}}}};
}

std::string float32_base64(const json::array& values) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  bytes.reserve(values.size() * 4);
  for (const auto& x : values) {
    float f = x.is_number() ? float(x.to_number<double>()) : 0.0f;
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int b = 0; b < 4; ++b) bytes += char((u >> (8 * b)) & 0xff);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto at = [&](size_t k) { return uint32_t(static_cast<unsigned char>(bytes[k])); };
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += table[n & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = at(i) << 16;
    if (i + 1 < bytes.size()) n |= at(i + 1) << 8;
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace torii::llm
