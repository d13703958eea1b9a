// The status rules and output: local day and month starts, durations, silent flags, table, JSON.
#include "aggregator/status/server_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ramette::aggregator::status {
namespace {

using ::testing::HasSubstr;

// 2026-03-15T11:00:00Z = 12:00 in Paris (UTC+1).
constexpr int64_t kNow = 1773572400;

TEST(ServerStatusTest, PeriodsAreLocalMidnights) {
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok());
  store::StatusPeriods p = PeriodsAt(kNow, *paris);
  EXPECT_EQ(p.day_start, 1773529200);    // 2026-03-15T00:00+01:00
  EXPECT_EQ(p.month_start, 1772319600);  // 2026-03-01T00:00+01:00
  // In summer the offset is +2.
  store::StatusPeriods summer = PeriodsAt(1783080000, *paris);  // 2026-07-03T12:00:00Z
  EXPECT_EQ(summer.day_start, 1783029600);                      // 2026-07-03T00:00+02:00
  EXPECT_EQ(summer.month_start, 1782856800);                    // 2026-07-01T00:00+02:00
}

TEST(ServerStatusTest, Durations) {
  EXPECT_EQ(*ParseStatusDuration("90"), 90);
  EXPECT_EQ(*ParseStatusDuration("90s"), 90);
  EXPECT_EQ(*ParseStatusDuration("15m"), 900);
  EXPECT_EQ(*ParseStatusDuration("2h"), 7200);
  EXPECT_EQ(*ParseStatusDuration("1d"), 86400);
  EXPECT_FALSE(ParseStatusDuration("").ok());
  EXPECT_FALSE(ParseStatusDuration("m").ok());
  EXPECT_FALSE(ParseStatusDuration("15 m").ok());
  EXPECT_FALSE(ParseStatusDuration("15min").ok());
  EXPECT_FALSE(ParseStatusDuration("-5m").ok());
}

std::vector<store::ServerStatus> TwoServers() {
  store::ServerStatus a;
  a.server = "prn-a";
  a.agent_version = "0.1.0";
  a.last_contact = kNow - 60;
  a.jobs_today = 12;
  a.jobs_this_month = 340;
  a.outbox_records = 3;
  a.oldest_record_unix = kNow - 30;
  a.unclassified_queues = 2;
  store::ServerStatus b;
  b.server = "prn-b";
  b.agent_version = "0.0.9";
  b.last_contact = kNow - 3600;
  return {a, b};
}

TEST(ServerStatusTest, TableFlagsSilentServers) {
  auto paris = TimeZone::Load("Europe/Paris");
  std::string table = FormatStatusTable(TwoServers(), kNow, 900, *paris);
  EXPECT_THAT(table, HasSubstr("server"));
  EXPECT_THAT(table, HasSubstr("prn-a   2026-03-15 11:59 (60s ago)"));
  EXPECT_THAT(table, HasSubstr("3 (oldest 30s ago)"));
  EXPECT_THAT(table, HasSubstr("prn-b   2026-03-15 11:00 (60m ago)"));
  EXPECT_THAT(table, HasSubstr("SILENT"));
  EXPECT_THAT(table, HasSubstr("2 print server(s), 1 silent for more than 15 min"));
  // prn-a's line is not flagged.
  const auto a_line = table.substr(table.find("prn-a"),
                                   table.find('\n', table.find("prn-a")) - table.find("prn-a"));
  EXPECT_EQ(a_line.find("SILENT"), std::string::npos);
  EXPECT_EQ(FormatStatusTable({}, kNow, 900, *paris), "no print server has reported yet\n");
}

TEST(ServerStatusTest, Json) {
  auto j = nlohmann::json::parse(FormatStatusJson(TwoServers(), kNow, 900));
  EXPECT_EQ(j["now"], kNow);
  EXPECT_EQ(j["silent_after_seconds"], 900);
  ASSERT_EQ(j["servers"].size(), 2u);
  EXPECT_EQ(j["servers"][0]["server"], "prn-a");
  EXPECT_EQ(j["servers"][0]["silent"], false);
  EXPECT_EQ(j["servers"][0]["jobs_today"], 12);
  EXPECT_EQ(j["servers"][0]["jobs_this_month"], 340);
  EXPECT_EQ(j["servers"][0]["outbox_records"], 3);
  EXPECT_EQ(j["servers"][0]["outbox_oldest_record"], kNow - 30);
  EXPECT_EQ(j["servers"][0]["unclassified_queues"], 2);
  EXPECT_EQ(j["servers"][1]["silent"], true);
  EXPECT_EQ(j["servers"][1]["seconds_since_contact"], 3600);
  EXPECT_TRUE(j["servers"][1]["outbox_records"].is_null());
  EXPECT_TRUE(j["directory_sync"].is_null());
}

TEST(ServerStatusTest, LastDirectorySync) {
  store::DirectorySyncRecord r{kNow - 120, DaysFromCivil(2026, 3, 2), 2500, 3, 2, 1, 4, 5};
  auto j = nlohmann::json::parse(FormatStatusJson({}, kNow, 900, r));
  EXPECT_EQ(j["directory_sync"]["sync_date"], "2026-03-02");
  EXPECT_EQ(j["directory_sync"]["users_seen"], 2500);
  EXPECT_EQ(j["directory_sync"]["moved"], 2);
  EXPECT_EQ(j["directory_sync"]["unmapped"], 4);
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok());
  const std::string line = FormatDirectorySyncLine(r, kNow, *paris);
  EXPECT_NE(line.find("2500 users, 3 added, 2 moved, 1 closed, 4 unmapped, 5 skipped"),
            std::string::npos)
      << line;
  EXPECT_EQ(FormatDirectorySyncLine(std::nullopt, kNow, *paris), "directory sync: never\n");
}

}  // namespace
}  // namespace ramette::aggregator::status
