#pragma once
// OpenAI /v1/embeddings through Bedrock's InvokeModel, for the two embedding
// families whose native bodies are known: Amazon Titan Text Embeddings (one
// text per call) and Cohere Embed (a batch of texts per call). Pure functions,
// unit-tested offline; signing and sending live in the bedrock adapter.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace torii::llm {

enum class BedrockEmbedFamily { unknown, titan, cohere };

// From the model id: amazon.titan-embed* or cohere.embed*, also behind a
// cross-region inference profile prefix ("us.cohere.embed-v4:0").
BedrockEmbedFamily bedrock_embed_family(std::string_view model_id);

// Cohere Embed takes at most this many texts per call.
constexpr size_t kCohereEmbedBatch = 96;

struct BedrockEmbedPlan {
  BedrockEmbedFamily family = BedrockEmbedFamily::unknown;
  std::vector<std::string> bodies;  // InvokeModel bodies, sent in order
  bool base64 = false;              // the client asked for encoding_format "base64"
};

// `error` is set (and the plan empty) when the request cannot be served:
// token-id inputs, empty input, an unknown model family.
BedrockEmbedPlan openai_to_bedrock_embeddings(const boost::json::object& openai, std::string_view model_id,
                                              std::string& error);

// Collects the InvokeModel answers of one plan, in order, into the OpenAI list.
class BedrockEmbeddings {
 public:
  explicit BedrockEmbeddings(BedrockEmbedFamily family) : family_(family) {}
  // One answer; `input_tokens` is X-Amzn-Bedrock-Input-Token-Count (-1 when
  // absent), used when the body carries no count. Returns false (with `error`)
  // when the answer holds no vectors.
  bool add(const boost::json::object& answer, int64_t input_tokens, std::string& error);
  boost::json::object finish(std::string_view model, bool base64) const;

 private:
  BedrockEmbedFamily family_;
  std::vector<boost::json::array> vectors_;
  int64_t tokens_ = 0;
};

// Little-endian float32 values in base64, as OpenAI's encoding_format "base64".
std::string float32_base64(const boost::json::array& values);

}  // namespace torii::llm
