// The Responses API translator (src/llm/responses_format.*), as
// surfaces/responses_api.cpp drives it. The input is a client's Responses
// request, then optionally a NUL and a canonical chat answer:
// - the request's input items (responses_input_items), the canonical chat
//   request made of them (responses_to_chat_request), which then goes on
//   toward every translated family (fuzz/family_requests.hpp), and the items
//   as an OpenAI target takes them (responses_items_for_openai);
// - the answer as a Response (chat_to_response), and the next turn's chat
//   request, whose conversation is this turn's items and that Response's
//   output (what previous_response_id gives).
//
// Properties: nothing throws; every output serialises to valid JSON; a
// malformed or untranslatable request is refused with a message and the
// parameter's path; accepted input items are objects with a type; an
// accepted chat request passes the request scanner with the request's model
// and streams with usage when the request streams; the items for OpenAI
// carry no ids or statuses Torii gave (reasoning items aside); a Response
// has the given id and output items with ids.
#include "family_requests.hpp"
#include "llm/json_scan.hpp"
#include "llm/responses_format.hpp"

namespace {

namespace llm = torii::llm;
namespace json = boost::json;
using llm::get::str;

// The chat request for `items`, checked; the canonical body sent on when accepted.
void to_chat(const json::object& request, const json::array& items, bool onward) {
  llm::ResponsesRefusal refusal;
  json::object chat = fuzz::must_not_throw("responses_to_chat_request",
                                           [&] { return llm::responses_to_chat_request(request, items, refusal); });
  const std::string text = fuzz::serialized(chat);
  if (refusal.refused()) {
    FUZZ_CHECK(!refusal.param.empty());
    return;
  }
  llm::RequestScan scan = llm::scan_request(text, 512);
  FUZZ_CHECK(scan.valid && scan.is_object && scan.model == str(request, "model"));
  const json::value* stream = request.if_contains("stream");
  if (stream && stream->is_bool() && stream->get_bool()) FUZZ_CHECK(scan.stream && llm::get::wants_stream_usage(chat));
  const json::value* messages = chat.if_contains("messages");
  FUZZ_CHECK(messages && messages->is_array());
  for (const auto& m : messages->get_array()) FUZZ_CHECK(m.is_object() && !str(m.get_object(), "role").empty());
  if (onward) {
    json::value again = fuzz::parse_or_null(text);
    FUZZ_CHECK(again.is_object());
    fuzz::to_every_family(again.get_object());
  }
}

void for_openai(const json::array& items) {
  json::array out =
      fuzz::must_not_throw("responses_items_for_openai", [&] { return llm::responses_items_for_openai(items); });
  (void)fuzz::serialized(out);
  for (const auto& item : out) {
    FUZZ_CHECK(item.is_object());
    if (str(item.get_object(), "type") != "reasoning")
      FUZZ_CHECK(!item.get_object().contains("id") && !item.get_object().contains("status"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  json::value request = fuzz::parse_or_null(in.until(std::string_view("\0", 1)));
  json::value answer = fuzz::parse_or_null(in.rest());
  if (!request.is_object()) return 0;  // a 400 before the translator
  const json::object& req = request.get_object();

  const llm::ResponseIdentity who{"resp_0123456789abcdef0123456789abcdef01234567", 1700000000, &req};
  llm::ResponsesRefusal refusal;
  const std::string_view seed = std::string_view(who.id).substr(5, 40);  // as the surface makes it
  json::array items = fuzz::must_not_throw("responses_input_items",
                                           [&] { return llm::responses_input_items(req, seed, refusal); });
  (void)fuzz::serialized(items);
  if (refusal.refused()) {
    FUZZ_CHECK(!refusal.param.empty());
    return 0;
  }
  for (const auto& item : items) FUZZ_CHECK(item.is_object() && !str(item.get_object(), "type").empty());
  to_chat(req, items, true);
  for_openai(items);

  if (!answer.is_object()) return 0;
  json::object response =
      fuzz::must_not_throw("chat_to_response", [&] { return llm::chat_to_response(answer.get_object(), who); });
  (void)fuzz::serialized(response);
  FUZZ_CHECK(str(response, "id") == who.id && str(response, "object") == "response");
  const json::value* output = response.if_contains("output");
  FUZZ_CHECK(output && output->is_array());
  // The next turn: this turn's items, then the Response's output.
  json::array conversation = items;
  for (const auto& item : output->get_array()) {
    FUZZ_CHECK(item.is_object() && !str(item.get_object(), "id").empty());
    conversation.push_back(item);
  }
  to_chat(req, conversation, false);
  for_openai(conversation);
  return 0;
}
