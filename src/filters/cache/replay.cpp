#include "filters/cache/replay.hpp"

#include <boost/json.hpp>

#include "llm/anthropic_format.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"

namespace torii::filters::cache {

namespace json = boost::json;

namespace {

json::object* object_at(json::object& o, std::string_view key) {
  json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

json::array& array_at(json::object& o, std::string_view key) {
  json::value& v = o[key];
  if (!v.is_array()) v = json::array();
  return v.get_array();
}

void append_string(json::object& o, std::string_view key, const json::value& piece) {
  if (!piece.is_string()) return;
  json::value& v = o[key];
  if (v.is_string()) v.get_string().append(piece.get_string());
  else v = piece.get_string();
}

json::object& choice_at(json::array& choices, int64_t index) {
  for (auto& c : choices)
    if (c.is_object()) {
      const json::value* i = c.get_object().if_contains("index");
      if (i && i->is_int64() && i->get_int64() == index) return c.get_object();
    }
  choices.push_back(json::object{{"index", index},
                                 {"message", json::object{{"role", "assistant"}, {"content", nullptr}}},
                                 {"logprobs", nullptr},
                                 {"finish_reason", nullptr}});
  return choices.back().get_object();
}

// Appends one chat.completion.chunk carrying what the answer's own chunks
// would (its id, model, fingerprint and service tier).
struct ChunkWriter {
  const json::object& completion;
  std::string& out;

  void write(json::object body) {
    body["id"] = completion.contains("id") ? completion.at("id") : json::value("");
    body["object"] = "chat.completion.chunk";
    body["created"] = completion.contains("created") ? completion.at("created") : json::value(0);
    body["model"] = completion.contains("model") ? completion.at("model") : json::value("");
    for (const char* k : {"system_fingerprint", "service_tier"})
      if (const json::value* v = completion.if_contains(k)) body[k] = *v;
    out += http::sse_data_event(json::serialize(body));
  }
  void choice(int64_t index, json::object delta, const json::value& finish = nullptr) {
    write(json::object{{"choices", json::array{json::object{{"index", index},
                                                            {"delta", std::move(delta)},
                                                            {"logprobs", nullptr},
                                                            {"finish_reason", finish}}}}});
  }
};

}  // namespace

json::object openai_usage(const llm::Usage& u) {
  json::object o{{"prompt_tokens", u.prompt_total()},
                 {"completion_tokens", u.output},
                 {"total_tokens", u.prompt_total() + u.output}};
  o["prompt_tokens_details"] = json::object{{"cached_tokens", u.cached_read}};
  o["completion_tokens_details"] = json::object{{"reasoning_tokens", u.reasoning}};
  return o;
}

void StreamCollector::feed(std::string_view bytes) {
  if (failed_) return;
  splitter_.feed(bytes);
  std::string raw;
  http::SseEvent ev;
  while (splitter_.next(raw)) {
    if (!http::parse_sse_event(raw, ev)) continue;
    if (anthropic_) anthropic_event(ev.event, ev.data);
    else openai_event(ev.data);
    if (failed_) return;
  }
}

void StreamCollector::openai_event(std::string_view data) {
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  json::error_code ec;
  json::value v = llm::parse_json(data, ec);
  if (ec || !v.is_object() || v.get_object().contains("error")) {
    failed_ = true;
    return;
  }
  json::object& chunk = v.get_object();
  if (result_.empty()) {
    result_["id"] = chunk["id"];
    result_["object"] = "chat.completion";
    result_["created"] = chunk["created"];
    result_["model"] = chunk["model"];
    result_["choices"] = json::array();
  }
  for (const char* k : {"system_fingerprint", "service_tier"})
    if (const json::value* x = chunk.if_contains(k); x && !x->is_null()) result_[k] = *x;
  if (const json::value* u = chunk.if_contains("usage"); u && u->is_object()) result_["usage"] = *u;
  const json::value* choices = chunk.if_contains("choices");
  if (!choices || !choices->is_array()) return;
  json::array& out = array_at(result_, "choices");
  for (const auto& cv : choices->get_array()) {
    if (!cv.is_object()) continue;
    const json::object& c = cv.get_object();
    const json::value* index = c.if_contains("index");
    json::object& target = choice_at(out, index && index->is_int64() ? index->get_int64() : 0);
    if (const json::value* lp = c.if_contains("logprobs"); lp && !lp->is_null()) {
      failed_ = true;  // token log-probabilities are not added up: such answers are not stored
      return;
    }
    if (const json::value* fr = c.if_contains("finish_reason"); fr && !fr->is_null()) target["finish_reason"] = *fr;
    const json::value* dv = c.if_contains("delta");
    if (!dv || !dv->is_object()) continue;
    const json::object& delta = dv->get_object();
    json::object& message = target["message"].get_object();
    for (const auto& kv : delta) {
      if (kv.key() == "role") {
        if (kv.value().is_string()) message["role"] = kv.value();
      } else if (kv.key() == "content" || kv.key() == "refusal" || kv.key() == "reasoning_content") {
        append_string(message, kv.key(), kv.value());
      } else if (kv.key() == "tool_calls" && kv.value().is_array()) {
        json::array& calls = array_at(message, "tool_calls");
        for (const auto& tv : kv.value().get_array()) {
          if (!tv.is_object()) continue;
          const json::object& t = tv.get_object();
          const json::value* ti = t.if_contains("index");
          const size_t i = ti && ti->is_int64() && ti->get_int64() >= 0 ? size_t(ti->get_int64()) : 0;
          if (i > 1024) continue;
          while (calls.size() <= i)
            calls.push_back(json::object{{"id", ""}, {"type", "function"},
                                         {"function", json::object{{"name", ""}, {"arguments", ""}}}});
          json::object& call = calls[i].get_object();
          if (const json::value* id = t.if_contains("id"); id && id->is_string()) call["id"] = *id;
          if (const json::value* ty = t.if_contains("type"); ty && ty->is_string()) call["type"] = *ty;
          if (const json::value* f = t.if_contains("function"); f && f->is_object()) {
            json::object& fn = call["function"].get_object();
            if (const json::value* n = f->get_object().if_contains("name"); n && n->is_string()) fn["name"] = *n;
            if (const json::value* a = f->get_object().if_contains("arguments")) append_string(fn, "arguments", *a);
          }
        }
      } else if (!kv.value().is_null() && !message.contains(kv.key())) {
        message[kv.key()] = kv.value();  // annotations, audio...: kept as the first delta said
      }
    }
  }
}

void StreamCollector::anthropic_event(std::string_view name, std::string_view data) {
  if (name == "ping") return;
  json::error_code ec;
  json::value v = llm::parse_json(data, ec);
  if (ec || !v.is_object()) {
    failed_ = true;
    return;
  }
  json::object& e = v.get_object();
  const std::string_view type = llm::get::str(e, "type");
  if (type == "error" || name == "error") {
    failed_ = true;
  } else if (type == "message_start") {
    if (json::object* m = object_at(e, "message")) result_ = *m;
    result_["content"] = json::array();
  } else if (type == "content_block_start") {
    json::array& content = array_at(result_, "content");
    const json::value* block = e.if_contains("content_block");
    content.push_back(block && block->is_object() ? *block : json::value(json::object{}));
    partial_json_.emplace_back();
  } else if (type == "content_block_delta") {
    json::array& content = array_at(result_, "content");
    const json::value* d = e.if_contains("delta");
    if (content.empty() || !d || !d->is_object() || !content.back().is_object()) return;
    json::object& block = content.back().get_object();
    const json::object& delta = d->get_object();
    const std::string_view dt = llm::get::str(delta, "type");
    if (dt == "text_delta") {
      if (const json::value* t = delta.if_contains("text")) append_string(block, "text", *t);
    } else if (dt == "input_json_delta") {
      partial_json_.back() += llm::get::str(delta, "partial_json");
    } else if (dt == "thinking_delta") {
      if (const json::value* t = delta.if_contains("thinking")) append_string(block, "thinking", *t);
    } else if (dt == "signature_delta") {
      block["signature"] = llm::get::str(delta, "signature");
    } else if (dt == "citations_delta") {
      if (const json::value* c = delta.if_contains("citation")) array_at(block, "citations").push_back(*c);
    }
  } else if (type == "content_block_stop") {
    json::array& content = array_at(result_, "content");
    if (content.empty() || !content.back().is_object()) return;
    json::object& block = content.back().get_object();
    if (block.contains("input") && !partial_json_.back().empty()) {
      json::error_code pec;
      json::value input = llm::parse_json(partial_json_.back(), pec);
      if (pec) {
        failed_ = true;
        return;
      }
      block["input"] = std::move(input);
    }
  } else if (type == "message_delta") {
    if (const json::object* d = object_at(e, "delta"))
      for (const auto& kv : *d) result_[kv.key()] = kv.value();
    if (const json::object* u = object_at(e, "usage")) {
      json::object* usage = object_at(result_, "usage");
      if (!usage) {
        result_["usage"] = json::object();
        usage = object_at(result_, "usage");
      }
      for (const auto& kv : *u)
        if (!kv.value().is_null()) (*usage)[kv.key()] = kv.value();
    }
  } else if (type == "message_stop") {
    done_ = true;
  }
}

std::string StreamCollector::answer(const llm::Usage& usage) const {
  if (!complete() || result_.empty()) return {};
  json::object out = result_;
  if (!anthropic_ && !out.contains("usage") && usage.reported) out["usage"] = openai_usage(usage);
  return json::serialize(out);
}

std::string openai_stream_of(const json::object& completion, bool include_usage) {
  std::string out;
  ChunkWriter w{completion, out};
  if (const json::value* choices = completion.if_contains("choices"); choices && choices->is_array()) {
    for (const auto& cv : choices->get_array()) {
      if (!cv.is_object()) continue;
      const json::object& c = cv.get_object();
      const json::value* iv = c.if_contains("index");
      const int64_t index = iv && iv->is_int64() ? iv->get_int64() : 0;
      const json::value* mv = c.if_contains("message");
      const json::object empty;
      const json::object& m = mv && mv->is_object() ? mv->get_object() : empty;
      w.choice(index, json::object{{"role", "assistant"}, {"content", ""}});
      for (const auto& kv : m) {
        const json::value& v = kv.value();
        if (kv.key() == "role" || v.is_null()) continue;
        if ((v.is_string() && v.get_string().empty()) || (v.is_array() && v.get_array().empty())) continue;
        if (kv.key() == "tool_calls" && v.is_array()) {
          int64_t i = 0;
          for (const auto& call : v.get_array()) {
            if (!call.is_object()) continue;
            json::object piece = call.get_object();
            piece["index"] = i++;
            w.choice(index, json::object{{"tool_calls", json::array{std::move(piece)}}});
          }
          continue;
        }
        w.choice(index, json::object{{kv.key(), v}});
      }
      const json::value* finish = c.if_contains("finish_reason");
      w.choice(index, json::object{}, finish && finish->is_string() ? *finish : json::value("stop"));
    }
  }
  if (include_usage)
    if (const json::value* u = completion.if_contains("usage"); u && u->is_object())
      w.write(json::object{{"choices", json::array{}}, {"usage", *u}});
  out += "data: [DONE]\n\n";
  return out;
}

std::string anthropic_stream_of(const json::object& message) {
  std::string out;
  json::object start = message;
  start["content"] = json::array();
  start["stop_reason"] = nullptr;
  start["stop_sequence"] = nullptr;
  json::object usage;
  if (const json::value* u = message.if_contains("usage"); u && u->is_object()) usage = u->get_object();
  json::object start_usage = usage;
  start_usage["output_tokens"] = 0;
  start["usage"] = start_usage;
  out += llm::anthropic_event("message_start", json::object{{"type", "message_start"}, {"message", std::move(start)}});
  int64_t index = 0;
  if (const json::value* content = message.if_contains("content"); content && content->is_array()) {
    for (const auto& bv : content->get_array()) {
      if (!bv.is_object()) continue;
      const json::object& b = bv.get_object();
      const std::string_view type = llm::get::str(b, "type");
      json::object opened = b;
      json::array deltas;
      if (type == "text") {
        opened["text"] = "";
        opened.erase("citations");
        if (const json::value* cites = b.if_contains("citations"); cites && cites->is_array())
          for (const auto& c : cites->get_array())
            deltas.push_back(json::object{{"type", "citations_delta"}, {"citation", c}});
        deltas.push_back(json::object{{"type", "text_delta"}, {"text", b.contains("text") ? b.at("text") : ""}});
      } else if (type == "tool_use" || type == "server_tool_use") {
        opened["input"] = json::object();
        const json::value* input = b.if_contains("input");
        deltas.push_back(json::object{{"type", "input_json_delta"},
                                      {"partial_json", input ? json::serialize(*input) : std::string("{}")}});
      } else if (type == "thinking") {
        opened["thinking"] = "";
        opened["signature"] = "";
        deltas.push_back(json::object{{"type", "thinking_delta"}, {"thinking", b.contains("thinking") ? b.at("thinking") : ""}});
        deltas.push_back(json::object{{"type", "signature_delta"}, {"signature", b.contains("signature") ? b.at("signature") : ""}});
      }
      out += llm::anthropic_event("content_block_start", json::object{{"type", "content_block_start"},
                                                                     {"index", index},
                                                                     {"content_block", std::move(opened)}});
      for (auto& d : deltas)
        out += llm::anthropic_event("content_block_delta", json::object{{"type", "content_block_delta"},
                                                                       {"index", index},
                                                                       {"delta", std::move(d)}});
      out += llm::anthropic_event("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", index}});
      ++index;
    }
  }
  json::object delta{{"stop_reason", message.contains("stop_reason") ? message.at("stop_reason") : json::value("end_turn")},
                     {"stop_sequence", message.contains("stop_sequence") ? message.at("stop_sequence") : nullptr}};
  out += llm::anthropic_event("message_delta",
                              json::object{{"type", "message_delta"}, {"delta", std::move(delta)}, {"usage", usage}});
  out += llm::anthropic_event("message_stop", json::object{{"type", "message_stop"}});
  return out;
}

}  // namespace torii::filters::cache
