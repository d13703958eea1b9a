// Argon2id through libsodium: crypto_pwhash_str_alg with the interactive limits, and
// crypto_pwhash_str_verify. sodium_init runs once, on first use.
#include "aggregator/auth/password_hash.h"

#include <sodium.h>

namespace ramette::aggregator::auth {
namespace {

// Longer passwords are refused (and never match): Argon2id pre-hashes them anyway, and a
// bound keeps a request or a file from handing megabytes to the hash.
constexpr size_t kMaxPasswordLength = 1024;

// sodium_init is itself safe to call from several threads; the static makes it run once.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return Status::InvalidArgument("the password is too short: it needs at least " +
                                   std::to_string(kMinPasswordLength) + " bytes");
  }
  if (password.size() > kMaxPasswordLength) {
    return Status::InvalidArgument("the password is too long: at most " +
                                   std::to_string(kMaxPasswordLength) + " bytes");
  }
  if (password.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("the password holds a NUL byte");
  }
  if (!SodiumReady()) return Status::Internal("libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("hashing the password failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (hash.find('\0') != std::string_view::npos) return false;
  if (password.size() > kMaxPasswordLength) return false;
  if (!SodiumReady()) return false;
  char encoded[crypto_pwhash_STRBYTES] = {};
  hash.copy(encoded, hash.size());
  return crypto_pwhash_str_verify(encoded, password.data(), password.size()) == 0;
}

}  // namespace ramette::aggregator::auth
