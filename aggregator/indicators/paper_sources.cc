// The purchase and meter rules of DESIGN.md "What the law measures", once.
#include "aggregator/indicators/paper_sources.h"

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
    const int y = CivilFromDays(p->date).year;
    if (y != year && y != year - 1) continue;
    const model::Paper* paper = paper_of(p->paper_id);
    const double row_kg = PurchasedKg(*p, paper);
    const bool is_office = p->use == model::PaperUse::kOffice;
    if (y == year - 1) {
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

std::optional<int64_t> MeterImpressions(const std::vector<const model::MeterReading*>& readings,
                                        const std::vector<model::Device>& devices, Day start,
                                        Day end) {
  // The last reading on or before `start`.
  size_t first = readings.size();
  for (size_t i = 0; i < readings.size() && readings[i]->date <= start; ++i) first = i;
  if (first == readings.size()) return std::nullopt;
  int64_t total = 0;
  for (size_t i = first + 1; i < readings.size() && readings[i]->date <= end; ++i) {
    const model::MeterReading& a = *readings[i - 1];
    const model::MeterReading& b = *readings[i];
    if (b.total_impressions >= a.total_impressions) {
      total += b.total_impressions - a.total_impressions;
    } else if (model::ServicePeriodStartsBetween(devices, b.server, b.queue, a.date, b.date)) {
      total += b.total_impressions;  // a replaced device's counter starts again
    }
    // A drop without a new period cannot be imported (imports::ParseMetersCsv); it adds nothing.
  }
  return total;
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

}  // namespace ramette::aggregator::indicators
