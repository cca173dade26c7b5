#pragma once
// The OpenAI-compatible inbound API: /v1/chat/completions, /v1/completions,
// /v1/embeddings and /v1/models.
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "providers/exchange.hpp"
#include "providers/provider.hpp"
#include "routing/model_table.hpp"
#include "routing/router.hpp"

namespace torii::surfaces {

// Decodes the request body, resolves its model (routes, configured names,
// provider/model) and hands it to the router.
boost::asio::awaitable<void> openai_inference(routing::RouterContext& ctx, providers::Exchange& ex,
                                              const routing::ModelTable& models, const http::Headers& headers,
                                              providers::Endpoint endpoint, std::string body);

// The /v1/models body for the configured model names, computed once.
// `caller` (its key, user and team allow-lists) narrows the list; null = every model.
std::string openai_models_body(const routing::ModelTable& models, const providers::Exchange* caller = nullptr);
// The same list in Anthropic's shape (a request with an anthropic-version header).
std::string anthropic_models_body(const routing::ModelTable& models, const providers::Exchange* caller = nullptr);
// GET /v1/models/{id}: the model object, in either shape; "" when `id` is
// not a configured model this caller may use.
std::string model_object_body(const routing::ModelTable& models, const providers::Exchange& caller, std::string_view id,
                              bool anthropic);

}  // namespace torii::surfaces
