// The sheets rule, against hand-computed values (DESIGN.md).
#include "aggregator/ingest/sheets.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::ingest {
namespace {

int64_t Sheets(int64_t impressions, int32_t copies, Sides sides,
               JobState state = JobState::kCompleted, int64_t per_copy = 0) {
  JobRecord j;
  j.impressions_completed = impressions;
  j.copies = copies;
  j.sides = sides;
  j.state = state;
  j.job_impressions = per_copy;
  return ComputeSheets(j);
}

TEST(SheetsTest, OneSidedIsImpressions) {
  EXPECT_EQ(Sheets(7, 1, Sides::kOneSided), 7);
  EXPECT_EQ(Sheets(21, 3, Sides::kOneSided), 21);
  EXPECT_EQ(Sheets(5, 1, Sides::kUnknown), 5);  // unknown sides: one-sided
}

TEST(SheetsTest, OddTwoSidedRoundsUpPerCopy) {
  // 3 pages two-sided: 2 sheets (CUPS says 1).
  EXPECT_EQ(Sheets(3, 1, Sides::kTwoSidedLongEdge), 2);
  // 3 pages two-sided, 3 copies: 9 impressions, 3 per copy -> 3 x ceil(3/2) = 6 (CUPS says 4).
  EXPECT_EQ(Sheets(9, 3, Sides::kTwoSidedLongEdge), 6);
  EXPECT_EQ(Sheets(9, 3, Sides::kTwoSidedShortEdge), 6);
  EXPECT_EQ(Sheets(9, 3, Sides::kTwoSidedShortEdge, JobState::kCompleted, 3), 6);
  // Even pages: 4 per copy, 2 copies -> 2 x 2 = 4.
  EXPECT_EQ(Sheets(8, 2, Sides::kTwoSidedLongEdge), 4);
  EXPECT_EQ(Sheets(1, 1, Sides::kTwoSidedLongEdge), 1);
}

TEST(SheetsTest, NothingPrintedIsZero) {
  EXPECT_EQ(Sheets(0, 1, Sides::kOneSided, JobState::kCanceled), 0);
  EXPECT_EQ(Sheets(0, 5, Sides::kTwoSidedLongEdge, JobState::kAborted, 4), 0);
}

TEST(SheetsTest, CancelledPartWayWithKnownCopySize) {
  // 3-page document, 3 copies, two-sided, cancelled after 7 impressions: two full copies
  // (2 + 2 sheets) and one page of the third (1 sheet) = 5.
  EXPECT_EQ(Sheets(7, 3, Sides::kTwoSidedLongEdge, JobState::kCanceled, 3), 5);
  // 6-page document, 3 copies, two-sided, aborted after 9 impressions (a multiple of the
  // copies, but not of the document): one full copy (3 sheets) + 3 pages (2 sheets) = 5.
  EXPECT_EQ(Sheets(9, 3, Sides::kTwoSidedLongEdge, JobState::kAborted, 6), 5);
  // Cancelled after three pages of a one-sided job counts those three pages.
  EXPECT_EQ(Sheets(3, 2, Sides::kOneSided, JobState::kCanceled, 10), 3);
}

TEST(SheetsTest, InterruptedMultiCopyJobWithoutCopySizeCountsAsOneCopy) {
  // 7 impressions for 3 copies, copy size unknown: boundaries unknown -> ceil(7/2) = 4.
  EXPECT_EQ(Sheets(7, 3, Sides::kTwoSidedLongEdge, JobState::kCanceled), 4);
  EXPECT_EQ(Sheets(7, 3, Sides::kOneSided, JobState::kCanceled), 7);
  // 3 copies of a 3-page two-sided document cancelled after 3 impressions: a multiple of the
  // copies, but the copy size is unknown, so one copy: ceil(3/2) = 2 (not 3 x ceil(1/2) = 3).
  EXPECT_EQ(Sheets(3, 3, Sides::kTwoSidedLongEdge, JobState::kCanceled), 2);
  EXPECT_EQ(Sheets(3, 3, Sides::kTwoSidedLongEdge, JobState::kAborted), 2);
  // The same count completed is three copies of one page.
  EXPECT_EQ(Sheets(3, 3, Sides::kTwoSidedLongEdge, JobState::kCompleted), 3);
  // Announced 1 page per copy: three whole copies even when cancelled at the end.
  EXPECT_EQ(Sheets(3, 3, Sides::kTwoSidedLongEdge, JobState::kCanceled, 1), 3);
}

}  // namespace
}  // namespace ramette::aggregator::ingest
