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
  // The PageLogFormat the files were written in: given as is (--page-log-format), or read from
  // a cupsd.conf (--cupsd-conf); at most one of the two; neither = the default format.
  std::string page_log_format;
  std::string cupsd_conf;
  // Parse everything and print what would be sent, per year (in `time_zone`) and queue, without
  // connecting to the aggregator.
  bool dry_run = false;
  std::string time_zone = "Europe/Paris";
};

// Returns the exit code: 0 when every file was read, every line was understood and every record
// accepted (or found a duplicate); 65 (EX_DATAERR) when every file was read but some lines were
// malformed or some records rejected by the aggregator (they are reported and skipped; the rest
// is stored; with dry_run, malformed lines only); 78 when the format, the cupsd.conf or the
// time zone cannot be used; 1 otherwise. Prints the counts on stdout (with dry_run, the summary
// per year and queue too).
inline constexpr int kExitBackfillDataErrors = 65;
int RunBackfillCommand(const BackfillCommand& command);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_COMMAND_H_
