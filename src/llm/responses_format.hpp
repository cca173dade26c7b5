#pragma once
// OpenAI's Responses API in terms of the canonical (chat completions)
// format: a Responses request becomes a chat request, a chat answer becomes
// a Response object, and a chat stream becomes the Responses event stream
// (response.created ... response.completed, with sequence numbers). Used
// for every target that does not take Responses bodies as they are.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/errors.hpp"

namespace torii::llm {

// Why a Responses request cannot be expressed as a chat request: OpenAI's
// wording and the offending parameter's path (input[2].content, tools[0]...).
struct ResponsesRefusal {
  std::string message;
  std::string param;
  bool refused() const { return !message.empty(); }
};

// The request's own input as items (a string is one user message), each
// with `type` and an `id`, as GET /v1/responses/{id}/input_items lists
// them; `id_seed` makes the ids (one response's items share it). A refusal
// when an item is malformed.
boost::json::array responses_input_items(const boost::json::object& request, std::string_view id_seed,
                                         ResponsesRefusal& refusal);

// The response an item id of Torii's belongs to: an item's id is a prefix
// (msg_, fc_, fco_, rs_, item_), its response id's unique part and a 2-digit
// index, so an item_reference can be resolved from the stored response.
// "" when `item_id` is not one of those.
std::string response_id_of_item(std::string_view item_id);

// The canonical chat request for `request`, whose conversation so far
// (earlier turns' input and output items, then this request's) is `items`.
// Fields only OpenAI can serve (built-in tools, logprobs, background...)
// are refused, never dropped.
boost::json::object responses_to_chat_request(const boost::json::object& request, const boost::json::array& items,
                                              ResponsesRefusal& refusal);

// The items as an OpenAI target takes them in `input` (earlier turns
// inlined for previous_response_id): ids and statuses Torii gave are taken
// out, and reasoning items without encrypted content (references, or
// another provider's summaries) left out.
boost::json::array responses_items_for_openai(const boost::json::array& items);

// Who a Response is: its id, its creation time, and the request it
// answers (whose settings it echoes).
struct ResponseIdentity {
  std::string id;  // resp_...
  int64_t created_at = 0;
  const boost::json::object* request = nullptr;
};

// The Response object of a canonical chat answer.
boost::json::object chat_to_response(const boost::json::object& chat_answer, const ResponseIdentity& who);

// The Response's `error` and `usage` fields as an `error` event; for a
// stream that failed after it began.
std::string responses_error_event(const ApiError& e, int64_t sequence_number);

// A canonical chat stream (chat.completion.chunk events, then [DONE]) as
// Responses events. `request` must outlive it.
class ChatToResponsesStream {
 public:
  explicit ChatToResponsesStream(ResponseIdentity who) : who_(std::move(who)) {}
  // One event's data (a chunk's JSON, or [DONE]).
  void feed(std::string_view data, std::string& out);
  // The stream is over: closes what is open and completes the response.
  void finish(std::string& out);
  // Ends the stream with `e` (an error event, then response.failed).
  void fail(const ApiError& e, std::string& out);
  int64_t next_sequence() const { return sequence_; }

 private:
  struct Item {
    std::string kind;  // message | function_call | reasoning
    std::string id, call_id, name, text;  // text: message text, arguments, or reasoning summary
    int tool_index = -1;
    bool refusal = false;
  };
  void start(std::string& out);
  void emit(std::string_view type, boost::json::object data, std::string& out);
  // The item of this kind (and tool call index) still open, or a new one
  // (closing the open one first).
  Item& open_item(std::string_view kind, std::string& out, int tool_index = -1, std::string_view call_id = {},
                  std::string_view name = {});
  void close_item(std::string& out);
  boost::json::object item_json(const Item& item, bool done) const;
  boost::json::object response(std::string_view status) const;

  ResponseIdentity who_;
  std::vector<Item> items_;
  int open_ = -1;  // index of the item still streaming
  int64_t sequence_ = 0;
  bool started_ = false, finished_ = false;
  std::string finish_reason_, model_;
  boost::json::object usage_;
};

}  // namespace torii::llm
