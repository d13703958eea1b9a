// A UsageSource that forwards to another one and adds up the time spent in each kind of call,
// for the benchmarks' breakdowns.
#ifndef RAMETTE_BENCH_TIMED_USAGE_SOURCE_H_
#define RAMETTE_BENCH_TIMED_USAGE_SOURCE_H_

#include <chrono>
#include <cstdio>
#include <string>
#include <type_traits>

#include "aggregator/store/usage_source.h"

namespace ramette::bench {

class TimedUsageSource : public aggregator::store::UsageSource {
 public:
  explicit TimedUsageSource(aggregator::store::UsageSource* inner) : inner_(inner) {}

  Result<aggregator::model::Inventory> LoadInventory() override {
    return Timed(&inventory_, [&] { return inner_->LoadInventory(); });
  }
  Result<std::unordered_map<int64_t, std::string>> LoadUserNames() override {
    return Timed(&users_, [&] { return inner_->LoadUserNames(); });
  }
  Status ForEachMonthlyRow(
      int32_t first_month, int32_t last_month,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    return Timed(&monthly_, [&] {
      return inner_->ForEachMonthlyRow(first_month, last_month, [&](const auto& r) {
        ++monthly_.rows;
        fn(r);
      });
    });
  }
  Status ForEachDailyRow(
      int64_t user_id, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    return Timed(&daily_user_, [&] {
      return inner_->ForEachDailyRow(user_id, first_day, last_day, [&](const auto& r) {
        ++daily_user_.rows;
        fn(r);
      });
    });
  }
  Status ForEachDailyRowOfDevice(
      int64_t device_id, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    return Timed(&daily_device_, [&] {
      return inner_->ForEachDailyRowOfDevice(device_id, first_day, last_day, [&](const auto& r) {
        ++daily_device_.rows;
        fn(r);
      });
    });
  }

  Status ForEachLargeJob(
      int64_t min_sheets, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::LargeJob&)>& fn) override {
    return Timed(&large_, [&] {
      return inner_->ForEachLargeJob(min_sheets, first_day, last_day, [&](const auto& j) {
        ++large_.rows;
        fn(j);
      });
    });
  }

  Result<std::vector<aggregator::model::MeterReading>> LoadMeterReadings() override {
    return inner_->LoadMeterReadings();
  }
  Result<std::vector<aggregator::model::Purchase>> LoadPurchases(Day first_day,
                                                                 Day last_day) override {
    auto rows = Timed(&purchases_, [&] { return inner_->LoadPurchases(first_day, last_day); });
    if (rows.ok()) purchases_.rows += static_cast<int64_t>(rows->size());
    return rows;
  }
  Result<std::vector<aggregator::model::MeterCounters>> LoadMeterCounters(Day start,
                                                                          Day end) override {
    return Timed(&meters_, [&] { return inner_->LoadMeterCounters(start, end); });
  }

  // One line per kind of call: calls, rows, milliseconds (the callbacks' time included).
  std::string Breakdown() const {
    std::string out;
    for (const auto& [name, k] : {std::pair<const char*, const Kind*>{"LoadInventory", &inventory_},
                                  {"LoadUserNames", &users_},
                                  {"ForEachMonthlyRow", &monthly_},
                                  {"ForEachDailyRow (user)", &daily_user_},
                                  {"ForEachDailyRowOfDevice", &daily_device_},
                                  {"ForEachLargeJob", &large_},
                                  {"LoadPurchases", &purchases_},
                                  {"LoadMeterCounters", &meters_}}) {
      char line[160];
      std::snprintf(line, sizeof line, "    %-24s %5lld calls %8lld rows %8.1f ms\n", name,
                    static_cast<long long>(k->calls), static_cast<long long>(k->rows), k->ms);
      out += line;
    }
    return out;
  }

 private:
  struct Kind {
    int64_t calls = 0;
    int64_t rows = 0;
    double ms = 0;
  };
  template <typename F>
  std::invoke_result_t<F> Timed(Kind* k, F f) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = f();
    ++k->calls;
    k->ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

  aggregator::store::UsageSource* inner_;
  Kind inventory_, users_, monthly_, daily_user_, daily_device_, large_, purchases_, meters_;
};

}  // namespace ramette::bench

#endif  // RAMETTE_BENCH_TIMED_USAGE_SOURCE_H_
