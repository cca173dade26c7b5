// The answer translators (src/llm/*_format.*, llm/responses_format.*), on an
// upstream's non-streamed answer parsed as prepare_translated parses it:
// - as each family's answer (Anthropic message, Gemini GenerateContent
//   response, Cohere v2 chat response, Converse response) into the
//   canonical chat.completion, and that on to the Anthropic and Responses
//   surfaces (what a client of /v1/messages or /v1/responses gets from a
//   translated target);
// - as a canonical answer (an OpenAI target's) to those two surfaces.
//
// Properties: nothing throws; every answer serialises to valid JSON; a
// canonical answer is a chat.completion whose choices each hold an assistant
// message (content a string or null), OpenAI's finish reasons only, and tool
// calls whose arguments are a string, JSON text when the translator wrote it
// from the upstream's own JSON; the Anthropic answer is a message with the
// stop reasons Anthropic defines; the Response's output items have ids.
#include "fuzz.hpp"
#include "llm/anthropic_format.hpp"
#include "llm/bedrock_format.hpp"
#include "llm/cohere_format.hpp"
#include "llm/gemini_format.hpp"
#include "llm/json_get.hpp"
#include "llm/responses_format.hpp"

namespace {

namespace llm = torii::llm;
namespace json = boost::json;
using llm::get::arr;
using llm::get::obj;
using llm::get::str;

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  for (auto x : set)
    if (s == x) return true;
  return false;
}

// `arguments_are_json`: the translator serialised them itself (every family
// but Cohere, whose calls come in OpenAI's shape and pass as they are).
void check_canonical(const json::object& answer, bool arguments_are_json) {
  FUZZ_CHECK(str(answer, "object") == "chat.completion");
  const json::array* choices = arr(answer, "choices");
  FUZZ_CHECK(choices);
  for (const auto& cv : *choices) {
    FUZZ_CHECK(cv.is_object());
    const json::object& choice = cv.get_object();
    FUZZ_CHECK(one_of(str(choice, "finish_reason"), {"stop", "length", "tool_calls", "content_filter"}));
    const json::object* message = obj(choice, "message");
    FUZZ_CHECK(message && str(*message, "role") == "assistant");
    const json::value* content = message->if_contains("content");
    FUZZ_CHECK(content && (content->is_string() || content->is_null()));
    if (const json::array* calls = arr(*message, "tool_calls")) {
      FUZZ_CHECK(!calls->empty());
      if (!arguments_are_json) continue;
      for (const auto& call : *calls) {
        FUZZ_CHECK(call.is_object());
        const json::object* fn = obj(call.get_object(), "function");
        FUZZ_CHECK(fn && fn->contains("arguments") && fn->at("arguments").is_string());
        FUZZ_CHECK(fuzz::parses(str(*fn, "arguments")));
      }
    }
  }
}

// The canonical answer as the two translating surfaces give it.
void to_surfaces(const json::object& canonical, const json::object& request) {
  json::object message = fuzz::must_not_throw(
      "openai_to_anthropic_response", [&] { return llm::openai_to_anthropic_response(canonical, "fuzz-model"); });
  (void)fuzz::serialized(message);
  FUZZ_CHECK(str(message, "type") == "message" && str(message, "id").starts_with("msg_"));
  FUZZ_CHECK(one_of(str(message, "stop_reason"), {"end_turn", "max_tokens", "tool_use", "refusal"}));
  FUZZ_CHECK(arr(message, "content"));

  llm::ResponseIdentity who{"resp_0123456789abcdef", 1700000000, &request};
  json::object response =
      fuzz::must_not_throw("chat_to_response", [&] { return llm::chat_to_response(canonical, who); });
  (void)fuzz::serialized(response);
  FUZZ_CHECK(str(response, "object") == "response" && str(response, "id") == who.id);
  const json::array* output = arr(response, "output");
  FUZZ_CHECK(output);
  for (const auto& item : *output) {
    FUZZ_CHECK(item.is_object() && !str(item.get_object(), "id").empty() && !str(item.get_object(), "type").empty());
  }
}

void family_answer(const json::object& canonical, bool arguments_are_json, const json::object& request) {
  check_canonical(canonical, arguments_are_json);
  // The surfaces get it serialised, and parse it again.
  json::value again = fuzz::parse_or_null(fuzz::serialized(canonical));
  FUZZ_CHECK(again.is_object());
  to_surfaces(again.get_object(), request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json::value v = fuzz::parse_or_null(fuzz::text_of(data, size));
  if (!v.is_object()) return 0;  // a 502 before any translator
  const json::object& answer = v.get_object();
  // The request a Response echoes: the answer itself will do, any object may come.
  const json::object& request = answer;

  family_answer(
                fuzz::must_not_throw("anthropic_to_openai_response",
                                     [&] { return llm::anthropic_to_openai_response(answer, "fuzz-model"); }),
                true, request);

  std::string blocked;
  if (!fuzz::must_not_throw("gemini_prompt_blocked", [&] { return llm::gemini_prompt_blocked(answer, blocked); })) {
    family_answer(
                  fuzz::must_not_throw("gemini_to_openai_response",
                                       [&] { return llm::gemini_to_openai_response(answer, "fuzz-model"); }),
                  true, request);
  } else {
    FUZZ_CHECK(!blocked.empty());
  }

  family_answer(
                fuzz::must_not_throw("cohere_to_openai_response",
                                     [&] { return llm::cohere_to_openai_response(answer, "fuzz-model"); }),
                false, request);

  for (std::string_view structured : {"", "json_answer"}) {
    json::object canonical = fuzz::must_not_throw("converse_to_openai_response", [&] {
      return llm::converse_to_openai_response(answer, "fuzz-model", "chatcmpl-fuzz", structured);
    });
    family_answer(canonical, true, request);
  }

  // An OpenAI target's answer, to the translating surfaces.
  to_surfaces(answer, request);
  return 0;
}
