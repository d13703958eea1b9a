// The agent's configuration: embedded defaults, one TOML file (default /etc/ramette/agent.toml,
// read when it exists), then the command-line flags of DESIGN.md.
#ifndef RAMETTE_AGENT_CONFIG_AGENT_CONFIG_H_
#define RAMETTE_AGENT_CONFIG_AGENT_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ramette::agent {

inline constexpr char kDefaultAgentConfigPath[] = "/etc/ramette/agent.toml";

struct AgentConfig {
  std::string server_id;                          // [agent] server_id; empty: the host name
  std::string state_dir = "ramette-agent-state";  // [agent] state_dir (outbox and cursors)
  std::string cups_server;                     // [cups] server: HOST:PORT or a socket; empty: local
  bool send_titles = false;                    // [cups] send_titles: document titles (privacy)
  int max_poll_seconds = 2;                    // [cups] max_poll_seconds: cap on cupsd's interval
  std::string aggregator = "127.0.0.1:50551";  // [aggregator] address
  int deadline_seconds = 10;                   // [aggregator] deadline_seconds, per call
  std::string ca_file;     // [aggregator] ca_file: TLS, the aggregator's certificate's CA (PEM)
  std::string token_file;  // [aggregator] token_file: holds this agent's token (mode 0600)
  std::string cert_file;   // [aggregator] cert_file, key_file: mutual TLS (PEM)
  std::string key_file;
  // [aggregator] tls_server_name: the name the aggregator's certificate is checked against when
  // `address` is an IP or a load balancer's name; empty: the host of `address`.
  std::string tls_server_name;
  int64_t outbox_max_records = 1000000;  // [outbox] max_records
  int64_t outbox_max_mb = 256;           // [outbox] max_mb
  std::string log_level = "info";        // [log] level
};

// Parses TOML text over the defaults. Unknown tables or keys, wrong types and out-of-range
// values are InvalidArgument naming `source_name`, the line and the key.
Result<AgentConfig> ParseAgentConfig(std::string_view toml_text, std::string_view source_name);
// Reads `path`. When `required` is false and the file does not exist, returns the defaults.
Result<AgentConfig> LoadAgentConfig(const std::string& path, bool required);
// InvalidArgument when the aggregator address is not HOST:PORT (port 1..65535) or
// tls_server_name is not a host name; FailedPrecondition when the address is not loopback
// (127.x, localhost, [::1]) and no ca_file is set: records, and a token, would cross the network
// in plaintext.
Status CheckAggregatorAddress(const AgentConfig& config);
// The machine's host name (the default server id); "localhost" if it cannot be read.
std::string HostName();
// The server id the agent runs as: `configured` ([agent] server_id or --server-id) when set, else
// the host name (*defaulted set). InvalidArgument naming the id when it breaks the rule every
// aggregator applies (common/server_id.h), so that the agent refuses to start rather than start
// and see every call refused.
Result<std::string> ResolveServerId(const std::string& configured, bool* defaulted);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CONFIG_AGENT_CONFIG_H_
