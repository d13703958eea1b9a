// The role rules: every role against every kind of route, a direction account asking for another
// direction, the figures each role reads, trusted proxies.
#include "aggregator/web/access.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::web {
namespace {

using store::AccountRole;

const Viewer kAdmin{AccountRole::kAdmin, ""};
const Viewer kIt{AccountRole::kIt, ""};
const Viewer kDatm{AccountRole::kDirection, "DATM"};

TEST(AccessTest, EveryRoleAgainstEveryRouteKind) {
  struct Case {
    RouteKind kind;
    bool admin, it, direction;
  };
  const Case cases[] = {
      {RouteKind::kOrganisation, true, false, true}, {RouteKind::kExport, true, false, true},
      {RouteKind::kDevices, true, true, false},      {RouteKind::kDataQuality, true, true, false},
      {RouteKind::kServers, true, true, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(MayAccess(kAdmin, c.kind), c.admin) << static_cast<int>(c.kind);
    EXPECT_EQ(MayAccess(kIt, c.kind), c.it) << static_cast<int>(c.kind);
    EXPECT_EQ(MayAccess(kDatm, c.kind), c.direction) << static_cast<int>(c.kind);
  }
}

TEST(AccessTest, ADirectionAccountSeesItsOwnDirectionOnly) {
  EXPECT_TRUE(MayAccess(kDatm, RouteKind::kDirection, "DATM"));
  EXPECT_FALSE(MayAccess(kDatm, RouteKind::kDirection, "DSI"));
  EXPECT_FALSE(MayAccess(kDatm, RouteKind::kDirection, "datm"));   // byte-exact
  EXPECT_FALSE(MayAccess(kDatm, RouteKind::kDirection, "DATM "));  // no trimming
  EXPECT_FALSE(MayAccess(kDatm, RouteKind::kDirection, ""));
  EXPECT_TRUE(MayAccess(kAdmin, RouteKind::kDirection, "DSI"));
  EXPECT_FALSE(MayAccess(kIt, RouteKind::kDirection, "DSI"));
  // A direction account whose direction is missing sees nothing at all.
  const Viewer broken{AccountRole::kDirection, ""};
  EXPECT_FALSE(MayAccess(broken, RouteKind::kOrganisation));
  EXPECT_FALSE(MayAccess(broken, RouteKind::kDirection, ""));
}

indicators::IndicatorReport ThreeDirections() {
  indicators::IndicatorReport r;
  r.year = 2018;
  r.organisation.sheets = 300;
  for (const char* name : {"DATM", "DSI", "RH"}) {
    indicators::ScopeFigures s;
    s.direction = name;
    s.sheets = 100;
    r.directions.push_back(s);
  }
  return r;
}

TEST(AccessTest, ReportForViewerCutsOtherDirectionsOnce) {
  const auto report = ThreeDirections();
  auto admin = ReportForViewer(report, kAdmin);
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->directions.size(), 3u);

  auto datm = ReportForViewer(report, kDatm);
  ASSERT_TRUE(datm.ok());
  ASSERT_EQ(datm->directions.size(), 1u);
  EXPECT_EQ(datm->directions[0].direction, "DATM");
  EXPECT_EQ(datm->organisation.sheets, 300);  // the organisation's totals stay

  auto it = ReportForViewer(report, kIt);
  EXPECT_EQ(it.status().code(), Status::Code::kPermissionDenied);

  // A direction with no scope that year: the organisation only, never the others.
  auto gone = ReportForViewer(report, Viewer{AccountRole::kDirection, "COM"});
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->directions.empty());
}

TEST(AccessTest, HistoryForViewerCutsEveryYear) {
  reports::IndicatorHistory h;
  h.years = {ThreeDirections(), ThreeDirections(), ThreeDirections()};
  auto datm = HistoryForViewer(h, kDatm);
  ASSERT_TRUE(datm.ok());
  ASSERT_EQ(datm->years.size(), 3u);
  for (const auto& y : datm->years) {
    ASSERT_EQ(y.directions.size(), 1u);
    EXPECT_EQ(y.directions[0].direction, "DATM");
  }
  EXPECT_FALSE(HistoryForViewer(h, kIt).ok());
}

TEST(AccessTest, LandingPaths) {
  EXPECT_EQ(LandingPath(kAdmin), "/");
  EXPECT_EQ(LandingPath(kDatm), "/");
  EXPECT_EQ(LandingPath(kIt), "/servers");
}

TEST(AccessTest, TrustedProxiesAreExactAddresses) {
  const std::vector<std::string> proxies = {"10.0.0.5", "::1"};
  EXPECT_TRUE(IsTrustedProxy(proxies, "10.0.0.5"));
  EXPECT_TRUE(IsTrustedProxy(proxies, "0:0::1"));
  EXPECT_FALSE(IsTrustedProxy(proxies, "10.0.0.50"));
  EXPECT_FALSE(IsTrustedProxy(proxies, "127.0.0.1"));
  EXPECT_FALSE(IsTrustedProxy(proxies, ""));
  EXPECT_FALSE(IsTrustedProxy(proxies, "not an address"));
  EXPECT_FALSE(IsTrustedProxy({}, "10.0.0.5"));
  EXPECT_FALSE(IsTrustedProxy({"garbage"}, "10.0.0.5"));
}

}  // namespace
}  // namespace ramette::aggregator::web
