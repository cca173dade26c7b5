#pragma once
// Lower-case hex: of bytes, of a digest, of fresh random bytes (ids,
// tickets).
#include <cstddef>
#include <string>
#include <string_view>

namespace torii::core {

std::string to_hex(const unsigned char* bytes, size_t n);
std::string sha256_hex(std::string_view text);
std::string sha1_hex(std::string_view text);
// `n` random bytes from OpenSSL's generator, as 2n hex digits.
std::string random_hex(size_t n);

}  // namespace torii::core
