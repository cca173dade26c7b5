#pragma once
// The canonical stream's events: OpenAI chat.completion.chunk SSE events, as
// every translating stream emits them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace torii::llm {

struct ChunkHeader {
  std::string_view id;
  int64_t created = 0;
  std::string_view model;
};

// Appends "data: {chunk}\n\n" with one choice carrying `delta`.
inline void append_chunk(std::string& out, const ChunkHeader& h, boost::json::object delta,
                         const char* finish_reason = nullptr, int64_t index = 0) {
  boost::json::object c{{"id", h.id}, {"object", "chat.completion.chunk"}, {"created", h.created}, {"model", h.model}};
  c["choices"] = boost::json::array{boost::json::object{
      {"index", index},
      {"delta", std::move(delta)},
      {"logprobs", nullptr},
      {"finish_reason", finish_reason ? boost::json::value(finish_reason) : boost::json::value(nullptr)}}};
  out += "data: ";
  out += boost::json::serialize(c);
  out += "\n\n";
}

// Appends the usage-only chunk (empty choices) that include_usage asks for.
inline void append_usage_chunk(std::string& out, const ChunkHeader& h, boost::json::object usage) {
  boost::json::object c{{"id", h.id}, {"object", "chat.completion.chunk"}, {"created", h.created}, {"model", h.model}};
  c["choices"] = boost::json::array{};
  c["usage"] = std::move(usage);
  out += "data: ";
  out += boost::json::serialize(c);
  out += "\n\n";
}

// The largest tool call, content block or candidate index a stream
// translator keeps state for. Indexes count up from 0; one beyond this (or
// below 0) is no real stream's, and sizing a table by it would take up to
// gigabytes (or, cast to size_t, write outside it).
inline constexpr int64_t kMaxStreamIndex = 65535;

// Streamed tool calls start with "arguments": "" and grow by fragments. A
// call whose arguments never come (a tool without parameters) would end as
// "", which no client can parse; the non-streaming answer says "{}". This
// gives such a call a final "{}" fragment when it ends. Indexes are the
// OpenAI tool_calls indexes.
class ToolArguments {
 public:
  void started(int index, std::string_view first_fragment = {}) {
    if (index < 0 || index > kMaxStreamIndex) return;
    if (state_.size() <= size_t(index)) state_.resize(size_t(index) + 1, kUnseen);
    state_[size_t(index)] = first_fragment.empty() ? kEmpty : kHasArguments;
  }
  void appended(int index, std::string_view fragment) {
    if (index >= 0 && size_t(index) < state_.size() && state_[size_t(index)] == kEmpty && !fragment.empty())
      state_[size_t(index)] = kHasArguments;
  }
  // The call is complete: "{}" if it got no argument bytes.
  void close(int index, std::string& out, const ChunkHeader& h) {
    if (index < 0 || size_t(index) >= state_.size()) return;
    if (state_[size_t(index)] == kEmpty) {
      boost::json::object call{{"index", index}, {"function", boost::json::object{{"arguments", "{}"}}}};
      append_chunk(out, h, boost::json::object{{"tool_calls", boost::json::array{std::move(call)}}});
    }
    state_[size_t(index)] = kClosed;
  }
  // The message is complete: closes every call still open.
  void close_all(std::string& out, const ChunkHeader& h) {
    for (size_t i = 0; i < state_.size(); ++i) close(int(i), out, h);
  }

 private:
  enum State : unsigned char { kUnseen, kEmpty, kHasArguments, kClosed };
  std::vector<unsigned char> state_;
};

}  // namespace torii::llm
