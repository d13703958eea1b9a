// The yearly indicator export (`ramette export indicators`): I1-I5 and their supporting
// figures for N, N-1 and N-2, the organisation then each direction, laid out like the
// organisation's published table (indicators as rows, years as columns).
#ifndef RAMETTE_AGGREGATOR_REPORTS_INDICATOR_EXPORT_H_
#define RAMETTE_AGGREGATOR_REPORTS_INDICATOR_EXPORT_H_

#include <string>
#include <vector>

#include "aggregator/indicators/indicators.h"
#include "aggregator/store/usage_source.h"
#include "common/status.h"

namespace ramette::aggregator::reports {

// The three yearly reports, oldest first (N-2, N-1, N).
struct IndicatorHistory {
  std::vector<indicators::IndicatorReport> years;
};

// ComputeIndicators for N-2, N-1 and N (with `options`: the paper source of I1 and I2).
// InvalidArgument when N-2 is before year 2.
Result<IndicatorHistory> ComputeIndicatorHistory(store::UsageSource& source, int year,
                                                 const indicators::IndicatorOptions& options = {});

// "csv-fr": UTF-8 BOM, ';', decimal comma; "csv-en": ',' and '.'. Header
// "scope,indicator,unit,N-2,N-1,N" (French: "périmètre;indicateur;unité;..."); per scope the
// rows I1..I5 then paper kg, paper kg all devices, recycled kg, sheets, workstations, desktop
// printers, MFPs, then, when one of the years has purchases, the purchase rows (keys
// purchases_paper_kg, purchases_paper_kg_office, purchases_paper_change_pct,
// purchases_recycled_share_pct, purchases_recycled_spend_share_pct, purchases_coverage_pct),
// each label naming its source; with paper_source "purchases" the I1 and I2 labels end with
// " — source: purchases" (French " — source : achats"); percentages with one decimal, kg with two,
// empty cells for missing values (a direction absent in a year included); "\r\n" line ends.
std::string FormatIndicatorExportCsv(const IndicatorHistory& history, bool french);

// {"years":[N-2,N-1,N],"rows":[{"scope":"organisation","key":"paper_change_pct",
// "indicator":"I1 paper consumption change","unit":"%","values":[x,y,z]},...]}, the same rows
// as the CSV, numbers unrounded, null when missing. One line, no final newline.
std::string FormatIndicatorExportJson(const IndicatorHistory& history);

}  // namespace ramette::aggregator::reports

#endif  // RAMETTE_AGGREGATOR_REPORTS_INDICATOR_EXPORT_H_
