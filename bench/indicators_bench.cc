// `ramette indicators --year 2018` speed over 10 million stored jobs on SQLite: builds (once) or
// reuses the store of bench/indicators_data.h, then times what the CLI does (open the store,
// compute the organisation and every direction, format the table) several times, each run with
// a fresh connection.
// Usage: indicators_bench [db_path=/tmp/ramette-bench-10m.db] [jobs=10000000] [runs=7]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/store/open_store.h"
#include "bench/indicators_data.h"

using namespace ramette;
using namespace ramette::aggregator;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "/tmp/ramette-bench-10m.db";
  const int64_t total = argc > 2 ? std::atoll(argv[2]) : 10000000;
  const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 7;
  if (int rc = bench::EnsureIndicatorsStore(path, total); rc != 0) return rc;
  std::vector<double> ms;
  std::string out;
  for (int run = 0; run < runs; ++run) {
    const auto t0 = Clock::now();
    auto store = OpenStore(path, OpenMode::kExisting);  // as `ramette indicators --db PATH`
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().message().c_str());
      return 1;
    }
    auto report = ComputeIndicators((*store)->usage(), 2018);
    if (!report.ok()) {
      std::fprintf(stderr, "%s\n", report.status().message().c_str());
      return 1;
    }
    out = FormatIndicatorsTable(*report);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  auto store = OpenStore(path, OpenMode::kExisting);
  if (!store.ok()) return 1;
  std::printf("%s", out.c_str());
  std::sort(ms.begin(), ms.end());
  std::printf("jobs stored: %lld\n", static_cast<long long>(*(*store)->CountJobs()));
  std::printf(
      "SQLite indicators --year 2018 (open + compute + format, organisation and %d directions):"
      " min %.1f ms, median %.1f ms, max %.1f ms over %zu runs (target < 200 ms)\n",
      bench::kDirections, ms.front(), ms[ms.size() / 2], ms.back(), ms.size());
  return 0;
}
