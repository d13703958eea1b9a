// The monthly report's figures: one AttributeUsage call over the 13 trend months, the two
// year-to-date runs and the baseline run, then devices, workstations and ranks from the
// inventory.
#include "aggregator/reports/monthly_report.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "aggregator/indicators/paper_sources.h"
#include "aggregator/indicators/usage_attribution.h"
#include "common/civil_time.h"

namespace ramette::aggregator::reports {
namespace {

constexpr int kMinYear = 2;
constexpr int kMaxYear = 9999;

std::optional<double> SharePct(double part, double whole) {
  if (whole == 0) return std::nullopt;
  return part / whole * 100.0;
}

std::optional<double> ChangePct(double current, double base) {
  if (base == 0) return std::nullopt;
  return (current - base) / base * 100.0;
}

PeriodFigures ToFigures(const indicators::ScopeUsage& u) {
  PeriodFigures f;
  f.sheets = u.excluding_print_shop.sums.sheets;
  f.paper_kg = u.excluding_print_shop.mass_kg;
  f.sheets_all_devices = u.all_devices.sums.sheets;
  f.paper_kg_all_devices = u.all_devices.mass_kg;
  f.recycled_kg = u.all_devices.recycled_mass_kg;
  f.two_sided_sheets = u.all_devices.sums.two_sided_sheets;
  f.color_sheets = u.all_devices.sums.color_sheets;
  f.jobs = u.all_devices.sums.jobs;
  f.unknown_media_jobs = u.all_devices.sums.unknown_media_jobs;
  f.jobs_on_unclassified_devices = u.jobs_on_unclassified_devices;
  f.jobs_without_user_direction = u.jobs_without_user_direction;
  f.users_without_direction = u.users_without_direction;
  f.oversized_media_jobs = u.oversized_media_jobs;
  f.large_jobs = u.large_jobs;
  return f;
}

// Sets `t`'s value, gap and whether it is met for a minimum target.
void CheckMinimum(std::optional<double> value, TargetStatus* t) {
  t->value = value;
  if (value) {
    t->gap = *value - t->target;
    t->met = *t->gap >= 0;
  }
}

// Where each period sits in the AttributeUsage request.
constexpr int kMonthPeriod = kTrendMonths - 1;  // the trend's last month
constexpr int kYearBeforePeriod = 0;            // the trend's first month
constexpr int kYearToDatePeriod = kTrendMonths;
constexpr int kYearToDatePreviousPeriod = kTrendMonths + 1;
constexpr int kBaselinePeriod = kTrendMonths + 2;

}  // namespace

std::optional<double> PeriodFigures::TwoSidedSharePct() const {
  return SharePct(static_cast<double>(two_sided_sheets), static_cast<double>(sheets_all_devices));
}
std::optional<double> PeriodFigures::ColorSharePct() const {
  return SharePct(static_cast<double>(color_sheets), static_cast<double>(sheets_all_devices));
}
std::optional<double> PeriodFigures::RecycledSharePct() const {
  return SharePct(recycled_kg, paper_kg_all_devices);
}

Equivalents ComputeEquivalents(double kg_all_devices, double recycled_kg,
                               const EnvironmentFactors& factors) {
  const double virgin_kg = kg_all_devices - recycled_kg;
  constexpr double kA4SheetKg = 0.0049896;  // 0.06237 m² x 80 g/m²
  Equivalents e;
  e.co2e_kg = virgin_kg * factors.co2e_kg_per_kg + recycled_kg * factors.co2e_kg_per_kg_recycled;
  e.trees =
      factors.a4_sheets_per_tree > 0 ? virgin_kg / kA4SheetKg / factors.a4_sheets_per_tree : 0.0;
  e.energy_kwh = virgin_kg * factors.kwh_per_kg + recycled_kg * factors.kwh_per_kg_recycled;
  return e;
}

PaperEquivalents EquivalentsOfPaper(double printed_kg_all_devices, double printed_recycled_kg,
                                    const indicators::PurchaseFigures& bought,
                                    const EnvironmentFactors& factors) {
  PaperEquivalents e;
  if (bought.HasPurchases()) {
    e.source = TargetStatus::Source::kPurchases;
    e.equivalents =
        ComputeEquivalents(bought.paper_kg.value_or(0), bought.recycled_kg.value_or(0), factors);
  } else {
    e.equivalents = ComputeEquivalents(printed_kg_all_devices, printed_recycled_kg, factors);
  }
  return e;
}

Result<MonthlyReport> ComputeMonthlyReport(store::UsageSource& source, int year, int month,
                                           const ReportSettings& settings) {
  if (year < kMinYear || year > kMaxYear || month < 1 || month > 12) {
    return Status::InvalidArgument("bad month " + std::to_string(year) + "-" +
                                   std::to_string(month) +
                                   " (expected YYYY-MM with a year from 2 to 9999)");
  }
  const int baseline = settings.targets.baseline_year;
  if (baseline != 0 && (baseline < 1 || baseline > kMaxYear)) {
    return Status::InvalidArgument("bad baseline year " + std::to_string(baseline));
  }
  Result<model::Inventory> inventory = source.LoadInventory();
  if (!inventory.ok()) return inventory.status();
  Result<indicators::UserNames> user_names = source.LoadUserNames();
  if (!user_names.ok()) return user_names.status();

  const int32_t this_month = MonthIndex(year, month);
  std::vector<indicators::MonthRange> periods;
  for (int i = 0; i < kTrendMonths; ++i) {
    const int32_t m = this_month - (kTrendMonths - 1) + i;
    periods.push_back(indicators::MonthRange{m, m});
  }
  periods.push_back(indicators::MonthRange{MonthIndex(year, 1), this_month});
  periods.push_back(indicators::MonthRange{MonthIndex(year - 1, 1), this_month - 12});
  if (baseline != 0) {
    periods.push_back(indicators::MonthRange{MonthIndex(baseline, 1), MonthIndex(baseline, month)});
  }
  indicators::AttributionOptions options;
  options.by_device = true;
  options.users_without_direction = true;
  options.large_job_sheets = settings.large_job_sheets;
  Result<indicators::AttributedUsage> usage =
      indicators::AttributeUsage(source, *inventory, *user_names, periods, options);
  if (!usage.ok()) return usage.status();

  const Day month_end =
      DaysFromCivil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - 1;
  const std::vector<std::string>& names = usage->directions;
  std::unordered_map<std::string, size_t> index_of;
  for (size_t i = 0; i < names.size(); ++i) index_of.emplace(names[i], i);

  // Devices: the row of each id that applies on month end, for names and classes.
  std::map<int64_t, std::vector<const model::Device*>> rows_of;
  for (const model::Device& d : inventory->devices) rows_of[d.id].push_back(&d);
  auto device_volume = [&](int64_t id, int64_t sheets) {
    DeviceVolume v;
    v.sheets = sheets;
    auto it = rows_of.find(id);
    if (it == rows_of.end()) {
      v.name = "#" + std::to_string(id);
      return v;
    }
    const model::Device& d = *it->second[model::DevicePeriodOn(it->second, month_end)];
    v.name = d.server + "/" + d.queue;
    v.classified = d.classified;
    v.device_class = d.classified ? d.device_class : model::DeviceClass::kOther;
    return v;
  };

  // Device counts and workstations on month end, by direction (organisation: all).
  std::vector<int64_t> desktops(names.size()), mfps(names.size());
  int64_t org_desktops = 0, org_mfps = 0;
  for (const model::Device& d : inventory->devices) {
    if (!d.classified || !model::InServiceOn(d, month_end)) continue;
    const bool desktop = d.device_class == model::DeviceClass::kDesktopPrinter;
    if (!desktop && d.device_class != model::DeviceClass::kMfp) continue;
    (desktop ? org_desktops : org_mfps) += 1;
    auto it = index_of.find(d.direction);
    if (it != index_of.end()) (desktop ? desktops : mfps)[it->second] += 1;
  }
  std::map<std::string, std::pair<Day, int64_t>> latest;
  for (const model::WorkstationCount& w : inventory->workstations) {
    if (w.direction.empty() || w.date > month_end) continue;
    auto [it, inserted] = latest.emplace(w.direction, std::make_pair(w.date, w.count));
    if (!inserted && std::make_pair(w.date, w.count) > it->second) it->second = {w.date, w.count};
  }

  // What the law measures: purchases by direction (the organisation: every row) from January of
  // the year before (the year to date is compared with the same months a year earlier), and the
  // meter figures of the month and the year to date by the direction of each device on month end.
  const Day month_start = DaysFromCivil(year, month, 1);
  std::vector<model::Purchase> purchase_rows;
  if (inventory->has_purchases) {
    auto rows = source.LoadPurchases(DaysFromCivil(year - 1, 1, 1), month_end);
    if (!rows.ok()) return rows.status();
    purchase_rows = std::move(*rows);
  }
  std::vector<const model::Purchase*> all_purchases;
  std::map<std::string, std::vector<const model::Purchase*>, std::less<>> purchases_of;
  for (const model::Purchase& p : purchase_rows) {
    all_purchases.push_back(&p);
    if (!p.direction.empty()) purchases_of[p.direction].push_back(&p);
  }
  indicators::MeterFigures org_meters_month, org_meters_ytd;
  std::vector<indicators::MeterFigures> meters_month(names.size()), meters_ytd(names.size());
  if (inventory->has_meter_readings) {
    auto direction_index = [&](const std::string& name) {
      auto it = index_of.find(name);
      return it == index_of.end() ? -1 : static_cast<int>(it->second);
    };
    auto month_counters = source.LoadMeterCounters(month_start, month_end);
    if (!month_counters.ok()) return month_counters.status();
    auto ytd_counters = source.LoadMeterCounters(DaysFromCivil(year, 1, 1), month_end);
    if (!ytd_counters.ok()) return ytd_counters.status();
    indicators::AddMeterFigures(*month_counters, *inventory,
                                usage->periods[kMonthPeriod].organisation.by_device, month_end,
                                direction_index, &org_meters_month, &meters_month);
    indicators::AddMeterFigures(*ytd_counters, *inventory,
                                usage->periods[kYearToDatePeriod].organisation.by_device, month_end,
                                direction_index, &org_meters_ytd, &meters_ytd);
  }
  const std::vector<const model::Purchase*> no_purchases;

  auto make_scope = [&](auto scope_of, std::optional<int64_t> workstations, int64_t desktop_count,
                        int64_t mfp_count, const std::vector<const model::Purchase*>& purchases,
                        const indicators::MeterFigures& scope_meters_month,
                        const indicators::MeterFigures& scope_meters_ytd) {
    ScopeMonth s;
    s.month = ToFigures(scope_of(kMonthPeriod));
    s.month_year_before = ToFigures(scope_of(kYearBeforePeriod));
    s.year_to_date = ToFigures(scope_of(kYearToDatePeriod));
    s.year_to_date_previous = ToFigures(scope_of(kYearToDatePreviousPeriod));
    if (baseline != 0) s.baseline_year_to_date = ToFigures(scope_of(kBaselinePeriod));
    s.workstations = workstations;
    if (workstations && *workstations > 0) {
      s.kg_per_workstation = s.month.paper_kg / static_cast<double>(*workstations);
    }
    s.paper_change_pct = ChangePct(s.month.paper_kg, s.month_year_before.paper_kg);
    s.sheets_change_pct = ChangePct(static_cast<double>(s.month.sheets),
                                    static_cast<double>(s.month_year_before.sheets));
    s.year_to_date_change_pct =
        ChangePct(s.year_to_date.paper_kg, s.year_to_date_previous.paper_kg);
    for (int i = 0; i < kTrendMonths; ++i) {
      s.trend_kg[i] = ToFigures(scope_of(i)).paper_kg;
      s.trend_months[i] = periods[i].first_month;
    }
    for (const auto& [id, sums] : scope_of(kMonthPeriod).by_device) {
      if (sums.sheets > 0) s.devices.push_back(device_volume(id, sums.sheets));
    }
    std::stable_sort(s.devices.begin(), s.devices.end(),
                     [](const DeviceVolume& a, const DeviceVolume& b) {
                       return a.sheets != b.sheets ? a.sheets > b.sheets : a.name < b.name;
                     });
    s.desktop_printers = desktop_count;
    s.mfps = mfp_count;
    if (!purchases.empty()) {
      s.purchases_year_to_date =
          indicators::ComputePurchaseFigures(purchases, inventory->papers, MonthIndex(year, 1),
                                             this_month, s.year_to_date.paper_kg_all_devices);
    }
    s.meters_month = scope_meters_month;
    s.meters_year_to_date = scope_meters_ytd;
    const indicators::PurchaseFigures& bought = s.purchases_year_to_date;
    const PaperEquivalents equivalents = EquivalentsOfPaper(
        s.month.paper_kg_all_devices, s.month.recycled_kg, bought, settings.environment);
    s.environment = equivalents.equivalents;
    s.environment_source = equivalents.source;
    s.recycled_target.target = settings.targets.recycled_share_min_pct;
    s.recycled_target.source = s.environment_source;
    CheckMinimum(bought.HasPurchases() ? bought.recycled_share_pct : s.month.RecycledSharePct(),
                 &s.recycled_target);
    s.recycled_spend_target.target = settings.targets.recycled_spend_share_min_pct;
    s.recycled_spend_target.source = TargetStatus::Source::kPurchases;
    CheckMinimum(bought.recycled_spend_share_pct, &s.recycled_spend_target);
    s.reduction_target.target = settings.targets.paper_change_max_pct;
    if (baseline != 0) {
      s.reduction_target.value =
          ChangePct(s.year_to_date.paper_kg, s.baseline_year_to_date.paper_kg);
      if (s.reduction_target.value) {
        s.reduction_target.gap = *s.reduction_target.value - s.reduction_target.target;
        s.reduction_target.met = *s.reduction_target.gap <= 0;
      }
    }
    return s;
  };

  MonthlyReport report;
  report.has_purchases = inventory->has_purchases;
  report.has_meter_readings = inventory->has_meter_readings;
  report.year = year;
  report.month = month;
  report.baseline_year = baseline;
  std::optional<int64_t> org_workstations;
  for (const auto& [name, date_count] : latest) {
    org_workstations = org_workstations.value_or(0) + date_count.second;
  }
  report.organisation = make_scope(
      [&](int p) -> const indicators::ScopeUsage& { return usage->periods[p].organisation; },
      org_workstations, org_desktops, org_mfps, all_purchases, org_meters_month, org_meters_ytd);
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<int64_t> ws;
    auto it = latest.find(names[i]);
    if (it != latest.end()) ws = it->second.second;
    auto bought = purchases_of.find(names[i]);
    ScopeMonth s = make_scope(
        [&](int p) -> const indicators::ScopeUsage& { return usage->periods[p].directions[i]; }, ws,
        desktops[i], mfps[i], bought == purchases_of.end() ? no_purchases : bought->second,
        meters_month[i], meters_ytd[i]);
    s.direction = names[i];
    if (TakesPartInRanking(s.kg_per_workstation, s.month.paper_kg)) {
      report.ranking.emplace_back(names[i], *s.kg_per_workstation);
    }
    report.directions.push_back(std::move(s));
  }
  std::stable_sort(report.ranking.begin(), report.ranking.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  for (ScopeMonth& s : report.directions) {
    for (size_t r = 0; r < report.ranking.size(); ++r) {
      if (report.ranking[r].first == s.direction) s.rank = static_cast<int>(r) + 1;
    }
  }
  std::map<int64_t, bool> classified;
  for (const model::Device& d : inventory->devices)
    classified[d.id] = classified[d.id] || d.classified;
  for (const auto& [id, c] : classified) report.unclassified_queues += c ? 0 : 1;
  return report;
}

Result<MonthlyReport> FilterReportDirection(const MonthlyReport& report, const std::string& name) {
  MonthlyReport out = report;
  out.directions.clear();
  std::string known;
  for (const ScopeMonth& d : report.directions) {
    if (d.direction == name) {
      out.directions.push_back(d);
      return out;
    }
    known += (known.empty() ? "" : ", ") + d.direction;
  }
  return Status::NotFound("unknown direction '" + name +
                          "' (known: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace ramette::aggregator::reports
