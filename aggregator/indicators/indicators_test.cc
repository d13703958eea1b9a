// Hand-computed cases for ComputeIndicators: each expected figure is derived in a comment.
// Reference weights: an A4 sheet is 0.210 m x 0.297 m = 0.06237 m², 4.9896 g at 80 g/m².
#include "aggregator/indicators/indicators.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/indicators/indicator_format.h"
#include "common/civil_time.h"
#include "tests/fakes/fake_usage_source.h"

namespace ramette::aggregator::indicators {
namespace {

using ramette::testing::FakeJob;
using ramette::testing::FakeUsageSource;
using ramette::testing::kA3AreaUm2;
using ramette::testing::kA4AreaUm2;
using ramette::testing::kLetterAreaUm2;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kEps = 1e-9;
constexpr model::DeviceClass kDesktop = model::DeviceClass::kDesktopPrinter;
constexpr model::DeviceClass kMfp = model::DeviceClass::kMfp;
constexpr model::DeviceClass kPrintShop = model::DeviceClass::kPrintShop;

Day D(int y, int m, int d) { return DaysFromCivil(y, m, d); }

FakeJob Job(int64_t device, std::string user, Day day, int64_t sheets, int64_t area = kA4AreaUm2) {
  FakeJob j;
  j.device_id = device;
  j.user = std::move(user);
  j.day = day;
  j.sheets = sheets;
  j.area_um2 = area;
  return j;
}

IndicatorReport Compute(FakeUsageSource& source, int year) {
  Result<IndicatorReport> r = ComputeIndicators(source, year);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : IndicatorReport{};
}

const ScopeFigures& Dir(const IndicatorReport& r, const std::string& name) {
  for (const ScopeFigures& d : r.directions) {
    if (d.direction == name) return d;
  }
  ADD_FAILURE() << "no direction " << name;
  static const ScopeFigures kNone;
  return kNone;
}

std::vector<std::string> DirNames(const IndicatorReport& r) {
  std::vector<std::string> names;
  for (const ScopeFigures& d : r.directions) names.push_back(d.direction);
  return names;
}

TEST(IndicatorsTest, A4SheetAt80GsmWeighs4_9896Grams) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kDesktop, "DA");
  src.AddJob(Job(dev, "", D(2018, 5, 2), 1000));
  IndicatorReport r = Compute(src, 2018);
  // 1000 x 0.06237 m² x 80 g/m² = 4989.6 g.
  EXPECT_NEAR(r.organisation.paper_kg, 4.9896, kEps);
  EXPECT_NEAR(r.organisation.paper_kg_all_devices, 4.9896, kEps);
  EXPECT_EQ(r.organisation.sheets, 1000);
  EXPECT_NEAR(Dir(r, "DA").paper_kg, 4.9896, kEps);
}

TEST(IndicatorsTest, PaperChangeExcludesPrintShop) {
  FakeUsageSource src;
  const int64_t mfp = src.AddClassifiedDevice(kMfp, "DA");
  const int64_t shop = src.AddClassifiedDevice(kPrintShop, "DA");
  src.AddJob(Job(mfp, "", D(2017, 3, 1), 1000));
  src.AddJob(Job(shop, "", D(2017, 3, 1), 5000));
  src.AddJob(Job(mfp, "", D(2018, 3, 1), 900));
  src.AddJob(Job(shop, "", D(2018, 3, 1), 10000));
  IndicatorReport r = Compute(src, 2018);
  for (const ScopeFigures* f : {&std::as_const(r.organisation), &Dir(r, "DA")}) {
    // Office only: (900 - 1000) / 1000 x 100 = -10 %; the print shop doubled but is excluded.
    ASSERT_TRUE(f->paper_change_pct.has_value());
    EXPECT_NEAR(*f->paper_change_pct, -10.0, kEps);
    EXPECT_NEAR(f->paper_kg, 4.49064, kEps);               // 900 x 4.9896 g
    EXPECT_NEAR(f->paper_kg_previous_year, 4.9896, kEps);  // 1000 x 4.9896 g
    EXPECT_NEAR(f->paper_kg_all_devices, 54.38664, kEps);  // 10900 x 4.9896 g
    EXPECT_EQ(f->sheets, 900);
    EXPECT_EQ(f->sheets_all_devices, 10900);
  }
}

TEST(IndicatorsTest, RecycledShareIncludesPrintShop) {
  FakeUsageSource src;
  src.AddPaper("REC80", /*recycled=*/true, 80);
  src.AddPaper("STD80", /*recycled=*/false, 80);
  const int64_t mfp = src.AddClassifiedDevice(kMfp, "DA", "STD80");
  const int64_t shop = src.AddClassifiedDevice(kPrintShop, "DA", "REC80");
  src.AddJob(Job(mfp, "", D(2018, 1, 10), 1000));   // 4989.6 g, not recycled
  src.AddJob(Job(shop, "", D(2018, 2, 10), 3000));  // 14968.8 g, recycled
  IndicatorReport r = Compute(src, 2018);
  // 14968.8 / (4989.6 + 14968.8) x 100 = 75 %.
  ASSERT_TRUE(r.organisation.recycled_share_pct.has_value());
  EXPECT_NEAR(*r.organisation.recycled_share_pct, 75.0, kEps);
  EXPECT_NEAR(r.organisation.recycled_kg, 14.9688, kEps);
  EXPECT_NEAR(r.organisation.paper_kg, 4.9896, kEps);
  EXPECT_NEAR(r.organisation.paper_kg_all_devices, 19.9584, kEps);
  EXPECT_NEAR(*Dir(r, "DA").recycled_share_pct, 75.0, kEps);
}

TEST(IndicatorsTest, MixedMediaSizesAndGrammages) {
  FakeUsageSource src;
  src.AddPaper("REC90", true, 90);
  src.AddPaper("STD80", false, 80);
  const int64_t mfp = src.AddClassifiedDevice(kMfp, "DA", "REC90");
  const int64_t desk = src.AddClassifiedDevice(kDesktop, "DA", "STD80");
  const int64_t odd = src.AddClassifiedDevice(kDesktop, "DA", "NOPE");  // unknown: default
  src.AddJob(Job(mfp, "", D(2018, 6, 1), 100, kA3AreaUm2));
  src.AddJob(Job(desk, "", D(2018, 6, 1), 200, kLetterAreaUm2));
  src.AddJob(Job(desk, "", D(2018, 6, 2), 300));
  src.AddJob(Job(odd, "", D(2018, 6, 3), 50));
  IndicatorReport r = Compute(src, 2018);
  // A3 = 2 x A4 = 0.12474 m²: 100 x 0.12474 x 90       = 1122.66 g (recycled)
  // Letter 0.2159 x 0.2794 = 0.06032246 m²: 200 x .. x 80 = 965.15936 g
  // A4: 300 x 4.9896                                     = 1496.88 g
  // unknown paper id -> 80 g/m² not recycled: 50 x 4.9896 = 249.48 g
  // total 3834.17936 g; recycled share 1122.66 / 3834.17936 = 29.28032036560752 %.
  EXPECT_NEAR(r.organisation.paper_kg, 3.83417936, kEps);
  EXPECT_EQ(r.organisation.sheets, 650);
  ASSERT_TRUE(r.organisation.recycled_share_pct.has_value());
  EXPECT_NEAR(*r.organisation.recycled_share_pct, 29.28032036560752, 1e-9);
  EXPECT_NEAR(r.organisation.recycled_kg, 1.12266, kEps);
}

TEST(IndicatorsTest, DeviceCountsOn31December) {
  FakeUsageSource src;
  const Day old = D(2010, 1, 1);
  src.AddClassifiedDevice(kDesktop, "DA", "", old);                    // A: both years
  src.AddClassifiedDevice(kDesktop, "DA", "", old, D(2018, 12, 31));   // B: 2017 only
  src.AddClassifiedDevice(kDesktop, "DA", "", D(2018, 12, 31));        // C: 2018 only
  src.AddClassifiedDevice(kDesktop, "DA", "", old, D(2017, 12, 31));   // D: neither
  src.AddClassifiedDevice(kDesktop, "DA", "", D(2019, 1, 1));          // E: neither
  src.AddClassifiedDevice(kDesktop, "DA", "", old, D(2018, 6, 30));    // F: 2017 only
  src.AddClassifiedDevice(kDesktop, "DA", "", std::nullopt);           // G: never
  src.AddClassifiedDevice(kMfp, "DB", "", old);                        // M1: both
  src.AddClassifiedDevice(kMfp, "DB", "", D(2018, 3, 1));              // M2: 2018
  src.AddClassifiedDevice(kMfp, "", "", D(2012, 1, 1));                // M3: both, org
  src.AddClassifiedDevice(kPrintShop, "DA", "", old);                  // not counted
  src.AddClassifiedDevice(model::DeviceClass::kOther, "DA", "", old);  // not counted
  model::Device unclassified;
  unclassified.device_class = kDesktop;  // ignored until classified: counts as other
  unclassified.in_service = old;
  src.AddDevice(unclassified);
  IndicatorReport r = Compute(src, 2018);

  // Desktop printers: 31 Dec 2017 {A, B, F} = 3; 31 Dec 2018 {A, C} = 2 -> (2 - 3) / 3.
  EXPECT_EQ(r.organisation.desktop_printers_previous_year, 3);
  EXPECT_EQ(r.organisation.desktop_printers, 2);
  EXPECT_NEAR(*r.organisation.desktop_printers_change_pct, -100.0 / 3.0, kEps);
  // MFPs: 2017 {M1, M3} = 2; 2018 {M1, M2, M3} = 3 -> +50 %.
  EXPECT_EQ(r.organisation.mfps_previous_year, 2);
  EXPECT_EQ(r.organisation.mfps, 3);
  EXPECT_NEAR(*r.organisation.mfp_change_pct, 50.0, kEps);

  const ScopeFigures& da = Dir(r, "DA");
  EXPECT_EQ(da.desktop_printers, 2);
  EXPECT_EQ(da.desktop_printers_previous_year, 3);
  EXPECT_FALSE(da.mfp_change_pct.has_value());  // no MFP in DA on 31 Dec 2017
  const ScopeFigures& db = Dir(r, "DB");
  // DB's own devices only (M3 has no direction): 1 -> 2 = +100 %.
  EXPECT_EQ(db.mfps_previous_year, 1);
  EXPECT_EQ(db.mfps, 2);
  EXPECT_NEAR(*db.mfp_change_pct, 100.0, kEps);
  EXPECT_FALSE(db.desktop_printers_change_pct.has_value());
}

TEST(IndicatorsTest, ZeroOrMissingBasesGiveNull) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kDesktop, "DA", "", D(2018, 6, 1));
  src.AddJob(Job(dev, "", D(2018, 7, 1), 100));  // no 2017 jobs
  src.AddWorkstations("DB", D(2018, 1, 1), 0);   // a zero count
  IndicatorReport r = Compute(src, 2018);
  const ScopeFigures& org = r.organisation;
  EXPECT_FALSE(org.paper_change_pct.has_value());             // no N-1 mass
  EXPECT_FALSE(org.desktop_printers_change_pct.has_value());  // no N-1 devices
  EXPECT_FALSE(org.mfp_change_pct.has_value());
  EXPECT_FALSE(org.kg_per_workstation.has_value());  // 0 workstations in total
  ASSERT_TRUE(org.recycled_share_pct.has_value());   // a base, no recycled mass
  EXPECT_EQ(*org.recycled_share_pct, 0.0);
  EXPECT_EQ(org.workstations, std::optional<int64_t>(0));
  const ScopeFigures& da = Dir(r, "DA");
  EXPECT_FALSE(da.workstations.has_value());  // DA has no count at all
  EXPECT_FALSE(da.kg_per_workstation.has_value());
  const ScopeFigures& db = Dir(r, "DB");  // named by workstations only: no mass at all
  EXPECT_FALSE(db.recycled_share_pct.has_value());
  EXPECT_FALSE(db.kg_per_workstation.has_value());
  EXPECT_EQ(db.paper_kg, 0.0);
}

TEST(IndicatorsTest, EmptyYearIsAllNullAndNoWorkstationsAnywhereIsNull) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kDesktop, "DA");
  src.AddJob(Job(dev, "", D(2017, 7, 1), 100));
  IndicatorReport r = Compute(src, 2018);
  // Nothing printed in 2018 after 100 sheets in 2017: -100 %, a real change.
  ASSERT_TRUE(r.organisation.paper_change_pct.has_value());
  EXPECT_NEAR(*r.organisation.paper_change_pct, -100.0, kEps);
  EXPECT_FALSE(r.organisation.recycled_share_pct.has_value());  // no 2018 mass
  EXPECT_FALSE(r.organisation.workstations.has_value());        // no direction has a count
  EXPECT_FALSE(r.organisation.kg_per_workstation.has_value());
  EXPECT_EQ(r.organisation.paper_kg, 0.0);
  // 1 desktop printer both years: 0 %, not null.
  EXPECT_EQ(r.organisation.desktop_printers_change_pct, std::optional<double>(0.0));
}

TEST(IndicatorsTest, WorkstationsTakeLatestCountOnOrBefore31December) {
  FakeUsageSource src;
  src.AddWorkstations("DA", D(2017, 1, 1), 100);
  src.AddWorkstations("DA", D(2018, 12, 31), 130);  // the latest on or before 31 Dec
  src.AddWorkstations("DA", D(2018, 6, 30), 120);
  src.AddWorkstations("DA", D(2019, 1, 1), 999);  // after the year: ignored
  src.AddWorkstations("DB", D(2019, 1, 1), 50);   // DB has none for 2018
  src.AddWorkstations("DC", D(2016, 5, 1), 40);   // old but still the latest
  const int64_t dev = src.AddClassifiedDevice(kMfp, "DA");
  src.AddJob(Job(dev, "", D(2018, 2, 2), 1000));  // 4.9896 kg in DA
  IndicatorReport r = Compute(src, 2018);
  EXPECT_EQ(Dir(r, "DA").workstations, std::optional<int64_t>(130));
  EXPECT_FALSE(Dir(r, "DB").workstations.has_value());
  EXPECT_EQ(Dir(r, "DC").workstations, std::optional<int64_t>(40));
  EXPECT_EQ(r.organisation.workstations, std::optional<int64_t>(170));  // 130 + 40
  EXPECT_NEAR(*Dir(r, "DA").kg_per_workstation, 4.9896 / 130, kEps);    // 0.0383815...
  EXPECT_NEAR(*r.organisation.kg_per_workstation, 4.9896 / 170, kEps);  // 0.0293505...
  EXPECT_FALSE(Dir(r, "DB").kg_per_workstation.has_value());
  EXPECT_EQ(*Dir(r, "DC").kg_per_workstation, 0.0);  // a base and no paper: 0 kg
}

TEST(IndicatorsTest, UserChangingDirectionMidMonthIsReadDayByDay) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kMfp, "DX");
  src.AddUserDirection("alice", "DA", std::nullopt, D(2018, 3, 15));
  src.AddUserDirection("alice", "DB", D(2018, 3, 15), std::nullopt);
  src.AddUserDirection("bob", "DA");
  src.AddJob(Job(dev, "alice", D(2017, 9, 1), 1));      // DA, previous year
  src.AddJob(Job(dev, "alice", D(2018, 2, 5), 10));     // DA (monthly row)
  src.AddJob(Job(dev, "alice", D(2018, 3, 10), 100));   // DA (daily row)
  src.AddJob(Job(dev, "alice", D(2018, 3, 14), 1000));  // DA, last day before the change
  src.AddJob(Job(dev, "alice", D(2018, 3, 15), 2000));  // DB, first day of the new row
  src.AddJob(Job(dev, "alice", D(2018, 3, 20), 200));   // DB (daily row)
  src.AddJob(Job(dev, "alice", D(2018, 4, 2), 20));     // DB (monthly row)
  src.AddJob(Job(dev, "bob", D(2018, 3, 12), 5));       // DA, bob's month is not split
  IndicatorReport r = Compute(src, 2018);
  // DA: 10 + 100 + 1000 + 5 = 1115; DB: 2000 + 200 + 20 = 2220; DX (device) gets nothing.
  EXPECT_EQ(Dir(r, "DA").sheets, 1115);
  EXPECT_EQ(Dir(r, "DB").sheets, 2220);
  EXPECT_EQ(Dir(r, "DX").sheets, 0);
  EXPECT_EQ(Dir(r, "DA").sheets_all_devices + Dir(r, "DB").sheets_all_devices,
            r.organisation.sheets_all_devices);
  EXPECT_NEAR(Dir(r, "DA").paper_kg_previous_year, 0.0049896, kEps);
  EXPECT_EQ(r.organisation.jobs_without_user_direction, 0);
  // Only alice's March 2018 was read from the daily rollup.
  ASSERT_EQ(src.daily_calls(), 1);
  EXPECT_EQ(src.daily_call_log()[0].user_id, src.UserId("alice"));
  EXPECT_EQ(src.daily_call_log()[0].first_day, D(2018, 3, 1));
  EXPECT_EQ(src.daily_call_log()[0].last_day, D(2018, 3, 31));
  EXPECT_EQ(src.monthly_calls(), 1);
}

TEST(IndicatorsTest, ChangeOnFirstOfMonthNeedsNoDailyRows) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kMfp, "");
  src.AddUserDirection("carol", "DA", std::nullopt, D(2018, 4, 1));
  src.AddUserDirection("carol", "DB", D(2018, 4, 1), std::nullopt);
  src.AddJob(Job(dev, "carol", D(2018, 3, 31), 7));   // DA
  src.AddJob(Job(dev, "carol", D(2018, 4, 1), 11));   // DB
  src.AddJob(Job(dev, "carol", D(2018, 4, 30), 13));  // DB
  IndicatorReport r = Compute(src, 2018);
  EXPECT_EQ(Dir(r, "DA").sheets, 7);
  EXPECT_EQ(Dir(r, "DB").sheets, 24);  // 11 + 13
  EXPECT_EQ(src.daily_calls(), 0);
  EXPECT_THAT(DirNames(r), ElementsAre("DA", "DB"));  // no unassigned jobs
}

TEST(IndicatorsTest, UnknownUserFallsBackToDeviceThenUnassigned) {
  FakeUsageSource src;
  const int64_t p1 = src.AddClassifiedDevice(kMfp, "DX");
  const int64_t p2 = src.AddClassifiedDevice(kMfp, "");
  src.AddUserDirection("erin", "DA", std::nullopt, D(2018, 1, 1));
  src.AddUserDirection("frank", "DA");
  src.AddJob(Job(p1, "", D(2018, 5, 1), 1));        // unknown user -> device: DX
  src.AddJob(Job(p2, "", D(2018, 5, 1), 2));        // unknown user, no device dir: unassigned
  src.AddJob(Job(p2, "dave", D(2018, 5, 1), 4));    // not in the directory: unassigned
  src.AddJob(Job(p1, "erin", D(2018, 5, 1), 8));    // erin's row ended: device DX
  src.AddJob(Job(p2, "erin", D(2017, 5, 1), 16));   // erin in DA then (N-1)
  src.AddJob(Job(p2, "frank", D(2018, 5, 1), 32));  // DA
  IndicatorReport r = Compute(src, 2018);
  EXPECT_THAT(DirNames(r), ElementsAre("DA", "DX", "unassigned"));
  EXPECT_EQ(Dir(r, "DX").sheets, 9);          // 1 + 8
  EXPECT_EQ(Dir(r, "unassigned").sheets, 6);  // 2 + 4
  EXPECT_EQ(Dir(r, "DA").sheets, 32);
  EXPECT_EQ(r.organisation.sheets, 47);  // the organisation has every job
  EXPECT_EQ(Dir(r, "DX").jobs_without_user_direction, 2);
  EXPECT_EQ(Dir(r, "unassigned").jobs_without_user_direction, 2);
  EXPECT_EQ(Dir(r, "DA").jobs_without_user_direction, 0);
  EXPECT_EQ(r.organisation.jobs_without_user_direction, 4);
  EXPECT_NEAR(Dir(r, "DA").paper_kg_previous_year, 16 * 4.9896 / 1000, kEps);
  // I1 for DA: 16 sheets -> 32 sheets = +100 %.
  EXPECT_NEAR(*Dir(r, "DA").paper_change_pct, 100.0, kEps);
}

TEST(IndicatorsTest, UnclassifiedDeviceCountsAsOtherOnDefaultStock) {
  FakeUsageSource src;
  src.AddPaper("REC90", true, 90);
  model::Device u;
  u.id = 7;
  u.classified = false;
  u.device_class = kPrintShop;  // ignored while unclassified
  u.direction = "DZ";           // ignored too
  u.paper_id = "REC90";         // ignored too: default 80 g/m², not recycled
  u.in_service = D(2010, 1, 1);
  src.AddDevice(u);
  src.AddJob(Job(7, "", D(2018, 8, 1), 1000));  // 4989.6 g
  src.AddJob(Job(99, "", D(2018, 8, 1), 500));  // device unknown to the inventory: 2494.8 g
  IndicatorReport r = Compute(src, 2018);
  // Counted as `other` (so not excluded like a print shop): 7484.4 g, nothing recycled.
  EXPECT_NEAR(r.organisation.paper_kg, 7.4844, kEps);
  EXPECT_NEAR(r.organisation.paper_kg_all_devices, 7.4844, kEps);
  EXPECT_EQ(*r.organisation.recycled_share_pct, 0.0);
  EXPECT_EQ(r.organisation.jobs_on_unclassified_devices, 2);
  EXPECT_THAT(DirNames(r), ElementsAre("unassigned"));  // DZ is not a direction
  EXPECT_EQ(Dir(r, "unassigned").jobs_on_unclassified_devices, 2);
  EXPECT_EQ(r.organisation.desktop_printers, 0);
}

TEST(IndicatorsTest, DataQualityCountsCoverYearNOnly) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kMfp, "DA");
  FakeJob unknown = Job(dev, "", D(2018, 2, 1), 3);
  unknown.media_known = false;
  src.AddJob(unknown);
  src.AddJob(unknown);
  unknown.day = D(2017, 2, 1);
  src.AddJob(unknown);  // N-1: not reported
  IndicatorReport r = Compute(src, 2018);
  EXPECT_EQ(r.organisation.unknown_media_jobs, 2);
  EXPECT_EQ(Dir(r, "DA").unknown_media_jobs, 2);
  EXPECT_EQ(r.organisation.jobs_without_user_direction, 2);  // unknown user both times
}

// `custom_x_10000x10000mm` with 1,000,000 impressions once added 8,000,000 kg to a year with no
// flag. Sheets larger than A0 still count (plotters exist) and are flagged; A0 itself is not.
TEST(IndicatorsTest, SheetsLargerThanA0AreFlagged) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kMfp, "DA");
  const int64_t a0 = int64_t{841} * 1189 * 1000 * 1000;
  src.AddJob(Job(dev, "", D(2018, 2, 1), 2, a0));                                      // A0: fine
  src.AddJob(Job(dev, "", D(2018, 2, 1), 1000000, int64_t{10000} * 10000 * 1000000));  // 10 m
  src.AddJob(Job(dev, "", D(2018, 3, 1), 1, a0 + 1));
  src.AddJob(Job(dev, "", D(2017, 3, 1), 1, a0 + 1));  // N-1: not reported
  IndicatorReport r = Compute(src, 2018);
  EXPECT_EQ(r.organisation.oversized_media_jobs, 2);
  EXPECT_EQ(Dir(r, "DA").oversized_media_jobs, 2);
  EXPECT_EQ(r.organisation.sheets, 1000003);  // counted all the same
}

// A job of 1,000,000 sheets counts, and is flagged from [indicators] large_job_sheets up (500 by
// default), in the organisation and in the direction it is attributed to; the JSON carries the
// threshold, and a report filtered to one direction keeps it and the paper source.
TEST(IndicatorsTest, LargeJobsAreFlaggedFromTheThreshold) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kMfp, "DA");
  src.AddClassifiedDevice(kMfp, "DB");
  src.AddJob(Job(dev, "", D(2018, 2, 1), 1000000));
  src.AddJob(Job(dev, "", D(2018, 2, 2), 500));
  src.AddJob(Job(dev, "", D(2018, 2, 3), 499));
  src.AddJob(Job(dev, "", D(2017, 2, 3), 5000));  // N-1: not reported
  IndicatorReport r = Compute(src, 2018);
  EXPECT_EQ(r.large_job_sheets, 500);
  EXPECT_EQ(r.organisation.large_jobs, 2);
  EXPECT_EQ(Dir(r, "DA").large_jobs, 2);
  EXPECT_EQ(Dir(r, "DB").large_jobs, 0);
  EXPECT_EQ(r.organisation.sheets, 1000999);
  IndicatorOptions options;
  options.large_job_sheets = 100000;
  options.paper_source = PaperSource::kPurchases;
  Result<IndicatorReport> high = ComputeIndicators(src, 2018, options);
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(high->organisation.large_jobs, 1);
  const std::string json = FormatIndicatorsJson(*high);
  EXPECT_THAT(json, HasSubstr("\"large_jobs\":1"));
  EXPECT_THAT(json, HasSubstr("\"large_job_sheets\":100000"));
  Result<IndicatorReport> da = FilterDirection(*high, "DA");
  ASSERT_TRUE(da.ok());
  EXPECT_EQ(da->large_job_sheets, 100000);
  EXPECT_EQ(da->paper_source, PaperSource::kPurchases);
}

TEST(IndicatorsTest, DirectionsSortedByBytesWithUnassignedLast) {
  FakeUsageSource src;
  const int64_t drh = src.AddClassifiedDevice(kMfp, "DRH");
  const int64_t none = src.AddClassifiedDevice(kMfp, "");
  src.AddClassifiedDevice(kMfp, "zeta");
  src.AddUserDirection("u1", "Cabinet");
  src.AddUserDirection("u2", "DATM");
  src.AddUserDirection("u3", "");                      // an empty direction names nothing
  src.AddWorkstations("Économie", D(2018, 1, 1), 10);  // É is 0xC3: after ASCII
  model::Device ghost;  // unclassified: its direction is not a direction
  ghost.direction = "Ghost";
  src.AddDevice(ghost);
  src.AddJob(Job(drh, "", D(2018, 1, 1), 1));
  src.AddJob(Job(none, "", D(2017, 1, 1), 1));  // unassigned in N-1 only: still listed
  IndicatorReport r = Compute(src, 2018);
  EXPECT_THAT(DirNames(r), ElementsAre("Cabinet", "DATM", "DRH", "zeta", "Économie", "unassigned"));
  EXPECT_NEAR(Dir(r, "unassigned").paper_kg_previous_year, 0.0049896, kEps);
}

TEST(IndicatorsTest, UnassignedListedWhenNamedEvenWithoutJobs) {
  FakeUsageSource src;
  src.AddWorkstations("unassigned", D(2018, 1, 1), 5);
  src.AddWorkstations("DA", D(2018, 1, 1), 5);
  IndicatorReport r = Compute(src, 2018);
  EXPECT_THAT(DirNames(r), ElementsAre("DA", "unassigned"));
  EXPECT_EQ(r.organisation.workstations, std::optional<int64_t>(10));
}

TEST(IndicatorsTest, ReadsOnlyTheMonthsOfNMinus1AndNInOneCall) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kMfp, "DA");
  src.AddJob(Job(dev, "", D(2016, 12, 31), 1000));  // N-2: ignored
  src.AddJob(Job(dev, "", D(2017, 1, 1), 10));
  src.AddJob(Job(dev, "", D(2018, 12, 31), 20));
  src.AddJob(Job(dev, "", D(2019, 1, 1), 1000));  // N+1: ignored
  IndicatorReport r = Compute(src, 2018);
  EXPECT_EQ(r.organisation.sheets, 20);
  EXPECT_NEAR(r.organisation.paper_kg_previous_year, 10 * 4.9896 / 1000, kEps);
  ASSERT_EQ(src.monthly_calls(), 1);
  EXPECT_EQ(src.monthly_call_log()[0].first, MonthIndex(2017, 1));
  EXPECT_EQ(src.monthly_call_log()[0].second, MonthIndex(2018, 12));
}

// A queue's paper stock changes from standard 80 g/m² to recycled 80 g/m² on the 1st of a month
// (no daily rows needed) and another queue's in the middle of July (its July is read by day).
TEST(IndicatorsTest, StockChangeAppliesFromItsDateAndLeavesPastYearsAlone) {
  FakeUsageSource src;
  src.AddPaper("STD80", /*recycled=*/false, 80);
  src.AddPaper("REC80", /*recycled=*/true, 80);
  const int64_t a = src.AddClassifiedDevice(kMfp, "DA", "STD80", D(2010, 1, 1), D(2018, 7, 1));
  src.AddDevicePeriod(a, FakeUsageSource::Period(kMfp, "DA", "REC80", D(2018, 7, 1)));
  const int64_t b = src.AddClassifiedDevice(kDesktop, "DA", "STD80", D(2010, 1, 1), D(2018, 7, 15));
  src.AddDevicePeriod(b, FakeUsageSource::Period(kDesktop, "DA", "REC80", D(2018, 7, 15)));
  // 2017: everything on the standard stock, 1000 + 500 + 200 + 300 = 2000 sheets.
  src.AddJob(Job(a, "", D(2017, 3, 10), 1000));
  src.AddJob(Job(b, "", D(2017, 3, 10), 500));
  src.AddJob(Job(a, "", D(2017, 7, 20), 200));
  src.AddJob(Job(b, "", D(2017, 7, 20), 300));
  // 2018, a: 100 standard (June), 400 + 50 recycled (July).
  src.AddJob(Job(a, "", D(2018, 6, 30), 100));
  src.AddJob(Job(a, "", D(2018, 7, 1), 400));
  src.AddJob(Job(a, "", D(2018, 7, 20), 50));
  // 2018, b: 20 + 60 standard (up to 14 July), 40 + 10 + 90 recycled (from 15 July).
  src.AddJob(Job(b, "", D(2018, 6, 10), 20));
  src.AddJob(Job(b, "", D(2018, 7, 14), 60));
  src.AddJob(Job(b, "", D(2018, 7, 15), 40));
  src.AddJob(Job(b, "", D(2018, 7, 31), 10));
  src.AddJob(Job(b, "", D(2018, 8, 2), 90));

  IndicatorReport r2018 = Compute(src, 2018);
  // 2018: 550 + 220 = 770 sheets, of which 450 + 140 = 590 recycled:
  // I2 = 590 / 770 x 100 = 76.623376623... %; 770 x 4.9896 g = 3.841992 kg,
  // 590 x 4.9896 g = 2.943864 kg.
  EXPECT_EQ(r2018.organisation.sheets, 770);
  EXPECT_NEAR(r2018.organisation.paper_kg_all_devices, 3.841992, kEps);
  EXPECT_NEAR(r2018.organisation.recycled_kg, 2.943864, kEps);
  ASSERT_TRUE(r2018.organisation.recycled_share_pct.has_value());
  EXPECT_NEAR(*r2018.organisation.recycled_share_pct, 590.0 / 770.0 * 100.0, kEps);
  // I1's base, 2017: 2000 x 4.9896 g = 9.9792 kg; (3.841992 - 9.9792) / 9.9792 = -61.5 %.
  EXPECT_NEAR(r2018.organisation.paper_kg_previous_year, 9.9792, kEps);
  EXPECT_NEAR(*r2018.organisation.paper_change_pct, -61.5, kEps);
  // Only b's July 2018 was read by day; a changed on the 1st.
  ASSERT_EQ(src.device_daily_calls(), 1);
  EXPECT_EQ(src.device_daily_call_log()[0].device_id, b);
  EXPECT_EQ(src.device_daily_call_log()[0].first_day, D(2018, 7, 1));
  EXPECT_EQ(src.device_daily_call_log()[0].last_day, D(2018, 7, 31));
  EXPECT_EQ(src.daily_calls(), 0);

  // 2017 is not rewritten by the 2018 stock: 2000 sheets, 9.9792 kg, nothing recycled.
  IndicatorReport r2017 = Compute(src, 2017);
  EXPECT_EQ(r2017.organisation.sheets, 2000);
  EXPECT_NEAR(r2017.organisation.paper_kg, 9.9792, kEps);
  EXPECT_EQ(r2017.organisation.recycled_kg, 0.0);
  EXPECT_EQ(r2017.organisation.recycled_share_pct, std::optional<double>(0.0));
  EXPECT_EQ(src.device_daily_calls(), 1);  // nothing changes inside a month of 2016-2017
}

TEST(IndicatorsTest, DeviceChangingDirectionMidMonthIsReadDayByDay) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(kMfp, "DA", "", D(2010, 1, 1), D(2018, 5, 10));
  src.AddDevicePeriod(dev, FakeUsageSource::Period(kMfp, "DB", "", D(2018, 5, 10)));
  src.AddUserDirection("alice", "DX");
  src.AddJob(Job(dev, "", D(2018, 4, 30), 3));       // DA (monthly row)
  src.AddJob(Job(dev, "", D(2018, 5, 9), 7));        // DA, the last day of the first row
  src.AddJob(Job(dev, "", D(2018, 5, 10), 11));      // DB, the first day of the second row
  src.AddJob(Job(dev, "alice", D(2018, 5, 5), 13));  // DX: the user's direction wins
  src.AddJob(Job(dev, "", D(2018, 6, 1), 5));        // DB (monthly row)
  IndicatorReport r = Compute(src, 2018);
  // DA: 3 + 7 = 10; DB: 11 + 5 = 16; DX: 13.
  EXPECT_THAT(DirNames(r), ElementsAre("DA", "DB", "DX"));
  EXPECT_EQ(Dir(r, "DA").sheets, 10);
  EXPECT_EQ(Dir(r, "DB").sheets, 16);
  EXPECT_EQ(Dir(r, "DX").sheets, 13);
  EXPECT_EQ(r.organisation.sheets, 39);
  EXPECT_EQ(r.organisation.jobs_without_user_direction, 4);
  EXPECT_EQ(Dir(r, "DX").jobs_without_user_direction, 0);
  ASSERT_EQ(src.device_daily_calls(), 1);
  EXPECT_EQ(src.device_daily_call_log()[0].first_day, D(2018, 5, 1));
  EXPECT_EQ(src.device_daily_call_log()[0].last_day, D(2018, 5, 31));
}

// alice changes direction on 10 March and device d changes stock on 20 March: alice's rows on
// d in March are read once, with d's daily rows, not again with alice's.
TEST(IndicatorsTest, UserAndDeviceSplitInOneMonthCountOnce) {
  FakeUsageSource src;
  src.AddPaper("STD80", false, 80);
  src.AddPaper("REC80", true, 80);
  const int64_t d = src.AddClassifiedDevice(kDesktop, "DA", "STD80", D(2010, 1, 1), D(2018, 3, 20));
  src.AddDevicePeriod(d, FakeUsageSource::Period(kDesktop, "DA", "REC80", D(2018, 3, 20)));
  const int64_t e = src.AddClassifiedDevice(kMfp, "DA", "STD80");
  src.AddUserDirection("alice", "DA", std::nullopt, D(2018, 3, 10));
  src.AddUserDirection("alice", "DB", D(2018, 3, 10), std::nullopt);
  src.AddUserDirection("bob", "DC");
  src.AddJob(Job(d, "alice", D(2018, 3, 5), 1));     // DA, standard
  src.AddJob(Job(d, "alice", D(2018, 3, 12), 2));    // DB, standard
  src.AddJob(Job(d, "alice", D(2018, 3, 25), 4));    // DB, recycled
  src.AddJob(Job(e, "alice", D(2018, 3, 5), 8));     // DA, standard (alice's daily rows)
  src.AddJob(Job(e, "alice", D(2018, 3, 15), 16));   // DB, standard (alice's daily rows)
  src.AddJob(Job(d, "bob", D(2018, 3, 2), 32));      // DC, standard
  src.AddJob(Job(d, "bob", D(2018, 3, 21), 64));     // DC, recycled
  src.AddJob(Job(d, "", D(2018, 3, 19), 128));       // device's DA, standard
  src.AddJob(Job(d, "", D(2018, 3, 20), 256));       // device's DA, recycled
  src.AddJob(Job(d, "alice", D(2018, 2, 10), 512));  // DA, standard (monthly row)
  src.AddJob(Job(d, "alice", D(2018, 4, 1), 1024));  // DB, recycled (monthly row)
  IndicatorReport r = Compute(src, 2018);
  // All 11 jobs once: 2047 sheets. DA 1 + 8 + 128 + 256 + 512 = 905;
  // DB 2 + 4 + 16 + 1024 = 1046; DC 32 + 64 = 96.
  EXPECT_EQ(r.organisation.sheets, 2047);
  EXPECT_EQ(Dir(r, "DA").sheets, 905);
  EXPECT_EQ(Dir(r, "DB").sheets, 1046);
  EXPECT_EQ(Dir(r, "DC").sheets, 96);
  // Recycled: 4 + 64 + 256 + 1024 = 1348 sheets x 4.9896 g = 6.7259808 kg; DA 256 sheets
  // = 1.2773376 kg, DB 1028 = 5.1293088 kg, DC 64 = 0.3193344 kg.
  EXPECT_NEAR(r.organisation.recycled_kg, 6.7259808, kEps);
  EXPECT_NEAR(Dir(r, "DA").recycled_kg, 1.2773376, kEps);
  EXPECT_NEAR(Dir(r, "DB").recycled_kg, 5.1293088, kEps);
  EXPECT_NEAR(Dir(r, "DC").recycled_kg, 0.3193344, kEps);
  EXPECT_NEAR(r.organisation.paper_kg, 2047 * 4.9896 / 1000, kEps);  // 10.2137112 kg
  EXPECT_EQ(r.organisation.jobs_without_user_direction, 2);
  ASSERT_EQ(src.device_daily_calls(), 1);
  EXPECT_EQ(src.device_daily_call_log()[0].device_id, d);
  EXPECT_EQ(src.device_daily_call_log()[0].first_day, D(2018, 3, 1));
  ASSERT_EQ(src.daily_calls(), 1);
  EXPECT_EQ(src.daily_call_log()[0].user_id, src.UserId("alice"));
  EXPECT_EQ(src.daily_call_log()[0].last_day, D(2018, 3, 31));
}

TEST(IndicatorsTest, DeviceCountsFollowEachServicePeriod) {
  FakeUsageSource src;
  const Day old = D(2012, 1, 1);
  // x: a desktop printer replaced by another behind the same queue on 1 June 2018.
  const int64_t x = src.AddClassifiedDevice(kDesktop, "DA", "", old, D(2018, 6, 1));
  src.AddDevicePeriod(x, FakeUsageSource::Period(kDesktop, "DA", "", D(2018, 6, 1)));
  // y: a desktop printer replaced by an MFP on 1 March 2018.
  const int64_t y = src.AddClassifiedDevice(kDesktop, "DB", "", old, D(2018, 3, 1));
  src.AddDevicePeriod(y, FakeUsageSource::Period(kMfp, "DB", "", D(2018, 3, 1)));
  // z: an MFP that moves from DA to DB on 1 September 2018.
  const int64_t z = src.AddClassifiedDevice(kMfp, "DA", "", old, D(2018, 9, 1));
  src.AddDevicePeriod(z, FakeUsageSource::Period(kMfp, "DB", "", D(2018, 9, 1)));
  IndicatorReport r = Compute(src, 2018);
  // 31 Dec 2017: desktops x (DA), y (DB); MFPs z (DA).
  // 31 Dec 2018: desktops x (DA); MFPs y (DB), z (DB).
  EXPECT_EQ(r.organisation.desktop_printers_previous_year, 2);
  EXPECT_EQ(r.organisation.desktop_printers, 1);
  EXPECT_NEAR(*r.organisation.desktop_printers_change_pct, -50.0, kEps);  // (1 - 2) / 2
  EXPECT_EQ(r.organisation.mfps_previous_year, 1);
  EXPECT_EQ(r.organisation.mfps, 2);
  EXPECT_NEAR(*r.organisation.mfp_change_pct, 100.0, kEps);  // (2 - 1) / 1
  const ScopeFigures& da = Dir(r, "DA");
  EXPECT_EQ(da.desktop_printers_previous_year, 1);  // x counts once on each date
  EXPECT_EQ(da.desktop_printers, 1);
  EXPECT_EQ(da.desktop_printers_change_pct, std::optional<double>(0.0));
  EXPECT_EQ(da.mfps_previous_year, 1);
  EXPECT_EQ(da.mfps, 0);
  EXPECT_NEAR(*da.mfp_change_pct, -100.0, kEps);
  const ScopeFigures& db = Dir(r, "DB");
  EXPECT_EQ(db.desktop_printers_previous_year, 1);
  EXPECT_EQ(db.desktop_printers, 0);
  EXPECT_EQ(db.mfps_previous_year, 0);
  EXPECT_EQ(db.mfps, 2);
  EXPECT_FALSE(db.mfp_change_pct.has_value());
  // The same counts a year later: x 1 -> 1 desktop, y and z 2 -> 2 MFPs.
  IndicatorReport r2019 = Compute(src, 2019);
  EXPECT_EQ(r2019.organisation.desktop_printers_previous_year, 1);
  EXPECT_EQ(r2019.organisation.desktop_printers, 1);
  EXPECT_EQ(r2019.organisation.mfps, 2);
}

TEST(IndicatorsTest, ListsUnclassifiedQueues) {
  FakeUsageSource src;
  model::Device zz;
  zz.server = "print2";
  zz.queue = "zz";
  src.AddDevice(zz);
  model::Device b;
  b.server = "print1";
  b.queue = "b";
  b.in_service = D(2010, 1, 1);
  const int64_t b_id = src.AddDevice(b);
  src.AddClassifiedDevice(kMfp, "DA");  // classified: not listed
  src.AddJob(Job(b_id, "", D(2018, 2, 1), 5));
  IndicatorReport r = Compute(src, 2018);
  EXPECT_THAT(r.unclassified_queues, ElementsAre("print1/b", "print2/zz"));
  EXPECT_EQ(r.organisation.jobs_on_unclassified_devices, 1);
  EXPECT_THAT(FormatIndicatorsJson(r),
              HasSubstr("\"unclassified_queues\":[\"print1/b\",\"print2/zz\"],"));
  EXPECT_THAT(FormatIndicatorsTable(r), HasSubstr("Unclassified queues: print1/b, print2/zz.\n"));
  Result<IndicatorReport> filtered = FilterDirection(r, "DA");
  ASSERT_TRUE(filtered.ok());
  EXPECT_EQ(filtered->unclassified_queues, r.unclassified_queues);

  FakeUsageSource classified;
  classified.AddClassifiedDevice(kMfp, "DA");
  IndicatorReport none = Compute(classified, 2018);
  EXPECT_TRUE(none.unclassified_queues.empty());
  EXPECT_THAT(FormatIndicatorsJson(none), HasSubstr("\"unclassified_queues\":[]"));
  EXPECT_THAT(FormatIndicatorsTable(none), HasSubstr("Unclassified queues: none.\n"));
}

// Fills a source with a mixed data set, inventory and jobs in either order; device ids are
// fixed, user ids follow the order of the jobs.
void FillMixed(FakeUsageSource& src, bool reversed) {
  std::vector<std::function<void()>> steps;
  steps.push_back([&] { src.AddPaper("REC90", true, 90); });
  steps.push_back([&] { src.AddPaper("STD80", false, 80); });
  steps.push_back([&] { src.AddPaper("A75", false, 75); });
  steps.push_back([&] { src.AddClassifiedDevice(kMfp, "DA", "REC90", D(2010, 1, 1), {}, 3); });
  steps.push_back([&] { src.AddClassifiedDevice(kDesktop, "DB", "A75", D(2017, 6, 1), {}, 5); });
  steps.push_back([&] { src.AddClassifiedDevice(kPrintShop, "", "STD80", D(2010, 1, 1), {}, 8); });
  // Device 9 has three service periods: a change of everything on 14 Feb 2018, then on 1 Oct.
  steps.push_back(
      [&] { src.AddClassifiedDevice(kMfp, "DA", "STD80", D(2010, 1, 1), D(2018, 2, 14), 9); });
  steps.push_back([&] {
    src.AddDevicePeriod(
        9, FakeUsageSource::Period(kDesktop, "DB", "REC90", D(2018, 2, 14), D(2018, 10, 1)));
  });
  steps.push_back([&] {
    src.AddDevicePeriod(9, FakeUsageSource::Period(kPrintShop, "", "A75", D(2018, 10, 1)));
  });
  steps.push_back([&] { src.AddUserDirection("alice", "DA", std::nullopt, D(2018, 3, 15)); });
  steps.push_back([&] { src.AddUserDirection("alice", "DB", D(2018, 3, 15)); });
  steps.push_back([&] { src.AddUserDirection("bob", "DB"); });
  steps.push_back([&] { src.AddWorkstations("DA", D(2018, 1, 1), 17); });
  steps.push_back([&] { src.AddWorkstations("DB", D(2017, 1, 1), 23); });
  const std::vector<std::string> users = {"alice", "bob", "", "carl"};
  const std::vector<int64_t> devices = {3, 5, 8, 42, 9};
  int n = 0;
  for (int year : {2017, 2018}) {
    for (int month = 1; month <= 12; ++month) {
      for (int day : {1, 14, 15, 28}) {
        ++n;
        const int64_t area = n % 3 == 0 ? kLetterAreaUm2 : n % 3 == 1 ? kA4AreaUm2 : kA3AreaUm2;
        FakeJob j =
            Job(devices[n % 5], users[(n / 5) % 4], D(year, month, day), 1 + n * 37 % 101, area);
        j.media_known = n % 7 != 0;
        steps.push_back([&src, j] { src.AddJob(j); });
      }
    }
  }
  if (reversed) std::reverse(steps.begin(), steps.end());
  for (auto& step : steps) step();
}

TEST(IndicatorsTest, ResultsDoNotDependOnImportOrder) {
  FakeUsageSource forward, backward;
  FillMixed(forward, false);
  FillMixed(backward, true);
  ASSERT_NE(forward.UserId("alice"), backward.UserId("alice"));  // the ids differ
  IndicatorReport a = Compute(forward, 2018);
  IndicatorReport b = Compute(backward, 2018);
  EXPECT_EQ(FormatIndicatorsJson(a), FormatIndicatorsJson(b));  // bit for bit
  EXPECT_THAT(DirNames(a), ElementsAre("DA", "DB", "unassigned"));
  EXPECT_GT(a.organisation.sheets, 0);
  EXPECT_EQ(forward.daily_calls(), 1);         // alice, March 2018
  EXPECT_EQ(forward.device_daily_calls(), 1);  // device 9, February 2018 (n = 54, 14 Feb)
  EXPECT_EQ(backward.device_daily_calls(), 1);
  // The organisation is the exact sum of its directions.
  int64_t sheets = 0;
  for (const ScopeFigures& d : a.directions) sheets += d.sheets_all_devices;
  EXPECT_EQ(sheets, a.organisation.sheets_all_devices);
}

// DESIGN.md's published 2018 row: I1 -13.03 %, I2 18.0 %, I3 -1.83 %, I4 +1.35 %,
// I5 20.44 kg with 349 workstations, 804 desktop printers and 226 MFPs.
TEST(IndicatorsTest, ReproducesPublished2018Row) {
  FakeUsageSource src;
  src.AddPaper("REC80", true, 80);
  src.AddPaper("STD80", false, 80);
  // Desktop printers: 819 on 31 Dec 2017, 15 retired during 2018 -> 804.
  for (int i = 0; i < 819; ++i) {
    src.AddClassifiedDevice(kDesktop, i % 2 ? "DATM" : "DRH", "STD80", D(2012, 1, 1),
                            i < 15 ? std::optional<Day>(D(2018, 5, 1)) : std::nullopt);
  }
  // MFPs: 223 on 31 Dec 2017, 3 added in 2018 -> 226.
  for (int i = 0; i < 226; ++i) {
    src.AddClassifiedDevice(kMfp, "DATM", "STD80", i < 223 ? D(2012, 1, 1) : D(2018, 9, 1));
  }
  const int64_t office = src.AddClassifiedDevice(model::DeviceClass::kOther, "DATM", "STD80");
  const int64_t office_rec = src.AddClassifiedDevice(model::DeviceClass::kOther, "DRH", "REC80");
  const int64_t shop = src.AddClassifiedDevice(kPrintShop, "DATM", "STD80");
  src.AddWorkstations("DATM", D(2016, 1, 1), 200);
  src.AddWorkstations("DRH", D(2018, 1, 1), 149);
  // 2017, office: 1,643,884 sheets of A4 at 80 g/m² = 8202.3 kg; the print shop is excluded.
  src.AddJob(Job(office, "", D(2017, 4, 1), 1643884));
  src.AddJob(Job(shop, "", D(2017, 4, 1), 250000));
  // 2018, office: 1,117,633 + 312,053 (recycled) = 1,429,686 sheets x 4.9896 g
  //   = 7,133,561.27 g = 7133.56 kg; print shop 303,940 sheets; all 1,733,626 sheets
  //   = 8650.10 kg.
  src.AddJob(Job(office, "", D(2018, 4, 1), 1117633));
  src.AddJob(Job(office_rec, "", D(2018, 4, 1), 312053));
  src.AddJob(Job(shop, "", D(2018, 4, 1), 303940));
  IndicatorReport r = Compute(src, 2018);
  const ScopeFigures& org = r.organisation;
  auto round_to = [](double v, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(v * scale) / scale;
  };
  // I1 = (1,429,686 - 1,643,884) / 1,643,884 = -13.02999 %.
  EXPECT_EQ(round_to(*org.paper_change_pct, 2), -13.03);
  // I2 = 312,053 / 1,733,626 = 18.00002 %.
  EXPECT_EQ(round_to(*org.recycled_share_pct, 1), 18.0);
  // I3 = (804 - 819) / 819 = -1.8315 %.
  EXPECT_EQ(round_to(*org.desktop_printers_change_pct, 2), -1.83);
  // I4 = (226 - 223) / 223 = +1.3453 %.
  EXPECT_EQ(round_to(*org.mfp_change_pct, 2), 1.35);
  EXPECT_EQ(round_to(*org.mfp_change_pct, 1), 1.3);
  // I5 = 7133.5613 kg / (200 + 149) = 20.4400 kg.
  EXPECT_EQ(round_to(*org.kg_per_workstation, 2), 20.44);
  EXPECT_EQ(round_to(org.paper_kg, 2), 7133.56);
  EXPECT_EQ(round_to(org.paper_kg_all_devices, 2), 8650.10);
  EXPECT_EQ(org.sheets, 1429686);
  EXPECT_EQ(org.workstations, std::optional<int64_t>(349));
  EXPECT_EQ(org.desktop_printers, 804);
  EXPECT_EQ(org.mfps, 226);
}

TEST(IndicatorsTest, SourceErrorsAreReturned) {
  {
    FakeUsageSource src;
    src.FailLoadInventory(Status::IoError("disk on fire"));
    Result<IndicatorReport> r = ComputeIndicators(src, 2018);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kIoError);
  }
  {
    FakeUsageSource src;
    src.FailLoadUserNames(Status::Corruption("bad row"));
    EXPECT_EQ(ComputeIndicators(src, 2018).status().code(), Status::Code::kCorruption);
  }
  {
    FakeUsageSource src;
    src.FailMonthlyRows(Status::IoError("locked"));
    EXPECT_EQ(ComputeIndicators(src, 2018).status().message(), "locked");
  }
  {
    FakeUsageSource src;
    const int64_t dev = src.AddClassifiedDevice(kMfp, "DA");
    src.AddUserDirection("alice", "DA", std::nullopt, D(2018, 3, 15));
    src.AddJob(Job(dev, "alice", D(2018, 3, 2), 1));
    src.FailDailyRows(Status::IoError("daily locked"));
    EXPECT_EQ(ComputeIndicators(src, 2018).status().message(), "daily locked");
  }
  {
    FakeUsageSource src;
    const int64_t dev = src.AddClassifiedDevice(kMfp, "DA", "", D(2010, 1, 1), D(2018, 3, 15));
    src.AddDevicePeriod(dev, FakeUsageSource::Period(kMfp, "DB", "", D(2018, 3, 15)));
    src.AddJob(Job(dev, "", D(2018, 3, 2), 1));
    src.FailDeviceDailyRows(Status::IoError("device daily locked"));
    EXPECT_EQ(ComputeIndicators(src, 2018).status().message(), "device daily locked");
  }
}

TEST(IndicatorsTest, RejectsImpossibleYears) {
  FakeUsageSource src;
  for (int year : {0, 1, 10000, -5}) {
    Result<IndicatorReport> r = ComputeIndicators(src, year);
    ASSERT_FALSE(r.ok()) << year;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  }
  EXPECT_TRUE(ComputeIndicators(src, 2).ok());
  EXPECT_TRUE(ComputeIndicators(src, 9999).ok());
}

TEST(FilterDirectionTest, KeepsOrganisationAndOneDirection) {
  IndicatorReport report;
  report.year = 2018;
  report.organisation.sheets = 10;
  for (const char* name : {"DA", "DB", "unassigned"}) {
    ScopeFigures f;
    f.direction = name;
    report.directions.push_back(f);
  }
  Result<IndicatorReport> r = FilterDirection(report, "DB");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->year, 2018);
  EXPECT_EQ(r->organisation.sheets, 10);
  ASSERT_EQ(r->directions.size(), 1u);
  EXPECT_EQ(r->directions[0].direction, "DB");

  Result<IndicatorReport> missing = FilterDirection(report, "db");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("'db'"));
  EXPECT_THAT(missing.status().message(), HasSubstr("DA, DB, unassigned"));
}

}  // namespace
}  // namespace ramette::aggregator::indicators
