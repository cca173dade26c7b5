#pragma once
// What identifies a cached answer: the request as it would change the
// answer, made canonical (keys sorted, the fields that do not change it
// left out), hashed with SHA-256 together with the surface, the model it
// resolved to and the namespace.
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace torii::filters::cache {

// The fields left out of the key: how the answer is delivered (`stream`,
// `stream_options`) and who the end user is (`user`, `metadata`), none of
// which changes what the model says.
bool ignored_field(std::string_view top_level_key);

// The body as canonical JSON text: object keys sorted at every depth,
// the ignored top-level fields left out, numbers as boost::json prints them.
std::string canonical_request(const boost::json::object& body);

// "<namespace tag>:<sha256 hex>": the namespace tag (16 hex digits of the
// namespace's own hash) leads, so that one namespace can be dropped alone.
std::string namespace_tag(std::string_view ns);
std::string entry_key(std::string_view ns_tag, std::string_view surface, std::string_view model,
                      std::string_view canonical);

}  // namespace torii::filters::cache
