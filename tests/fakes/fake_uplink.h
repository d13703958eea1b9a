// FakeUplink: an aggregator in memory for the agent's tests (forwarder, backfill, check). It
// stores each job once by the store's own identity rule (SameJobCompletion, store_rules.h), fails
// calls on a script, and keeps every call. Header-only: of the aggregator it uses only the inline
// SameJobCompletion, so the agent's tests link nothing of the aggregator.
#ifndef RAMETTE_TESTS_FAKES_FAKE_UPLINK_H_
#define RAMETTE_TESTS_FAKES_FAKE_UPLINK_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/uplink/uplink.h"
#include "aggregator/store/store_rules.h"
#include "common/job_record.h"
#include "common/status.h"

namespace ramette::testing {

// Thread-safe (the backfill sends batches from several threads). The hooks are called without
// the fake's lock held, so they may call the fake.
class FakeUplink : public agent::Uplink {
 public:
  // One SubmitJobs or SubmitQueues call, failed ones included.
  struct Call {
    enum class Kind { kJobs, kQueues };
    Kind kind = Kind::kJobs;
    std::string server_id;
    size_t records = 0;           // jobs or queues sent
    std::vector<JobRecord> jobs;  // the jobs sent (SubmitJobs)
  };
  // One ReportStatus call.
  struct StatusReport {
    std::string server_id;
    agent::AgentStatus status;
  };

  // The next SubmitJobs/SubmitQueues calls fail, in order, with these statuses (one call each),
  // before anything is stored.
  void ScriptFailures(std::vector<Status> failures) {
    std::lock_guard<std::mutex> lock(mu_);
    for (Status& s : failures) script_.push_back(std::move(s));
  }
  // The next `n` calls fail with Unavailable.
  void FailNextCalls(int n) {
    std::vector<Status> v;
    for (int i = 0; i < n; ++i) v.push_back(Status::Unavailable("scripted: aggregator down"));
    ScriptFailures(std::move(v));
  }
  // Scripted failures not used yet.
  size_t failures_left() const {
    std::lock_guard<std::mutex> lock(mu_);
    return script_.size();
  }

  // How each job is judged before the identity rule: accepted (then stored, or a duplicate) or
  // rejected with a reason. The default rejects what the aggregator always refuses: an empty
  // queue, cups_job_id < 1, copies < 1, negative impressions, no completion time.
  void SetJudge(std::function<agent::SubmitResult(const JobRecord&)> judge) {
    std::lock_guard<std::mutex> lock(mu_);
    judge_ = std::move(judge);
  }
  // Called at the start of every SubmitJobs/SubmitQueues call, before the script.
  void SetOnCall(std::function<void()> on_call) {
    std::lock_guard<std::mutex> lock(mu_);
    on_call_ = std::move(on_call);
  }
  // From now on SubmitJobs answers one result fewer than it was sent records (nothing stored):
  // an answer that does not match its batch.
  void AnswerOneResultShort() {
    std::lock_guard<std::mutex> lock(mu_);
    answer_short_ = true;
  }
  // What ReportStatus answers from now on (OK at first).
  void SetStatusAnswer(Status answer) {
    std::lock_guard<std::mutex> lock(mu_);
    status_answer_ = std::move(answer);
  }

  // Stores `job` as if it had arrived earlier (e.g. captured live); false if it is a duplicate.
  bool Preload(const std::string& server_id, const JobRecord& job) {
    std::lock_guard<std::mutex> lock(mu_);
    return StoreLocked(server_id, job);
  }

  Result<std::vector<agent::SubmitResult>> SubmitJobs(const std::string& server_id,
                                                      const std::vector<JobRecord>& jobs) override {
    RunOnCall();
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(Call{Call::Kind::kJobs, server_id, jobs.size(), jobs});
    if (!script_.empty()) {
      Status s = std::move(script_.front());
      script_.pop_front();
      return s;
    }
    if (server_id.empty()) return Status::InvalidArgument("empty server id");
    if (answer_short_) return std::vector<agent::SubmitResult>(jobs.empty() ? 0 : jobs.size() - 1);
    std::vector<agent::SubmitResult> results;
    results.reserve(jobs.size());
    for (const JobRecord& job : jobs) {
      agent::SubmitResult r = judge_ ? judge_(job) : CheckJob(job);
      if (r.kind == agent::SubmitResult::Kind::kAccepted && !StoreLocked(server_id, job)) {
        r.kind = agent::SubmitResult::Kind::kDuplicate;
      }
      results.push_back(std::move(r));
    }
    batch_sizes_.push_back(jobs.size());
    return results;
  }

  Result<std::vector<agent::SubmitResult>> SubmitQueues(
      const std::string& server_id, const std::vector<QueueRecord>& queues) override {
    RunOnCall();
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(Call{Call::Kind::kQueues, server_id, queues.size(), {}});
    if (!script_.empty()) {
      Status s = std::move(script_.front());
      script_.pop_front();
      return s;
    }
    queues_.insert(queues_.end(), queues.begin(), queues.end());
    return std::vector<agent::SubmitResult>(queues.size());
  }

  Status ReportStatus(const std::string& server_id, const agent::AgentStatus& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_reports_.push_back(StatusReport{server_id, status});
    return status_answer_;
  }

  // Every SubmitJobs/SubmitQueues call, in order.
  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  // The number of records of each SubmitJobs call that was answered, in order.
  std::vector<size_t> batch_sizes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return batch_sizes_;
  }
  // Every stored job, in arrival order.
  std::vector<JobRecord> stored() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stored_;
  }
  // Every queue record received, in order.
  std::vector<QueueRecord> queues() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queues_;
  }
  // Every ReportStatus call, in order.
  std::vector<StatusReport> status_reports() const {
    std::lock_guard<std::mutex> lock(mu_);
    return status_reports_;
  }

 private:
  static agent::SubmitResult CheckJob(const JobRecord& j) {
    agent::SubmitResult r;
    if (j.queue.empty()) {
      r.reason = "empty queue";
    } else if (j.cups_job_id < 1) {
      r.reason = "cups_job_id < 1";
    } else if (j.copies < 1) {
      r.reason = "copies < 1";
    } else if (j.impressions_completed < 0) {
      r.reason = "negative impressions";
    } else if (j.completed_at <= 0) {
      r.reason = "no completion time";
    }
    if (!r.reason.empty()) r.kind = agent::SubmitResult::Kind::kRejected;
    return r;
  }

  void RunOnCall() {
    std::function<void()> on_call;
    {
      std::lock_guard<std::mutex> lock(mu_);
      on_call = on_call_;
    }
    if (on_call) on_call();
  }

  // Stores `job` unless a job of the same server and CUPS job id completed within the window.
  bool StoreLocked(const std::string& server_id, const JobRecord& job) {
    std::vector<int64_t>& times = completions_[{server_id, job.cups_job_id}];
    for (int64_t t : times) {
      if (aggregator::store::SameJobCompletion(t, job.completed_at)) return false;
    }
    times.push_back(job.completed_at);
    stored_.push_back(job);
    return true;
  }

  mutable std::mutex mu_;
  std::deque<Status> script_;
  std::function<agent::SubmitResult(const JobRecord&)> judge_;
  std::function<void()> on_call_;
  bool answer_short_ = false;
  Status status_answer_;
  std::vector<Call> calls_;
  std::vector<size_t> batch_sizes_;
  std::vector<JobRecord> stored_;
  std::vector<QueueRecord> queues_;
  std::vector<StatusReport> status_reports_;
  std::map<std::pair<std::string, int32_t>, std::vector<int64_t>> completions_;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_FAKES_FAKE_UPLINK_H_
