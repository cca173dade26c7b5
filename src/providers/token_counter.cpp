#include "providers/token_counter.hpp"

#include <boost/json.hpp>

#include "llm/json_dom.hpp"

namespace torii::providers {

std::optional<int64_t> count_field(std::string_view answer, std::string_view field) {
  boost::json::error_code ec;
  boost::json::value v = llm::parse_json(answer, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::value* n = v.get_object().if_contains(field);
  if (!n || !n->is_int64() || n->get_int64() < 0) return std::nullopt;
  return n->get_int64();
}

}  // namespace torii::providers
