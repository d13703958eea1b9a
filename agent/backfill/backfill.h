// Backfill: sends the jobs found in old CUPS logs to the aggregator, in bounded batches, retrying
// while it is unavailable. The source of records and the uplink are interfaces, so that
// `ramette-agent backfill` only wires a PageLogReader, a gRPC Uplink and its logging together.
#ifndef RAMETTE_AGENT_BACKFILL_BACKFILL_H_
#define RAMETTE_AGENT_BACKFILL_BACKFILL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "agent/backfill/page_log_assembler.h"
#include "agent/uplink/uplink.h"
#include "common/job_record.h"
#include "common/status.h"

namespace ramette::agent {

// What a source read.
struct SourceCounts {
  int64_t lines_read = 0;       // every line, malformed ones included
  int64_t malformed_lines = 0;  // reported and skipped (refused ones included)
  int64_t jobs = 0;             // distinct jobs found (records produced)
  int64_t skipped_lines = 0;    // not page logging: other programs' syslog lines, journal markers
};

// Where backfilled records come from: PageLogReader (page_log_reader.h) in production, anything
// that yields JobRecords in tests.
class JobRecordSource {
 public:
  virtual ~JobRecordSource() = default;
  // Produces every record, in batches, to `sink`. Returns the first error of the source itself
  // (e.g. IoError: a file cannot be read) or of `sink`, which stops the production.
  virtual Status ReadAll(const JobBatchSink& sink) = 0;
  // Counts so far (complete once ReadAll has returned).
  virtual SourceCounts counts() const = 0;
};

// The outcome of a backfill. Running the same backfill twice moves records from `accepted` to
// `duplicate`: the aggregator never stores a job twice.
struct BackfillCounts {
  int64_t lines_read = 0;
  int64_t malformed_lines = 0;
  int64_t skipped_lines = 0;  // lines that were not page logging (SourceCounts)
  int64_t jobs_found = 0;
  int64_t records_sent = 0;  // records the aggregator answered for (each counted once)
  int64_t accepted = 0;      // stored
  int64_t duplicate = 0;     // already stored (an earlier backfill, or captured live)
  int64_t rejected = 0;      // refused with a reason and quarantined by the aggregator
  int64_t batches = 0;       // SubmitJobs calls that succeeded
  int64_t retries = 0;       // SubmitJobs calls that failed with Unavailable and were retried
};

// The batch limits `ramette-agent backfill` uses. A backfill is a bulk load of old logs: larger
// batches than the forwarder's (500 records, 256 KiB) mean fewer durable commits at the
// aggregator, about a third more lines per second (bench/backfill_bench), and stay far below
// the aggregator's 16 MiB message limit.
inline constexpr size_t kBulkBatchRecords = 4000;
inline constexpr size_t kBulkBatchBytes = 2 * 1024 * 1024;

struct BackfillOptions {
  // A batch holds at most this many records and, by EstimateRecordBytes, this many bytes (a
  // single record larger than that is sent alone).
  size_t max_batch_records = 500;
  size_t max_batch_bytes = 256 * 1024;
  // Unavailable is retried after initial_backoff (at least 1 ms), doubling up to max_backoff;
  // each delay is shortened by a random fraction of at most `jitter` (0 = exact delays), drawn
  // from `uniform01` (numbers in [0, 1], called one at a time; empty = a seeded PRNG). A Backoff
  // (agent/uplink/backoff.h) per batch.
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{120000};
  double jitter = 0.2;
  std::function<double()> uniform01;
  // Attempts per batch before giving up with the last Unavailable; 0 = retry without limit.
  int max_attempts = 0;
  // How to wait between attempts; empty = std::this_thread::sleep_for. Tests inject a recorder.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Batches in flight at once (each on its own thread); 1 sends them one after the other. The
  // uplink must be thread-safe when this is more than 1.
  int max_in_flight = 1;
  // Optional observers, called one at a time (serialised), possibly from a sending thread; none
  // may throw.
  std::function<void(const Status& error, int attempt, std::chrono::milliseconds delay)> on_retry;
  std::function<void(const JobRecord& record, const std::string& reason)> on_rejected;
  std::function<void(const BackfillCounts& so_far)> on_batch;  // after each acknowledged batch
};

// The size a record is counted for in a batch: its strings plus a fixed overhead for the other
// fields and the encoding.
size_t EstimateRecordBytes(const JobRecord& record);

// Reads every record from `source` and submits them through `uplink` as `server_id`, then returns
// the counts. Errors: the source's (nothing more is sent), the uplink's non-Unavailable errors
// (InvalidArgument: the call itself was refused; retrying will not help), Unavailable when
// max_attempts is reached, Internal when the uplink answers the wrong number of results. The
// message then says how many records had been acknowledged. What was acknowledged stays stored:
// running again resumes, the earlier records coming back as duplicates.
Result<BackfillCounts> RunBackfill(JobRecordSource& source, Uplink& uplink,
                                   const std::string& server_id, const BackfillOptions& options);

// One line for a person: "read 120 lines (1 malformed), found 40 jobs; sent 40: 38 accepted,
// 2 duplicate, 0 rejected (1 batch, 0 retries)"; "(1 malformed, 7 not page logging)" when lines
// were skipped.
std::string FormatBackfillCounts(const BackfillCounts& counts);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_BACKFILL_H_
