// The server-status part of the store contract: what `ramette status` and the metrics read
// about each print server. Every engine implements it.
#ifndef RAMETTE_AGGREGATOR_STORE_STATUS_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_STATUS_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace ramette::aggregator::store {

// One print server, as the store knows it.
struct ServerStatus {
  std::string server;
  std::string agent_version;
  int64_t first_contact = 0;  // unix seconds
  int64_t last_contact = 0;   // the last call of its agent (jobs, queues or heartbeat)
  int64_t jobs_today = 0;     // jobs received since local midnight (organisation's zone)
  int64_t jobs_this_month = 0;
  std::optional<int64_t> outbox_records;      // nullopt: its agent never reported a backlog
  std::optional<int64_t> oldest_record_unix;  // nullopt or 0: nothing waiting
  int64_t unclassified_queues = 0;  // queues reported by the agent that no devices row classifies
};

// The unix-second bounds of "today" and "this month" (status/server_status.h's PeriodsAt).
struct StatusPeriods {
  int64_t day_start = 0;
  int64_t month_start = 0;
};

// Thread-safe; not re-entrant; read-only. Errors: IoError, Unavailable (retry),
// FailedPrecondition (schema).
class StatusStore {
 public:
  virtual ~StatusStore() = default;
  // Every print server that ever called, ordered by name, with the jobs received (received_at,
  // not completion) since periods.day_start and since periods.month_start, its last reported
  // backlog and its queues that no devices row classifies (deleted ones aside). Without
  // `count_jobs` the job counts stay 0 and no job is read (for frequent callers).
  virtual Result<std::vector<ServerStatus>> ServerStatuses(const StatusPeriods& periods,
                                                           bool count_jobs) = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_STATUS_STORE_H_
