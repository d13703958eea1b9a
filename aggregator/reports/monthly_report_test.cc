// Hand-computed cases for ComputeMonthlyReport, and the rule that the twelve months of a year
// add up to the yearly indicators. An A4 sheet at 80 g/m² weighs 4.9896 g.
#include "aggregator/reports/monthly_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "aggregator/indicators/indicators.h"
#include "common/civil_time.h"
#include "tests/fakes/fake_usage_source.h"

namespace ramette::aggregator::reports {
namespace {

using ramette::testing::FakeJob;
using ramette::testing::FakeUsageSource;
using ramette::testing::kA3AreaUm2;
using ramette::testing::kA4AreaUm2;
using ::testing::HasSubstr;

constexpr double kEps = 1e-9;
constexpr double kA4Kg = 0.0049896;

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

MonthlyReport Compute(FakeUsageSource& source, int year, int month, ReportSettings settings = {}) {
  Result<MonthlyReport> r = ComputeMonthlyReport(source, year, month, settings);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : MonthlyReport{};
}

const ScopeMonth& Dir(const MonthlyReport& r, const std::string& name) {
  for (const ScopeMonth& d : r.directions) {
    if (d.direction == name) return d;
  }
  ADD_FAILURE() << "no direction " << name;
  static const ScopeMonth kNone;
  return kNone;
}

// DAF: a desktop printer on recycled paper and an MFP on plain paper; DRH: one MFP and a
// print-shop device. alice is in DAF, bob in DRH; carol has no direction.
class MonthlyReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_.AddPaper("recy", true, 80);
    src_.AddPaper("std", false, 80);
    daf_desk_ =
        src_.AddClassifiedDevice(model::DeviceClass::kDesktopPrinter, "DAF", "recy", D(2015, 1, 1));
    daf_mfp_ = src_.AddClassifiedDevice(model::DeviceClass::kMfp, "DAF", "std", D(2015, 1, 1));
    drh_mfp_ = src_.AddClassifiedDevice(model::DeviceClass::kMfp, "DRH", "std", D(2015, 1, 1));
    shop_ = src_.AddClassifiedDevice(model::DeviceClass::kPrintShop, "DRH", "std", D(2015, 1, 1));
    src_.AddUserDirection("alice", "DAF");
    src_.AddUserDirection("bob", "DRH");
    src_.AddWorkstations("DAF", D(2017, 1, 1), 10);
    src_.AddWorkstations("DRH", D(2017, 1, 1), 4);
  }
  FakeUsageSource src_;
  int64_t daf_desk_ = 0, daf_mfp_ = 0, drh_mfp_ = 0, shop_ = 0;
};

TEST_F(MonthlyReportTest, HandComputedMonth) {
  // March 2018, DAF: alice 100 sheets two-sided on the recycled desktop, 50 colour on the MFP;
  // carol (no direction) 10 on the DAF MFP, so DAF gets them through the device.
  FakeJob two = Job(daf_desk_, "alice", D(2018, 3, 5), 100);
  two.two_sided = true;
  src_.AddJob(two);
  FakeJob color = Job(daf_mfp_, "alice", D(2018, 3, 31), 50);
  color.color = true;
  src_.AddJob(color);
  src_.AddJob(Job(daf_mfp_, "carol", D(2018, 3, 10), 10));
  src_.AddJob(Job(drh_mfp_, "", D(2018, 3, 11), 1));  // an unknown user: a job, not a user
  // March 2017: 200 sheets; January and February 2018: 40 + 60; January 2017: 100.
  src_.AddJob(Job(daf_desk_, "alice", D(2017, 3, 1), 200));
  src_.AddJob(Job(daf_desk_, "alice", D(2018, 1, 1), 40));
  src_.AddJob(Job(daf_desk_, "alice", D(2018, 2, 28), 60));
  src_.AddJob(Job(daf_desk_, "alice", D(2017, 1, 15), 100));
  // April 2018: outside the month.
  src_.AddJob(Job(daf_desk_, "alice", D(2018, 4, 1), 999));
  // DRH: 20 A3 sheets on its MFP (= 40 A4) and 1000 on the print shop (excluded from kg).
  src_.AddJob(Job(drh_mfp_, "bob", D(2018, 3, 2), 20, kA3AreaUm2));
  src_.AddJob(Job(shop_, "bob", D(2018, 3, 2), 1000));

  ReportSettings settings;
  settings.targets.baseline_year = 2017;
  MonthlyReport r = Compute(src_, 2018, 3, settings);
  const ScopeMonth& daf = Dir(r, "DAF");
  EXPECT_EQ(daf.month.sheets, 160);
  EXPECT_NEAR(daf.month.paper_kg, 160 * kA4Kg, kEps);
  EXPECT_NEAR(*daf.kg_per_workstation, 160 * kA4Kg / 10, kEps);
  EXPECT_NEAR(*daf.month.TwoSidedSharePct(), 100.0 / 160 * 100, kEps);
  EXPECT_NEAR(*daf.month.ColorSharePct(), 50.0 / 160 * 100, kEps);
  EXPECT_NEAR(*daf.month.RecycledSharePct(), 100.0 / 160 * 100, kEps);
  EXPECT_EQ(daf.month.jobs_without_user_direction, 1);  // carol
  EXPECT_EQ(daf.month.users_without_direction, 1);
  EXPECT_EQ(daf.month_year_before.sheets, 200);
  EXPECT_NEAR(*daf.paper_change_pct, (160.0 - 200) / 200 * 100, kEps);
  EXPECT_EQ(daf.year_to_date.sheets, 40 + 60 + 160);
  EXPECT_EQ(daf.year_to_date_previous.sheets, 100 + 200);
  EXPECT_NEAR(*daf.year_to_date_change_pct, (260.0 - 300) / 300 * 100, kEps);
  // Baseline 2017, same months: 300 sheets; -13.3 % is not the -30 % target.
  ASSERT_TRUE(daf.reduction_target.value.has_value());
  EXPECT_NEAR(*daf.reduction_target.value, (260.0 - 300) / 300 * 100, kEps);
  EXPECT_FALSE(daf.reduction_target.met);
  EXPECT_NEAR(*daf.reduction_target.gap, (260.0 - 300) / 300 * 100 + 30, kEps);
  // Recycled 62.5 % >= 40 %: met, +22.5 points.
  EXPECT_TRUE(daf.recycled_target.met);
  EXPECT_NEAR(*daf.recycled_target.gap, 22.5, kEps);
  // Trend: March 2017 .. March 2018.
  EXPECT_EQ(daf.trend_months[0], MonthIndex(2017, 3));
  EXPECT_EQ(daf.trend_months[12], MonthIndex(2018, 3));
  EXPECT_NEAR(daf.trend_kg[0], 200 * kA4Kg, kEps);
  EXPECT_NEAR(daf.trend_kg[10], 40 * kA4Kg, kEps);
  EXPECT_NEAR(daf.trend_kg[11], 60 * kA4Kg, kEps);
  EXPECT_NEAR(daf.trend_kg[12], 160 * kA4Kg, kEps);
  // Devices by volume: the desktop (100) then the MFP (60).
  ASSERT_EQ(daf.devices.size(), 2u);
  EXPECT_EQ(daf.devices[0].name, "srv/q" + std::to_string(daf_desk_));
  EXPECT_EQ(daf.devices[0].sheets, 100);
  EXPECT_EQ(daf.devices[1].sheets, 60);
  EXPECT_EQ(daf.desktop_printers, 1);
  EXPECT_EQ(daf.mfps, 1);
  // DRH: 40 A4 equivalents excluding the print shop; 4 workstations.
  const ScopeMonth& drh = Dir(r, "DRH");
  EXPECT_EQ(drh.month.sheets, 21);
  EXPECT_EQ(drh.month.sheets_all_devices, 1021);
  EXPECT_NEAR(drh.month.paper_kg, 41 * kA4Kg, kEps);
  EXPECT_NEAR(*drh.kg_per_workstation, 41 * kA4Kg / 4, kEps);
  EXPECT_EQ(drh.month.jobs_without_user_direction, 1);
  EXPECT_EQ(drh.month.users_without_direction, 0);
  EXPECT_EQ(r.organisation.month.users_without_direction, 1);
  // Ranking by kg per workstation: DRH 0.0511 kg before DAF 0.0798 kg.
  ASSERT_EQ(r.ranking.size(), 2u);
  EXPECT_EQ(r.ranking[0].first, "DRH");
  EXPECT_EQ(*drh.rank, 1);
  EXPECT_EQ(*daf.rank, 2);
  // Organisation: 14 workstations, sums of both.
  EXPECT_EQ(r.organisation.month.sheets, 181);
  EXPECT_EQ(*r.organisation.workstations, 14);
  // Equivalents of DAF's 160 A4 sheets, 100 of them recycled.
  EXPECT_NEAR(daf.environment.co2e_kg, 60 * kA4Kg * 0.919 + 100 * kA4Kg * 0.708, 1e-9);
  EXPECT_NEAR(daf.environment.trees, 60.0 / 8333, 1e-9);
}

TEST_F(MonthlyReportTest, MonthFollowsTheLocalDayNotUtc) {
  // A job completed 2017-12-31 23:30 UTC is stored on local day 2018-01-01 in Paris: the
  // store gives the local day, so it belongs to January.
  src_.AddJob(Job(daf_desk_, "alice", D(2018, 1, 1), 7));
  MonthlyReport jan = Compute(src_, 2018, 1);
  MonthlyReport dec = Compute(src_, 2017, 12);
  EXPECT_EQ(Dir(jan, "DAF").month.sheets, 7);
  EXPECT_EQ(Dir(dec, "DAF").month.sheets, 0);
}

// A sheet larger than A0 counts as printed and is flagged in the month's data quality.
TEST_F(MonthlyReportTest, SheetsLargerThanA0AreFlagged) {
  const int64_t a0 = int64_t{841} * 1189 * 1000 * 1000;
  src_.AddJob(Job(daf_mfp_, "alice", D(2018, 3, 5), 2, a0));
  src_.AddJob(Job(daf_mfp_, "alice", D(2018, 3, 6), 3, a0 + 1));
  src_.AddJob(Job(daf_mfp_, "alice", D(2018, 2, 6), 1, a0 + 1));  // another month
  MonthlyReport march = Compute(src_, 2018, 3);
  EXPECT_EQ(Dir(march, "DAF").month.oversized_media_jobs, 1);
  EXPECT_EQ(march.organisation.month.oversized_media_jobs, 1);
  EXPECT_EQ(Dir(march, "DAF").month.sheets, 5);
}

TEST_F(MonthlyReportTest, DirectionWithNoJobsThatMonth) {
  src_.AddJob(Job(daf_desk_, "alice", D(2018, 3, 5), 10));
  MonthlyReport r = Compute(src_, 2018, 3);
  const ScopeMonth& drh = Dir(r, "DRH");
  EXPECT_EQ(drh.month.sheets, 0);
  EXPECT_EQ(drh.month.paper_kg, 0);
  EXPECT_FALSE(drh.month.TwoSidedSharePct().has_value());
  EXPECT_FALSE(drh.month.RecycledSharePct().has_value());
  EXPECT_FALSE(drh.paper_change_pct.has_value());
  EXPECT_FALSE(drh.recycled_target.value.has_value());
  EXPECT_FALSE(drh.recycled_target.met);
  EXPECT_TRUE(drh.devices.empty());
  EXPECT_FALSE(drh.rank.has_value());       // printed nothing: not ranked
  EXPECT_EQ(*drh.kg_per_workstation, 0.0);  // 0 kg over 4 workstations
}

TEST_F(MonthlyReportTest, MonthBeforeAnyData) {
  src_.AddJob(Job(daf_desk_, "alice", D(2018, 3, 5), 10));
  MonthlyReport r = Compute(src_, 2010, 6);
  for (const ScopeMonth* s :
       std::initializer_list<const ScopeMonth*>{&r.organisation, &Dir(r, "DAF")}) {
    EXPECT_EQ(s->month.sheets, 0);
    EXPECT_FALSE(s->paper_change_pct.has_value());
    EXPECT_FALSE(s->year_to_date_change_pct.has_value());
    EXPECT_FALSE(s->workstations.has_value());  // counts are dated 2017
    EXPECT_FALSE(s->kg_per_workstation.has_value());
    EXPECT_FALSE(s->rank.has_value());
  }
  EXPECT_TRUE(r.ranking.empty());
  EXPECT_EQ(r.organisation.desktop_printers, 0);  // devices enter service in 2015
}

TEST_F(MonthlyReportTest, TwelveMonthsAddUpToTheYearlyIndicators) {
  // Jobs spread over 2018 with a mid-month change of direction (alice moves to DRH on 15 May)
  // and a mid-month change of the desktop's stock; every month's figures must sum to the year.
  FakeUsageSource src;
  src.AddPaper("recy", true, 80);
  src.AddPaper("heavy", false, 90);
  const int64_t desk =
      src.AddClassifiedDevice(model::DeviceClass::kDesktopPrinter, "DAF", "recy", D(2015, 1, 1));
  const int64_t mfp =
      src.AddClassifiedDevice(model::DeviceClass::kMfp, "DRH", "heavy", D(2015, 1, 1));
  src.AddUserDirection("alice", "DAF", std::nullopt, D(2018, 5, 15));
  src.AddUserDirection("alice", "DRH", D(2018, 5, 15));
  src.AddWorkstations("DAF", D(2018, 1, 1), 3);
  for (int m = 1; m <= 12; ++m) {
    for (int d : {1, 14, 15, 28}) {
      src.AddJob(Job(desk, "alice", D(2018, m, d), m * 10 + d));
      src.AddJob(Job(mfp, d % 2 ? "alice" : "", D(2018, m, d), m + d, kA3AreaUm2));
    }
  }
  src.AddJob(Job(desk, "alice", D(2017, 12, 31), 5));
  src.AddJob(Job(desk, "alice", D(2019, 1, 1), 5));
  Result<indicators::IndicatorReport> year = indicators::ComputeIndicators(src, 2018);
  ASSERT_TRUE(year.ok());
  double org_kg = 0, daf_kg = 0, drh_kg = 0, recycled = 0;
  int64_t org_sheets = 0, daf_sheets = 0;
  for (int m = 1; m <= 12; ++m) {
    MonthlyReport r = Compute(src, 2018, m);
    org_kg += r.organisation.month.paper_kg;
    org_sheets += r.organisation.month.sheets;
    recycled += r.organisation.month.recycled_kg;
    daf_kg += Dir(r, "DAF").month.paper_kg;
    daf_sheets += Dir(r, "DAF").month.sheets;
    drh_kg += Dir(r, "DRH").month.paper_kg;
    if (m == 12) {
      EXPECT_NEAR(r.organisation.year_to_date.paper_kg, year->organisation.paper_kg, 1e-9);
      EXPECT_EQ(r.organisation.year_to_date.sheets, year->organisation.sheets);
    }
  }
  EXPECT_NEAR(org_kg, year->organisation.paper_kg, 1e-9);
  EXPECT_EQ(org_sheets, year->organisation.sheets);
  EXPECT_NEAR(recycled, year->organisation.recycled_kg, 1e-9);
  ASSERT_EQ(year->directions.size(), 2u);
  EXPECT_NEAR(daf_kg, year->directions[0].paper_kg, 1e-9);
  EXPECT_EQ(daf_sheets, year->directions[0].sheets);
  EXPECT_NEAR(drh_kg, year->directions[1].paper_kg, 1e-9);
}

TEST_F(MonthlyReportTest, BadArgumentsAndFilter) {
  EXPECT_FALSE(ComputeMonthlyReport(src_, 2018, 13, {}).ok());
  EXPECT_FALSE(ComputeMonthlyReport(src_, 1, 1, {}).ok());
  MonthlyReport r = Compute(src_, 2018, 3);
  Result<MonthlyReport> one = FilterReportDirection(r, "DRH");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->directions.size(), 1u);
  EXPECT_EQ(one->directions[0].direction, "DRH");
  Result<MonthlyReport> none = FilterReportDirection(r, "DSI");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("known: DAF, DRH"));
}

// What the law measures in the monthly report: purchases from January to the month (I1 against
// the same months a year earlier), the meters of the month and the year to date, and the
// targets and equivalents on purchases where the scope bought paper.
TEST_F(MonthlyReportTest, PurchasesAndMetersYearToDate) {
  using model::PaperUse;
  using model::Purchase;
  using model::PurchaseUnit;
  auto buy = [](Day date, std::string dir, std::string paper, double reams,
                std::optional<int64_t> cents, PaperUse use = PaperUse::kOffice) {
    Purchase p;
    p.date = date;
    p.direction = std::move(dir);
    p.paper_id = std::move(paper);
    p.quantity = reams;
    p.unit = PurchaseUnit::kReams;
    p.amount_cents = cents;
    p.use = use;
    return p;
  };
  // A ream of A4 80 g/m² = 500 x 4.9896 g = 2.4948 kg.
  src_.purchases() = {
      buy(D(2018, 1, 10), "DAF", "recy", 2, 2000),  // 4.9896 kg recycled, 20 €
      buy(D(2018, 3, 31), "DAF", "std", 1, 1000),   // the month's last day: in
      buy(D(2018, 4, 1), "DAF", "std", 10, 5000),   // after the month: out
      buy(D(2017, 2, 15), "DAF", "std", 1, 900),    // the previous year's same months
      buy(D(2017, 6, 1), "DAF", "std", 100, 9000),  // the previous year, after March: out
      buy(D(2018, 2, 1), "", "std", 1, std::nullopt, PaperUse::kPrintShop)};  // organisation
  // The DAF MFP's counter: 1000 on 31 Dec 2017, 1500 on 28 Feb, 1800 on 31 Mar 2018.
  const std::string q = "q" + std::to_string(daf_mfp_);
  src_.meter_readings() = {{"srv", q, D(2017, 12, 31), 1000},
                           {"srv", q, D(2018, 2, 28), 1500},
                           {"srv", q, D(2018, 3, 31), 1800}};
  src_.AddJob(Job(daf_desk_, "alice", D(2018, 3, 5), 100));  // 0.49896 kg printed
  FakeJob mfp = Job(daf_mfp_, "alice", D(2018, 3, 6), 50);
  mfp.impressions = 80;
  src_.AddJob(mfp);  // 0.24948 kg printed

  const MonthlyReport r = Compute(src_, 2018, 3);
  EXPECT_TRUE(r.has_purchases);
  EXPECT_TRUE(r.has_meter_readings);
  const ScopeMonth& daf = Dir(r, "DAF");
  const indicators::PurchaseFigures& p = daf.purchases_year_to_date;
  EXPECT_EQ(p.rows, 2);
  EXPECT_NEAR(*p.paper_kg, 7.4844, kEps);
  EXPECT_NEAR(*p.paper_kg_office, 7.4844, kEps);
  EXPECT_NEAR(*p.paper_change_pct, (7.4844 - 2.4948) / 2.4948 * 100, kEps);  // 200 %
  EXPECT_NEAR(*p.recycled_share_pct, 4.9896 / 7.4844 * 100, kEps);
  EXPECT_NEAR(*p.recycled_spend_share_pct, 2000.0 / 3000 * 100, kEps);
  EXPECT_NEAR(*p.coverage_pct, (0.49896 + 0.24948) / 7.4844 * 100, kEps);  // 10 %

  // Targets: on purchases where the scope bought paper, with the spend target beside it.
  EXPECT_EQ(daf.recycled_target.source, TargetStatus::Source::kPurchases);
  EXPECT_NEAR(*daf.recycled_target.value, 4.9896 / 7.4844 * 100, kEps);
  EXPECT_NEAR(*daf.recycled_target.gap, 4.9896 / 7.4844 * 100 - 40, kEps);
  EXPECT_TRUE(daf.recycled_target.met);
  EXPECT_NEAR(*daf.recycled_spend_target.value, 2000.0 / 3000 * 100, kEps);
  EXPECT_TRUE(daf.recycled_spend_target.met);
  // DRH bought nothing: its recycled target is checked on printing, no spend figure.
  const ScopeMonth& drh = Dir(r, "DRH");
  EXPECT_EQ(drh.recycled_target.source, TargetStatus::Source::kPrinting);
  EXPECT_EQ(drh.purchases_year_to_date.rows, 0);
  EXPECT_FALSE(drh.recycled_spend_target.value.has_value());
  EXPECT_FALSE(drh.recycled_spend_target.met);
  // The equivalents: of the purchased mass for DAF, of the printed month for DRH.
  EXPECT_EQ(daf.environment_source, TargetStatus::Source::kPurchases);
  const Equivalents bought = ComputeEquivalents(7.4844, 4.9896, EnvironmentFactors{});
  EXPECT_NEAR(daf.environment.co2e_kg, bought.co2e_kg, kEps);
  EXPECT_NEAR(daf.environment.trees, bought.trees, kEps);
  EXPECT_EQ(drh.environment_source, TargetStatus::Source::kPrinting);

  // The organisation: every row, the print-shop row in the mass and out of the spend share.
  const indicators::PurchaseFigures& o = r.organisation.purchases_year_to_date;
  EXPECT_NEAR(*o.paper_kg, 9.9792, kEps);
  EXPECT_NEAR(*o.paper_kg_office, 7.4844, kEps);
  EXPECT_NEAR(*o.recycled_share_pct, 50.0, kEps);
  EXPECT_NEAR(*o.recycled_spend_share_pct, 2000.0 / 3000 * 100, kEps);

  // Meters. March: 1800 - 1500 = 300, 80 captured, 220 uncaptured at 50 sheets / 80
  // impressions = 137.5 sheets of 4.9896 g. Year to date: 1800 - 1000 = 800, 720 uncaptured.
  for (const ScopeMonth* s : {&daf, &r.organisation}) {
    EXPECT_EQ(*s->meters_month.meter_impressions, 300);
    EXPECT_EQ(*s->meters_month.captured_impressions, 80);
    EXPECT_EQ(*s->meters_month.uncaptured_impressions, 220);
    EXPECT_NEAR(*s->meters_month.uncaptured_kg_estimate, 137.5 * kA4Kg, kEps);
    EXPECT_EQ(*s->meters_year_to_date.meter_impressions, 800);
    EXPECT_EQ(*s->meters_year_to_date.uncaptured_impressions, 720);
    EXPECT_NEAR(*s->meters_year_to_date.uncaptured_kg_estimate, 450 * kA4Kg, kEps);
  }
  EXPECT_FALSE(drh.meters_month.meter_impressions.has_value());
}

// Without purchases, the recycled target is checked on printing and the report says that the
// law measures purchases; no purchase or meter figure appears.
TEST_F(MonthlyReportTest, WithoutPurchasesTheTargetIsOnPrinting) {
  src_.AddJob(Job(daf_desk_, "alice", D(2018, 3, 5), 100));
  const MonthlyReport r = Compute(src_, 2018, 3);
  EXPECT_FALSE(r.has_purchases);
  EXPECT_FALSE(r.has_meter_readings);
  const ScopeMonth& daf = Dir(r, "DAF");
  EXPECT_EQ(daf.recycled_target.source, TargetStatus::Source::kPrinting);
  EXPECT_NEAR(*daf.recycled_target.value, 100.0, kEps);
  EXPECT_EQ(daf.environment_source, TargetStatus::Source::kPrinting);
  EXPECT_NEAR(daf.environment.co2e_kg,
              ComputeEquivalents(100 * kA4Kg, 100 * kA4Kg, EnvironmentFactors{}).co2e_kg, kEps);
}

}  // namespace
}  // namespace ramette::aggregator::reports
