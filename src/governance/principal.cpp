#include "governance/principal.hpp"

#include <algorithm>
#include <map>
#include <mutex>

namespace torii::governance {

std::string_view level_name(Level l) {
  switch (l) {
    case Level::key: return "key";
    case Level::user: return "user";
    case Level::team: return "team";
  }
  return "key";
}

std::string Principal::describe() const {
  std::string out = std::string(level_name(level)) + " '" + (label.empty() ? id : label) + "'";
  if (!scope.empty()) out += " on models '" + scope + "'";
  return out;
}

std::shared_ptr<Counters> counters_for(Level level, const std::string& id) {
  static std::mutex mutex;
  static std::map<std::pair<int, std::string>, std::weak_ptr<Counters>> all;
  std::lock_guard lock(mutex);
  auto& slot = all[{int(level), id}];
  if (auto c = slot.lock()) return c;
  auto c = std::make_shared<Counters>();
  slot = c;
  // Forget the entities that are gone (deleted keys, teams, users), each
  // time the map has doubled: amortised O(1) per creation.
  static size_t prune_at = 1024;
  if (all.size() >= prune_at) {
    std::erase_if(all, [](const auto& e) { return e.second.expired(); });
    prune_at = std::max<size_t>(1024, all.size() * 2);
  }
  return c;
}

}  // namespace torii::governance
