// The yearly export: three years as columns, French and English CSV conventions, JSON rows
// equal to ComputeIndicators, empty cells where a year has no value.
#include "aggregator/reports/indicator_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/civil_time.h"
#include "tests/fakes/fake_usage_source.h"

namespace ramette::aggregator::reports {
namespace {

using ramette::testing::FakeJob;
using ramette::testing::FakeUsageSource;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

Day D(int y, int m, int d) { return DaysFromCivil(y, m, d); }

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const int64_t desk =
        src_.AddClassifiedDevice(model::DeviceClass::kDesktopPrinter, "DAF", "", D(2015, 1, 1));
    src_.AddWorkstations("DAF", D(2015, 1, 1), 4);
    // 2016: 1000 sheets, 2017: 900, 2018: 810 (-10 % each year).
    int64_t sheets[] = {1000, 900, 810};
    for (int y = 0; y < 3; ++y) {
      FakeJob j;
      j.device_id = desk;
      j.user = "u";
      j.day = D(2016 + y, 6, 1);
      j.sheets = sheets[y];
      src_.AddJob(j);
    }
    Result<IndicatorHistory> h = ComputeIndicatorHistory(src_, 2018);
    ASSERT_TRUE(h.ok());
    history_ = *h;
  }
  FakeUsageSource src_;
  IndicatorHistory history_;
};

TEST_F(ExportTest, FrenchCsv) {
  const std::string csv = FormatIndicatorExportCsv(history_, /*french=*/true);
  EXPECT_THAT(csv, StartsWith("\xEF\xBB\xBFpérimètre;indicateur;unité;2016;2017;2018\r\n"));
  // I1: 2016 has no 2015 base (empty), then -10,0 twice.
  EXPECT_THAT(csv, HasSubstr("organisation;I1 Évolution de la consommation de papier (hors "
                             "reprographie);%;;-10,0;-10,0\r\n"));
  // I5: 1000 x 4.9896 g / 4 = 1.2474 kg.
  EXPECT_THAT(csv, HasSubstr("DAF;I5 Papier par poste de travail (hors reprographie);kg;1,25;"
                             "1,12;1,01\r\n"));
  EXPECT_THAT(csv, HasSubstr("DAF;Feuilles (hors reprographie);;1000;900;810\r\n"));
}

TEST_F(ExportTest, EnglishCsvAndJson) {
  const std::string csv = FormatIndicatorExportCsv(history_, /*french=*/false);
  EXPECT_THAT(csv, StartsWith("scope,indicator,unit,2016,2017,2018\r\n"));
  EXPECT_THAT(csv, HasSubstr("DAF,I5 Paper per workstation (excluding print shop),kg,1.25,1.12,"
                             "1.01\r\n"));
  auto j = nlohmann::json::parse(FormatIndicatorExportJson(history_));
  EXPECT_EQ(j["years"], nlohmann::json({2016, 2017, 2018}));
  ASSERT_EQ(j["rows"].size(), 2u * 12u);  // organisation and DAF, 12 rows each
  EXPECT_EQ(j["rows"][0]["key"], "paper_change_pct");
  EXPECT_TRUE(j["rows"][0]["values"][0].is_null());
  EXPECT_DOUBLE_EQ(j["rows"][0]["values"][2].get<double>(),
                   *history_.years[2].organisation.paper_change_pct);
  EXPECT_EQ(j["rows"][12]["scope"], "DAF");
}

// With purchases, six rows per scope follow, each naming its source; with paper_source =
// "purchases" the I1 and I2 rows say so. Without purchases the export is as before (above).
TEST_F(ExportTest, PurchaseRowsNameTheirSource) {
  src_.AddPaper("REC", true, 80);
  auto buy = [](Day date, double reams, std::optional<int64_t> cents) {
    model::Purchase p;
    p.date = date;
    p.direction = "DAF";
    p.paper_id = "REC";
    p.quantity = reams;
    p.amount_cents = cents;
    return p;
  };
  // 2017: 2 reams (4.9896 kg); 2018: 1 ream (2.4948 kg), 10 € -> I1 -50 %, I2 100 %.
  src_.purchases() = {buy(D(2017, 2, 1), 2, std::nullopt), buy(D(2018, 2, 1), 1, 1000)};
  indicators::IndicatorOptions options;
  options.paper_source = indicators::PaperSource::kPurchases;
  Result<IndicatorHistory> h = ComputeIndicatorHistory(src_, 2018, options);
  ASSERT_TRUE(h.ok());
  const std::string csv = FormatIndicatorExportCsv(*h, /*french=*/false);
  EXPECT_THAT(csv, HasSubstr("organisation,I1 Paper consumption change (excluding print shop) — "
                             "source: purchases,%,,,-50.0\r\n"));
  EXPECT_THAT(csv, HasSubstr("DAF,Paper bought (all uses) — source: purchases,kg,,4.99,2.49\r\n"));
  EXPECT_THAT(csv, HasSubstr("DAF,I2 Recycled share of paper bought — source: purchases,%,,100.0,"
                             "100.0\r\n"));
  EXPECT_THAT(csv, HasSubstr("DAF,Coverage (paper printed / paper bought) — sources: printing and "
                             "purchases,%,,90.0,162.0\r\n"));
  auto j = nlohmann::json::parse(FormatIndicatorExportJson(*h));
  ASSERT_EQ(j["rows"].size(), 2u * 18u);
  EXPECT_EQ(j["rows"][12]["key"], "purchases_paper_kg");
  const std::string fr = FormatIndicatorExportCsv(*h, /*french=*/true);
  EXPECT_THAT(fr, HasSubstr("DAF;Part de la dépense HT en papier recyclé — source : achats;%;;;"
                            "100,0\r\n"));
}

TEST_F(ExportTest, MissingValuesAreEmptyCells) {
  // DSI's first workstation count is dated 2018: no count on 31 Dec 2016 or 2017.
  src_.AddWorkstations("DSI", D(2018, 1, 1), 2);
  Result<IndicatorHistory> h = ComputeIndicatorHistory(src_, 2018);
  ASSERT_TRUE(h.ok());
  const std::string csv = FormatIndicatorExportCsv(*h, false);
  EXPECT_THAT(csv, HasSubstr("DSI,Workstations on 31 December,,,,2\r\n"));
  EXPECT_FALSE(ComputeIndicatorHistory(src_, 3).ok());
}

TEST_F(ExportTest, FormulaDirectionNamesAreNeutralisedNumbersAreNot) {
  // OWASP CSV injection: the scope cell of a direction named like a formula is text ('=...),
  // quoted, in both conventions; the negative changes of the organisation stay numbers.
  src_.AddWorkstations("=cmd|' /C calc'!A0", D(2015, 1, 1), 2);
  Result<IndicatorHistory> h = ComputeIndicatorHistory(src_, 2018);
  ASSERT_TRUE(h.ok());
  const std::string fr = FormatIndicatorExportCsv(*h, /*french=*/true);
  EXPECT_THAT(fr,
              HasSubstr("\r\n\"'=cmd|' /C calc'!A0\";Postes de travail au 31 décembre;;2;2;2\r\n"));
  EXPECT_THAT(fr, HasSubstr("organisation;I1 Évolution de la consommation de papier (hors "
                            "reprographie);%;;-10,0;-10,0\r\n"));
  EXPECT_THAT(fr, Not(HasSubstr("\n=cmd")));
  const std::string en = FormatIndicatorExportCsv(*h, /*french=*/false);
  EXPECT_THAT(en, HasSubstr("\r\n\"'=cmd|' /C calc'!A0\",Workstations on 31 December,,2,2,2\r\n"));
  EXPECT_THAT(en, Not(HasSubstr("\n=cmd")));
}

}  // namespace
}  // namespace ramette::aggregator::reports
