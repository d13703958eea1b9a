// The `ramette indicators` output formats (DESIGN.md "Command-line contract"): JSON for
// programs (unrounded), CSV and an aligned text table for people (rounded).
#ifndef RAMETTE_AGGREGATOR_INDICATORS_INDICATOR_FORMAT_H_
#define RAMETTE_AGGREGATOR_INDICATORS_INDICATOR_FORMAT_H_

#include <string>

#include "aggregator/indicators/indicators.h"

namespace ramette::aggregator::indicators {

// One object on one line, without a final newline:
// {"year":N,"organisation":{KEYS},"directions":[{"direction":"X",KEYS},...],
//  "unclassified_queues":["server/queue",...]} where KEYS are
// paper_change_pct, recycled_share_pct, desktop_printers_change_pct, mfp_change_pct,
// kg_per_workstation, paper_kg, paper_kg_all_devices, sheets, workstations, desktop_printers,
// mfps, then sheets_all_devices, paper_kg_previous_year, recycled_kg,
// desktop_printers_previous_year, mfps_previous_year, unknown_media_jobs,
// jobs_on_unclassified_devices, jobs_without_user_direction, oversized_media_jobs, large_jobs,
// then the
// objects "purchases" (paper_kg, paper_kg_office, paper_change_pct, recycled_share_pct,
// recycled_spend_share_pct, coverage_pct) and "meters" (meter_impressions,
// captured_impressions, uncaptured_impressions, uncaptured_kg_estimate); after
// unclassified_queues, "large_job_sheets" (the threshold of large_jobs, [indicators]
// large_job_sheets) and "paper_source": "printing" or "purchases". Numbers are unrounded, missing
// values are null. Bytes of names that are not UTF-8 become U+FFFD. Never throws.
std::string FormatIndicatorsJson(const IndicatorReport& report);

// How a CSV file writes its cells: English (',' and '.') or French (';' and ',').
struct CsvConventions {
  char separator = ',';
  char decimal_mark = '.';
};
inline constexpr CsvConventions kCsvEnglish{',', '.'};
inline constexpr CsvConventions kCsvFrench{';', ','};

// A header row ("scope" then the JSON keys) and one row per scope, the organisation first
// (scope "organisation") then the directions; percentages with one decimal, kg with two,
// empty cells for missing values; "\n" line ends; names written by CsvTextCell
// (common/csv_cell.h: quoted when they need it, formulas neutralised as "'=...").
// After the JSON keys: purchases_KEY and meters_KEY for the keys of those objects, then
// paper_source. The unclassified queues are not in the CSV (one row per scope).
std::string FormatIndicatorsCsv(const IndicatorReport& report,
                                const CsvConventions& conventions = kCsvEnglish);

// A plain-text table for people: a title, a header naming each indicator ("I1 paper
// change %", ...) and the main supporting figures, one row per scope, columns aligned by
// Unicode code points (names with accents line up), the same rounding as the CSV, "—" for
// missing values, then the organisation's data-quality counts and a line listing the
// unclassified queues ("Unclassified queues: srv/q1, srv/q2." or "Unclassified queues: none."),
// a line naming the paper source of I1 and I2 (when it is "purchases" or the organisation has
// purchases in the year), and the organisation's purchase and meter lines when it has purchases
// or meter readings.
std::string FormatIndicatorsTable(const IndicatorReport& report);

}  // namespace ramette::aggregator::indicators

#endif  // RAMETTE_AGGREGATOR_INDICATORS_INDICATOR_FORMAT_H_
