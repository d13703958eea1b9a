// The computations the dashboard shows (indicators/ and reports/), kept for a while: a page
// over 10 million jobs computes several years of indicators and a monthly report, 100 to 300 ms
// each, too slow to redo for every request of every viewer. The figures are those of the core
// code, unchanged; only their age differs: at most `fresh_seconds` old when served from a fresh
// entry, and a request that finds an older entry gets it at once while one background refresh
// replaces it (stale-while-revalidate). A key nobody has asked for yet is computed by its first
// request, the others asking for it at the same time wait for that one computation. Errors are
// not kept. ramette-web warms the default pages at start (WebApp::WarmUp). The print servers'
// status (its job counts scan the jobs received this month) is kept the same way (Keep).
#ifndef RAMETTE_AGGREGATOR_WEB_PAGES_FIGURES_CACHE_H_
#define RAMETTE_AGGREGATOR_WEB_PAGES_FIGURES_CACHE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "aggregator/indicators/indicators.h"
#include "aggregator/indicators/usage_attribution.h"
#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/report_settings.h"
#include "aggregator/store/usage_source.h"
#include "common/status.h"

namespace ramette::aggregator::web {

// One year as the pages read it: the indicators and, from the same attribution pass, the
// organisation's usage of the year with its per-device sums and its users without a direction
// (indicators::ComputeIndicators with year_usage).
struct YearFigures {
  indicators::IndicatorReport report;
  indicators::ScopeUsage usage;
};

// The computations themselves, uncached (a page called without a cache, and the cache's misses).
Result<YearFigures> ComputeYearFigures(store::UsageSource& source, int year,
                                       const indicators::IndicatorOptions& options);

// Thread-safe. `fresh_seconds` 0 keeps nothing (every call computes). `clock`: unix seconds.
// At most `max_entries` keys are kept; beyond, the least recently used one is dropped.
class FiguresCache {
 public:
  FiguresCache(store::UsageSource* source, reports::ReportSettings settings, int64_t fresh_seconds,
               std::function<int64_t()> clock, size_t max_entries = 64);
  // Waits for a refresh under way, then stops the refresher.
  ~FiguresCache();
  FiguresCache(const FiguresCache&) = delete;
  FiguresCache& operator=(const FiguresCache&) = delete;

  Result<std::shared_ptr<const YearFigures>> Year(int year,
                                                  const indicators::IndicatorOptions& options);
  // reports::ComputeMonthlyReport with the settings given at construction.
  Result<std::shared_ptr<const reports::MonthlyReport>> Month(int year, int month);

  // Any other read kept the same way under `key`, which must name everything the result
  // depends on. `compute` may run later on the refresher thread: it must not refer to the
  // caller's locals.
  template <typename T>
  Result<std::shared_ptr<const T>> Keep(const std::string& key,
                                        std::function<Result<T>()> compute) {
    auto v = Get(key, [compute = std::move(compute)]() -> Result<Value> {
      Result<T> r = compute();
      if (!r.ok()) return r.status();
      return Value(std::make_shared<const T>(std::move(*r)));
    });
    if (!v.ok()) return v.status();
    return std::static_pointer_cast<const T>(*v);
  }

  const reports::ReportSettings& settings() const { return settings_; }
  // Computations made so far (misses and refreshes), for tests and the bench.
  int64_t computations() const;

 private:
  using Value = std::shared_ptr<const void>;
  using Compute = std::function<Result<Value>()>;
  struct Entry {
    Value value;                       // null until the first computation ends
    int64_t computed_at = 0;           // when `value` was computed
    int64_t last_used = 0;             // for eviction
    bool refreshing = false;           // a background refresh is queued or running
    std::shared_future<Status> first;  // the first computation, while it runs
  };
  Result<Value> Get(const std::string& key, const Compute& compute);
  void Refresher();
  void EvictLocked();

  store::UsageSource* source_;
  const reports::ReportSettings settings_;
  const int64_t fresh_seconds_;
  const std::function<int64_t()> clock_;
  const size_t max_entries_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, Entry> entries_;
  std::deque<std::pair<std::string, Compute>> refresh_queue_;
  bool stopping_ = false;
  int64_t computations_ = 0;
  std::thread refresher_;
};

}  // namespace ramette::aggregator::web

#endif  // RAMETTE_AGGREGATOR_WEB_PAGES_FIGURES_CACHE_H_
