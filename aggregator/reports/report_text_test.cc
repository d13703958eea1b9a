// French and English number formatting, CSV numbers and HTML escaping.
#include "aggregator/reports/report_text.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::reports {
namespace {

using L = ReportLanguage;
constexpr L kFr = ReportLanguage::kFrench;
constexpr L kEn = ReportLanguage::kEnglish;

TEST(ReportTextTest, FrenchNumbersUseNarrowNoBreakSpaceAndDecimalComma) {
  EXPECT_EQ(FormatNumber(1234.56, 2, kFr), "1\u202f234,56");
  EXPECT_EQ(FormatNumber(1234567.891, 1, kFr), "1\u202f234\u202f567,9");
  EXPECT_EQ(FormatNumber(999.994, 2, kFr), "999,99");
  EXPECT_EQ(FormatNumber(-0.001, 2, kFr), "0,00");
  EXPECT_EQ(FormatNumber(-1234.4, 0, kFr), "-1\u202f234");
  EXPECT_EQ(FormatCount(1429689, kFr), "1\u202f429\u202f689");
  EXPECT_EQ(FormatCount(12, kFr), "12");
  EXPECT_EQ(FormatPercent(27.26, kFr), "27,3\u202f%");
  EXPECT_EQ(FormatPercent(-13.03, kFr, /*sign=*/true), "\u221213,0\u202f%");
  EXPECT_EQ(FormatPercent(1.35, kFr, true), "+1,4\u202f%");
  EXPECT_EQ(FormatPercent(0.01, kFr, true), "0,0\u202f%");
  EXPECT_EQ(FormatPercent(std::nullopt, kFr), "\u2014");
  EXPECT_EQ(FormatPoints(2.5, kFr), "+2,5\u202fpts");
}

TEST(ReportTextTest, EnglishNumbers) {
  EXPECT_EQ(FormatNumber(1234.56, 2, kEn), "1,234.56");
  EXPECT_EQ(FormatCount(1000, kEn), "1,000");
  EXPECT_EQ(FormatPercent(18.0, kEn), "18.0%");
  EXPECT_EQ(FormatOptional(std::nullopt, 2, kEn), "\u2014");
}

TEST(ReportTextTest, MonthLabels) {
  EXPECT_EQ(MonthLabel(MonthIndex(2018, 3), kFr), "mars 2018");
  EXPECT_EQ(MonthLabel(MonthIndex(2018, 12), kEn), "December 2018");
  EXPECT_EQ(ShortMonthLabel(MonthIndex(2018, 2), kFr), "févr. 18");
  EXPECT_EQ(ShortMonthLabel(MonthIndex(2009, 1), kEn), "Jan 09");
}

TEST(ReportTextTest, CsvNumbers) {
  EXPECT_EQ(CsvNumber(1234.5678, 3, indicators::kCsvFrench), "1234,568");
  EXPECT_EQ(CsvNumber(1234.5678, 2, indicators::kCsvEnglish), "1234.57");
  EXPECT_EQ(CsvNumber(std::nullopt, 2, indicators::kCsvFrench), "");
  EXPECT_EQ(CsvNumber(-12.34, 1, indicators::kCsvFrench), "-12,3");
}

TEST(ReportTextTest, HtmlEscapeEscapesMarkupAndRepairsUtf8) {
  EXPECT_EQ(HtmlEscape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("Direction générale"), "Direction générale");
  EXPECT_EQ(HtmlEscape("bad\xff\xc3("), "bad\ufffd\ufffd(");
  EXPECT_EQ(HtmlEscape(std::string("a\0b\x01", 4)), "ab");
}

}  // namespace
}  // namespace ramette::aggregator::reports
