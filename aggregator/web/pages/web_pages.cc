// A direction's month (the mailed report's body, from reports/), the login page and the style
// sheet. The other pages are in organisation_page.cc and operations_pages.cc; what they share in
// page_layout.h. Every value from data goes through reports::HtmlEscape.
#include "aggregator/web/pages/web_pages.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/monthly_report_render.h"
#include "aggregator/web/pages/page_layout.h"

namespace ramette::aggregator::web {
namespace {

using L = reports::ReportLanguage;
using page_layout::Begin;
using page_layout::Cell;
using page_layout::End;
using page_layout::Href;
using page_layout::LangCode;
using page_layout::LatestYearWithData;
using page_layout::LocalTime;
using page_layout::MachineValue;
using page_layout::MaySee;
using page_layout::MonthlyReportOf;
using page_layout::NotFoundPage;
using page_layout::Num;
using page_layout::OptionsOf;
using page_layout::PageId;
using page_layout::SettingsOf;
using page_layout::Today;
using page_layout::Tr;
using page_layout::UrlEncode;
using page_layout::YearFiguresOf;
using page_layout::YearHeader;
using page_layout::YearInRange;
using page_layout::YearOf;
using page_layout::ZoneOf;
using reports::FormatCount;
using reports::FormatNumber;
using reports::FormatOptional;
using reports::FormatPercent;
using reports::HtmlEscape;

}  // namespace

Result<Page> DirectionPage(store::Store& store, const PageContext& ctx,
                           const std::string& direction, std::optional<std::string> month_arg) {
  const L lang = ctx.lang;
  const std::string unknown = Tr(lang, "Direction ou mois inconnu.", "Unknown direction or month.");
  // A direction account sees its own direction only; another name is as unknown as a wrong one.
  if (ctx.viewer.role == store::AccountRole::kDirection && direction != ctx.viewer.direction) {
    return NotFoundPage(ctx, unknown);
  }
  const CivilDate today = Today(ctx);
  int year = today.year, month = today.month - 1;
  if (month == 0) {
    year -= 1;
    month = 12;
  }
  if (month_arg && !month_arg->empty()) {
    const std::string& t = *month_arg;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const bool shape = t.size() == 7 && t[4] == '-' &&
                       std::all_of(t.begin(), t.begin() + 4, digit) && digit(t[5]) && digit(t[6]);
    if (!shape) return NotFoundPage(ctx, unknown);
    year = std::stoi(t.substr(0, 4));
    month = std::stoi(t.substr(5, 2));
  }
  const int32_t index = MonthIndex(year, month);
  if (month < 1 || month > 12 || year < 1971 || index > MonthIndex(today.year, today.month)) {
    return NotFoundPage(ctx, unknown);
  }
  const reports::ReportSettings& settings = SettingsOf(ctx);
  auto report = MonthlyReportOf(store, ctx, year, month);
  if (!report.ok()) return report.status();
  auto filtered = reports::FilterReportDirection(**report, direction);
  if (!filtered.ok()) {
    if (filtered.status().code() == Status::Code::kNotFound) return NotFoundPage(ctx, unknown);
    return filtered.status();
  }
  auto iso = [](int32_t m) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d", m / 12, m % 12 + 1);
    return std::string(buf);
  };
  const std::string name_query = "name=" + UrlEncode(direction);
  std::string h = Begin(ctx, direction + " — " + reports::MonthLabel(index, lang),
                        PageId::kDirection, "/direction", name_query + "&month=" + iso(index));
  h += "<p class=\"months\"><a rel=\"prev\" href=\"" +
       Href("/direction", name_query + "&month=" + iso(index - 1), lang) + "\">← " +
       reports::MonthLabel(index - 1, lang) + "</a>";
  if (index + 1 <= MonthIndex(today.year, today.month)) {
    h += " · <a rel=\"next\" href=\"" +
         Href("/direction", name_query + "&month=" + iso(index + 1), lang) + "\">" +
         reports::MonthLabel(index + 1, lang) + " →</a>";
  }
  // The same report as files, as `ramette report monthly` writes and mails them.
  const std::string download_query = "direction=" + UrlEncode(direction) + "&month=" + iso(index);
  h += " · " + Tr(lang, "Télécharger : ", "Download: ") + "<a href=\"" +
       Href("/download/report", download_query + "&format=html", lang) + "\">HTML</a>, <a href=\"" +
       Href("/download/report", download_query + "&format=csv", lang) + "\">CSV</a>";
  h += "</p>\n<article class=\"report\">\n";
  h += reports::RenderMonthlyReportBody(
      *filtered, filtered->directions.front(), lang, settings,
      /*other_directions=*/ctx.viewer.role == store::AccountRole::kAdmin);
  h += "</article>\n" + End();
  return Page{200, std::move(h)};
}

std::string LoginPage(reports::ReportLanguage lang, const std::string& csrf_token,
                      std::string_view error) {
  const L other = lang == L::kFrench ? L::kEnglish : L::kFrench;
  std::string h = "<!DOCTYPE html>\n<html lang=\"" + std::string(LangCode(lang)) +
                  "\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                  "<title>" +
                  Tr(lang, "Connexion", "Log in") +
                  " — ramette</title>\n<link rel=\"stylesheet\" href=\"/static/ramette.css\"/>\n"
                  "</head>\n<body>\n<main class=\"login\">\n<h1>" +
                  Tr(lang, "Connexion", "Log in") + "</h1>\n";
  if (!error.empty()) h += "<p class=\"alert\" role=\"alert\">" + HtmlEscape(error) + "</p>\n";
  h += "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf_token\" "
       "value=\"" +
       HtmlEscape(csrf_token) + "\"/><p><label for=\"name\">" + Tr(lang, "Identifiant", "Name") +
       "</label><input id=\"name\" name=\"name\" type=\"text\" autocomplete=\"username\" "
       "required=\"required\"/></p><p><label for=\"password\">" +
       Tr(lang, "Mot de passe", "Password") +
       "</label><input id=\"password\" name=\"password\" type=\"password\" "
       "autocomplete=\"current-password\" required=\"required\"/></p><p><button type=\"submit\">" +
       Tr(lang, "Se connecter", "Log in") + "</button></p></form>\n";
  h += "<p class=\"lang\"><a href=\"" + Href("/login", "", other) + "\" hreflang=\"" +
       std::string(LangCode(other)) + "\">" + (other == L::kFrench ? "Français" : "English") +
       "</a></p>\n</main>\n</body>\n</html>\n";
  return h;
}

std::string_view StyleSheet() {
  // The mailed report's style (its cards, badges and charts), then the dashboard's own layout.
  // The report's legend swatches carry their colour in a style attribute, which a Content
  // Security Policy without 'unsafe-inline' styles ignores: the attribute selectors below give
  // the same colours from this sheet.
  static const std::string kSheet = std::string(reports::MonthlyReportCss()) + R"css(
main{max-width:1000px}
.topnav{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:6px 16px;background:#0F172A;padding:8px 16px}
.topnav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 14px}
.topnav a{color:#E2E8F0;text-decoration:none;font-size:15px}
.topnav li.current a{color:#FFFFFF;font-weight:700;border-bottom:2px solid #56B4E9}
.navtools{display:flex;align-items:center;gap:12px}
.logout{margin:0}
.logout button{background:transparent;color:#E2E8F0;border:1px solid #64748B;border-radius:4px;padding:3px 10px;font:inherit;font-size:14px;cursor:pointer}
.scroll{overflow-x:auto}
.source{font-size:14px;color:#334155}
.months{margin:0 0 12px;font-size:15px}
.alert{background:#FFEDD5;color:#9A3412;border-radius:6px;padding:8px 12px;font-weight:600}
tr.silent td{background:#FFEDD5;color:#9A3412}
.indicators td:first-child{max-width:420px}
.login{max-width:420px;margin:40px auto}
.login label{display:block;font-size:14px;color:#475569;margin-bottom:4px}
.login input{width:100%;padding:8px;font:inherit;border:1px solid #CBD5E1;border-radius:4px}
.login button{padding:8px 18px;font:inherit;background:#0072B2;color:#FFFFFF;border:0;border-radius:4px;cursor:pointer}
a{color:#0369A1}
.swatch[style*="0072B2"]{background:#0072B2}
.swatch[style*="56B4E9"]{background:#56B4E9}
.swatch[style*="E69F00"]{background:#E69F00}
.swatch[style*="009E73"]{background:#009E73}
.swatch[style*="D55E00"]{background:#D55E00}
.swatch[style*="9AA5B1"]{background:#9AA5B1}
.swatch[style*="CBD5E1"]{background:#CBD5E1}
@media (max-width:640px){
main{padding:16px 12px 28px}
h1{font-size:24px}
.cards{grid-template-columns:1fr}
.card .big{font-size:26px}
table{font-size:13px}
th,td{padding:5px 6px}
.report table{display:block;overflow-x:auto}
.topnav{padding:6px 10px}
}
)css";
  return kSheet;
}

void WarmUpFigures(store::Store& store, const PageContext& ctx) {
  if (ctx.figures == nullptr) return;
  (void)OrganisationPage(store, ctx, std::nullopt);
  (void)DevicesPage(store, ctx, std::nullopt);
  (void)DataQualityPage(store, ctx, std::nullopt);
  (void)ServersViewOf(store, ctx);
  const CivilDate today = Today(ctx);
  const int32_t last_full = MonthIndex(today.year, today.month) - 1;
  auto year = page_layout::LatestYearWithData(store.usage(), today.year);
  if (!year.ok()) return;
  for (int32_t m = std::min(last_full, MonthIndex(*year, 12)); m >= MonthIndex(*year, 1); --m) {
    (void)ctx.figures->Month(m / 12, m % 12 + 1);
  }
  (void)ctx.figures->Month(last_full / 12, last_full % 12 + 1);
}

}  // namespace ramette::aggregator::web
