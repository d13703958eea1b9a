// `ramette-agent backfill`: loads CUPS page_log files into the aggregator.
#ifndef RAMETTE_AGENT_BACKFILL_COMMAND_H_
#define RAMETTE_AGENT_BACKFILL_COMMAND_H_

#include <string>
#include <vector>

#include "agent/uplink/grpc_uplink.h"

namespace ramette::agent {

struct BackfillCommand {
  std::vector<std::string> page_logs;
  std::string server_id;
  std::string aggregator;
  bool send_titles = false;
  int deadline_seconds = 10;
  std::string agent_version;
  UplinkCredentials credentials;  // TLS and token (LoadUplinkCredentials); default plaintext
};

// Returns the exit code: 0 when every file was read and every record acknowledged (malformed
// lines are reported and skipped), 1 otherwise. Prints the counts on stdout.
int RunBackfillCommand(const BackfillCommand& command);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_COMMAND_H_
