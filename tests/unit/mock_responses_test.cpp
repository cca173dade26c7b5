// The Responses API envelope of the mock: the same words, tool decisions and
// token counts as the OpenAI chat mock, in the Responses API's shapes.
#include "formats/mock_responses.hpp"

#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace json = boost::json;
using namespace torii::mock;

namespace {

json::object parse_object(std::string_view text) { return json::parse(text).as_object(); }

ResponsesAnswer create(std::string_view request, const ResponsesOptions& opt = {}) {
  return create_response(parse_object(request), opt);
}

// The chat mock's answer to the equivalent chat request: the reference.
json::object chat_answer(std::string_view request) {
  Answer a = chat_completion(parse_object(request), "m");
  EXPECT_EQ(a.status, 200) << a.body;
  return parse_object(a.body);
}

constexpr std::string_view kWeatherTool =
    R"({"type":"function","name":"get_weather","description":"Weather","strict":true,"parameters":{"type":"object",
        "properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},
        "required":["city","unit"],"additionalProperties":false}})";

std::string with_tools(std::string_view rest) {
  return R"({"model":"m","tools":[)" + std::string(kWeatherTool) + "]," + std::string(rest) + "}";
}

json::object error_of(const ResponsesAnswer& a) { return parse_object(a.body).at("error").as_object(); }

struct Event {
  std::string type;
  json::object data;
};

// Splits "event: X\ndata: {...}\n\n" events, checking the framing and that
// sequence numbers count up from 0.
std::vector<Event> events_of(const ResponsesAnswer& a) {
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.events.size(), a.is_content.size());
  std::vector<Event> out;
  for (size_t i = 0; i < a.events.size(); ++i) {
    const std::string& e = a.events[i];
    EXPECT_TRUE(e.starts_with("event: ")) << e;
    EXPECT_TRUE(e.ends_with("\n\n")) << e;
    size_t nl = e.find('\n');
    EXPECT_EQ(e.compare(nl + 1, 6, "data: "), 0) << e;
    std::string type = e.substr(7, nl - 7);
    json::object data = parse_object(std::string_view(e).substr(nl + 7, e.size() - nl - 9));
    EXPECT_EQ(data.at("type").as_string(), type) << e;
    EXPECT_EQ(data.at("sequence_number").as_int64(), static_cast<std::int64_t>(i)) << e;
    bool delta = type.ends_with(".delta");
    EXPECT_EQ(a.is_content[i], delta) << e;
    out.push_back({std::move(type), std::move(data)});
  }
  return out;
}

std::vector<std::string> types_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

// A stand-in for the routes' store: responses by id.
struct Store {
  std::map<std::string, ResponsesAnswer> kept;
  ResponsesOptions options(std::uint64_t serial) {
    ResponsesOptions opt;
    opt.serial = serial;
    opt.previous = [this](std::string_view id) -> std::optional<json::array> {
      auto it = kept.find(std::string(id));
      if (it == kept.end()) return std::nullopt;
      return it->second.context;
    };
    return opt;
  }
  ResponsesAnswer add(std::string_view request, std::uint64_t serial) {
    ResponsesAnswer a = create(request, options(serial));
    if (a.status == 200 && a.store) kept[a.id] = a;
    return a;
  }
};

}  // namespace

TEST(MockResponses, TextAnswerHasTheResponseShape) {
  ResponsesAnswer a = create(R"({"model":"gpt-x","input":"Hello there, mock","instructions":"Be brief please"})");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_FALSE(a.stream);
  EXPECT_TRUE(a.store);
  EXPECT_EQ(a.body, create(R"({"model":"gpt-x","input":"Hello there, mock","instructions":"Be brief please"})").body)
      << "equal requests with equal serials give equal bytes";
  json::object o = parse_object(a.body);
  auto ref = chat_answer(R"({"model":"m","messages":[{"role":"system","content":"Be brief please"},
    {"role":"user","content":"Hello there, mock"}]})");

  EXPECT_EQ(o.at("id").as_string(), a.id);
  EXPECT_TRUE(a.id.starts_with("resp_"));
  EXPECT_EQ(o.at("object").as_string(), "response");
  EXPECT_EQ(o.at("status").as_string(), "completed");
  EXPECT_TRUE(o.at("error").is_null());
  EXPECT_TRUE(o.at("incomplete_details").is_null());
  EXPECT_EQ(o.at("model").as_string(), "gpt-x");
  EXPECT_EQ(o.at("instructions").as_string(), "Be brief please");
  EXPECT_TRUE(o.at("created_at").is_int64());

  const auto& output = o.at("output").as_array();
  ASSERT_EQ(output.size(), 1u);
  const auto& item = output[0].as_object();
  EXPECT_TRUE(item.at("id").as_string().starts_with("msg_"));
  EXPECT_EQ(item.at("type").as_string(), "message");
  EXPECT_EQ(item.at("status").as_string(), "completed");
  EXPECT_EQ(item.at("role").as_string(), "assistant");
  const auto& part = item.at("content").at(0).as_object();
  EXPECT_EQ(part.at("type").as_string(), "output_text");
  EXPECT_EQ(part.at("text"), ref.at("choices").at(0).at("message").at("content"));
  EXPECT_EQ(part.at("text").as_string(), "Mock reply to: Hello there, mock");
  EXPECT_TRUE(part.at("annotations").as_array().empty());

  const auto& usage = o.at("usage").as_object();
  EXPECT_EQ(usage.at("input_tokens"), ref.at("usage").at("prompt_tokens"));
  EXPECT_EQ(usage.at("output_tokens"), ref.at("usage").at("completion_tokens"));
  EXPECT_EQ(usage.at("total_tokens"), ref.at("usage").at("total_tokens"));
  EXPECT_EQ(usage.at("input_tokens_details").at("cached_tokens").as_int64(), 0);
  EXPECT_EQ(usage.at("output_tokens_details").at("reasoning_tokens").as_int64(), 0);

  // The settings the API echoes, with its defaults.
  EXPECT_EQ(o.at("tool_choice").as_string(), "auto");
  EXPECT_TRUE(o.at("tools").as_array().empty());
  EXPECT_TRUE(o.at("parallel_tool_calls").as_bool());
  EXPECT_TRUE(o.at("store").as_bool());
  EXPECT_EQ(o.at("temperature").to_number<double>(), 1.0);
  EXPECT_EQ(o.at("top_p").to_number<double>(), 1.0);
  EXPECT_EQ(o.at("truncation").as_string(), "disabled");
  EXPECT_EQ(o.at("text"), json::parse(R"({"format":{"type":"text"},"verbosity":"medium"})"));
  EXPECT_EQ(o.at("reasoning"), json::parse(R"({"effort":null,"summary":null})"));
  EXPECT_TRUE(o.at("previous_response_id").is_null());
  EXPECT_TRUE(o.at("max_output_tokens").is_null());
  EXPECT_TRUE(o.at("user").is_null());
  EXPECT_TRUE(o.at("metadata").as_object().empty());

  // The stored input: the string became one user message with an id.
  ASSERT_EQ(a.input_items.size(), 1u);
  EXPECT_TRUE(a.input_items[0].at("id").as_string().starts_with("msg_"));
  EXPECT_EQ(a.input_items[0].at("role").as_string(), "user");
  EXPECT_EQ(a.input_items[0].at("content"), json::parse(R"([{"type":"input_text","text":"Hello there, mock"}])"));
  EXPECT_EQ(a.context.size(), 2u) << "input and output";
}

TEST(MockResponses, SerialsMakeIdsUnique) {
  ResponsesOptions one, two;
  one.serial = 1;
  two.serial = 2;
  auto a = create(R"({"model":"m","input":"hi"})", one);
  auto b = create(R"({"model":"m","input":"hi"})", two);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.response.at("output").at(0).at("id"), b.response.at("output").at(0).at("id"));
  EXPECT_NE(a.input_items[0].at("id"), b.input_items[0].at("id"));
  EXPECT_EQ(a.response.at("output").at(0).at("content"), b.response.at("output").at(0).at("content"));
}

TEST(MockResponses, ItemsTranslateToTheEquivalentChatRequest) {
  // developer message, user parts (text and image), an assistant message, two
  // consecutive function calls and their outputs, a reasoning item.
  auto a = create(with_tools(R"("instructions":"Use tools","input":[
    {"role":"developer","content":"Stay on topic"},
    {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Paris"},
      {"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},
    {"type":"reasoning","id":"rs_1","summary":[]},
    {"role":"assistant","content":[{"type":"output_text","text":"Let me check."}]},
    {"type":"function_call","call_id":"call_a","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
    {"type":"function_call","call_id":"call_b","name":"get_weather","arguments":"{\"city\":\"Lyon\"}"},
    {"type":"function_call_output","call_id":"call_a","output":"sunny"},
    {"type":"function_call_output","call_id":"call_b","output":[{"type":"input_text","text":"rainy in Lyon"}]}])"));
  ASSERT_EQ(a.status, 200) << a.body;
  auto ref = chat_answer(R"({"model":"m","messages":[
    {"role":"system","content":"Use tools"},
    {"role":"developer","content":"Stay on topic"},
    {"role":"user","content":[{"type":"text","text":"Weather in Paris"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
    {"role":"assistant","content":"Let me check.","tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_b","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lyon\"}"}}]},
    {"role":"tool","tool_call_id":"call_a","content":"sunny"},
    {"role":"tool","tool_call_id":"call_b","content":"rainy in Lyon"}]})");
  json::object o = parse_object(a.body);
  EXPECT_EQ(o.at("output").at(0).at("content").at(0).at("text").as_string(),
            "Mock reply to tool result: rainy in Lyon");
  EXPECT_EQ(o.at("output").at(0).at("content").at(0).at("text"), ref.at("choices").at(0).at("message").at("content"));
  EXPECT_EQ(o.at("usage").at("input_tokens"), ref.at("usage").at("prompt_tokens"));
  EXPECT_EQ(o.at("usage").at("output_tokens"), ref.at("usage").at("completion_tokens"));

  // Listed back as sent, each with an id (the client's when it gave one).
  ASSERT_EQ(a.input_items.size(), 8u);
  EXPECT_EQ(a.input_items[2].at("id").as_string(), "rs_1");
  EXPECT_EQ(a.input_items[1].at("content").at(1),
            json::parse(R"({"type":"input_image","detail":"auto","file_id":null,"image_url":"data:image/png;base64,AAAA"})"));
  EXPECT_EQ(a.input_items[3].at("content").at(0).at("type").as_string(), "output_text");
  EXPECT_TRUE(a.input_items[4].at("id").as_string().starts_with("fc_"));
  for (const auto& item : a.input_items) EXPECT_TRUE(item.at("id").is_string()) << item;
}

TEST(MockResponses, FunctionToolsAreCalledLikeChatTools) {
  auto a = create(with_tools(R"("input":"What is the weather in Paris?")"));
  ASSERT_EQ(a.status, 200) << a.body;
  json::object o = parse_object(a.body);
  const auto& output = o.at("output").as_array();
  ASSERT_EQ(output.size(), 1u);
  const auto& call = output[0].as_object();
  EXPECT_EQ(call.at("type").as_string(), "function_call");
  EXPECT_TRUE(call.at("id").as_string().starts_with("fc_"));
  EXPECT_TRUE(call.at("call_id").as_string().starts_with("call_mock_"));
  EXPECT_EQ(call.at("status").as_string(), "completed");
  EXPECT_EQ(call.at("name").as_string(), "get_weather");
  EXPECT_EQ(json::parse(call.at("arguments").as_string()), json::parse(R"({"city":"mock_city","unit":"celsius"})"));
  // Echoed in the Responses shape, strict by default.
  EXPECT_EQ(o.at("tools").at(0).at("name").as_string(), "get_weather");
  EXPECT_TRUE(o.at("tools").at(0).at("strict").as_bool());

  // tool_choice none: a text answer.
  auto none = create(with_tools(R"("input":"What is the weather in Paris?","tool_choice":"none")"));
  EXPECT_EQ(parse_object(none.body).at("output").at(0).at("type").as_string(), "message");
  // A named function that is not in tools.
  auto unknown = create(with_tools(R"("input":"x","tool_choice":{"type":"function","name":"nope"})"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(error_of(unknown).at("param").as_string(), "tool_choice");
}

TEST(MockResponses, StreamEventsComeInTheApiOrder) {
  auto a = create(R"({"model":"m","input":"Hello there, mock","stream":true})");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_TRUE(a.stream);
  auto events = events_of(a);
  std::vector<std::string> expected = {"response.created", "response.in_progress", "response.output_item.added",
                                       "response.content_part.added"};
  for (int i = 0; i < 6; ++i) expected.push_back("response.output_text.delta");  // one per word
  for (std::string_view t : {"response.output_text.done", "response.content_part.done", "response.output_item.done",
                             "response.completed"})
    expected.emplace_back(t);
  EXPECT_EQ(types_of(events), expected);

  const auto& created = events.front().data.at("response").as_object();
  EXPECT_EQ(created.at("id").as_string(), a.id);
  EXPECT_EQ(created.at("status").as_string(), "in_progress");
  EXPECT_TRUE(created.at("output").as_array().empty());
  EXPECT_TRUE(created.at("usage").is_null());

  const auto& added = events[2].data;
  EXPECT_EQ(added.at("output_index").as_int64(), 0);
  EXPECT_EQ(added.at("item").at("status").as_string(), "in_progress");
  EXPECT_TRUE(added.at("item").at("content").as_array().empty());
  std::string item_id(added.at("item").at("id").as_string());

  std::string text;
  for (const auto& e : events) {
    if (e.type != "response.output_text.delta") continue;
    EXPECT_EQ(e.data.at("item_id").as_string(), item_id);
    EXPECT_EQ(e.data.at("output_index").as_int64(), 0);
    EXPECT_EQ(e.data.at("content_index").as_int64(), 0);
    EXPECT_TRUE(e.data.at("obfuscation").is_string());
    text += e.data.at("delta").as_string();
  }
  EXPECT_EQ(text, "Mock reply to: Hello there, mock");
  EXPECT_EQ(events[events.size() - 4].data.at("text").as_string(), text);
  EXPECT_EQ(events[events.size() - 3].data.at("part").at("text").as_string(), text);
  EXPECT_EQ(events[events.size() - 2].data.at("item").at("status").as_string(), "completed");
  const auto& done = events.back().data.at("response").as_object();
  EXPECT_EQ(json::value(done), json::value(a.response)) << "response.completed carries the full response";
  EXPECT_EQ(done.at("output").at(0).at("content").at(0).at("text").as_string(), text);
  EXPECT_EQ(done.at("usage"), create(R"({"model":"m","input":"Hello there, mock"})").response.at("usage"));
  for (const auto& e : a.events) EXPECT_EQ(e.find("[DONE]"), std::string::npos);

  // stream_options.include_obfuscation: false drops the padding.
  auto plain = create(R"({"model":"m","input":"Hello","stream":true,"stream_options":{"include_obfuscation":false}})");
  for (const auto& e : events_of(plain)) EXPECT_FALSE(e.data.contains("obfuscation")) << e.type;
}

TEST(MockResponses, StreamedFunctionCall) {
  auto a = create(with_tools(R"("input":"What is the weather in Paris?","stream":true)"));
  auto events = events_of(a);
  std::vector<std::string> types = types_of(events);
  ASSERT_GE(types.size(), 7u);
  EXPECT_EQ(types[2], "response.output_item.added");
  EXPECT_EQ(events[2].data.at("item").at("type").as_string(), "function_call");
  EXPECT_EQ(events[2].data.at("item").at("arguments").as_string(), "");
  std::string arguments;
  size_t i = 3;
  for (; i < types.size() && types[i] == "response.function_call_arguments.delta"; ++i)
    arguments += events[i].data.at("delta").as_string();
  EXPECT_GT(i, 4u) << "arguments come in fragments";
  ASSERT_EQ(types.size(), i + 3);
  EXPECT_EQ(types[i], "response.function_call_arguments.done");
  EXPECT_EQ(events[i].data.at("arguments").as_string(), arguments);
  EXPECT_EQ(types[i + 1], "response.output_item.done");
  EXPECT_EQ(types[i + 2], "response.completed");
  EXPECT_EQ(a.response.at("output").at(0).at("arguments").as_string(), arguments);
  EXPECT_EQ(events[i + 1].data.at("item").at("call_id"), events[2].data.at("item").at("call_id"));
}

TEST(MockResponses, MaxOutputTokensMakesAnIncompleteResponse) {
  ResponsesOptions opt;
  opt.gen.reply_words = 40;
  auto a = create(R"({"model":"m","input":"Hello","max_output_tokens":16})", opt);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.response.at("status").as_string(), "incomplete");
  EXPECT_EQ(a.response.at("incomplete_details"), json::parse(R"({"reason":"max_output_tokens"})"));
  EXPECT_EQ(a.response.at("output").at(0).at("status").as_string(), "incomplete");
  EXPECT_EQ(a.response.at("usage").at("output_tokens").as_int64(), 16);
  EXPECT_EQ(a.response.at("max_output_tokens").as_int64(), 16);

  auto s = create(R"({"model":"m","input":"Hello","max_output_tokens":16,"stream":true})", opt);
  EXPECT_EQ(events_of(s).back().type, "response.incomplete");

  // The API's minimum.
  auto low = create(R"({"model":"m","input":"Hello","max_output_tokens":5})");
  EXPECT_EQ(low.status, 400);
  EXPECT_EQ(error_of(low).at("code").as_string(), "integer_below_min_value");
}

TEST(MockResponses, FunctionCallOutputsMustAnswerACall) {
  auto orphan = create(R"({"model":"m","input":[{"role":"user","content":"hi"},
    {"type":"function_call_output","call_id":"call_x","output":"42"}]})");
  EXPECT_EQ(orphan.status, 400);
  EXPECT_EQ(parse_object(orphan.body), json::parse(R"({"error":{"message":"No tool call found for function call output with call_id call_x.","type":"invalid_request_error","param":"input","code":null}})"));

  auto unanswered = create(R"({"model":"m","input":[{"role":"user","content":"hi"},
    {"type":"function_call","call_id":"call_y","name":"f","arguments":"{}"},{"role":"user","content":"well?"}]})");
  EXPECT_EQ(unanswered.status, 400);
  EXPECT_EQ(error_of(unanswered).at("message").as_string(), "No tool output found for function call call_y.");

  // The call may come from the previous response.
  Store store;
  auto first = store.add(with_tools(R"("input":"What is the weather in Paris?")"), 1);
  ASSERT_EQ(first.status, 200) << first.body;
  std::string call_id(first.response.at("output").at(0).at("call_id").as_string());
  auto second = store.add(with_tools(R"("previous_response_id":")" + first.id +
                                     R"(","input":[{"type":"function_call_output","call_id":")" + call_id +
                                     R"(","output":"sunny"}])"),
                          2);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.response.at("output").at(0).at("content").at(0).at("text").as_string(),
            "Mock reply to tool result: sunny");
  EXPECT_EQ(second.response.at("previous_response_id").as_string(), first.id);
  // Answering a call of another response is not pairing.
  auto stray = store.add(R"({"model":"m","input":[{"type":"function_call_output","call_id":")" + call_id +
                             R"(","output":"sunny"}]})",
                         3);
  EXPECT_EQ(stray.status, 400);
}

TEST(MockResponses, PreviousResponseCarriesItemsButNotInstructions) {
  Store store;
  auto first = store.add(R"({"model":"m","instructions":"One two three four five","input":"Tell me a story"})", 1);
  ASSERT_EQ(first.status, 200) << first.body;
  auto second = store.add(R"({"model":"m","previous_response_id":")" + first.id + R"(","input":"Another one"})", 2);
  ASSERT_EQ(second.status, 200) << second.body;
  auto ref = chat_answer(R"({"model":"m","messages":[{"role":"user","content":"Tell me a story"},
    {"role":"assistant","content":"Mock reply to: Tell me a story"},{"role":"user","content":"Another one"}]})");
  EXPECT_EQ(second.response.at("usage").at("input_tokens"), ref.at("usage").at("prompt_tokens"));
  EXPECT_EQ(second.input_items.size(), 1u) << "input_items lists this request's input only";
  EXPECT_EQ(second.context.size(), 4u);

  auto missing = store.add(R"({"model":"m","previous_response_id":"resp_nope","input":"x"})", 3);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(parse_object(missing.body), json::parse(R"({"error":{"message":"Previous response with id 'resp_nope' not found.","type":"invalid_request_error","param":"previous_response_id","code":"previous_response_not_found"}})"));
}

TEST(MockResponses, InvalidRequestsGetOpenAIErrors) {
  auto unknown = create(R"({"model":"m","input":"x","foo":1})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(parse_object(unknown.body), json::parse(R"({"error":{"message":"Unknown parameter: 'foo'.","type":"invalid_request_error","param":"foo","code":"unknown_parameter"}})"));

  auto param_of = [](std::string_view request) {
    auto a = create(request);
    EXPECT_EQ(a.status, 400) << request;
    return a.status == 400 ? std::string(error_of(a).at("param").as_string()) : std::string();
  };
  EXPECT_EQ(param_of(R"({"input":"x"})"), "model");
  EXPECT_EQ(param_of(R"({"model":"m"})"), "input");
  EXPECT_EQ(param_of(R"({"model":"m","input":5})"), "input");
  EXPECT_EQ(param_of(R"({"model":"m","input":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":{}}]})"),
            "input[2].content");
  EXPECT_EQ(param_of(R"({"model":"m","input":[{"role":"robot","content":"a"}]})"), "input[0].role");
  EXPECT_EQ(param_of(R"({"model":"m","input":[{"role":"assistant","content":[{"type":"input_text","text":"a"}]}]})"),
            "input[0].content[0].type");
  EXPECT_EQ(param_of(R"({"model":"m","input":[{"type":"function_call","name":"f","arguments":"{}"}]})"),
            "input[0].call_id");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","temperature":"hot"})"), "temperature");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","tools":[{"type":"function","function":{"name":"f"}}]})"),
            "tools[0].name");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","tools":[{"type":"web_search"}]})"), "tools[0].type");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","text":{"format":{"type":"json_schema","schema":{}}}})"),
            "text.format.name");

  // Strict function schemas (the default) must close every object.
  auto loose = create(R"({"model":"m","input":"x","tools":[{"type":"function","name":"f",
    "parameters":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}]})");
  EXPECT_EQ(loose.status, 400);
  EXPECT_EQ(error_of(loose).at("message").as_string(),
            "Invalid schema for function 'f': In context=(), 'additionalProperties' is required to be supplied and "
            "to be false.");
  auto lax = create(R"({"model":"m","input":"x","tools":[{"type":"function","name":"f","strict":false,
    "parameters":{"type":"object","properties":{"a":{"type":"string"}}}}]})");
  EXPECT_EQ(lax.status, 200) << lax.body;
}

TEST(MockResponses, JsonFormats) {
  auto schema = create(R"({"model":"m","input":"Rate it","text":{"format":{"type":"json_schema","name":"rating",
    "strict":true,"schema":{"type":"object","properties":{"score":{"type":"integer"}},"required":["score"],
    "additionalProperties":false}}}})");
  ASSERT_EQ(schema.status, 200) << schema.body;
  EXPECT_EQ(json::parse(schema.response.at("output").at(0).at("content").at(0).at("text").as_string()),
            json::parse(R"({"score":1})"));
  EXPECT_EQ(schema.response.at("text").at("format").at("name").as_string(), "rating");

  auto object = create(R"({"model":"m","input":"Answer in JSON","text":{"format":{"type":"json_object"}}})");
  ASSERT_EQ(object.status, 200) << object.body;
  EXPECT_EQ(json::parse(object.response.at("output").at(0).at("content").at(0).at("text").as_string()),
            json::parse(R"({"reply":"Mock reply to: Answer in JSON"})"));
  EXPECT_EQ(create(R"({"model":"m","input":"Answer","text":{"format":{"type":"json_object"}}})").status, 400)
      << "json_object needs the word JSON in the input";
}

TEST(MockResponses, InputItemsList) {
  auto a = create(R"({"model":"m","input":[{"role":"user","content":"one"},{"role":"assistant","content":"two"},
    {"role":"user","content":"three"}]})");
  ASSERT_EQ(a.status, 200) << a.body;
  auto ids = [](const Answer& list) {
    std::vector<std::string> out;
    json::object o = parse_object(list.body);
    for (const auto& item : o.at("data").as_array()) out.emplace_back(item.at("id").as_string());
    return out;
  };
  std::string first(a.input_items[0].at("id").as_string()), second(a.input_items[1].at("id").as_string()),
      third(a.input_items[2].at("id").as_string());

  Answer desc = list_input_items(a.input_items, std::nullopt, std::nullopt, std::nullopt);
  ASSERT_EQ(desc.status, 200) << desc.body;
  json::object o = parse_object(desc.body);
  EXPECT_EQ(o.at("object").as_string(), "list");
  EXPECT_EQ(ids(desc), (std::vector<std::string>{third, second, first})) << "newest first by default";
  EXPECT_EQ(o.at("first_id").as_string(), third);
  EXPECT_EQ(o.at("last_id").as_string(), first);
  EXPECT_FALSE(o.at("has_more").as_bool());

  Answer asc = list_input_items(a.input_items, "asc", "2", std::nullopt);
  EXPECT_EQ(ids(asc), (std::vector<std::string>{first, second}));
  EXPECT_TRUE(parse_object(asc.body).at("has_more").as_bool());
  Answer after = list_input_items(a.input_items, "asc", std::nullopt, std::string_view(first));
  EXPECT_EQ(ids(after), (std::vector<std::string>{second, third}));
  EXPECT_EQ(list_input_items(a.input_items, "sideways", std::nullopt, std::nullopt).status, 400);

  EXPECT_EQ(parse_object(deleted_response("resp_1")), json::parse(R"({"id":"resp_1","object":"response","deleted":true})"));
}

TEST(MockResponses, ErrorEvent) {
  std::string e = responses_error_event("server_error", "boom", 3);
  EXPECT_EQ(e, "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"boom\",\"param\":null,"
               "\"sequence_number\":3}\n\n");
}
