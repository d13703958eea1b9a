// The figures of the monthly report of each direction (issue "Reports"): the month, the same
// month a year earlier, the year to date against the same months of the previous year, a
// 13-month trend, the devices by volume, the position among directions, environmental
// equivalents, targets and data-quality counts. Computed by the same attribution as the yearly
// indicators (AttributeUsage), so that the twelve months of a year add up to `indicators`.
#ifndef RAMETTE_AGGREGATOR_REPORTS_MONTHLY_REPORT_H_
#define RAMETTE_AGGREGATOR_REPORTS_MONTHLY_REPORT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/indicators/paper_sources.h"
#include "aggregator/model/inventory.h"
#include "aggregator/reports/report_settings.h"
#include "aggregator/store/usage_source.h"
#include "common/status.h"

namespace ramette::aggregator::reports {

// One scope over a run of months. Mass and sheets exclude print-shop devices (as I1 and I5);
// the shares are over every device (as I2), since a print-shop job is printed paper too.
struct PeriodFigures {
  int64_t sheets = 0;   // excluding print shop
  double paper_kg = 0;  // excluding print shop
  int64_t sheets_all_devices = 0;
  double paper_kg_all_devices = 0;
  double recycled_kg = 0;          // all devices
  int64_t two_sided_sheets = 0;    // all devices
  int64_t color_sheets = 0;        // all devices
  int64_t jobs = 0;                // all devices
  int64_t unknown_media_jobs = 0;  // counted as A4
  int64_t jobs_on_unclassified_devices = 0;
  int64_t jobs_without_user_direction = 0;
  int64_t users_without_direction = 0;  // distinct named users behind those jobs
  int64_t oversized_media_jobs = 0;     // on sheets larger than A0 (counted, flagged)
  int64_t large_jobs = 0;  // of at least ReportSettings::large_job_sheets sheets (flagged)

  // Percentages of sheets_all_devices / paper_kg_all_devices; empty when nothing was printed.
  std::optional<double> TwoSidedSharePct() const;
  std::optional<double> ColorSharePct() const;
  std::optional<double> RecycledSharePct() const;
};

// Environmental equivalents of a printed mass (all devices), split by stock.
struct Equivalents {
  double co2e_kg = 0;
  double trees = 0;
  double energy_kwh = 0;
};

// A target and where the scope stands. `value` empty: cannot be evaluated (no data, or no
// baseline configured); then `met` is false and gap empty.
struct TargetStatus {
  // Which figure the target is checked against: the paper printed or the paper bought.
  enum class Source { kPrinting, kPurchases };
  Source source = Source::kPrinting;
  double target = 0;            // the threshold, in percent
  std::optional<double> value;  // the scope's figure, in percent
  std::optional<double> gap;    // value - target, in percentage points
  bool met = false;
};

// A device's volume in the month, for the chart. Names are "server/queue", never a person.
struct DeviceVolume {
  std::string name;
  model::DeviceClass device_class = model::DeviceClass::kOther;
  bool classified = false;
  int64_t sheets = 0;  // all its sheets in the month attributed to the scope
};

// Number of months of the trend chart: the month and the twelve before it.
inline constexpr int kTrendMonths = 13;

struct ScopeMonth {
  std::string direction;  // empty for the organisation

  PeriodFigures month;
  PeriodFigures month_year_before;
  PeriodFigures year_to_date;           // January to the month
  PeriodFigures year_to_date_previous;  // the same months of the previous year
  PeriodFigures baseline_year_to_date;  // the same months of the baseline year (if configured)

  std::optional<int64_t> workstations;       // latest count dated on or before month end
  std::optional<double> kg_per_workstation;  // month.paper_kg / workstations
  std::optional<double> paper_change_pct;    // month vs the same month a year earlier
  std::optional<double> year_to_date_change_pct;
  std::optional<double> sheets_change_pct;

  // kg (excluding print shop) of the 13 months ending with the month, oldest first;
  // trend_months[i] is its MonthIndex.
  std::array<double, kTrendMonths> trend_kg{};
  std::array<int32_t, kTrendMonths> trend_months{};

  std::vector<DeviceVolume> devices;  // devices with sheets in the month, most sheets first
  int64_t desktop_printers = 0;       // classified rows of the scope in service on month end
  int64_t mfps = 0;

  // Position by kg per workstation of the month among the directions that have one and
  // printed something (1 = lowest); empty otherwise.
  std::optional<int> rank;

  // What the law measures (DESIGN.md), empty/null when the store holds no purchase / reading:
  // the purchases naming the scope (the organisation: all) from January to the month, I1
  // against the same months a year earlier, coverage against year_to_date's printed mass
  // (all devices); the meter figures of the scope's devices over the month and the year to date.
  indicators::PurchaseFigures purchases_year_to_date;
  indicators::MeterFigures meters_month;
  indicators::MeterFigures meters_year_to_date;

  // The equivalents of the paper bought since January when the scope has purchases then
  // (environment_source kPurchases), else of the month's printed mass, all devices.
  Equivalents environment;
  TargetStatus::Source environment_source = TargetStatus::Source::kPrinting;
  // The recycled share >= target: of the purchases since January when the scope has some
  // (source kPurchases), else of the month's printed mass.
  TargetStatus recycled_target;
  // The recycled share of the spend since January >= target (source kPurchases); no value
  // when no purchase of the period has an amount.
  TargetStatus recycled_spend_target;
  TargetStatus reduction_target;  // year to date vs the baseline year's same months <= target
};

struct MonthlyReport {
  int year = 0;
  int month = 0;          // 1..12
  int baseline_year = 0;  // settings.targets.baseline_year
  ScopeMonth organisation;
  // Every direction AttributeUsage names (the inventory's, the directory's, the workstation
  // counts', then `unassigned` when it has jobs or is named), byte order.
  std::vector<ScopeMonth> directions;
  // (direction, kg per workstation) of the directions with a value and a non-zero mass in the
  // month, lowest first: the position chart. Ties keep byte order.
  std::vector<std::pair<std::string, double>> ranking;
  int64_t unclassified_queues = 0;  // queues reported by agents, not classified yet
  bool has_purchases = false;       // the store holds purchase rows (any date)
  bool has_meter_readings = false;  // the store holds meter readings (any date)
};

// The environmental equivalents of a scope's paper: of the paper bought when `bought` has rows
// (the law measures purchases), else of the paper printed on all devices; `source` says which.
// The monthly report (year to date) and the dashboard (year) call it.
struct PaperEquivalents {
  Equivalents equivalents;
  TargetStatus::Source source = TargetStatus::Source::kPrinting;
};
PaperEquivalents EquivalentsOfPaper(double printed_kg_all_devices, double printed_recycled_kg,
                                    const indicators::PurchaseFigures& bought,
                                    const EnvironmentFactors& factors);

// Whether a scope takes part in the ranking by kg per workstation (the monthly report's position
// chart, the dashboard's yearly ranking): it has a workstation count and printed something. A
// direction that printed nothing is not ranked: its zero says nothing of its habits.
inline bool TakesPartInRanking(const std::optional<double>& kg_per_workstation, double paper_kg) {
  return kg_per_workstation.has_value() && paper_kg > 0;
}

// Computes the report of month `month` (1..12) of `year` for the organisation and every
// direction, with one AttributeUsage call. A month before any data gives zeros and empty
// changes, never a division by zero. Errors: InvalidArgument for a year outside 2..9999 or a
// bad month; any error of `source` as it is.
Result<MonthlyReport> ComputeMonthlyReport(store::UsageSource& source, int year, int month,
                                           const ReportSettings& settings);

// The report with only the direction `name`; NotFound listing the known ones otherwise.
Result<MonthlyReport> FilterReportDirection(const MonthlyReport& report, const std::string& name);

// Equivalents of `kg_all_devices` of which `recycled_kg` on recycled stock.
Equivalents ComputeEquivalents(double kg_all_devices, double recycled_kg,
                               const EnvironmentFactors& factors);

}  // namespace ramette::aggregator::reports

#endif  // RAMETTE_AGGREGATOR_REPORTS_MONTHLY_REPORT_H_
