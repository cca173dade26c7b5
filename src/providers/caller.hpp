#pragma once
// Who is calling, as `routes` conditions see it (its key's team and tags);
// empty on static keys and an open gateway.
#include <string>
#include <string_view>
#include <vector>

namespace torii::providers {

struct Caller {
  std::string_view team_id, team_name;
  const std::vector<std::string>* key_tags = nullptr;
};

}  // namespace torii::providers
