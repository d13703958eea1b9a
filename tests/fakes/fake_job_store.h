// An in-memory JobStore for unit tests: the dedup rule of store/store_rules.h, and a switch that
// makes the next commit fail (to check that nothing is acknowledged then).
#ifndef RAMETTE_TESTS_FAKES_FAKE_JOB_STORE_H_
#define RAMETTE_TESTS_FAKES_FAKE_JOB_STORE_H_

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "aggregator/store/job_store.h"
#include "aggregator/store/store_rules.h"
#include "tests/fakes/fake_runs.h"

namespace ramette::testing {

class FakeJobStore : public aggregator::store::JobStore {
 public:
  struct Stored {
    std::string server_id;
    aggregator::model::StoredJob job;
  };

  Result<std::vector<std::vector<aggregator::store::StoredRun>>> LoadRuns(
      const std::string& server_id, const std::vector<RunKey>& keys) override {
    std::lock_guard<std::mutex> lock(mu_);
    return FakeLoadRuns(
        server_id, keys, stored_, [](const auto& s) -> const std::string& { return s.server_id; },
        [](const auto& s) -> const aggregator::model::StoredJob& { return s.job; });
  }

  Result<std::vector<aggregator::store::StoreOutcome>> CommitJobs(
      const std::string& server_id, const std::string& /*agent_version*/,
      const std::vector<aggregator::model::StoredJob>& jobs,
      const std::vector<aggregator::store::QuarantinedRecord>& rejected) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_next_commit_) {
      fail_next_commit_ = false;
      return Status::IoError("injected commit failure");
    }
    std::vector<Stored> added;
    std::vector<aggregator::store::StoreOutcome> out;
    for (const auto& j : jobs) {
      bool dup = IsDuplicate(server_id, j, stored_) || IsDuplicate(server_id, j, added);
      out.push_back(dup ? aggregator::store::StoreOutcome::kDuplicate
                        : aggregator::store::StoreOutcome::kAccepted);
      if (!dup) added.push_back(Stored{server_id, j});
    }
    stored_.insert(stored_.end(), added.begin(), added.end());
    quarantine_.insert(quarantine_.end(), rejected.begin(), rejected.end());
    return out;
  }

  Status UpsertQueues(const std::string& server_id, const std::string&,
                      const std::vector<QueueRecord>& queues) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& q : queues) queues_.push_back({server_id, q});
    return Status::Ok();
  }

  Status RecordAgentStatus(const std::string& server_id, const std::string&,
                           const aggregator::store::AgentStatusReport& status,
                           int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    statuses_.push_back({server_id, status, now});
    return Status::Ok();
  }
  struct ReportedStatus {
    std::string server_id;
    aggregator::store::AgentStatusReport status;
    int64_t at = 0;
  };
  const std::vector<ReportedStatus>& statuses() const { return statuses_; }

  void FailNextCommit() { fail_next_commit_ = true; }
  const std::vector<Stored>& stored() const { return stored_; }
  const std::vector<aggregator::store::QuarantinedRecord>& quarantine() const {
    return quarantine_;
  }
  const std::vector<std::pair<std::string, QueueRecord>>& queues() const { return queues_; }

 private:
  std::vector<ReportedStatus> statuses_;
  static bool IsDuplicate(const std::string& server, const aggregator::model::StoredJob& j,
                          const std::vector<Stored>& in) {
    for (const auto& s : in) {
      if (s.server_id == server && s.job.record.cups_job_id == j.record.cups_job_id &&
          aggregator::store::SameJob(s.job.run, s.job.record.source, s.job.record.completed_at,
                                     j.run, j.record.source, j.record.completed_at)) {
        return true;
      }
    }
    return false;
  }

  std::mutex mu_;
  bool fail_next_commit_ = false;
  std::vector<Stored> stored_;
  std::vector<aggregator::store::QuarantinedRecord> quarantine_;
  std::vector<std::pair<std::string, QueueRecord>> queues_;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_FAKES_FAKE_JOB_STORE_H_
