#include "aggregator/model/user_names.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::model {
namespace {

const UserNameRule kNone{};
const UserNameRule kLower{.lower_case = true};
const UserNameRule kStrip{.strip_domain = true};
const UserNameRule kBoth{.lower_case = true, .strip_domain = true};

TEST(UserNamesTest, DefaultKeepsTheNameAsSent) {
  EXPECT_EQ(NormalizeUserName("EXAMPLE\\JDupont", kNone), "EXAMPLE\\JDupont");
  EXPECT_EQ(NormalizeUserName("jdupont@EXAMPLE.ORG", kNone), "jdupont@EXAMPLE.ORG");
  EXPECT_TRUE(kNone.identity());
}

TEST(UserNamesTest, WindowsFormsBecomeTheDirectoryName) {
  for (const char* sent : {"EXAMPLE\\jdupont", "jdupont@EXAMPLE.ORG", "JDupont", "jdupont",
                           "example\\JDUPONT", "JDupont@example.org"}) {
    EXPECT_EQ(NormalizeUserName(sent, kBoth), "jdupont") << sent;
  }
  EXPECT_EQ(NormalizeUserName("EXAMPLE\\JDupont", kStrip), "JDupont");
  EXPECT_EQ(NormalizeUserName("EXAMPLE\\JDupont", kLower), "example\\jdupont");
  // Only the last separator counts; a user part of a UPN may hold '.' or '-'.
  EXPECT_EQ(NormalizeUserName("FOREST\\EXAMPLE\\jean-luc.dupont", kBoth), "jean-luc.dupont");
  EXPECT_EQ(NormalizeUserName("EXAMPLE\\jdupont@EXAMPLE.ORG", kBoth), "jdupont");
}

TEST(UserNamesTest, NothingBecomesTheUnknownUser) {
  EXPECT_EQ(NormalizeUserName("EXAMPLE\\", kBoth), "example\\");
  EXPECT_EQ(NormalizeUserName("@EXAMPLE.ORG", kBoth), "@example.org");
  EXPECT_EQ(NormalizeUserName("", kBoth), "");
}

TEST(UserNamesTest, LowerCaseCoversLatin1Capitals) {
  EXPECT_EQ(NormalizeUserName("H\xC3\x89L\xC3\x88NE.\xC3\x87"
                              "A",
                              kLower),
            "h\xC3\xA9l\xC3\xA8ne.\xC3\xA7"
            "a");                                                // HÉLÈNE.ÇA -> hélène.ça
  EXPECT_EQ(NormalizeUserName("\xC3\x97", kLower), "\xC3\x97");  // × is not a letter
  EXPECT_EQ(NormalizeUserName("\xC3\xA9", kLower), "\xC3\xA9");  // é stays
  EXPECT_EQ(NormalizeUserName("\xE2\x82\xAC", kLower), "\xE2\x82\xAC");  // € untouched
}

TEST(UserNamesTest, Idempotent) {
  for (const UserNameRule& rule : {kNone, kLower, kStrip, kBoth}) {
    for (const char* sent : {"A\\B@C", "\\\\x@@y", "Z@", "\\Q", "H\xC3\x89"}) {
      const std::string once = NormalizeUserName(sent, rule);
      EXPECT_EQ(NormalizeUserName(once, rule), once) << sent;
    }
  }
}

TEST(UserNamesTest, RuleTextRoundTrips) {
  for (const UserNameRule& rule : {kNone, kLower, kStrip, kBoth}) {
    auto back = ParseUserNameRuleText(UserNameRuleText(rule));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, rule);
  }
  EXPECT_EQ(UserNameRuleText(kNone), "");
  EXPECT_EQ(UserNameRuleText(kBoth), "case=lower,strip_domain");
  EXPECT_FALSE(ParseUserNameRuleText("case=upper").ok());
  EXPECT_FALSE(ParseUserNameRuleText("case=lower,strip").ok());
}

}  // namespace
}  // namespace ramette::aggregator::model
