#pragma once
// Parsing into a DOM for the translation paths, with the same depth limit the
// request scanner enforces (boost::json's default of 32 would reject bodies the
// scanner accepted).
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace torii::llm {

inline boost::json::value parse_json(std::string_view text, boost::json::error_code& ec) {
  boost::json::parse_options options;
  options.max_depth = 512;
  return boost::json::parse(text, ec, {}, options);
}

}  // namespace torii::llm
