#pragma once
// Which API a request path names, in the OpenAI form (/v1/...) or the Azure
// OpenAI form (/openai/deployments/{deployment}/...).
#include <optional>
#include <string>
#include <string_view>

namespace torii::mock_server {

enum class Api { unknown, chat, completions, embeddings, models, model };

struct Endpoint {
  Api api = Api::unknown;
  std::string_view method = "POST";
  bool azure = false;
  std::string deployment;  // Azure only
  std::string model_id;    // GET /v1/models/{id}
};

Endpoint resolve(std::string_view path);

// The (undecoded) value of `name` in a query string, if present.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name);

}  // namespace torii::mock_server
