// The storage the ingest path needs, as an interface of the store contract: every engine
// (SQLite, PostgreSQL) implements it, tests use tests/fakes/fake_job_store.h. The identity and
// duplicate rules are store/store_rules.h's.
#ifndef RAMETTE_AGGREGATOR_STORE_JOB_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_JOB_STORE_H_

#include <string>
#include <vector>

#include "aggregator/model/stored_job.h"
#include "aggregator/store/store_rules.h"
#include "common/job_record.h"
#include "common/status.h"

namespace ramette::aggregator::store {

struct QuarantinedRecord {
  JobRecord record;
  std::string reason;
};

// What an agent reported about itself (the ReportStatus heartbeat).
struct AgentStatusReport {
  int64_t outbox_records = 0;      // records waiting in its outbox
  int64_t oldest_record_unix = 0;  // when the oldest of them was captured; 0 when none waits
};

enum class StoreOutcome { kAccepted, kDuplicate };

// Thread-safety: every method may be called from several threads at once, and several
// processes (aggregators on one PostgreSQL database) may call at once: exactly-once holds
// across them (the database enforces the job identity). Not re-entrant.
// Errors: IoError (the database failed), Unavailable (locked or unreachable; retry later: the
// agent keeps its records), FailedPrecondition (schema mismatch). On any error nothing of the
// call is stored.
class JobStore {
 public:
  virtual ~JobStore() = default;

  // In one transaction, durable when OK is returned: stores every job of `jobs` that is not
  // already stored (same server id and CUPS job id, SameJob: completions within the window and
  // the same run, or a page_log copy; this includes earlier jobs of the same batch), adds the
  // stored ones to the daily and monthly rollups, registers unknown queues as unclassified devices,
  // records the server's last contact and keeps `rejected` in the quarantine table (once: a
  // replayed rejected record is not quarantined again). A live record that duplicates a stored
  // page_log record of the same job replaces its figures (the page_log copy had copies = 1; the row
  // takes the live record's run) and is answered kDuplicate; every other duplicate changes nothing.
  // outcomes[i] answers jobs[i]. On error nothing at all is stored. Thread-safe.
  // The runs stored for each of `keys` (server `server_id`): for (CUPS job id, job-uuid), the
  // live rows with that uuid, in any order. What DecideRun needs to tell a reprint of a job from
  // a resend. Keys with an empty uuid get no runs. result[i] answers keys[i]. Thread-safe.
  struct RunKey {
    int32_t cups_job_id = 0;
    std::string job_uuid;
  };
  virtual Result<std::vector<std::vector<StoredRun>>> LoadRuns(const std::string& server_id,
                                                               const std::vector<RunKey>& keys) = 0;

  virtual Result<std::vector<StoreOutcome>> CommitJobs(
      const std::string& server_id, const std::string& agent_version,
      const std::vector<model::StoredJob>& jobs,
      const std::vector<QuarantinedRecord>& rejected) = 0;

  // Registers or updates the queues of a server as devices (make and model, URI, location,
  // description, colour and duplex support); a deleted queue is marked deleted, never removed.
  // Does not change a device's classification. Thread-safe.
  virtual Status UpsertQueues(const std::string& server_id, const std::string& agent_version,
                              const std::vector<QueueRecord>& queues) = 0;

  // Records an agent's heartbeat at `now` (unix seconds): the server's last contact, agent
  // version and outbox backlog. Creates the server's row on first contact. Thread-safe.
  virtual Status RecordAgentStatus(const std::string& server_id, const std::string& agent_version,
                                   const AgentStatusReport& status, int64_t now) = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_JOB_STORE_H_
