// Agent tokens: "rmt_" + 64 hex digits of 32 random bytes (OpenSSL's CSPRNG). Only the SHA-256
// of a token is stored; its public id (the first 8 hex digits of the hash) names it in lists.
#ifndef RAMETTE_AGGREGATOR_AUTH_AGENT_TOKEN_H_
#define RAMETTE_AGGREGATOR_AUTH_AGENT_TOKEN_H_

#include <string>

#include "common/status.h"

namespace ramette::aggregator::auth {

inline constexpr char kAgentTokenPrefix[] = "rmt_";
inline constexpr size_t kPublicTokenIdLength = 8;

// A new token. Internal when the random generator fails (never a weak token).
Result<std::string> NewAgentToken();
// Lower-case hex SHA-256 of `token` (64 characters).
std::string HashAgentToken(const std::string& token);
// The public id of a token with hash `hash_hex`: its first kPublicTokenIdLength characters.
std::string PublicTokenId(const std::string& hash_hex);

}  // namespace ramette::aggregator::auth

#endif  // RAMETTE_AGGREGATOR_AUTH_AGENT_TOKEN_H_
