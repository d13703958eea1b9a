// An in-memory Uplink for tests: stores jobs with the aggregator's deduplication rule (same
// server, CUPS job id and completion within 300 s) and fails calls on a script.
#ifndef RAMETTE_AGENT_BACKFILL_TESTING_UPLINK_H_
#define RAMETTE_AGENT_BACKFILL_TESTING_UPLINK_H_

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/uplink/uplink.h"
#include "common/job_record.h"
#include "common/status.h"

namespace ramette::agent {

// Thread-safe. Records that fail the basic checks below are rejected, not stored.
class TestingUplink : public Uplink {
 public:
  static constexpr int64_t kSameJobWindowSeconds = 300;

  // The next SubmitJobs/SubmitQueues calls fail, in order, with these statuses (each one call),
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

  // Stores `job` as if it had arrived earlier (e.g. captured live); false if it is a duplicate.
  bool Preload(const std::string& server_id, const JobRecord& job) {
    std::lock_guard<std::mutex> lock(mu_);
    return StoreLocked(server_id, job);
  }

  Result<std::vector<SubmitResult>> SubmitJobs(const std::string& server_id,
                                               const std::vector<JobRecord>& jobs) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (!script_.empty()) {
      Status s = std::move(script_.front());
      script_.pop_front();
      return s;
    }
    if (server_id.empty()) return Status::InvalidArgument("empty server id");
    std::vector<SubmitResult> results;
    results.reserve(jobs.size());
    for (const JobRecord& job : jobs) {
      SubmitResult r;
      const std::string reason = Check(job);
      if (!reason.empty()) {
        r.kind = SubmitResult::Kind::kRejected;
        r.reason = reason;
      } else if (!StoreLocked(server_id, job)) {
        r.kind = SubmitResult::Kind::kDuplicate;
      }
      results.push_back(std::move(r));
    }
    batch_sizes_.push_back(jobs.size());
    return results;
  }

  Result<std::vector<SubmitResult>> SubmitQueues(const std::string& /*server_id*/,
                                                 const std::vector<QueueRecord>& queues) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (!script_.empty()) {
      Status s = std::move(script_.front());
      script_.pop_front();
      return s;
    }
    return std::vector<SubmitResult>(queues.size());
  }

  // Every call made, failed ones included.
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  // The number of records of each successful SubmitJobs call, in order.
  std::vector<size_t> batch_sizes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return batch_sizes_;
  }
  // Every stored job, in arrival order.
  std::vector<JobRecord> stored() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stored_;
  }

 private:
  static std::string Check(const JobRecord& j) {
    if (j.queue.empty()) return "empty queue";
    if (j.cups_job_id < 1) return "cups_job_id < 1";
    if (j.copies < 1) return "copies < 1";
    if (j.impressions_completed < 0) return "negative impressions";
    if (j.completed_at <= 0) return "no completion time";
    return "";
  }

  bool StoreLocked(const std::string& server_id, const JobRecord& job) {
    std::vector<int64_t>& times = index_[{server_id, job.cups_job_id}];
    for (int64_t t : times) {
      if (std::llabs(t - job.completed_at) <= kSameJobWindowSeconds) return false;
    }
    times.push_back(job.completed_at);
    stored_.push_back(job);
    return true;
  }

  mutable std::mutex mu_;
  std::deque<Status> script_;
  int calls_ = 0;
  std::vector<size_t> batch_sizes_;
  std::vector<JobRecord> stored_;
  std::map<std::pair<std::string, int32_t>, std::vector<int64_t>> index_;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_TESTING_UPLINK_H_
