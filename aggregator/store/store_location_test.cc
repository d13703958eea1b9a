// RedactedUri: passwords never appear, everything else does.
#include "aggregator/store/store_location.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::store {
namespace {

TEST(RedactedUriTest, MasksTheUserInfoPassword) {
  EXPECT_EQ(RedactedUri("postgresql://user:secret@host/db"), "postgresql://user:***@host/db");
  EXPECT_EQ(RedactedUri("postgres://u:p%40ss@db.example:5433/ramette?sslmode=require"),
            "postgres://u:***@db.example:5433/ramette?sslmode=require");
  EXPECT_EQ(RedactedUri("postgresql://user:secret@host"), "postgresql://user:***@host");
}

TEST(RedactedUriTest, MasksPasswordQueryParameters) {
  EXPECT_EQ(RedactedUri("postgresql://user@/ramette?host=/tmp/x&password=secret&sslmode=off"),
            "postgresql://user@/ramette?host=/tmp/x&password=***&sslmode=off");
  EXPECT_EQ(RedactedUri("postgresql:///db?password=secret"), "postgresql:///db?password=***");
  EXPECT_EQ(RedactedUri("postgresql://a:b@h/db?PASSWORD=c#frag"),
            "postgresql://a:***@h/db?password=***#frag");
}

TEST(RedactedUriTest, LeavesUrisWithoutPasswordAlone) {
  EXPECT_EQ(RedactedUri("postgresql://postgres@/ramette?host=/tmp/pg"),
            "postgresql://postgres@/ramette?host=/tmp/pg");
  EXPECT_EQ(RedactedUri("postgresql://host/db"), "postgresql://host/db");
  EXPECT_EQ(RedactedUri("/var/lib/ramette/ramette.db"), "/var/lib/ramette/ramette.db");
}

TEST(RedactedUriTest, MasksKeyValueConnectionStrings) {
  EXPECT_EQ(RedactedUri("host=/tmp dbname=x password=secret user=u"),
            "host=/tmp dbname=x password=*** user=u");
  EXPECT_EQ(RedactedUri("password = 'a b\\' c' dbname=x"), "password = *** dbname=x");
}

TEST(IsPostgresUriTest, TellsUrisFromPaths) {
  EXPECT_TRUE(IsPostgresUri("postgresql://h/db"));
  EXPECT_TRUE(IsPostgresUri("POSTGRES://h/db"));
  EXPECT_FALSE(IsPostgresUri("/tmp/postgresql://x"));
  EXPECT_FALSE(IsPostgresUri("ramette.db"));
}

}  // namespace
}  // namespace ramette::aggregator::store
