// The agent-token part of the store contract (`ramette token create|list|revoke`, and the
// ingest service's Authenticator). Only a token's SHA-256 is ever stored.
#ifndef RAMETTE_AGGREGATOR_STORE_TOKEN_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_TOKEN_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/auth/authenticator.h"
#include "common/status.h"

namespace ramette::aggregator::store {

// One agent token as `ramette token list` shows it: never the token nor its hash.
struct AgentTokenInfo {
  std::string id;         // public id: the first 8 hex digits of the token's SHA-256
  std::string server_id;  // the print server it may submit records for
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;  // unix seconds; empty while valid
};

// Thread-safe; not re-entrant. Errors: IoError, Unavailable (retry), FailedPrecondition
// (schema), InvalidArgument (bad arguments).
// Authenticator::ServerIdOfToken is one indexed lookup per call (no cache), so that a revoke
// applies to the next call.
class TokenStore : public auth::Authenticator {
 public:
  // Stores the hash of a new token bound to `server_id` and returns its public id;
  // FailedPrecondition when that id is already taken (draw another token).
  virtual Result<std::string> AddAgentToken(const std::string& server_id,
                                            const std::string& hash_hex, int64_t now) = 0;
  // Ordered by server, creation time, id.
  virtual Result<std::vector<AgentTokenInfo>> ListAgentTokens() = 0;
  // Revokes the token with public id `id`, or every valid token of `server_id` (exactly one of
  // them non-empty); returns how many were revoked (0: none matched or all already revoked).
  virtual Result<int> RevokeAgentTokens(const std::string& id, const std::string& server_id,
                                        int64_t now) = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_TOKEN_STORE_H_
