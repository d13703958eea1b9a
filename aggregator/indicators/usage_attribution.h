// Attribution of stored usage to directions (DESIGN.md "A job's direction"), with the paper
// mass of every scope computed from exact integer sums. Shared by the yearly indicators and the
// monthly report.
#ifndef RAMETTE_AGGREGATOR_INDICATORS_USAGE_ATTRIBUTION_H_
#define RAMETTE_AGGREGATOR_INDICATORS_USAGE_ATTRIBUTION_H_

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aggregator/model/inventory.h"
#include "aggregator/model/rollup.h"
#include "aggregator/store/usage_source.h"
#include "common/status.h"

namespace ramette::aggregator::indicators {

// Store user id -> user name, as UsageSource::LoadUserNames returns it ("" is the unknown user).
using UserNames = std::unordered_map<int64_t, std::string>;

// Number of DeviceClass values; ScopeUsage::by_class is indexed by static_cast<int>(class).
inline constexpr int kDeviceClassCount = 4;

// Usage of a set of devices: the rollup sums plus the paper mass of the stock loaded in each
// device (sheets x sheet area x grammage), in kilograms.
struct UsageFigures {
  model::UsageSums sums;
  double mass_kg = 0;
  double recycled_mass_kg = 0;  // the part printed on recycled stock
};

// One scope (the organisation or one direction) over one period. The totals are computed
// from exact integer sums, not by adding the per-class doubles.
struct ScopeUsage {
  // By the class the job's device counts as: unclassified and unknown devices count as kOther.
  std::array<UsageFigures, kDeviceClassCount> by_class;
  UsageFigures all_devices;
  UsageFigures excluding_print_shop;  // what I1 and I5 measure
  // Data quality: jobs on devices the inventory has not classified (or does not list at all),
  // and jobs whose user had no direction on the job's date (they fell back to the device's
  // direction or to `unassigned`). Unknown media is in the sums (unknown_media_jobs/sheets).
  int64_t jobs_on_unclassified_devices = 0;
  int64_t jobs_without_user_direction = 0;
  // Data quality: jobs on sheets larger than A0 (model::kA0AreaUm2), and their sheets.
  int64_t oversized_media_jobs = 0;
  int64_t oversized_media_sheets = 0;
  // Data quality, with AttributionOptions::large_job_sheets: jobs of at least that many sheets.
  int64_t large_jobs = 0;
  // Sums per device id, sorted by id, when AttributionOptions::by_device was set (else empty).
  std::vector<std::pair<int64_t, model::UsageSums>> by_device;
  // With AttributionOptions::users_without_direction: how many distinct named users printed
  // without a direction on the job's date (the unknown, empty-named user is not counted).
  int64_t users_without_direction = 0;
};

// What AttributeUsage computes beyond the per-class sums.
struct AttributionOptions {
  bool by_device = false;  // fill ScopeUsage::by_device (the monthly report's device chart)
  bool users_without_direction = false;  // fill ScopeUsage::users_without_direction
  // Not 0: fill ScopeUsage::large_jobs with the jobs of at least this many sheets
  // (UsageSource::ForEachLargeJob, so at least store::kLargeJobMinSheets), each attributed to
  // a direction by the same rule as the rollup rows, on the job's own day.
  int64_t large_job_sheets = 0;
};

// A range of whole months, as MonthIndex values (year * 12 + month - 1), both included.
struct MonthRange {
  int32_t first_month = 0;
  int32_t last_month = 0;
};

// The usage of one requested period, per scope.
struct PeriodUsage {
  MonthRange months;
  ScopeUsage organisation;             // every job, whatever its direction
  std::vector<ScopeUsage> directions;  // parallel to AttributedUsage::directions
};

struct AttributedUsage {
  // Every direction named by a classified device, a directory row or a workstation count,
  // sorted by byte order, then kUnassignedDirection last when it is named or has jobs in one
  // of the periods. Empty names are ignored.
  std::vector<std::string> directions;
  std::vector<PeriodUsage> periods;  // in the order requested
};

// Reads the monthly rollup rows of `periods` (one ForEachMonthlyRow call per run of
// contiguous months) and attributes each row to a direction: the direction its user holds on
// the 1st of the month in `inventory.users`, else its device's direction, else
// kUnassignedDirection. The device's class, direction and paper stock are those of its
// service period that applies on the job's date (DevicePeriodOn; a device id may have several
// rows in `inventory.devices`). Where these can change inside a month, rows are read by day:
// - for the (device, month) pairs where a period of the device starts or ends on a day other
//   than the 1st and the device's class, direction or stock differ before and after, the
//   monthly rows of that device are skipped and its daily rows of those months (every user)
//   are read instead (ForEachDailyRowOfDevice), each day with its period and the user's
//   direction of that day;
// - for the (user, month) pairs where one of the user's directory rows starts or ends on a day
//   other than the 1st, the monthly rows are skipped and that user's daily rows of those
//   months are read instead (ForEachDailyRow) and attributed day by day, except the rows of
//   devices read by day in that month (so that no row counts twice).
// One daily call per run of consecutive months of one device or user. Mass uses the paper
// stock of the device period (the default 80 g/m² stock, not recycled, when it has no or an
// unknown paper_id, is unclassified, or the device is not in the inventory).
// Periods may overlap and come in any order. Errors: InvalidArgument for an empty list, a
// range with first_month > last_month, outside the years 1 to 9999, or periods spanning more
// than 200 years; any error of `source` as it is. `source` is only used during the call, and
// never re-entered from one of its callbacks (daily rows are read after the monthly scan).
Result<AttributedUsage> AttributeUsage(store::UsageSource& source,
                                       const model::Inventory& inventory,
                                       const UserNames& user_names,
                                       const std::vector<MonthRange>& periods,
                                       const AttributionOptions& options = {});

// The same for one range of months: the result has exactly one period.
Result<AttributedUsage> AttributeUsage(store::UsageSource& source,
                                       const model::Inventory& inventory,
                                       const UserNames& user_names, int32_t first_month,
                                       int32_t last_month);

}  // namespace ramette::aggregator::indicators

#endif  // RAMETTE_AGGREGATOR_INDICATORS_USAGE_ATTRIBUTION_H_
