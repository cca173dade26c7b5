#pragma once
// Parsing into a DOM for the translation paths, with the same depth limit the
// request scanner enforces (boost::json's default of 32 would reject bodies the
// scanner accepted).
#include <cmath>
#include <limits>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace torii::llm {

// boost::json reads a number beyond a double's range (1e400) as an infinity,
// and zero with such an exponent (0e400) as NaN, and writes them back as
// `Infinity` and `NaN`, which are not JSON: a body or event translated from
// them would be refused by whoever gets it. They are kept as the largest
// finite double of their sign, and as 0.
inline void keep_numbers_finite(boost::json::value& v) {
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isinf(d)) v = std::copysign(std::numeric_limits<double>::max(), d);
    else if (std::isnan(d)) v = 0.0;
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) keep_numbers_finite(x);
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) keep_numbers_finite(kv.value());
  }
}

inline boost::json::value parse_json(std::string_view text, boost::json::error_code& ec) {
  boost::json::parse_options options;
  options.max_depth = 512;
  boost::json::value v = boost::json::parse(text, ec, {}, options);
  if (!ec) keep_numbers_finite(v);
  return v;
}

}  // namespace torii::llm
