// Tests for BackfillSummary: years in the organisation's zone, sheets by DESIGN.md's rule, the
// table `backfill --dry-run` prints.
#include "agent/backfill/backfill_summary.h"

#include <gtest/gtest.h>

#include <string>

namespace ramette::agent {
namespace {

JobRecord Job(std::string queue, int64_t completed_at, int64_t impressions, Sides sides) {
  JobRecord r;
  r.queue = std::move(queue);
  r.completed_at = completed_at;
  r.impressions_completed = impressions;
  r.sides = sides;
  r.copies = 1;
  return r;
}

TEST(BackfillSummaryTest, SheetsFollowTheDesignRule) {
  EXPECT_EQ(SheetsOf(Job("q", 0, 3, Sides::kTwoSidedLongEdge)), 2);  // not 1
  EXPECT_EQ(SheetsOf(Job("q", 0, 3, Sides::kOneSided)), 3);
  EXPECT_EQ(SheetsOf(Job("q", 0, 3, Sides::kUnknown)), 3);
  EXPECT_EQ(SheetsOf(Job("q", 0, 0, Sides::kTwoSidedShortEdge)), 0);
  JobRecord copies = Job("q", 0, 9, Sides::kTwoSidedLongEdge);
  copies.copies = 3;  // 3 impressions per copy -> 2 sheets each
  EXPECT_EQ(SheetsOf(copies), 6);
}

TEST(BackfillSummaryTest, YearsInTheOrganisationsZone) {
  Result<TimeZone> paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok()) << paris.status().message();
  BackfillSummary summary(*paris);
  // 2017-12-31T23:30:00Z is already 2018 in Paris.
  summary.Add(Job("Accueil", 1514763000, 4, Sides::kOneSided));
  summary.Add(Job("Accueil", 1514700000, 3, Sides::kTwoSidedLongEdge));  // 2017
  summary.Add(Job("Couleur", 1514700000, 0, Sides::kOneSided));          // cancelled: counts 0
  const auto& rows = summary.rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at({2018, "Accueil"}).jobs, 1);
  EXPECT_EQ(rows.at({2018, "Accueil"}).sheets, 4);
  EXPECT_EQ(rows.at({2017, "Accueil"}).impressions, 3);
  EXPECT_EQ(rows.at({2017, "Accueil"}).sheets, 2);
  EXPECT_EQ(rows.at({2017, "Couleur"}).jobs, 1);
  EXPECT_EQ(summary.total().jobs, 3);
  EXPECT_EQ(summary.total().impressions, 7);
  EXPECT_EQ(summary.total().sheets, 6);
  EXPECT_EQ(summary.Format(),
            "year  queue              jobs  impressions       sheets\n"
            "2017  Accueil               1            3            2\n"
            "2017  Couleur               1            0            0\n"
            "2017  (all queues)          2            3            2\n"
            "2018  Accueil               1            4            4\n"
            "all   (all queues)          3            7            6\n");
}

}  // namespace
}  // namespace ramette::agent
