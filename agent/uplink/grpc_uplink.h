// The Uplink over the ingest gRPC API: one channel with keepalive, a deadline per call.
#ifndef RAMETTE_AGENT_UPLINK_GRPC_UPLINK_H_
#define RAMETTE_AGENT_UPLINK_GRPC_UPLINK_H_

#include <memory>
#include <string>
#include <vector>

#include "agent/uplink/uplink.h"

namespace ramette::agent {

// What the agent proves itself and checks the aggregator with (contents, not paths).
struct UplinkCredentials {
  std::string root_certs_pem;   // non-empty: TLS, the aggregator verified against these CAs
  std::string client_cert_pem;  // mutual TLS: this agent's certificate and key (with TLS only)
  std::string client_key_pem;
  std::string token;  // non-empty: sent as `authorization: Bearer TOKEN` on every call
  // With TLS: the name the aggregator's certificate is checked against instead of the target's
  // host ([aggregator] tls_server_name); empty: the target's host.
  std::string server_name;
};

// Reads the files named in the agent's [aggregator] table (empty path: not used). IoError
// naming the file when one cannot be read; InvalidArgument for an empty token file, a
// certificate without its key (or the reverse) or client certificates without ca_file. Warns
// (spdlog) when the token file can be read by group or others. The token is never logged.
Result<UplinkCredentials> LoadUplinkCredentials(const std::string& ca_file,
                                                const std::string& token_file,
                                                const std::string& cert_file,
                                                const std::string& key_file);

struct GrpcUplinkOptions {
  std::string target = "127.0.0.1:50551";  // the aggregator's HOST:PORT
  int deadline_ms = 10000;                 // per call
  std::string agent_version;
  UplinkCredentials credentials;  // default: plaintext without a token
};

// Thread-safe. TLS when credentials.root_certs_pem is set, else plaintext. Errors as the
// Uplink contract says, plus: Unauthenticated (the aggregator refused the token: missing,
// unknown or revoked) and PermissionDenied (the token or certificate is bound to another server
// id), both with a message saying what to do; retrying does not help until reconfigured, and
// callers must keep their records. A TLS failure (untrusted or expired certificate) is
// Unavailable, as the aggregator cannot be reached safely.
class GrpcUplink final : public Uplink {
 public:
  explicit GrpcUplink(GrpcUplinkOptions options);
  ~GrpcUplink() override;

  Result<std::vector<SubmitResult>> SubmitJobs(const std::string& server_id,
                                               const std::vector<JobRecord>& jobs) override;
  Result<std::vector<SubmitResult>> SubmitQueues(const std::string& server_id,
                                                 const std::vector<QueueRecord>& queues) override;
  Status ReportStatus(const std::string& server_id, const AgentStatus& status) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_UPLINK_GRPC_UPLINK_H_
