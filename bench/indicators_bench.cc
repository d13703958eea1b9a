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

#include "aggregator/store/open_store.h"
#include "bench/indicators_data.h"

using namespace ramette;
using namespace ramette::aggregator;

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "/tmp/ramette-bench-10m.db";
  const int64_t total = argc > 2 ? std::atoll(argv[2]) : 10000000;
  const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 7;
  if (int rc = bench::EnsureIndicatorsStore(path, total); rc != 0) return rc;
  bench::IndicatorTimings t;
  if (!bench::TimeIndicators(path, runs, &t)) return 1;
  auto store = store::OpenStore(path, store::OpenMode::kExisting);
  if (!store.ok()) return 1;
  std::printf("%s", t.table.c_str());
  std::printf("jobs stored: %lld\n", static_cast<long long>(*(*store)->CountJobs()));
  std::printf("breakdown of one run (calls into the store, callbacks included):\n%s",
              t.breakdown.c_str());
  std::printf(
      "SQLite indicators --year 2018 (open + compute + format, organisation and %d directions):"
      " min %.1f ms, median %.1f ms, max %.1f ms over %zu runs, CPU %.1f ms per run"
      " (target < 200 ms)\n",
      bench::kDirections, t.wall_ms.front(), t.wall_ms[t.wall_ms.size() / 2], t.wall_ms.back(),
      t.wall_ms.size(), t.cpu_ms_per_run);
  return 0;
}
