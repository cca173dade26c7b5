#include "routing/model_table.hpp"

#include <algorithm>

namespace torii::routing {

std::optional<llm::Price> target_price(std::string_view model, const PriceConfig& c) {
  return llm::resolve_price(model, {c.input, c.output, c.cached_input, c.cache_write, c.reasoning});
}

ModelTable::ModelTable(const Config& config, const ProviderMap& providers) : providers_(providers) {
  for (const auto& mc : config.models) {
    auto m = std::make_unique<Model>();
    m->name = mc.name;
    m->strategy = parse_strategy(mc.strategy);
    m->retry = mc.retry;
    m->timeout = mc.timeout;
    m->breaker = mc.breaker;
    m->hedge_after_ms = mc.hedge_after_ms;
    m->default_max_tokens = mc.default_max_tokens;
    m->index = models_.size();
    std::unordered_map<std::string, int> seen;
    for (const auto& t : mc.targets) {
      auto it = providers.find(t.provider);
      if (it == providers.end()) continue;
      Target target{it->second, t.model, t.weight};
      target.price = target_price(t.model, t.price);
      target.rank_price = target.price ? *target.price->base.input + *target.price->base.output : 0;
      target.slot = slots_++;
      target.identity = m->name + '\n' + t.provider + '\n' + it->second->origin.host_header + '\n' + t.model;
      // The same target twice in one model keeps two records.
      if (int twin = seen[target.identity]++; twin > 0) target.identity += '#' + std::to_string(twin);
      m->targets.push_back(std::move(target));
    }
    names_.push_back(m->name);
    by_name_.emplace(m->name, m.get());
    models_.push_back(std::move(m));
  }
  // Fallback lists refer to models by name; resolved once all exist.
  auto resolve_list = [&](const std::vector<std::string>& names, std::vector<const Model*>& out) {
    for (const auto& n : names)
      if (auto* m = find(n)) out.push_back(m);
  };
  for (size_t i = 0; i < config.models.size(); ++i) {
    resolve_list(config.models[i].fallbacks, models_[i]->fallbacks);
    resolve_list(config.models[i].context_window_fallbacks, models_[i]->context_window_fallbacks);
    resolve_list(config.models[i].content_policy_fallbacks, models_[i]->content_policy_fallbacks);
  }
  for (const auto& rc : config.routes)
    if (auto* m = find(rc.model)) routes_.push_back({rc.headers, rc.requested_model, rc.team, rc.key_tag, m});
}

const Model* ModelTable::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() || it->second->targets.empty() ? nullptr : it->second;
}

bool ModelTable::direct(std::string_view requested, Model& out) const {
  auto slash = requested.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == requested.size()) return false;
  auto it = providers_.find(requested.substr(0, slash));
  if (it == providers_.end()) return false;
  out.name = std::string(requested);
  out.targets = {{it->second, std::string(requested.substr(slash + 1))}};
  out.targets[0].price = target_price(out.targets[0].model, {});
  return true;
}

const Model* ModelTable::resolve(const http::Headers& headers, std::string_view requested, Model& direct_out,
                                 const providers::Caller& caller) const {
  if (const Model* m = route(headers, requested, caller)) return m;
  if (const Model* m = find(requested)) return m;
  if (direct(requested, direct_out)) return &direct_out;
  return nullptr;
}

bool serves(const Model& m, providers::Endpoint e) {
  for (const auto& t : m.targets)
    if (t.provider->supports(e)) return true;
  return false;
}

std::string served_endpoints(const Model& m) {
  std::string out;
  for (auto e : {providers::Endpoint::chat, providers::Endpoint::completions, providers::Endpoint::embeddings}) {
    if (!serves(m, e)) continue;
    if (!out.empty()) out += ", ";
    out += "/v1";
    out += providers::endpoint_path(e);
  }
  return out;
}

bool acceptable_model_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

const Model* ModelTable::route(const http::Headers& headers, std::string_view requested,
                               const providers::Caller& caller) const {
  for (const auto& r : routes_) {
    if (!r.requested_model.empty() && r.requested_model != requested) continue;
    if (!r.team.empty() && (caller.team_id.empty() || (r.team != caller.team_id && r.team != caller.team_name))) continue;
    if (!r.key_tag.empty() &&
        (!caller.key_tags || std::find(caller.key_tags->begin(), caller.key_tags->end(), r.key_tag) == caller.key_tags->end()))
      continue;
    bool match = true;
    for (const auto& [name, value] : r.headers)
      if (headers.get(name) != value || !headers.find(name)) {
        match = false;
        break;
      }
    if (match) return r.model;
  }
  return nullptr;
}

}  // namespace torii::routing
