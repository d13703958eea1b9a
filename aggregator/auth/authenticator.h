// Who may submit records for which print server: the interface the ingest service asks before
// any work, implemented by the store (agent tokens kept as SHA-256 hashes).
#ifndef RAMETTE_AGGREGATOR_AUTH_AUTHENTICATOR_H_
#define RAMETTE_AGGREGATOR_AUTH_AUTHENTICATOR_H_

#include <string>

#include "common/status.h"

namespace ramette::aggregator::auth {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The server id `token` is bound to. Unauthenticated when the token is unknown or revoked
  // (the message never contains the token); IoError when the lookup itself failed. A revoke
  // takes effect for the next call. Thread-safe.
  virtual Result<std::string> ServerIdOfToken(const std::string& token) = 0;
};

}  // namespace ramette::aggregator::auth

#endif  // RAMETTE_AGGREGATOR_AUTH_AUTHENTICATOR_H_
