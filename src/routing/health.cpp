#include "routing/health.hpp"

namespace torii::routing {

std::shared_ptr<const HealthView> WorkerHealth::view_for(const ModelTable& models) {
  auto view = std::make_shared<HealthView>();
  view->slots.resize(models.slot_count(), nullptr);
  std::lock_guard lock(mutex_);
  for (const auto& m : models.models()) {
    for (const auto& t : m->targets) {
      auto& record = targets_[t.identity];
      if (!record) {
        record = std::make_unique<TargetHealth>();
        record->breaker = Breaker(m->breaker);
      } else {
        record->breaker.set_policy(m->breaker);
      }
      if (t.slot < view->slots.size()) view->slots[t.slot] = record.get();
    }
    auto& counter = round_robin_[m->name];
    if (!counter) counter = std::make_unique<std::atomic<uint64_t>>(0);
    view->round_robin.push_back(counter.get());
  }
  return view;
}

}  // namespace torii::routing
