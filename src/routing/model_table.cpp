#include "routing/model_table.hpp"

namespace torii::routing {

ModelTable::ModelTable(const Config& config, const ProviderMap& providers) : providers_(providers) {
  for (const auto& m : config.models) {
    std::vector<Target> targets;
    for (const auto& t : m.targets) {
      auto it = providers.find(t.provider);
      if (it != providers.end()) targets.push_back({it->second, t.model});
    }
    names_.push_back(m.name);
    models_.emplace(m.name, std::move(targets));
  }
}

bool ModelTable::resolve(std::string_view requested, Target& out) const {
  if (auto it = models_.find(requested); it != models_.end() && !it->second.empty()) {
    out = it->second.front();
    return true;
  }
  auto slash = requested.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == requested.size()) return false;
  auto it = providers_.find(requested.substr(0, slash));
  if (it == providers_.end()) return false;
  out.provider = it->second;
  out.model = std::string(requested.substr(slash + 1));
  return true;
}

}  // namespace torii::routing
