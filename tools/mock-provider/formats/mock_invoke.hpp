#pragma once
// Deterministic answers to Bedrock's InvokeModel for the embedding families
// Torii translates to: Amazon Titan Text Embeddings and Cohere Embed. The
// vectors are the OpenAI mock's (mock::embeddings) for the same text, so
// every provider format embeds a text the same way.
#include <cstdint>
#include <string_view>

#include <boost/json/object.hpp>

#include "formats/mock_converse.hpp"

namespace torii::mock {

struct InvokeAnswer {
  ConverseAnswer answer;     // the model's native body, or a ValidationException
  int64_t input_tokens = 0;  // X-Amzn-Bedrock-Input-Token-Count
};

// `model_id` is the decoded {modelId} of the path. Other model families get
// 400 ValidationException.
InvokeAnswer invoke_model(const boost::json::object& req, std::string_view model_id);

}  // namespace torii::mock
