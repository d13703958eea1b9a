// The storage rules: the job-identity window at its boundary, the duplicate decisions and the
// rollup deltas (sums, supersede, merging, months, rows).
#include "aggregator/store/store_rules.h"

#include <gtest/gtest.h>

#include "aggregator/model/inventory.h"

namespace ramette::aggregator::store {
namespace {

TEST(SameJobCompletionTest, WindowIsInclusiveAt300Seconds) {
  EXPECT_TRUE(SameJobCompletion(1000, 1000));
  EXPECT_TRUE(SameJobCompletion(1000, 1300));
  EXPECT_TRUE(SameJobCompletion(1300, 1000));
  EXPECT_FALSE(SameJobCompletion(1000, 1301));
  EXPECT_FALSE(SameJobCompletion(1301, 1000));
}

TEST(OnDuplicateTest, OnlyALiveRecordSupersedesAPageLogCopy) {
  EXPECT_EQ(OnDuplicate(RecordSource::kPageLog, RecordSource::kLive), DuplicateAction::kSupersede);
  EXPECT_EQ(OnDuplicate(RecordSource::kLive, RecordSource::kPageLog), DuplicateAction::kKeep);
  EXPECT_EQ(OnDuplicate(RecordSource::kLive, RecordSource::kLive), DuplicateAction::kKeep);
  EXPECT_EQ(OnDuplicate(RecordSource::kPageLog, RecordSource::kPageLog), DuplicateAction::kKeep);
  EXPECT_EQ(OnDuplicate(RecordSource::kUnknown, RecordSource::kLive), DuplicateAction::kKeep);
}

TEST(DecideRunTest, FirstRunResendAndReprints) {
  // No stored run: the record is the job's first run, as it comes.
  RunDecision d = DecideRun({}, 1000, 3);
  EXPECT_FALSE(d.new_run);
  EXPECT_EQ(d.run, 0);
  EXPECT_EQ(d.impressions, 3);
  // Restarted 10 s later (inside the 300 s window): CUPS counts 6, the new run printed 3.
  d = DecideRun({{0, 1000, 3}}, 1010, 6);
  EXPECT_TRUE(d.new_run);
  EXPECT_EQ(d.run, 1);
  EXPECT_EQ(d.impressions, 3);
  // A resend of either run is that run, to be answered as a duplicate.
  d = DecideRun({{0, 1000, 3}, {1, 1010, 3}}, 1010, 6);
  EXPECT_FALSE(d.new_run);
  EXPECT_EQ(d.run, 1);
  d = DecideRun({{0, 1000, 3}, {1, 1010, 3}}, 1000, 3);
  EXPECT_FALSE(d.new_run);
  EXPECT_EQ(d.run, 0);
  // A third run a day later: 10 - (3 + 3).
  d = DecideRun({{1, 1010, 3}, {0, 1000, 3}}, 87400, 10);
  EXPECT_TRUE(d.new_run);
  EXPECT_EQ(d.run, 2);
  EXPECT_EQ(d.impressions, 4);
  // A count below the stored runs' (a run missed, then a record of an earlier state): nothing
  // negative.
  d = DecideRun({{0, 1000, 5}}, 2000, 3);
  EXPECT_TRUE(d.new_run);
  EXPECT_EQ(d.impressions, 0);
}

TEST(SumsOfJobTest, TwoSidedColourUnknownMedia) {
  JobFigures f{
      .sheets = 3, .impressions = 5, .two_sided = true, .color = true, .media_known = false};
  model::UsageSums u = SumsOfJob(f);
  EXPECT_EQ(u.jobs, 1);
  EXPECT_EQ(u.sheets, 3);
  EXPECT_EQ(u.impressions, 5);
  EXPECT_EQ(u.two_sided_sheets, 3);
  EXPECT_EQ(u.color_sheets, 3);
  EXPECT_EQ(u.unknown_media_jobs, 1);
  EXPECT_EQ(u.unknown_media_sheets, 3);
  f.two_sided = f.color = false;
  f.media_known = true;
  u = SumsOfJob(f);
  EXPECT_EQ(u.two_sided_sheets, 0);
  EXPECT_EQ(u.color_sheets, 0);
  EXPECT_EQ(u.unknown_media_jobs, 0);
  EXPECT_EQ(u.unknown_media_sheets, 0);
}

TEST(FiguresOfTest, ReadsTheStoredJob) {
  model::StoredJob j;
  j.sheets = 2;
  j.record.impressions_completed = 3;
  j.record.sides = Sides::kTwoSidedShortEdge;
  j.record.color_mode = ColorMode::kColor;
  j.media_known = true;
  JobFigures f = FiguresOf(j);
  EXPECT_EQ(f.sheets, 2);
  EXPECT_EQ(f.impressions, 3);
  EXPECT_TRUE(f.two_sided);
  EXPECT_TRUE(f.color);
  EXPECT_TRUE(f.media_known);
}

TEST(RollupDeltaTest, SupersedeMovesAJobAndMergingNetsToZero) {
  const RollupKey old_key{.day = 100, .user_id = 1, .device_id = 7, .area_um2 = 10};
  const RollupKey new_key{.day = 100, .user_id = 2, .device_id = 7, .area_um2 = 10};
  std::vector<RollupDelta> d = {AddedJobDelta(old_key, {.sheets = 1, .impressions = 1})};
  for (const RollupDelta& x : SupersedeDeltas(old_key, {.sheets = 1, .impressions = 1}, new_key,
                                              {.sheets = 3, .impressions = 3})) {
    d.push_back(x);
  }
  MergeDailyDeltas(&d);
  ASSERT_EQ(d.size(), 1u);  // the old key nets to zero and is dropped
  EXPECT_EQ(d[0].key.user_id, 2);
  EXPECT_EQ(d[0].sums.jobs, 1);
  EXPECT_EQ(d[0].sums.sheets, 3);
}

TEST(RollupDeltaTest, MonthlyDeltasMergeDaysOfOneMonthAndKeepMonthsApart) {
  // 2018-01-31, 2018-01-01 and 2018-02-01 (days since 1970-01-01).
  const Day jan31 = DaysFromCivil(2018, 1, 31);
  const Day jan1 = DaysFromCivil(2018, 1, 1);
  const Day feb1 = DaysFromCivil(2018, 2, 1);
  std::vector<RollupDelta> daily = {
      AddedJobDelta({jan31, 1, 7, 10}, {.sheets = 2, .impressions = 2}),
      AddedJobDelta({jan1, 1, 7, 10}, {.sheets = 5, .impressions = 5}),
      AddedJobDelta({feb1, 1, 7, 10}, {.sheets = 1, .impressions = 1}),
      AddedJobDelta({jan1, 1, 3, 10}, {.sheets = 4, .impressions = 4}),
  };
  std::vector<RollupDelta> m = MonthlyDeltasOf(daily);
  ASSERT_EQ(m.size(), 3u);
  // Ordered by (month, device, user, area).
  EXPECT_EQ(m[0].key.day, MonthIndexOfDay(jan1));
  EXPECT_EQ(m[0].key.device_id, 3);
  EXPECT_EQ(m[0].sums.sheets, 4);
  EXPECT_EQ(m[1].key.device_id, 7);
  EXPECT_EQ(m[1].sums.sheets, 7);
  EXPECT_EQ(m[1].sums.jobs, 2);
  EXPECT_EQ(m[2].key.day, MonthIndexOfDay(feb1));
  EXPECT_EQ(m[2].sums.sheets, 1);
}

TEST(IntervalsOverlapTest, HalfOpenAndUnbounded) {
  EXPECT_FALSE(model::IntervalsOverlap(10, 20, 20, 30));  // touching: no shared day
  EXPECT_TRUE(model::IntervalsOverlap(10, 21, 20, 30));
  EXPECT_TRUE(model::IntervalsOverlap(std::nullopt, std::nullopt, 5, 6));
  EXPECT_TRUE(model::IntervalsOverlap(10, std::nullopt, 100, 101));
  EXPECT_FALSE(model::IntervalsOverlap(std::nullopt, 10, 10, std::nullopt));
}

TEST(RollupRowOfTest, KeyAndSumsOfTheDelta) {
  RollupDelta d;
  d.key = RollupKey{.day = 19700, .user_id = 3, .device_id = 4, .area_um2 = 62370000000};
  d.sums.jobs = 2;
  d.sums.sheets = 7;
  d.sums.unknown_media_sheets = 1;
  model::RollupRow row = RollupRowOf(d);
  EXPECT_EQ(row.period, 19700);
  EXPECT_EQ(row.user_id, 3);
  EXPECT_EQ(row.device_id, 4);
  EXPECT_EQ(row.area_um2, 62370000000);
  EXPECT_EQ(row.sums.jobs, 2);
  EXPECT_EQ(row.sums.sheets, 7);
  EXPECT_EQ(row.sums.unknown_media_sheets, 1);
  EXPECT_EQ(row.sums.color_sheets, 0);
}

TEST(CheckServicePeriodsTest, OverlapAndMissingStartAreRefused) {
  model::Device a;
  a.server = "s";
  a.queue = "q";
  a.in_service = 10;
  a.out_of_service = 20;
  model::Device b = a;
  b.in_service = 20;
  b.out_of_service = std::nullopt;
  EXPECT_TRUE(model::CheckServicePeriods({a, b}).ok());
  b.in_service = 19;
  Status st = model::CheckServicePeriods({a, b});
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("s/q"), std::string::npos);
  b.in_service = std::nullopt;
  EXPECT_FALSE(model::CheckServicePeriods({a, b}).ok());
  model::Device other = b;  // another queue with the same dates is fine
  other.queue = "r";
  other.in_service = 10;
  EXPECT_TRUE(model::CheckServicePeriods({a, other}).ok());
}

}  // namespace
}  // namespace ramette::aggregator::store
