// Capture: event polling, the Get-Jobs scan above the cursor, the pending-job checks, the queue
// inventory diff, and the commits that carry the cursor with the records.
#include "agent/capture/capture.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "agent/capture/capture_records.h"

namespace ramette::agent {
namespace {

constexpr int32_t kMaxPage = 500;  // cupsd returns at most 500 jobs per Get-Jobs

std::string HiddenValuesMessage(const std::string& user) {
  return "cupsd hides job owners, client hosts and titles from user '" + user +
         "' (JobPrivateAccess/JobPrivateValues): jobs are recorded WITHOUT their user, so they "
         "count for their device's direction instead of their user's. To fix it, let this user "
         "see them: in /etc/cups/cupsd.conf, in <Policy default> (and in every other policy your "
         "queues use), write\n"
         "    JobPrivateAccess @OWNER @SYSTEM " +
         user +
         "\n    JobPrivateValues default\n"
         "(or make '" +
         user +
         "' a member of a SystemGroup of cups-files.conf, e.g. lpadmin), then restart cupsd. "
         "This is said once per agent start.";
}

}  // namespace

const std::vector<CupsEventKind>& CaptureEvents() {
  static const std::vector<CupsEventKind> kEvents = {
      CupsEventKind::kJobCompleted,    CupsEventKind::kPrinterAdded,
      CupsEventKind::kPrinterModified, CupsEventKind::kPrinterDeleted,
      CupsEventKind::kServerStarted,   CupsEventKind::kServerRestarted};
  return kEvents;
}

Capture::Capture(CupsSource* source, Outbox* outbox, CaptureOptions options)
    : source_(source), outbox_(outbox), options_(std::move(options)) {}

int64_t Capture::NowMs() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Capture::Log(LogLevel level, const std::string& message) {
  if (options_.log) {
    options_.log(level, message);
    return;
  }
  switch (level) {
    case LogLevel::kInfo:
      spdlog::info("capture: {}", message);
      break;
    case LogLevel::kWarn:
      spdlog::warn("capture: {}", message);
      break;
    case LogLevel::kError:
      spdlog::error("capture: {}", message);
      break;
  }
}

void Capture::LogLimited(LogLevel level, const std::string& kind, const std::string& message) {
  const int64_t now = NowMs();
  auto it = last_logged_.find(kind);
  if (it != last_logged_.end() && now - it->second < options_.error_log_every.count()) return;
  last_logged_[kind] = now;
  Log(level, message);
}

Status Capture::CupsError(const Status& st, const std::string& what) {
  ++stats_.cups_errors;
  if (st.code() == Status::Code::kUnavailable) {
    // cupsd stops daily and may exit when idle: whatever happened meanwhile is reconciled.
    need_reconcile_ = true;
    LogLimited(LogLevel::kWarn, "cups-unavailable",
               what + ": cupsd is not reachable (" + st.message() + "); retrying");
  } else {
    LogLimited(LogLevel::kError, "cups:" + what, what + ": " + st.message());
  }
  return st;
}

std::chrono::milliseconds Capture::Step() {
  ++stats_.steps;
  if (!loaded_ && !Load()) return options_.retry_delay;
  if (!settings_checked_) CheckServerSettings();

  Result<CupsNotifications> polled = Poll();
  if (!polled.ok()) return options_.retry_delay;

  int64_t next_sequence = std::max<int64_t>(state_.cursor.next_sequence, 1);
  int64_t started_at = state_.cursor.cupsd_started_at;
  bool printers = need_printers_;
  std::vector<CupsEvent> job_events;
  std::vector<std::string> notes;  // logged once the events are committed (not at each retry)
  for (const CupsEvent& e : polled->events) {
    next_sequence = int64_t{e.sequence} + 1;
    switch (e.kind) {
      case CupsEventKind::kJobCompleted:
        job_events.push_back(e);
        break;
      case CupsEventKind::kPrinterAdded:
      case CupsEventKind::kPrinterModified:
      case CupsEventKind::kPrinterDeleted:
        printers = true;
        break;
      case CupsEventKind::kServerStarted:
        started_at = e.time;
        need_reconcile_ = true;
        notes.push_back("cupsd started (event " + std::to_string(e.sequence) +
                        "): its jobs were reconciled with Get-Jobs");
        break;
      case CupsEventKind::kServerRestarted:
        need_reconcile_ = true;
        notes.push_back("cupsd reloaded its configuration: its jobs were reconciled");
        break;
      case CupsEventKind::kOther:
        break;
    }
  }
  const bool full =
      need_reconcile_ || NowMs() - last_reconcile_ms_ >= options_.reconcile_every.count();
  if (!Sync(job_events, next_sequence, started_at, full, printers || full).ok()) {
    return options_.retry_delay;
  }
  stats_.events += static_cast<int64_t>(polled->events.size());
  for (const std::string& note : notes) Log(LogLevel::kInfo, note);
  const std::chrono::milliseconds lo = std::min(options_.min_poll, options_.max_poll);
  const std::chrono::milliseconds delay =
      polled->get_interval > 0 ? std::chrono::milliseconds(int64_t{polled->get_interval} * 1000)
                               : options_.max_poll;
  return std::clamp(delay, lo, options_.max_poll);
}

bool Capture::Load() {
  Result<CaptureCursor> stored = outbox_->LoadCursor();
  CaptureState s;
  const std::string server = source_->server();
  if (!stored.ok()) {
    if (stored.status().code() != Status::Code::kNotFound) {
      LogLimited(LogLevel::kError, "outbox",
                 "cannot read the capture cursor from the outbox: " + stored.status().message());
      return false;
    }
    Log(LogLevel::kInfo, "no capture cursor yet: capturing every finished job cupsd at '" + server +
                             "' still has, then following its events");
    s.cursor.cups_server = server;
    cursor_lost_ = true;
  } else if (stored->cups_server != server) {
    Log(LogLevel::kWarn, "the capture cursor in the outbox belongs to cupsd '" +
                             stored->cups_server + "', not '" + server +
                             "': capturing this one from the start");
    s.cursor.cups_server = server;
    cursor_lost_ = true;
  } else {
    Result<CaptureState> decoded = DecodeCaptureState(*stored);
    if (decoded.ok()) {
      s = *std::move(decoded);
    } else {
      // Re-capturing sends duplicates, which the aggregator drops; skipping could lose jobs.
      Log(LogLevel::kError, decoded.status().message() +
                                ": capturing every job cupsd still has again (the aggregator "
                                "drops the duplicates)");
      s.cursor = *stored;
      s.cursor.opaque.clear();
      s.cursor.last_reconciled_job_id = 0;
    }
  }
  state_ = std::move(s);
  loaded_ = true;
  need_reconcile_ = true;
  need_printers_ = true;
  return true;
}

void Capture::CheckServerSettings() {
  Result<CupsServerSettings> s = source_->GetServerSettings();
  if (!s.ok()) {
    if (s.status().code() == Status::Code::kUnavailable) return;  // asked again next step
    settings_checked_ = true;
    Log(LogLevel::kInfo, "could not read cupsd's settings (" + s.status().message() +
                             "): MaxJobs and PreserveJobHistory not checked");
    return;
  }
  settings_checked_ = true;
  if (s->preserve_job_history == 0) {
    Log(LogLevel::kError,
        "cupsd.conf has 'PreserveJobHistory No': cupsd forgets each job as it finishes, often "
        "before the agent can read it, and such jobs are lost. Set 'PreserveJobHistory Yes' in "
        "cupsd.conf and restart cupsd");
  } else if (s->preserve_job_history > 0 && s->preserve_job_history < 86400) {
    Log(LogLevel::kWarn, "cupsd.conf has 'PreserveJobHistory " +
                             std::to_string(s->preserve_job_history) +
                             "': jobs that finish while the agent is stopped for longer than "
                             "that are lost. 'PreserveJobHistory Yes' keeps them until MaxJobs");
  }
  if (s->max_events == 0) {
    Log(LogLevel::kError,
        "cupsd.conf has 'MaxEvents 0': cupsd keeps no events, so jobs are only found by the "
        "periodic Get-Jobs reconciliation. Set 'MaxEvents 100' (the default)");
  }
  if (s->max_jobs > 0 && s->max_jobs < options_.min_safe_max_jobs) {
    Log(LogLevel::kWarn,
        "cupsd.conf has 'MaxJobs " + std::to_string(s->max_jobs) +
            "': cupsd forgets finished jobs beyond its " + std::to_string(s->max_jobs) +
            " most recent, so jobs are lost when more than that finish while the agent is "
            "stopped. Set 'MaxJobs 500' (the default) or more, or 'MaxJobs 0' for no limit");
  } else {
    Log(LogLevel::kInfo,
        "cupsd keeps " +
            (s->max_jobs > 0 ? "its " + std::to_string(s->max_jobs) + " most recent"
                             : std::string("all")) +
            " jobs (MaxJobs): that many may finish while the agent is stopped "
            "without loss");
  }
}

void Capture::CancelLeftoverSubscriptions() {
  Result<std::vector<CupsSubscription>> subs = source_->GetSubscriptions();
  if (!subs.ok()) {
    Log(LogLevel::kWarn,
        "could not list cupsd subscriptions to cancel those an earlier agent left (" +
            subs.status().message() + "); they stay until cupsd drops them");
    return;
  }
  std::string cancelled;
  for (const CupsSubscription& s : *subs) {
    if (s.user_data != kSubscriptionTag || s.owner != source_->user() || s.job_id != 0) continue;
    Status st = source_->CancelSubscription(s.id);
    if (!st.ok() && st.code() != Status::Code::kNotFound) {
      Log(LogLevel::kWarn, "could not cancel subscription " + std::to_string(s.id) +
                               " an earlier agent left in cupsd: " + st.message());
      continue;
    }
    ++stats_.subscriptions_cancelled;
    cancelled += (cancelled.empty() ? "" : ", ") + std::to_string(s.id);
  }
  if (!cancelled.empty()) {
    Log(LogLevel::kInfo, "cancelled the cupsd subscriptions an earlier agent left behind (" +
                             cancelled + "): the capture cursor that named them was lost");
  }
}

Result<bool> Capture::NumberingRestarted(const CaptureState& state) {
  const int64_t last = state.cursor.last_reconciled_job_id;
  if (last <= 0 || last > INT32_MAX || state.last_created_at <= 0) return false;
  Result<CupsJob> job = source_->GetJob(static_cast<int32_t>(last));
  if (job.ok()) return job->created_at != 0 && job->created_at != state.last_created_at;
  if (job.status().code() != Status::Code::kNotFound) return job.status();
  // That job was purged (MaxJobs), or the new numbering has not reached it yet.
  Result<std::vector<CupsJob>> lowest = source_->GetJobs(1, 1);
  if (!lowest.ok()) return lowest.status();
  return !lowest->empty() && lowest->front().id <= last &&
         lowest->front().created_at > state.last_created_at;
}

bool Capture::Subscribe() {
  if (cursor_lost_) {
    CancelLeftoverSubscriptions();
    cursor_lost_ = false;
  }
  Result<int32_t> id = source_->CreateSubscription(CaptureEvents());
  if (!id.ok()) {
    (void)CupsError(id.status(), "creating the cupsd event subscription");
    return false;
  }
  CaptureState next = state_;
  next.cursor.subscription_id = *id;
  next.cursor.next_sequence = 1;
  if (!Commit({}, next).ok()) {
    (void)source_->CancelSubscription(*id);  // not stored: do not leave it behind in cupsd
    return false;
  }
  ++stats_.subscriptions_created;
  need_reconcile_ = true;
  Log(LogLevel::kInfo, "following cupsd events through subscription " + std::to_string(*id));
  return true;
}

Result<CupsNotifications> Capture::Poll() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (state_.cursor.subscription_id == 0 && !Subscribe()) {
      return Status::Unavailable("no cupsd subscription");
    }
    const int32_t sub = static_cast<int32_t>(state_.cursor.subscription_id);
    const int64_t next = std::max<int64_t>(state_.cursor.next_sequence, 1);
    // Ask from the last event already handled: cupsd's answer then tells normal operation (that
    // event comes first) from a gap (a later one comes first) and from a numbering that went
    // back (nothing comes: cupsd stopped without saving the subscription, e.g. killed).
    Result<CupsNotifications> r =
        source_->GetNotifications(sub, static_cast<int32_t>(next > 1 ? next - 1 : 1));
    if (!r.ok()) {
      if (r.status().code() == Status::Code::kNotFound && attempt == 0) {
        Log(LogLevel::kInfo, "cupsd no longer has subscription " + std::to_string(sub) +
                                 " (expired or lost): creating a new one and reconciling");
        state_.cursor.subscription_id = 0;
        state_.cursor.next_sequence = 0;
        need_reconcile_ = true;
        continue;
      }
      return CupsError(r.status(), "reading cupsd events");
    }
    if (next > 1 && r->events.empty()) {
      Log(LogLevel::kWarn, "cupsd's event numbering of subscription " + std::to_string(sub) +
                               " went back (cupsd stopped without saving it): creating a new "
                               "subscription and reconciling");
      (void)source_->CancelSubscription(sub);
      state_.cursor.subscription_id = 0;
      state_.cursor.next_sequence = 0;
      need_reconcile_ = true;
      continue;
    }
    if (next > 1 && r->events.front().sequence > next) {
      Log(LogLevel::kInfo, "cupsd dropped events " + std::to_string(next) + " to " +
                               std::to_string(r->events.front().sequence - 1) +
                               " of subscription " + std::to_string(sub) +
                               " before they were read: reconciling with Get-Jobs");
      need_reconcile_ = true;
    }
    std::vector<CupsEvent> fresh;
    for (CupsEvent& e : r->events) {
      if (e.sequence >= next) fresh.push_back(std::move(e));
    }
    r->events = std::move(fresh);
    return r;
  }
  return Status::Unavailable("the cupsd subscription keeps disappearing");
}

void Capture::AddJob(const CupsJob& job, std::vector<OutboxItem>& items) {
  if (!hidden_warned_ && (!job.user || !job.host || (options_.include_titles && !job.name))) {
    hidden_warned_ = true;
    Log(LogLevel::kError, HiddenValuesMessage(source_->user()));
  }
  auto queue = queue_defaults_.find(PrintedOn(job));
  items.emplace_back(ToJobRecord(job, options_.include_titles,
                                 queue == queue_defaults_.end() ? nullptr : &queue->second));
  auto [it, inserted] = recent_completions_.insert_or_assign(job.id, job.completed_at);
  if (inserted) {
    recent_order_.push_back(job.id);
    if (recent_order_.size() > kRecentJobs) {
      recent_completions_.erase(recent_order_.front());
      recent_order_.pop_front();
    }
  }
}

Status Capture::Sync(const std::vector<CupsEvent>& job_events, int64_t next_sequence,
                     int64_t started_at, bool full, bool printers) {
  CaptureState work = state_;
  std::vector<OutboxItem> items;

  // 0. Queues first: their sides-default and media-default complete the jobs that named none.
  std::optional<std::vector<CupsPrinter>> found;
  if (printers) {
    Result<std::vector<CupsPrinter>> listed = source_->GetPrinters();
    if (!listed.ok()) return CupsError(listed.status(), "listing cupsd queues");
    found = *std::move(listed);
    queue_defaults_.clear();
    for (const CupsPrinter& p : *found) {
      queue_defaults_[p.name] = QueueDefaults{p.sides_default, p.media_default};
    }
  }

  // 1. Jobs above the cursor, when an event names one or on a full reconciliation. A job seen
  // unfinished is remembered, never skipped. When cupsd's numbering started again, the cursor
  // starts again from the first job. That is checked on a full reconciliation (one follows
  // every cupsd start), and when an event names a job at or below the cursor that is not
  // pending (a job already captured, or a job of a new numbering).
  bool suspicious = false;
  for (const CupsEvent& e : job_events) {
    if (e.job_id <= work.cursor.last_reconciled_job_id && !work.pending.contains(e.job_id)) {
      suspicious = true;
    }
  }
  bool renumbered = false;
  if (full || suspicious) {
    Result<bool> restarted = NumberingRestarted(work);
    if (!restarted.ok()) return CupsError(restarted.status(), "checking cupsd's job numbering");
    if (*restarted) {
      Log(LogLevel::kWarn,
          "cupsd's job ids started again at 1 (its spool was wiped) below the cursor's job " +
              std::to_string(work.cursor.last_reconciled_job_id) +
              ": capturing its jobs from the first one (the aggregator tells them from the earlier "
              "jobs of the same ids by their completion times)");
      ++stats_.numbering_restarts;
      renumbered = true;
      work.cursor.last_reconciled_job_id = 0;
      work.last_created_at = 0;
      work.pending.clear();
    }
  }
  bool scan = full || renumbered;
  for (const CupsEvent& e : job_events) {
    if (e.job_id > work.cursor.last_reconciled_job_id) scan = true;
  }
  const int32_t page = std::clamp(options_.page_size, 1, kMaxPage);
  while (scan && work.cursor.last_reconciled_job_id < INT32_MAX) {
    Result<std::vector<CupsJob>> jobs =
        source_->GetJobs(static_cast<int32_t>(work.cursor.last_reconciled_job_id + 1), page);
    if (!jobs.ok()) return CupsError(jobs.status(), "listing cupsd jobs");
    for (const CupsJob& job : *jobs) {
      if (job.id <= work.cursor.last_reconciled_job_id) continue;
      work.cursor.last_reconciled_job_id = job.id;
      work.last_created_at = job.created_at;
      if (IsFinished(job.state)) {
        AddJob(job, items);
      } else {
        work.pending.insert(job.id);
      }
    }
    if (static_cast<int32_t>(jobs->size()) < page) break;
    // A full page: more may follow. Commit this one now; the event cursor stays where it was.
    RAMETTE_RETURN_IF_ERROR(Commit(items, work));
    items.clear();
  }

  // 2. Jobs seen unfinished: every one on a full reconciliation, else those named by events.
  // Events for other jobs at or below the cursor are for jobs already captured.
  // A job whose completion was announced but which still reads unfinished is read again at
  // each step until it does, rather than waiting for the next full reconciliation.
  std::set<int32_t> named;     // pending jobs an event named
  std::vector<int32_t> check;  // in the order of the events, then of the ids
  for (const CupsEvent& e : job_events) {
    if (work.pending.contains(e.job_id) && named.insert(e.job_id).second && !full) {
      check.push_back(e.job_id);
    }
  }
  if (full) {
    check.assign(work.pending.begin(), work.pending.end());
  } else {
    for (int32_t id : recheck_) {
      if (work.pending.contains(id) && !named.contains(id)) check.push_back(id);
    }
  }
  std::set<int32_t> recheck;
  for (int32_t id : check) {
    Result<CupsJob> job = source_->GetJob(id);
    if (!job.ok()) {
      if (job.status().code() != Status::Code::kNotFound) {
        return CupsError(job.status(), "reading cupsd job " + std::to_string(id));
      }
      Log(LogLevel::kWarn, "job " + std::to_string(id) +
                               " disappeared from cupsd before it finished (purged: cancelled "
                               "with purge, its queue deleted, or MaxJobs reached): not recorded");
      work.pending.erase(id);
      continue;
    }
    if (IsFinished(job->state)) {
      AddJob(*job, items);
      work.pending.erase(id);
    } else if (named.contains(id) || recheck_.contains(id)) {
      recheck.insert(id);
    }
  }

  // 2b. Jobs already captured that an event says completed again: a restarted job (Restart-Job,
  // `lp -i ID -H restart`) prints again under its id and completes at a new time. Its record goes
  // again with that completion time and CUPS's cumulative job-impressions-completed; the
  // aggregator stores it as a new run of the job (DESIGN.md). A job read unfinished was
  // restarted and waits in `pending` like any other. Jobs this step captured are skipped, and a
  // job whose completion time is the one captured is not sent again.
  if (!renumbered) {
    std::set<int32_t> again;
    for (const CupsEvent& e : job_events) {
      if (e.kind == CupsEventKind::kJobCompleted &&
          e.job_id <= work.cursor.last_reconciled_job_id && !work.pending.contains(e.job_id) &&
          !named.contains(e.job_id)) {
        again.insert(e.job_id);
      }
    }
    std::set<int32_t> captured_now;
    for (const OutboxItem& item : items) {
      if (const auto* r = std::get_if<JobRecord>(&item)) captured_now.insert(r->cups_job_id);
    }
    for (int32_t id : again) {
      if (captured_now.contains(id)) continue;
      Result<CupsJob> job = source_->GetJob(id);
      if (!job.ok()) {
        if (job.status().code() == Status::Code::kNotFound) continue;  // purged since
        return CupsError(job.status(), "reading cupsd job " + std::to_string(id));
      }
      if (!IsFinished(job->state)) {
        work.pending.insert(id);
        continue;
      }
      auto recent = recent_completions_.find(id);
      if (recent != recent_completions_.end() && recent->second == job->completed_at) continue;
      Log(LogLevel::kInfo,
          "job " + std::to_string(id) + " completed again (restarted): recording its new run");
      ++stats_.reprints;
      AddJob(*job, items);
    }
  }

  // 3. Queues: new or changed ones, and deleted ones.
  if (found) {
    std::map<std::string, uint64_t> now;
    for (const CupsPrinter& p : *found) {
      // A class is not a device: its jobs count on the member that printed them. A job whose
      // member cupsd does not name keeps the class's name and makes it a device of its own,
      // unclassified until the inventory lists it (data quality shows it).
      if ((p.printer_type & kPrinterTypeClass) != 0) continue;
      QueueRecord q = ToQueueRecord(p);
      const uint64_t fingerprint = QueueFingerprint(q);
      now[q.name] = fingerprint;
      auto it = work.queues.find(q.name);
      if (it == work.queues.end() || it->second != fingerprint) items.emplace_back(std::move(q));
    }
    for (const auto& [name, fingerprint] : work.queues) {
      if (now.contains(name)) continue;
      QueueRecord gone;
      gone.name = name;
      gone.deleted = true;
      items.emplace_back(std::move(gone));
    }
    work.queues = std::move(now);
  }

  work.cursor.next_sequence = next_sequence;
  work.cursor.cupsd_started_at = started_at;
  RAMETTE_RETURN_IF_ERROR(Commit(items, work));
  recheck_ = std::move(recheck);
  if (full) {
    need_reconcile_ = false;
    last_reconcile_ms_ = NowMs();
    ++stats_.reconciliations;
  }
  if (printers) need_printers_ = false;
  return Status::Ok();
}

Status Capture::Commit(const std::vector<OutboxItem>& items, const CaptureState& next) {
  if (items.empty() && next == state_) return Status::Ok();
  const CaptureCursor cursor = EncodeCaptureState(next);
  Status st = outbox_->Append(items, &cursor);
  if (!st.ok()) {
    if (IsOutboxFull(st)) {
      ++stats_.outbox_full;
      LogLimited(LogLevel::kError, "outbox-full",
                 "the outbox is full: capture paused, nothing is lost (cupsd keeps the jobs) and "
                 "it resumes when the forwarder has sent records (" +
                     st.message() + ")");
    } else {
      LogLimited(LogLevel::kError, "outbox",
                 "cannot commit captured records to the outbox (retrying): " + st.message());
    }
    return st;
  }
  int64_t jobs = 0;
  for (const OutboxItem& item : items) {
    if (std::holds_alternative<JobRecord>(item)) ++jobs;
  }
  stats_.jobs_captured += jobs;
  stats_.queues_captured += static_cast<int64_t>(items.size()) - jobs;
  state_ = next;
  state_.cursor.opaque.clear();
  if (!items.empty() && options_.on_committed) {
    options_.on_committed(static_cast<int64_t>(items.size()));
  }
  return Status::Ok();
}

}  // namespace ramette::agent
