// Capture: the agent's live capture of finished CUPS jobs and of the queue inventory. Each Step
// reads a cupsd event subscription, fetches what the events name (or reconciles with Get-Jobs
// when events may have been missed) and commits the records with the advanced cursor to the
// outbox in one transaction, so that a crash at any point loses nothing and repeats nothing.
#ifndef RAMETTE_AGENT_CAPTURE_CAPTURE_H_
#define RAMETTE_AGENT_CAPTURE_CAPTURE_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/capture/capture_records.h"
#include "agent/capture/capture_state.h"
#include "agent/capture/cups_source.h"
#include "agent/outbox/forwarder.h"  // LogLevel, LogFunction
#include "agent/outbox/outbox.h"
#include "common/status.h"

namespace ramette::agent {

struct CaptureOptions {
  // Send job-name as the record's title (privacy: off unless configured).
  bool include_titles = false;
  // The delay Step returns: cupsd's notify-get-interval (60 s for a server subscription) clamped
  // to [min_poll, max_poll], so that a finished job is committed within max_poll.
  std::chrono::milliseconds min_poll{1000};
  std::chrono::milliseconds max_poll{2000};
  // The delay after a failed step (cupsd unreachable, outbox full or failing).
  std::chrono::milliseconds retry_delay{5000};
  // A full reconciliation (Get-Jobs scan plus a look at every job seen unfinished) runs at least
  // this often, besides at start, after cupsd restarts and after missed events.
  std::chrono::milliseconds reconcile_every{std::chrono::minutes(5)};
  // The same error (outbox full, cupsd unreachable, ...) is logged at most this often.
  std::chrono::milliseconds error_log_every{std::chrono::minutes(1)};
  // Get-Jobs page size, 1..500 (cupsd caps a page at 500).
  int32_t page_size = 500;
  // MaxJobs below this is warned about at start (cupsd forgets finished jobs beyond MaxJobs).
  int64_t min_safe_max_jobs = 100;
  // A monotonic clock in milliseconds; null: std::chrono::steady_clock.
  std::function<int64_t()> now_ms;
  // Log lines; null: spdlog. Must not throw.
  LogFunction log;
  // Called after records were committed to the outbox (e.g. to wake the forwarder); may be null.
  std::function<void(int64_t records)> on_committed;
};

// What the capture has done since it was built.
struct CaptureStats {
  int64_t steps = 0;
  int64_t jobs_captured = 0;    // job records committed
  int64_t queues_captured = 0;  // queue records committed (deleted ones included)
  int64_t events = 0;           // events handled (committed)
  int64_t reconciliations = 0;  // full reconciliations committed
  int64_t subscriptions_created = 0;
  int64_t subscriptions_cancelled = 0;  // left behind by an earlier run whose cursor was lost
  int64_t numbering_restarts = 0;       // cupsd's job ids started again at 1 (spool wiped)
  int64_t reprints = 0;     // captured jobs that completed again (restarted): recorded again
  int64_t outbox_full = 0;  // commits refused because the outbox was full
  int64_t cups_errors = 0;  // failed cupsd requests
};

// The events the capture subscribes to.
const std::vector<CupsEventKind>& CaptureEvents();

// Not thread-safe: one thread calls Step. `source` and `outbox` must outlive the capture.
//
// Exactness: a job is committed when it is first seen finished, either through its
// job-completed event or through a Get-Jobs scan above the cursor's last_reconciled_job_id; jobs
// seen unfinished are remembered (CaptureState::pending) until they finish or vanish, so the
// cursor never skips them and never captures a job twice. Events are read from the last one
// already handled, which tells a gap (cupsd dropped events: reconcile) and a numbering that went
// back (cupsd stopped without saving it: new subscription and reconcile) from normal operation.
class Capture {
 public:
  Capture(CupsSource* source, Outbox* outbox, CaptureOptions options);

  // One poll cycle; returns how long to wait before the next. Never fails: errors are logged
  // (rate-limited) and retried on a later step, with nothing committed that depends on them.
  // When the outbox is full nothing advances (cupsd keeps the jobs) until it has room again.
  std::chrono::milliseconds Step();

  const CaptureStats& stats() const { return stats_; }
  // The state as last committed to the outbox (or loaded from it).
  const CaptureState& state() const { return state_; }

 private:
  bool Load();
  void CheckServerSettings();
  bool Subscribe();
  // Cancels the agent's subscriptions (kSubscriptionTag, this user) that cupsd still holds: called
  // before subscribing when the cursor that named them was lost, so that they do not pile up
  // towards cupsd's MaxSubscriptions. Failures are logged, never fatal.
  void CancelLeftoverSubscriptions();
  // Whether cupsd's job numbering started again below `state`'s cursor (its spool was wiped):
  // the cursor's last job id now names a job created at another time, or cupsd's lowest job id
  // is at most the cursor's and was created after it.
  Result<bool> NumberingRestarted(const CaptureState& state);
  Result<CupsNotifications> Poll();
  // Captures what `job_events` name (or everything above the cursor and every pending job when
  // `full`), the queues when `printers`, and commits them with the event cursor advanced to
  // `next_sequence`.
  Status Sync(const std::vector<CupsEvent>& job_events, int64_t next_sequence, int64_t started_at,
              bool full, bool printers);
  Status Commit(const std::vector<OutboxItem>& items, const CaptureState& next);
  void AddJob(const CupsJob& job, std::vector<OutboxItem>& items);
  Status CupsError(const Status& st, const std::string& what);
  void Log(LogLevel level, const std::string& message);
  // Logs `message` unless a message of the same `kind` was logged less than error_log_every ago.
  void LogLimited(LogLevel level, const std::string& kind, const std::string& message);
  int64_t NowMs() const;

  CupsSource* const source_;
  Outbox* const outbox_;
  const CaptureOptions options_;

  CaptureState state_;  // as committed
  bool loaded_ = false;
  bool settings_checked_ = false;
  bool need_reconcile_ = true;
  bool need_printers_ = true;
  bool hidden_warned_ = false;
  bool cursor_lost_ = false;  // no usable cursor at Load: earlier subscriptions are leftovers
  int64_t last_reconcile_ms_ = 0;
  // Pending jobs whose job-completed event came while they still read unfinished: read again at
  // every step (not persisted: a restart reconciles every pending job anyway).
  std::set<int32_t> recheck_;
  // Each queue's default for jobs that name no sides, as of the last queue listing.
  std::map<std::string, QueueDefaults> queue_defaults_;
  std::map<std::string, int64_t> last_logged_;  // kind of message -> when it was last logged
  // The completion times of the last kRecentJobs jobs captured (job id -> completed_at), so that
  // the job-completed event of a job a scan already captured is not taken for a reprint. Not
  // persisted: after a restart such an event sends the job again, which the aggregator answers
  // as a duplicate.
  static constexpr size_t kRecentJobs = 4096;
  std::map<int32_t, int64_t> recent_completions_;
  std::deque<int32_t> recent_order_;
  CaptureStats stats_;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CAPTURE_CAPTURE_H_
