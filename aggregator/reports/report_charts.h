// The SVG charts of the monthly report (drawn in monthly_report_render.cc), for the pages that
// show the same charts (the dashboard): one drawing code, whoever shows it.
#ifndef RAMETTE_AGGREGATOR_REPORTS_REPORT_CHARTS_H_
#define RAMETTE_AGGREGATOR_REPORTS_REPORT_CHARTS_H_

#include <string>

#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/report_text.h"

namespace ramette::aggregator::reports {

// The report's 13-month trend of `scope` (trend_kg, trend_months) as one <svg> element: bars of
// kg, the last month in dark blue and the first (a year earlier) in sky blue. Labels are in
// `lang`; no name from data appears in it.
std::string RenderTrendChart(const ScopeMonth& scope, ReportLanguage lang);

}  // namespace ramette::aggregator::reports

#endif  // RAMETTE_AGGREGATOR_REPORTS_REPORT_CHARTS_H_
