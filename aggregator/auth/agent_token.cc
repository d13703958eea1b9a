// Token generation and hashing with libcrypto (RAND_bytes, EVP SHA-256).
#include "aggregator/auth/agent_token.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace ramette::aggregator::auth {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

}  // namespace

Result<std::string> NewAgentToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return Status::Internal("the random number generator failed; no token was created");
  }
  return std::string(kAgentTokenPrefix) + Hex(bytes, sizeof bytes);
}

std::string HashAgentToken(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, length);
}

std::string PublicTokenId(const std::string& hash_hex) {
  return hash_hex.substr(0, kPublicTokenIdLength);
}

}  // namespace ramette::aggregator::auth
