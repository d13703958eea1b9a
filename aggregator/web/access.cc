// The role rules and the figures each role may read.
#include "aggregator/web/access.h"

#include <arpa/inet.h>

#include <cstring>

namespace ramette::aggregator::web {

using store::AccountRole;

bool MayAccess(const Viewer& viewer, RouteKind kind, std::string_view direction) {
  switch (viewer.role) {
    case AccountRole::kAdmin:
      return true;
    case AccountRole::kIt:
      return kind == RouteKind::kDevices || kind == RouteKind::kDataQuality ||
             kind == RouteKind::kServers;
    case AccountRole::kDirection:
      if (viewer.direction.empty()) return false;
      if (kind == RouteKind::kOrganisation || kind == RouteKind::kExport) return true;
      return kind == RouteKind::kDirection && direction == viewer.direction;
  }
  return false;
}

Result<indicators::IndicatorReport> ReportForViewer(const indicators::IndicatorReport& report,
                                                    const Viewer& viewer) {
  switch (viewer.role) {
    case AccountRole::kAdmin:
      return report;
    case AccountRole::kIt:
      return Status::PermissionDenied("the it role does not see indicators");
    case AccountRole::kDirection:
      if (viewer.direction.empty()) {
        return Status::PermissionDenied("a direction account without a direction");
      }
      break;
  }
  auto filtered = indicators::FilterDirection(report, viewer.direction);
  if (filtered.ok()) return filtered;
  // A direction without figures that year still sees the organisation's totals.
  indicators::IndicatorReport shown = report;
  shown.directions.clear();
  return shown;
}

Result<reports::IndicatorHistory> HistoryForViewer(const reports::IndicatorHistory& history,
                                                   const Viewer& viewer) {
  reports::IndicatorHistory shown;
  for (const indicators::IndicatorReport& year : history.years) {
    auto cut = ReportForViewer(year, viewer);
    if (!cut.ok()) return cut.status();
    shown.years.push_back(std::move(cut).value());
  }
  return shown;
}

std::string LandingPath(const Viewer& viewer) {
  return viewer.role == AccountRole::kIt ? "/servers" : "/";
}

namespace {

// The address as 16 bytes (IPv4 mapped into IPv6), false when it does not parse.
bool ParseAddress(const std::string& text, unsigned char out[16]) {
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, &v4, 4);
    return true;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(out, &v6, 16);
    return true;
  }
  return false;
}

}  // namespace

bool IsTrustedProxy(const std::vector<std::string>& proxies, std::string_view remote_address) {
  unsigned char remote[16];
  if (!ParseAddress(std::string(remote_address), remote)) return false;
  for (const std::string& p : proxies) {
    unsigned char proxy[16];
    if (ParseAddress(p, proxy) && std::memcmp(proxy, remote, 16) == 0) return true;
  }
  return false;
}

}  // namespace ramette::aggregator::web
