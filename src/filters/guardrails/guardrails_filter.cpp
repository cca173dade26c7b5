#include "filters/guardrails/guardrails_filter.hpp"

#include <atomic>
#include <map>
#include <mutex>

#include <boost/json.hpp>

#include <algorithm>

#include "config/config.hpp"
#include "governance/principal.hpp"
#include "filters/guardrails/json_schema.hpp"
#include "filters/guardrails/scrubber.hpp"
#include "filters/guardrails/stream_guard.hpp"
#include "filters/guardrails/texts.hpp"
#include "filters/guardrails/webhook.hpp"
#include "llm/json_dom.hpp"
#include "llm/json_get.hpp"
#include "pipeline/filter_chain.hpp"
#include "pipeline/request_context.hpp"
#include "routing/model_table.hpp"

namespace torii::filters::guardrails {

namespace json = boost::json;

namespace {

struct GuardState final : pipeline::FilterState {
  std::unique_ptr<Scrubber> scrubber;
  std::unique_ptr<StreamGuard> stream;
  bool anthropic = false;
  const Rule* schema_rule = nullptr;  // a json_schema rule, when the request asked for a schema
  json::value schema;
  bool output = false;  // its answer goes through output rules, restoration or the schema check
};

// The answer of this request is to be checked: the response sink hands it over.
void check_output(pipeline::RequestContext& ctx, GuardState& st) {
  st.output = true;
  ctx.rewrites_output = true;
}

// The schema the request asked its answer to follow: OpenAI response_format
// (json_schema, or json_object: any object), Anthropic output_format or
// output_config.format. Null when it asked for none.
json::value requested_schema(const json::object& body) {
  const json::object* format = llm::get::obj(body, "response_format");
  if (!format) format = llm::get::obj(body, "output_format");
  if (!format) format = llm::get::obj(llm::get::obj(body, "output_config"), "format");
  if (!format) return nullptr;
  const std::string_view type = llm::get::str(*format, "type");
  if (type == "json_object") return json::object{{"type", "object"}};
  if (type != "json_schema") return nullptr;
  if (const json::object* js = llm::get::obj(*format, "json_schema"))
    if (const json::value* s = js->if_contains("schema")) return *s;
  if (const json::value* s = format->if_contains("schema")) return *s;
  return nullptr;
}

// What is wrong with `text` as the answer the schema asked for; "" if nothing.
std::string schema_problem(GuardState& st, std::string_view text) {
  json::error_code ec;
  json::value answer = llm::parse_json(text, ec);
  if (ec) return "the answer is not JSON";
  bool undecided = false;
  std::optional<std::string> broken = schema_violation(st.schema, answer, &undecided);
  if (undecided) st.scrubber->record(st.schema_rule, Action::log);
  return broken.value_or("");
}

GuardState* state_of(pipeline::RequestContext& ctx, size_t index) {
  return ctx.state.size() > index ? static_cast<GuardState*>(ctx.state[index].get()) : nullptr;
}

// Counts by rule name and action, kept across reloads.
struct Counters {
  std::mutex mutex;
  std::map<std::pair<std::string, int>, std::atomic<uint64_t>> by_rule;
};
Counters& counters() {
  static Counters c;
  return c;
}
void count(const Rule* r, Action a) {
  Counters& c = counters();
  std::lock_guard lock(c.mutex);  // only when a rule acted
  c.by_rule[{r->name, int(a)}].fetch_add(1, std::memory_order_relaxed);
}

ApiError violation(const Rule& r, std::string_view what) {
  return make_error(400, "guardrail_violation: the " + std::string(what) + " was blocked by the rule '" + r.name + "'",
                    "guardrail_violation", r.name);
}

}  // namespace

GuardrailsFilter::GuardrailsFilter(const Config& config, size_t index) : index_(index) {
  const auto* section = config.section<GuardrailsSection>("guardrails");
  if (!section) return;
  section_ = std::make_shared<const GuardrailsSection>(*section);
  // Keys, teams and users may attach any rule: with rules configured the
  // filter runs, and rewrites output when some rule may act on it.
  attached_ = !section_->rules.empty();
  for (const auto& r : section_->rules) {
    output_ = output_ || (r->on & kOutput) || r->restore;
    webhooks_ = webhooks_ || r->type == RuleType::webhook;
  }
  per_model_.resize(config.models.size());
  for (size_t i = 0; i < config.models.size(); ++i) {
    const auto* m = config.models[i].section<ModelRules>("guardrails");
    if (!m) continue;
    for (const auto& name : m->names)
      if (const Rule* r = section_->find(name)) per_model_[i].push_back(r);
  }
}

std::optional<ApiError> GuardrailsFilter::on_input(pipeline::RequestContext& ctx, pipeline::Input& in) const {
  // The model's rules, then those of the caller's key, user and team, each once.
  std::vector<const Rule*> rules;
  if (in.model && in.model->index < per_model_.size()) rules = per_model_[in.model->index];
  for (const governance::Principal* p : ctx.principals)
    if (p)
      for (const auto& name : p->policy.guardrails)
        if (const Rule* r = section_->find(name); r && std::find(rules.begin(), rules.end(), r) == rules.end())
          rules.push_back(r);
  if (rules.empty()) return std::nullopt;
  GuardState& st = ctx.state_of<GuardState>(index_);
  st.anthropic = ctx.surface == pipeline::Surface::anthropic;
  st.scrubber = std::make_unique<Scrubber>(std::move(rules));
  Scrubber& s = *st.scrubber;
  json::error_code ec;
  json::value v = llm::parse_json(in.body, ec);
  if (ec || !v.is_object()) return std::nullopt;  // the surface has refused it already
  for (const Rule* r : s.rules())
    if (r->type == RuleType::json_schema) {
      st.schema = requested_schema(v.get_object());
      if (!st.schema.is_null()) st.schema_rule = r;
      break;
    }
  if (ctx.surface == pipeline::Surface::responses && (s.any(kOutput) || st.schema_rule || s.restores())) {
    // Answers on the Responses surface are not read by the output rules
    // yet: refused rather than passed unchecked.
    const Rule* r = s.rules().front();
    for (const Rule* each : s.rules())
      if (each->type == RuleType::json_schema || each->restore || (each->on & kOutput)) r = each;
    return make_error(400, "guardrail '" + r->name + "' checks answers, which the Responses API (/v1/responses) "
                      "does not support yet; send this request to /v1/chat/completions or /v1/messages",
                      "guardrail_unsupported", r->name);
  }
  if (s.any(kOutput) || st.schema_rule) check_output(ctx, st);
  InputTexts texts;
  input_texts(v.get_object(), st.anthropic, texts);
  uint64_t chars = 0;
  for (const auto& t : texts.texts) chars += code_points(*t.value);
  if (const Rule* r = s.over_limits(chars, texts.messages)) return violation(*r, "request");
  if (!s.any(kInput)) return std::nullopt;
  bool changed = false;
  std::string text;
  for (const auto& t : texts.texts) {
    text.assign(t.value->data(), t.value->size());
    if (const Rule* r = s.apply(text, kInput, t.from_user)) return violation(*r, "request");
    if (text.size() != t.value->size() || std::string_view(text) != std::string_view(*t.value)) {
      *t.value = text;
      changed = true;
    }
  }
  if (changed) {
    in.body = json::serialize(v);
    in.changed = true;
  }
  // An answer restored with this request's values must not be served to
  // another request that redacts to the same text.
  if (s.restores()) {
    ctx.ex.cache_bypass = true;
    check_output(ctx, st);
  }
  return std::nullopt;
}

boost::asio::awaitable<std::optional<ApiError>> GuardrailsFilter::on_input_async(pipeline::RequestContext& ctx,
                                                                                pipeline::Input& in) const {
  if (std::optional<ApiError> local = on_input(ctx, in)) co_return local;
  GuardState* st = state_of(ctx, index_);
  if (!st || !st->scrubber) co_return std::nullopt;
  std::vector<const Rule*> hooks;
  for (const Rule* r : st->scrubber->rules())
    if (r->type == RuleType::webhook) hooks.push_back(r);
  if (hooks.empty()) co_return std::nullopt;
  json::error_code ec;
  json::value v = llm::parse_json(in.body, ec);
  if (ec || !v.is_object()) co_return std::nullopt;
  InputTexts texts;
  input_texts(v.get_object(), st->anthropic, texts);
  std::vector<std::string> sent;
  sent.reserve(texts.texts.size());
  for (const auto& t : texts.texts) sent.emplace_back(t.value->data(), t.value->size());
  bool rewritten = false;
  for (const Rule* r : hooks) {
    auto asking = ask_webhook(ctx.ex.client, *r, sent);
    Verdict verdict = co_await std::move(asking);
    switch (verdict.kind) {
      case Verdict::allow:
        break;
      case Verdict::block: {
        st->scrubber->record(r, Action::block);
        ApiError e = violation(*r, "request");
        if (!verdict.reason.empty()) e.message += ": " + verdict.reason;
        co_return e;
      }
      case Verdict::rewrite:
        st->scrubber->record(r, Action::redact);
        for (size_t i = 0; i < sent.size(); ++i)
          if (verdict.texts[i] != sent[i]) {
            *texts.texts[i].value = verdict.texts[i];
            sent[i] = std::move(verdict.texts[i]);
            rewritten = true;
          }
        break;
      case Verdict::failed:
        if (r->fail_open) {
          st->scrubber->record(r, Action::log);
          break;
        }
        st->scrubber->record(r, Action::block);
        co_return make_error(503, "guardrail_unavailable: the rule '" + r->name + "' could not decide (" +
                                      verdict.reason + ") and fails closed",
                             "guardrail_unavailable", r->name);
    }
  }
  if (rewritten) {
    in.body = json::serialize(v);
    in.changed = true;
  }
  co_return std::nullopt;
}

std::optional<ApiError> GuardrailsFilter::on_answer(pipeline::RequestContext& ctx, int status, std::string& body) const {
  GuardState* st = state_of(ctx, index_);
  if (!st || !st->output || status != 200) return std::nullopt;
  json::error_code ec;
  json::value v = llm::parse_json(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  std::vector<json::string*> texts;
  output_texts(v.get_object(), st->anthropic, texts);
  bool changed = false;
  std::string text;
  for (json::string* t : texts) {
    text.assign(t->data(), t->size());
    if (const Rule* r = st->scrubber->apply(text, kOutput, false)) {
      ctx.ex.route.error_code = "guardrail_violation";
      return violation(*r, "answer");
    }
    st->scrubber->restore(text);
    if (std::string_view(text) != std::string_view(*t)) {
      *t = text;
      changed = true;
    }
  }
  if (changed) body = json::serialize(v);
  if (st->schema_rule) {
    // The structured answer: each choice's content (OpenAI), the text blocks (Anthropic).
    std::vector<std::string> answers;
    if (st->anthropic) {
      std::string text;
      if (const json::value* content = v.get_object().if_contains("content"); content && content->is_array())
        for (const auto& b : content->get_array())
          if (b.is_object())
            if (const json::value* t = b.get_object().if_contains("text"); t && t->is_string()) text += t->get_string();
      answers.push_back(std::move(text));
    } else if (const json::value* choices = v.get_object().if_contains("choices"); choices && choices->is_array()) {
      for (const auto& c : choices->get_array())
        if (const json::value* m = c.is_object() ? c.get_object().if_contains("message") : nullptr; m && m->is_object())
          if (const json::value* t = m->get_object().if_contains("content"); t && t->is_string())
            answers.emplace_back(t->get_string());
    }
    for (const auto& a : answers)
      if (std::string problem = schema_problem(*st, a); !problem.empty()) {
        st->scrubber->record(st->schema_rule, st->schema_rule->action);
        if (st->schema_rule->action != Action::block) break;
        ctx.ex.route.error_code = "guardrail_violation";
        ApiError e = violation(*st->schema_rule, "answer");
        e.message += ": it does not follow the requested JSON schema (" + problem + ")";
        return e;
      }
  }
  return std::nullopt;
}

bool GuardrailsFilter::on_events(pipeline::RequestContext& ctx, std::string& events) const {
  GuardState* st = state_of(ctx, index_);
  if (!st || !st->output || ctx.status != 200) return true;
  if (!st->stream) {
    st->stream = std::make_unique<StreamGuard>(*st->scrubber, st->anthropic);
    if (st->schema_rule)
      st->stream->at_end = [st](const std::string& text) -> const Rule* {
        if (schema_problem(*st, text).empty()) return nullptr;
        st->scrubber->record(st->schema_rule, st->schema_rule->action);
        return st->schema_rule->action == Action::block ? st->schema_rule : nullptr;
      };
  }
  if (st->stream->feed(events)) return true;
  ctx.ex.route.error_code = "guardrail_violation";
  return false;
}

void GuardrailsFilter::on_head(pipeline::RequestContext& ctx, int, http::Headers& headers) const {
  GuardState* st = state_of(ctx, index_);
  if (!st || !st->scrubber || st->scrubber->acted().empty()) return;
  std::string names;
  for (const auto& a : st->scrubber->acted())
    if (names.find(a.rule->name) == std::string::npos) names += (names.empty() ? "" : ",") + a.rule->name;
  headers.set("x-torii-guardrails", names);
}

void GuardrailsFilter::on_complete(pipeline::RequestContext& ctx) const {
  GuardState* st = state_of(ctx, index_);
  if (!st || !st->scrubber || st->scrubber->acted().empty()) return;
  std::string log;
  for (const auto& a : st->scrubber->acted()) {
    count(a.rule, a.action);
    log += (log.empty() ? "" : ",") + a.rule->name + ":" + action_name(a.action);
  }
  ctx.ex.guardrails = std::move(log);
}

std::string render_metrics() {
  Counters& c = counters();
  std::string out =
      "# HELP torii_guardrail_actions_total Requests on which a guardrail rule acted, by rule and action "
      "(block, redact, log).\n# TYPE torii_guardrail_actions_total counter\n";
  std::lock_guard lock(c.mutex);
  for (const auto& [key, n] : c.by_rule)
    out += "torii_guardrail_actions_total{rule=\"" + key.first + "\",action=\"" + action_name(Action(key.second)) +
           "\"} " + std::to_string(n.load(std::memory_order_relaxed)) + "\n";
  return out;
}

}  // namespace torii::filters::guardrails

namespace torii::filters {

// Registered by the generated filter_registrations.cpp (this folder's name).
void register_guardrails(pipeline::FilterRegistry& registry) {
  registry.add_section(guardrails::gateway_section());
  registry.add_model_section(guardrails::model_section());
  registry.add_check(guardrails::check_models);
  // After auth (100) and metering (200), before the cache (400): the cache
  // keys on what the provider would see, redactions included.
  registry.add({"guardrails", 300, [](const Config& config, size_t index) -> std::unique_ptr<pipeline::Filter> {
                  auto f = std::make_unique<guardrails::GuardrailsFilter>(config, index);
                  if (!f->attached()) return nullptr;
                  return f;
                }});
}

}  // namespace torii::filters
