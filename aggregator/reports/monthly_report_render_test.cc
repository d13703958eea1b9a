// The HTML and CSV of a monthly report: the figures can be read back and equal the computed
// ones, names are escaped, no user name appears, missing values show as "—" or empty cells.
#include "aggregator/reports/monthly_report_render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "common/civil_time.h"
#include "tests/fakes/fake_usage_source.h"

namespace ramette::aggregator::reports {
namespace {

using ramette::testing::FakeJob;
using ramette::testing::FakeUsageSource;
using ::testing::HasSubstr;
using ::testing::Not;

Day D(int y, int m, int d) { return DaysFromCivil(y, m, d); }

// data-key -> data-value of an HTML report (the first occurrence of each key).
std::map<std::string, std::string> DataValues(const std::string& html) {
  std::map<std::string, std::string> out;
  static const std::regex kAttr("data-key=\"([^\"]*)\" data-value=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kAttr);
       it != std::sregex_iterator(); ++it) {
    out.emplace((*it)[1].str(), (*it)[2].str());
  }
  return out;
}

// key -> value column of a report CSV (`sep` separated, no quoted separators in values).
std::map<std::string, std::string> CsvValues(const std::string& csv, char sep) {
  std::map<std::string, std::string> out;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == sep && !quoted) {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += c;
      }
    }
    cells.push_back(cell);
    if (cells.size() >= 3) out[cells[0]] = cells[2];
  }
  return out;
}

class RenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_.AddPaper("recy", true, 80);
    desk_ = src_.AddClassifiedDevice(model::DeviceClass::kDesktopPrinter, "R&D <Lab>", "recy",
                                     D(2015, 1, 1));
    src_.AddClassifiedDevice(model::DeviceClass::kMfp, "DAF", "", D(2015, 1, 1));
    src_.AddUserDirection("jean.dupont", "R&D <Lab>");
    src_.AddWorkstations("R&D <Lab>", D(2017, 1, 1), 3);
    for (int i = 0; i < 300; ++i) {
      FakeJob j;
      j.device_id = desk_;
      j.user = "jean.dupont";
      j.day = D(2018, 3, 1 + i % 28);
      j.sheets = 5;
      j.two_sided = i % 2 == 0;
      src_.AddJob(j);
    }
    Result<MonthlyReport> r = ComputeMonthlyReport(src_, 2018, 3, settings_);
    ASSERT_TRUE(r.ok());
    report_ = *r;
  }
  const ScopeMonth& Scope(const std::string& name) {
    for (const ScopeMonth& s : report_.directions) {
      if (s.direction == name) return s;
    }
    ADD_FAILURE();
    return report_.organisation;
  }
  FakeUsageSource src_;
  int64_t desk_ = 0;
  ReportSettings settings_;
  MonthlyReport report_;
};

TEST_F(RenderTest, HtmlFiguresReadBackEqualTheComputedOnes) {
  const ScopeMonth& s = Scope("R&D <Lab>");
  const std::string html = RenderMonthlyReportHtml(report_, s, ReportLanguage::kFrench, settings_);
  auto values = DataValues(html);
  EXPECT_EQ(values["sheets"], "1500");
  EXPECT_DOUBLE_EQ(std::stod(values["paper_kg"]), s.month.paper_kg);
  EXPECT_DOUBLE_EQ(std::stod(values["kg_per_workstation"]), *s.kg_per_workstation);
  EXPECT_DOUBLE_EQ(std::stod(values["two_sided_share_pct"]), 50.0);
  EXPECT_DOUBLE_EQ(std::stod(values["recycled_share_pct"]), 100.0);
  EXPECT_EQ(values["paper_change_pct"], "");  // no March 2017
  EXPECT_EQ(values["desktop_printers"], "1");
  EXPECT_EQ(values["jobs_without_user_direction"], "0");
  // French display: 1 500 sheets with a narrow no-break space, 7,5 kg, 50,0 %.
  EXPECT_THAT(html, HasSubstr(">1\u202f500<"));
  EXPECT_THAT(html, HasSubstr(">7,5<"));
  EXPECT_THAT(html, HasSubstr(">50,0\u202f%<"));
  EXPECT_THAT(html, HasSubstr("mars 2018"));
  EXPECT_THAT(html, HasSubstr("\u2014"));  // the missing change
}

TEST_F(RenderTest, NamesAreEscapedAndNoPersonAppears) {
  for (ReportLanguage lang : {ReportLanguage::kFrench, ReportLanguage::kEnglish}) {
    const std::string html = RenderMonthlyReportHtml(report_, Scope("R&D <Lab>"), lang, settings_);
    EXPECT_THAT(html, HasSubstr("R&amp;D &lt;Lab&gt;"));
    EXPECT_THAT(html, Not(HasSubstr("<Lab>")));
    EXPECT_THAT(html, Not(HasSubstr("jean")));
    EXPECT_THAT(html, Not(HasSubstr("dupont")));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("http://www.example")));
    const std::string csv = RenderMonthlyReportCsv(report_, Scope("R&D <Lab>"), lang);
    EXPECT_THAT(csv, Not(HasSubstr("jean")));
    EXPECT_THAT(csv, Not(HasSubstr("dupont")));
  }
}

TEST_F(RenderTest, HtmlIsSelfContained) {
  const std::string html =
      RenderMonthlyReportHtml(report_, Scope("DAF"), ReportLanguage::kFrench, settings_);
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, HasSubstr("<svg"));
  // DAF printed nothing: no device chart, changes and shares missing.
  EXPECT_THAT(html, HasSubstr("Aucune impression ce mois-ci."));
  auto values = DataValues(html);
  EXPECT_EQ(values["sheets"], "0");
  EXPECT_EQ(values["two_sided_share_pct"], "");
  EXPECT_EQ(values["kg_per_workstation"], "");  // DAF has no workstation count
}

TEST_F(RenderTest, CsvFrenchAndEnglishConventions) {
  const ScopeMonth& s = Scope("R&D <Lab>");
  const std::string fr = RenderMonthlyReportCsv(report_, s, ReportLanguage::kFrench);
  ASSERT_EQ(fr.substr(0, 3), "\xEF\xBB\xBF");
  auto v = CsvValues(fr.substr(3), ';');
  EXPECT_EQ(v["sheets"], "1500");
  EXPECT_EQ(v["paper_kg"], "7,484");  // 1500 x 4.9896 g = 7.4844 kg
  EXPECT_EQ(v["two_sided_share_pct"], "50,00");
  EXPECT_EQ(v["paper_change_pct"], "");
  EXPECT_EQ(v["direction"], "R&D <Lab>");
  EXPECT_EQ(v["recycled_target_met"], "oui");
  const std::string en = RenderMonthlyReportCsv(report_, s, ReportLanguage::kEnglish);
  EXPECT_NE(en.substr(0, 3), "\xEF\xBB\xBF");
  auto e = CsvValues(en, ',');
  EXPECT_EQ(e["paper_kg"], "7.484");
  EXPECT_EQ(e["recycled_target_met"], "yes");
  // The same keys as the HTML's data attributes.
  auto html = DataValues(RenderMonthlyReportHtml(report_, s, ReportLanguage::kEnglish, settings_));
  for (const char* key : {"sheets", "paper_kg", "kg_per_workstation", "color_share_pct",
                          "paper_kg_ytd", "co2e_kg", "unknown_media_jobs"}) {
    EXPECT_TRUE(html.contains(key)) << key;
    EXPECT_TRUE(e.contains(key)) << key;
  }
}

TEST_F(RenderTest, CsvNeutralisesAFormulaDirectionName) {
  // OWASP CSV injection: the direction cell is written as text ('=...), quoted; numbers are not.
  ScopeMonth s = Scope("R&D <Lab>");
  s.direction = "=cmd|' /C calc'!A0";
  const std::string fr = RenderMonthlyReportCsv(report_, s, ReportLanguage::kFrench);
  EXPECT_THAT(fr, HasSubstr("\r\ndirection;Direction;\"'=cmd|' /C calc'!A0\";\r\n"));
  EXPECT_THAT(fr, HasSubstr("\r\npaper_kg;Papier (kg, hors reprographie);7,484;kg\r\n"));
  EXPECT_THAT(fr,
              HasSubstr("\r\nreduction_target_pct;Objectif de réduction (maximum);-30,00;%\r\n"));
  const std::string en = RenderMonthlyReportCsv(report_, s, ReportLanguage::kEnglish);
  EXPECT_THAT(en, HasSubstr("\r\nreduction_target_pct,Reduction target (maximum),-30.00,%\r\n"));
  EXPECT_THAT(en, HasSubstr("\r\ndirection,Direction,\"'=cmd|' /C calc'!A0\",\r\n"));
  EXPECT_THAT(en, Not(HasSubstr(",=cmd")));
}

// Purchases and meters: their section and CSV rows appear only when the store holds some, the
// values read back equal the computed ones, and the text says what the targets are checked on.
TEST_F(RenderTest, PurchasesAndMetersSectionAndTargetSource) {
  // Without purchases: the law-measures-purchases note, no purchase rows.
  {
    const std::string html =
        RenderMonthlyReportHtml(report_, Scope("R&D <Lab>"), ReportLanguage::kEnglish, settings_);
    EXPECT_THAT(html, HasSubstr("the law measures purchases"));
    EXPECT_THAT(html, Not(HasSubstr("purchases_ytd_paper_kg")));
    EXPECT_EQ(DataValues(html)["recycled_target_source"], "printing");
    EXPECT_EQ(DataValues(html)["environment_mass"], "printed_month");
  }
  model::Purchase p;
  p.date = D(2018, 2, 1);
  p.direction = "R&D <Lab>";
  p.paper_id = "recy";
  p.quantity = 4;  // 4 reams = 9.9792 kg of recycled paper
  p.amount_cents = 1234;
  src_.purchases() = {p};
  src_.meter_readings() = {{"srv", "q" + std::to_string(desk_), D(2018, 1, 1), 0},
                           {"srv", "q" + std::to_string(desk_), D(2018, 3, 31), 2000}};
  Result<MonthlyReport> r = ComputeMonthlyReport(src_, 2018, 3, settings_);
  ASSERT_TRUE(r.ok());
  const ScopeMonth* s = nullptr;
  for (const ScopeMonth& d : r->directions) {
    if (d.direction == "R&D <Lab>") s = &d;
  }
  ASSERT_NE(s, nullptr);
  for (ReportLanguage lang : {ReportLanguage::kFrench, ReportLanguage::kEnglish}) {
    const std::string html = RenderMonthlyReportHtml(*r, *s, lang, settings_);
    auto values = DataValues(html);
    EXPECT_DOUBLE_EQ(std::stod(values["purchases_ytd_paper_kg"]), 9.9792);
    EXPECT_DOUBLE_EQ(std::stod(values["purchases_ytd_recycled_spend_share_pct"]), 100.0);
    EXPECT_DOUBLE_EQ(std::stod(values["purchases_ytd_coverage_pct"]),
                     *s->purchases_year_to_date.coverage_pct);
    EXPECT_EQ(values["recycled_target_source"], "purchases");
    EXPECT_EQ(values["environment_mass"], "purchased_year_to_date");
    EXPECT_EQ(values["meters_ytd_impressions"], "2000");
    EXPECT_EQ(values["meters_ytd_captured_impressions"], "1500");
    EXPECT_EQ(values["meters_ytd_uncaptured_impressions"], "500");
    EXPECT_THAT(html, HasSubstr(lang == ReportLanguage::kFrench ? "acheté depuis janvier"
                                                                : "bought since January"));
    const auto csv = CsvValues(RenderMonthlyReportCsv(*r, *s, lang),
                               lang == ReportLanguage::kFrench ? ';' : ',');
    EXPECT_EQ(csv.at("recycled_spend_target_met"), lang == ReportLanguage::kFrench ? "oui" : "yes");
    EXPECT_EQ(csv.at("meters_month_impressions"), "2000");
  }
}

TEST_F(RenderTest, FileStemIsSafe) {
  EXPECT_EQ(ReportFileStem(report_, Scope("R&D <Lab>")), "ramette-2018-03-R_D_Lab-73a61b5c");
  EXPECT_EQ(ReportFileStem(report_, Scope("DAF")), "ramette-2018-03-DAF");
  EXPECT_EQ(ReportFileStem(report_, report_.organisation), "ramette-2018-03-organisation");
}

// Accents once became "__" byte by byte, and "a b", "a/b" and "a_b" were numbered in an order
// that depended on the data. Names are readable, stable and unique per direction.
TEST(DirectionFileNameTest, ReadableStableAndUnique) {
  EXPECT_EQ(DirectionFileName("Éducation et Collèges"), "Education_et_Colleges-cbb6c1df");
  EXPECT_EQ(DirectionFileName("Œuvres sociales"), "OEuvres_sociales-79456058");
  EXPECT_EQ(DirectionFileName("a_b"), "a_b");
  EXPECT_EQ(DirectionFileName("a b"), "a_b-10a3f9f2");
  EXPECT_EQ(DirectionFileName("a/b"), "a_b-3a8e75c1");
  EXPECT_EQ(DirectionFileName("../../etc/passwd").substr(0, 11), "etc_passwd-");
  // The totals' file keeps its name.
  EXPECT_EQ(DirectionFileName("Organisation"), "Organisation-717e7e87");
  // No Latin letter at all; a 300-byte name fits in a file name.
  EXPECT_EQ(DirectionFileName("日本"), "direction-9f26ee51");
  EXPECT_EQ(DirectionFileName(std::string(300, 'x')), std::string(64, 'x') + "-970138f5");
}

}  // namespace
}  // namespace ramette::aggregator::reports
