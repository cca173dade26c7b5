#include "filters/cache/semantic_query.hpp"

#include <boost/json.hpp>

#include "filters/cache/cache_key.hpp"
#include "llm/json_dom.hpp"

namespace torii::filters::cache {

namespace json = boost::json;

namespace {

// The text of a content value: a string, or parts that are all text
// (OpenAI {"type":"text","text"}, Anthropic text blocks and, when allowed,
// tool results); nothing for anything else.
std::optional<std::string> text_of(const json::value& content, bool anthropic, bool tool_results) {
  if (content.is_string()) return std::string(content.get_string());
  if (!content.is_array() || content.get_array().empty()) return std::nullopt;
  std::string out;
  for (const auto& part : content.get_array()) {
    if (!part.is_object()) return std::nullopt;
    const json::object& p = part.get_object();
    const json::value* type = p.if_contains("type");
    if (!type || !type->is_string()) return std::nullopt;
    std::optional<std::string> piece;
    if (type->get_string() == "text") {
      const json::value* t = p.if_contains("text");
      if (t && t->is_string()) piece = std::string(t->get_string());
    } else if (anthropic && type->get_string() == "tool_result" && tool_results) {
      if (const json::value* c = p.if_contains("content")) piece = text_of(*c, anthropic, false);
      else piece = std::string();
    }
    if (!piece) return std::nullopt;
    if (!out.empty()) out += '\n';
    out += *piece;
  }
  return out;
}

}  // namespace

std::optional<SemanticQuery> semantic_query(const json::object& body, bool anthropic, bool tool_results) {
  const json::value* messages = body.if_contains("messages");
  if (!messages || !messages->is_array() || messages->get_array().empty()) return std::nullopt;
  const json::value& last = messages->get_array().back();
  if (!last.is_object()) return std::nullopt;
  const json::object& turn = last.get_object();
  const json::value* role = turn.if_contains("role");
  if (!role || !role->is_string()) return std::nullopt;
  const bool user = role->get_string() == "user";
  const bool tool = !anthropic && role->get_string() == "tool";
  if (!user && !(tool && tool_results)) return std::nullopt;
  const json::value* content = turn.if_contains("content");
  if (!content) return std::nullopt;
  std::optional<std::string> text = text_of(*content, anthropic, tool_results);
  if (!text || text->empty()) return std::nullopt;

  json::object context = body;
  json::array& turns = context["messages"].get_array();
  turns.back().get_object()["content"] = "";
  return SemanticQuery{std::move(*text), canonical_request(context)};
}

std::string embeddings_request(std::string_view model, std::string_view text) {
  return json::serialize(json::object{{"model", model}, {"input", text}});
}

std::vector<float> first_embedding(std::string_view answer) {
  json::error_code ec;
  json::value v = llm::parse_json(answer, ec);
  if (ec || !v.is_object()) return {};
  const json::value* data = v.get_object().if_contains("data");
  if (!data || !data->is_array() || data->get_array().empty() || !data->get_array()[0].is_object()) return {};
  const json::value* e = data->get_array()[0].get_object().if_contains("embedding");
  if (!e || !e->is_array()) return {};
  std::vector<float> out;
  out.reserve(e->get_array().size());
  for (const auto& x : e->get_array()) {
    if (!x.is_number()) return {};
    out.push_back(float(x.to_number<double>()));
  }
  return out;
}

}  // namespace torii::filters::cache
