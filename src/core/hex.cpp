#include "core/hex.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

namespace torii::core {

std::string to_hex(const unsigned char* bytes, size_t n) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 15];
  }
  return out;
}

namespace {
std::string digest_hex(const EVP_MD* md, std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, md, nullptr);
  return to_hex(digest, n);
}
}  // namespace

std::string sha256_hex(std::string_view text) { return digest_hex(EVP_sha256(), text); }
std::string sha1_hex(std::string_view text) { return digest_hex(EVP_sha1(), text); }

std::string random_hex(size_t n) {
  std::vector<unsigned char> b(n);
  RAND_bytes(b.data(), int(n));
  return to_hex(b.data(), n);
}

}  // namespace torii::core
