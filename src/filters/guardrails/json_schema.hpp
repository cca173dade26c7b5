#pragma once
// Checks an answer against the JSON schema the request asked for
// (response_format json_schema, Anthropic output_format): the keywords
// structured-output schemas use — type (and type lists), properties,
// required, additionalProperties, items, prefixItems, enum, const, anyOf,
// oneOf, allOf, not, $ref to the schema's own $defs/definitions,
// min/maxItems, min/maxLength, minimum/maximum (and exclusive ones),
// multipleOf and pattern (RE2: no backtracking, whatever the schema says).
// Other keywords (format, descriptions) do not fail an answer.
#include <optional>
#include <string>

#include <boost/json/value.hpp>

namespace torii::filters::guardrails {

// Where `value` breaks `schema` ("$.items[2].name: expected a string"),
// or nothing when it conforms. A schema too complex to check within a
// bounded number of steps sets `undecided` (and is not held against the answer).
std::optional<std::string> schema_violation(const boost::json::value& schema, const boost::json::value& value,
                                            bool* undecided = nullptr);

}  // namespace torii::filters::guardrails
