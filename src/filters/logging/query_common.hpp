#pragma once
// What the admin API's log queries share: the query string, the filters
// both /admin/logs and /admin/spend take, errors, and reading columns.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "filters/logging/log_query.hpp"
#include "filters/logging/log_reader.hpp"

namespace torii::filters::logging {

// A 400 in the OpenAI shape with code invalid_query.
QueryAnswer query_error(int status, std::string message, std::string param = "");
// name -> value, percent-decoded; a repeated name keeps its last value.
std::map<std::string, std::string> parse_query(std::string_view q);
bool parse_int(std::string_view s, int64_t& out);

// WHERE clauses with their values, bound in order.
struct Filters {
  std::string where = " WHERE 1=1";
  std::vector<QueryBind> binds;
  void add_text(const std::string& clause, std::string v);
  void add_int(const std::string& clause, int64_t v);
  // A value for a "?" the caller writes into `where` itself.
  void add_int_value(int64_t v) {
    where += "?";
    binds.push_back({true, v, {}});
  }
};

// The filters both /admin/logs and /admin/spend take, over table alias
// `table`; an error answer, or nothing.
std::optional<QueryAnswer> read_filters(const std::map<std::string, std::string>& q, Filters& f, const char* table);

boost::json::value nullable_text(const LogRows& row, int col);
boost::json::value nullable_real(const LogRows& row, int col);

}  // namespace torii::filters::logging
