// The ingest use case, independent of gRPC and SQLite: validate each record, derive its local
// day, sheets and sheet area, and commit the batch to a JobStore before answering.
#ifndef RAMETTE_AGGREGATOR_INGEST_INGEST_PROCESSOR_H_
#define RAMETTE_AGGREGATOR_INGEST_INGEST_PROCESSOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "aggregator/metrics/ingest_metrics.h"
#include "aggregator/model/user_names.h"
#include "aggregator/store/job_store.h"
#include "common/civil_time.h"
#include "common/job_record.h"
#include "common/status.h"

namespace ramette::aggregator::ingest {

struct RecordResult {
  enum class Kind { kAccepted, kDuplicate, kRejected };
  Kind kind = Kind::kAccepted;
  std::string reason;  // non-empty only for kRejected
};

struct IngestOptions {
  TimeZone time_zone = TimeZone::Utc();       // the organisation's zone: a job's day is local
  bool store_titles = false;                  // privacy by default: titles are dropped
  std::function<int64_t()> now;               // seconds since the epoch; empty = the system clock
  metrics::IngestMetrics* metrics = nullptr;  // counts records and latencies when set; must outlive
  // [users]: user names are stored normalised (the quarantine keeps them as sent).
  model::UserNameRule users = {};
};

class IngestProcessor {
 public:
  // `store` must outlive the processor. Thread-safe when the store is.
  IngestProcessor(store::JobStore* store, IngestOptions options);

  // results[i] answers jobs[i]. InvalidArgument for a bad server id (nothing stored); a store
  // error is returned as is (nothing stored, nothing acknowledged).
  Result<std::vector<RecordResult>> SubmitJobs(const std::string& server_id,
                                               const std::string& agent_version,
                                               std::vector<JobRecord> jobs);
  // results[i] answers queues[i]; invalid queue records are rejected, the others registered.
  Result<std::vector<RecordResult>> SubmitQueues(const std::string& server_id,
                                                 const std::string& agent_version,
                                                 std::vector<QueueRecord> queues);

  // Records an agent's heartbeat (contact, version, outbox backlog). InvalidArgument for a bad
  // server id or negative figures; store errors as they are.
  Status ReportStatus(const std::string& server_id, const std::string& agent_version,
                      const store::AgentStatusReport& status);

  // The derived figures of one valid job (exposed for tests and backfills).
  model::StoredJob Derive(JobRecord job) const;

 private:
  // The run of each of jobs[indices[k]] (DecideRun against the store's runs and the batch's
  // earlier records); a reprint's impressions become its run's own.
  Result<std::vector<int32_t>> ResolveRuns(const std::string& server_id,
                                           std::vector<JobRecord>& jobs,
                                           const std::vector<size_t>& indices);
  Result<std::vector<RecordResult>> SubmitJobsUnmeasured(const std::string& server_id,
                                                         const std::string& agent_version,
                                                         std::vector<JobRecord> jobs);
  int64_t Now() const;
  store::JobStore* store_;
  IngestOptions options_;
};

}  // namespace ramette::aggregator::ingest

#endif  // RAMETTE_AGGREGATOR_INGEST_INGEST_PROCESSOR_H_
