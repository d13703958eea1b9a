// libFuzzer target: arbitrary bytes as page_log text. Every line goes through ParsePageLogLine
// and the accepted ones through the job assembler; nothing may crash, and every record drained
// must be consistent with what was added.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/backfill/page_log_assembler.h"
#include "agent/backfill/page_log_parser.h"

using ramette::JobRecord;
using ramette::Status;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ramette::agent::PageLogJobOptions options;
  options.include_titles = size % 2 == 0;
  ramette::agent::PageLogJobAssembler one(options);
  ramette::agent::PageLogJobAssembler shards[2] = {ramette::agent::PageLogJobAssembler(options),
                                                   ramette::agent::PageLogJobAssembler(options)};
  size_t added = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    auto entry = ramette::agent::ParsePageLogLine(line);
    if (!entry.ok()) continue;
    ++added;
    const int source = static_cast<int>(added % 3);
    one.Add(*entry, source);
    shards[ramette::agent::PageLogJobAssembler::ShardOf(entry->printer, entry->job_id, 2)].Add(
        *entry, source);
  }
  const size_t jobs = one.job_count();
  if (jobs > added) std::abort();
  std::vector<JobRecord> all = one.TakeJobs();
  if (all.size() != jobs) std::abort();
  for (const JobRecord& r : all) {
    if (r.impressions_completed < 0 || r.copies != 1) std::abort();
  }
  // Sharded assembly gives the same records in the same order.
  std::vector<JobRecord> merged;
  Status st = ramette::agent::PageLogJobAssembler::DrainMerged({&shards[0], &shards[1]}, 7,
                                                               [&](std::vector<JobRecord>&& batch) {
                                                                 for (JobRecord& r : batch)
                                                                   merged.push_back(std::move(r));
                                                                 return Status::Ok();
                                                               });
  if (!st.ok() || merged.size() != all.size()) std::abort();
  for (size_t i = 0; i < all.size(); ++i) {
    if (merged[i].queue != all[i].queue || merged[i].cups_job_id != all[i].cups_job_id ||
        merged[i].completed_at != all[i].completed_at ||
        merged[i].impressions_completed != all[i].impressions_completed) {
      std::abort();
    }
  }
  return 0;
}
