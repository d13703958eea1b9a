// Private to aggregator/web/pages/: what every page shares — the document's head, navigation
// bar and end, the 404 page, links with the language, figure cells, the organisation's today,
// the year a page shows. Not for other folders: web_pages.h is the interface.
#ifndef RAMETTE_AGGREGATOR_WEB_PAGES_PAGE_LAYOUT_H_
#define RAMETTE_AGGREGATOR_WEB_PAGES_PAGE_LAYOUT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aggregator/indicators/indicators.h"
#include "aggregator/reports/report_settings.h"
#include "aggregator/reports/report_text.h"
#include "aggregator/store/store.h"
#include "aggregator/web/pages/figures_cache.h"
#include "aggregator/web/pages/web_pages.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::web::page_layout {

// The pages a navigation bar may link to.
enum class PageId { kOrganisation, kDirection, kDevices, kQuality, kServers };

// `fr` or `en`, as `lang` says.
std::string Tr(reports::ReportLanguage lang, std::string_view fr, std::string_view en);
// "fr" or "en".
std::string_view LangCode(reports::ReportLanguage lang);
// Who may see which page (the server checks it too): admin everything; it the print servers,
// devices and data quality; a direction account the organisation and its own direction.
bool MaySee(const Viewer& v, PageId page);
// A query-string value: unreserved characters as they are, every other byte as %XX.
std::string UrlEncode(std::string_view text);
// A link inside the dashboard: `path`, `query` ("a=b&c=d", values already encoded) and the
// language, escaped for an href attribute.
std::string Href(std::string_view path, std::string_view query, reports::ReportLanguage lang);
// Unrounded value for a data-value attribute ("" when missing), as the mailed report writes it.
std::string MachineValue(std::optional<double> v);
std::optional<double> Num(std::optional<int64_t> v);
// "2018-03-05 14:02" in `tz`.
std::string LocalTime(int64_t unix_seconds, const TimeZone& tz);
// The context's zone (UTC when unset), settings (the defaults when unset), today's date there,
// and the indicator options its paper source asks for.
const TimeZone& ZoneOf(const PageContext& ctx);
const reports::ReportSettings& SettingsOf(const PageContext& ctx);
CivilDate Today(const PageContext& ctx);
indicators::IndicatorOptions OptionsOf(const PageContext& ctx);
// The first year at or before `current` (30 years back at most) with rollup rows; `current` when
// there is none. Reads month by month from December, so that it stops at the first month with
// rows. Errors: the source's.
Result<int> LatestYearWithData(store::UsageSource& source, int current);
// The figures of a year, and a monthly report, through ctx.figures (ramette-web's cache) when
// it is set, else computed now.
Result<std::shared_ptr<const YearFigures>> YearFiguresOf(
    store::Store& store, const PageContext& ctx, int year,
    const indicators::IndicatorOptions& options);
Result<std::shared_ptr<const reports::MonthlyReport>> MonthlyReportOf(store::Store& store,
                                                                      const PageContext& ctx,
                                                                      int year, int month);
// Any other read of a page, through ctx.figures (kept under `key`, FiguresCache::Keep) when set,
// else done now. `compute` must not refer to the caller's locals.
template <typename T>
Result<std::shared_ptr<const T>> KeptOrNow(const PageContext& ctx, const std::string& key,
                                           std::function<Result<T>()> compute) {
  if (ctx.figures != nullptr) return ctx.figures->Keep<T>(key, std::move(compute));
  Result<T> r = compute();
  if (!r.ok()) return r.status();
  return std::make_shared<const T>(std::move(*r));
}
// The years a page accepts: from 1971 to the current one.
bool YearInRange(int year, const PageContext& ctx);
// The year of a page: the one asked for, else the latest with data.
Result<int> YearOf(store::Store& store, const PageContext& ctx, std::optional<int> year);
// Document start: head (the style sheet, no script), the navigation bar with the pages the viewer
// may see, the language switch (back to `self_path` with `self_query`) and the logout form; then
// <main>. `title` is escaped here.
std::string Begin(const PageContext& ctx, std::string_view title, PageId current,
                  std::string_view self_path, std::string_view self_query);
// Closes what Begin opened.
std::string End();
// A page's <header>: `kicker` (already HTML) above the escaped `title`, and links to the year
// before and, up to the current year, the year after (`path?year=N`).
std::string YearHeader(const PageContext& ctx, std::string_view path, std::string_view kicker,
                       std::string_view title, int year);
// A whole 404 document saying `what` (text of ours, not from data).
Page NotFoundPage(const PageContext& ctx, std::string_view what);
// A table cell with a figure: its text for people, and for programs its key, unrounded value
// and year (data-key, data-value and data-year, in that order, as the mailed report writes the
// first two).
std::string Cell(std::string_view key, int year, std::optional<double> value,
                 const std::string& shown);

}  // namespace ramette::aggregator::web::page_layout

#endif  // RAMETTE_AGGREGATOR_WEB_PAGES_PAGE_LAYOUT_H_
