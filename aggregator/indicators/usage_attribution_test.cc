// AttributeUsage on its own: periods, per-class figures, exactness and the daily fallback.
#include "aggregator/indicators/usage_attribution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/civil_time.h"
#include "tests/fakes/fake_usage_source.h"

namespace ramette::aggregator::indicators {
namespace {

using ramette::testing::FakeJob;
using ramette::testing::FakeUsageSource;
using ramette::testing::kA4AreaUm2;
using ::testing::ElementsAre;
using ::testing::Pair;

constexpr double kEps = 1e-9;
constexpr int kMfp = static_cast<int>(model::DeviceClass::kMfp);
constexpr int kPrintShop = static_cast<int>(model::DeviceClass::kPrintShop);

Day D(int y, int m, int d) { return DaysFromCivil(y, m, d); }

FakeJob Job(int64_t device, std::string user, Day day, int64_t sheets) {
  FakeJob j;
  j.device_id = device;
  j.user = std::move(user);
  j.day = day;
  j.sheets = sheets;
  return j;
}

Result<AttributedUsage> Attribute(FakeUsageSource& src, std::vector<MonthRange> periods) {
  Result<model::Inventory> inv = src.LoadInventory();
  Result<UserNames> names = src.LoadUserNames();
  EXPECT_TRUE(inv.ok() && names.ok());
  return AttributeUsage(src, *inv, *names, periods);
}

TEST(AttributeUsageTest, SplitsByClassWithDuplexAndColourSheets) {
  FakeUsageSource src;
  src.AddPaper("REC", true, 80);
  const int64_t mfp = src.AddClassifiedDevice(model::DeviceClass::kMfp, "DA", "REC");
  const int64_t shop = src.AddClassifiedDevice(model::DeviceClass::kPrintShop, "DA");
  FakeJob duplex = Job(mfp, "", D(2018, 5, 3), 10);
  duplex.two_sided = true;
  duplex.impressions = 20;
  FakeJob colour = Job(shop, "", D(2018, 5, 4), 4);
  colour.color = true;
  src.AddJob(duplex);
  src.AddJob(colour);
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2018, 5), MonthIndex(2018, 5)}});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_EQ(u->periods.size(), 1u);
  const ScopeUsage& org = u->periods[0].organisation;
  EXPECT_EQ(org.by_class[kMfp].sums.sheets, 10);
  EXPECT_EQ(org.by_class[kMfp].sums.impressions, 20);
  EXPECT_EQ(org.by_class[kMfp].sums.two_sided_sheets, 10);
  EXPECT_NEAR(org.by_class[kMfp].recycled_mass_kg, 0.049896, kEps);  // 10 x 4.9896 g
  EXPECT_EQ(org.by_class[kPrintShop].sums.color_sheets, 4);
  EXPECT_NEAR(org.by_class[kPrintShop].mass_kg, 0.0199584, kEps);  // 4 x 4.9896 g
  EXPECT_EQ(org.all_devices.sums.jobs, 2);
  EXPECT_EQ(org.all_devices.sums.sheets, 14);
  EXPECT_NEAR(org.all_devices.mass_kg, 0.0698544, kEps);
  EXPECT_EQ(org.excluding_print_shop.sums.sheets, 10);
  EXPECT_NEAR(org.excluding_print_shop.recycled_mass_kg, 0.049896, kEps);
  ASSERT_THAT(u->directions, ElementsAre("DA"));
  EXPECT_EQ(u->periods[0].directions[0].all_devices.sums.sheets, 14);
}

TEST(AttributeUsageTest, PeriodsMayOverlapAndLeaveGaps) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(model::DeviceClass::kMfp, "DA");
  src.AddJob(Job(dev, "", D(2018, 1, 5), 1));
  src.AddJob(Job(dev, "", D(2018, 2, 5), 2));
  src.AddJob(Job(dev, "", D(2018, 3, 5), 4));
  src.AddJob(Job(dev, "", D(2019, 6, 5), 8));  // in the gap
  src.AddJob(Job(dev, "", D(2020, 1, 5), 16));
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2020, 1), MonthIndex(2020, 1)},
                                              {MonthIndex(2018, 1), MonthIndex(2018, 3)},
                                              {MonthIndex(2018, 2), MonthIndex(2018, 2)}});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_EQ(u->periods.size(), 3u);  // in the order requested
  EXPECT_EQ(u->periods[0].organisation.all_devices.sums.sheets, 16);
  EXPECT_EQ(u->periods[1].organisation.all_devices.sums.sheets, 7);  // 1 + 2 + 4
  EXPECT_EQ(u->periods[2].organisation.all_devices.sums.sheets, 2);
  EXPECT_EQ(u->periods[1].months.first_month, MonthIndex(2018, 1));
  // One call per run of contiguous months; the gap is not read.
  EXPECT_THAT(src.monthly_call_log(), ElementsAre(Pair(MonthIndex(2018, 1), MonthIndex(2018, 3)),
                                                  Pair(MonthIndex(2020, 1), MonthIndex(2020, 1))));
}

TEST(AttributeUsageTest, ConsecutiveSplitMonthsAreReadInOneDailyCall) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(model::DeviceClass::kMfp, "");
  src.AddUserDirection("alice", "DA", std::nullopt, D(2018, 3, 10));
  src.AddUserDirection("alice", "DB", D(2018, 3, 10), D(2018, 4, 20));
  src.AddUserDirection("alice", "DC", D(2018, 4, 20), std::nullopt);
  src.AddJob(Job(dev, "alice", D(2018, 3, 9), 1));    // DA
  src.AddJob(Job(dev, "alice", D(2018, 3, 10), 2));   // DB
  src.AddJob(Job(dev, "alice", D(2018, 4, 19), 4));   // DB
  src.AddJob(Job(dev, "alice", D(2018, 4, 20), 8));   // DC
  src.AddJob(Job(dev, "alice", D(2018, 5, 20), 16));  // DC, monthly row
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2018, 1), MonthIndex(2018, 12)}});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_THAT(u->directions, ElementsAre("DA", "DB", "DC"));
  EXPECT_EQ(u->periods[0].directions[0].all_devices.sums.sheets, 1);
  EXPECT_EQ(u->periods[0].directions[1].all_devices.sums.sheets, 6);
  EXPECT_EQ(u->periods[0].directions[2].all_devices.sums.sheets, 24);
  ASSERT_EQ(src.daily_calls(), 1);
  EXPECT_EQ(src.daily_call_log()[0].first_day, D(2018, 3, 1));
  EXPECT_EQ(src.daily_call_log()[0].last_day, D(2018, 4, 30));
}

TEST(AttributeUsageTest, SplitMonthWithoutJobsIsNotRead) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(model::DeviceClass::kMfp, "");
  src.AddUserDirection("alice", "DA", std::nullopt, D(2018, 3, 10));
  src.AddJob(Job(dev, "alice", D(2018, 2, 9), 1));  // February: one direction all month
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2018, 1), MonthIndex(2018, 12)}});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(src.daily_calls(), 0);
  EXPECT_EQ(u->periods[0].directions[0].all_devices.sums.sheets, 1);
}

TEST(AttributeUsageTest, OverlappingDirectoryRowsLatestStartWins) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(model::DeviceClass::kMfp, "");
  src.AddUserDirection("bob", "DB", D(2018, 6, 1), std::nullopt);
  src.AddUserDirection("bob", "DA", D(2017, 1, 1), std::nullopt);  // still open
  src.AddJob(Job(dev, "bob", D(2018, 5, 1), 1));                   // DA only
  src.AddJob(Job(dev, "bob", D(2018, 7, 1), 2));                   // both hold: DB started last
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2018, 1), MonthIndex(2018, 12)}});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->periods[0].directions[0].all_devices.sums.sheets, 1);
  EXPECT_EQ(u->periods[0].directions[1].all_devices.sums.sheets, 2);
}

// Windows spellings of one person, stored before the [users] rule was set, meet the directory
// row once the rule is recorded; they count as one user without a direction when none holds.
TEST(AttributeUsageTest, UserNamesAreComparedAfterTheRecordedNormalisation) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(model::DeviceClass::kMfp, "DSI");
  src.AddUserDirection("JDUPONT", "DAF", D(2018, 3, 1), std::nullopt);
  src.AddJob(Job(dev, "EXAMPLE\\jdupont", D(2018, 3, 5), 1));
  src.AddJob(Job(dev, "jdupont@EXAMPLE.ORG", D(2018, 3, 6), 2));
  src.AddJob(Job(dev, "JDupont", D(2018, 2, 6), 4));  // before the directory row: DSI
  src.AddJob(Job(dev, "jdupont", D(2018, 2, 7), 8));
  auto inv = src.LoadInventory();
  auto names = src.LoadUserNames();
  ASSERT_TRUE(inv.ok() && names.ok());
  AttributionOptions options;
  options.users_without_direction = true;
  const std::vector<MonthRange> year = {{MonthIndex(2018, 1), MonthIndex(2018, 12)}};
  // As sent: no job meets the row; four users without a direction.
  auto plain = AttributeUsage(src, *inv, *names, year, options);
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain->directions, (std::vector<std::string>{"DAF", "DSI"}));
  EXPECT_EQ(plain->periods[0].directions[0].all_devices.sums.sheets, 0);
  EXPECT_EQ(plain->periods[0].organisation.users_without_direction, 4);
  // case = "lower", strip_domain = true.
  inv->user_name_rule = {.lower_case = true, .strip_domain = true};
  auto ruled = AttributeUsage(src, *inv, *names, year, options);
  ASSERT_TRUE(ruled.ok());
  EXPECT_EQ(ruled->periods[0].directions[0].all_devices.sums.sheets, 3);   // DAF from 1 March
  EXPECT_EQ(ruled->periods[0].directions[1].all_devices.sums.sheets, 12);  // DSI, the device's
  EXPECT_EQ(ruled->periods[0].organisation.users_without_direction, 1);
}

// A device's rows: P1 on recycled stock in DA from 10 Dec 2015 to 1 Jun 2016, P2 on standard
// stock in DB from 1 Mar 2017. Before P1 the earliest row applies, in the gap the latest started.
TEST(AttributeUsageTest, DevicePeriodOutsideServiceIsEarliestOrLatestStarted) {
  FakeUsageSource src;
  src.AddPaper("REC", true, 80);
  src.AddPaper("STD", false, 80);
  const int64_t dev = src.AddClassifiedDevice(model::DeviceClass::kMfp, "DA", "REC",
                                              D(2015, 12, 10), D(2016, 6, 1));
  src.AddDevicePeriod(
      dev, FakeUsageSource::Period(model::DeviceClass::kMfp, "DB", "STD", D(2017, 3, 1)));
  src.AddJob(Job(dev, "", D(2015, 11, 20), 1));  // before every row: the earliest, P1
  src.AddJob(Job(dev, "", D(2015, 12, 5), 2));   // before P1 in P1's first month: P1
  src.AddJob(Job(dev, "", D(2016, 8, 1), 4));    // in the gap: P1 started last
  src.AddJob(Job(dev, "", D(2017, 2, 28), 8));   // in the gap: P1
  src.AddJob(Job(dev, "", D(2017, 3, 1), 16));   // P2
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2015, 11), MonthIndex(2017, 3)}});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_THAT(u->directions, ElementsAre("DA", "DB"));
  const PeriodUsage& p = u->periods[0];
  // DA: 1 + 2 + 4 + 8 = 15 sheets, all recycled: 15 x 4.9896 g = 74.844 g.
  EXPECT_EQ(p.directions[0].all_devices.sums.sheets, 15);
  EXPECT_NEAR(p.directions[0].all_devices.recycled_mass_kg, 0.074844, kEps);
  // DB: 16 sheets on standard stock: 79.8336 g, nothing recycled.
  EXPECT_EQ(p.directions[1].all_devices.sums.sheets, 16);
  EXPECT_NEAR(p.directions[1].all_devices.mass_kg, 0.0798336, kEps);
  EXPECT_EQ(p.directions[1].all_devices.recycled_mass_kg, 0.0);
  // December 2015 has a boundary on the 10th, but P1 applies on every day of it.
  EXPECT_EQ(src.device_daily_calls(), 0);
  EXPECT_EQ(src.daily_calls(), 0);
}

TEST(AttributeUsageTest, PrinterReplacedMidMonthWithSameAttributesNeedsNoDailyRows) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(model::DeviceClass::kDesktopPrinter, "DA", "",
                                              D(2010, 1, 1), D(2018, 5, 17));
  src.AddDevicePeriod(
      dev, FakeUsageSource::Period(model::DeviceClass::kDesktopPrinter, "DA", "", D(2018, 5, 17)));
  src.AddJob(Job(dev, "", D(2018, 5, 16), 3));
  src.AddJob(Job(dev, "", D(2018, 5, 17), 5));
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2018, 5), MonthIndex(2018, 5)}});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->periods[0].directions[0].all_devices.sums.sheets, 8);
  EXPECT_EQ(src.device_daily_calls(), 0);
}

TEST(AttributeUsageTest, ConsecutiveSplitDeviceMonthsAreReadInOneCall) {
  FakeUsageSource src;
  src.AddPaper("REC", true, 80);
  const int64_t dev =
      src.AddClassifiedDevice(model::DeviceClass::kMfp, "DA", "", D(2010, 1, 1), D(2018, 3, 10));
  src.AddDevicePeriod(dev, FakeUsageSource::Period(model::DeviceClass::kMfp, "DA", "REC",
                                                   D(2018, 3, 10), D(2018, 4, 20)));
  src.AddDevicePeriod(dev,
                      FakeUsageSource::Period(model::DeviceClass::kMfp, "DA", "", D(2018, 4, 20)));
  src.AddJob(Job(dev, "", D(2018, 3, 9), 1));    // standard
  src.AddJob(Job(dev, "", D(2018, 3, 10), 2));   // recycled
  src.AddJob(Job(dev, "", D(2018, 4, 19), 4));   // recycled
  src.AddJob(Job(dev, "", D(2018, 4, 20), 8));   // standard
  src.AddJob(Job(dev, "", D(2018, 5, 20), 16));  // standard, monthly row
  // Overlapping periods: April alone, and the year.
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2018, 4), MonthIndex(2018, 4)},
                                              {MonthIndex(2018, 1), MonthIndex(2018, 12)}});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  // April: 4 + 8 = 12 sheets, 4 recycled = 19.9584 g.
  EXPECT_EQ(u->periods[0].organisation.all_devices.sums.sheets, 12);
  EXPECT_NEAR(u->periods[0].organisation.all_devices.recycled_mass_kg, 0.0199584, kEps);
  // The year: 31 sheets, 2 + 4 = 6 recycled = 29.9376 g.
  EXPECT_EQ(u->periods[1].organisation.all_devices.sums.sheets, 31);
  EXPECT_NEAR(u->periods[1].organisation.all_devices.recycled_mass_kg, 0.0299376, kEps);
  ASSERT_EQ(src.device_daily_calls(), 1);
  EXPECT_EQ(src.device_daily_call_log()[0].device_id, dev);
  EXPECT_EQ(src.device_daily_call_log()[0].first_day, D(2018, 3, 1));
  EXPECT_EQ(src.device_daily_call_log()[0].last_day, D(2018, 4, 30));
}

TEST(AttributeUsageTest, SparseStoreIdsWork) {
  FakeUsageSource src;
  const int64_t big =
      src.AddClassifiedDevice(model::DeviceClass::kMfp, "DA", "", 0, {}, 1'000'000'000'000);
  src.AddJob(Job(big, "", D(2018, 1, 1), 3));
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2018, 1), MonthIndex(2018, 1)}});
  ASSERT_TRUE(u.ok());
  ASSERT_THAT(u->directions, ElementsAre("DA"));
  EXPECT_EQ(u->periods[0].directions[0].all_devices.sums.sheets, 3);
  EXPECT_EQ(u->periods[0].organisation.jobs_on_unclassified_devices, 0);
}

TEST(AttributeUsageTest, MassSumsAreExactBeyondInt64SquareMicrometres) {
  FakeUsageSource src;
  const int64_t dev = src.AddClassifiedDevice(model::DeviceClass::kPrintShop, "DA");
  // 3 x 100,000,000 A4 sheets = 1.87e19 µm², more than int64 holds (9.2e18).
  for (int i = 0; i < 3; ++i) src.AddJob(Job(dev, "", D(2018, 1, 1 + i), 100'000'000));
  Result<AttributedUsage> u = Attribute(src, {{MonthIndex(2018, 1), MonthIndex(2018, 1)}});
  ASSERT_TRUE(u.ok());
  // 300,000,000 x 4.9896 g = 1,496,880 kg, exactly the double nearest.
  EXPECT_EQ(u->periods[0].organisation.all_devices.mass_kg, 1'496'880.0);
}

TEST(AttributeUsageTest, RejectsBadPeriods) {
  FakeUsageSource src;
  for (const std::vector<MonthRange>& periods :
       std::vector<std::vector<MonthRange>>{{},
                                            {{MonthIndex(2018, 2), MonthIndex(2018, 1)}},
                                            {{-5, 3}},
                                            {{MonthIndex(1800, 1), MonthIndex(2018, 1)}},
                                            {{MonthIndex(2018, 1), MonthIndex(10000, 1)}}}) {
    Result<AttributedUsage> u = Attribute(src, periods);
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.status().code(), Status::Code::kInvalidArgument);
  }
  EXPECT_EQ(src.monthly_calls(), 0);
}

TEST(AttributeUsageTest, SumsPerDeviceOnlyWhenAsked) {
  FakeUsageSource src;
  const int64_t a = src.AddClassifiedDevice(model::DeviceClass::kDesktopPrinter, "DAF");
  const int64_t b = src.AddClassifiedDevice(model::DeviceClass::kMfp, "DAF");
  src.AddUserDirection("alice", "DAF");
  src.AddUserDirection("bob", "DRH");
  src.AddJob(Job(a, "alice", D(2018, 3, 1), 10));
  src.AddJob(Job(b, "alice", D(2018, 3, 2), 5));
  src.AddJob(Job(b, "bob", D(2018, 3, 2), 7));    // DRH through its user
  src.AddJob(Job(a, "alice", D(2018, 4, 2), 1));  // outside the period
  auto inv = src.LoadInventory();
  auto names = src.LoadUserNames();
  const std::vector<MonthRange> march = {MonthRange{MonthIndex(2018, 3), MonthIndex(2018, 3)}};
  auto plain = AttributeUsage(src, *inv, *names, march);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->periods[0].organisation.by_device.empty());
  AttributionOptions options;
  options.by_device = true;
  auto by = AttributeUsage(src, *inv, *names, march, options);
  ASSERT_TRUE(by.ok());
  ASSERT_EQ(by->directions.size(), 2u);  // DAF, DRH
  const ScopeUsage& daf = by->periods[0].directions[0];
  ASSERT_EQ(daf.by_device.size(), 2u);
  EXPECT_EQ(daf.by_device[0].first, a);
  EXPECT_EQ(daf.by_device[0].second.sheets, 10);
  EXPECT_EQ(daf.by_device[1].first, b);
  EXPECT_EQ(daf.by_device[1].second.sheets, 5);
  const ScopeUsage& org = by->periods[0].organisation;
  ASSERT_EQ(org.by_device.size(), 2u);
  EXPECT_EQ(org.by_device[1].second.sheets, 12);
  EXPECT_EQ(org.by_device[1].second.jobs, 2);
}

// Large jobs: only with the option, counted from the threshold up (>=), each attributed on its
// own day: bob moves from DAF to DRH on 15 March, so his big job of the 10th counts for DAF
// and that of the 20th for DRH; a job of an unknown user goes to its device's direction.
TEST(AttributeUsageTest, LargeJobsAreAttributedOnTheirDay) {
  FakeUsageSource src;
  const int64_t daf = src.AddClassifiedDevice(model::DeviceClass::kMfp, "DAF");
  const int64_t drh = src.AddClassifiedDevice(model::DeviceClass::kMfp, "DRH");
  src.AddUserDirection("bob", "DAF", std::nullopt, D(2018, 3, 15));
  src.AddUserDirection("bob", "DRH", D(2018, 3, 15));
  src.AddJob(Job(daf, "bob", D(2018, 3, 10), 500));   // DAF: at the threshold
  src.AddJob(Job(daf, "bob", D(2018, 3, 20), 900));   // DRH: bob's direction that day
  src.AddJob(Job(daf, "bob", D(2018, 3, 21), 499));   // below
  src.AddJob(Job(drh, "", D(2018, 3, 31), 1000));     // DRH through the device
  src.AddJob(Job(drh, "", D(2018, 4, 1), 1000));      // outside March
  src.AddJob(Job(daf, "bob", D(2018, 2, 28), 5000));  // outside March
  auto inv = src.LoadInventory();
  auto names = src.LoadUserNames();
  const std::vector<MonthRange> march = {MonthRange{MonthIndex(2018, 3), MonthIndex(2018, 3)}};
  auto plain = AttributeUsage(src, *inv, *names, march);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->periods[0].organisation.large_jobs, 0);
  AttributionOptions options;
  options.large_job_sheets = 500;
  auto r = AttributeUsage(src, *inv, *names, march, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->directions.size(), 2u);  // DAF, DRH
  EXPECT_EQ(r->periods[0].directions[0].large_jobs, 1);
  EXPECT_EQ(r->periods[0].directions[1].large_jobs, 2);
  EXPECT_EQ(r->periods[0].organisation.large_jobs, 3);
  // A threshold below the engines' floor is refused, not silently raised.
  options.large_job_sheets = 99;
  EXPECT_EQ(AttributeUsage(src, *inv, *names, march, options).status().code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace ramette::aggregator::indicators
