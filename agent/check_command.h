// `ramette-agent check` wiring: the real cupsd client, cupsd.conf, the outbox (opened only when
// it exists) and the gRPC uplink, handed to agent/check/health_check.h.
#ifndef RAMETTE_AGENT_CHECK_COMMAND_H_
#define RAMETTE_AGENT_CHECK_COMMAND_H_

#include <ostream>
#include <string>

#include "agent/uplink/grpc_uplink.h"

namespace ramette::agent {

struct CheckCommand {
  std::string cups_server;  // "" = the local socket
  std::string cups_user;    // requesting-user-name; "" = this process's user
  std::string cupsd_conf = "/etc/cups/cupsd.conf";
  std::string aggregator;
  int deadline_seconds = 10;
  std::string server_id;
  std::string state_dir;
  std::string agent_version;
  UplinkCredentials credentials;  // TLS and token (LoadUplinkCredentials); default plaintext
};

// Prints one finding per line to `out`; returns 0 when all are ok, 1 otherwise.
int RunCheckCommand(const CheckCommand& cmd, std::ostream& out);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CHECK_COMMAND_H_
