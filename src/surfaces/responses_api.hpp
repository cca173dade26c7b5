#pragma once
// OpenAI's Responses API: POST /v1/responses, GET and DELETE
// /v1/responses/{id}, GET /v1/responses/{id}/input_items. OpenAI and Azure
// targets get the request as sent (only `model` rewritten, earlier turns
// inlined for previous_response_id); every other target gets it through the
// canonical chat format, and its answer is re-encoded as a Response object
// or the Responses event stream. Answers are kept in Torii's store (unless
// `store: false`), so a conversation continues on any node and provider.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "pipeline/request_context.hpp"
#include "routing/model_table.hpp"
#include "routing/router.hpp"
#include "store/open_stores.hpp"

namespace torii::surfaces {

struct ResponsesContext {
  routing::RouterContext& router;
  pipeline::RequestContext& request;
  const routing::ModelTable& models;
  store::StoreLocation store;
};

boost::asio::awaitable<void> responses_create(ResponsesContext c, std::string body);

// GET/DELETE /v1/responses/{id}[/input_items]; `rest` is the path after /responses/.
boost::asio::awaitable<void> responses_item(ResponsesContext c, std::string rest);

}  // namespace torii::surfaces
