#pragma once
// Reads back the OpenAI chunk stream a translator produced: what a client
// assembles from it (text, each tool call's arguments, finish reason, usage).
#include <map>
#include <string>

#include <boost/json.hpp>

#include "http/sse.hpp"

namespace torii::testing {

struct AssembledStream {
  std::string text;
  std::map<int64_t, std::string> arguments;  // by tool_calls index
  std::string finish_reason;
  boost::json::object usage;
  bool done = false;  // data: [DONE] came last
};

inline AssembledStream assemble(const std::string& sse) {
  AssembledStream out;
  http::SseSplitter splitter;
  splitter.feed(sse);
  std::string raw;
  http::SseEvent ev;
  while (splitter.next(raw)) {
    if (!http::parse_sse_event(raw, ev)) continue;
    out.done = ev.data == "[DONE]";
    if (out.done) continue;
    auto chunk = boost::json::parse(ev.data).as_object();
    if (auto* u = chunk.if_contains("usage"); u && u->is_object()) out.usage = u->as_object();
    const auto& choices = chunk.at("choices").as_array();
    if (choices.empty()) continue;
    const auto& choice = choices[0].as_object();
    const auto& delta = choice.at("delta").as_object();
    if (auto* t = delta.if_contains("content"); t && t->is_string()) out.text += t->as_string();
    if (auto* calls = delta.if_contains("tool_calls"))
      for (const auto& c : calls->as_array()) {
        const auto& call = c.as_object();
        std::string& args = out.arguments[call.at("index").as_int64()];
        if (auto* fn = call.if_contains("function"))
          if (auto* a = fn->as_object().if_contains("arguments")) args += a->as_string();
      }
    if (!choice.at("finish_reason").is_null()) out.finish_reason = choice.at("finish_reason").as_string();
  }
  return out;
}

}  // namespace torii::testing
