// FakeCupsSource: an in-memory cupsd behind the CupsSource interface, scripted by tests. It keeps
// cupsd's rules where the capture depends on them: job ids grow, Get-Jobs pages in id order,
// per-subscription event caches of MaxEvents with sequence numbers, Get-Notifications' answer for
// a sequence number it no longer caches, subscriptions that survive a clean restart (events do
// not) and go back to their last saved state after a crash, and hidden private values.
#ifndef RAMETTE_TESTS_FAKES_FAKE_CUPS_SOURCE_H_
#define RAMETTE_TESTS_FAKES_FAKE_CUPS_SOURCE_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/capture/cups_source.h"
#include "common/status.h"

namespace ramette::testing {

// Not thread-safe (the capture is driven from the test's thread).
class FakeCupsSource final : public agent::CupsSource {
 public:
  using CupsEvent = agent::CupsEvent;
  using CupsEventKind = agent::CupsEventKind;
  using CupsJob = agent::CupsJob;
  using CupsJobState = agent::CupsJobState;
  using CupsPrinter = agent::CupsPrinter;

  enum class Op {
    kCreateSubscription,
    kCancelSubscription,
    kGetSubscriptions,
    kGetNotifications,
    kGetJob,
    kGetJobs,
    kGetPrinters,
    kGetServerSettings,
  };

  explicit FakeCupsSource(std::string server = "fake-cupsd", std::string user = "root")
      : server_(std::move(server)), user_(std::move(user)) {}

  // --- Scripting: jobs -------------------------------------------------------------------------

  // Submits `job` (its id is assigned; its state defaults to pending, its queue to "q1", its
  // creation time to now) and returns the id.
  int32_t SubmitJob(CupsJob job = {}) {
    job.id = next_job_id_++;
    if (job.queue.empty()) job.queue = "q1";
    if (job.state == CupsJobState::kUnknown) job.state = CupsJobState::kPending;
    if (job.created_at == 0) job.created_at = now_;
    if (!job.user) job.user = "alice";
    if (!job.host) job.host = "pc-12";
    if (!job.name) job.name = "report.pdf";
    if (job.uuid.empty()) job.uuid = "urn:uuid:fake-" + std::to_string(job.id);
    jobs_[job.id] = job;
    return job.id;
  }

  // Sets a job's state; a finished state sets its completion time and sends job-completed.
  void SetJobState(int32_t id, CupsJobState state) {
    CupsJob& j = jobs_.at(id);
    j.state = state;
    if (state == CupsJobState::kProcessing && j.processing_at == 0) j.processing_at = now_;
    if (agent::IsFinished(state)) {
      j.completed_at = now_;
      if (j.impressions_completed == 0 && state == CupsJobState::kCompleted) {
        j.impressions_completed =
            j.job_impressions > 0 ? j.job_impressions * std::max(1, j.copies) : 1;
      }
      AddEvent(CupsEventKind::kJobCompleted, id, j.queue);
    }
  }

  // Submits a job and completes it with `impressions` (all copies): the usual case.
  int32_t PrintJob(int64_t impressions = 1, int32_t copies = 1, std::string sides = "one-sided",
                   std::string queue = "q1") {
    CupsJob j;
    j.queue = std::move(queue);
    j.copies = copies;
    j.sides = std::move(sides);
    j.impressions_completed = impressions;
    int32_t id = SubmitJob(j);
    SetJobState(id, CupsJobState::kCompleted);
    return id;
  }

  // Removes a job as cupsd's purge does (cancel -x, queue deleted, MaxJobs).
  void PurgeJob(int32_t id) { jobs_.erase(id); }

  CupsJob& job(int32_t id) { return jobs_.at(id); }

  // --- Scripting: queues -----------------------------------------------------------------------

  void AddPrinter(CupsPrinter p) {
    std::string name = p.name;
    printers_[name] = std::move(p);
    AddEvent(CupsEventKind::kPrinterAdded, 0, name);
  }
  void ModifyPrinter(const std::string& name, const std::function<void(CupsPrinter&)>& change) {
    change(printers_.at(name));
    AddEvent(CupsEventKind::kPrinterModified, 0, name);
  }
  void DeletePrinter(const std::string& name) {
    AddEvent(CupsEventKind::kPrinterDeleted, 0, name);
    printers_.erase(name);
  }
  // Adds a queue without any event (as if it existed before any subscription).
  void SetPrinter(CupsPrinter p) { printers_[p.name] = std::move(p); }

  // --- Scripting: cupsd itself -----------------------------------------------------------------

  // A clean stop and start (SIGTERM, as logrotate does): subscriptions are saved and reloaded,
  // their cached events are lost, and each gets a server-started event.
  void Restart() {
    SaveSubscriptions();
    Reload();
  }
  // cupsd stopped, its spool wiped (job.cache, the c and d files, subscriptions.conf), started:
  // no jobs, no subscriptions, job ids start again at 1.
  void WipeSpoolAndRestart() {
    jobs_.clear();
    next_job_id_ = 1;
    subs_.clear();
    saved_subs_.clear();
    Reload();
  }
  // A crash (kill -9): subscriptions go back to their last save (cupsd writes them about 30 s
  // after a change), so their event numbering may go back and new ones may be lost.
  void Crash() { Reload(); }
  // What cupsd does when it writes subscriptions.conf.
  void SaveSubscriptions() {
    saved_subs_ = subs_;
    for (auto& [id, s] : saved_subs_) {
      s.first_event_id = s.next_event_id;
      s.events.clear();
    }
    saved_next_sub_id_ = next_sub_id_;
  }
  void ExpireSubscription(int32_t id) { subs_.erase(id); }
  // A subscription made by another program (or another user): `owner`, `user_data`.
  int32_t AddOtherSubscription(const std::string& owner, const std::string& user_data) {
    Sub s;
    s.owner = owner;
    s.user_data = user_data;
    int32_t id = next_sub_id_++;
    subs_[id] = std::move(s);
    return id;
  }
  bool HasSubscription(int32_t id) const { return subs_.contains(id); }
  size_t subscription_count() const { return subs_.size(); }

  // While true, every call fails with Unavailable.
  void SetUnavailable(bool unavailable) { unavailable_ = unavailable; }
  // While true, jobs come back without user, host and name (JobPrivateValues).
  void SetHidePrivateValues(bool hide) { hide_ = hide; }
  // Makes the next `times` calls of `op` fail with `error`.
  void FailNext(Op op, Status error, int times = 1) {
    failures_.push_back({op, std::move(error), times});
  }
  void set_max_events(size_t n) { max_events_ = n; }
  void set_get_interval(int32_t seconds) { get_interval_ = seconds; }
  void set_settings(agent::CupsServerSettings s) { settings_ = s; }
  // The time (seconds since the epoch) stamped on jobs and events.
  void set_now(int64_t now) { now_ = now; }
  int64_t now() const { return now_; }

  // How many times `op` was called (failed calls included).
  int calls(Op op) const {
    auto it = calls_.find(op);
    return it == calls_.end() ? 0 : it->second;
  }

  // --- CupsSource ------------------------------------------------------------------------------

  Result<int32_t> CreateSubscription(const std::vector<CupsEventKind>& events) override {
    if (auto st = Enter(Op::kCreateSubscription); !st.ok()) return st;
    Sub s;
    s.mask.insert(events.begin(), events.end());
    s.owner = user_;
    s.user_data = agent::kSubscriptionTag;
    int32_t id = next_sub_id_++;
    subs_[id] = std::move(s);
    return id;
  }

  Status CancelSubscription(int32_t id) override {
    if (auto st = Enter(Op::kCancelSubscription); !st.ok()) return st;
    if (subs_.erase(id) == 0) return NotFoundSub(id);
    return Status::Ok();
  }

  // cupsd's get_subscriptions() with my-subscriptions: this user's subscriptions in id order.
  Result<std::vector<agent::CupsSubscription>> GetSubscriptions() override {
    if (auto st = Enter(Op::kGetSubscriptions); !st.ok()) return st;
    std::vector<agent::CupsSubscription> out;
    for (const auto& [id, s] : subs_) {
      if (s.owner != user_) continue;
      out.push_back({id, s.owner, s.user_data, "ippget", 0});
    }
    return out;
  }

  // cupsd's get_notifications(): events from `first_sequence`, or from the oldest cached when
  // it no longer has that one; nothing when `first_sequence` is past the newest.
  Result<agent::CupsNotifications> GetNotifications(int32_t id, int32_t first_sequence) override {
    if (auto st = Enter(Op::kGetNotifications); !st.ok()) return st;
    auto it = subs_.find(id);
    if (it == subs_.end()) return NotFoundSub(id);
    const Sub& s = it->second;
    agent::CupsNotifications n;
    n.get_interval = get_interval_;
    const int64_t count = static_cast<int64_t>(s.events.size());
    if (first_sequence > s.first_event_id + count) return n;
    size_t j = s.first_event_id > first_sequence ? 0 : first_sequence - s.first_event_id;
    for (; j < s.events.size(); ++j) n.events.push_back(s.events[j]);
    return n;
  }

  Result<CupsJob> GetJob(int32_t id) override {
    if (auto st = Enter(Op::kGetJob); !st.ok()) return st;
    auto it = jobs_.find(id);
    if (it == jobs_.end())
      return Status::NotFound("Job #" + std::to_string(id) + " does not exist.");
    return Visible(it->second);
  }

  Result<std::vector<CupsJob>> GetJobs(int32_t first_job_id, int32_t limit) override {
    if (auto st = Enter(Op::kGetJobs); !st.ok()) return st;
    if (limit <= 0 || limit > 500) limit = 500;
    std::vector<CupsJob> out;
    for (auto it = jobs_.lower_bound(first_job_id);
         it != jobs_.end() && static_cast<int32_t>(out.size()) < limit; ++it) {
      out.push_back(Visible(it->second));
    }
    return out;
  }

  Result<std::vector<CupsPrinter>> GetPrinters() override {
    if (auto st = Enter(Op::kGetPrinters); !st.ok()) return st;
    std::vector<CupsPrinter> out;
    for (const auto& [name, p] : printers_) out.push_back(p);
    return out;
  }

  Result<agent::CupsServerSettings> GetServerSettings() override {
    if (auto st = Enter(Op::kGetServerSettings); !st.ok()) return st;
    return settings_;
  }

  std::string server() const override { return server_; }
  std::string user() const override { return user_; }

 private:
  struct Sub {
    std::set<CupsEventKind> mask;
    std::string owner;
    std::string user_data;
    int64_t first_event_id = 1;
    int64_t next_event_id = 1;
    std::deque<CupsEvent> events;
  };
  struct Failure {
    Op op;
    Status error;
    int times;
  };

  Status Enter(Op op) {
    ++calls_[op];
    if (unavailable_) return Status::Unavailable("fake cupsd is not running");
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if (it->op != op) continue;
      Status st = it->error;
      if (--it->times <= 0) failures_.erase(it);
      return st;
    }
    return Status::Ok();
  }

  static Status NotFoundSub(int32_t id) {
    return Status::NotFound("Subscription #" + std::to_string(id) + " does not exist.");
  }

  CupsJob Visible(CupsJob j) const {
    if (hide_) {
      j.user.reset();
      j.host.reset();
      j.name.reset();
    }
    return j;
  }

  // cupsdAddEvent(): one event per interested subscription, the oldest dropped past MaxEvents.
  void AddEvent(CupsEventKind kind, int32_t job_id, const std::string& printer) {
    for (auto& [id, s] : subs_) {
      if (!s.mask.contains(kind)) continue;
      if (max_events_ == 0) continue;
      if (s.events.size() >= max_events_) {
        s.events.pop_front();
        ++s.first_event_id;
      }
      CupsEvent e;
      e.sequence = static_cast<int32_t>(s.next_event_id++);
      e.kind = kind;
      e.job_id = job_id;
      e.printer_name = printer;
      e.time = now_;
      s.events.push_back(std::move(e));
    }
  }

  void Reload() {
    subs_ = saved_subs_;
    next_sub_id_ = std::max(saved_next_sub_id_, 1);
    AddEvent(CupsEventKind::kServerStarted, 0, "");
  }

  std::string server_;
  std::string user_;
  std::map<int32_t, CupsJob> jobs_;
  int32_t next_job_id_ = 1;
  std::map<std::string, CupsPrinter> printers_;
  std::map<int32_t, Sub> subs_;
  int32_t next_sub_id_ = 1;
  std::map<int32_t, Sub> saved_subs_;
  int32_t saved_next_sub_id_ = 1;
  size_t max_events_ = 100;
  int32_t get_interval_ = 60;
  agent::CupsServerSettings settings_;
  int64_t now_ = 1'700'000'000;
  bool unavailable_ = false;
  bool hide_ = false;
  std::vector<Failure> failures_;
  std::map<Op, int> calls_;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_FAKES_FAKE_CUPS_SOURCE_H_
