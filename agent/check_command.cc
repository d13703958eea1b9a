// Builds the real adapters for the checks; never creates an outbox.
#include "agent/check_command.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include "agent/capture/cups_client.h"
#include "agent/check/health_check.h"
#include "agent/outbox/sqlite_outbox.h"
#include "agent/uplink/grpc_uplink.h"
#include "agent/uplink/tls_diagnosis.h"

namespace ramette::agent {

int RunCheckCommand(const CheckCommand& cmd, std::ostream& out) {
  CupsClientOptions cups_options;
  if (!cmd.cups_server.empty()) cups_options.server = cmd.cups_server;
  cups_options.user = cmd.cups_user;
  CupsClient cups(cups_options);
  GrpcUplink uplink(
      {cmd.aggregator, cmd.deadline_seconds * 1000, cmd.agent_version, cmd.credentials});

  CheckInputs in;
  in.cups = &cups;
  in.uplink = &uplink;
  in.aggregator = cmd.aggregator;
  in.server_id = cmd.server_id;
  in.now_unix = static_cast<int64_t>(std::time(nullptr));
  if (!cmd.credentials.root_certs_pem.empty()) {
    // gRPC says only "failed to connect": a handshake of our own says what TLS found.
    in.explain_unavailable = [&cmd] {
      return DiagnoseTlsConnection(cmd.aggregator, cmd.credentials, cmd.deadline_seconds * 1000);
    };
  }
  in.cupsd_conf_path = cmd.cupsd_conf;
  std::ifstream conf(cmd.cupsd_conf);
  if (conf) {
    std::ostringstream text;
    text << conf.rdbuf();
    in.cupsd_conf = text.str();
  } else {
    in.cupsd_conf_error = std::strerror(errno);
  }

  in.outbox_path = cmd.state_dir + "/" + SqliteOutbox::kFileName;
  std::unique_ptr<SqliteOutbox> outbox;
  struct stat st;
  if (stat(in.outbox_path.c_str(), &st) == 0) {
    auto opened = SqliteOutbox::Open(in.outbox_path);
    if (opened.ok()) {
      outbox = std::move(*opened);
      in.outbox = outbox.get();
    } else {
      in.outbox_error = opened.status().message();
    }
  }

  std::vector<Finding> findings = RunChecks(in);
  for (const Finding& f : findings) out << FormatFinding(f) << "\n";
  return AllOk(findings) ? 0 : 1;
}

}  // namespace ramette::agent
