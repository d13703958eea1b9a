// An in-memory UsageSource for tests: reference data and jobs are added directly, and the
// daily and monthly rollup rows are built from the jobs the way the store builds them (sums
// per device, user, period and sheet area). Counts the calls so tests can see which path ran.
#ifndef RAMETTE_TESTS_FAKES_FAKE_USAGE_SOURCE_H_
#define RAMETTE_TESTS_FAKES_FAKE_USAGE_SOURCE_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aggregator/model/inventory.h"
#include "aggregator/model/rollup.h"
#include "aggregator/store/usage_source.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::testing {

// Sheet areas in µm².
inline constexpr int64_t kA4AreaUm2 = 210000LL * 297000LL;      // 62,370,000,000
inline constexpr int64_t kA3AreaUm2 = 297000LL * 420000LL;      // 2 x A4
inline constexpr int64_t kLetterAreaUm2 = 215900LL * 279400LL;  // 60,322,460,000

// One finished job as the store keeps it after ingest.
struct FakeJob {
  int64_t device_id = 0;
  std::string user;  // empty: unknown user
  Day day = 0;       // local completion date
  int64_t sheets = 0;
  int64_t area_um2 = kA4AreaUm2;
  int64_t impressions = -1;  // -1: the same as sheets
  bool two_sided = false;
  bool color = false;
  bool media_known = true;  // false: unknown media, counted as A4 by the caller's area
};

// Not thread-safe. Ids: devices get the id they are given (or the next free one), users get
// store ids in the order their names first appear in AddJob. A device id may have several
// rows (service periods, AddDevicePeriod), as the store returns them.
class FakeUsageSource : public aggregator::store::UsageSource {
 public:
  // A ForEachDailyRow call, as made.
  struct DailyCall {
    int64_t user_id;
    Day first_day;
    Day last_day;
  };
  // A ForEachDailyRowOfDevice call, as made.
  struct DeviceDailyCall {
    int64_t device_id;
    Day first_day;
    Day last_day;
  };

  // Adds a device and returns its id: `d.id` when non-zero, else the next free id.
  int64_t AddDevice(aggregator::model::Device d) {
    if (d.id == 0) d.id = next_device_id_;
    next_device_id_ = std::max(next_device_id_, d.id + 1);
    inventory_.devices.push_back(std::move(d));
    return inventory_.devices.back().id;
  }
  // Adds a service period (row) of the device `id` (non-zero): `d` with d.id = id, and, when
  // they are empty, server "srv" and queue "q<id>" as AddClassifiedDevice names them.
  void AddDevicePeriod(int64_t id, aggregator::model::Device d) {
    d.id = id;
    if (d.server.empty()) d.server = "srv";
    if (d.queue.empty()) d.queue = "q" + std::to_string(id);
    AddDevice(std::move(d));
  }
  // A classified row with these attributes, for AddDevicePeriod.
  static aggregator::model::Device Period(aggregator::model::DeviceClass c, std::string direction,
                                          std::string paper_id, std::optional<Day> in_service,
                                          std::optional<Day> out_of_service = std::nullopt) {
    aggregator::model::Device d;
    d.classified = true;
    d.device_class = c;
    d.direction = std::move(direction);
    d.paper_id = std::move(paper_id);
    d.in_service = in_service;
    d.out_of_service = out_of_service;
    return d;
  }
  // A classified device in service from `in_service` (no end) on `paper_id`.
  int64_t AddClassifiedDevice(aggregator::model::DeviceClass c, std::string direction,
                              std::string paper_id = "", std::optional<Day> in_service = 0,
                              std::optional<Day> out_of_service = std::nullopt, int64_t id = 0) {
    aggregator::model::Device d;
    d.id = id;
    d.server = "srv";
    d.queue = "q" + std::to_string(id != 0 ? id : next_device_id_);
    d.classified = true;
    d.device_class = c;
    d.direction = std::move(direction);
    d.paper_id = std::move(paper_id);
    d.in_service = in_service;
    d.out_of_service = out_of_service;
    return AddDevice(std::move(d));
  }
  void AddPaper(std::string paper_id, bool recycled, double grammage_gsm) {
    inventory_.papers.push_back(
        aggregator::model::Paper{std::move(paper_id), recycled, grammage_gsm});
  }
  void AddUserDirection(std::string user, std::string direction,
                        std::optional<Day> valid_from = std::nullopt,
                        std::optional<Day> valid_to = std::nullopt) {
    inventory_.users.push_back(aggregator::model::UserDirection{
        std::move(user), std::move(direction), valid_from, valid_to});
  }
  void AddWorkstations(std::string direction, Day date, int64_t count) {
    inventory_.workstations.push_back(
        aggregator::model::WorkstationCount{std::move(direction), date, count});
  }
  void AddJob(FakeJob job) {
    UserId(job.user);
    jobs_.push_back(std::move(job));
  }
  // The store id of a user name, registering it when new.
  int64_t UserId(const std::string& name) {
    auto [it, inserted] = user_ids_.emplace(name, next_user_id_);
    if (inserted) ++next_user_id_;
    return it->second;
  }

  aggregator::model::Inventory& inventory() { return inventory_; }
  // Meter readings as a file gives them (counters unset): LoadMeterCounters counts them as
  // `ramette import meters` does (model::CountedMeterReadings with the devices added here).
  std::vector<aggregator::model::MeterReading>& meter_readings() { return meter_readings_; }
  // Purchases in import order: LoadPurchases returns those of a period, by date.
  std::vector<aggregator::model::Purchase>& purchases() { return purchases_; }

  int monthly_calls() const { return monthly_calls_; }
  int daily_calls() const { return static_cast<int>(daily_call_log_.size()); }
  const std::vector<DailyCall>& daily_call_log() const { return daily_call_log_; }
  int device_daily_calls() const { return static_cast<int>(device_daily_call_log_.size()); }
  const std::vector<DeviceDailyCall>& device_daily_call_log() const {
    return device_daily_call_log_;
  }
  const std::vector<std::pair<int32_t, int32_t>>& monthly_call_log() const {
    return monthly_call_log_;
  }

  // Makes every later call of that method fail with `status` (an OK status clears it).
  void FailLoadInventory(Status s) { fail_inventory_ = std::move(s); }
  void FailLoadUserNames(Status s) { fail_user_names_ = std::move(s); }
  void FailMonthlyRows(Status s) { fail_monthly_ = std::move(s); }
  void FailDailyRows(Status s) { fail_daily_ = std::move(s); }
  void FailDeviceDailyRows(Status s) { fail_device_daily_ = std::move(s); }

  // UsageSource.
  Result<aggregator::model::Inventory> LoadInventory() override {
    if (!fail_inventory_.ok()) return fail_inventory_;
    aggregator::model::Inventory inv = inventory_;
    inv.has_meter_readings = !meter_readings_.empty();
    inv.has_purchases = !purchases_.empty();
    return inv;
  }
  Result<std::vector<aggregator::model::Purchase>> LoadPurchases(Day first_day,
                                                                 Day last_day) override {
    return aggregator::model::PurchasesDuring(purchases_, first_day, last_day);
  }
  Result<std::vector<aggregator::model::MeterReading>> LoadMeterReadings() override {
    return aggregator::model::CountedMeterReadings(meter_readings_, {}, inventory_.devices);
  }
  Result<std::vector<aggregator::model::MeterCounters>> LoadMeterCounters(Day start,
                                                                          Day end) override {
    return aggregator::model::MeterCountersOver(
        aggregator::model::CountedMeterReadings(meter_readings_, {}, inventory_.devices), start,
        end);
  }
  Result<std::unordered_map<int64_t, std::string>> LoadUserNames() override {
    if (!fail_user_names_.ok()) return fail_user_names_;
    std::unordered_map<int64_t, std::string> names;
    for (const auto& [name, id] : user_ids_) names[id] = name;
    return names;
  }
  Status ForEachMonthlyRow(
      int32_t first_month, int32_t last_month,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    ++monthly_calls_;
    monthly_call_log_.emplace_back(first_month, last_month);
    if (!fail_monthly_.ok()) return fail_monthly_;
    for (const auto& row : Rows(/*monthly=*/true)) {
      if (row.period >= first_month && row.period <= last_month) fn(row);
    }
    return Status::Ok();
  }
  Status ForEachDailyRow(
      int64_t user_id, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    daily_call_log_.push_back(DailyCall{user_id, first_day, last_day});
    if (!fail_daily_.ok()) return fail_daily_;
    for (const auto& row : Rows(/*monthly=*/false)) {
      if (row.user_id == user_id && row.period >= first_day && row.period <= last_day) fn(row);
    }
    return Status::Ok();
  }
  Status ForEachDailyRowOfDevice(
      int64_t device_id, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    device_daily_call_log_.push_back(DeviceDailyCall{device_id, first_day, last_day});
    if (!fail_device_daily_.ok()) return fail_device_daily_;
    for (const auto& row : Rows(/*monthly=*/false)) {
      if (row.device_id == device_id && row.period >= first_day && row.period <= last_day) {
        fn(row);
      }
    }
    return Status::Ok();
  }

  Status ForEachLargeJob(
      int64_t min_sheets, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::LargeJob&)>& fn) override {
    if (min_sheets < aggregator::store::kLargeJobMinSheets) {
      return Status::InvalidArgument("large jobs start at 100 sheets");
    }
    for (const FakeJob& j : jobs_) {
      if (j.sheets >= min_sheets && j.day >= first_day && j.day <= last_day) {
        fn(aggregator::model::LargeJob{j.device_id, user_ids_.at(j.user), j.day, j.sheets});
      }
    }
    return Status::Ok();
  }

 private:
  // The rollup rows, summed per (device, user, period, area) like the store's rollups.
  std::vector<aggregator::model::RollupRow> Rows(bool monthly) const {
    std::map<std::tuple<int64_t, int64_t, int32_t, int64_t>, aggregator::model::UsageSums> sums;
    for (const FakeJob& j : jobs_) {
      const int32_t period = monthly ? MonthIndexOfDay(j.day) : j.day;
      aggregator::model::UsageSums s;
      s.jobs = 1;
      s.sheets = j.sheets;
      s.impressions = j.impressions < 0 ? j.sheets : j.impressions;
      s.two_sided_sheets = j.two_sided ? j.sheets : 0;
      s.color_sheets = j.color ? j.sheets : 0;
      s.unknown_media_jobs = j.media_known ? 0 : 1;
      s.unknown_media_sheets = j.media_known ? 0 : j.sheets;
      sums[{j.device_id, user_ids_.at(j.user), period, j.area_um2}].Add(s);
    }
    std::vector<aggregator::model::RollupRow> rows;
    for (const auto& [key, s] : sums) {
      rows.push_back(aggregator::model::RollupRow{std::get<0>(key), std::get<1>(key),
                                                  std::get<2>(key), std::get<3>(key), s});
    }
    return rows;
  }

  aggregator::model::Inventory inventory_;
  std::vector<aggregator::model::Purchase> purchases_;
  std::vector<aggregator::model::MeterReading> meter_readings_;
  std::vector<FakeJob> jobs_;
  std::map<std::string, int64_t> user_ids_;
  int64_t next_device_id_ = 1;
  int64_t next_user_id_ = 1;
  int monthly_calls_ = 0;
  std::vector<std::pair<int32_t, int32_t>> monthly_call_log_;
  std::vector<DailyCall> daily_call_log_;
  std::vector<DeviceDailyCall> device_daily_call_log_;
  Status fail_inventory_;
  Status fail_user_names_;
  Status fail_monthly_;
  Status fail_daily_;
  Status fail_device_daily_;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_FAKES_FAKE_USAGE_SOURCE_H_
