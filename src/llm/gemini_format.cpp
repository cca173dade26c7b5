#include "llm/gemini_format.hpp"

#include <cctype>
#include <cstring>
#include <map>

#include <boost/json.hpp>

#include "llm/chat_asks.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "llm/openai_chunks.hpp"

namespace torii::llm {

namespace json = boost::json;
using namespace get;

namespace {

std::string base64(const unsigned char* data, size_t size) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < size; i += 3) {
    uint32_t n = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += table[n & 63];
  }
  if (i < size) {
    uint32_t n = uint32_t(data[i]) << 16;
    if (i + 1 < size) n |= uint32_t(data[i + 1]) << 8;
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += i + 1 < size ? table[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Gemini wants a concrete MIME type for a file it fetches; the URL's
// extension is the only hint an OpenAI request carries.
std::string mime_from_url(std::string_view url, std::string_view fallback) {
  url = url.substr(0, url.find_first_of("?#"));
  auto dot = url.rfind('.');
  if (dot == std::string_view::npos || url.find('/', dot) != std::string_view::npos) return std::string(fallback);
  std::string ext(url.substr(dot + 1));
  for (auto& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, std::string, std::less<>> types{
      {"png", "image/png"},       {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
      {"webp", "image/webp"},     {"heic", "image/heic"},     {"heif", "image/heif"}, {"pdf", "application/pdf"},
      {"mp3", "audio/mp3"},       {"wav", "audio/wav"},       {"ogg", "audio/ogg"},   {"flac", "audio/flac"},
      {"mp4", "video/mp4"},       {"mov", "video/mov"},       {"webm", "video/webm"}, {"txt", "text/plain"},
      {"html", "text/html"},      {"csv", "text/csv"},        {"md", "text/md"}};
  auto it = types.find(ext);
  return it == types.end() ? std::string(fallback) : it->second;
}

// A data: URL as inlineData, anything else as fileData for Gemini to fetch.
json::object media_part(std::string_view url, std::string_view fallback_mime) {
  if (url.starts_with("data:")) {
    auto comma = url.find(',');
    std::string_view meta = url.substr(5, comma == std::string_view::npos ? std::string_view::npos : comma - 5);
    std::string_view payload = comma == std::string_view::npos ? std::string_view() : url.substr(comma + 1);
    bool is_base64 = meta.ends_with(";base64");
    std::string_view mime = meta.substr(0, meta.find(';'));
    std::string data = is_base64 ? std::string(payload)
                                 : base64(reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
    return json::object{
        {"inlineData", json::object{{"mimeType", mime.empty() ? fallback_mime : mime}, {"data", std::move(data)}}}};
  }
  return json::object{{"fileData", json::object{{"mimeType", mime_from_url(url, fallback_mime)}, {"fileUri", url}}}};
}

// OpenAI content (string or parts) -> Gemini parts.
json::array content_parts(const json::value& content) {
  json::array parts;
  if (content.is_string()) {
    if (!content.get_string().empty()) parts.push_back(json::object{{"text", content}});
    return parts;
  }
  if (!content.is_array()) return parts;
  for (const auto& p : content.get_array()) {
    if (!p.is_object()) continue;
    const auto& part = p.get_object();
    std::string_view type = str(part, "type");
    if (type == "text") {
      if (auto t = str(part, "text"); !t.empty()) parts.push_back(json::object{{"text", t}});
    } else if (type == "image_url") {
      std::string_view url;
      if (auto* iu = part.if_contains("image_url")) {
        if (iu->is_string()) url = iu->get_string();
        else if (iu->is_object()) url = str(iu->get_object(), "url");
      }
      if (!url.empty()) parts.push_back(media_part(url, "image/jpeg"));
    } else if (type == "input_audio") {
      if (const auto* a = obj(part, "input_audio")) {
        std::string format(str(*a, "format"));
        parts.push_back(json::object{{"inlineData", json::object{{"mimeType", "audio/" + (format.empty() ? "wav" : format)},
                                                                 {"data", str(*a, "data")}}}});
      }
    } else if (type == "file") {
      if (const auto* f = obj(part, "file"); f && str(*f, "file_data").starts_with("data:"))
        parts.push_back(media_part(str(*f, "file_data"), "application/pdf"));
    }
  }
  return parts;
}

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

json::object usage_of(const json::object& meta) {
  int64_t prompt = integer(meta, "promptTokenCount") + integer(meta, "toolUsePromptTokenCount");
  int64_t thoughts = integer(meta, "thoughtsTokenCount");
  // OpenAI counts reasoning inside completion_tokens; Gemini counts it apart.
  int64_t completion = integer(meta, "candidatesTokenCount") + thoughts;
  int64_t total = meta.contains("totalTokenCount") ? integer(meta, "totalTokenCount") : prompt + completion;
  return json::object{{"prompt_tokens", prompt},
                      {"completion_tokens", completion},
                      {"total_tokens", total},
                      {"prompt_tokens_details", json::object{{"cached_tokens", integer(meta, "cachedContentTokenCount")}}},
                      {"completion_tokens_details", json::object{{"reasoning_tokens", thoughts}}}};
}

// Gemini's functionCall part -> an OpenAI tool call (the thought signature
// rides along where Google's own OpenAI layer puts it, so it can go back).
json::object tool_call_of(const json::object& part, std::string_view response_id, int64_t candidate, int64_t index) {
  const auto* fc = obj(part, "functionCall");
  std::string_view name = fc ? str(*fc, "name") : "";
  const json::value* args = fc ? fc->if_contains("args") : nullptr;
  std::string arguments = args && !args->is_null() ? json::serialize(*args) : std::string("{}");
  std::string id(fc ? str(*fc, "id") : "");
  if (id.empty()) id = gemini_tool_call_id(response_id, candidate, index, std::string(name) + '\0' + arguments);
  json::object call{{"id", id}, {"type", "function"}, {"function", json::object{{"name", name}, {"arguments", arguments}}}};
  if (auto sig = str(part, "thoughtSignature"); !sig.empty())
    call["extra_content"] = json::object{{"google", json::object{{"thought_signature", sig}}}};
  return call;
}

bool is_thought(const json::object& part) {
  auto* t = part.if_contains("thought");
  return t && t->is_bool() && t->get_bool();
}

}  // namespace

std::string gemini_tool_call_id(std::string_view response_id, int64_t candidate, int64_t call_index,
                                std::string_view name) {
  uint64_t h = fnv1a(response_id);
  h = fnv1a(std::to_string(candidate) + ':' + std::to_string(call_index) + ':', h);
  h = fnv1a(name, h);
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "call_";
  for (int shift = 60; shift >= 0; shift -= 4) id += hex[(h >> shift) & 15];
  return id;
}

std::string openai_finish_reason_from_gemini(std::string_view r, bool has_tool_calls) {
  if (r == "MAX_TOKENS") return "length";
  if (r == "SAFETY" || r == "RECITATION" || r == "BLOCKLIST" || r == "PROHIBITED_CONTENT" || r == "SPII" ||
      r == "IMAGE_SAFETY")
    return "content_filter";
  // Gemini finishes a function call with STOP.
  return has_tool_calls ? "tool_calls" : "stop";
}

json::value gemini_schema(const json::value& in) {
  if (in.is_array()) {
    json::array out;
    for (const auto& v : in.get_array()) out.push_back(gemini_schema(v));
    return out;
  }
  if (!in.is_object()) return in;
  // The OpenAPI subset Gemini documents for Schema; anything else is rejected
  // as an unknown field.
  static constexpr std::string_view kept[] = {
      "type",     "format",   "title",     "description", "nullable",    "enum",      "maxItems",
      "minItems", "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
      "pattern",  "example",  "anyOf",     "propertyOrdering", "default", "items",     "minimum",
      "maximum"};
  json::object out;
  for (const auto& [key, value] : in.get_object()) {
    bool keep = false;
    for (auto k : kept) keep = keep || k == key;
    if (!keep) continue;
    if (key == "properties" && value.is_object()) {
      json::object props;
      for (const auto& [name, schema] : value.get_object()) props[name] = gemini_schema(schema);
      out[key] = std::move(props);
    } else if (key == "items" || key == "anyOf") {
      out[key] = gemini_schema(value);
    } else if (key == "type" && value.is_array()) {
      // ["string", "null"] -> "string" + nullable
      for (const auto& t : value.get_array()) {
        if (!t.is_string()) continue;
        if (t.get_string() == "null") out["nullable"] = true;
        else if (!out.contains("type")) out["type"] = t;
      }
    } else {
      out[key] = value;
    }
  }
  if (auto* c = in.get_object().if_contains("const"); c && !out.contains("enum")) out["enum"] = json::array{*c};
  return out;
}

json::object openai_to_gemini_request(const json::object& in, std::string& error) {
  json::object out;
  json::array system;
  json::array contents;
  std::map<std::string, std::string, std::less<>> call_names;  // tool_call id -> function name
  if (auto* msgs = arr(in, "messages")) {
    for (size_t i = 0; i < msgs->size(); ++i) {
      const auto& mv = (*msgs)[i];
      if (!mv.is_object()) {
        error = "messages must be objects";
        return out;
      }
      const auto& m = mv.get_object();
      std::string_view role = str(m, "role");
      const json::value* content = m.if_contains("content");
      json::value empty_content = "";
      const json::value& c = content && !content->is_null() ? *content : empty_content;
      if (role == "system" || role == "developer") {
        if (auto t = text_of(c); !t.empty()) system.push_back(json::object{{"text", t}});
      } else if (role == "user") {
        append_turn(contents, "user", "parts", content_parts(c));
      } else if (role == "assistant") {
        json::array parts = content_parts(c);
        if (auto* calls = arr(m, "tool_calls")) {
          for (const auto& tv : *calls) {
            if (!tv.is_object()) continue;
            const auto& tc = tv.get_object();
            const auto* fn = obj(tc, "function");
            std::string_view name = fn ? str(*fn, "name") : "";
            call_names[std::string(str(tc, "id"))] = std::string(name);
            json::object part{{"functionCall", json::object{{"name", name},
                                                            {"args", arguments_object(fn ? str(*fn, "arguments") : "")}}}};
            if (const auto* extra = obj(tc, "extra_content"))
              if (const auto* google = obj(*extra, "google"); google && !str(*google, "thought_signature").empty())
                part["thoughtSignature"] = str(*google, "thought_signature");
            parts.push_back(std::move(part));
          }
        }
        append_turn(contents, "model", "parts", std::move(parts));
      } else if (role == "tool" || role == "function") {
        std::string name;
        if (role == "tool") {
          auto it = call_names.find(str(m, "tool_call_id"));
          if (it != call_names.end()) name = it->second;
        }
        if (name.empty()) name = std::string(str(m, "name"));
        if (name.empty()) {
          error = "messages[" + std::to_string(i) + "]: tool_call_id '" + std::string(str(m, "tool_call_id")) +
                  "' matches no tool call of an earlier assistant message (Gemini needs the function name)";
          return out;
        }
        std::string text = text_of(c);
        json::error_code ec;
        json::value parsed = parse_json(text, ec);
        json::value result = !ec && parsed.is_object() ? std::move(parsed) : json::value(text);
        append_turn(contents, "user", "parts",
                    json::array{json::object{{"functionResponse",
                                               json::object{{"name", name},
                                                            {"response", json::object{{"content", std::move(result)}}}}}}});
      } else {
        error = "unsupported message role '" + std::string(role) + "'";
        return out;
      }
    }
  }
  out["contents"] = std::move(contents);
  if (!system.empty()) out["systemInstruction"] = json::object{{"parts", std::move(system)}};

  json::object gen;
  if (auto* v = in.if_contains("temperature"); v && v->is_number()) gen["temperature"] = *v;
  if (auto* v = in.if_contains("top_p"); v && v->is_number()) gen["topP"] = *v;
  if (auto* v = in.if_contains("top_k"); v && v->is_number()) gen["topK"] = *v;
  int64_t max_tokens = integer(in, "max_completion_tokens");
  if (max_tokens == 0) max_tokens = integer(in, "max_tokens");
  if (max_tokens > 0) gen["maxOutputTokens"] = max_tokens;
  if (auto* stop = in.if_contains("stop")) {
    if (stop->is_string()) gen["stopSequences"] = json::array{*stop};
    else if (stop->is_array() && !stop->get_array().empty()) gen["stopSequences"] = *stop;
  }
  if (auto* v = in.if_contains("n"); v && v->is_number() && integer(in, "n") > 1) gen["candidateCount"] = *v;
  if (auto* v = in.if_contains("seed"); v && v->is_number()) gen["seed"] = *v;
  if (auto* v = in.if_contains("presence_penalty"); v && v->is_number()) gen["presencePenalty"] = *v;
  if (auto* v = in.if_contains("frequency_penalty"); v && v->is_number()) gen["frequencyPenalty"] = *v;
  if (const auto* rf = obj(in, "response_format")) {
    std::string_view type = str(*rf, "type");
    if (type == "json_object") {
      gen["responseMimeType"] = "application/json";
    } else if (type == "json_schema") {
      gen["responseMimeType"] = "application/json";
      if (const auto* js = obj(*rf, "json_schema"))
        if (auto* schema = js->if_contains("schema"); schema && schema->is_object())
          gen["responseSchema"] = gemini_schema(*schema);
    }
  }
  // reasoning_effort -> a thinking budget, with the thoughts' summaries asked
  // for (they come back as reasoning_content); none/minimal -> no thinking.
  if (auto effort = str(in, "reasoning_effort"); !effort.empty())
    gen["thinkingConfig"] = thinking_budget(effort) > 0
                                ? json::object{{"thinkingBudget", thinking_budget(effort)}, {"includeThoughts", true}}
                                : json::object{{"thinkingBudget", 0}};
  if (asks_logprobs(in)) {
    error = "logprobs: log probabilities are not translated from Gemini; use a target of OpenAI's format";
    return out;
  }
  if (!gen.empty()) out["generationConfig"] = std::move(gen);

  json::array declarations;
  if (auto* tools = arr(in, "tools")) {
    for (const auto& tv : *tools) {
      if (!tv.is_object()) continue;
      const auto* fn = obj(tv.get_object(), "function");
      if (!fn) continue;
      json::object d{{"name", str(*fn, "name")}};
      if (auto desc = str(*fn, "description"); !desc.empty()) d["description"] = desc;
      // An empty parameter object is rejected; a function without arguments has none.
      if (const auto* p = obj(*fn, "parameters")) {
        const auto* props = obj(*p, "properties");
        if (!props || !props->empty()) d["parameters"] = gemini_schema(*p);
      }
      declarations.push_back(std::move(d));
    }
  }
  if (!declarations.empty()) {
    out["tools"] = json::array{json::object{{"functionDeclarations", std::move(declarations)}}};
    if (auto* tc = in.if_contains("tool_choice")) {
      json::object config;
      if (tc->is_string()) {
        std::string_view s = tc->get_string();
        config["mode"] = s == "required" ? "ANY" : s == "none" ? "NONE" : "AUTO";
      } else if (tc->is_object()) {
        const auto* fn = obj(tc->get_object(), "function");
        config["mode"] = "ANY";
        config["allowedFunctionNames"] = json::array{fn ? str(*fn, "name") : ""};
      }
      if (!config.empty()) out["toolConfig"] = json::object{{"functionCallingConfig", std::move(config)}};
    }
  }
  return out;
}

bool gemini_prompt_blocked(const json::object& answer, std::string& message) {
  const auto* candidates = arr(answer, "candidates");
  if (candidates && !candidates->empty()) return false;
  const auto* feedback = obj(answer, "promptFeedback");
  if (!feedback) return false;
  std::string_view reason = str(*feedback, "blockReason");
  if (reason.empty()) return false;
  message = "the prompt was blocked by Gemini (" + std::string(reason) + ")";
  if (auto detail = str(*feedback, "blockReasonMessage"); !detail.empty()) message += ": " + std::string(detail);
  return true;
}

json::object gemini_to_openai_response(const json::object& answer, std::string_view model) {
  std::string response_id(str(answer, "responseId"));
  json::array choices;
  if (auto* candidates = arr(answer, "candidates")) {
    for (size_t ci = 0; ci < candidates->size(); ++ci) {
      if (!(*candidates)[ci].is_object()) continue;
      const auto& cand = (*candidates)[ci].get_object();
      int64_t index = cand.contains("index") ? integer(cand, "index") : int64_t(ci);
      std::string text, reasoning;
      json::array tool_calls;
      if (const auto* content = obj(cand, "content"))
        if (const auto* parts = arr(*content, "parts"))
          for (const auto& pv : *parts) {
            if (!pv.is_object()) continue;
            const auto& part = pv.get_object();
            if (part.contains("functionCall"))
              tool_calls.push_back(tool_call_of(part, response_id, index, int64_t(tool_calls.size())));
            else if (is_thought(part))
              reasoning += str(part, "text");
            else
              text += str(part, "text");
          }
      json::object message{{"role", "assistant"}};
      message["content"] = text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
      bool has_calls = !tool_calls.empty();
      if (has_calls) message["tool_calls"] = std::move(tool_calls);
      if (!reasoning.empty()) message["reasoning_content"] = std::move(reasoning);
      message["refusal"] = nullptr;
      choices.push_back(json::object{
          {"index", index},
          {"message", std::move(message)},
          {"logprobs", nullptr},
          {"finish_reason", openai_finish_reason_from_gemini(str(cand, "finishReason"), has_calls)}});
    }
  }
  json::object out{{"id", response_id.empty() ? std::string("chatcmpl-gemini") : "chatcmpl-" + response_id},
                   {"object", "chat.completion"},
                   {"created", now_seconds()},
                   {"model", str(answer, "modelVersion").empty() ? model : str(answer, "modelVersion")}};
  out["choices"] = std::move(choices);
  if (const auto* meta = obj(answer, "usageMetadata")) out["usage"] = usage_of(*meta);
  return out;
}

GeminiToOpenAIStream::Choice& GeminiToOpenAIStream::choice(int64_t index) {
  if (index < 0 || index > kMaxStreamIndex) index = 0;
  if (size_t(index) >= choices_.size()) choices_.resize(size_t(index) + 1);
  return choices_[size_t(index)];
}

void GeminiToOpenAIStream::chunk(std::string& out, int64_t index, json::object delta, const char* finish_reason) {
  append_chunk(out, {id_, created_, model_}, std::move(delta), finish_reason, index);
}

bool GeminiToOpenAIStream::feed(std::string_view data, std::string& out, std::string& error_message) {
  if (finished_) return true;
  json::error_code ec;
  json::value v = parse_json(data, ec);
  if (ec || !v.is_object()) {
    error_message = "invalid JSON in stream event";
    return false;
  }
  const auto& o = v.get_object();
  if (const auto* e = obj(o, "error")) {
    error_message = std::string(str(*e, "message"));
    if (auto status = str(*e, "status"); !status.empty()) error_message = std::string(status) + ": " + error_message;
    if (error_message.empty()) error_message = "upstream stream error";
    return false;
  }
  if (gemini_prompt_blocked(o, error_message)) return false;
  if (created_ == 0) {
    created_ = now_seconds();
    response_id_ = std::string(str(o, "responseId"));
    if (auto answered = str(o, "modelVersion"); !answered.empty()) model_ = std::string(answered);
    id_ = response_id_.empty() ? std::string("chatcmpl-gemini") : "chatcmpl-" + response_id_;
  }
  if (const auto* meta = obj(o, "usageMetadata")) usage_metadata_ = *meta;
  if (const auto* candidates = arr(o, "candidates")) {
    for (size_t ci = 0; ci < candidates->size(); ++ci) {
      if (!(*candidates)[ci].is_object()) continue;
      const auto& cand = (*candidates)[ci].get_object();
      int64_t index = cand.contains("index") ? integer(cand, "index") : int64_t(ci);
      Choice& ch = choice(index);
      if (ch.finished) continue;
      if (!ch.started) {
        ch.started = true;
        chunk(out, index, json::object{{"role", "assistant"}, {"content", ""}});
      }
      if (const auto* content = obj(cand, "content"))
        if (const auto* parts = arr(*content, "parts"))
          for (const auto& pv : *parts) {
            if (!pv.is_object()) continue;
            const auto& part = pv.get_object();
            if (part.contains("functionCall")) {
              int k = ch.tool_calls++;
              json::object call = tool_call_of(part, response_id_, index, k);
              call["index"] = k;
              chunk(out, index, json::object{{"tool_calls", json::array{std::move(call)}}});
            } else if (auto text = str(part, "text"); !text.empty()) {
              const char* key = is_thought(part) ? "reasoning_content" : "content";
              chunk(out, index, json::object{{key, text}});
            }
          }
      if (auto reason = str(cand, "finishReason"); !reason.empty()) {
        ch.finished = true;
        std::string finish = openai_finish_reason_from_gemini(reason, ch.tool_calls > 0);
        chunk(out, index, json::object{}, finish.c_str());
      }
    }
  }
  int64_t done = 0;
  for (const auto& c : choices_) done += c.finished ? 1 : 0;
  if (done >= expected_) {
    if (usage_) {
      append_usage_chunk(out, {id_, created_, model_}, usage_of(usage_metadata_));
    }
    out += "data: [DONE]\n\n";
    finished_ = true;
  }
  return true;
}

json::object openai_to_gemini_embeddings(const json::object& in, std::string_view model, std::string& error) {
  json::array texts;
  const json::value* input = in.if_contains("input");
  if (input && input->is_string()) {
    texts.push_back(*input);
  } else if (input && input->is_array() && !input->get_array().empty()) {
    for (const auto& v : input->get_array()) {
      if (!v.is_string()) {
        error = "input: Gemini embeds text only; token arrays cannot be sent to this provider";
        return {};
      }
      texts.push_back(v);
    }
  } else {
    error = "input must be a string or a non-empty array of strings";
    return {};
  }
  std::string name = "models/" + std::string(model);
  json::array requests;
  for (auto& t : texts) {
    json::object r{{"model", name}, {"content", json::object{{"parts", json::array{json::object{{"text", t}}}}}}};
    if (auto* d = in.if_contains("dimensions"); d && d->is_number()) r["outputDimensionality"] = *d;
    requests.push_back(std::move(r));
  }
  return json::object{{"requests", std::move(requests)}};
}

json::object gemini_to_openai_embeddings(const json::object& answer, std::string_view model, bool base64_output) {
  json::array data;
  if (const auto* embeddings = arr(answer, "embeddings")) {
    for (size_t i = 0; i < embeddings->size(); ++i) {
      const json::array* values = (*embeddings)[i].is_object() ? arr((*embeddings)[i].get_object(), "values") : nullptr;
      json::object e{{"object", "embedding"}, {"index", int64_t(i)}};
      if (base64_output) {
        std::string bytes;
        if (values) {
          bytes.reserve(values->size() * 4);
          for (const auto& x : *values) {
            float f = x.is_number() ? float(x.to_number<double>()) : 0.0f;
            uint32_t u;
            std::memcpy(&u, &f, 4);
            for (int b = 0; b < 4; ++b) bytes += char((u >> (8 * b)) & 0xff);
          }
        }
        e["embedding"] = base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
      } else {
        e["embedding"] = values ? json::value(*values) : json::value(json::array{});
      }
      data.push_back(std::move(e));
    }
  }
  // batchEmbedContents reports no token counts.
  return json::object{{"object", "list"},
                      {"data", std::move(data)},
                      {"model", model},
                      {"usage", json::object{{"prompt_tokens", 0}, {"total_tokens", 0}}}};
}

}  // namespace torii::llm
