// The agent's link to the aggregator, as an interface: grpc_uplink implements it over the ingest
// API; tests use tests/fakes/fake_uplink.h (scripted failures, the store's dedup rule).
#ifndef RAMETTE_AGENT_UPLINK_UPLINK_H_
#define RAMETTE_AGENT_UPLINK_UPLINK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/job_record.h"
#include "common/status.h"

namespace ramette::agent {

// The aggregator's answer for one record.
struct SubmitResult {
  enum class Kind { kAccepted, kDuplicate, kRejected };
  Kind kind = Kind::kAccepted;
  std::string reason;  // why it was rejected (and quarantined by the aggregator)
};

// What an agent tells the aggregator about itself (Uplink::ReportStatus).
struct AgentStatus {
  int64_t outbox_records = 0;      // records waiting in the outbox
  int64_t oldest_record_unix = 0;  // when the oldest waiting one was captured; 0 when empty
};

class Uplink {
 public:
  virtual ~Uplink() = default;
  // Sends one batch; on OK, results[i] answers jobs[i] and every record was durably handled by
  // the aggregator (stored, already stored, or quarantined). Errors: Unavailable (unreachable,
  // deadline exceeded, aggregator storage trouble: retry later), InvalidArgument (the call
  // itself was refused, e.g. a bad server id: retrying will not help until reconfigured).
  virtual Result<std::vector<SubmitResult>> SubmitJobs(const std::string& server_id,
                                                       const std::vector<JobRecord>& jobs) = 0;
  // Same contract for print-queue records.
  virtual Result<std::vector<SubmitResult>> SubmitQueues(
      const std::string& server_id, const std::vector<QueueRecord>& queues) = 0;
  // Reports the agent's state (a heartbeat). OK means the aggregator accepted this agent and
  // recorded the contact; errors as for SubmitJobs. The default, for test uplinks, does nothing.
  virtual Status ReportStatus(const std::string& server_id, const AgentStatus& status) {
    (void)server_id;
    (void)status;
    return Status::Ok();
  }
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_UPLINK_UPLINK_H_
