// `ramette indicators --year N` speed with 10 million jobs stored: builds (or reuses) a database
// of three years of jobs from 3,000 users on 300 queues, with an effective-dated directory in
// which 5 % of the users change direction mid-month, then times the organisation-and-all-
// directions computation (open, compute, format) several times.
// Usage: indicators_bench [db_path=/tmp/ramette-bench-10m.db] [jobs=10000000]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/store/sqlite_store.h"
#include "bench/bench_data.h"

using namespace ramette;
using namespace ramette::aggregator;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kStart = 1451606400;  // 2016-01-01T00:00:00Z
constexpr int kYears = 3;               // 2016, 2017, 2018
constexpr int kDirections = 12;

std::string Direction(int d) { return "DIR-" + std::to_string(d); }

int Build(const std::string& path, int64_t total) {
  auto store = SqliteStore::Open(path);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  auto tz = *TimeZone::Load("Europe/Paris");
  (*store)->EnsureTimeZone(tz);
  bench::Org org;
  std::mt19937 rng(7);

  std::vector<Paper> papers = {{"std80", false, 80}, {"rec80", true, 80}, {"shop90", false, 90}};
  (*store)->UpsertPapers(papers);
  std::vector<Device> devices;
  for (int s = 0; s < org.servers; ++s) {
    for (int q = 0; q < org.queues_per_server; ++q) {
      Device d;
      d.server = bench::ServerName(s);
      d.queue = bench::QueueName(q);
      d.device_class = q == 0 ? DeviceClass::kPrintShop
                              : (q % 3 == 0 ? DeviceClass::kMfp : DeviceClass::kDesktopPrinter);
      d.direction = Direction((s * 31 + q) % kDirections);
      d.paper_id = q == 0 ? "shop90" : (q % 4 == 0 ? "rec80" : "std80");
      d.in_service = DaysFromCivil(2014 + q % 4, 1 + q % 12, 1);
      if (q % 7 == 0) d.out_of_service = DaysFromCivil(2017, 12, 31);
      devices.push_back(d);
    }
  }
  (*store)->UpsertDevices(devices);
  std::vector<UserDirection> users;
  for (int u = 0; u < org.users; ++u) {
    int d = u % kDirections;
    if (u % 20 == 0) {  // changes direction on the 15th of a month
      Day change = DaysFromCivil(2016 + u % 3, 1 + u % 12, 15);
      users.push_back({bench::UserName(u), Direction(d), std::nullopt, change});
      users.push_back({bench::UserName(u), Direction((d + 1) % kDirections), change, std::nullopt});
    } else if (u % 50 != 1) {  // 2 % unknown to the directory
      users.push_back({bench::UserName(u), Direction(d), std::nullopt, std::nullopt});
    }
  }
  (*store)->ReplaceUserDirections(users);
  std::vector<WorkstationCount> ws;
  for (int y = 2015; y <= 2018; ++y) {
    for (int d = 0; d < kDirections; ++d) {
      ws.push_back({Direction(d), DaysFromCivil(y, 6, 30), 250 + d * 10 - (y - 2015) * 5});
    }
  }
  (*store)->UpsertWorkstations(ws);

  IngestProcessor deriver(store->get(), IngestOptions{tz, false, nullptr});
  bench::JobGenerator gen(org, 99);
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
    std::vector<StoredJob> derived;
    derived.reserve(jobs.size());
    for (auto& j : jobs) derived.push_back(deriver.Derive(std::move(j)));
    auto r = (*store)->CommitJobs(bench::ServerName(s), "bench", derived, {});
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().message().c_str());
      return 1;
    }
    if ((done / kBatch) % 2000 == 0) {
      std::fprintf(stderr, "  %lld jobs stored (%.0f s)\n", static_cast<long long>(done),
                   std::chrono::duration<double>(Clock::now() - t0).count());
    }
  }
  std::fprintf(stderr, "built %s: %lld jobs\n", path.c_str(),
               static_cast<long long>(*(*store)->CountJobs()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : "/tmp/ramette-bench-10m.db";
  int64_t total = argc > 2 ? std::atoll(argv[2]) : 10000000;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "building %s (once; later runs reuse it)\n", path.c_str());
    if (int rc = Build(path, total); rc != 0) return rc;
  }
  std::vector<double> ms;
  std::string out;
  for (int run = 0; run < 7; ++run) {
    auto t0 = Clock::now();
    auto store = SqliteStore::Open(path);
    if (!store.ok()) return 1;
    auto report = ComputeIndicators(**store, 2018);
    if (!report.ok()) {
      std::fprintf(stderr, "%s\n", report.status().message().c_str());
      return 1;
    }
    out = FormatIndicatorsTable(*report);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  auto store = SqliteStore::Open(path);
  std::printf("%s", out.c_str());
  std::sort(ms.begin(), ms.end());
  std::printf("jobs stored: %lld\n", static_cast<long long>(*(*store)->CountJobs()));
  std::printf(
      "indicators --year 2018 (open + compute + format, organisation and %d directions):"
      " min %.1f ms, median %.1f ms, max %.1f ms over %zu runs (target < 200 ms)\n",
      kDirections, ms.front(), ms[ms.size() / 2], ms.back(), ms.size());
  return 0;
}
