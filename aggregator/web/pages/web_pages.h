// The dashboard's pages: each a whole HTML document (French or English), built from the store
// through the same core code as the CLI and the reports (indicators/, reports/, status/). The
// server (web_server.h) decides who may see what before calling them; the pages also show a
// viewer only what their role allows (a direction account never sees another direction's name
// or figures, not even in a ranking). No page holds a script, a person's name or a document
// title; every value from data is HTML-escaped.
#ifndef RAMETTE_AGGREGATOR_WEB_PAGES_WEB_PAGES_H_
#define RAMETTE_AGGREGATOR_WEB_PAGES_WEB_PAGES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator/reports/report_settings.h"
#include "aggregator/reports/report_text.h"
#include "aggregator/store/account_store.h"
#include "aggregator/store/store.h"
#include "aggregator/web/pages/figures_cache.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::web {

// Who is looking (from the session), in which language.
struct Viewer {
  store::AccountRole role = store::AccountRole::kDirection;
  std::string direction;  // set for kDirection
};

// What every page needs besides the store. The pointers outlive the call.
struct PageContext {
  Viewer viewer;
  reports::ReportLanguage lang = reports::ReportLanguage::kFrench;
  // The session's CSRF token, put in the logout form of the navigation bar.
  std::string csrf_token;
  int64_t now = 0;                                    // unix seconds
  const TimeZone* tz = nullptr;                       // the organisation's zone
  const reports::ReportSettings* settings = nullptr;  // targets, factors, organisation name
  std::string paper_source = "printing";              // [indicators] paper_source
  int64_t silent_after_seconds = 15 * 60;             // print servers silent after this
  // ramette-web's cache of the figures (its settings are `settings`); null: computed per page.
  FiguresCache* figures = nullptr;
};

// A rendered page: 200 with a document, or 404 with a short document (unknown direction, month
// out of range). Errors from the store come back as a Status (the server answers 500).
struct Page {
  int http_status = 200;
  std::string html;
};

// "/?year=N": I1-I5 for N-2..N laid out like the published table (N: the latest year with data
// when empty), targets with their gap, a 13-month trend, directions ranked by kg per
// workstation (admin only), environmental equivalents, printing and purchases side by side.
// A direction account also sees its own direction's I1-I5, and no other direction. 404 for a
// year before 1971 or after the current one. Cells carry data-key, data-value (unrounded) and
// data-year; the tables have the classes "indicators organisation", "indicators direction",
// "targets", "ranking", "sources".
Result<Page> OrganisationPage(store::Store& store, const PageContext& ctx, std::optional<int> year);
// "/direction?name=D&month=YYYY-MM": the monthly report of D (the mailed report's content,
// from reports/), with links to the previous and next month. Month empty: the last full month.
// For any viewer but an admin the ranking chart (other directions' names and figures) is left
// out. 404 for an unknown direction, a direction account asking for another direction, a month
// not written YYYY-MM, before 1971 or after the current month.
Result<Page> DirectionPage(store::Store& store, const PageContext& ctx,
                           const std::string& direction, std::optional<std::string> month);
// "/devices?year=N": devices by direction and class, volume, in service (on 31 Dec N, or today
// in the current year); the unclassified queues IT must classify.
Result<Page> DevicesPage(store::Store& store, const PageContext& ctx, std::optional<int> year);
// "/quality?year=N": unknown media, unclassified devices, users without a direction,
// quarantined records (by reason where the engine lists its tables: SQLite, PostgreSQL), jobs
// on sheets larger than A0: counts only.
Result<Page> DataQualityPage(store::Store& store, const PageContext& ctx, std::optional<int> year);
// "/servers": the `ramette status` rows, silent servers highlighted, the last directory sync.
Result<Page> ServersPage(store::Store& store, const PageContext& ctx);
// Computes through ctx.figures what the default pages show: the organisation, devices and
// data-quality pages of the latest year with data, the print servers' status, and the monthly
// reports of that year's months up to the last full month (all twelve for an earlier year), so that
// their first visitors do not wait. ramette-web runs it at start. Errors are left for the pages to
// report.
void WarmUpFigures(store::Store& store, const PageContext& ctx);
// The `ramette status` rows at ctx.now (jobs counted) and the last directory sync, through
// ctx.figures when set: the servers page and /api/v1/status.
struct ServersView {
  std::vector<store::ServerStatus> servers;
  std::optional<store::DirectorySyncRecord> last_sync;
};
Result<std::shared_ptr<const ServersView>> ServersViewOf(store::Store& store,
                                                         const PageContext& ctx);
// "/login": the login form (posts name, password and `csrf_token` to /login); `error` shown
// above it when not empty.
std::string LoginPage(reports::ReportLanguage lang, const std::string& csrf_token,
                      std::string_view error);
// The style sheet every page links to ("/static/ramette.css").
std::string_view StyleSheet();

}  // namespace ramette::aggregator::web

#endif  // RAMETTE_AGGREGATOR_WEB_PAGES_WEB_PAGES_H_
