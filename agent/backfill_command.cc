// Wiring: PageLogReader -> RunBackfill -> GrpcUplink (or, for a dry run, -> BackfillSummary),
// with spdlog for the problems.
#include "agent/backfill_command.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "agent/backfill/backfill.h"
#include "agent/backfill/backfill_summary.h"
#include "agent/backfill/page_log_format.h"
#include "agent/backfill/page_log_reader.h"
#include "agent/uplink/grpc_uplink.h"

namespace ramette::agent {

namespace {

constexpr int kExitConfig = 78;

// The format from --page-log-format or --cupsd-conf, else the default one.
Result<PageLogFormat> ResolveFormat(const BackfillCommand& command) {
  if (!command.page_log_format.empty() && !command.cupsd_conf.empty()) {
    return Status::InvalidArgument("give --page-log-format or --cupsd-conf, not both");
  }
  if (!command.page_log_format.empty()) return PageLogFormat::Parse(command.page_log_format);
  if (command.cupsd_conf.empty()) return PageLogFormat();
  std::ifstream in(command.cupsd_conf, std::ios::binary);
  if (!in) return Status::IoError(command.cupsd_conf + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(command.cupsd_conf + ": cannot read");
  Result<PageLogFormat> format = PageLogFormat::FromCupsdConf(text.str());
  if (!format.ok())
    return Status::InvalidArgument(command.cupsd_conf + ": " + format.status().message());
  return format;
}

}  // namespace

int RunBackfillCommand(const BackfillCommand& command) {
  Result<PageLogFormat> format = ResolveFormat(command);
  if (!format.ok()) {
    spdlog::critical("configuration: {}", format.status().message());
    return kExitConfig;
  }
  if (!format->is_default()) spdlog::info("reading page_log lines as '{}'", format->text());
  PageLogReaderOptions reader_options;
  reader_options.jobs.include_titles = command.send_titles;
  reader_options.format = *format;
  int64_t problems = 0;
  PageLogReader reader(
      command.page_logs, reader_options,
      [&problems](const std::string& m) {
        ++problems;
        spdlog::warn("{}", m);
      },
      [](const std::string& m) { spdlog::info("{}", m); });

  if (command.dry_run) {
    Result<TimeZone> zone = TimeZone::Load(command.time_zone);
    if (!zone.ok()) {
      spdlog::critical("configuration: {}", zone.status().message());
      return kExitConfig;
    }
    BackfillSummary summary(*zone);
    Status st = reader.ReadAll([&summary](std::vector<JobRecord>&& batch) {
      for (const JobRecord& r : batch) summary.Add(r);
      return Status::Ok();
    });
    if (!st.ok()) {
      spdlog::error("backfill failed: {}", st.message());
      return 1;
    }
    const SourceCounts read = reader.counts();
    std::printf(
        "dry run: nothing sent to the aggregator; years in %s\n%sread %lld lines (%lld malformed, "
        "%lld not page logging), found %lld jobs\n",
        command.time_zone.c_str(), summary.Format().c_str(),
        static_cast<long long>(read.lines_read), static_cast<long long>(read.malformed_lines),
        static_cast<long long>(read.skipped_lines), static_cast<long long>(read.jobs));
    if (read.malformed_lines > 0) {
      spdlog::error("{} malformed line(s) would be skipped (each is reported above)",
                    read.malformed_lines);
      return kExitBackfillDataErrors;
    }
    return 0;
  }

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
  if (counts->malformed_lines > 0 || counts->rejected > 0) {
    // A run that skipped lines or records must not look like a clean one (a wrong format makes
    // every line malformed): the rest is stored, the exit code says something was left out.
    spdlog::error(
        "backfill finished with {} malformed line(s) and {} rejected record(s), each "
        "reported above; everything else is stored",
        counts->malformed_lines, counts->rejected);
    return kExitBackfillDataErrors;
  }
  return 0;
}

}  // namespace ramette::agent
