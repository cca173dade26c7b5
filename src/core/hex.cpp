#include "core/hex.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

namespace torii::core {

std::string to_hex(const unsigned char* bytes, size_t n) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = hex[bytes[i] >> 4];
    out[2 * i + 1] = hex[bytes[i] & 15];
  }
  return out;
}

namespace {

// The digests are fetched from the provider once: OpenSSL 3 looks an
// algorithm up (under a lock shared by every thread) on each use of the
// legacy EVP_sha256() handle. Each thread keeps its own context.
const EVP_MD* fetched(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md;
}

std::string digest_hex(const EVP_MD* md, std::string_view text) {
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context c;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!md || !c.ctx || EVP_DigestInit_ex2(c.ctx, md, nullptr) != 1 || EVP_DigestUpdate(c.ctx, text.data(), text.size()) != 1 ||
      EVP_DigestFinal_ex(c.ctx, digest, &n) != 1)
    EVP_Digest(text.data(), text.size(), digest, &n, md ? md : EVP_sha256(), nullptr);
  return to_hex(digest, n);
}

}  // namespace

std::string sha256_hex(std::string_view text) {
  static const EVP_MD* md = fetched("SHA256");
  return digest_hex(md, text);
}
std::string sha1_hex(std::string_view text) {
  static const EVP_MD* md = fetched("SHA1");
  return digest_hex(md ? md : EVP_sha1(), text);
}

std::string random_hex(size_t n) {
  std::vector<unsigned char> b(n);
  RAND_bytes(b.data(), int(n));
  return to_hex(b.data(), n);
}

}  // namespace torii::core
