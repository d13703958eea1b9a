// The dashboard's pages on an in-memory store (tests/fakes/fake_store.h) with hand-made data:
// the figures are those of the core code (ComputeIndicators, the mailed report), names from data
// are escaped, no person appears, each role sees its own pages.
#include "aggregator/web/pages/web_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "aggregator/indicators/indicators.h"
#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/monthly_report_render.h"
#include "common/civil_time.h"
#include "tests/fakes/fake_store.h"

namespace ramette::aggregator::web {
namespace {

using reports::ReportLanguage;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kA4 = int64_t{210} * 297 * 1000 * 1000;
constexpr char kScript[] = "<script>alert(1)</script>";
constexpr char kScriptEscaped[] = "&lt;script&gt;alert(1)&lt;/script&gt;";
// The people of the data set: none may appear on a page.
const std::vector<std::string> kPeople = {"alice", "bob", "carol", "mallory"};

// data-key -> data-value, the first of each key (as the report tests read them back).
std::map<std::string, std::string> DataValues(const std::string& html) {
  std::map<std::string, std::string> out;
  static const std::regex kAttr("data-key=\"([^\"]*)\" data-value=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kAttr);
       it != std::sregex_iterator(); ++it) {
    out.emplace((*it)[1].str(), (*it)[2].str());
  }
  return out;
}

std::string Machine(std::optional<double> v) {
  if (!v) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", *v);
  return buf;
}

// DAF: a desktop printer on recycled paper and an MFP; DRH: an MFP and a print shop; a
// direction named like a script with one MFP. alice is in DAF, bob in DRH, mallory in the
// script direction; carol has no direction and prints on a queue nobody classified.
class WebPagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tz = TimeZone::Load("Europe/Paris");
    ASSERT_TRUE(tz.ok());
    tz_ = *tz;
    ASSERT_TRUE(store_.EnsureTimeZone(tz_).ok());
    ASSERT_TRUE(store_.inventory().UpsertPapers({{"recy", true, 80}, {"std", false, 80}}).ok());
    std::vector<model::Device> devices = {
        Device("daf-desk", model::DeviceClass::kDesktopPrinter, "DAF", "recy"),
        Device("daf-mfp", model::DeviceClass::kMfp, "DAF", "std"),
        Device("drh-mfp", model::DeviceClass::kMfp, "DRH", "std"),
        Device("shop", model::DeviceClass::kPrintShop, "DRH", "std"),
        Device("lab-mfp", model::DeviceClass::kMfp, kScript, "std"),
    };
    ASSERT_TRUE(store_.inventory().UpsertDevices(devices).ok());
    ASSERT_TRUE(
        store_.inventory()
            .ReplaceUserDirections(
                {{"alice", "DAF", {}, {}}, {"bob", "DRH", {}, {}}, {"mallory", kScript, {}, {}}})
            .ok());
    ASSERT_TRUE(store_.inventory()
                    .UpsertWorkstations({{"DAF", DaysFromCivil(2016, 1, 1), 10},
                                         {"DRH", DaysFromCivil(2016, 1, 1), 4},
                                         {kScript, DaysFromCivil(2016, 1, 1), 5}})
                    .ok());
    std::vector<model::StoredJob> jobs;
    int32_t id = 1;
    for (int year : {2016, 2017, 2018}) {
      for (int month = 1; month <= 12; ++month) {
        const int64_t scale = 2019 - year;  // less paper every year
        jobs.push_back(Job("daf-desk", id++, year, month, 100 * scale, "alice"));
        jobs.push_back(Job("daf-mfp", id++, year, month, 40 * scale, "alice"));
        jobs.push_back(Job("drh-mfp", id++, year, month, 70 * scale, "bob"));
        jobs.push_back(Job("shop", id++, year, month, 500, "bob"));
        jobs.push_back(Job("lab-mfp", id++, year, month, 30 * scale, "mallory"));
      }
    }
    model::StoredJob unknown = Job("mystery", id++, 2018, 3, 12, "carol");
    unknown.media_known = false;
    unknown.record.media = "";
    jobs.push_back(unknown);
    store::QuarantinedRecord bad;
    bad.record.queue = "daf-mfp";
    bad.record.user = "alice";
    bad.record.cups_job_id = 0;
    bad.reason = "cups_job_id < 1 (got 0)";
    auto committed = store_.jobs().CommitJobs("srv1", "1.0", jobs, {bad});
    ASSERT_TRUE(committed.ok()) << committed.status().ToString();
    settings_.organisation_name = "Conseil départemental";
  }

  model::Device Device(const std::string& queue, model::DeviceClass c, const std::string& dir,
                       const std::string& paper) {
    model::Device d;
    d.server = "srv1";
    d.queue = queue;
    d.classified = true;
    d.device_class = c;
    d.direction = dir;
    d.paper_id = paper;
    d.in_service = DaysFromCivil(2015, 1, 1);
    return d;
  }

  // A finished one-sided A4 job of `sheets` sheets on the 10th of the month at noon UTC.
  model::StoredJob Job(const std::string& queue, int32_t id, int year, int month, int64_t sheets,
                       const std::string& user) {
    const int64_t at = static_cast<int64_t>(DaysFromCivil(year, month, 10)) * 86400 + 12 * 3600;
    model::StoredJob j;
    j.record.queue = queue;
    j.record.cups_job_id = id;
    j.record.user = user;
    j.record.completed_at = at;
    j.record.created_at = at - 10;
    j.record.state = JobState::kCompleted;
    j.record.copies = 1;
    j.record.sides = Sides::kOneSided;
    j.record.media = "iso_a4_210x297mm";
    j.record.impressions_completed = sheets;
    j.record.source = RecordSource::kLive;
    j.local_day = tz_.LocalDay(at);
    j.sheets = sheets;
    j.area_um2 = kA4;
    j.media_known = true;
    return j;
  }

  PageContext Context(store::AccountRole role, const std::string& direction = "",
                      ReportLanguage lang = ReportLanguage::kFrench) {
    PageContext ctx;
    ctx.viewer.role = role;
    ctx.viewer.direction = direction;
    ctx.lang = lang;
    ctx.csrf_token = "csrf-123";
    ctx.now = static_cast<int64_t>(DaysFromCivil(2019, 1, 15)) * 86400;
    ctx.tz = &tz_;
    ctx.settings = &settings_;
    return ctx;
  }

  // Every page a role may be shown, as the server would call them.
  std::vector<std::string> AllPages(const PageContext& ctx) {
    std::vector<std::string> out;
    auto add = [&](const Result<Page>& p) {
      EXPECT_TRUE(p.ok()) << p.status().ToString();
      if (p.ok()) out.push_back(p->html);
    };
    add(OrganisationPage(store_, ctx, std::nullopt));
    add(OrganisationPage(store_, ctx, 2017));
    for (const char* dir : {"DAF", "DRH", kScript}) {
      add(DirectionPage(store_, ctx, dir, std::string("2018-03")));
    }
    add(DevicesPage(store_, ctx, std::nullopt));
    add(DataQualityPage(store_, ctx, std::nullopt));
    add(ServersPage(store_, ctx));
    out.push_back(LoginPage(ctx.lang, "csrf-123", ""));
    return out;
  }

  ramette::testing::FakeStore store_;
  TimeZone tz_ = TimeZone::Utc();
  reports::ReportSettings settings_;
};

TEST_F(WebPagesTest, OrganisationShowsTheIndicatorsOfComputeIndicators) {
  for (ReportLanguage lang : {ReportLanguage::kFrench, ReportLanguage::kEnglish}) {
    auto page = OrganisationPage(store_, Context(store::AccountRole::kAdmin, "", lang), {});
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_EQ(page->http_status, 200);
    const std::string& html = page->html;
    // The latest year with data is the default: 2018, with 2016 and 2017 beside it.
    EXPECT_THAT(html, HasSubstr(lang == ReportLanguage::kFrench ? "Indicateurs papier 2018"
                                                                : "Paper indicators 2018"));
    for (int year : {2016, 2017, 2018}) {
      auto r = indicators::ComputeIndicators(store_.usage(), year);
      ASSERT_TRUE(r.ok());
      const indicators::ScopeFigures& org = r->organisation;
      struct Expected {
        const char* key;
        std::optional<double> value;
        std::string text;
      };
      const Expected expected[] = {
          {"paper_change_pct", org.paper_change_pct,
           reports::FormatPercent(org.paper_change_pct, lang, true)},
          {"recycled_share_pct", org.recycled_share_pct,
           reports::FormatPercent(org.recycled_share_pct, lang)},
          {"desktop_printers_change_pct", org.desktop_printers_change_pct,
           reports::FormatPercent(org.desktop_printers_change_pct, lang, true)},
          {"mfp_change_pct", org.mfp_change_pct,
           reports::FormatPercent(org.mfp_change_pct, lang, true)},
          {"kg_per_workstation", org.kg_per_workstation,
           reports::FormatOptional(org.kg_per_workstation, 2, lang)},
      };
      for (const Expected& e : expected) {
        const std::string cell = std::string("data-key=\"") + e.key + "\" data-value=\"" +
                                 Machine(e.value) + "\" data-year=\"" + std::to_string(year) +
                                 "\">" + e.text + "</td>";
        EXPECT_THAT(html, HasSubstr(cell)) << e.key << " " << year;
      }
    }
    // The 2018 values are real numbers, not dashes: the data set has both bases.
    auto r2018 = indicators::ComputeIndicators(store_.usage(), 2018);
    ASSERT_TRUE(r2018->organisation.paper_change_pct.has_value());
    ASSERT_TRUE(r2018->organisation.kg_per_workstation.has_value());
    // The source of I1 and I2 is named, and the trend is the report's chart.
    EXPECT_THAT(html, HasSubstr("data-key=\"paper_source\" data-value=\"printing\""));
    EXPECT_THAT(html, HasSubstr("<svg"));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("style=")));  // the page's own markup: the sheet only
  }
}

// The ranking follows the monthly report's rule (reports::TakesPartInRanking): a direction
// with a workstation count that printed nothing is listed without a rank, not first. The page
// links the yearly export.
TEST_F(WebPagesTest, DirectionThatPrintedNothingIsNotRanked) {
  ASSERT_TRUE(
      store_.inventory().UpsertWorkstations({{"Calme", DaysFromCivil(2016, 1, 1), 3}}).ok());
  auto page = OrganisationPage(
      store_, Context(store::AccountRole::kAdmin, "", ReportLanguage::kFrench), 2018);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const std::string& html = page->html;
  EXPECT_THAT(html, HasSubstr(">Calme</a></td><td>\u2014</td>"));
  EXPECT_THAT(html, HasSubstr(">DAF</a></td><td>2</td>"));  // after the <script> direction
  EXPECT_THAT(html, HasSubstr("/download/export?year=2018&amp;format=csv-fr"));
}

TEST_F(WebPagesTest, PurchasesSourceIsNamed) {
  PageContext ctx = Context(store::AccountRole::kAdmin);
  ctx.paper_source = "purchases";
  auto page = OrganisationPage(store_, ctx, 2018);
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->html, HasSubstr("data-key=\"paper_source\" data-value=\"purchases\""));
  EXPECT_THAT(page->html, HasSubstr("achats (papier acheté)"));
}

TEST_F(WebPagesTest, PrintingAndPurchasesSideBySide) {
  model::Purchase bought;
  bought.date = DaysFromCivil(2018, 2, 1);
  bought.direction = "DAF";
  bought.paper_id = "recy";
  bought.quantity = 20;  // reams
  bought.amount_cents = 9000;
  ASSERT_TRUE(store_.inventory().ReplacePurchases({bought}).ok());
  auto page = OrganisationPage(store_, Context(store::AccountRole::kAdmin), 2018);
  ASSERT_TRUE(page.ok());
  auto r = indicators::ComputeIndicators(store_.usage(), 2018);
  ASSERT_TRUE(r.ok());
  const indicators::PurchaseFigures& p = r->organisation.purchases;
  ASSERT_TRUE(p.paper_kg.has_value());
  const auto values = DataValues(page->html);
  EXPECT_EQ(values.at("purchases.paper_kg"), Machine(p.paper_kg));
  EXPECT_EQ(values.at("purchases.coverage_pct"), Machine(p.coverage_pct));
  EXPECT_EQ(values.at("purchases.recycled_share_pct"), "100");
  EXPECT_EQ(values.at("printing.recycled_share_pct"), Machine(r->organisation.recycled_share_pct));
  EXPECT_THAT(page->html,
              HasSubstr(reports::FormatNumber(*p.paper_kg, 2, ReportLanguage::kFrench)));
  // The equivalents are those of the paper bought (all recycled: no tree), and say so.
  const reports::Equivalents on_bought =
      reports::ComputeEquivalents(*p.paper_kg, *p.paper_kg, settings_.environment);
  EXPECT_EQ(values.at("co2e_kg"), Machine(on_bought.co2e_kg));
  EXPECT_EQ(values.at("trees"), "0");
  EXPECT_THAT(page->html, HasSubstr("Calculés sur le papier acheté"));
}

TEST_F(WebPagesTest, DirectionPageHasTheMailedReportsFigures) {
  auto page =
      DirectionPage(store_, Context(store::AccountRole::kAdmin), "DAF", std::string("2018-03"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->http_status, 200);
  auto report = reports::ComputeMonthlyReport(store_.usage(), 2018, 3, settings_);
  ASSERT_TRUE(report.ok());
  auto daf = reports::FilterReportDirection(*report, "DAF");
  ASSERT_TRUE(daf.ok());
  const std::string mailed = reports::RenderMonthlyReportHtml(*daf, daf->directions.front(),
                                                              ReportLanguage::kFrench, settings_);
  const auto expected = DataValues(mailed);
  ASSERT_GT(expected.size(), 30u);
  EXPECT_EQ(DataValues(page->html), expected);
  EXPECT_EQ(expected.at("sheets"), "140");
  // Previous and next months.
  EXPECT_THAT(page->html, HasSubstr("month=2018-02"));
  EXPECT_THAT(page->html, HasSubstr("month=2018-04"));
  // The page links the style sheet; no inline style block of its own.
  EXPECT_THAT(page->html, HasSubstr("href=\"/static/ramette.css\""));
  EXPECT_THAT(page->html, Not(HasSubstr("<style")));
}

TEST_F(WebPagesTest, DefaultMonthIsTheLastFullMonth) {
  auto page = DirectionPage(store_, Context(store::AccountRole::kAdmin), "DAF", std::nullopt);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->http_status, 200);
  EXPECT_EQ(DataValues(page->html)["month"], "2018-12");
}

TEST_F(WebPagesTest, DirectionViewerSeesNoOtherDirection) {
  const PageContext ctx = Context(store::AccountRole::kDirection, "DAF");
  std::vector<std::string> pages;
  auto org = OrganisationPage(store_, ctx, std::nullopt);
  ASSERT_TRUE(org.ok());
  pages.push_back(org->html);
  auto own = DirectionPage(store_, ctx, "DAF", std::string("2018-03"));
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->http_status, 200);
  pages.push_back(own->html);
  for (const std::string& html : pages) {
    EXPECT_THAT(html, HasSubstr("DAF"));
    EXPECT_THAT(html, Not(HasSubstr("DRH")));
    EXPECT_THAT(html, Not(HasSubstr("alert(1)")));
    EXPECT_THAT(html, Not(HasSubstr("unassigned")));
  }
  // Its own I1-I5 beside the organisation's, no ranking.
  auto r = indicators::ComputeIndicators(store_.usage(), 2018);
  ASSERT_TRUE(r.ok());
  auto daf = indicators::FilterDirection(*r, "DAF");
  ASSERT_TRUE(daf.ok());
  const std::optional<double> i5 = daf->directions.front().kg_per_workstation;
  ASSERT_TRUE(i5.has_value());
  EXPECT_THAT(org->html, HasSubstr("data-key=\"kg_per_workstation\" data-value=\"" + Machine(i5) +
                                   "\" data-year=\"2018\">" +
                                   reports::FormatOptional(i5, 2, ReportLanguage::kFrench)));
  EXPECT_THAT(org->html, Not(HasSubstr("id=\"directions\"")));
  // Its own rank is there, the others' figures are not.
  EXPECT_THAT(own->html, HasSubstr("data-key=\"rank\""));
  // Another direction's page is as unknown as a wrong name.
  auto other = DirectionPage(store_, ctx, "DRH", std::string("2018-03"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->http_status, 404);
  EXPECT_THAT(other->html, Not(HasSubstr("DRH")));
}

TEST_F(WebPagesTest, ScriptDirectionStaysText) {
  const PageContext ctx = Context(store::AccountRole::kAdmin);
  for (const std::string& html : AllPages(ctx)) {
    EXPECT_THAT(html, Not(HasSubstr("<script"))) << html.substr(0, 200);
  }
  auto org = OrganisationPage(store_, ctx, std::nullopt);
  ASSERT_TRUE(org.ok());
  EXPECT_THAT(org->html, HasSubstr(kScriptEscaped));
  // The link to its page carries the name URL-encoded.
  EXPECT_THAT(org->html, HasSubstr("name=%3Cscript%3Ealert%281%29%3C%2Fscript%3E"));
  auto dir = DirectionPage(store_, ctx, kScript, std::string("2018-03"));
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->http_status, 200);
  EXPECT_THAT(dir->html, HasSubstr(kScriptEscaped));
  auto devices = DevicesPage(store_, ctx, 2018);
  ASSERT_TRUE(devices.ok());
  EXPECT_THAT(devices->html, HasSubstr(kScriptEscaped));
}

TEST_F(WebPagesTest, NoPersonOnAnyPage) {
  for (ReportLanguage lang : {ReportLanguage::kFrench, ReportLanguage::kEnglish}) {
    for (const std::string& html : AllPages(Context(store::AccountRole::kAdmin, "", lang))) {
      for (const std::string& person : kPeople) {
        EXPECT_THAT(html, Not(HasSubstr(person))) << person;
      }
    }
  }
}

TEST_F(WebPagesTest, EnglishPagesAreInEnglish) {
  const PageContext ctx = Context(store::AccountRole::kAdmin, "", ReportLanguage::kEnglish);
  for (const std::string& html : AllPages(ctx)) {
    EXPECT_THAT(html, HasSubstr("<html lang=\"en\""));
    EXPECT_THAT(html, Not(HasSubstr("Se déconnecter")));
  }
  auto org = OrganisationPage(store_, ctx, 2018);
  ASSERT_TRUE(org.ok());
  EXPECT_THAT(org->html, HasSubstr("Paper indicators 2018"));
  EXPECT_THAT(org->html, HasSubstr("Log out"));
  EXPECT_THAT(org->html, Not(HasSubstr("Indicateurs")));
  EXPECT_THAT(org->html, Not(HasSubstr("Se déconnecter")));
  // The switch leads back to French on the same page.
  EXPECT_THAT(org->html, HasSubstr("href=\"/?year=2018&amp;lang=fr\""));
  auto dir = DirectionPage(store_, ctx, "DAF", std::string("2018-03"));
  ASSERT_TRUE(dir.ok());
  EXPECT_THAT(dir->html, HasSubstr("Monthly printing report"));
  EXPECT_THAT(dir->html, HasSubstr("March 2018"));
  EXPECT_THAT(dir->html, Not(HasSubstr("mars 2018")));
  EXPECT_THAT(LoginPage(ReportLanguage::kEnglish, "t", ""), HasSubstr("Password"));
  // French by default.
  auto fr = OrganisationPage(store_, Context(store::AccountRole::kAdmin), 2018);
  ASSERT_TRUE(fr.ok());
  EXPECT_THAT(fr->html, HasSubstr("<html lang=\"fr\""));
  EXPECT_THAT(fr->html, HasSubstr("Indicateurs papier 2018"));
}

TEST_F(WebPagesTest, NavigationShowsTheRolesPages) {
  auto nav = [&](const PageContext& ctx) {
    auto p = ServersPage(store_, ctx);
    EXPECT_TRUE(p.ok());
    const std::string html = p.ok() ? p->html : "";
    // The links of the bar (the language switch leads back to the page itself).
    const size_t start = html.find("<nav");
    return start == std::string::npos ? "" : html.substr(start, html.find("</ul>") - start);
  };
  const std::string admin = nav(Context(store::AccountRole::kAdmin));
  EXPECT_THAT(admin, HasSubstr("href=\"/?lang=fr\""));
  EXPECT_THAT(admin, HasSubstr("href=\"/devices?lang=fr\""));
  EXPECT_THAT(admin, HasSubstr("href=\"/quality?lang=fr\""));
  EXPECT_THAT(admin, HasSubstr("href=\"/servers?lang=fr\""));
  EXPECT_THAT(admin, HasSubstr("href=\"/?lang=fr#directions\""));
  const std::string it = nav(Context(store::AccountRole::kIt));
  EXPECT_THAT(it, Not(HasSubstr("href=\"/?lang=fr\"")));
  EXPECT_THAT(it, Not(HasSubstr("/direction")));
  EXPECT_THAT(it, HasSubstr("href=\"/devices?lang=fr\""));
  EXPECT_THAT(it, HasSubstr("href=\"/quality?lang=fr\""));
  EXPECT_THAT(it, HasSubstr("href=\"/servers?lang=fr\""));
  const std::string dir = nav(Context(store::AccountRole::kDirection, "DAF"));
  EXPECT_THAT(dir, HasSubstr("href=\"/?lang=fr\""));
  EXPECT_THAT(dir, HasSubstr("href=\"/direction?name=DAF&amp;lang=fr\""));
  EXPECT_THAT(dir, Not(HasSubstr("/devices")));
  EXPECT_THAT(dir, Not(HasSubstr("/quality")));
  EXPECT_THAT(dir, Not(HasSubstr("/servers")));
  for (store::AccountRole role :
       {store::AccountRole::kAdmin, store::AccountRole::kIt, store::AccountRole::kDirection}) {
    auto p = ServersPage(store_, Context(role, "DAF"));
    ASSERT_TRUE(p.ok());
    const std::string bar = p->html.substr(0, p->html.find("</nav>"));
    EXPECT_THAT(bar, HasSubstr("<form class=\"logout\" method=\"post\" action=\"/logout\">"));
    EXPECT_THAT(bar, HasSubstr("name=\"csrf_token\" value=\"csrf-123\""));
    EXPECT_THAT(bar, HasSubstr("href=\"/servers?lang=en\""));
  }
}

TEST_F(WebPagesTest, UnknownDirectionOrMonthIsNotFound) {
  const PageContext ctx = Context(store::AccountRole::kAdmin);
  for (const auto& [name, month] :
       std::vector<std::pair<std::string, std::string>>{{"NOPE", "2018-03"},
                                                        {"DAF", "2018-13"},
                                                        {"DAF", "2018-00"},
                                                        {"DAF", "2030-01"},
                                                        {"DAF", "march"},
                                                        {"DAF", "1900-01"}}) {
    auto p = DirectionPage(store_, ctx, name, month);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->http_status, 404) << name << " " << month;
  }
  auto p = OrganisationPage(store_, ctx, 3000);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->http_status, 404);
}

TEST_F(WebPagesTest, DevicesAndDataQuality) {
  const PageContext ctx = Context(store::AccountRole::kIt);
  auto devices = DevicesPage(store_, ctx, 2018);
  ASSERT_TRUE(devices.ok());
  EXPECT_THAT(devices->html, HasSubstr("srv1/daf-desk"));
  // The queue to classify is listed.
  EXPECT_THAT(devices->html, HasSubstr("<li>srv1/mystery</li>"));
  // 12 months of 100 sheets on the DAF desktop printer in 2018.
  EXPECT_THAT(devices->html, HasSubstr("data-key=\"device_sheets\" data-value=\"1200\""));

  auto quality = DataQualityPage(store_, ctx, 2018);
  ASSERT_TRUE(quality.ok());
  auto r = indicators::ComputeIndicators(store_.usage(), 2018);
  ASSERT_TRUE(r.ok());
  const auto values = DataValues(quality->html);
  EXPECT_EQ(values.at("unknown_media_jobs"), std::to_string(r->organisation.unknown_media_jobs));
  EXPECT_EQ(values.at("unknown_media_jobs"), "1");
  EXPECT_EQ(values.at("jobs_on_unclassified_devices"), "1");
  EXPECT_EQ(values.at("users_without_direction"), "1");
  EXPECT_EQ(values.at("unclassified_queues"), "1");
  EXPECT_EQ(values.at("quarantined_records"), "1");
}

TEST_F(WebPagesTest, SilentServersAreHighlighted) {
  PageContext ctx = Context(store::AccountRole::kIt);
  // srv1 last called when the jobs were committed (now); srv2 calls an hour later.
  ctx.now = static_cast<int64_t>(std::time(nullptr)) + 3600;
  ASSERT_TRUE(store_.jobs().RecordAgentStatus("srv2", "1.1", {3, ctx.now - 60}, ctx.now).ok());
  auto page = ServersPage(store_, ctx);
  ASSERT_TRUE(page.ok());
  const std::string& html = page->html;
  EXPECT_THAT(html, HasSubstr("<tr class=\"silent\"><td>srv1</td>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>srv2</td>"));
  EXPECT_THAT(html, HasSubstr("synchronisation de l'annuaire : jamais"));
  auto en = ServersPage(store_, Context(store::AccountRole::kIt, "", ReportLanguage::kEnglish));
  ASSERT_TRUE(en.ok());
  EXPECT_THAT(en->html, HasSubstr("directory sync: never"));
}

TEST(WebPagesStandaloneTest, LoginPageAndStyleSheet) {
  const std::string login =
      LoginPage(ReportLanguage::kFrench, "tok\"en", std::string("Mot de passe <faux>"));
  EXPECT_THAT(login, HasSubstr("action=\"/login\""));
  EXPECT_THAT(login, HasSubstr("name=\"csrf_token\" value=\"tok&quot;en\""));
  EXPECT_THAT(login, HasSubstr("Mot de passe &lt;faux&gt;"));
  EXPECT_THAT(login, Not(HasSubstr("<script")));
  const std::string_view css = StyleSheet();
  EXPECT_THAT(std::string(css), HasSubstr("@media (max-width:640px)"));
  EXPECT_THAT(std::string(css), HasSubstr(".topnav"));
  // The report's legend colours without inline styles (CSP).
  EXPECT_THAT(std::string(css), HasSubstr(".swatch[style*=\"0072B2\"]{background:#0072B2}"));
}

}  // namespace
}  // namespace ramette::aggregator::web
