// FiguresCache: the core code's figures, kept for fresh_seconds, refreshed in the background,
// computed once for simultaneous first requests, errors not kept.
#include "aggregator/web/pages/figures_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "aggregator/indicators/indicator_format.h"
#include "aggregator/reports/monthly_report.h"
#include "common/civil_time.h"
#include "tests/fakes/fake_usage_source.h"

namespace ramette::aggregator::web {
namespace {

using testing::FakeJob;
using testing::FakeUsageSource;

class FiguresCacheTest : public ::testing::Test {
 protected:
  FiguresCacheTest() {
    src_.AddPaper("STD80", false, 80);
    device_ = src_.AddClassifiedDevice(model::DeviceClass::kMfp, "DRH", "STD80");
    src_.AddUserDirection("ann", "DRH");
    src_.AddWorkstations("DRH", DaysFromCivil(2015, 1, 1), 10);
    AddSheets(DaysFromCivil(2018, 3, 5), 400);
  }
  void AddSheets(Day day, int64_t sheets) {
    FakeJob j;
    j.device_id = device_;
    j.user = "ann";
    j.day = day;
    j.sheets = sheets;
    src_.AddJob(j);
  }
  int64_t Sheets2018(FiguresCache& cache) {
    auto f = cache.Year(2018, {});
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? (*f)->report.organisation.sheets_all_devices : -1;
  }
  // Waits (up to 10 s) until the cache has made `n` computations: a background refresh.
  static void WaitForComputations(const FiguresCache& cache, int64_t n) {
    for (int i = 0; i < 1000 && cache.computations() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  FakeUsageSource src_;
  int64_t device_ = 0;
  std::atomic<int64_t> now_{1000};
  reports::ReportSettings settings_;
};

TEST_F(FiguresCacheTest, TheFiguresAreThoseOfTheCoreCode) {
  FiguresCache cache(&src_, settings_, 60, [this] { return now_.load(); });
  auto f = cache.Year(2018, {});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto direct = indicators::ComputeIndicators(src_, 2018);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(indicators::FormatIndicatorsJson((*f)->report),
            indicators::FormatIndicatorsJson(*direct));
  // The year's usage from the same pass: the device's sheets, the users without a direction.
  ASSERT_EQ((*f)->usage.by_device.size(), 1u);
  EXPECT_EQ((*f)->usage.by_device[0].first, device_);
  EXPECT_EQ((*f)->usage.by_device[0].second.sheets, 400);
  EXPECT_EQ((*f)->usage.users_without_direction, 0);

  auto m = cache.Month(2018, 3);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto direct_month = reports::ComputeMonthlyReport(src_, 2018, 3, settings_);
  ASSERT_TRUE(direct_month.ok());
  EXPECT_EQ((*m)->organisation.month.sheets, direct_month->organisation.month.sheets);
  EXPECT_EQ((*m)->organisation.month.sheets, 400);
}

TEST_F(FiguresCacheTest, FreshFiguresAreKeptThenRefreshedInTheBackground) {
  FiguresCache cache(&src_, settings_, 60, [this] { return now_.load(); });
  EXPECT_EQ(Sheets2018(cache), 400);
  AddSheets(DaysFromCivil(2018, 6, 1), 100);
  now_ += 59;
  EXPECT_EQ(Sheets2018(cache), 400);  // fresh: kept
  EXPECT_EQ(cache.computations(), 1);
  now_ += 1;
  // 60 s old: still served, and one refresh starts.
  EXPECT_EQ(Sheets2018(cache), 400);
  WaitForComputations(cache, 2);
  EXPECT_EQ(cache.computations(), 2);
  for (int i = 0; i < 1000 && Sheets2018(cache) != 500; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Sheets2018(cache), 500);
  EXPECT_EQ(cache.computations(), 2);  // fresh again
  // Other options are another key.
  indicators::IndicatorOptions purchases;
  purchases.paper_source = indicators::PaperSource::kPurchases;
  ASSERT_TRUE(cache.Year(2018, purchases).ok());
  EXPECT_EQ(cache.computations(), 3);
}

TEST_F(FiguresCacheTest, ZeroSecondsKeepsNothing) {
  FiguresCache cache(&src_, settings_, 0, [this] { return now_.load(); });
  EXPECT_EQ(Sheets2018(cache), 400);
  AddSheets(DaysFromCivil(2018, 6, 1), 100);
  EXPECT_EQ(Sheets2018(cache), 500);
  EXPECT_EQ(cache.computations(), 2);
}

TEST_F(FiguresCacheTest, SimultaneousFirstRequestsComputeOnce) {
  FiguresCache cache(&src_, settings_, 60, [this] { return now_.load(); });
  std::vector<std::thread> threads;
  std::vector<const YearFigures*> seen(8, nullptr);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto f = cache.Year(2018, {});
      if (f.ok()) seen[i] = f->get();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(cache.computations(), 1);
  for (const YearFigures* p : seen) EXPECT_EQ(p, seen[0]);
  EXPECT_NE(seen[0], nullptr);
}

TEST_F(FiguresCacheTest, ErrorsAreNotKept) {
  FiguresCache cache(&src_, settings_, 60, [this] { return now_.load(); });
  src_.FailLoadInventory(Status::Unavailable("locked"));
  auto failed = cache.Year(2018, {});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Status::Code::kUnavailable);
  src_.FailLoadInventory(Status::Ok());
  EXPECT_EQ(Sheets2018(cache), 400);
  EXPECT_EQ(cache.computations(), 2);
}

TEST_F(FiguresCacheTest, TheLeastRecentlyUsedKeyGoesBeyondTheLimit) {
  FiguresCache cache(
      &src_, settings_, 60, [this] { return now_.load(); }, 2);
  ASSERT_TRUE(cache.Year(2016, {}).ok());
  ++now_;
  ASSERT_TRUE(cache.Year(2017, {}).ok());
  ++now_;
  ASSERT_TRUE(cache.Year(2016, {}).ok());  // kept; now the most recently used
  EXPECT_EQ(cache.computations(), 2);
  ++now_;
  ASSERT_TRUE(cache.Year(2018, {}).ok());  // drops 2017
  ASSERT_TRUE(cache.Year(2016, {}).ok());
  EXPECT_EQ(cache.computations(), 3);
  ASSERT_TRUE(cache.Year(2017, {}).ok());
  EXPECT_EQ(cache.computations(), 4);
}

}  // namespace
}  // namespace ramette::aggregator::web
