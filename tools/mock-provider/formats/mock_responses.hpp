#pragma once
// Deterministic answers in the OpenAI Responses API wire format (POST
// /v1/responses). The request's instructions and input items (after those of
// the previous response, when previous_response_id names one) are read into
// the equivalent chat request and answered by mock_llm, so the Responses API
// gives the same reply text, tool decision and arguments, and token counts as
// the chat endpoint; only the envelope is the Responses API's: a Response
// object with output items, or a stream of typed events with sequence numbers.
// Errors are OpenAI-shaped ({"error":{"message","type","param","code"}}).
//
// Storing responses is the caller's business (the routes keep them in
// memory): this file only says what to keep and reads it back through
// ResponsesOptions::previous.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "providers/mock/mock_llm.hpp"

namespace torii::mock {

// previous_response_id → the items that response carries forward (its own
// previous items, its input items and its output items, oldest first), or
// nullopt when no response with that id is stored.
using PreviousItems = std::function<std::optional<boost::json::array>(std::string_view id)>;

struct ResponsesOptions {
  GenerateOptions gen;
  // Mixed into every id the answer makes (resp_, msg_, fc_ and the input
  // items' ids), so that equal requests stored twice get distinct ids. Equal
  // requests with equal serials give equal bytes.
  std::uint64_t serial = 0;
  // Unset: every previous_response_id is unknown.
  PreviousItems previous;
  std::int64_t created_at = 1700000000;
};

struct ResponsesAnswer {
  int status = 200;
  std::string body;            // the Response object, or the error
  bool stream = false;         // the request asked for "stream": true
  bool store = true;           // the request did not say "store": false
  std::string id;              // resp_...
  boost::json::object response;     // the Response object, as GET /v1/responses/{id} answers it
  boost::json::array input_items;   // this request's input items with their ids, oldest first
  boost::json::array context;       // what a later previous_response_id continues from
  // "stream": true: "event: <type>\ndata: {...}\n\n" events, from
  // response.created to response.completed (or response.incomplete).
  std::vector<std::string> events;
  std::vector<bool> is_content;  // text deltas and argument deltas, paced like tokens
};

ResponsesAnswer create_response(const boost::json::object& req, const ResponsesOptions& opt = {});

// The in-stream error event: "event: error\ndata: {"type":"error","code",
// "message","param":null,"sequence_number"}\n\n".
std::string responses_error_event(std::string_view code, std::string_view message, std::int64_t sequence_number);

// GET /v1/responses/{id}/input_items: {"object":"list","data",...} from the
// stored items (oldest first). `order` is "asc" or "desc" (default, newest
// first), `limit` 1 to 100 (default 20), `after` an item id the page starts
// after. A bad query gets 400.
Answer list_input_items(const boost::json::array& items, std::optional<std::string_view> order,
                        std::optional<std::string_view> limit, std::optional<std::string_view> after);

// DELETE /v1/responses/{id}: {"id","object":"response","deleted":true}.
std::string deleted_response(std::string_view id);

}  // namespace torii::mock
