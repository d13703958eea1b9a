// Argon2id hashes: they verify, carry their own salt, and refuse what a password must not be.
#include "aggregator/auth/password_hash.h"

#include <gtest/gtest.h>

#include <string>

namespace ramette::aggregator::auth {
namespace {

constexpr char kPassword[] = "correct horse battery";

TEST(PasswordHashTest, HashThenVerify) {
  auto hash = HashPassword(kPassword);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find(kPassword), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*hash, kPassword));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery "));
  EXPECT_FALSE(VerifyPassword(*hash, "Correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordHashTest, TwoHashesOfOnePasswordDiffer) {
  auto a = HashPassword(kPassword);
  auto b = HashPassword(kPassword);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);  // a fresh salt each time
  EXPECT_TRUE(VerifyPassword(*a, kPassword));
  EXPECT_TRUE(VerifyPassword(*b, kPassword));
}

TEST(PasswordHashTest, MalformedHashesNeverMatch) {
  EXPECT_FALSE(VerifyPassword("", kPassword));
  EXPECT_FALSE(VerifyPassword("not a hash", kPassword));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=65536,t=2,p=1$", kPassword));
  EXPECT_FALSE(VerifyPassword(std::string(200, '$'), kPassword));
  auto hash = HashPassword(kPassword);
  ASSERT_TRUE(hash.ok());
  std::string cut = hash->substr(0, hash->size() - 5);
  EXPECT_FALSE(VerifyPassword(cut, kPassword));
  std::string with_nul = *hash;
  with_nul.push_back('\0');
  EXPECT_FALSE(VerifyPassword(with_nul, kPassword));
  EXPECT_FALSE(VerifyPassword(*hash + std::string(200, 'A'), kPassword));
}

TEST(PasswordHashTest, RefusesShortLongAndNulPasswords) {
  EXPECT_EQ(HashPassword("").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(HashPassword(std::string(kMinPasswordLength - 1, 'x')).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(HashPassword(std::string(kMinPasswordLength, 'x')).ok());
  EXPECT_TRUE(HashPassword(std::string(1024, 'x')).ok());
  EXPECT_EQ(HashPassword(std::string(1025, 'x')).status().code(), Status::Code::kInvalidArgument);
  const std::string nul("secret\0password", 15);
  auto refused = HashPassword(nul);
  EXPECT_EQ(refused.status().code(), Status::Code::kInvalidArgument);
  // The message says what is wrong, never the password.
  EXPECT_EQ(refused.status().message().find("secret"), std::string::npos);
  EXPECT_EQ(HashPassword("pw-4921").status().message().find("pw-4921"), std::string::npos);
}

}  // namespace
}  // namespace ramette::aggregator::auth
