// CaptureState: everything the capture must find again after a restart, stored as the outbox's
// CaptureCursor (committed with the records it produced). What the cursor has no field for lives
// in its opaque bytes, in a small versioned text format.
#ifndef RAMETTE_AGENT_CAPTURE_CAPTURE_STATE_H_
#define RAMETTE_AGENT_CAPTURE_CAPTURE_STATE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "agent/outbox/outbox.h"
#include "common/status.h"

namespace ramette::agent {

// The cursor's meaning for the capture:
// - cursor.subscription_id / next_sequence: the subscription and the next event to read;
// - cursor.last_reconciled_job_id: every job with an id up to it was seen by Get-Jobs, and either
//   captured (finished) or put in `pending` (not finished then); the next scan starts above it;
// - cursor.cupsd_started_at: printer-up-time of the last server-started event seen (0: none);
// - cursor.cups_server: the cupsd the cursor belongs to;
// - last_created_at: the time-at-creation of job last_reconciled_job_id, to notice that cupsd's
//   job numbering started again (its spool was wiped): that job id then names a newer job, or
//   cupsd's lowest job id is a job created after it.
struct CaptureState {
  CaptureCursor cursor;         // its `opaque` is written by EncodeCaptureState
  std::set<int32_t> pending;    // job ids <= last_reconciled_job_id not finished when last seen
  int64_t last_created_at = 0;  // 0: not known (a cursor written before it was kept)
  std::map<std::string, uint64_t> queues;  // queue name -> QueueFingerprint of the record sent

  friend bool operator==(const CaptureState&, const CaptureState&) = default;
};

// The cursor to store: state.cursor with `opaque` holding `pending` and `queues`.
CaptureCursor EncodeCaptureState(const CaptureState& state);

// The state stored in `cursor`. Corruption when its opaque bytes are not EncodeCaptureState's
// (empty opaque bytes are an empty state).
Result<CaptureState> DecodeCaptureState(const CaptureCursor& cursor);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CAPTURE_CAPTURE_STATE_H_
