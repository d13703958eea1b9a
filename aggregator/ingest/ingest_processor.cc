// Validation, derivation and commit of a batch.
#include "aggregator/ingest/ingest_processor.h"

#include <chrono>
#include <ctime>
#include <map>
#include <utility>

#include "aggregator/ingest/media.h"
#include "aggregator/ingest/sheets.h"
#include "aggregator/ingest/validate.h"
#include "aggregator/store/store_rules.h"

namespace ramette::aggregator::ingest {

IngestProcessor::IngestProcessor(store::JobStore* store, IngestOptions options)
    : store_(store), options_(std::move(options)) {}

int64_t IngestProcessor::Now() const {
  return options_.now ? options_.now() : static_cast<int64_t>(std::time(nullptr));
}

model::StoredJob IngestProcessor::Derive(JobRecord job) const {
  model::StoredJob s;
  if (!options_.store_titles) job.title.reset();
  MediaSize size = ParseMediaSize(job.media);
  s.area_um2 = size.area_um2();
  s.media_known = size.known;
  s.sheets = ComputeSheets(job);
  s.local_day = options_.time_zone.LocalDay(job.completed_at);
  s.record = std::move(job);
  return s;
}

Result<std::vector<RecordResult>> IngestProcessor::SubmitJobs(const std::string& server_id,
                                                              const std::string& agent_version,
                                                              std::vector<JobRecord> jobs) {
  if (options_.metrics == nullptr)
    return SubmitJobsUnmeasured(server_id, agent_version, std::move(jobs));
  const auto start = std::chrono::steady_clock::now();
  auto results = SubmitJobsUnmeasured(server_id, agent_version, std::move(jobs));
  options_.metrics->ObserveIngestLatency(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!results.ok()) {
    options_.metrics->CountFailedCall();
    return results;
  }
  int64_t accepted = 0, duplicate = 0;
  for (const auto& r : *results) {
    switch (r.kind) {
      case RecordResult::Kind::kAccepted:
        ++accepted;
        break;
      case RecordResult::Kind::kDuplicate:
        ++duplicate;
        break;
      case RecordResult::Kind::kRejected:
        options_.metrics->CountRejected(r.reason);
        break;
    }
  }
  options_.metrics->CountAccepted(accepted);
  options_.metrics->CountDuplicate(duplicate);
  return results;
}

Status IngestProcessor::ReportStatus(const std::string& server_id, const std::string& agent_version,
                                     const store::AgentStatusReport& status) {
  if (std::string why = ValidateServerId(server_id); !why.empty()) {
    return Status::InvalidArgument(why);
  }
  if (status.outbox_records < 0 || status.oldest_record_unix < 0) {
    return Status::InvalidArgument("negative outbox figures");
  }
  return store_->RecordAgentStatus(server_id, agent_version, status, Now());
}

Result<std::vector<int32_t>> IngestProcessor::ResolveRuns(const std::string& server_id,
                                                          std::vector<JobRecord>& jobs,
                                                          const std::vector<size_t>& indices) {
  std::vector<int32_t> runs(indices.size(), 0);
  // Only live records with a job-uuid can be reprints (DecideRun).
  auto has_runs = [&](const JobRecord& r) {
    return r.source == RecordSource::kLive && !r.job_uuid.empty();
  };
  std::vector<store::JobStore::RunKey> keys;
  for (size_t index : indices) {
    if (has_runs(jobs[index])) keys.push_back({jobs[index].cups_job_id, jobs[index].job_uuid});
  }
  if (keys.empty()) return runs;
  Result<std::vector<std::vector<store::StoredRun>>> loaded = store_->LoadRuns(server_id, keys);
  if (!loaded.ok()) return loaded.status();
  if (loaded->size() != keys.size()) {
    return Status::Internal("store answered " + std::to_string(loaded->size()) + " run lists for " +
                            std::to_string(keys.size()) + " jobs");
  }
  // The stored runs of each job, with the runs of earlier records of this batch added.
  std::map<std::pair<int32_t, std::string>, std::vector<store::StoredRun>> known;
  for (size_t i = 0; i < keys.size(); ++i) {
    known.try_emplace({keys[i].cups_job_id, keys[i].job_uuid}, std::move((*loaded)[i]));
  }
  for (size_t k = 0; k < indices.size(); ++k) {
    JobRecord& r = jobs[indices[k]];
    if (!has_runs(r)) continue;
    std::vector<store::StoredRun>& prior = known[{r.cups_job_id, r.job_uuid}];
    const store::RunDecision d = store::DecideRun(prior, r.completed_at, r.impressions_completed);
    runs[k] = d.run;
    if (d.new_run) {
      r.impressions_completed = d.impressions;  // this run's own; the sheets follow from it
      prior.push_back({d.run, r.completed_at, d.impressions});
    } else if (prior.empty()) {
      prior.push_back({0, r.completed_at, r.impressions_completed});
    }
  }
  return runs;
}

Result<std::vector<RecordResult>> IngestProcessor::SubmitJobsUnmeasured(
    const std::string& server_id, const std::string& agent_version, std::vector<JobRecord> jobs) {
  if (std::string why = ValidateServerId(server_id); !why.empty()) {
    return Status::InvalidArgument(why);
  }
  const int64_t now = Now();
  std::vector<RecordResult> results(jobs.size());
  std::vector<size_t> valid_index;
  std::vector<store::QuarantinedRecord> rejected;
  valid_index.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    std::string why = ValidateJob(jobs[i], now);
    if (!why.empty()) {
      results[i] = RecordResult{RecordResult::Kind::kRejected, why};
      store::QuarantinedRecord q{std::move(jobs[i]), std::move(why)};
      q.record.title.reset();  // a title never reaches the quarantine either
      rejected.push_back(std::move(q));
      continue;
    }
    jobs[i].user = model::NormalizeUserName(jobs[i].user, options_.users);
    valid_index.push_back(i);
  }
  Result<std::vector<int32_t>> runs = ResolveRuns(server_id, jobs, valid_index);
  if (!runs.ok()) return runs.status();
  std::vector<model::StoredJob> valid;
  valid.reserve(valid_index.size());
  for (size_t k = 0; k < valid_index.size(); ++k) {
    valid.push_back(Derive(std::move(jobs[valid_index[k]])));
    valid.back().run = (*runs)[k];
  }
  Result<std::vector<store::StoreOutcome>> outcomes =
      store_->CommitJobs(server_id, agent_version, valid, rejected);
  if (!outcomes.ok()) return outcomes.status();
  if (outcomes->size() != valid.size()) {
    return Status::Internal("store answered " + std::to_string(outcomes->size()) +
                            " outcomes for " + std::to_string(valid.size()) + " jobs");
  }
  for (size_t k = 0; k < valid.size(); ++k) {
    results[valid_index[k]].kind = (*outcomes)[k] == store::StoreOutcome::kAccepted
                                       ? RecordResult::Kind::kAccepted
                                       : RecordResult::Kind::kDuplicate;
  }
  return results;
}

Result<std::vector<RecordResult>> IngestProcessor::SubmitQueues(const std::string& server_id,
                                                                const std::string& agent_version,
                                                                std::vector<QueueRecord> queues) {
  if (std::string why = ValidateServerId(server_id); !why.empty()) {
    return Status::InvalidArgument(why);
  }
  std::vector<RecordResult> results(queues.size());
  std::vector<QueueRecord> valid;
  for (size_t i = 0; i < queues.size(); ++i) {
    std::string why = ValidateQueue(queues[i]);
    if (!why.empty()) {
      results[i] = RecordResult{RecordResult::Kind::kRejected, std::move(why)};
    } else {
      valid.push_back(std::move(queues[i]));
    }
  }
  RAMETTE_RETURN_IF_ERROR(store_->UpsertQueues(server_id, agent_version, valid));
  return results;
}

}  // namespace ramette::aggregator::ingest
