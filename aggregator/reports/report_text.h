// Number, date and text formatting for the reports, in one place: French (default) or English
// conventions for people, and the CSV conventions for spreadsheets.
//
// French: thousands grouped with a narrow no-break space (U+202F), decimal comma, "12,5 %"
// (U+202F before %). English: "1,234.5" and "12.5%". Missing values are "—" (U+2014).
#ifndef RAMETTE_AGGREGATOR_REPORTS_REPORT_TEXT_H_
#define RAMETTE_AGGREGATOR_REPORTS_REPORT_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aggregator/indicators/indicator_format.h"

namespace ramette::aggregator::reports {

enum class ReportLanguage { kFrench, kEnglish };

// "fr" or "en"; empty otherwise.
std::optional<ReportLanguage> ParseReportLanguage(std::string_view code);

inline constexpr std::string_view kMissingValue = "\u2014";  // —
inline constexpr std::string_view kNarrowNbsp = "\u202f";    // French thousands separator

// `value` rounded to `decimals` digits, grouped by thousands; never "-0".
std::string FormatNumber(double value, int decimals, ReportLanguage lang);
std::string FormatCount(int64_t value, ReportLanguage lang);
// "12,3 %" / "12.3%"; with `sign`, "+12,3 %" and "−4,0 %" (U+2212); missing: "—".
std::string FormatPercent(std::optional<double> value, ReportLanguage lang, bool sign = false,
                          int decimals = 1);
// Percentage points: "+2,5 pts" / "+2.5 pts".
std::string FormatPoints(double value, ReportLanguage lang);
// A number or "—".
std::string FormatOptional(std::optional<double> value, int decimals, ReportLanguage lang);

// "mars" / "March" for 1..12.
std::string_view MonthName(int month, ReportLanguage lang);
// "mars 2018" / "March 2018", and the short form "mars 18" / "Mar 18" for chart axes, from a
// MonthIndex.
std::string MonthLabel(int32_t month_index, ReportLanguage lang);
std::string ShortMonthLabel(int32_t month_index, ReportLanguage lang);

// A number for a CSV cell: fixed `decimals`, no grouping, the conventions' decimal mark; empty
// cell when missing.
std::string CsvNumber(std::optional<double> value, int decimals,
                      const indicators::CsvConventions& conv);

// Text for HTML content and attribute values: & < > " ' escaped, bytes that are not UTF-8
// replaced by U+FFFD, control characters other than tab and line breaks dropped.
std::string HtmlEscape(std::string_view text);

}  // namespace ramette::aggregator::reports

#endif  // RAMETTE_AGGREGATOR_REPORTS_REPORT_TEXT_H_
