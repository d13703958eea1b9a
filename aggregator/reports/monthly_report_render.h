// The monthly report of one direction as a self-contained HTML page (inline CSS and SVG charts
// drawn here, no external asset, no script) and as a CSV file with the same figures.
// Neither holds a person's name, a per-person figure or a document title: only directions,
// queues ("server/queue") and counts.
#ifndef RAMETTE_AGGREGATOR_REPORTS_MONTHLY_REPORT_RENDER_H_
#define RAMETTE_AGGREGATOR_REPORTS_MONTHLY_REPORT_RENDER_H_

#include <string>
#include <string_view>

#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/report_settings.h"
#include "aggregator/reports/report_text.h"

namespace ramette::aggregator::reports {

// Well-formed XHTML-compatible HTML5 (every element closed, attributes quoted, no named entity
// but XML's), UTF-8. Every figure shown for the month also sits in a data-key / data-value
// attribute pair, unrounded with a '.' decimal mark, so that programs can read it back; the
// keys are those of the CSV. Names are HTML-escaped.
std::string RenderMonthlyReportHtml(const MonthlyReport& report, const ScopeMonth& scope,
                                    ReportLanguage lang, const ReportSettings& settings);

// The content of RenderMonthlyReportHtml's <main> element (header to footer), from the same
// code, for a page of one's own (the dashboard) that links MonthlyReportCss(). With
// `other_directions` false the ranking chart, which names the other directions and their
// figures, is left out (a direction's own rank and the number ranked stay).
std::string RenderMonthlyReportBody(const MonthlyReport& report, const ScopeMonth& scope,
                                    ReportLanguage lang, const ReportSettings& settings,
                                    bool other_directions = true);
// The style sheet the report's HTML carries inline (its classes: cards, badges, charts).
std::string_view MonthlyReportCss();

// One row per figure: key, label, value, unit. French: UTF-8 BOM, ';' and decimal comma;
// English: ',' and '.'. kg with 3 decimals, percentages with 2, missing values empty.
std::string RenderMonthlyReportCsv(const MonthlyReport& report, const ScopeMonth& scope,
                                   ReportLanguage lang);

// A direction's name as a file name, stable from run to run and unique per direction: accents
// transliterated to ASCII, every other character outside [A-Za-z0-9_-] replaced by one '_' per
// gap, at most 64 bytes; when that changed the name (or gave "organisation", the totals' file),
// "-" and eight hex digits of a hash of the exact name follow. "Éducation et Collèges" gives
// "Education_et_Colleges-XXXXXXXX"; "a b", "a/b" and "a_b" give three different names.
std::string DirectionFileName(std::string_view direction);

// "ramette-YYYY-MM-NAME": NAME is DirectionFileName, or "organisation" for the totals.
std::string ReportFileStem(const MonthlyReport& report, const ScopeMonth& scope);

}  // namespace ramette::aggregator::reports

#endif  // RAMETTE_AGGREGATOR_REPORTS_MONTHLY_REPORT_RENDER_H_
