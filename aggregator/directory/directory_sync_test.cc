// RunDirectorySync over the in-memory store and a scripted directory: all or nothing, the
// guard, dry runs.
#include "aggregator/directory/directory_sync.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_store.h"

namespace ramette::aggregator::directory {
namespace {

class ScriptedDirectory : public DirectoryReader {
 public:
  Result<std::vector<DirectoryEntry>> Search(const DirectorySearch& search) override {
    searches.push_back(search);
    if (!fail.ok()) return fail;
    return search.filter == "(objectClass=computer)" ? computers : users;
  }
  std::vector<DirectoryEntry> users;
  std::vector<DirectoryEntry> computers;
  Status fail;
  std::vector<DirectorySearch> searches;
};

DirectoryEntry User(const std::string& name, const std::string& department) {
  DirectoryEntry e;
  e.dn = "cn=" + name + ",dc=example";
  e.attributes["uid"] = {name};
  e.attributes["department"] = {department};
  return e;
}

class DirectorySyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.configured = true;
    settings_.base_dn = "dc=example";
    for (int i = 0; i < 10; ++i) dir_.users.push_back(User("u" + std::to_string(i), "DSI"));
  }
  Result<SyncOutcome> Sync(Day date, bool dry_run = false, bool force = false) {
    return RunDirectorySync(store_, dir_, settings_, {date, 1000 + date, dry_run, force});
  }

  testing::FakeStore store_;
  ScriptedDirectory dir_;
  DirectorySettings settings_;
  const Day day_ = DaysFromCivil(2026, 3, 2);
};

TEST_F(DirectorySyncTest, AppliesRecordsAndIsIdempotent) {
  auto first = Sync(day_);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->applied);
  EXPECT_EQ(store_.LoadUserRows()->size(), 10u);
  ASSERT_EQ(dir_.searches.size(), 1u);
  EXPECT_EQ(dir_.searches[0].attributes, (std::vector<std::string>{"uid", "department"}));
  auto again = Sync(day_ + 1);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->plan.empty());
  EXPECT_EQ(store_.LoadUserRows()->size(), 10u);
  auto last = store_.LastDirectorySync();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->sync_date, day_ + 1);
  EXPECT_EQ((*last)->users_seen, 10);
  EXPECT_NE(FormatSyncOutcome(*again).find("no change"), std::string::npos);
}

TEST_F(DirectorySyncTest, DryRunAndFailuresWriteNothing) {
  auto dry = Sync(day_, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok());
  EXPECT_FALSE(dry->applied);
  EXPECT_EQ(dry->plan.added.size(), 10u);
  EXPECT_TRUE(store_.LoadUserRows()->empty());
  EXPECT_FALSE(store_.LastDirectorySync()->has_value());
  EXPECT_NE(FormatSyncOutcome(*dry).find("added    u0 -> DSI"), std::string::npos);

  dir_.fail = Status::Unavailable("LDAP down");
  EXPECT_EQ(Sync(day_).status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(store_.LoadUserRows()->empty());
  EXPECT_FALSE(store_.LastDirectorySync()->has_value());
}

TEST_F(DirectorySyncTest, GuardStopsUnlessForced) {
  ASSERT_TRUE(Sync(day_).ok());
  dir_.users.resize(7);  // 3 of 10 gone: 30 %
  auto stopped = Sync(day_ + 1);
  ASSERT_TRUE(stopped.ok());
  EXPECT_FALSE(stopped->applied);
  EXPECT_EQ(stopped->guard.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(stopped->plan.closed.size(), 3u);
  EXPECT_EQ((*store_.LastDirectorySync())->sync_date, day_);
  auto forced = Sync(day_ + 1, false, /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status().message();
  EXPECT_EQ(forced->plan.closed.size(), 3u);
  settings_.max_close_share = 1.0;
  dir_.users.clear();
  EXPECT_TRUE(Sync(day_ + 2).ok());
}

TEST_F(DirectorySyncTest, WorkstationsCountedAtTheSyncDate) {
  settings_.workstations = true;
  settings_.workstations_base_dn = "ou=computers,dc=example";
  dir_.computers = {User("pc1", "DSI"), User("pc2", "DSI")};
  ASSERT_TRUE(Sync(day_).ok());
  auto inv = store_.LoadInventory();
  ASSERT_TRUE(inv.ok());
  ASSERT_EQ(inv->workstations.size(), 1u);
  EXPECT_EQ(inv->workstations[0].count, 2);
  EXPECT_EQ(inv->workstations[0].date, day_);
  auto again = Sync(day_ + 1);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->plan.changes.workstations.empty());
}

}  // namespace
}  // namespace ramette::aggregator::directory
