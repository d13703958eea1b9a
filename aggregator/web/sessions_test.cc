// Sessions: idle and absolute expiry, logout, the size bound; random tokens; token comparison.
#include "aggregator/web/sessions.h"

#include <gtest/gtest.h>

#include <set>

namespace ramette::aggregator::web {
namespace {

const Viewer kAdmin{store::AccountRole::kAdmin, ""};

TEST(SessionsTest, RandomTokensAre256BitsOfHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = RandomToken();
    EXPECT_EQ(t.size(), 64u);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(SessionsTest, TokensMatchOnlyWhenEqualAndNotEmpty) {
  EXPECT_TRUE(TokensMatch("abc", "abc"));
  EXPECT_FALSE(TokensMatch("abc", "abd"));
  EXPECT_FALSE(TokensMatch("abc", "ab"));
  EXPECT_FALSE(TokensMatch("abc", ""));
  EXPECT_FALSE(TokensMatch("", ""));  // a missing cookie never matches a missing field
}

TEST(SessionsTest, IdleExpiry) {
  SessionStore sessions(/*idle=*/600, /*max=*/3600);
  const Session s = sessions.Create("alice", kAdmin, 1000);
  EXPECT_NE(s.id, s.csrf_token);
  ASSERT_TRUE(sessions.Find(s.id, 1599));  // used: idle clock restarts
  ASSERT_TRUE(sessions.Find(s.id, 2198));
  EXPECT_FALSE(sessions.Find(s.id, 2798));  // 600 s without use
  EXPECT_FALSE(sessions.Find(s.id, 2199));  // and it stays gone
}

TEST(SessionsTest, AbsoluteExpiryEvenWhenUsed) {
  SessionStore sessions(600, 3600);
  const Session s = sessions.Create("alice", kAdmin, 0);
  for (int64_t t = 500; t < 3600; t += 500) ASSERT_TRUE(sessions.Find(s.id, t)) << t;
  EXPECT_FALSE(sessions.Find(s.id, 3600));
}

TEST(SessionsTest, FindGivesTheSessionBack) {
  SessionStore sessions(600, 3600);
  const Session s = sessions.Create("bob", Viewer{store::AccountRole::kDirection, "DSI"}, 10);
  auto found = sessions.Find(s.id, 20);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->account, "bob");
  EXPECT_EQ(found->viewer.direction, "DSI");
  EXPECT_EQ(found->csrf_token, s.csrf_token);
  EXPECT_EQ(found->last_seen, 20);
  EXPECT_FALSE(sessions.Find("", 20));
  EXPECT_FALSE(sessions.Find(s.id + "0", 20));
  EXPECT_FALSE(sessions.Find(s.id, 5));  // a clock that went back ends the session
}

TEST(SessionsTest, LogoutAndSweep) {
  SessionStore sessions(600, 3600);
  const Session a = sessions.Create("a", kAdmin, 0);
  const Session b = sessions.Create("b", kAdmin, 500);
  sessions.Remove(a.id);
  sessions.Remove("unknown");
  EXPECT_FALSE(sessions.Find(a.id, 501));
  EXPECT_EQ(sessions.Sweep(600), 1u);
  EXPECT_EQ(sessions.Sweep(1102), 0u);
  EXPECT_FALSE(sessions.Find(b.id, 1102));
}

TEST(SessionsTest, BoundedTheLeastRecentlyUsedGoes) {
  int n = 0;
  SessionStore sessions(
      600, 3600, [&n] { return "t" + std::to_string(n++); }, 2);
  const Session a = sessions.Create("a", kAdmin, 0);
  const Session b = sessions.Create("b", kAdmin, 1);
  ASSERT_TRUE(sessions.Find(a.id, 2));
  const Session c = sessions.Create("c", kAdmin, 3);
  EXPECT_TRUE(sessions.Find(a.id, 4));
  EXPECT_FALSE(sessions.Find(b.id, 4));
  EXPECT_TRUE(sessions.Find(c.id, 4));
}

TEST(SessionsTest, ARepeatedIdIsDrawnAgain) {
  std::vector<std::string> ids = {"x", "csrf1", "x", "y", "csrf2"};
  size_t i = 0;
  SessionStore sessions(600, 3600, [&] { return ids[i++]; });
  EXPECT_EQ(sessions.Create("a", kAdmin, 0).id, "x");
  EXPECT_EQ(sessions.Create("b", kAdmin, 0).id, "y");
}

}  // namespace
}  // namespace ramette::aggregator::web
