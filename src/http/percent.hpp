#pragma once
// RFC 3986 percent-encoding, shared by the provider URLs, SigV4's canonical
// forms and the admin API's query strings.
#include <string>
#include <string_view>

namespace torii::http {

// Every byte but the unreserved ones (A-Z a-z 0-9 - _ . ~), and '/' when
// `keep_slash`, as %XX with upper-case hex.
std::string percent_encode(std::string_view s, bool keep_slash = false);
// %XX sequences decoded; a '%' not followed by two hex digits stays as it is.
// `plus_is_space`: '+' is a space, as in form-encoded query strings.
std::string percent_decode(std::string_view s, bool plus_is_space = false);

}  // namespace torii::http
