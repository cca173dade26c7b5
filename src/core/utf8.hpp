#pragma once
// Text that must be valid UTF-8 (a JSON document, a PostgreSQL text value)
// made from bytes that may not be: every byte that does not start a valid
// sequence (overlong forms, surrogates and code points past U+10FFFF are
// invalid) becomes U+FFFD.
#include <string>
#include <string_view>

namespace torii::core {

// `replace_nul`: a NUL byte becomes U+FFFD too (PostgreSQL's text takes none).
std::string valid_utf8(std::string_view in, bool replace_nul = false);

}  // namespace torii::core
