#include "filters/guardrails/rules.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <boost/json.hpp>

#include "config/config.hpp"
#include "config/reader.hpp"
#include "config/section.hpp"
#include "filters/auth/static_keys.hpp"

namespace torii::filters::guardrails {

namespace {

// Phrases that try to take the model's instructions over, matched with any
// whitespace between their words and in any case. Extendable per rule.
constexpr const char* kInjectionPhrases[] = {
    R"(ignore\s+(all\s+|any\s+)?(of\s+)?(the\s+|your\s+)?(previous|prior|above|earlier)\s+(instructions|prompts|rules|directions))",
    R"(disregard\s+(all\s+|any\s+)?(the\s+|your\s+)?(previous|prior|above|earlier)\s+(instructions|prompts|rules))",
    R"(forget\s+(all\s+)?(your|the)\s+(previous\s+|prior\s+)?(instructions|rules|guidelines))",
    R"((reveal|print|show|repeat|output)\s+(me\s+)?(your|the)\s+(system\s+prompt|hidden\s+instructions|initial\s+instructions))",
    R"(you\s+are\s+now\s+(in\s+)?(dan|developer\s+mode|jailbroken))",
    R"(act\s+as\s+if\s+you\s+(have|had)\s+no\s+(restrictions|rules|guidelines|filters))",
    R"(do\s+anything\s+now)",
    R"(pretend\s+(that\s+)?you\s+(are|have)\s+no\s+(restrictions|rules|guidelines))",
};

struct Compiled {
  std::unique_ptr<re2::RE2::Set> set;            // regex: which patterns match
  std::vector<std::unique_ptr<re2::RE2>> each;   // regex: where (per pattern)
  std::unique_ptr<re2::RE2> alternation;         // words, prompt_injection
};

std::string phrase_pattern(std::string_view phrase) {
  // Literal words, any whitespace between them.
  std::string out;
  size_t i = 0;
  while (i < phrase.size()) {
    while (i < phrase.size() && std::isspace(static_cast<unsigned char>(phrase[i]))) ++i;
    size_t j = i;
    while (j < phrase.size() && !std::isspace(static_cast<unsigned char>(phrase[j]))) ++j;
    if (j > i) {
      if (!out.empty()) out += "\\s+";
      out += re2::RE2::QuoteMeta(std::string(phrase.substr(i, j - i)));
    }
    i = j;
  }
  return out;
}

void all_matches(const re2::RE2& re, std::string_view text, const char* label, std::vector<Finding>& out) {
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece m;
  size_t pos = 0;
  while (pos <= text.size() && re.Match(input, pos, text.size(), re2::RE2::UNANCHORED, &m, 1)) {
    const size_t begin = size_t(m.data() - text.data());
    const size_t end = begin + m.size();
    if (end > begin) out.push_back({begin, end, label});
    pos = end > begin ? end : end + 1;
  }
}

std::any parse_rules(config::Reader& r, const config::Field& f) {
  GuardrailsSection s;
  if (!r.is_list(f, "")) return s;
  size_t i = 0;
  std::vector<std::string> names;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
    const std::string path = config::Reader::index("guardrails", i);
    const YAML::Node node = *it;
    if (!node.IsMap()) {
      r.error(config::Reader::line_of(node), path, "expected a map with name and type");
      continue;
    }
    auto rule = std::make_shared<Rule>();
    rule->line = config::Reader::line_of(node);
    bool has_type = false, has_on = false, has_action = false;
    int detectors_line = 0, words_line = 0;
    const config::Field* patterns_field = nullptr;
    std::vector<config::Field> fields = r.fields(node, path,
        {"name", "type", "on", "action", "detectors", "patterns", "words", "phrases", "whole_word", "case_sensitive",
         "max_input_chars", "max_messages", "restore", "url", "timeout_ms", "fail", "headers"});
    for (const auto& x : fields) {
      if (x.name == "name") {
        if (auto v = r.string_field(x, path)) {
          if (v->empty() || v->find_first_of(", ") != std::string::npos)
            r.error(r.value_line(x), path + ".name", "must be non-empty, without spaces or commas");
          else if (std::find(names.begin(), names.end(), *v) != names.end())
            r.error(r.value_line(x), path + ".name", "duplicate rule name '" + *v + "'");
          else
            rule->name = *v;
        }
      } else if (x.name == "type") {
        has_type = true;
        auto v = r.string_field(x, path);
        if (!v) continue;
        if (*v == "pii") rule->type = RuleType::pii;
        else if (*v == "regex") rule->type = RuleType::regex;
        else if (*v == "words") rule->type = RuleType::words;
        else if (*v == "prompt_injection") rule->type = RuleType::prompt_injection;
        else if (*v == "limits") rule->type = RuleType::limits;
        else if (*v == "webhook") rule->type = RuleType::webhook;
        else if (*v == "json_schema") rule->type = RuleType::json_schema;
        else r.error(r.value_line(x), path + ".type", "expected pii, regex, words, prompt_injection, limits, webhook or json_schema, got '" + *v + "'");
      } else if (x.name == "on") {
        has_on = true;
        auto v = r.string_field(x, path);
        if (!v) continue;
        if (*v == "input") rule->on = kInput;
        else if (*v == "output") rule->on = kOutput;
        else if (*v == "both") rule->on = kInput | kOutput;
        else r.error(r.value_line(x), path + ".on", "expected input, output or both, got '" + *v + "'");
      } else if (x.name == "action") {
        has_action = true;
        auto v = r.string_field(x, path);
        if (!v) continue;
        if (*v == "block") rule->action = Action::block;
        else if (*v == "redact") rule->action = Action::redact;
        else if (*v == "log") rule->action = Action::log;
        else r.error(r.value_line(x), path + ".action", "expected block, redact or log, got '" + *v + "'");
      } else if (x.name == "detectors") {
        detectors_line = r.value_line(x);
        std::vector<std::string> list;
        if (!r.string_list(x, path, list)) continue;
        rule->detectors = 0;
        for (const auto& d : list) {
          Detector det;
          if (d == "all") rule->detectors = kAllDetectors;
          else if (detector_from_name(d, det)) rule->detectors |= bit(det);
          else
            r.error(detectors_line, path + ".detectors",
                    "unknown detector '" + d + "' (expected email, phone, credit_card, iban, ssn, ip, secret or all)");
        }
      } else if (x.name == "patterns") {
        patterns_field = &x;
        r.string_list(x, path, rule->patterns);
      } else if (x.name == "words" || x.name == "phrases") {
        words_line = r.value_line(x);
        r.string_list(x, path, rule->words);
      } else if (x.name == "whole_word") {
        if (auto b = r.bool_field(x, path)) rule->whole_word = *b;
      } else if (x.name == "url") {
        auto v = r.string_field(x, path);
        if (!v) continue;
        auto url = std::make_shared<http::Url>();
        std::string why;
        if (!http::parse_url(*v, *url, why)) r.error(r.value_line(x), path + ".url", "not a usable URL: " + why);
        else if (url->tls) r.error(r.value_line(x), path + ".url", "https webhooks are not supported by this build (use http://)");
        else {
          rule->url = *v;
          rule->endpoint = std::move(url);
        }
      } else if (x.name == "timeout_ms") {
        r.set_uint(x, path, rule->timeout_ms, 1, 60'000);
      } else if (x.name == "fail") {
        auto v = r.string_field(x, path);
        if (!v) continue;
        if (*v == "open") rule->fail_open = true;
        else if (*v == "closed") rule->fail_open = false;
        else r.error(r.value_line(x), path + ".fail", "expected open or closed, got '" + *v + "'");
      } else if (x.name == "headers") {
        if (!r.is_map(x, path)) continue;
        for (auto it = x.value.begin(); it != x.value.end(); ++it) {
          const YAML::Node name = it->first;
          const std::string hp = path + ".headers." + (name.IsScalar() ? name.Scalar() : std::string("?"));
          if (!name.IsScalar() || name.Scalar().empty()) {
            r.error(config::Reader::line_of(name), path + ".headers", "header names must be plain strings");
            continue;
          }
          if (auto hv = r.string_value(it->second, config::Reader::line_of(it->second), hp))
            rule->headers.emplace_back(name.Scalar(), *hv);
        }
      } else if (x.name == "restore") {
        if (auto b = r.bool_field(x, path)) rule->restore = *b;
      } else if (x.name == "case_sensitive") {
        if (auto b = r.bool_field(x, path)) rule->case_sensitive = *b;
      } else if (x.name == "max_input_chars" || x.name == "max_messages") {
        uint64_t v = 0;
        r.set_uint(x, path, v, 1, uint64_t(1) << 40);
        if (v) (x.name == "max_input_chars" ? rule->max_input_chars : rule->max_messages) = v;
      }
    }
    if (rule->name.empty() && std::none_of(fields.begin(), fields.end(), [](auto& x) { return x.name == "name"; }))
      r.error(rule->line, path + ".name", "is required");
    if (!has_type) r.error(rule->line, path + ".type", "is required");
    // Defaults that fit the type: PII is redacted on both sides, injections
    // and limits are about input and block.
    if (!has_action && rule->type == RuleType::pii) rule->action = Action::redact;
    if (!has_on && (rule->type == RuleType::prompt_injection || rule->type == RuleType::limits)) rule->on = kInput;
    if (rule->type == RuleType::pii && rule->detectors == 0)
      r.error(detectors_line ? detectors_line : rule->line, path + ".detectors", "must name at least one detector");
    if (rule->type == RuleType::regex && rule->patterns.empty())
      r.error(patterns_field ? r.value_line(*patterns_field) : rule->line, path + ".patterns", "must list at least one pattern");
    if (rule->type == RuleType::words && rule->words.empty())
      r.error(words_line ? words_line : rule->line, path + ".words", "must list at least one word");
    if (rule->type == RuleType::limits) {
      if (!rule->max_input_chars && !rule->max_messages)
        r.error(rule->line, path, "a limits rule needs max_input_chars or max_messages");
      if (rule->action == Action::redact) r.error(rule->line, path + ".action", "a limits rule blocks or logs");
      if (rule->on != kInput) r.error(rule->line, path + ".on", "a limits rule applies to input");
    }
    if (rule->restore && (rule->action != Action::redact || !(rule->on & kInput)))
      r.error(rule->line, path + ".restore", "restores what an input redaction took out: needs action: redact on input");
    if (rule->type == RuleType::json_schema) {
      if (has_on && rule->on != kOutput) r.error(rule->line, path + ".on", "a json_schema rule checks output");
      if (rule->action == Action::redact) r.error(rule->line, path + ".action", "a json_schema rule blocks or logs");
      rule->on = kOutput;
    }
    if (rule->type == RuleType::webhook) {
      if (!rule->endpoint) r.error(rule->line, path + ".url", "a webhook rule needs a url");
      if (has_on && rule->on != kInput) r.error(rule->line, path + ".on", "webhook rules apply to input in this build");
      rule->on = kInput;
    }
    if (rule->type == RuleType::prompt_injection && (rule->on & kOutput))
      r.error(rule->line, path + ".on", "prompt-injection rules apply to input");
    std::string error;
    if (!rule->compile(error))
      r.error(patterns_field ? r.value_line(*patterns_field) : rule->line, path + ".patterns", error);
    names.push_back(rule->name);
    s.rules.push_back(std::move(rule));
  }
  return s;
}

std::any parse_model_rules(config::Reader& r, const config::Field& f) {
  ModelRules m;
  m.line = r.value_line(f);
  r.string_list(f, f.name, m.names);
  return m;
}

}  // namespace

bool Rule::compile(std::string& error) {
  auto c = std::make_shared<Compiled>();
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(case_sensitive);
  if (type == RuleType::regex) {
    re2::RE2::Options set_options = options;
    set_options.set_case_sensitive(true);  // the patterns carry their own (?i)
    c->set = std::make_unique<re2::RE2::Set>(set_options, re2::RE2::UNANCHORED);
    for (const auto& p : patterns) {
      std::string why;
      if (c->set->Add(p, &why) < 0) {
        error = "invalid pattern '" + p + "': " + why;
        return false;
      }
      c->each.push_back(std::make_unique<re2::RE2>(p, set_options));
    }
    if (!c->set->Compile()) {
      error = "the patterns do not compile together (too large)";
      return false;
    }
  } else if (type == RuleType::words || type == RuleType::prompt_injection) {
    std::string alt;
    for (const auto& w : words) alt += (alt.empty() ? "" : "|") + phrase_pattern(w);
    if (type == RuleType::prompt_injection) {
      options.set_case_sensitive(false);
      for (const char* p : kInjectionPhrases) alt += (alt.empty() ? "" : "|") + std::string(p);
    }
    const std::string pattern = whole_word ? "\\b(?:" + alt + ")\\b" : "(?:" + alt + ")";
    c->alternation = std::make_unique<re2::RE2>(pattern, options);
    if (!c->alternation->ok()) {
      error = "the word list does not compile: " + c->alternation->error();
      return false;
    }
  }
  compiled = std::move(c);
  return true;
}

void Rule::find(std::string_view text, std::vector<Finding>& out) const {
  const auto* c = static_cast<const Compiled*>(compiled.get());
  switch (type) {
    case RuleType::pii: {
      std::vector<Span> spans;
      find_pii(text, detectors, spans);
      for (const auto& s : spans) out.push_back({s.begin, s.end, detector_label(s.kind)});
      break;
    }
    case RuleType::regex: {
      if (!c || !c->set) break;
      std::vector<int> hit;
      if (!c->set->Match(re2::StringPiece(text.data(), text.size()), &hit)) break;
      for (int i : hit) all_matches(*c->each[size_t(i)], text, "REDACTED", out);
      break;
    }
    case RuleType::words:
    case RuleType::prompt_injection:
      if (c && c->alternation) all_matches(*c->alternation, text, "REDACTED", out);
      break;
    case RuleType::limits:
    case RuleType::webhook:
    case RuleType::json_schema:
      break;
  }
}

const Rule* GuardrailsSection::find(std::string_view name) const {
  for (const auto& r : rules)
    if (r->name == name) return r.get();
  return nullptr;
}

const char* action_name(Action a) {
  switch (a) {
    case Action::block: return "block";
    case Action::redact: return "redact";
    case Action::log: return "log";
  }
  return "block";
}

const char* type_name(RuleType t) {
  switch (t) {
    case RuleType::pii: return "pii";
    case RuleType::regex: return "regex";
    case RuleType::words: return "words";
    case RuleType::prompt_injection: return "prompt_injection";
    case RuleType::limits: return "limits";
    case RuleType::webhook: return "webhook";
    case RuleType::json_schema: return "json_schema";
  }
  return "pii";
}

config::Section gateway_section() {
  return {"guardrails", parse_rules, [](const std::any& v) {
            boost::json::array rules;
            for (const auto& r : std::any_cast<const GuardrailsSection&>(v).rules) {
              boost::json::object o{{"name", r->name},
                                    {"type", type_name(r->type)},
                                    {"on", r->on == (kInput | kOutput) ? "both" : r->on == kInput ? "input" : "output"},
                                    {"action", action_name(r->action)}};
              if (r->type == RuleType::pii) {
                boost::json::array d;
                for (size_t i = 0; i < kDetectors; ++i)
                  if (r->detectors & bit(Detector(i))) d.push_back(boost::json::value(detector_name(Detector(i))));
                o["detectors"] = std::move(d);
              }
              // Patterns and words are shown by count: they may be the very secrets they guard.
              if (!r->patterns.empty()) o["patterns"] = r->patterns.size();
              if (!r->words.empty()) o["words"] = r->words.size();
              if (r->max_input_chars) o["max_input_chars"] = *r->max_input_chars;
              if (r->max_messages) o["max_messages"] = *r->max_messages;
              if (r->restore) o["restore"] = true;
              if (r->type == RuleType::webhook) {
                o["url"] = r->url;
                o["timeout_ms"] = r->timeout_ms;
                o["fail"] = r->fail_open ? "open" : "closed";
                if (!r->headers.empty()) o["headers"] = r->headers.size();  // values may be credentials
              }
              rules.push_back(std::move(o));
            }
            return boost::json::serialize(rules);
          }};
}

config::Section model_section() {
  return {"guardrails", parse_model_rules, [](const std::any& v) {
            boost::json::array names;
            for (const auto& n : std::any_cast<const ModelRules&>(v).names) names.push_back(boost::json::value(n));
            return boost::json::serialize(names);
          }};
}

void check_models(const Config& config, config::Reader& r) {
  const auto* section = config.section<GuardrailsSection>("guardrails");
  if (const auto* keys = filters::static_keys_section(config))
    for (size_t i = 0; i < keys->keys.size(); ++i)
      for (const auto& name : keys->keys[i].guardrails)
        if (!section || !section->find(name))
          r.error(keys->keys[i].guardrails_line, config::Reader::index("keys", i) + ".guardrails",
                  "unknown guardrail rule '" + name + "' (the top-level guardrails section has no rule of that name)");
  for (size_t i = 0; i < config.models.size(); ++i) {
    const auto* m = config.models[i].section<ModelRules>("guardrails");
    if (!m) continue;
    for (const auto& name : m->names)
      if (!section || !section->find(name))
        r.error(m->line, config::Reader::index("models", i) + ".guardrails",
                "unknown guardrail rule '" + name + "' (the top-level guardrails section has no rule of that name)");
  }
}

}  // namespace torii::filters::guardrails
