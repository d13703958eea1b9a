// Wiring: PageLogReader -> RunBackfill -> GrpcUplink, with spdlog for the problems.
#include "agent/backfill_command.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "agent/backfill/backfill.h"
#include "agent/backfill/page_log_reader.h"
#include "agent/uplink/grpc_uplink.h"

namespace ramette::agent {

int RunBackfillCommand(const BackfillCommand& command) {
  PageLogReaderOptions reader_options;
  reader_options.jobs.include_titles = command.send_titles;
  int64_t problems = 0;
  PageLogReader reader(command.page_logs, reader_options, [&problems](const std::string& m) {
    ++problems;
    spdlog::warn("{}", m);
  });
  GrpcUplink uplink({command.aggregator, command.deadline_seconds * 1000, command.agent_version,
                     command.credentials});
  BackfillOptions options;
  options.max_in_flight = 2;  // keep the aggregator busy while the next batch travels
  options.max_batch_records = kBulkBatchRecords;
  options.max_batch_bytes = kBulkBatchBytes;
  options.on_retry = [](const Status& e, int attempt, std::chrono::milliseconds delay) {
    spdlog::warn("aggregator unavailable ({}), attempt {}, retrying in {} ms", e.message(), attempt,
                 delay.count());
  };
  options.on_rejected = [](const JobRecord& r, const std::string& why) {
    spdlog::error("job {} on queue {} rejected by the aggregator: {}", r.cups_job_id, r.queue, why);
  };
  Result<BackfillCounts> counts = RunBackfill(reader, uplink, command.server_id, options);
  if (!counts.ok()) {
    spdlog::error("backfill failed: {}", counts.status().message());
    return 1;
  }
  std::printf("%s\n", FormatBackfillCounts(*counts).c_str());
  return 0;
}

}  // namespace ramette::agent
