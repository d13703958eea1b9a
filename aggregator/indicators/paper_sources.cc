// The purchase and meter rules of DESIGN.md "What the law measures", once.
#include "aggregator/indicators/paper_sources.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "aggregator/ingest/media.h"
#include "common/civil_time.h"

namespace ramette::aggregator::indicators {

double PurchasedKg(const model::Purchase& p, const model::Paper* paper) {
  if (p.unit == model::PurchaseUnit::kKg) return p.quantity;
  const long double sheets = static_cast<long double>(p.quantity) *
                             (p.unit == model::PurchaseUnit::kReams ? model::kSheetsPerReam : 1);
  const ingest::MediaSize size = ingest::ParseMediaSize(p.format.empty() ? "A4" : p.format);
  const double grammage = paper != nullptr ? paper->grammage_gsm : model::kDefaultGrammageGsm;
  // µm² x g/m² = 1e-15 kg, rounded once (as usage_attribution.cc's Kilograms).
  return static_cast<double>(sheets * static_cast<long double>(size.area_um2()) * grammage / 1e15L);
}

PurchaseFigures ComputePurchaseFigures(const std::vector<const model::Purchase*>& rows,
                                       const std::vector<model::Paper>& papers, int year,
                                       double printed_kg) {
  return ComputePurchaseFigures(rows, papers, MonthIndex(year, 1), MonthIndex(year, 12),
                                printed_kg);
}

PurchaseFigures ComputePurchaseFigures(const std::vector<const model::Purchase*>& rows,
                                       const std::vector<model::Paper>& papers, int32_t first_month,
                                       int32_t last_month, double printed_kg) {
  auto paper_of = [&](const std::string& id) -> const model::Paper* {
    for (const model::Paper& p : papers) {
      if (p.paper_id == id) return &p;
    }
    return nullptr;
  };
  long double kg = 0, office = 0, office_previous = 0, recycled = 0;
  int64_t spend = 0, recycled_spend = 0;
  bool any_amount = false, any_office = false, any_office_previous = false;
  PurchaseFigures f;
  for (const model::Purchase* p : rows) {
    const int32_t m = MonthIndexOfDay(p->date);
    const bool current = m >= first_month && m <= last_month;
    const bool previous = m >= first_month - 12 && m <= last_month - 12;
    if (!current && !previous) continue;
    const model::Paper* paper = paper_of(p->paper_id);
    const double row_kg = PurchasedKg(*p, paper);
    const bool is_office = p->use == model::PaperUse::kOffice;
    if (!current) {
      if (is_office) {
        office_previous += row_kg;
        any_office_previous = true;
      }
      continue;
    }
    ++f.rows;
    kg += row_kg;
    if (is_office) {
      office += row_kg;
      any_office = true;
    }
    const bool is_recycled = paper != nullptr && paper->recycled;
    if (is_recycled) recycled += row_kg;
    if (p->amount_cents) {
      any_amount = true;
      spend += *p->amount_cents;
      if (is_recycled) recycled_spend += *p->amount_cents;
    }
  }
  if (f.rows > 0) {
    f.paper_kg = static_cast<double>(kg);
    f.paper_kg_office = static_cast<double>(office);
    f.recycled_kg = static_cast<double>(recycled);
    if (kg != 0) {
      f.recycled_share_pct = static_cast<double>(recycled / kg * 100);
      f.coverage_pct = static_cast<double>(printed_kg / kg * 100);
    }
  }
  if (any_office && any_office_previous && office_previous != 0) {
    f.paper_change_pct = static_cast<double>((office - office_previous) / office_previous * 100);
  }
  if (any_amount && spend != 0) {
    f.recycled_spend_share_pct =
        static_cast<double>(static_cast<long double>(recycled_spend) / spend * 100);
  }
  return f;
}

void MeterFigures::Add(const MeterFigures& o) {
  auto add = [](auto& a, const auto& b) {
    if (b) a = a.value_or(0) + *b;
  };
  add(meter_impressions, o.meter_impressions);
  add(captured_impressions, o.captured_impressions);
  add(uncaptured_impressions, o.uncaptured_impressions);
  add(uncaptured_kg_estimate, o.uncaptured_kg_estimate);
  devices += o.devices;
  devices_without_start_reading += o.devices_without_start_reading;
}

MeterFigures DeviceMeterFigures(int64_t meter, const model::UsageSums& captured,
                                double grammage_gsm) {
  MeterFigures f;
  f.devices = 1;
  f.meter_impressions = meter;
  f.captured_impressions = captured.impressions;
  f.uncaptured_impressions = meter - captured.impressions;
  const long double ratio = captured.impressions > 0
                                ? static_cast<long double>(captured.sheets) / captured.impressions
                                : 1.0L;
  f.uncaptured_kg_estimate = static_cast<double>(
      static_cast<long double>(*f.uncaptured_impressions) * ratio *
      static_cast<long double>(ingest::kA4WidthUm * ingest::kA4HeightUm) * grammage_gsm / 1e15L);
  return f;
}

void AddMeterFigures(const std::vector<model::MeterCounters>& counters,
                     const model::Inventory& inventory,
                     const std::vector<std::pair<int64_t, model::UsageSums>>& captured, Day end,
                     const std::function<int(const std::string&)>& index_of, MeterFigures* org,
                     std::vector<MeterFigures>* dirs) {
  std::map<std::pair<std::string_view, std::string_view>, std::vector<const model::Device*>>
      periods;
  for (const model::Device& d : inventory.devices) periods[{d.server, d.queue}].push_back(&d);
  std::map<std::string_view, double> grammage_of;
  for (const model::Paper& p : inventory.papers) grammage_of.emplace(p.paper_id, p.grammage_gsm);
  for (const model::MeterCounters& c : counters) {
    MeterFigures f;
    int dir = -1;
    double grammage = model::kDefaultGrammageGsm;
    model::UsageSums sums;
    auto it = periods.find({c.server, c.queue});
    if (it != periods.end()) {
      const model::Device& d = *it->second[model::DevicePeriodOn(it->second, end)];
      if (d.classified) {
        if (!d.direction.empty()) dir = index_of(d.direction);
        if (auto g = grammage_of.find(d.paper_id); g != grammage_of.end()) grammage = g->second;
      }
      auto entry = std::lower_bound(captured.begin(), captured.end(), d.id,
                                    [](const auto& e, int64_t id) { return e.first < id; });
      if (entry != captured.end() && entry->first == d.id) sums = entry->second;
    }
    if (c.at_start) {
      f = DeviceMeterFigures(c.at_end - *c.at_start, sums, grammage);
    } else {
      f.devices_without_start_reading = 1;
    }
    org->Add(f);
    if (dir >= 0) (*dirs)[dir].Add(f);
  }
}

}  // namespace ramette::aggregator::indicators
