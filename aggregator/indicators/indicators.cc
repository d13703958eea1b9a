// I1-I5 from the attributed usage of N-1 and N, the devices in service on 31 December and the
// workstation counts.
#include "aggregator/indicators/indicators.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "aggregator/indicators/usage_attribution.h"
#include "aggregator/model/inventory.h"
#include "common/civil_time.h"

namespace ramette::aggregator::indicators {
namespace {

constexpr int kMinYear = 2;  // N-1 must be a valid year too
constexpr int kMaxYear = 9999;

// (current - base) / base x 100, empty when the base is zero.
std::optional<double> ChangePct(double current, double base) {
  if (base == 0) return std::nullopt;
  return (current - base) / base * 100.0;
}

// Desktop printers and MFPs of one scope in service on 31 Dec N and N-1.
struct DeviceCounts {
  int64_t desktop_printers = 0;
  int64_t mfps = 0;
  int64_t desktop_printers_previous_year = 0;
  int64_t mfps_previous_year = 0;
};

ScopeFigures MakeFigures(const ScopeUsage& previous, const ScopeUsage& current,
                         const DeviceCounts& devices, std::optional<int64_t> workstations) {
  ScopeFigures f;
  f.paper_kg = current.excluding_print_shop.mass_kg;
  f.paper_kg_all_devices = current.all_devices.mass_kg;
  f.sheets = current.excluding_print_shop.sums.sheets;
  f.sheets_all_devices = current.all_devices.sums.sheets;
  f.workstations = workstations;
  f.desktop_printers = devices.desktop_printers;
  f.mfps = devices.mfps;
  f.paper_kg_previous_year = previous.excluding_print_shop.mass_kg;
  f.recycled_kg = current.all_devices.recycled_mass_kg;
  f.desktop_printers_previous_year = devices.desktop_printers_previous_year;
  f.mfps_previous_year = devices.mfps_previous_year;

  f.paper_change_pct = ChangePct(f.paper_kg, f.paper_kg_previous_year);
  if (f.paper_kg_all_devices != 0) {
    f.recycled_share_pct = f.recycled_kg / f.paper_kg_all_devices * 100.0;
  }
  f.desktop_printers_change_pct =
      ChangePct(static_cast<double>(devices.desktop_printers),
                static_cast<double>(devices.desktop_printers_previous_year));
  f.mfp_change_pct =
      ChangePct(static_cast<double>(devices.mfps), static_cast<double>(devices.mfps_previous_year));
  if (workstations && *workstations != 0) {
    f.kg_per_workstation = f.paper_kg / static_cast<double>(*workstations);
  }

  f.unknown_media_jobs = current.all_devices.sums.unknown_media_jobs;
  f.jobs_on_unclassified_devices = current.jobs_on_unclassified_devices;
  f.jobs_without_user_direction = current.jobs_without_user_direction;
  f.oversized_media_jobs = current.oversized_media_jobs;
  f.large_jobs = current.large_jobs;
  return f;
}

}  // namespace

std::string_view PaperSourceName(PaperSource s) {
  return s == PaperSource::kPurchases ? "purchases" : "printing";
}

Result<IndicatorReport> ComputeIndicators(store::UsageSource& source, int year,
                                          const IndicatorOptions& options, ScopeUsage* year_usage) {
  if (year < kMinYear || year > kMaxYear) {
    return Status::InvalidArgument("bad year " + std::to_string(year) +
                                   " (expected a year from 2 to 9999)");
  }
  Result<model::Inventory> inventory = source.LoadInventory();
  if (!inventory.ok()) return inventory.status();
  Result<UserNames> user_names = source.LoadUserNames();
  if (!user_names.ok()) return user_names.status();

  const std::vector<MonthRange> periods = {
      MonthRange{MonthIndex(year - 1, 1), MonthIndex(year - 1, 12)},
      MonthRange{MonthIndex(year, 1), MonthIndex(year, 12)}};
  AttributionOptions attribution;
  // Per device: the meters' captured impressions, and the caller's.
  attribution.by_device = inventory->has_meter_readings || year_usage != nullptr;
  attribution.users_without_direction = year_usage != nullptr;
  attribution.large_job_sheets = options.large_job_sheets;
  Result<AttributedUsage> usage =
      AttributeUsage(source, *inventory, *user_names, periods, attribution);
  if (!usage.ok()) return usage.status();
  const PeriodUsage& previous = usage->periods[0];
  const PeriodUsage& current = usage->periods[1];
  const std::vector<std::string>& names = usage->directions;
  std::unordered_map<std::string_view, int> indices;
  for (size_t i = 0; i < names.size(); ++i) indices.emplace(names[i], static_cast<int>(i));
  auto index_of = [&](const std::string& name) -> int {
    auto it = indices.find(name);
    return it == indices.end() ? -1 : it->second;
  };

  // Device rows in service on 31 Dec, by their own class and direction; without a direction,
  // organisation only. A queue's service periods do not overlap, so it counts at most once.
  const Day end_of_year = DaysFromCivil(year, 12, 31);
  const Day end_of_previous_year = DaysFromCivil(year - 1, 12, 31);
  DeviceCounts org_devices;
  std::vector<DeviceCounts> dir_devices(names.size());
  for (const model::Device& d : inventory->devices) {
    if (!d.classified) continue;  // counts as `other`
    const bool desktop = d.device_class == model::DeviceClass::kDesktopPrinter;
    if (!desktop && d.device_class != model::DeviceClass::kMfp) continue;
    const int dir = d.direction.empty() ? -1 : index_of(d.direction);
    const bool now = model::InServiceOn(d, end_of_year);
    const bool before = model::InServiceOn(d, end_of_previous_year);
    for (DeviceCounts* c : {&org_devices, dir >= 0 ? &dir_devices[dir] : nullptr}) {
      if (c == nullptr) continue;
      (desktop ? c->desktop_printers : c->mfps) += now ? 1 : 0;
      (desktop ? c->desktop_printers_previous_year : c->mfps_previous_year) += before ? 1 : 0;
    }
  }

  // Workstations: each direction's latest count dated on or before 31 Dec N (the largest
  // count when one date has several).
  std::map<std::string, std::pair<Day, int64_t>> latest;
  for (const model::WorkstationCount& w : inventory->workstations) {
    if (w.direction.empty() || w.date > end_of_year) continue;
    auto [it, inserted] = latest.emplace(w.direction, std::make_pair(w.date, w.count));
    if (!inserted && std::make_pair(w.date, w.count) > it->second) {
      it->second = {w.date, w.count};
    }
  }
  std::optional<int64_t> org_workstations;
  std::vector<std::optional<int64_t>> dir_workstations(names.size());
  for (const auto& [name, date_count] : latest) {
    org_workstations = org_workstations.value_or(0) + date_count.second;
    const int dir = index_of(name);
    if (dir >= 0) dir_workstations[dir] = date_count.second;
  }

  IndicatorReport report;
  report.year = year;
  report.paper_source = options.paper_source;
  report.large_job_sheets = options.large_job_sheets;
  // Unclassified queues: devices with no classified row.
  std::set<int64_t> classified_ids;
  for (const model::Device& d : inventory->devices) {
    if (d.classified) classified_ids.insert(d.id);
  }
  for (const model::Device& d : inventory->devices) {
    if (!d.classified && !classified_ids.contains(d.id)) {
      report.unclassified_queues.push_back(d.server + "/" + d.queue);
    }
  }
  std::sort(report.unclassified_queues.begin(), report.unclassified_queues.end());
  report.unclassified_queues.erase(
      std::unique(report.unclassified_queues.begin(), report.unclassified_queues.end()),
      report.unclassified_queues.end());
  report.organisation =
      MakeFigures(previous.organisation, current.organisation, org_devices, org_workstations);
  for (size_t i = 0; i < names.size(); ++i) {
    ScopeFigures f = MakeFigures(previous.directions[i], current.directions[i], dir_devices[i],
                                 dir_workstations[i]);
    f.direction = names[i];
    report.directions.push_back(std::move(f));
  }

  // Purchases of N-1 and N (the figures compare the two years): the organisation's are every
  // row, a direction's the rows naming it; a direction named only by purchases gets a scope (no
  // printing) of its own, in byte order before `unassigned`.
  std::vector<model::Purchase> purchases;
  if (inventory->has_purchases) {
    auto rows = source.LoadPurchases(DaysFromCivil(year - 1, 1, 1), end_of_year);
    if (!rows.ok()) return rows.status();
    purchases = std::move(*rows);
  }
  if (!purchases.empty()) {
    std::map<std::string, std::vector<const model::Purchase*>> by_direction;
    std::vector<const model::Purchase*> all;
    for (const model::Purchase& p : purchases) {
      all.push_back(&p);
      if (!p.direction.empty()) by_direction[p.direction].push_back(&p);
    }
    for (const auto& [name, rows] : by_direction) {
      if (index_of(name) >= 0) continue;
      ScopeFigures f = MakeFigures(ScopeUsage{}, ScopeUsage{}, DeviceCounts{}, std::nullopt);
      f.direction = name;
      report.directions.push_back(std::move(f));
    }
    std::stable_sort(report.directions.begin(), report.directions.end(),
                     [](const ScopeFigures& a, const ScopeFigures& b) {
                       const bool au = a.direction == model::kUnassignedDirection;
                       const bool bu = b.direction == model::kUnassignedDirection;
                       if (au != bu) return bu;
                       return a.direction < b.direction;
                     });
    report.organisation.purchases = ComputePurchaseFigures(
        all, inventory->papers, year, report.organisation.paper_kg_all_devices);
    for (ScopeFigures& d : report.directions) {
      auto it = by_direction.find(d.direction);
      if (it == by_direction.end()) continue;
      d.purchases =
          ComputePurchaseFigures(it->second, inventory->papers, year, d.paper_kg_all_devices);
    }
  }

  // Meters: each device's impressions over the year.
  if (inventory->has_meter_readings) {
    auto counters = source.LoadMeterCounters(DaysFromCivil(year, 1, 1), end_of_year);
    if (!counters.ok()) return counters.status();
    std::vector<MeterFigures> dir_meters(report.directions.size());
    std::unordered_map<std::string_view, int> scope_index;
    for (size_t i = 0; i < report.directions.size(); ++i) {
      scope_index.emplace(report.directions[i].direction, static_cast<int>(i));
    }
    AddMeterFigures(
        *counters, *inventory, current.organisation.by_device, end_of_year,
        [&](const std::string& name) {
          auto it = scope_index.find(name);
          return it == scope_index.end() ? -1 : it->second;
        },
        &report.organisation.meters, &dir_meters);
    for (size_t i = 0; i < report.directions.size(); ++i) {
      report.directions[i].meters = dir_meters[i];
    }
  }

  if (options.paper_source == PaperSource::kPurchases) {
    auto take = [](ScopeFigures& f) {
      f.paper_change_pct = f.purchases.paper_change_pct;
      f.recycled_share_pct = f.purchases.recycled_share_pct;
    };
    take(report.organisation);
    for (ScopeFigures& d : report.directions) take(d);
  }
  if (year_usage != nullptr) *year_usage = current.organisation;
  return report;
}

Result<IndicatorReport> FilterDirection(const IndicatorReport& report, const std::string& name) {
  IndicatorReport out;
  out.year = report.year;
  out.organisation = report.organisation;
  out.unclassified_queues = report.unclassified_queues;
  out.paper_source = report.paper_source;
  out.large_job_sheets = report.large_job_sheets;
  std::string known;
  for (const ScopeFigures& d : report.directions) {
    if (d.direction == name) {
      out.directions.push_back(d);
      return out;
    }
    known += (known.empty() ? "" : ", ") + d.direction;
  }
  return Status::NotFound("unknown direction '" + name +
                          "' (known: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace ramette::aggregator::indicators
