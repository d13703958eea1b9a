// JobStore::LoadRuns for the in-memory fakes, written once: the live rows of each key's server,
// CUPS job id and job-uuid, as the engines read them.
#ifndef RAMETTE_TESTS_FAKES_FAKE_RUNS_H_
#define RAMETTE_TESTS_FAKES_FAKE_RUNS_H_

#include <string>
#include <vector>

#include "aggregator/model/stored_job.h"
#include "aggregator/store/job_store.h"

namespace ramette::testing {

// `rows`: the stored jobs; `server_of(row)` and `job_of(row)` give a row's server id and job.
template <typename Rows, typename ServerOf, typename JobOf>
std::vector<std::vector<aggregator::store::StoredRun>> FakeLoadRuns(
    const std::string& server_id, const std::vector<aggregator::store::JobStore::RunKey>& keys,
    const Rows& rows, ServerOf server_of, JobOf job_of) {
  std::vector<std::vector<aggregator::store::StoredRun>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].job_uuid.empty()) continue;
    for (const auto& row : rows) {
      const aggregator::model::StoredJob& j = job_of(row);
      const JobRecord& r = j.record;
      if (server_of(row) == server_id && r.cups_job_id == keys[i].cups_job_id &&
          r.job_uuid == keys[i].job_uuid && r.source == RecordSource::kLive) {
        out[i].push_back({j.run, r.completed_at, r.impressions_completed});
      }
    }
  }
  return out;
}

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_FAKES_FAKE_RUNS_H_
