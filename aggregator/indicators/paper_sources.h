// What the law measures (DESIGN.md "What the law measures: paper bought"): the purchase figures
// (purchased mass, I1 and I2 from purchases, recycled spend share, coverage) and the meter
// figures (meter, captured and uncaptured impressions, estimated uncaptured mass). The one place
// these rules live; ComputeIndicators and the reports call them.
#ifndef RAMETTE_AGGREGATOR_INDICATORS_PAPER_SOURCES_H_
#define RAMETTE_AGGREGATOR_INDICATORS_PAPER_SOURCES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/model/inventory.h"
#include "aggregator/model/rollup.h"

namespace ramette::aggregator::indicators {

// The kilograms of paper one purchase row stands for: `kg` as is, else sheets (reams x 500) x
// the sheet area of its format (ingest::ParseMediaSize; empty is A4) x the grammage of its stock
// (`paper`, or the default 80 g/m² stock when null).
double PurchasedKg(const model::Purchase& p, const model::Paper* paper);

// The purchase figures of one scope and year. Every value is null when its base is missing or
// zero: paper_kg and paper_kg_office when the scope has no purchase dated in the year;
// paper_change_pct when it has no office purchase in N or N-1, or N-1's office mass is 0;
// recycled_share_pct when paper_kg is null or 0; recycled_spend_share_pct when no row of the
// year has an amount or they sum to 0; coverage_pct when paper_kg is null or 0.
struct PurchaseFigures {
  std::optional<double> paper_kg;                  // all uses
  std::optional<double> paper_kg_office;           // use = office: I1's measure
  std::optional<double> recycled_kg;               // recycled stock, all uses (with paper_kg)
  std::optional<double> paper_change_pct;          // I1 from purchases: office N vs N-1
  std::optional<double> recycled_share_pct;        // I2 from purchases: recycled kg / paper_kg
  std::optional<double> recycled_spend_share_pct;  // recycled € HT / € HT of rows with an amount
  std::optional<double> coverage_pct;  // printed kg (all devices) / paper_kg x 100, not clamped
  int64_t rows = 0;                    // purchase rows of the year in the scope

  // Whether the scope bought paper in the period: then the law's measures (the recycled-share
  // target, the environmental equivalents) take the purchases rather than the printing.
  bool HasPurchases() const { return rows > 0; }
};

// The figures of the purchases `rows` (already those of the scope) for `year`, with `papers` for
// stocks and `printed_kg` the scope's printed mass on all devices in the year (coverage). A row
// naming an unknown stock counts as the default stock.
PurchaseFigures ComputePurchaseFigures(const std::vector<const model::Purchase*>& rows,
                                       const std::vector<model::Paper>& papers, int year,
                                       double printed_kg);
// The same over the months `first_month`..`last_month` (MonthIndex, both included: the monthly
// report's year to date), I1 against the same months twelve months earlier.
PurchaseFigures ComputePurchaseFigures(const std::vector<const model::Purchase*>& rows,
                                       const std::vector<model::Paper>& papers, int32_t first_month,
                                       int32_t last_month, double printed_kg);

// The meter figures of one scope: null (all four) when no device of the scope has meter
// impressions over the period.
struct MeterFigures {
  std::optional<int64_t> meter_impressions;
  std::optional<int64_t> captured_impressions;    // CUPS impressions of those devices
  std::optional<int64_t> uncaptured_impressions;  // meter - captured
  std::optional<double> uncaptured_kg_estimate;
  int64_t devices = 0;  // devices with meter impressions over the period
  // Data quality: devices with readings but none on or before the period's start (left out).
  int64_t devices_without_start_reading = 0;

  void Add(const MeterFigures& o);
};

// The meter figures over a period ending on `end` of every device of `counters`
// (UsageSource::LoadMeterCounters over that period): a device's meter impressions are its
// counter at the end minus its counter at the start (DESIGN.md "Meter readings"); a device with
// no reading on or before the start is left out and counted in devices_without_start_reading.
// Each is added to `organisation` and to `directions[index_of(direction)]`, the direction of the
// device's service period on `end` in `inventory` (index_of: -1 for none; unclassified devices
// count for the organisation only). `captured` holds the CUPS sums of each device id over the
// same period, sorted by id (ScopeUsage::by_device).
void AddMeterFigures(const std::vector<model::MeterCounters>& counters,
                     const model::Inventory& inventory,
                     const std::vector<std::pair<int64_t, model::UsageSums>>& captured, Day end,
                     const std::function<int(const std::string&)>& index_of,
                     MeterFigures* organisation, std::vector<MeterFigures>* directions);

// One device's contribution: `meter` impressions, `captured` the CUPS sums of the device in the
// period. Uncaptured mass = uncaptured impressions x the captured sheets-per-impression ratio
// (1 when the device has no captured impression) x A4 x `grammage_gsm`.
MeterFigures DeviceMeterFigures(int64_t meter, const model::UsageSums& captured,
                                double grammage_gsm);

}  // namespace ramette::aggregator::indicators

#endif  // RAMETTE_AGGREGATOR_INDICATORS_PAPER_SOURCES_H_
