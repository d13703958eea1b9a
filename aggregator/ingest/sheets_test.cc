// The sheets rule, against hand-computed values (DESIGN.md).
#include "aggregator/ingest/sheets.h"

#include <gtest/gtest.h>

namespace ramette::aggregator {
namespace {

TEST(SheetsTest, OneSidedIsImpressions) {
  EXPECT_EQ(ComputeSheets(7, 1, Sides::kOneSided), 7);
  EXPECT_EQ(ComputeSheets(21, 3, Sides::kOneSided), 21);
  EXPECT_EQ(ComputeSheets(5, 1, Sides::kUnknown), 5);  // unknown sides: one-sided
}

TEST(SheetsTest, OddTwoSidedRoundsUpPerCopy) {
  // 3 pages two-sided: 2 sheets (CUPS says 1).
  EXPECT_EQ(ComputeSheets(3, 1, Sides::kTwoSidedLongEdge), 2);
  // 3 pages two-sided, 3 copies: 9 impressions, 3 per copy -> 3 x ceil(3/2) = 6 (CUPS says 4).
  EXPECT_EQ(ComputeSheets(9, 3, Sides::kTwoSidedLongEdge), 6);
  EXPECT_EQ(ComputeSheets(9, 3, Sides::kTwoSidedShortEdge), 6);
  // Even pages: 4 per copy, 2 copies -> 2 x 2 = 4.
  EXPECT_EQ(ComputeSheets(8, 2, Sides::kTwoSidedLongEdge), 4);
  EXPECT_EQ(ComputeSheets(1, 1, Sides::kTwoSidedLongEdge), 1);
}

TEST(SheetsTest, NothingPrintedIsZero) {
  EXPECT_EQ(ComputeSheets(0, 1, Sides::kOneSided), 0);
  EXPECT_EQ(ComputeSheets(0, 5, Sides::kTwoSidedLongEdge), 0);
}

TEST(SheetsTest, InterruptedMultiCopyJobCountsAsOneCopy) {
  // 7 impressions for 3 copies: boundaries unknown -> ceil(7/2) = 4.
  EXPECT_EQ(ComputeSheets(7, 3, Sides::kTwoSidedLongEdge), 4);
  EXPECT_EQ(ComputeSheets(7, 3, Sides::kOneSided), 7);
}

}  // namespace
}  // namespace ramette::aggregator
