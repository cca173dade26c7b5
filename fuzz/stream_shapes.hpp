#pragma once
// What a client can rely on in a translated stream of each surface, checked
// on the events a translator wrote (parsed by fuzz::check_sse_output).
#include <map>
#include <set>

#include "fuzz.hpp"
#include "llm/json_get.hpp"
#include "llm/openai_chunks.hpp"

namespace fuzz {

namespace stream_shapes_detail {
inline bool is_finish_reason(const boost::json::value* v) {
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return false;
  std::string_view s = v->get_string();
  return s == "stop" || s == "length" || s == "tool_calls" || s == "content_filter";
}
}  // namespace stream_shapes_detail

// OpenAI chat.completion.chunk events: each with a choices array (empty only
// in the usage chunk) whose deltas are objects, tool call deltas carrying an
// integer index, finish reasons OpenAI's own; then [DONE] once, and nothing
// after it. By [DONE], every tool call that started (a delta with its id) has
// some arguments, "{}" at least, which a client can parse (for indexes up to
// kMaxStreamIndex, the most a translator keeps track of). Returns whether
// [DONE] came.
inline bool check_openai_chunks(const std::vector<torii::http::SseEvent>& events) {
  using namespace torii::llm::get;
  bool done = false;
  std::map<std::pair<int64_t, int64_t>, std::string> arguments;  // (choice, call) -> arguments so far
  for (const auto& ev : events) {
    FUZZ_CHECK(!done);
    if (ev.data == "[DONE]") {
      done = true;
      for (const auto& [call, args] : arguments) FUZZ_CHECK(!args.empty());
      continue;
    }
    boost::json::value v = parse_or_null(ev.data);
    FUZZ_CHECK(v.is_object());
    const boost::json::object& chunk = v.get_object();
    FUZZ_CHECK(str(chunk, "object") == "chat.completion.chunk");
    const boost::json::array* choices = arr(chunk, "choices");
    FUZZ_CHECK(choices);
    if (choices->empty()) FUZZ_CHECK(obj(chunk, "usage"));
    for (const auto& cv : *choices) {
      FUZZ_CHECK(cv.is_object());
      FUZZ_CHECK(stream_shapes_detail::is_finish_reason(cv.get_object().if_contains("finish_reason")));
      const boost::json::object* delta = obj(cv.get_object(), "delta");
      FUZZ_CHECK(delta);
      if (const boost::json::array* calls = arr(*delta, "tool_calls"))
        for (const auto& call : *calls) {
          FUZZ_CHECK(call.is_object());
          const boost::json::value* index = call.get_object().if_contains("index");
          FUZZ_CHECK(index && index->is_int64());
          const std::pair<int64_t, int64_t> key{integer(cv.get_object(), "index"), index->get_int64()};
          if (key.second < 0 || key.second > torii::llm::kMaxStreamIndex) continue;
          if (call.get_object().contains("id")) arguments.try_emplace(key);
          auto it = arguments.find(key);
          const boost::json::object* fn = obj(call.get_object(), "function");
          if (it != arguments.end() && fn) it->second += str(*fn, "arguments");
        }
    }
  }
  return done;
}

// Anthropic Messages events: each named after its data's type; message_start
// first, once; content blocks numbered 0, 1, 2... as they start, each
// stopped at most once, deltas and stops only for started blocks, none open
// at message_delta; message_stop last. Returns whether message_stop came.
inline bool check_anthropic_events(const std::vector<torii::http::SseEvent>& events) {
  using namespace torii::llm::get;
  bool started = false, stopped = false;
  int64_t next_block = 0;
  std::set<int64_t> open, closed;
  for (const auto& ev : events) {
    FUZZ_CHECK(!stopped);
    boost::json::value v = parse_or_null(ev.data);
    FUZZ_CHECK(v.is_object());
    const boost::json::object& data = v.get_object();
    std::string_view type = str(data, "type");
    FUZZ_CHECK(ev.event == type);
    FUZZ_CHECK(started == (type != "message_start"));
    started = true;
    if (type == "content_block_start") {
      FUZZ_CHECK(integer(data, "index") == next_block);
      open.insert(next_block++);
    } else if (type == "content_block_delta") {
      FUZZ_CHECK(integer(data, "index") < next_block && integer(data, "index") >= 0);
    } else if (type == "content_block_stop") {
      const int64_t index = integer(data, "index");
      FUZZ_CHECK(open.erase(index) == 1);
      FUZZ_CHECK(closed.insert(index).second);
    } else if (type == "message_delta") {
      FUZZ_CHECK(open.empty());
    } else if (type == "message_stop") {
      stopped = true;
    } else {
      FUZZ_CHECK(type == "message_start" || type == "ping");
    }
  }
  return stopped;
}

// OpenAI Responses events: each named after its data's type and numbered
// 0, 1, 2... (sequence_number) from `first_sequence`; response.created and
// response.in_progress first; output items added with output_index 0, 1,
// 2..., deltas only for the item still open, each item done once; and a
// terminal event (completed, incomplete or failed), after which nothing.
// Returns whether the terminal event came.
inline bool check_responses_events(const std::vector<torii::http::SseEvent>& events, int64_t first_sequence = 0) {
  using namespace torii::llm::get;
  int64_t sequence = first_sequence;
  int64_t next_item = 0, open_item = -1;
  bool over = false;
  size_t n = 0;
  for (const auto& ev : events) {
    FUZZ_CHECK(!over);
    boost::json::value v = parse_or_null(ev.data);
    FUZZ_CHECK(v.is_object());
    const boost::json::object& data = v.get_object();
    std::string_view type = str(data, "type");
    FUZZ_CHECK(ev.event == type);
    const boost::json::value* seq = data.if_contains("sequence_number");
    FUZZ_CHECK(seq && seq->is_int64() && seq->get_int64() == sequence++);
    if (n == 0 && first_sequence == 0) FUZZ_CHECK(type == "response.created" || type == "error");
    if (n == 1 && first_sequence == 0 && type != "response.failed") FUZZ_CHECK(type == "response.in_progress");
    ++n;
    if (type == "response.output_item.added") {
      FUZZ_CHECK(open_item < 0);
      FUZZ_CHECK(integer(data, "output_index") == next_item);
      open_item = next_item++;
    } else if (type == "response.output_item.done") {
      FUZZ_CHECK(open_item >= 0 && integer(data, "output_index") == open_item);
      open_item = -1;
    } else if (type.ends_with(".delta") || type.ends_with(".added") || type.ends_with("text.done") ||
               type.ends_with("part.done") || type.ends_with("arguments.done")) {
      FUZZ_CHECK(open_item >= 0 && integer(data, "output_index") == open_item);
    } else if (type == "response.completed" || type == "response.incomplete" || type == "response.failed") {
      FUZZ_CHECK(open_item < 0 || type == "response.failed");
      const boost::json::object* response = obj(data, "response");
      FUZZ_CHECK(response && arr(*response, "output"));
      if (type != "response.failed") FUZZ_CHECK(int64_t(arr(*response, "output")->size()) == next_item);
      over = true;
    }
  }
  return over;
}

}  // namespace fuzz
