// Password hashing for web accounts: Argon2id through libsodium's crypto_pwhash_str (the
// interactive limits: 64 MiB, 2 passes). Only the hash, which carries its own salt and
// parameters, is ever stored.
#ifndef RAMETTE_AGGREGATOR_AUTH_PASSWORD_HASH_H_
#define RAMETTE_AGGREGATOR_AUTH_PASSWORD_HASH_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace ramette::aggregator::auth {

// Passwords shorter than this are refused by HashPassword (InvalidArgument).
inline constexpr size_t kMinPasswordLength = 10;

// The encoded Argon2id hash ("$argon2id$v=19$..."). InvalidArgument for a password that is too
// short, longer than 1 KiB or holds a NUL; Internal when libsodium fails (out of memory).
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash`; false for a wrong password or a malformed hash. Takes
// about the same time whatever the result (the cost is in Argon2id).
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace ramette::aggregator::auth

#endif  // RAMETTE_AGGREGATOR_AUTH_PASSWORD_HASH_H_
