// What every page of the dashboard shares (page_layout.h).
#include "aggregator/web/pages/page_layout.h"

#include <cmath>
#include <cstdio>

namespace ramette::aggregator::web::page_layout {
namespace {
using L = reports::ReportLanguage;
using reports::HtmlEscape;
}  // namespace

std::string Tr(L lang, std::string_view fr, std::string_view en) {
  return std::string(lang == L::kFrench ? fr : en);
}

std::string_view LangCode(L lang) { return lang == L::kFrench ? "fr" : "en"; }

bool MaySee(const Viewer& v, PageId page) {
  switch (v.role) {
    case store::AccountRole::kAdmin:
      return true;
    case store::AccountRole::kIt:
      return page == PageId::kDevices || page == PageId::kQuality || page == PageId::kServers;
    case store::AccountRole::kDirection:
      return page == PageId::kOrganisation || page == PageId::kDirection;
  }
  return false;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Href(std::string_view path, std::string_view query, L lang) {
  std::string url(path);
  url += '?';
  if (!query.empty()) {
    url += query;
    url += '&';
  }
  url += "lang=";
  url += LangCode(lang);
  return HtmlEscape(url);
}

std::string MachineValue(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", *v);
  return buf;
}

std::optional<double> Num(std::optional<int64_t> v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

std::string LocalTime(int64_t unix_seconds, const TimeZone& tz) {
  const Day day = tz.LocalDay(unix_seconds);
  int64_t seconds = (unix_seconds + tz.UtcOffset(unix_seconds)) % 86400;
  if (seconds < 0) seconds += 86400;
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(seconds / 3600),
                static_cast<int>(seconds / 60 % 60));
  return FormatIsoDate(day) + buf;
}

const TimeZone& ZoneOf(const PageContext& ctx) {
  static const TimeZone kUtc = TimeZone::Utc();
  return ctx.tz != nullptr ? *ctx.tz : kUtc;
}

const reports::ReportSettings& SettingsOf(const PageContext& ctx) {
  static const reports::ReportSettings kDefaults;
  return ctx.settings != nullptr ? *ctx.settings : kDefaults;
}

CivilDate Today(const PageContext& ctx) { return CivilFromDays(ZoneOf(ctx).LocalDay(ctx.now)); }

indicators::IndicatorOptions OptionsOf(const PageContext& ctx) {
  indicators::IndicatorOptions o;
  o.paper_source = ctx.paper_source == "purchases" ? indicators::PaperSource::kPurchases
                                                   : indicators::PaperSource::kPrinting;
  o.large_job_sheets = SettingsOf(ctx).large_job_sheets;
  return o;
}

Result<int> LatestYearWithData(store::UsageSource& source, int current) {
  for (int y = current; y > current - 30 && y >= 3; --y) {
    for (int m = 12; m >= 1; --m) {
      bool any = false;
      RAMETTE_RETURN_IF_ERROR(source.ForEachMonthlyRow(
          MonthIndex(y, m), MonthIndex(y, m), [&](const model::RollupRow&) { any = true; }));
      if (any) return y;
    }
  }
  return current;
}

Result<std::shared_ptr<const YearFigures>> YearFiguresOf(
    store::Store& store, const PageContext& ctx, int year,
    const indicators::IndicatorOptions& options) {
  if (ctx.figures != nullptr) return ctx.figures->Year(year, options);
  auto f = ComputeYearFigures(store.usage(), year, options);
  if (!f.ok()) return f.status();
  return std::make_shared<const YearFigures>(std::move(*f));
}

Result<std::shared_ptr<const reports::MonthlyReport>> MonthlyReportOf(store::Store& store,
                                                                      const PageContext& ctx,
                                                                      int year, int month) {
  if (ctx.figures != nullptr) return ctx.figures->Month(year, month);
  auto r = reports::ComputeMonthlyReport(store.usage(), year, month, SettingsOf(ctx));
  if (!r.ok()) return r.status();
  return std::make_shared<const reports::MonthlyReport>(std::move(*r));
}

bool YearInRange(int year, const PageContext& ctx) {
  return year >= 1971 && year <= Today(ctx).year;
}

std::string Begin(const PageContext& ctx, std::string_view title, PageId current,
                  std::string_view self_path, std::string_view self_query) {
  const L lang = ctx.lang;
  std::string h = "<!DOCTYPE html>\n<html lang=\"" + std::string(LangCode(lang)) +
                  "\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                  "<title>";
  h += HtmlEscape(title);
  h += " — ramette</title>\n<link rel=\"stylesheet\" href=\"/static/ramette.css\"/>\n"
       "</head>\n<body>\n<nav class=\"topnav\"><ul>";
  auto item = [&](PageId id, std::string_view path, std::string_view query, std::string_view fr,
                  std::string_view en) {
    if (!MaySee(ctx.viewer, id)) return;
    h += "<li";
    if (id == current) h += " class=\"current\"";
    h += "><a href=\"" + Href(path, query, lang) + "\">" + Tr(lang, fr, en) + "</a></li>";
  };
  item(PageId::kOrganisation, "/", "", "Organisation", "Organisation");
  if (ctx.viewer.role == store::AccountRole::kDirection && !ctx.viewer.direction.empty()) {
    if (MaySee(ctx.viewer, PageId::kDirection)) {
      h += std::string("<li") + (current == PageId::kDirection ? " class=\"current\"" : "") +
           "><a href=\"" + Href("/direction", "name=" + UrlEncode(ctx.viewer.direction), lang) +
           "\">" + HtmlEscape(ctx.viewer.direction) + "</a></li>";
    }
  }
  if (ctx.viewer.role == store::AccountRole::kAdmin) {
    // Every direction's page is linked from the organisation page's ranking.
    h += "<li><a href=\"" + Href("/", "", lang) + "#directions\">" +
         Tr(lang, "Directions", "Directions") + "</a></li>";
  }
  item(PageId::kDevices, "/devices", "", "Appareils", "Devices");
  item(PageId::kQuality, "/quality", "", "Qualité des données", "Data quality");
  item(PageId::kServers, "/servers", "", "Serveurs d'impression", "Print servers");
  h += "</ul><div class=\"navtools\">";
  const L other = lang == L::kFrench ? L::kEnglish : L::kFrench;
  h += "<a class=\"lang\" href=\"" + Href(self_path, self_query, other) + "\" hreflang=\"" +
       std::string(LangCode(other)) + "\">" + (other == L::kFrench ? "Français" : "English") +
       "</a>";
  h += "<form class=\"logout\" method=\"post\" action=\"/logout\">"
       "<input type=\"hidden\" name=\"csrf_token\" value=\"" +
       HtmlEscape(ctx.csrf_token) + "\"/><button type=\"submit\">" +
       Tr(lang, "Se déconnecter", "Log out") + "</button></form>";
  h += "</div></nav>\n<main>\n";
  return h;
}

std::string End() { return "</main>\n</body>\n</html>\n"; }

Page NotFoundPage(const PageContext& ctx, std::string_view what) {
  Page p;
  p.http_status = 404;
  p.html = Begin(ctx, Tr(ctx.lang, "Introuvable", "Not found"), PageId::kOrganisation, "/", "");
  p.html += "<h1>" + Tr(ctx.lang, "Page introuvable", "Page not found") + "</h1><p>" +
            std::string(what) + "</p>" + End();
  return p;
}

std::string Cell(std::string_view key, int year, std::optional<double> value,
                 const std::string& shown) {
  return "<td data-key=\"" + HtmlEscape(key) + "\" data-value=\"" + MachineValue(value) +
         "\" data-year=\"" + std::to_string(year) + "\">" + shown + "</td>";
}

Result<int> YearOf(store::Store& store, const PageContext& ctx, std::optional<int> year) {
  if (year) return *year;
  return LatestYearWithData(store.usage(), Today(ctx).year);
}

std::string YearHeader(const PageContext& ctx, std::string_view path, std::string_view kicker,
                       std::string_view title, int year) {
  const L lang = ctx.lang;
  std::string h = "<header>";
  if (!kicker.empty()) h += "<p class=\"kicker\">" + std::string(kicker) + "</p>";
  h += "<h1>" + HtmlEscape(title) + "</h1><p class=\"period\"><a href=\"" +
       Href(path, "year=" + std::to_string(year - 1), lang) + "\">← " + std::to_string(year - 1) +
       "</a>";
  if (year + 1 <= Today(ctx).year) {
    h += " · <a href=\"" + Href(path, "year=" + std::to_string(year + 1), lang) + "\">" +
         std::to_string(year + 1) + " →</a>";
  }
  h += "</p></header>\n";
  return h;
}

}  // namespace ramette::aggregator::web::page_layout
