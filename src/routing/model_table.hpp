#pragma once
// Resolves the `model` a client asked for to an upstream target: a configured
// model name first (its first target; strategies come with the router), then
// the direct "provider/model" form.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "providers/provider.hpp"

namespace torii::routing {

struct Target {
  const providers::Provider* provider = nullptr;
  std::string model;  // upstream model id
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class ModelTable {
 public:
  using ProviderMap = std::unordered_map<std::string, const providers::Provider*, StringHash, std::equal_to<>>;

  ModelTable(const Config& config, const ProviderMap& providers);

  // False when neither a configured model nor a known provider prefix matches.
  bool resolve(std::string_view requested, Target& out) const;
  const std::vector<std::string>& model_names() const { return names_; }

 private:
  std::unordered_map<std::string, std::vector<Target>, StringHash, std::equal_to<>> models_;
  std::vector<std::string> names_;
  const ProviderMap& providers_;
};

}  // namespace torii::routing
