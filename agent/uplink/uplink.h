// The agent's link to the aggregator, as an interface: grpc_uplink implements it over the ingest
// API; tests use agent/backfill/testing_uplink.h (scripted failures, the aggregator's dedup rule).
#ifndef RAMETTE_AGENT_UPLINK_UPLINK_H_
#define RAMETTE_AGENT_UPLINK_UPLINK_H_

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
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_UPLINK_UPLINK_H_
