// The 10-million-job store of the indicator benchmarks: three years (2016-2018) of jobs from
// 3,000 users on 300 queues of 10 servers, 12 directions, an effective-dated directory in which
// 5 % of the users change direction mid-month, devices with service periods that end or begin
// in a year, workstation counts. Built once into a SQLite file through the engine's ingest path
// (CommitJobs, then a fold); bench/postgres_indicators_bench copies it into PostgreSQL.
#ifndef RAMETTE_BENCH_INDICATORS_DATA_H_
#define RAMETTE_BENCH_INDICATORS_DATA_H_

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/store/open_store.h"
#include "aggregator/store/sqlite_store.h"
#include "bench/bench_data.h"
#include "bench/timed_usage_source.h"

namespace ramette::bench {

inline constexpr int64_t kStart = 1451606400;  // 2016-01-01T00:00:00Z
inline constexpr int kYears = 3;               // 2016, 2017, 2018
inline constexpr int kDirections = 12;

inline std::string Direction(int d) { return "DIR-" + std::to_string(d); }

// Builds the store into the new SQLite file `path`; returns 0 or 1 (message on stderr).
inline int BuildIndicatorsStore(const std::string& path, int64_t total) {
  using namespace ramette::aggregator;
  using Clock = std::chrono::steady_clock;
  auto store = store::SqliteStore::Open(path);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  auto tz = *TimeZone::Load("Europe/Paris");
  auto failed = [](const Status& st) {
    if (st.ok()) return false;
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return true;
  };
  if (failed((*store)->EnsureTimeZone(tz))) return 1;
  Org org;

  std::vector<model::Paper> papers = {
      {"std80", false, 80}, {"rec80", true, 80}, {"shop90", false, 90}};
  if (failed((*store)->UpsertPapers(papers))) return 1;
  std::vector<model::Device> devices;
  for (int s = 0; s < org.servers; ++s) {
    for (int q = 0; q < org.queues_per_server; ++q) {
      model::Device d;
      d.server = ServerName(s);
      d.queue = QueueName(q);
      d.device_class =
          q == 0 ? model::DeviceClass::kPrintShop
                 : (q % 3 == 0 ? model::DeviceClass::kMfp : model::DeviceClass::kDesktopPrinter);
      d.direction = Direction((s * 31 + q) % kDirections);
      d.paper_id = q == 0 ? "shop90" : (q % 4 == 0 ? "rec80" : "std80");
      d.in_service = DaysFromCivil(2014 + q % 4, 1 + q % 12, 1);
      if (q % 7 == 0) d.out_of_service = DaysFromCivil(2017, 12, 31);
      devices.push_back(d);
    }
  }
  if (failed((*store)->UpsertDevices(devices))) return 1;
  std::vector<model::UserDirection> users;
  for (int u = 0; u < org.users; ++u) {
    int d = u % kDirections;
    if (u % 20 == 0) {  // changes direction on the 15th of a month
      Day change = DaysFromCivil(2016 + u % 3, 1 + u % 12, 15);
      users.push_back({UserName(u), Direction(d), std::nullopt, change});
      users.push_back({UserName(u), Direction((d + 1) % kDirections), change, std::nullopt});
    } else if (u % 50 != 1) {  // 2 % unknown to the directory
      users.push_back({UserName(u), Direction(d), std::nullopt, std::nullopt});
    }
  }
  if (failed((*store)->ReplaceUserDirections(users))) return 1;
  std::vector<model::WorkstationCount> ws;
  for (int y = 2015; y <= 2018; ++y) {
    for (int d = 0; d < kDirections; ++d) {
      ws.push_back({Direction(d), DaysFromCivil(y, 6, 30), 250 + d * 10 - (y - 2015) * 5});
    }
  }
  if (failed((*store)->UpsertWorkstations(ws))) return 1;

  ingest::IngestProcessor deriver(store->get(), ingest::IngestOptions{tz, false, nullptr});
  JobGenerator gen(org, 99);
  const int kBatch = 500;
  int64_t per_server = total / org.servers;
  int64_t spacing = (int64_t{kYears} * 365 * 86400) / per_server;
  std::vector<int32_t> next_id(org.servers, 1);
  std::vector<int64_t> clock(org.servers, kStart);
  auto t0 = Clock::now();
  for (int64_t done = 0; done < total; done += kBatch) {
    int s = static_cast<int>((done / kBatch) % org.servers);
    auto jobs = gen.Batch(s, next_id[s], clock[s], spacing, kBatch);
    next_id[s] += kBatch;
    clock[s] += spacing * kBatch;
    std::vector<model::StoredJob> derived;
    derived.reserve(jobs.size());
    for (auto& j : jobs) derived.push_back(deriver.Derive(std::move(j)));
    auto r = (*store)->CommitJobs(ServerName(s), "bench", derived, {});
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().message().c_str());
      return 1;
    }
    if ((done / kBatch) % 2000 == 0) {
      std::fprintf(stderr, "  %lld jobs stored (%.0f s)\n", static_cast<long long>(done),
                   std::chrono::duration<double>(Clock::now() - t0).count());
    }
  }
  // As the aggregator does when idle: the rollups then hold every job.
  if (failed((*store)->FoldRollups())) return 1;
  std::fprintf(stderr, "built %s: %lld jobs in %.0f s\n", path.c_str(),
               static_cast<long long>(*(*store)->CountJobs()),
               std::chrono::duration<double>(Clock::now() - t0).count());
  return 0;
}

// The store at `path`, built (into path + ".part", then renamed, so that an interrupted build
// is not reused) unless the file exists. Returns 0 or 1.
inline int EnsureIndicatorsStore(const std::string& path, int64_t total) {
  if (std::FILE* f = std::fopen(path.c_str(), "r")) {
    std::fclose(f);
    return 0;
  }
  std::fprintf(stderr, "building %s with %lld jobs (once; later runs reuse it)\n", path.c_str(),
               static_cast<long long>(total));
  const std::string part = path + ".part";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((part + suffix).c_str());
  if (int rc = BuildIndicatorsStore(part, total); rc != 0) return rc;
  return std::rename(part.c_str(), path.c_str()) == 0 ? 0 : 1;
}

// CPU seconds (user + system) used by this process so far.
inline double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// What `ramette indicators --db DB --year 2018` does, `runs` times, each with a fresh
// connection: open, compute, format the table. Then one more run through a TimedUsageSource
// for the breakdown.
struct IndicatorTimings {
  std::vector<double> wall_ms;  // sorted
  double cpu_ms_per_run = 0;    // this process's CPU (the PostgreSQL server's not included)
  std::string table;
  std::string json;
  std::string breakdown;
};

inline bool TimeIndicators(const std::string& db, int runs, IndicatorTimings* t) {
  using namespace ramette::aggregator;
  using Clock = std::chrono::steady_clock;
  const double cpu0 = ProcessCpuSeconds();
  for (int run = 0; run < runs; ++run) {
    const auto t0 = Clock::now();
    auto store = store::OpenStore(db, store::OpenMode::kExisting);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return false;
    }
    auto report = indicators::ComputeIndicators((*store)->usage(), 2018);
    if (!report.ok()) {
      std::fprintf(stderr, "%s\n", report.status().ToString().c_str());
      return false;
    }
    t->table = indicators::FormatIndicatorsTable(*report);
    t->wall_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (run == runs - 1) t->json = indicators::FormatIndicatorsJson(*report);
  }
  t->cpu_ms_per_run = (ProcessCpuSeconds() - cpu0) * 1000 / runs;
  std::sort(t->wall_ms.begin(), t->wall_ms.end());
  auto store = store::OpenStore(db, store::OpenMode::kExisting);
  if (!store.ok()) return false;
  TimedUsageSource timed(&(*store)->usage());
  if (!indicators::ComputeIndicators(timed, 2018).ok()) return false;
  t->breakdown = timed.Breakdown();
  return true;
}

}  // namespace ramette::bench

#endif  // RAMETTE_BENCH_INDICATORS_DATA_H_
