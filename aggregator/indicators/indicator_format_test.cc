// The JSON, CSV and table renderings of an IndicatorReport.
#include "aggregator/indicators/indicator_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace ramette::aggregator::indicators {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::vector<std::string> kKeys = {"paper_change_pct",
                                        "recycled_share_pct",
                                        "desktop_printers_change_pct",
                                        "mfp_change_pct",
                                        "kg_per_workstation",
                                        "paper_kg",
                                        "paper_kg_all_devices",
                                        "sheets",
                                        "workstations",
                                        "desktop_printers",
                                        "mfps",
                                        "sheets_all_devices",
                                        "paper_kg_previous_year",
                                        "recycled_kg",
                                        "desktop_printers_previous_year",
                                        "mfps_previous_year",
                                        "unknown_media_jobs",
                                        "jobs_on_unclassified_devices",
                                        "jobs_without_user_direction",
                                        "oversized_media_jobs",
                                        "large_jobs"};

// The published 2018 organisation row, unrounded.
ScopeFigures Published2018() {
  ScopeFigures f;
  f.paper_change_pct = -13.029994817152549;
  f.recycled_share_pct = 18.000018458421827;
  f.desktop_printers_change_pct = -1.8315018315018317;
  f.mfp_change_pct = 1.345291479820628;
  f.kg_per_workstation = 20.440003626361033;
  f.paper_kg = 7133.5612656;
  f.paper_kg_all_devices = 8650.1002896;
  f.sheets = 1429686;
  f.sheets_all_devices = 1733626;
  f.workstations = 349;
  f.desktop_printers = 804;
  f.mfps = 226;
  f.paper_kg_previous_year = 8202.2;
  f.recycled_kg = 1557.019;
  f.desktop_printers_previous_year = 819;
  f.mfps_previous_year = 223;
  f.unknown_media_jobs = 12;
  f.jobs_on_unclassified_devices = 3;
  f.jobs_without_user_direction = 40;
  return f;
}

// A direction with every indicator missing and a small negative change.
ScopeFigures Sparse(std::string name) {
  ScopeFigures f;
  f.direction = std::move(name);
  f.paper_change_pct = -0.04;  // rounds to 0.0, never -0.0
  f.paper_kg = 1.005;
  f.sheets = 7;
  return f;
}

IndicatorReport Report() {
  IndicatorReport r;
  r.year = 2018;
  r.organisation = Published2018();
  ScopeFigures datm = Published2018();
  datm.direction = "DATM";
  r.directions.push_back(datm);
  r.directions.push_back(Sparse("Direction de l'Économie et des Marchés"));
  r.directions.push_back(Sparse("unassigned"));
  r.unclassified_queues = {"print1/hp-2e", "print2/réception"};
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(FormatJsonTest, HasDesignShapeKeysAndNulls) {
  const std::string text = FormatIndicatorsJson(Report());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.front(), '{');
  EXPECT_EQ(text.back(), '}');
  EXPECT_EQ(text.find('\n'), std::string::npos);  // one line, the caller ends it
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);

  std::vector<std::string> top;
  for (auto it = j.begin(); it != j.end(); ++it) top.push_back(it.key());
  // Wave 2 adds large_job_sheets and paper_source after the earlier keys.
  EXPECT_THAT(top, ElementsAre("year", "organisation", "directions", "unclassified_queues",
                               "large_job_sheets", "paper_source"));
  EXPECT_EQ(j["large_job_sheets"], 500);
  EXPECT_EQ(j["paper_source"], "printing");
  EXPECT_THAT(j["unclassified_queues"], ElementsAre("print1/hp-2e", "print2/réception"));
  EXPECT_EQ(j["year"], 2018);

  std::vector<std::string> org_keys;
  for (auto it = j["organisation"].begin(); it != j["organisation"].end(); ++it) {
    org_keys.push_back(it.key());
  }
  // No "direction" for the organisation, DESIGN.md's order, then wave 2's two objects.
  ASSERT_EQ(org_keys.size(), kKeys.size() + 2);
  EXPECT_EQ(std::vector<std::string>(org_keys.begin(), org_keys.end() - 2), kKeys);
  EXPECT_EQ(org_keys[kKeys.size()], "purchases");
  EXPECT_EQ(org_keys[kKeys.size() + 1], "meters");

  ASSERT_EQ(j["directions"].size(), 3u);
  std::vector<std::string> dir_keys;
  for (auto it = j["directions"][1].begin(); it != j["directions"][1].end(); ++it) {
    dir_keys.push_back(it.key());
  }
  ASSERT_FALSE(dir_keys.empty());
  EXPECT_EQ(dir_keys[0], "direction");
  EXPECT_EQ(std::vector<std::string>(dir_keys.begin() + 1, dir_keys.end() - 2), kKeys);
  EXPECT_EQ(j["directions"][1]["direction"], "Direction de l'Économie et des Marchés");

  // Unrounded numbers survive the round trip; integers stay integers; missing is null.
  const auto& org = j["organisation"];
  EXPECT_EQ(org["paper_change_pct"].get<double>(), -13.029994817152549);
  EXPECT_EQ(org["kg_per_workstation"].get<double>(), 20.440003626361033);
  EXPECT_TRUE(org["sheets"].is_number_integer());
  EXPECT_EQ(org["sheets"], 1429686);
  EXPECT_EQ(org["workstations"], 349);
  const auto& sparse = j["directions"][2];
  EXPECT_TRUE(sparse["recycled_share_pct"].is_null());
  EXPECT_TRUE(sparse["desktop_printers_change_pct"].is_null());
  EXPECT_TRUE(sparse["mfp_change_pct"].is_null());
  EXPECT_TRUE(sparse["kg_per_workstation"].is_null());
  EXPECT_TRUE(sparse["workstations"].is_null());
  EXPECT_EQ(sparse["desktop_printers"], 0);  // a count, not missing
  EXPECT_EQ(sparse["paper_change_pct"].get<double>(), -0.04);
}

TEST(FormatJsonTest, InvalidUtf8NameDoesNotThrow) {
  IndicatorReport r;
  r.year = 2018;
  r.directions.push_back(Sparse("bad\xFF"));
  r.unclassified_queues = {"srv/q\xFF"};
  std::string text;
  EXPECT_NO_THROW(text = FormatIndicatorsJson(r));
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["directions"][0]["direction"], "bad\xEF\xBF\xBD");  // U+FFFD
  EXPECT_EQ(j["unclassified_queues"][0], "srv/q\xEF\xBF\xBD");
}

TEST(FormatCsvTest, HeaderAndRoundedRows) {
  const std::vector<std::string> lines = Lines(FormatIndicatorsCsv(Report()));
  ASSERT_EQ(lines.size(), 5u);
  std::string header = "scope";
  for (const std::string& k : kKeys) header += "," + k;
  // Wave 2's columns come after the earlier ones (none renamed).
  const std::string added =
      ",purchases_paper_kg,purchases_paper_kg_office,purchases_paper_change_pct,"
      "purchases_recycled_share_pct,purchases_recycled_spend_share_pct,purchases_coverage_pct,"
      "meters_meter_impressions,meters_captured_impressions,meters_uncaptured_impressions,"
      "meters_uncaptured_kg_estimate,paper_source";
  EXPECT_EQ(lines[0], header + added);
  // One decimal for percentages, two for kg; integers as they are.
  EXPECT_EQ(lines[1],
            "organisation,-13.0,18.0,-1.8,1.3,20.44,7133.56,8650.10,1429686,349,804,226,"
            "1733626,8202.20,1557.02,819,223,12,3,40,0,0,,,,,,,,,,,printing");
  EXPECT_EQ(lines[2].substr(0, 19), "DATM,-13.0,18.0,-1.");
  // Missing values are empty cells; -0.04 % is 0.0; 1.005 kg is stored below 1.005: 1.00.
  EXPECT_EQ(lines[3],
            "Direction de l'Économie et des Marchés,0.0,,,,,1.00,0.00,7,,0,0,"
            "0,0.00,0.00,0,0,0,0,0,0,0,,,,,,,,,,,printing");
  EXPECT_EQ(lines[4].substr(0, 11), "unassigned,");
}

TEST(FormatCsvTest, FrenchConventionsAndQuoting) {
  IndicatorReport r;
  r.year = 2018;
  r.organisation = Published2018();
  r.directions.push_back(Sparse("Achats; \"Logistique\""));
  const std::vector<std::string> lines = Lines(FormatIndicatorsCsv(r, kCsvFrench));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].substr(0, 23), "scope;paper_change_pct;");
  EXPECT_EQ(lines[1].substr(0, 41), "organisation;-13,0;18,0;-1,8;1,3;20,44;71");
  EXPECT_EQ(lines[2].substr(0, 32), "\"Achats; \"\"Logistique\"\"\";0,0;;;;");
}

TEST(FormatCsvTest, NeutralisesFormulaNamesButNotNumbers) {
  // OWASP CSV injection: a direction name that a spreadsheet would run as a formula is
  // written as text ('=...), quoted; the negative numbers of its row stay numbers.
  IndicatorReport r;
  r.year = 2018;
  r.organisation = Published2018();
  ScopeFigures evil = Sparse("=cmd|' /C calc'!A0");
  evil.paper_change_pct = -2.5;
  r.directions.push_back(evil);
  r.directions.push_back(Sparse("@SUM(1+1)"));
  for (const CsvConventions& conv : {kCsvEnglish, kCsvFrench}) {
    const std::string sep(1, conv.separator);
    const std::string mark(1, conv.decimal_mark);
    const std::vector<std::string> lines = Lines(FormatIndicatorsCsv(r, conv));
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_THAT(lines[1], StartsWith("organisation" + sep + "-13" + mark + "0" + sep));
    EXPECT_THAT(lines[2], StartsWith("\"'=cmd|' /C calc'!A0\"" + sep + "-2" + mark + "5" + sep));
    EXPECT_THAT(lines[3], StartsWith("\"'@SUM(1+1)\"" + sep + "0" + mark + "0" + sep));
  }
}

TEST(FormatTableTest, AlignsAccentedNamesByCodePoints) {
  const std::string text = FormatIndicatorsTable(Report());
  const std::vector<std::string> lines = Lines(text);
  EXPECT_EQ(lines[0], "Paper indicators 2018");
  // Header, rule, organisation and 3 directions, from line 2.
  ASSERT_GE(lines.size(), 8u);
  const std::vector<std::string> table(lines.begin() + 2, lines.begin() + 8);
  for (const char* label :
       {"I1 paper change %", "I2 recycled share %", "I3 desktop printers change %",
        "I4 MFP change %", "I5 kg per workstation", "workstations", "MFPs"}) {
    EXPECT_THAT(table[0], HasSubstr(label));
  }
  const size_t width = CodePoints(table[0]);
  for (const std::string& line : table) EXPECT_EQ(CodePoints(line), width) << line;
  // The accented row is longer in bytes, yet as wide: its columns line up.
  EXPECT_GT(table[4].size(), CodePoints(table[4]));
  EXPECT_EQ(table[4].substr(0, 8), "Directio");
  // Every column starts at the same code point offset: compare the last cell's position.
  const size_t sheets_end = CodePoints(table[0].substr(0, table[0].find("sheets") + 6));
  for (size_t r = 2; r < table.size(); ++r) {
    const std::string& line = table[r];
    size_t cp = 0, i = 0;
    for (; i < line.size() && cp < sheets_end; ++i) cp += (line[i] & 0xC0) != 0x80;
    // The sheets column is right-aligned: the character before its end is a digit.
    EXPECT_TRUE(line[i - 1] >= '0' && line[i - 1] <= '9') << line;
  }
}

TEST(FormatTableTest, RoundsSignsAndMarksMissingValues) {
  const std::string text = FormatIndicatorsTable(Report());
  const std::vector<std::string> lines = Lines(text);
  const std::string& org = lines[4];
  EXPECT_EQ(org.substr(0, 12), "organisation");
  EXPECT_THAT(org, HasSubstr("-13.0"));
  EXPECT_THAT(org, HasSubstr("+1.3"));
  EXPECT_THAT(org, HasSubstr("20.44"));
  EXPECT_THAT(org, HasSubstr("7133.56"));
  EXPECT_THAT(org, Not(HasSubstr("—")));
  const std::string& unassigned = lines[7];
  EXPECT_EQ(unassigned.substr(0, 10), "unassigned");
  EXPECT_THAT(unassigned, HasSubstr("—"));
  EXPECT_THAT(unassigned, Not(HasSubstr("-0.0")));
  EXPECT_THAT(text, HasSubstr("12 jobs with unknown media"));
  EXPECT_THAT(text, HasSubstr("40 jobs without a user direction, 0 jobs on sheets larger than A0"));
}

TEST(FormatTableTest, ListsUnclassifiedQueuesAfterDataQuality) {
  const std::vector<std::string> lines = Lines(FormatIndicatorsTable(Report()));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(lines[lines.size() - 2], HasSubstr("Data quality 2018: "));
  EXPECT_EQ(lines.back(), "Unclassified queues: print1/hp-2e, print2/réception.");
  IndicatorReport none = Report();
  none.unclassified_queues.clear();
  EXPECT_EQ(Lines(FormatIndicatorsTable(none)).back(), "Unclassified queues: none.");
}

TEST(FormatCsvTest, LeavesOutUnclassifiedQueues) {
  const std::string text = FormatIndicatorsCsv(Report());
  EXPECT_THAT(text, Not(HasSubstr("hp-2e")));
  EXPECT_EQ(Lines(text).size(), 5u);
}

}  // namespace
}  // namespace ramette::aggregator::indicators
