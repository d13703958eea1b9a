// The directory sync's rules without LDAP or a database.
#include "aggregator/directory/sync_plan.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::directory {
namespace {

DirectoryEntry Entry(std::string dn, std::string user, std::vector<std::string> departments = {},
                     std::vector<std::string> groups = {}) {
  DirectoryEntry e;
  e.dn = std::move(dn);
  if (!user.empty()) e.attributes["samaccountname"] = {user};
  if (!departments.empty()) e.attributes["department"] = departments;
  if (!groups.empty()) e.attributes["memberof"] = groups;
  return e;
}

const DirectionRule kDepartment{"department", {}};

TEST(OusOfDnTest, FromTheEntryUpWithEscapes) {
  EXPECT_EQ(OusOfDn("CN=Dupont\\, Jean,OU=Compta,ou=DAF\\2C Finances,DC=example,DC=org"),
            (std::vector<std::string>{"Compta", "DAF, Finances"}));
  EXPECT_TRUE(OusOfDn("CN=x,DC=org").empty());
}

TEST(ResolveDirectionTest, AttributeValueIsTheDirectionWithoutMapping) {
  auto r = ResolveDirection(Entry("cn=a", "a", {"DSI"}), kDepartment);
  EXPECT_EQ(r.direction, "DSI");
  r = ResolveDirection(Entry("cn=a", "a", {"DSI", "DAF"}), kDepartment);
  EXPECT_FALSE(r.direction);
  EXPECT_NE(r.problem.find("2 department values"), std::string::npos);
  r = ResolveDirection(Entry("cn=a", "a", {"DS\x01I"}), kDepartment);
  EXPECT_NE(r.problem.find("control character 0x01"), std::string::npos);
  // Names that would look like the totals or the unassigned bucket (model's one rule).
  r = ResolveDirection(Entry("cn=a", "a", {"Organisation"}), kDepartment);
  EXPECT_NE(r.problem.find("is reserved"), std::string::npos);
  EXPECT_FALSE(r.direction);
  EXPECT_EQ(ResolveDirection(Entry("cn=a", "a", {"unassigned"}), kDepartment).direction,
            "unassigned");
  r = ResolveDirection(Entry("cn=a", "a", {std::string(1025, 'x')}), kDepartment);
  EXPECT_NE(r.problem.find("1 KiB"), std::string::npos);
  EXPECT_EQ(ResolveDirection(Entry("cn=a", "a", {std::string(1024, 'x')}), kDepartment).direction,
            std::string(1024, 'x'));
  r = ResolveDirection(Entry("cn=a", "a"), kDepartment);
  EXPECT_EQ(r.problem, "no department value");
}

TEST(ResolveDirectionTest, MappingFirstMatchInConfigOrderWins) {
  DirectionRule rule{"memberOf",
                     {{"CN=DSI-All,OU=Groups,DC=example,DC=org", "DSI"},
                      {"CN=DAF-All,OU=Groups,DC=example,DC=org", "DAF"}}};
  // The entry lists DAF first; the config lists DSI first: DSI wins. DNs compare without case.
  auto r = ResolveDirection(
      Entry("cn=a", "a", {},
            {"cn=daf-all,ou=groups,dc=example,dc=org", "cn=dsi-all,ou=groups,dc=example,dc=org"}),
      rule);
  EXPECT_EQ(r.direction, "DSI");
  r = ResolveDirection(Entry("cn=a", "a", {}, {"CN=Other,DC=example,DC=org"}), rule);
  EXPECT_FALSE(r.direction);
  EXPECT_TRUE(r.unmapped);
  EXPECT_EQ(r.values, (std::vector<std::string>{"CN=Other,DC=example,DC=org"}));
}

TEST(ResolveDirectionTest, OuOfTheDn) {
  DirectionRule rule{"dn:OU", {}};
  EXPECT_EQ(ResolveDirection(Entry("CN=a,OU=Compta,OU=DAF,DC=x", "a"), rule).direction, "Compta");
  rule.mapping = {{"DAF", "Finances"}};
  EXPECT_EQ(ResolveDirection(Entry("CN=a,OU=Compta,OU=DAF,DC=x", "a"), rule).direction, "Finances");
  EXPECT_EQ(ResolveDirection(Entry("CN=a,DC=x", "a"), rule).problem, "no OU in its DN");
}

TEST(ResolveUsersTest, BadEntriesAreSkippedByDnAndNamesNormalised) {
  model::UserNameRule names{true, true};
  DirectoryEntry two = Entry("cn=two", "", {"DSI"});
  two.attributes["samaccountname"] = {"x", "y"};
  std::vector<DirectoryEntry> entries = {
      Entry("cn=jd", "EXAMPLE\\JDupont", {"DSI"}),
      Entry("cn=none", "", {"DSI"}),
      two,
      Entry("cn=ctl", "bad\nname", {"DSI"}),
      Entry("cn=dirbad", "carl", {"D\x7f"}),
      Entry("cn=b1", "bob", {"DSI"}),
      Entry("cn=b2", "BOB@EXAMPLE.ORG", {"DAF"}),
  };
  DirectorySnapshot s = ResolveUsers(entries, "sAMAccountName", kDepartment, names);
  EXPECT_EQ(s.entries, 7);
  EXPECT_EQ(s.directions, (std::map<std::string, std::string>{{"jdupont", "DSI"}}));
  EXPECT_EQ(s.present, (std::set<std::string>{"bob", "carl", "jdupont"}));
  ASSERT_EQ(s.skipped.size(), 5u);
  EXPECT_EQ(s.skipped[0].dn, "cn=none");
  EXPECT_EQ(s.skipped[1].dn, "cn=two");
  EXPECT_EQ(s.skipped[2].dn, "cn=ctl");
  EXPECT_EQ(s.skipped[3].dn, "cn=dirbad");
  EXPECT_EQ(s.skipped[4].dn, "cn=b2");
}

store::StoredUserRow Row(int64_t id, std::string user, std::string direction,
                         std::optional<Day> from, std::optional<Day> to,
                         store::UserRowSource source = store::UserRowSource::kDirectory) {
  return {id, {std::move(user), std::move(direction), from, to}, source};
}

DirectorySnapshot Snapshot(std::map<std::string, std::string> directions) {
  DirectorySnapshot s;
  s.directions = std::move(directions);
  for (const auto& [u, d] : s.directions) s.present.insert(u);
  s.entries = static_cast<int64_t>(s.directions.size());
  return s;
}

const Day kDate = DaysFromCivil(2026, 3, 2);

TEST(PlanSyncTest, FirstSyncOpensRowsWithAnOpenStart) {
  auto plan = PlanSync({}, Snapshot({{"alice", "DSI"}, {"bob", "DAF"}}), {}, kDate);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->changes.opens.size(), 2u);
  EXPECT_EQ(plan->changes.opens[0],
            (model::UserDirection{"alice", "DSI", std::nullopt, std::nullopt}));
  EXPECT_EQ(plan->added.size(), 2u);
  EXPECT_EQ(plan->changes.record.added, 2);
  EXPECT_EQ(plan->changes.record.users_seen, 2);
}

TEST(PlanSyncTest, MoveClosesAtTheSyncDateAndOpensFromIt) {
  std::vector<store::StoredUserRow> rows = {Row(1, "alice", "DSI", std::nullopt, std::nullopt),
                                            Row(2, "bob", "DAF", std::nullopt, std::nullopt)};
  auto plan = PlanSync(rows, Snapshot({{"alice", "DRH"}, {"bob", "DAF"}}), {}, kDate);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->changes.closes.size(), 1u);
  EXPECT_EQ(plan->changes.closes[0].id, 1);
  EXPECT_EQ(plan->changes.closes[0].valid_to, kDate);
  ASSERT_EQ(plan->changes.opens.size(), 1u);
  EXPECT_EQ(plan->changes.opens[0], (model::UserDirection{"alice", "DRH", kDate, std::nullopt}));
  ASSERT_EQ(plan->moved.size(), 1u);
  EXPECT_EQ(plan->moved[0].from, "DSI");
  EXPECT_EQ(plan->directory_users, 2);
}

TEST(PlanSyncTest, NoChangeWritesNothing) {
  std::vector<store::StoredUserRow> rows = {Row(1, "alice", "DSI", std::nullopt, kDate - 10),
                                            Row(2, "alice", "DAF", kDate - 10, std::nullopt)};
  auto plan = PlanSync(rows, Snapshot({{"alice", "DAF"}}), {}, kDate);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
}

TEST(PlanSyncTest, GoneUserIsClosedAndSameDayRowRemoved) {
  std::vector<store::StoredUserRow> rows = {Row(1, "alice", "DSI", std::nullopt, std::nullopt),
                                            Row(2, "bob", "DAF", kDate, std::nullopt)};
  auto plan = PlanSync(rows, Snapshot({}), {}, kDate);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->changes.closes.size(), 1u);
  EXPECT_EQ(plan->changes.closes[0].id, 1);
  EXPECT_EQ(plan->changes.removes, (std::vector<int64_t>{2}));
  EXPECT_EQ(plan->closed.size(), 2u);
}

TEST(PlanSyncTest, ReturningUserOpensFromTheSyncDate) {
  std::vector<store::StoredUserRow> rows = {Row(1, "alice", "DSI", std::nullopt, kDate - 30)};
  auto plan = PlanSync(rows, Snapshot({{"alice", "DAF"}}), {}, kDate);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->changes.opens.size(), 1u);
  EXPECT_EQ(plan->changes.opens[0], (model::UserDirection{"alice", "DAF", kDate, std::nullopt}));
  EXPECT_TRUE(plan->changes.closes.empty());
  EXPECT_EQ(plan->added.size(), 1u);
  EXPECT_EQ(plan->directory_users, 0);
}

TEST(PlanSyncTest, UnplacedUserKeepsTheirRow) {
  std::vector<store::StoredUserRow> rows = {Row(1, "alice", "DSI", std::nullopt, std::nullopt)};
  DirectorySnapshot s;
  s.present = {"alice"};  // e.g. an unmapped group
  auto plan = PlanSync(rows, s, {}, kDate);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
}

TEST(PlanSyncTest, CsvRowsAreManualOverrides) {
  using store::UserRowSource;
  std::vector<store::StoredUserRow> rows = {
      Row(1, "alice", "DSI", std::nullopt, std::nullopt, UserRowSource::kCsv),
      Row(2, "bob", "DAF", std::nullopt, kDate - 100, UserRowSource::kCsv)};
  auto plan = PlanSync(rows, Snapshot({{"alice", "DRH"}, {"bob", "DRH"}}), {}, kDate);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->overridden, (std::vector<std::string>{"alice"}));
  EXPECT_TRUE(plan->changes.closes.empty());
  // bob's CSV rows ended: the directory takes over from the sync date.
  ASSERT_EQ(plan->changes.opens.size(), 1u);
  EXPECT_EQ(plan->changes.opens[0], (model::UserDirection{"bob", "DRH", kDate, std::nullopt}));
  // A CSV user gone from the directory is not closed either.
  plan = PlanSync(rows, Snapshot({}), {}, kDate);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
}

TEST(PlanSyncTest, StoredNamesAreComparedAfterTheRule) {
  std::vector<store::StoredUserRow> rows = {
      Row(1, "EXAMPLE\\Alice", "DSI", std::nullopt, std::nullopt)};
  auto plan = PlanSync(rows, Snapshot({{"alice", "DSI"}}), {true, true}, kDate);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
}

TEST(PlanSyncTest, ADateBeforeAnEarlierSyncIsRefused) {
  std::vector<store::StoredUserRow> rows = {Row(1, "alice", "DSI", kDate + 1, std::nullopt)};
  EXPECT_EQ(PlanSync(rows, Snapshot({}), {}, kDate).status().code(),
            Status::Code::kFailedPrecondition);
}

TEST(CheckCloseShareTest, MoreThanTheShareStops) {
  std::vector<store::StoredUserRow> rows;
  std::map<std::string, std::string> seen;
  for (int i = 0; i < 10; ++i) {
    rows.push_back(Row(i + 1, "u" + std::to_string(i), "DSI", std::nullopt, std::nullopt));
    if (i >= 2) seen["u" + std::to_string(i)] = "DSI";
  }
  auto two = PlanSync(rows, Snapshot(seen), {}, kDate);  // 2 of 10 closed: 20 %
  ASSERT_TRUE(two.ok());
  EXPECT_TRUE(CheckCloseShare(*two, 0.2).ok());
  seen.erase("u2");
  auto three = PlanSync(rows, Snapshot(seen), {}, kDate);
  ASSERT_TRUE(three.ok());
  Status st = CheckCloseShare(*three, 0.2);
  EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("--force"), std::string::npos);
  // An empty directory (a wrong base DN) never empties the users.
  auto none = PlanSync(rows, Snapshot({}), {}, kDate);
  EXPECT_FALSE(CheckCloseShare(*none, 0.2).ok());
  // The first sync closes nothing.
  EXPECT_TRUE(CheckCloseShare(*PlanSync({}, Snapshot(seen), {}, kDate), 0.2).ok());
}

TEST(PlanWorkstationsTest, CountsPerDirectionWhenChanged) {
  std::vector<DirectoryEntry> computers = {Entry("cn=pc1", "", {"DSI"}),
                                           Entry("cn=pc2", "", {"DSI"}),
                                           Entry("cn=pc3", "", {"DAF"}), Entry("cn=pc4", "")};
  std::vector<SkippedEntry> skipped;
  auto counts = PlanWorkstations(computers, kDepartment,
                                 {{"DSI", kDate - 30, 2}, {"DAF", kDate - 30, 5}}, kDate, &skipped);
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].direction, "DAF");
  EXPECT_EQ(counts[0].count, 1);
  EXPECT_EQ(counts[0].date, kDate);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].dn, "cn=pc4");
}

}  // namespace
}  // namespace ramette::aggregator::directory
