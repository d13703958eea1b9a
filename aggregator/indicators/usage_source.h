// What the indicator and report computations read, as an interface: the SQLite store
// implements it, tests use tests/fakes/fake_usage_source.h.
#ifndef RAMETTE_AGGREGATOR_INDICATORS_USAGE_SOURCE_H_
#define RAMETTE_AGGREGATOR_INDICATORS_USAGE_SOURCE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "aggregator/model/inventory.h"
#include "aggregator/model/rollup.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator {

class UsageSource {
 public:
  virtual ~UsageSource() = default;

  // All reference data; devices carry their store ids (RollupRow::device_id). A classified
  // queue has one Device entry per service period (same id); an unclassified one has one entry.
  virtual Result<Inventory> LoadInventory() = 0;
  // Store id -> user name for every user seen in a job (the empty name included).
  virtual Result<std::unordered_map<int64_t, std::string>> LoadUserNames() = 0;
  // Calls `fn` for every monthly rollup row with first_month <= period <= last_month
  // (MonthIndex values).
  virtual Status ForEachMonthlyRow(int32_t first_month, int32_t last_month,
                                   const std::function<void(const RollupRow&)>& fn) = 0;
  // Calls `fn` for every daily rollup row of `user_id` with first_day <= period <= last_day.
  virtual Status ForEachDailyRow(int64_t user_id, Day first_day, Day last_day,
                                 const std::function<void(const RollupRow&)>& fn) = 0;
  // Calls `fn` for every daily rollup row of `device_id` (all users) with
  // first_day <= period <= last_day. Used for the months in which a device's service period,
  // and so possibly its paper stock, class or direction, changes.
  virtual Status ForEachDailyRowOfDevice(int64_t device_id, Day first_day, Day last_day,
                                         const std::function<void(const RollupRow&)>& fn) = 0;
};

}  // namespace ramette::aggregator

#endif  // RAMETTE_AGGREGATOR_INDICATORS_USAGE_SOURCE_H_
