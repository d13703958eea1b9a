// libFuzzer target: arbitrary bytes parsed as the ingest API's request messages (what a client
// can send over gRPC), converted and passed through validation and derivation into a fake
// store. Nothing may crash; every record gets exactly one answer; a rejected record never
// reaches the store and an accepted one is valid.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/ingest/validate.h"
#include "proto/convert/record_convert.h"
#include "ramette/v1/ingest.pb.h"
#include "tests/fakes/fake_job_store.h"

namespace agg = ramette::aggregator;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ramette::TimeZone paris = *ramette::TimeZone::Load("Europe/Paris");
  ramette::testing::FakeJobStore store;
  agg::ingest::IngestProcessor processor(
      &store, agg::ingest::IngestOptions{paris, size % 2 == 0, [] { return 1.8e9; }});
  ramette::v1::SubmitJobsRequest jobs_request;
  if (jobs_request.ParseFromArray(data, static_cast<int>(size))) {
    std::vector<ramette::JobRecord> jobs;
    for (const auto& j : jobs_request.jobs()) jobs.push_back(ramette::FromProto(j));
    const size_t n = jobs.size();
    auto results = processor.SubmitJobs(jobs_request.server_id(), jobs_request.agent_version(),
                                        std::move(jobs));
    if (results.ok()) {
      if (results->size() != n) std::abort();
      size_t rejected = 0;
      for (const auto& r : *results) {
        if (r.kind == agg::ingest::RecordResult::Kind::kRejected) ++rejected;
      }
      if (store.quarantine().size() != rejected) std::abort();
      for (const auto& s : store.stored()) {
        if (!agg::ingest::ValidateJob(s.job.record, 1.8e9).empty() || s.job.sheets < 0)
          std::abort();
      }
    }
  }
  ramette::v1::SubmitQueuesRequest queues_request;
  if (queues_request.ParseFromArray(data, static_cast<int>(size))) {
    std::vector<ramette::QueueRecord> queues;
    for (const auto& q : queues_request.queues()) queues.push_back(ramette::FromProto(q));
    const size_t n = queues.size();
    auto results = processor.SubmitQueues(queues_request.server_id(),
                                          queues_request.agent_version(), std::move(queues));
    if (results.ok() && results->size() != n) std::abort();
  }
  return 0;
}
