// SQLite backfill end to end against a naive Python script, in the same run on the same page_log.
// The page_log (N lines, default 500,000) is read, parsed, batched and sent over gRPC on
// 127.0.0.1 to the real ingest service and SQLite store running in this process (agent ->
// gRPC -> aggregator -> SQLite, durable commit before each answer); bench/naive_backfill.py
// parses the same file and inserts it with one executemany and one commit. Rounds alternate the
// two (Python first), each into a fresh database; prints each round's rates and the ratios
// (target >= 0.8).
// The machine may be shared: each side's CPU time per line is printed too (ramette's counts
// both the agent and the aggregator sides), a figure the load does not change much.
// Usage: backfill_bench [lines=500000] [rounds=3] [in_flight=2] [batch_records=4000] [python3]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/backfill/backfill.h"
#include "agent/backfill/page_log_reader.h"
#include "agent/uplink/grpc_uplink.h"
#include "aggregator/ingest/grpc_ingest_service.h"
#include "aggregator/store/sqlite_store.h"

using namespace ramette;
using Clock = std::chrono::steady_clock;

namespace {

// CPU seconds (user + system) used by this process so far, all threads.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A year of an office's printing in log order: times grow with the CUPS job ids, as they do in a
// real page_log; 3,000 users on 30 queues, most users printing less than once a day.
void WritePageLog(const std::string& path, int lines) {
  std::ofstream out(path);
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

struct Options {
  int in_flight = 2;
  size_t batch_records = agent::kBulkBatchRecords;
};

struct Rate {
  double lines_per_second = -1;  // -1: the run failed
  double cpu_us_per_line = 0;
};

// The whole chain into the new database `db`.
Rate RunRamette(const std::string& page_log, const std::string& db, int lines, const Options& o) {
  auto tz = *TimeZone::Load("Europe/Paris");
  auto store = aggregator::store::SqliteStore::Open(db);
  if (!store.ok() || !(*store)->EnsureTimeZone(tz).ok()) return {};
  aggregator::ingest::IngestProcessor processor(
      store->get(), aggregator::ingest::IngestOptions{tz, false, nullptr});
  auto server = aggregator::ingest::StartIngestServer("127.0.0.1:0", &processor);
  if (!server.ok()) return {};
  agent::GrpcUplink uplink({"127.0.0.1:" + std::to_string(server->port), 10000, "bench", {}});
  agent::PageLogReader reader({page_log});
  agent::BackfillOptions options;
  options.max_in_flight = o.in_flight;
  options.max_batch_records = o.batch_records;
  options.max_batch_bytes = std::max(agent::kBulkBatchBytes, o.batch_records * 512);
  const auto t0 = Clock::now();
  const double cpu0 = CpuSeconds();
  auto counts = agent::RunBackfill(reader, uplink, "prn-bench", options);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  server->server->Shutdown();
  if (!counts.ok()) {
    std::fprintf(stderr, "%s\n", counts.status().message().c_str());
    return {};
  }
  if (counts->accepted != lines) {
    std::fprintf(stderr, "%s\n", agent::FormatBackfillCounts(*counts).c_str());
    return {};
  }
  std::printf(
      "  ramette  (file -> parse -> gRPC -> aggregator -> SQLite): %d lines in %.2f s ="
      " %.0f lines/s; CPU %.2f us/line (%.2f cores busy)\n",
      lines, secs, lines / secs, cpu / lines * 1e6, cpu / secs);
  return {lines / secs, cpu / lines * 1e6};
}

// bench/naive_backfill.py on the same file.
Rate RunPython(const std::string& python, const std::string& page_log, const std::string& db) {
  const std::string cmd =
      python + " " + RAMETTE_BENCH_DIR "/naive_backfill.py " + db + " " + page_log;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {};
  char buf[256] = {};
  std::string out;
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (pclose(p) != 0) return {};
  // "naive_backfill: N lines in S s, CPU C us/line = R lines/s"
  const size_t eq = out.rfind("= ");
  const size_t cpu = out.find("CPU ");
  if (eq == std::string::npos || cpu == std::string::npos) return {};
  std::printf("  python   (%s): %s", python.c_str(), out.c_str() + out.find(':') + 2);
  return {std::atof(out.c_str() + eq + 2), std::atof(out.c_str() + cpu + 4)};
}

}  // namespace

int main(int argc, char** argv) {
  const int lines = argc > 1 ? std::atoi(argv[1]) : 500000;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  Options o;
  if (argc > 3) o.in_flight = std::atoi(argv[3]);  // the command uses 2
  if (argc > 4) o.batch_records = static_cast<size_t>(std::atoi(argv[4]));
  const std::string python = argc > 5 ? argv[5] : "python3";
  char tmpl[] = "/tmp/ramette-backfill-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string page_log = dir + "/page_log";
  WritePageLog(page_log, lines);

  // The reading phase alone (parse and assemble), for the breakdown.
  {
    agent::PageLogReader alone({page_log});
    const auto r0 = Clock::now();
    Status st = alone.ReadAll([](std::vector<JobRecord>&&) { return Status::Ok(); });
    const double secs = std::chrono::duration<double>(Clock::now() - r0).count();
    if (!st.ok()) return 1;
    std::printf(
        "page_log of %d lines; ramette's reading and parsing alone: %.2f s (%.0f lines/s)\n", lines,
        secs, lines / secs);
  }
  std::vector<double> ratios, ramette_cpu, python_cpu;
  double best_ramette = 0, best_python = 0;
  for (int round = 1; round <= rounds; ++round) {
    std::printf("round %d:\n", round);
    const Rate py = RunPython(python, page_log, dir + "/naive-" + std::to_string(round) + ".db");
    const Rate rm =
        RunRamette(page_log, dir + "/ramette-" + std::to_string(round) + ".db", lines, o);
    if (py.lines_per_second <= 0 || rm.lines_per_second <= 0) {
      std::fprintf(stderr, "round %d failed\n", round);
      std::filesystem::remove_all(dir);
      return 1;
    }
    ratios.push_back(rm.lines_per_second / py.lines_per_second);
    ramette_cpu.push_back(rm.cpu_us_per_line);
    python_cpu.push_back(py.cpu_us_per_line);
    best_ramette = std::max(best_ramette, rm.lines_per_second);
    best_python = std::max(best_python, py.lines_per_second);
    std::printf("  ratio ramette / python: %.2f\n", ratios.back());
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().filename() != "page_log") std::filesystem::remove(e.path());
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf(
      "backfill end to end vs naive Python, %d lines, %d rounds: ramette best %.0f lines/s,"
      " python best %.0f lines/s, ratio of bests %.2f, median round ratio %.2f (target >= 0.8);"
      " median CPU per line: ramette %.2f us (agent + aggregator), python %.2f us\n",
      lines, rounds, best_ramette, best_python, best_ramette / best_python, median(ratios),
      median(ramette_cpu), median(python_cpu));
  std::filesystem::remove_all(dir);
  return 0;
}
