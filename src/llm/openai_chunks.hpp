#pragma once
// The canonical stream's events: OpenAI chat.completion.chunk SSE events, as
// every translating stream emits them.
#include <cstdint>
#include <string>
#include <string_view>

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

}  // namespace torii::llm
