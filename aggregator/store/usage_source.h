// What the indicator and report computations read, as an interface of the store contract:
// every engine (SQLite, PostgreSQL) implements it, tests use tests/fakes/fake_usage_source.h or
// tests/fakes/fake_store.h.
#ifndef RAMETTE_AGGREGATOR_STORE_USAGE_SOURCE_H_
#define RAMETTE_AGGREGATOR_STORE_USAGE_SOURCE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "aggregator/model/inventory.h"
#include "aggregator/model/rollup.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::store {

// Thread-safety: every method may be called from any thread; calls are serialised per
// connection. Not re-entrant: `fn` must not call back into the same store. Readers never write:
// a reader sees every stored job (jobs not yet folded into the rollups are added at read time)
// and works on a database it may not write.
// Errors: IoError (the database failed), Unavailable (it stayed locked or unreachable; retry),
// Corruption (the data is not what ramette writes), FailedPrecondition (schema too old or too
// new). On error `fn` may have been called for part of the rows: discard them.
class UsageSource {
 public:
  virtual ~UsageSource() = default;

  // All reference data; devices carry their store ids (RollupRow::device_id). A classified
  // queue has one Device entry per service period (same id); an unclassified one has one entry.
  virtual Result<model::Inventory> LoadInventory() = 0;
  // Store id -> user name for every user seen in a job (the empty name included).
  virtual Result<std::unordered_map<int64_t, std::string>> LoadUserNames() = 0;
  // Calls `fn` for every monthly rollup row with first_month <= period <= last_month
  // (MonthIndex values).
  virtual Status ForEachMonthlyRow(int32_t first_month, int32_t last_month,
                                   const std::function<void(const model::RollupRow&)>& fn) = 0;
  // Calls `fn` for every daily rollup row of `user_id` with first_day <= period <= last_day.
  virtual Status ForEachDailyRow(int64_t user_id, Day first_day, Day last_day,
                                 const std::function<void(const model::RollupRow&)>& fn) = 0;
  // Calls `fn` for every daily rollup row of `device_id` (all users) with
  // first_day <= period <= last_day. Used for the months in which a device's service period,
  // and so possibly its paper stock, class or direction, changes.
  virtual Status ForEachDailyRowOfDevice(
      int64_t device_id, Day first_day, Day last_day,
      const std::function<void(const model::RollupRow&)>& fn) = 0;
  // Calls `fn` for every stored job of at least `min_sheets` sheets whose local day lies in
  // [first_day, last_day], in no particular order. InvalidArgument when min_sheets is below
  // kLargeJobMinSheets (engines index the jobs from that size up, so that this reads only them).
  virtual Status ForEachLargeJob(int64_t min_sheets, Day first_day, Day last_day,
                                 const std::function<void(const model::LargeJob&)>& fn) = 0;
  // Purchases (schema v11): every stored purchase dated in [first_day, last_day], by date, then
  // in import order (InventoryStore::ReplacePurchases keeps a file's row order).
  virtual Result<std::vector<model::Purchase>> LoadPurchases(Day first_day, Day last_day) = 0;
  // Meter readings (schema v11; counters from v14). Every stored reading with its counter,
  // sorted by (server, queue, date): the import's counter check and recount read them.
  virtual Result<std::vector<model::MeterReading>> LoadMeterReadings() = 0;
  // For every device with a reading dated on or before `end`, its counters at both ends of
  // [start, end] (model::MeterCounters), sorted by (server, queue). Reads two readings per
  // device, however many are stored.
  virtual Result<std::vector<model::MeterCounters>> LoadMeterCounters(Day start, Day end) = 0;
};

// The smallest threshold ForEachLargeJob accepts ([indicators] large_job_sheets).
inline constexpr int64_t kLargeJobMinSheets = 100;
// Its default.
inline constexpr int64_t kDefaultLargeJobSheets = 500;

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_USAGE_SOURCE_H_
