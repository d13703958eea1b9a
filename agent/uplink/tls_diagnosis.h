// Why a TLS connection to the aggregator fails, in words: gRPC only says "failed to connect", so
// `ramette-agent check` makes its own handshake with OpenSSL, with the agent's CA, server name
// and client certificate, and translates what OpenSSL's verification found.
#ifndef RAMETTE_AGENT_UPLINK_TLS_DIAGNOSIS_H_
#define RAMETTE_AGENT_UPLINK_TLS_DIAGNOSIS_H_

#include <string>

#include "agent/uplink/grpc_uplink.h"

namespace ramette::agent {

// Connects to `target` (HOST:PORT, [V6]:PORT) within `timeout_ms`, makes a TLS handshake that
// trusts only credentials.root_certs_pem and checks the certificate against
// credentials.server_name (or the target's host), and returns one plain sentence saying what is
// wrong: nothing listening, not TLS, a certificate from another CA, for another name, expired
// or not yet valid, this agent's client certificate refused. Empty when the handshake succeeds
// and the certificate verifies (the cause is elsewhere). Blocking; thread-safe; never throws.
std::string DiagnoseTlsConnection(const std::string& target, const UplinkCredentials& credentials,
                                  int timeout_ms);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_UPLINK_TLS_DIAGNOSIS_H_
