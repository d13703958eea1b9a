// The Uplink over the ingest gRPC API: one channel with keepalive, a deadline per call.
#ifndef RAMETTE_AGENT_UPLINK_GRPC_UPLINK_H_
#define RAMETTE_AGENT_UPLINK_GRPC_UPLINK_H_

#include <memory>
#include <string>
#include <vector>

#include "agent/uplink/uplink.h"

namespace ramette::agent {

struct GrpcUplinkOptions {
  std::string target = "127.0.0.1:50551";  // the aggregator's HOST:PORT
  int deadline_ms = 10000;                 // per call
  std::string agent_version;
};

// Thread-safe. Plaintext only for now (TLS and tokens come with the security work).
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
