// Backfill end to end: a page_log of N lines (default 500,000) read, parsed, batched and sent
// over gRPC on 127.0.0.1 to the real ingest service and SQLite store running in this process.
// Prints lines/s. Usage: backfill_bench [lines=500000] [in_flight=2] [batch_records=4000]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/backfill/backfill.h"
#include "agent/backfill/page_log_reader.h"
#include "agent/uplink/grpc_uplink.h"
#include "aggregator/ingest/grpc_ingest_service.h"
#include "aggregator/store/sqlite_store.h"

using namespace ramette;
using Clock = std::chrono::steady_clock;

// CPU seconds (user + system) used by this process so far, all threads.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char** argv) {
  const int lines = argc > 1 ? std::atoi(argv[1]) : 500000;
  char tmpl[] = "/tmp/ramette-backfill-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  {
    std::ofstream out(dir + "/page_log");
    // A year of an office's printing in log order: times grow with the CUPS job ids, as they
    // do in a real page_log; 3,000 users on 30 queues, most users printing less than once a day.
    const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < lines; ++i) {
      const int64_t t = static_cast<int64_t>(i) * (365LL * 86400) / lines;  // seconds into 2017
      int day_of_year = static_cast<int>(t / 86400);
      int m = 0;
      while (day_of_year >= days_in[m]) day_of_year -= days_in[m++];
      const int d = day_of_year + 1;
      const int s = static_cast<int>(t % 86400);
      char line[512];
      std::snprintf(line, sizeof line,
                    "queue-%d user%d %d [%02d/%s/2017:%02d:%02d:%02d +0100] total %d - "
                    "pc-%d.example.org Rapport mensuel %d.pdf iso_a4_210x297mm %s\n",
                    i % 30, i % 3000, i + 1, d, months[m], s / 3600, (s / 60) % 60, s % 60,
                    1 + i % 17, i % 3000, i, (i % 3) ? "two-sided-long-edge" : "one-sided");
      out << line;
    }
  }
  auto tz = *TimeZone::Load("Europe/Paris");
  auto store = aggregator::SqliteStore::Open(dir + "/ramette.db");
  if (!store.ok()) return 1;
  (*store)->EnsureTimeZone(tz);
  aggregator::IngestProcessor processor(store->get(),
                                        aggregator::IngestOptions{tz, false, nullptr});
  auto server = aggregator::StartIngestServer("127.0.0.1:0", &processor);
  if (!server.ok()) return 1;

  // The reading phase alone (parse and assemble), for the breakdown.
  double read_secs = 0;
  {
    agent::PageLogReader alone({dir + "/page_log"});
    auto r0 = Clock::now();
    Status st = alone.ReadAll([](std::vector<JobRecord>&&) { return Status::Ok(); });
    read_secs = std::chrono::duration<double>(Clock::now() - r0).count();
    if (!st.ok()) return 1;
  }
  agent::GrpcUplink uplink({"127.0.0.1:" + std::to_string(server->port), 10000, "bench", {}});
  agent::PageLogReader reader({dir + "/page_log"});
  auto t0 = Clock::now();
  const double cpu0 = CpuSeconds();
  agent::BackfillOptions options;
  options.max_in_flight = argc > 2 ? std::atoi(argv[2]) : 2;  // the command uses 2
  // Batches as the command sends them, or of argv[3] records.
  options.max_batch_records = argc > 3 ? std::atoi(argv[3]) : agent::kBulkBatchRecords;
  options.max_batch_bytes = std::max(agent::kBulkBatchBytes, options.max_batch_records * 512);
  auto counts = agent::RunBackfill(reader, uplink, "prn-bench", options);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  if (!counts.ok()) {
    std::fprintf(stderr, "%s\n", counts.status().message().c_str());
    return 1;
  }
  std::printf("%s\n", agent::FormatBackfillCounts(*counts).c_str());
  std::printf(
      "backfill end to end (file -> parse -> gRPC -> store): %d lines in %.2f s = %.0f "
      "lines/s (target >= 100000)\n",
      lines, secs, lines / secs);
  std::printf("  CPU used (both sides, all threads): %.2f s = %.2f us per line (%.2f cores busy)\n",
              cpu, cpu / lines * 1e6, cpu / secs);
  std::printf("  of which reading and parsing alone: %.2f s (%.0f lines/s)\n", read_secs,
              lines / read_secs);
  server->server->Shutdown();
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
