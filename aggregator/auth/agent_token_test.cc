// Tokens are random, well-formed, and hashed with SHA-256.
#include "aggregator/auth/agent_token.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::auth {
namespace {

TEST(AgentTokenTest, NewTokensAreWellFormedAndDistinct) {
  auto a = NewAgentToken();
  auto b = NewAgentToken();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->size(), 4u + 64u);
  EXPECT_EQ(a->rfind("rmt_", 0), 0u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef", 4), std::string::npos);
  EXPECT_NE(*a, *b);
}

TEST(AgentTokenTest, HashIsSha256Hex) {
  // echo -n abc | sha256sum
  EXPECT_EQ(HashAgentToken("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(PublicTokenId(HashAgentToken("abc")), "ba7816bf");
}

}  // namespace
}  // namespace ramette::aggregator::auth
