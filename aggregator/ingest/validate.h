// Per-record validation of what agents send: a record that fails is rejected with its reason and
// quarantined; the other records of its batch are still accepted.
#ifndef RAMETTE_AGGREGATOR_INGEST_VALIDATE_H_
#define RAMETTE_AGGREGATOR_INGEST_VALIDATE_H_

#include <cstdint>
#include <string>

#include "common/job_record.h"

namespace ramette::aggregator::ingest {

inline constexpr size_t kMaxStringBytes = 1024;
inline constexpr int64_t kMaxImpressions = 1000000;
inline constexpr int32_t kMaxCopies = 100000;
inline constexpr int64_t kEarliestCompletion = 631152000;  // 1990-01-01T00:00:00Z
inline constexpr int64_t kMaxFutureSeconds = 86400;        // one day ahead of the aggregator

// "" when `job` is acceptable at time `now` (seconds since the epoch); otherwise the reason, in
// words an operator can act on ("copies < 1 (got 0)").
std::string ValidateJob(const JobRecord& job, int64_t now);
// "" when `queue` is acceptable; otherwise the reason.
std::string ValidateQueue(const QueueRecord& queue);
// "" when `server_id` is a usable server id (non-empty UTF-8, at most 255 bytes, no control
// characters); otherwise the reason.
std::string ValidateServerId(const std::string& server_id);

}  // namespace ramette::aggregator::ingest

#endif  // RAMETTE_AGGREGATOR_INGEST_VALIDATE_H_
