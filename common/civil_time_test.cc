// Day numbers, ISO dates and local days in a zone with daylight saving time.
#include "common/civil_time.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace ramette {
namespace {

TEST(CivilTimeTest, DaysRoundTrip) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  for (Day d = -800; d < 30000; d += 7) {
    CivilDate c = CivilFromDays(d);
    EXPECT_EQ(DaysFromCivil(c.year, c.month, c.day), d);
  }
  EXPECT_EQ(FormatIsoDate(DaysFromCivil(2018, 12, 31)), "2018-12-31");
  EXPECT_EQ(MonthIndexOfDay(DaysFromCivil(2018, 12, 31)) + 1, MonthIndex(2019, 1));
}

TEST(CivilTimeTest, ParseIsoDate) {
  EXPECT_EQ(*ParseIsoDate("2016-02-29"), DaysFromCivil(2016, 2, 29));
  EXPECT_FALSE(ParseIsoDate("2018-02-29").ok());
  EXPECT_FALSE(ParseIsoDate("2018-02-30").ok());
  EXPECT_FALSE(ParseIsoDate("2018-13-01").ok());
  EXPECT_FALSE(ParseIsoDate("18-01-01").ok());
  EXPECT_FALSE(ParseIsoDate("2018/01/01").ok());
  EXPECT_FALSE(ParseIsoDate("").ok());
  EXPECT_NE(ParseIsoDate("2018-02-30").status().message().find("2018-02-30"), std::string::npos);
}

TEST(CivilTimeTest, ParisLocalDays) {
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok());
  // 2018-12-31T22:59:59Z = 23:59:59 in Paris (UTC+1): still 2018.
  EXPECT_EQ(paris->LocalDay(1546297199), DaysFromCivil(2018, 12, 31));
  // 2018-12-31T23:00:00Z = 2019-01-01 00:00 in Paris.
  EXPECT_EQ(paris->LocalDay(1546300800 - 3600), DaysFromCivil(2019, 1, 1));
  // Summer (UTC+2): 2018-06-30T22:30:00Z = 2018-07-01 00:30.
  EXPECT_EQ(paris->LocalDay(1530397800), DaysFromCivil(2018, 7, 1));
  EXPECT_EQ(paris->UtcOffset(1530397800), 7200);
  EXPECT_EQ(TimeZone::Utc().LocalDay(1530397800), DaysFromCivil(2018, 6, 30));
  // The DST switch on 2018-03-25 at 01:00:00Z, to the second.
  EXPECT_EQ(paris->UtcOffset(1521939599), 3600);
  EXPECT_EQ(paris->UtcOffset(1521939600), 7200);
  // Loading a zone does not change the process's own zone, set or not.
  const char* before = std::getenv("TZ");
  std::string saved = before ? before : "";
  setenv("TZ", "Asia/Tokyo", 1);
  ASSERT_TRUE(TimeZone::Load("America/New_York").ok());
  ASSERT_NE(std::getenv("TZ"), nullptr);
  EXPECT_STREQ(std::getenv("TZ"), "Asia/Tokyo");
  unsetenv("TZ");
  ASSERT_TRUE(TimeZone::Load("America/New_York").ok());
  EXPECT_EQ(std::getenv("TZ"), nullptr);
  if (before) setenv("TZ", saved.c_str(), 1);
  auto cayenne = TimeZone::Load("America/Cayenne");  // UTC-3, no DST
  ASSERT_TRUE(cayenne.ok());
  EXPECT_EQ(cayenne->LocalDay(1546300800 + 2 * 3600), DaysFromCivil(2018, 12, 31));
  EXPECT_EQ(paris->UtcOffset(1546300800), 3600);  // two zones side by side
  EXPECT_FALSE(TimeZone::Load("Europe/Atlantis").ok());
  EXPECT_FALSE(TimeZone::Load("../etc/passwd").ok());
}

// The offsets come from libcctz; they match the C library's reading of the same tzdata files
// every 6 hours from 1970 to 2060 and to the second around each change (zones with DST on either
// hemisphere, a half-hour DST, a zone that changed its standard offset, and none).
TEST(TimeZoneTest, OffsetsAreTheCLibrarysOnesToTheSecond) {
  const char* before = std::getenv("TZ");
  const std::string saved = before ? before : "";
  for (const char* name : {"Europe/Paris", "America/New_York", "Australia/Lord_Howe",
                           "America/Sao_Paulo", "Europe/Moscow", "Asia/Tokyo"}) {
    auto zone = TimeZone::Load(name);
    ASSERT_TRUE(zone.ok()) << name;
    setenv("TZ", name, 1);
    tzset();
    auto libc = [](int64_t t) {
      time_t tt = static_cast<time_t>(t);
      struct tm tm;
      localtime_r(&tt, &tm);
      return static_cast<int64_t>(tm.tm_gmtoff);
    };
    int64_t prev = libc(0);
    for (int64_t t = 0; t < 2840140800; t += 6 * 3600) {  // to 2060
      const int64_t now = libc(t);
      ASSERT_EQ(zone->UtcOffset(t), now) << name << " at " << t;
      if (now != prev) {  // a change within the last 6 hours: find it to the second
        int64_t lo = t - 6 * 3600, hi = t;
        while (hi - lo > 1) {
          const int64_t mid = lo + (hi - lo) / 2;
          (libc(mid) == prev ? lo : hi) = mid;
        }
        EXPECT_EQ(zone->UtcOffset(lo), prev) << name << " at " << lo;
        EXPECT_EQ(zone->UtcOffset(hi), now) << name << " at " << hi;
      }
      prev = now;
    }
  }
  if (before) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

}  // namespace
}  // namespace ramette
