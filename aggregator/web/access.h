// Who may see what on the dashboard: the one rule of roles (admin, it, direction) over the kinds
// of route, and the indicator figures cut down to what a viewer may read. Core: no HTTP.
#ifndef RAMETTE_AGGREGATOR_WEB_ACCESS_H_
#define RAMETTE_AGGREGATOR_WEB_ACCESS_H_

#include <string>
#include <string_view>
#include <vector>

#include "aggregator/indicators/indicators.h"
#include "aggregator/reports/indicator_export.h"
#include "aggregator/web/pages/web_pages.h"
#include "common/status.h"

namespace ramette::aggregator::web {

// The kinds of route, by what they show.
enum class RouteKind {
  kOrganisation,  // "/", /api/v1/indicators without direction: organisation totals
  kDirection,     // "/direction", /api/v1/indicators?direction=, a direction's monthly report
  kExport,        // the yearly indicator export (every direction the viewer may see)
  kDevices,       // "/devices"
  kDataQuality,   // "/quality"
  kServers,       // "/servers", /api/v1/status
};

// Whether `viewer` may see `kind`; `direction` is the direction asked for (kDirection only).
// admin: everything; it: devices, data quality, servers; direction: the organisation, the
// export (cut down by HistoryForViewer) and its own direction (byte-exact name), nothing else.
bool MayAccess(const Viewer& viewer, RouteKind kind, std::string_view direction = {});

// The report a viewer may read: admin: `report` as is; direction: the organisation and its own
// direction only (indicators::FilterDirection: the same object as `ramette indicators
// --direction D`); it: PermissionDenied. NotFound when the viewer's direction has no scope.
Result<indicators::IndicatorReport> ReportForViewer(const indicators::IndicatorReport& report,
                                                    const Viewer& viewer);
// The same cut applied to each year of an export.
Result<reports::IndicatorHistory> HistoryForViewer(const reports::IndicatorHistory& history,
                                                   const Viewer& viewer);

// Where a viewer lands after login: "/" for admin and direction accounts, "/servers" for it.
std::string LandingPath(const Viewer& viewer);

// Whether `remote_address` (as the socket reports it, IPv4 or IPv6 text) is one of `proxies`
// (address literals; compared as binary addresses, so "::1" and "0:0::1" match). Never true for
// an empty list or an address that does not parse.
bool IsTrustedProxy(const std::vector<std::string>& proxies, std::string_view remote_address);

}  // namespace ramette::aggregator::web

#endif  // RAMETTE_AGGREGATOR_WEB_ACCESS_H_
