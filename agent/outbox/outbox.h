// The agent's durable outbox, as an interface: captured records wait here, committed together
// with the capture's CUPS cursor, until the aggregator acknowledges them. SqliteOutbox is the real
// one; MemoryOutbox the fake.
#ifndef RAMETTE_AGENT_OUTBOX_OUTBOX_H_
#define RAMETTE_AGENT_OUTBOX_OUTBOX_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/job_record.h"
#include "common/status.h"

namespace ramette::agent {

// One record waiting to be sent: a finished job or a print queue.
using OutboxItem = std::variant<JobRecord, QueueRecord>;

// What the capture must find again after a restart to resume where it stopped. Stored by the
// outbox in the same transaction as the records it produced; the outbox never interprets it.
struct CaptureCursor {
  int64_t subscription_id = 0;         // IPP notify-subscription-id; 0: none yet
  int64_t next_sequence = 0;           // notify-sequence-number of the next event to pull
  int64_t last_reconciled_job_id = 0;  // Get-Jobs cursor (e.g. next first-job-id = this + 1)
  int64_t cupsd_started_at = 0;        // when the cupsd this cursor belongs to started (restarts)
  std::string cups_server;             // the cupsd it belongs to (host:port or socket path)
  std::string opaque;                  // any further capture state (bytes, never read here)

  friend bool operator==(const CaptureCursor&, const CaptureCursor&) = default;
};

// A record read back from the outbox.
struct OutboxEntry {
  int64_t id = 0;              // outbox id: grows with every append, never reused
  int64_t enqueued_at_ms = 0;  // when it was appended (Unix milliseconds)
  int64_t size_bytes = 0;      // its encoded size (EncodedSize), what the byte bounds count
  OutboxItem item;
};

// The size bound of an outbox. An Append that would take the outbox past either limit is refused
// (see Outbox::Append), except into an empty outbox, so that one oversized batch cannot block the
// capture forever.
struct OutboxLimits {
  int64_t max_records = 1'000'000;
  int64_t max_bytes = int64_t{256} << 20;  // sum of the records' encoded sizes
};

struct OutboxStats {
  int64_t depth = 0;                  // records waiting
  int64_t bytes = 0;                  // their encoded sizes, summed
  int64_t oldest_enqueued_at_ms = 0;  // the oldest waiting record's enqueue time; 0 when empty
  OutboxLimits limits;
};

// Records in, oldest first out. Implementations are thread-safe: the capture thread appends while
// the forwarder thread peeks and removes. Errors: IoError (the store failed; nothing changed),
// Corruption (stored data is not what ramette wrote), FailedPrecondition via OutboxFullError.
class Outbox {
 public:
  virtual ~Outbox() = default;

  // Durably stores `items` (in this order, after every record already stored) and, when `cursor`
  // is not null, replaces the stored cursor with *cursor, all in one transaction: on any error
  // neither the records nor the cursor changed. When the outbox holds records and the new ones
  // would take it past its limits, returns an error for which IsOutboxFull() is true and stores
  // nothing: the caller keeps its old cursor (CUPS keeps the jobs) and retries later.
  // Empty `items` with a cursor only stores the cursor, even when the outbox is full.
  virtual Status Append(const std::vector<OutboxItem>& items, const CaptureCursor* cursor) = 0;

  // The last cursor stored by Append; NotFound when none was ever stored.
  virtual Result<CaptureCursor> LoadCursor() = 0;

  // The oldest records in append order: as many as fit in `max_records` and `max_bytes` (summed
  // size_bytes), but at least one when the outbox is not empty, however large it is. Removes
  // nothing: the same records come back until Remove. Empty when the outbox is empty.
  virtual Result<std::vector<OutboxEntry>> Peek(int64_t max_records, int64_t max_bytes) = 0;

  // Durably deletes the records with these ids (acknowledged by the aggregator). Ids that are not
  // in the outbox (already removed) are ignored, so a retried Remove is harmless.
  virtual Status Remove(const std::vector<int64_t>& ids) = 0;

  virtual Result<OutboxStats> Stats() = 0;
};

// The error Append returns when the outbox is full; its message names the depth and the limits.
Status OutboxFullError(const OutboxStats& stats, int64_t adding_records, int64_t adding_bytes);
// True for the errors made by OutboxFullError.
bool IsOutboxFull(const Status& status);

// Whether `depth` records of `bytes` may take `adding_records` more of `adding_bytes` under
// `limits` (the rule of Outbox::Append, shared by the implementations).
bool FitsLimits(const OutboxLimits& limits, int64_t depth, int64_t bytes, int64_t adding_records,
                int64_t adding_bytes);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_OUTBOX_OUTBOX_H_
