// The reports through the real `ramette` on the sample organisation (tests/sample_org.h): the
// monthly HTML is well-formed (xmllint), its figures and the CSV's read back equal
// `ramette indicators` (the twelve months of 2017 add up to the year), no user name appears,
// French formatting, a direction without jobs, a month before any data; the yearly export;
// and --send against a local SMTP sink that refuses once, with directions without an address.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "tests/sample_org.h"
#include "tests/smtp/smtp_sink.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct CmdResult {
  int code;
  std::string out;
  std::string err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// data-key -> data-value of a report (first occurrence).
std::map<std::string, std::string> DataValues(const std::string& html) {
  std::map<std::string, std::string> out;
  static const std::regex kAttr("data-key=\"([^\"]*)\" data-value=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kAttr);
       it != std::sregex_iterator(); ++it) {
    out.emplace((*it)[1].str(), (*it)[2].str());
  }
  return out;
}

// key -> value of a report CSV; French CSV numbers get their decimal comma back to a point.
std::map<std::string, std::string> CsvValues(std::string csv, char sep) {
  if (csv.rfind("\xEF\xBB\xBF", 0) == 0) csv.erase(0, 3);
  std::map<std::string, std::string> out;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == sep && !quoted) {
        cells.emplace_back();
      } else {
        cells.back() += c;
      }
    }
    if (cells.size() == 4) out[cells[0]] = cells[2];
  }
  return out;
}

double Num(const std::string& s) {
  std::string t = s;
  for (char& c : t) {
    if (c == ',') c = '.';
  }
  return std::stod(t);
}

class ReportsEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/ramette-reports-e2e-XXXXXX";
    shared_ = mkdtemp(tmpl);
    org_ = new ramette::testing::SampleOrg(ramette::testing::MakeSampleOrg(2018, 3, /*scale=*/0.2));
    ramette::Status st = ramette::testing::StoreSampleJobs(shared_ + "/ramette.db", org_->jobs);
    ASSERT_TRUE(st.ok()) << st.message();
    const std::pair<const char*, const std::string*> files[] = {
        {"papers", &org_->papers_csv},
        {"devices", &org_->devices_csv},
        {"users", &org_->users_csv},
        {"workstations", &org_->workstations_csv}};
    for (const auto& [kind, content] : files) {
      const std::string path = shared_ + "/" + kind + ".csv";
      std::ofstream(path, std::ios::binary) << *content;
      const std::string cmd = std::string(RAMETTE_CLI) + " --db " + shared_ +
                              "/ramette.db import " + kind + " " + path + " >/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
  }
  static void TearDownTestSuite() {
    delete org_;
    fs::remove_all(shared_);
  }
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-reports-case-XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_ = dir_ + "/ramette.db";
    fs::copy_file(shared_ + "/ramette.db", db_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CmdResult Run(const std::string& command) {
    const std::string cmd = command + " >" + dir_ + "/stdout 2>" + dir_ + "/stderr";
    const int rc = std::system(cmd.c_str());
    return CmdResult{WEXITSTATUS(rc), Slurp(dir_ + "/stdout"), Slurp(dir_ + "/stderr")};
  }
  CmdResult Ramette(const std::string& args) {
    return Run(std::string(RAMETTE_CLI) + " --db " + db_ + " " + args);
  }
  nlohmann::json Indicators(int year) {
    CmdResult r = Ramette("indicators --year " + std::to_string(year) + " --format json");
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  static nlohmann::json DirectionOf(const nlohmann::json& j, const std::string& name) {
    for (const auto& d : j["directions"]) {
      if (d["direction"] == name) return d;
    }
    ADD_FAILURE() << "no direction " << name;
    return {};
  }

  static std::string shared_;
  static ramette::testing::SampleOrg* org_;
  std::string dir_;
  std::string db_;
};

std::string ReportsEndToEndTest::shared_;
ramette::testing::SampleOrg* ReportsEndToEndTest::org_ = nullptr;

TEST_F(ReportsEndToEndTest, HtmlIsWellFormedAndHoldsNoPersonalData) {
  CmdResult r = Ramette("report monthly --month 2018-03 --out " + dir_ + "/out");
  ASSERT_EQ(r.code, 0) << r.err;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_ + "/out")) {
    const std::string path = entry.path().string();
    ++files;
    const std::string content = Slurp(path);
    for (const std::string& user : org_->user_names) {
      ASSERT_THAT(content, Not(HasSubstr(user))) << path;
    }
    if (entry.path().extension() != ".html") continue;
    // Strict XML well-formedness: no output at all.
    CmdResult xml = Run("xmllint --noout '" + path + "'");
    EXPECT_EQ(xml.code, 0) << path << "\n" << xml.err;
    EXPECT_EQ(xml.err, "") << path;
    // The HTML parser (HTML 4 vocabulary): only the HTML5 and SVG element names it does not
    // know may be reported.
    CmdResult html = Run("xmllint --html --noout '" + path + "'");
    std::istringstream lines(html.err);
    std::string line;
    static const std::regex kUnknownTag(
        ".*HTML parser error : Tag "
        "(main|header|section|footer|details|summary|svg|rect|line|text|title) "
        "invalid");
    while (std::getline(lines, line)) {
      if (line.find("error") == std::string::npos) continue;
      EXPECT_TRUE(std::regex_match(line, kUnknownTag)) << path << ": " << line;
    }
  }
  // Five directions with devices, "Mission égalité" (workstations only) and `unassigned`.
  EXPECT_EQ(files, 2 * 7);
  EXPECT_TRUE(fs::exists(dir_ + "/out/ramette-2018-03-Cabinet_Mission_Europe-5ab65df1.html"));
  const std::string cab = Slurp(dir_ + "/out/ramette-2018-03-Cabinet_Mission_Europe-5ab65df1.html");
  EXPECT_THAT(cab, HasSubstr("Cabinet &amp; Mission &lt;Europe&gt;"));
}

TEST_F(ReportsEndToEndTest, TwelveMonthsOfReportsAddUpToTheIndicators) {
  const nlohmann::json year = Indicators(2017);
  std::map<std::string, double> html_kg, csv_kg, recycled_html;
  std::map<std::string, int64_t> html_sheets;
  for (int m = 1; m <= 12; ++m) {
    char month[8];
    std::snprintf(month, sizeof month, "2017-%02d", m);
    const std::string out = dir_ + "/m" + std::to_string(m);
    CmdResult r = Ramette(std::string("report monthly --month ") + month + " --out " + out +
                          (m % 2 ? " --lang en" : ""));
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* d : {"DAF", "DCOM", "DRH"}) {
      const std::string stem = out + "/ramette-" + month + "-" + d;
      auto v = DataValues(Slurp(stem + ".html"));
      html_kg[d] += std::stod(v.at("paper_kg"));
      html_sheets[d] += std::stoll(v.at("sheets"));
      recycled_html[d] += std::stod(v.at("recycled_kg"));
      auto c = CsvValues(Slurp(stem + ".csv"), m % 2 ? ',' : ';');
      csv_kg[d] += Num(c.at("paper_kg"));
      if (m == 12) {
        // December's year to date is the year.
        EXPECT_NEAR(std::stod(v.at("paper_kg_ytd")), DirectionOf(year, d)["paper_kg"].get<double>(),
                    1e-9);
      }
    }
  }
  for (const char* d : {"DAF", "DCOM", "DRH"}) {
    const nlohmann::json dir = DirectionOf(year, d);
    EXPECT_NEAR(html_kg[d], dir["paper_kg"].get<double>(), 1e-9) << d;
    EXPECT_EQ(html_sheets[d], dir["sheets"].get<int64_t>()) << d;
    EXPECT_NEAR(recycled_html[d], dir["recycled_kg"].get<double>(), 1e-9) << d;
    EXPECT_NEAR(csv_kg[d], dir["paper_kg"].get<double>(), 12 * 0.0005) << d;  // 3 decimals
  }
}

TEST_F(ReportsEndToEndTest, FrenchFormattingEmptyDirectionAndMonthBeforeData) {
  CmdResult r = Ramette("report monthly --month 2018-03 --direction DAF --out " + dir_ + "/fr");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string html = Slurp(dir_ + "/fr/ramette-2018-03-DAF.html");
  auto v = DataValues(html);
  // The sheets as shown: thousands grouped with a narrow no-break space.
  const int64_t sheets = std::stoll(v.at("sheets"));
  ASSERT_GE(sheets, 1000);
  const std::string shown =
      std::to_string(sheets / 1000) + "\u202f" + std::to_string(sheets % 1000 + 1000).substr(1);
  EXPECT_THAT(html, HasSubstr(">" + shown + "<"));
  EXPECT_THAT(html, HasSubstr("mars 2018"));
  const std::string csv = Slurp(dir_ + "/fr/ramette-2018-03-DAF.csv");
  EXPECT_THAT(csv, StartsWith("\xEF\xBB\xBF"
                              "clé;libellé;valeur;unité\r\n"));
  EXPECT_THAT(CsvValues(csv, ';').at("paper_kg"), HasSubstr(","));
  ASSERT_EQ(fs::directory_iterator(dir_ + "/fr") != fs::directory_iterator(), true);

  // A direction with workstations and no job: zeros, no share, no rank, no division by zero.
  r = Ramette("report monthly --month 2018-03 --direction 'Mission égalité' --out " + dir_ +
              "/empty");
  ASSERT_EQ(r.code, 0) << r.err;
  auto e = DataValues(Slurp(dir_ + "/empty/ramette-2018-03-Mission_egalite-5d7d0934.html"));
  EXPECT_EQ(e.at("sheets"), "0");
  EXPECT_EQ(e.at("kg_per_workstation"), "0");
  EXPECT_EQ(e.at("two_sided_share_pct"), "");
  EXPECT_EQ(e.at("rank"), "");

  // A month before any data.
  r = Ramette("report monthly --month 2010-01 --out " + dir_ + "/old");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string old = Slurp(dir_ + "/old/ramette-2010-01-DAF.html");
  auto o = DataValues(old);
  EXPECT_EQ(o.at("sheets"), "0");
  EXPECT_EQ(o.at("paper_change_pct"), "");
  EXPECT_EQ(o.at("kg_per_workstation"), "");  // no workstation count before 2015
  EXPECT_THAT(old, HasSubstr("\u2014"));
  EXPECT_THAT(old, Not(HasSubstr("nan")));
  EXPECT_THAT(old, Not(HasSubstr("inf")));

  // Errors.
  EXPECT_EQ(Ramette("report monthly --month 2018-13 --out " + dir_ + "/x").code, 2);
  EXPECT_EQ(Ramette("report monthly --month 2018-03 --direction DXX --out " + dir_ + "/x").code, 1);
  EXPECT_EQ(Ramette("report monthly --month 2018-03 --out " + dir_ + "/x --send").code, 78);
}

TEST_F(ReportsEndToEndTest, YearlyExportMatchesTheIndicators) {
  const nlohmann::json y2017 = Indicators(2017);
  CmdResult r = Ramette("export indicators --year 2017 --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["years"], nlohmann::json({2015, 2016, 2017}));
  int checked = 0;
  for (const auto& row : j["rows"]) {
    const nlohmann::json scope =
        row["scope"] == "organisation" ? y2017["organisation"] : DirectionOf(y2017, row["scope"]);
    const nlohmann::json& expected = scope[row["key"].get<std::string>()];
    EXPECT_EQ(row["values"][2], expected) << row["scope"] << " " << row["key"];
    ++checked;
  }
  EXPECT_EQ(checked, 12 * 8);  // organisation + 7 directions
  r = Ramette("export indicators --year 2017 --format csv-fr --out " + dir_ + "/i.csv");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string fr = Slurp(dir_ + "/i.csv");
  EXPECT_THAT(fr, StartsWith("\xEF\xBB\xBF"
                             "périmètre;indicateur;unité;2015;2016;2017\r\n"));
  char i5[64];
  std::snprintf(i5, sizeof i5, "%.2f", y2017["organisation"]["kg_per_workstation"].get<double>());
  std::string i5_fr = i5;
  i5_fr[i5_fr.find('.')] = ',';
  EXPECT_THAT(fr, HasSubstr("organisation;I5 Papier par poste de travail (hors reprographie);kg;"));
  EXPECT_THAT(fr, HasSubstr(";" + i5_fr + "\r\n"));
  r = Ramette("export indicators --year 2017 --format csv-en");
  ASSERT_EQ(r.code, 0);
  EXPECT_THAT(r.out, StartsWith("scope,indicator,unit,2015,2016,2017\r\n"));
  EXPECT_THAT(r.out, HasSubstr("," + std::string(i5) + "\r\n"));
}

TEST_F(ReportsEndToEndTest, SendThroughARelayThatRefusesOnce) {
  if (!ramette::testing::SmtpSink::Available()) GTEST_SKIP() << "python3-aiosmtpd missing";
  std::string error;
  auto sink = ramette::testing::SmtpSink::Start(dir_ + "/mail", /*refusals=*/1, &error);
  ASSERT_NE(sink, nullptr) << error;
  std::ofstream(dir_ + "/agg.toml")
      << "[smtp]\nurl = \"" << sink->url() << "\"\nfrom = \"ramette@example.org\"\n";
  std::ofstream(dir_ + "/dirs.csv")
      << "direction;email\nDAF;daf@example.org dg@example.org\nDRH;drh@example.org\nDSI;\n";
  ASSERT_EQ(Ramette("import directions " + dir_ + "/dirs.csv").code, 0);
  const std::string send =
      "--config " + dir_ + "/agg.toml report monthly --month 2018-03 --out " + dir_ + "/out --send";
  // First run: the relay refuses the first message (DAF's first address in byte order),
  // accepts the others.
  CmdResult first = Run(std::string(RAMETTE_CLI) + " --db " + db_ + " " + send);
  EXPECT_EQ(first.code, 75) << first.err;
  EXPECT_THAT(first.err, HasSubstr("could not send the DAF report to daf@example.org"));
  EXPECT_THAT(first.err, HasSubstr("451"));
  EXPECT_THAT(first.out, HasSubstr("sent DAF report to dg@example.org"));
  EXPECT_THAT(first.out, HasSubstr("sent DRH report to drh@example.org"));
  EXPECT_THAT(first.out, HasSubstr("no address for direction DSI: report written, not sent"));
  EXPECT_THAT(first.out, HasSubstr("no address for direction DCOM"));
  EXPECT_EQ(sink->Messages().size(), 2u);
  // Second run: only the refused one is sent.
  CmdResult second = Run(std::string(RAMETTE_CLI) + " --db " + db_ + " " + send);
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("sent DAF report to daf@example.org"));
  EXPECT_THAT(second.out, HasSubstr("already sent DAF report to dg@example.org"));
  EXPECT_THAT(second.out, HasSubstr("already sent DRH report to drh@example.org"));
  auto messages = sink->Messages();
  ASSERT_EQ(messages.size(), 3u);
  // Third run: nothing new.
  EXPECT_EQ(Run(std::string(RAMETTE_CLI) + " --db " + db_ + " " + send).code, 0);
  EXPECT_EQ(sink->Messages().size(), 3u);
  // What arrived: the report as HTML body, the HTML and CSV attached, no user name.
  const std::string& msg = messages[2];
  for (const char* part :
       {"X-Envelope-To: daf@example.org\r\n", "Content-Type: text/html; charset=utf-8\r\n",
        "filename=\"ramette-2018-03-DAF.csv\"", "filename=\"ramette-2018-03-DAF.html\"",
        "Subject: =?UTF-8?B?"}) {
    EXPECT_NE(msg.find(part), std::string::npos) << part;  // (the message is long: not shown)
  }
}

}  // namespace
