// The dashboard's pages. Figures come from the core code the CLI and the mailed reports use
// (ComputeIndicators, ComputeMonthlyReport and its rendering, AttributeUsage, the status rows);
// this file only lays them out. Every value from data goes through reports::HtmlEscape.
#include "aggregator/web/pages/web_pages.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>
#include <variant>
#include <vector>

#include "aggregator/indicators/indicators.h"
#include "aggregator/indicators/usage_attribution.h"
#include "aggregator/model/inventory.h"
#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/monthly_report_render.h"
#include "aggregator/reports/report_charts.h"
#include "aggregator/status/server_status.h"
#include "aggregator/store/store_copy.h"

namespace ramette::aggregator::web {
namespace {

using L = reports::ReportLanguage;
using reports::FormatCount;
using reports::FormatNumber;
using reports::FormatOptional;
using reports::FormatPercent;
using reports::HtmlEscape;

// The pages a navigation bar may link to.
enum class PageId { kOrganisation, kDirection, kDevices, kQuality, kServers };

std::string Tr(L lang, std::string_view fr, std::string_view en) {
  return std::string(lang == L::kFrench ? fr : en);
}

std::string_view LangCode(L lang) { return lang == L::kFrench ? "fr" : "en"; }

// Who may see which page (the server checks it too): admin everything; it the print servers,
// devices and data quality; a direction account the organisation and its own direction.
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

// A query-string value: unreserved characters as they are, every other byte as %XX.
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

// A link target inside the dashboard: `path` with `query` ("a=b&c=d", values already encoded)
// and the language, escaped for an href attribute.
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

// Unrounded value for a data-value attribute ("" when missing), as the mailed report writes it.
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

// "2018-03-05 14:02" in the organisation's zone.
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
  return o;
}

// The first year at or before `current` (30 years back at most) with rollup rows; `current` when
// there is none.
Result<int> LatestYearWithData(store::UsageSource& source, int current) {
  for (int y = current; y > current - 30 && y >= 3; --y) {
    bool any = false;
    RAMETTE_RETURN_IF_ERROR(source.ForEachMonthlyRow(MonthIndex(y, 1), MonthIndex(y, 12),
                                                     [&](const model::RollupRow&) { any = true; }));
    if (any) return y;
  }
  return current;
}

// The years a page accepts: from 1971 (so that N-2 exists) to next year.
bool YearInRange(int year, const PageContext& ctx) {
  return year >= 1971 && year <= Today(ctx).year + 1;
}

// Document start: head (the style sheet, no script), navigation bar with the pages the viewer
// may see, the language switch (back to `self_path` with `self_query`) and the logout form.
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

// A table cell with a figure: its text for people, its unrounded value for programs.
std::string Cell(std::string_view key, int year, std::optional<double> value,
                 const std::string& shown) {
  return "<td data-key=\"" + HtmlEscape(key) + "\" data-year=\"" + std::to_string(year) +
         "\" data-value=\"" + MachineValue(value) + "\">" + shown + "</td>";
}

// The five indicators as the published table and the reports format them.
struct IndicatorRow {
  std::string_view key;
  std::string_view fr;
  std::string_view en;
};
constexpr IndicatorRow kIndicatorRows[] = {
    {"paper_change_pct", "I1 Évolution de la consommation de papier (hors reprographie)",
     "I1 Paper consumption change (excluding print shop)"},
    {"recycled_share_pct", "I2 Part de papier recyclé", "I2 Recycled-paper share"},
    {"desktop_printers_change_pct", "I3 Évolution du nombre d'imprimantes de bureau",
     "I3 Desktop-printer count change"},
    {"mfp_change_pct", "I4 Évolution du nombre de copieurs multifonctions",
     "I4 Multifunction-copier count change"},
    {"kg_per_workstation", "I5 Papier par poste de travail (kg)", "I5 Paper per workstation (kg)"},
};

std::optional<double> IndicatorValue(const indicators::ScopeFigures& f, std::string_view key) {
  if (key == "paper_change_pct") return f.paper_change_pct;
  if (key == "recycled_share_pct") return f.recycled_share_pct;
  if (key == "desktop_printers_change_pct") return f.desktop_printers_change_pct;
  if (key == "mfp_change_pct") return f.mfp_change_pct;
  return f.kg_per_workstation;
}

// I1, I3, I4 signed percentages; I2 a percentage; I5 kg with two decimals.
std::string FormatIndicator(std::string_view key, std::optional<double> v, L lang) {
  if (key == "kg_per_workstation") return FormatOptional(v, 2, lang);
  if (key == "recycled_share_pct") return FormatPercent(v, lang);
  return FormatPercent(v, lang, /*sign=*/true);
}

// "I1-I5 of N-2, N-1, N" for one scope (`scope_of` picks it from each year's report).
template <typename ScopeOf>
std::string IndicatorTable(const std::vector<indicators::IndicatorReport>& years, ScopeOf scope_of,
                           L lang, std::string_view css_class) {
  std::string h = "<div class=\"scroll\"><table class=\"" + std::string(css_class) +
                  "\"><thead><tr><th>" + Tr(lang, "Indicateur", "Indicator") + "</th>";
  for (const auto& r : years) h += "<th>" + std::to_string(r.year) + "</th>";
  h += "</tr></thead><tbody>";
  for (const IndicatorRow& row : kIndicatorRows) {
    h += "<tr><td>" + Tr(lang, row.fr, row.en) + "</td>";
    for (const auto& r : years) {
      const indicators::ScopeFigures* f = scope_of(r);
      const std::optional<double> v = f != nullptr ? IndicatorValue(*f, row.key) : std::nullopt;
      h += Cell(row.key, r.year, v, FormatIndicator(row.key, v, lang));
    }
    h += "</tr>";
  }
  h += "</tbody></table></div>";
  return h;
}

std::string SourceName(indicators::PaperSource s, L lang) {
  return s == indicators::PaperSource::kPurchases
             ? Tr(lang, "achats (papier acheté)", "purchases (paper bought)")
             : Tr(lang, "impressions (papier imprimé)", "printing (paper printed)");
}

std::string Badge(bool evaluable, bool met, L lang) {
  if (!evaluable) {
    return "<span class=\"badge na\">" + Tr(lang, "non évaluable", "not available") + "</span>";
  }
  return met ? "<span class=\"badge met\">✔ " + Tr(lang, "atteint", "met") + "</span>"
             : "<span class=\"badge notmet\">✖ " + Tr(lang, "non atteint", "not met") + "</span>";
}

const indicators::ScopeFigures* FindDirection(const indicators::IndicatorReport& r,
                                              const std::string& name) {
  for (const auto& d : r.directions) {
    if (d.direction == name) return &d;
  }
  return nullptr;
}

std::string ClassName(const model::Device& d, L lang) {
  if (!d.classified) return Tr(lang, "non classé", "unclassified");
  switch (d.device_class) {
    case model::DeviceClass::kDesktopPrinter:
      return Tr(lang, "imprimante de bureau", "desktop printer");
    case model::DeviceClass::kMfp:
      return Tr(lang, "copieur multifonction", "multifunction copier");
    case model::DeviceClass::kPrintShop:
      return Tr(lang, "reprographie", "print shop");
    case model::DeviceClass::kOther:
      break;
  }
  return Tr(lang, "autre", "other");
}

// The month a trend or a default report ends with in `year`: December of a past year, the last
// full month of the current one (January while it is January).
int TrendMonthOf(int year, const PageContext& ctx) {
  const CivilDate today = Today(ctx);
  if (year < today.year) return 12;
  return std::max(1, today.month - 1);
}

// The date devices are counted in service on for year N: 31 December, or today in the current
// year.
Day CountDateOf(int year, const PageContext& ctx) {
  const CivilDate today = Today(ctx);
  if (year == today.year) return ZoneOf(ctx).LocalDay(ctx.now);
  return DaysFromCivil(year, 12, 31);
}

// The year of a page: the one asked for, else the latest with data.
Result<int> YearOf(store::Store& store, const PageContext& ctx, std::optional<int> year) {
  if (year) return *year;
  return LatestYearWithData(store.usage(), Today(ctx).year);
}

// Each device id once, with the service period that applies on `date` (its latest period when
// none does).
std::map<int64_t, const model::Device*> DevicesOn(const model::Inventory& inv, Day date) {
  std::map<int64_t, std::vector<const model::Device*>> periods;
  for (const model::Device& d : inv.devices) periods[d.id].push_back(&d);
  std::map<int64_t, const model::Device*> out;
  for (const auto& [id, list] : periods) {
    out[id] = list[model::DevicePeriodOn(list, date)];
  }
  return out;
}

bool InServiceOnDate(const model::Inventory& inv, int64_t id, Day date) {
  for (const model::Device& d : inv.devices) {
    if (d.id == id && d.classified && model::InServiceOn(d, date)) return true;
  }
  return false;
}

std::string DeviceName(const model::Device& d) { return d.server + "/" + d.queue; }

// Quarantined records by reason ("(got N)" details dropped), read through the store's table
// rows; empty when the store cannot list its tables (the in-memory one).
std::optional<std::map<std::string, int64_t>> QuarantineByReason(store::Store& store) {
  const store::CopyTable* table = nullptr;
  for (const store::CopyTable& t : store::CopiedTables()) {
    if (t.name == "quarantine") table = &t;
  }
  if (table == nullptr) return std::nullopt;
  size_t reason_column = table->columns.size();
  for (size_t i = 0; i < table->columns.size(); ++i) {
    if (table->columns[i].name == "reason") reason_column = i;
  }
  if (reason_column == table->columns.size()) return std::nullopt;
  std::map<std::string, int64_t> counts;
  store::CopyRow after;
  for (;;) {
    auto rows = store.table_rows().ReadRows(*table, after, {}, 2000);
    if (!rows.ok()) return std::nullopt;
    if (rows->empty()) break;
    for (const store::CopyRow& row : *rows) {
      std::string reason;
      if (const auto* text = std::get_if<std::string>(&row[reason_column])) reason = *text;
      const size_t got = reason.find(" (got ");
      if (got != std::string::npos) reason.erase(got);
      ++counts[reason];
    }
    after.assign(rows->back().begin(), rows->back().begin() + table->key_size);
    if (rows->size() < 2000) break;
  }
  return counts;
}

}  // namespace

Result<Page> OrganisationPage(store::Store& store, const PageContext& ctx,
                              std::optional<int> year_arg) {
  const L lang = ctx.lang;
  auto year = YearOf(store, ctx, year_arg);
  if (!year.ok()) return year.status();
  if (!YearInRange(*year, ctx)) {
    return NotFoundPage(ctx, Tr(lang, "Aucune donnée pour cette année.", "No data for this year."));
  }
  const int n = *year;
  const indicators::IndicatorOptions options = OptionsOf(ctx);
  const reports::ReportSettings& settings = SettingsOf(ctx);
  std::vector<indicators::IndicatorReport> years;
  for (int y = n - 2; y <= n; ++y) {
    auto r = indicators::ComputeIndicators(store.usage(), y, options);
    if (!r.ok()) return r.status();
    years.push_back(std::move(*r));
  }
  const indicators::IndicatorReport& current = years.back();
  // The printed figures of N whatever the headline source, for the side-by-side table.
  indicators::IndicatorReport printing = current;
  if (options.paper_source != indicators::PaperSource::kPrinting) {
    auto r = indicators::ComputeIndicators(store.usage(), n, {});
    if (!r.ok()) return r.status();
    printing = std::move(*r);
  }
  const bool admin = ctx.viewer.role == store::AccountRole::kAdmin;
  const bool direction_viewer = ctx.viewer.role == store::AccountRole::kDirection;
  const indicators::ScopeFigures& org = current.organisation;

  const std::string title =
      Tr(lang, "Indicateurs papier ", "Paper indicators ") + std::to_string(n);
  std::string h = Begin(ctx, title, PageId::kOrganisation, "/", "year=" + std::to_string(n));
  h += "<header><p class=\"kicker\">";
  if (!settings.organisation_name.empty()) h += HtmlEscape(settings.organisation_name) + " · ";
  h += Tr(lang, "Tableau de bord", "Dashboard") + "</p><h1>" + HtmlEscape(title) +
       "</h1><p class=\"period\"><a href=\"" + Href("/", "year=" + std::to_string(n - 1), lang) +
       "\">← " + std::to_string(n - 1) + "</a>";
  if (n + 1 <= Today(ctx).year) {
    h += " · <a href=\"" + Href("/", "year=" + std::to_string(n + 1), lang) + "\">" +
         std::to_string(n + 1) + " →</a>";
  }
  h += "</p></header>\n";

  // The published table.
  h +=
      "<h2>" + Tr(lang, "Indicateurs de l'organisation", "The organisation's indicators") + "</h2>";
  h += "<p class=\"source\">" + Tr(lang, "Source de I1 et I2 : ", "Source of I1 and I2: ") +
       "<strong data-key=\"paper_source\" data-value=\"" +
       std::string(indicators::PaperSourceName(current.paper_source)) + "\">" +
       SourceName(current.paper_source, lang) + "</strong></p>";
  h += IndicatorTable(
      years, [](const indicators::IndicatorReport& r) { return &r.organisation; }, lang,
      "indicators organisation");
  if (direction_viewer && !ctx.viewer.direction.empty() &&
      FindDirection(current, ctx.viewer.direction) != nullptr) {
    h += "<h2>" + Tr(lang, "Indicateurs de la direction ", "Indicators of direction ") +
         HtmlEscape(ctx.viewer.direction) + "</h2>";
    const std::string own = ctx.viewer.direction;
    h += IndicatorTable(
        years, [&own](const indicators::IndicatorReport& r) { return FindDirection(r, own); }, lang,
        "indicators direction");
  }

  // Targets of year N.
  h += "<h2>" + Tr(lang, "Objectifs ", "Targets ") + std::to_string(n) +
       "</h2><div class=\"scroll\"><table class=\"targets\"><thead><tr><th>" +
       Tr(lang, "Objectif", "Target") + "</th><th>" + Tr(lang, "Valeur", "Value") + "</th><th>" +
       Tr(lang, "Écart", "Gap") + "</th><th></th></tr></thead><tbody>";
  {
    const double target = settings.targets.recycled_share_min_pct;
    const std::optional<double> v = org.recycled_share_pct;
    const std::optional<double> gap = v ? std::optional<double>(*v - target) : std::nullopt;
    h += "<tr><td>" + Tr(lang, "Papier recyclé (I2) ≥ ", "Recycled paper (I2) ≥ ") +
         FormatPercent(target, lang, false, 0) + "</td>" +
         Cell("recycled_share_pct", n, v, FormatPercent(v, lang)) +
         Cell("recycled_target_gap", n, gap,
              gap ? reports::FormatPoints(*gap, lang) : std::string(reports::kMissingValue)) +
         "<td>" + Badge(gap.has_value(), gap && *gap >= 0, lang) + "</td></tr>";
  }
  {
    const double target = settings.targets.paper_change_max_pct;
    const int base = settings.targets.baseline_year;
    std::optional<double> v;
    if (base != 0 && base < n) {
      auto b = indicators::ComputeIndicators(store.usage(), base, options);
      if (!b.ok()) return b.status();
      // The headline source's office mass: printed excluding print shop, or bought for offices.
      const bool bought = options.paper_source == indicators::PaperSource::kPurchases;
      const std::optional<double> now_kg =
          bought ? org.purchases.paper_kg_office : std::optional<double>(org.paper_kg);
      const std::optional<double> base_kg = bought
                                                ? b->organisation.purchases.paper_kg_office
                                                : std::optional<double>(b->organisation.paper_kg);
      if (now_kg && base_kg && *base_kg > 0) v = (*now_kg - *base_kg) / *base_kg * 100.0;
    }
    const std::optional<double> gap = v ? std::optional<double>(*v - target) : std::nullopt;
    h += "<tr><td>" + Tr(lang, "Papier (I1) : ", "Paper (I1): ") +
         FormatPercent(target, lang, true, 0) +
         (base != 0 && base < n
              ? Tr(lang, " par rapport à ", " compared with ") + std::to_string(base)
              : Tr(lang, " (année de référence non configurée)",
                   " (baseline year not configured)")) +
         "</td>" + Cell("paper_change_vs_baseline_pct", n, v, FormatPercent(v, lang, true)) +
         Cell("reduction_target_gap", n, gap,
              gap ? reports::FormatPoints(*gap, lang) : std::string(reports::kMissingValue)) +
         "<td>" + Badge(gap.has_value(), gap && *gap <= 0, lang) + "</td></tr>";
  }
  h += "</tbody></table></div>\n";

  // The 13-month trend, drawn by the mailed report's code.
  const int trend_month = TrendMonthOf(n, ctx);
  auto monthly = reports::ComputeMonthlyReport(store.usage(), n, trend_month, settings);
  if (!monthly.ok()) return monthly.status();
  h += "<h2>" +
       Tr(lang, "Papier consommé sur 13 mois (kg, hors reprographie)",
          "Paper used over 13 months (kg, excluding print shop)") +
       "</h2>";
  h += reports::RenderTrendChart(monthly->organisation, lang);
  h += "<p class=\"note\">" + Tr(lang, "Jusqu'à ", "Up to ") +
       reports::MonthLabel(MonthIndex(n, trend_month), lang) + ".</p>\n";

  // Directions ranked by kg per workstation: admin only.
  if (admin) {
    std::vector<const indicators::ScopeFigures*> ranked;
    std::vector<const indicators::ScopeFigures*> unranked;
    for (const auto& d : current.directions) {
      (d.kg_per_workstation ? ranked : unranked).push_back(&d);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto* a, const auto* b) {
      return *a->kg_per_workstation < *b->kg_per_workstation;
    });
    h += "<h2>" +
         Tr(lang, "Directions par kg par poste de travail", "Directions by kg per workstation") +
         "</h2><div class=\"scroll\"><table class=\"ranking\"><thead><tr><th>" +
         Tr(lang, "Direction", "Direction") + "</th><th>" + Tr(lang, "Rang", "Rank") + "</th><th>" +
         Tr(lang, "kg par poste (I5)", "kg per workstation (I5)") + "</th><th>" +
         Tr(lang, "Papier (kg)", "Paper (kg)") + "</th><th>I1</th><th>I2</th></tr></thead><tbody>";
    int rank = 0;
    const std::string month_query = "&month=" + std::to_string(n) + "-" +
                                    (trend_month < 10 ? "0" : "") + std::to_string(trend_month);
    auto row = [&](const indicators::ScopeFigures* d, std::optional<int> r) {
      h += "<tr><td><a href=\"" +
           Href("/direction", "name=" + UrlEncode(d->direction) + month_query, lang) + "\">" +
           HtmlEscape(d->direction) + "</a></td><td>" +
           (r ? std::to_string(*r) : std::string(reports::kMissingValue)) + "</td>" +
           Cell("kg_per_workstation", n, d->kg_per_workstation,
                FormatOptional(d->kg_per_workstation, 2, lang)) +
           Cell("paper_kg", n, d->paper_kg, FormatNumber(d->paper_kg, 2, lang)) +
           Cell("paper_change_pct", n, d->paper_change_pct,
                FormatPercent(d->paper_change_pct, lang, true)) +
           Cell("recycled_share_pct", n, d->recycled_share_pct,
                FormatPercent(d->recycled_share_pct, lang)) +
           "</tr>";
    };
    for (const auto* d : ranked) row(d, ++rank);
    for (const auto* d : unranked) row(d, std::nullopt);
    h += "</tbody></table></div>";
    h += "<p class=\"note\">" +
         Tr(lang, "1 = la plus sobre ; sans nombre de postes de travail, pas de rang.",
            "1 uses least; without a workstation count, no rank.") +
         "</p>\n";
  }

  // Environmental equivalents of year N.
  const reports::Equivalents eq =
      reports::ComputeEquivalents(org.paper_kg_all_devices, org.recycled_kg, settings.environment);
  h += "<h2>" + Tr(lang, "Équivalents environnementaux ", "Environmental equivalents ") +
       std::to_string(n) + "</h2><div class=\"scroll\"><table><tbody>";
  h += "<tr><td>" +
       Tr(lang, "Émissions de gaz à effet de serre (kg CO2e)",
          "Greenhouse gas emissions (kg CO2e)") +
       "</td>" + Cell("co2e_kg", n, eq.co2e_kg, FormatNumber(eq.co2e_kg, 1, lang)) + "</tr>";
  h += "<tr><td>" +
       Tr(lang, "Arbres abattus (papier non recyclé)", "Trees felled (non-recycled paper)") +
       "</td>" + Cell("trees", n, eq.trees, FormatNumber(eq.trees, 1, lang)) + "</tr>";
  h += "<tr><td>" +
       Tr(lang, "Énergie de fabrication du papier (kWh)", "Energy to make the paper (kWh)") +
       "</td>" + Cell("energy_kwh", n, eq.energy_kwh, FormatNumber(eq.energy_kwh, 1, lang)) +
       "</tr></tbody></table></div>\n";

  // Printing and purchases side by side.
  const indicators::ScopeFigures& po = printing.organisation;
  const indicators::PurchaseFigures& pu = org.purchases;
  h += "<h2>" + Tr(lang, "Papier imprimé et papier acheté ", "Paper printed and paper bought ") +
       std::to_string(n) +
       "</h2><div class=\"scroll\"><table class=\"sources\"><thead><tr><th></th><th>" +
       Tr(lang, "Imprimé", "Printed") + "</th><th>" + Tr(lang, "Acheté", "Bought") +
       "</th></tr></thead><tbody>";
  h += "<tr><td>" + Tr(lang, "Papier, tous usages (kg)", "Paper, all uses (kg)") + "</td>" +
       Cell("paper_kg_all_devices", n, po.paper_kg_all_devices,
            FormatNumber(po.paper_kg_all_devices, 2, lang)) +
       Cell("purchases.paper_kg", n, pu.paper_kg, FormatOptional(pu.paper_kg, 2, lang)) + "</tr>";
  h += "<tr><td>" +
       Tr(lang, "Papier de bureau (kg, hors reprographie)",
          "Office paper (kg, excluding print shop)") +
       "</td>" + Cell("paper_kg", n, po.paper_kg, FormatNumber(po.paper_kg, 2, lang)) +
       Cell("purchases.paper_kg_office", n, pu.paper_kg_office,
            FormatOptional(pu.paper_kg_office, 2, lang)) +
       "</tr>";
  h += "<tr><td>" + Tr(lang, "I1 Évolution", "I1 Change") + "</td>" +
       Cell("printing.paper_change_pct", n, po.paper_change_pct,
            FormatPercent(po.paper_change_pct, lang, true)) +
       Cell("purchases.paper_change_pct", n, pu.paper_change_pct,
            FormatPercent(pu.paper_change_pct, lang, true)) +
       "</tr>";
  h += "<tr><td>" + Tr(lang, "I2 Part recyclée", "I2 Recycled share") + "</td>" +
       Cell("printing.recycled_share_pct", n, po.recycled_share_pct,
            FormatPercent(po.recycled_share_pct, lang)) +
       Cell("purchases.recycled_share_pct", n, pu.recycled_share_pct,
            FormatPercent(pu.recycled_share_pct, lang)) +
       "</tr>";
  h += "<tr><td>" +
       Tr(lang, "Part des dépenses en papier recyclé (€ HT)",
          "Share of spend on recycled paper (€ excl. tax)") +
       "</td><td>" + std::string(reports::kMissingValue) + "</td>" +
       Cell("purchases.recycled_spend_share_pct", n, pu.recycled_spend_share_pct,
            FormatPercent(pu.recycled_spend_share_pct, lang)) +
       "</tr>";
  h += "<tr><td>" + Tr(lang, "Couverture (imprimé / acheté)", "Coverage (printed / bought)") +
       "</td>" +
       Cell("purchases.coverage_pct", n, pu.coverage_pct, FormatPercent(pu.coverage_pct, lang)) +
       "<td></td></tr></tbody></table></div>";
  if (pu.rows == 0) {
    h += "<p class=\"note\">" +
         Tr(lang, "Aucun achat de papier importé pour cette année.",
            "No paper purchase imported for this year.") +
         "</p>";
  }
  const indicators::MeterFigures& m = org.meters;
  if (m.devices > 0 || m.devices_without_start_reading > 0) {
    h += "<h3>" + Tr(lang, "Compteurs des copieurs", "Copier meters") +
         "</h3><div class=\"scroll\"><table><tbody>";
    h += "<tr><td>" +
         Tr(lang, "Impressions comptées par les compteurs", "Impressions counted by meters") +
         "</td>" +
         Cell("meters.meter_impressions", n, Num(m.meter_impressions),
              FormatOptional(Num(m.meter_impressions), 0, lang)) +
         "</tr>";
    h += "<tr><td>" + Tr(lang, "dont captées par CUPS", "of which captured from CUPS") + "</td>" +
         Cell("meters.captured_impressions", n, Num(m.captured_impressions),
              FormatOptional(Num(m.captured_impressions), 0, lang)) +
         "</tr>";
    h += "<tr><td>" + Tr(lang, "non captées", "uncaptured") + "</td>" +
         Cell("meters.uncaptured_impressions", n, Num(m.uncaptured_impressions),
              FormatOptional(Num(m.uncaptured_impressions), 0, lang)) +
         "</tr>";
    h += "<tr><td>" + Tr(lang, "Papier non capté estimé (kg)", "Estimated uncaptured paper (kg)") +
         "</td>" +
         Cell("meters.uncaptured_kg_estimate", n, m.uncaptured_kg_estimate,
              FormatOptional(m.uncaptured_kg_estimate, 2, lang)) +
         "</tr></tbody></table></div>";
  }
  h += End();
  return Page{200, std::move(h)};
}

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
  auto report = reports::ComputeMonthlyReport(store.usage(), year, month, settings);
  if (!report.ok()) return report.status();
  auto filtered = reports::FilterReportDirection(*report, direction);
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
  h += "</p>\n<article class=\"report\">\n";
  h += reports::RenderMonthlyReportBody(
      *filtered, filtered->directions.front(), lang, settings,
      /*other_directions=*/ctx.viewer.role == store::AccountRole::kAdmin);
  h += "</article>\n" + End();
  return Page{200, std::move(h)};
}

Result<Page> DevicesPage(store::Store& store, const PageContext& ctx, std::optional<int> year_arg) {
  const L lang = ctx.lang;
  auto year = YearOf(store, ctx, year_arg);
  if (!year.ok()) return year.status();
  if (!YearInRange(*year, ctx)) {
    return NotFoundPage(ctx, Tr(lang, "Aucune donnée pour cette année.", "No data for this year."));
  }
  const int n = *year;
  auto inventory = store.usage().LoadInventory();
  if (!inventory.ok()) return inventory.status();
  auto names = store.usage().LoadUserNames();
  if (!names.ok()) return names.status();
  indicators::AttributionOptions options;
  options.by_device = true;
  auto usage = indicators::AttributeUsage(
      store.usage(), *inventory, *names,
      {indicators::MonthRange{MonthIndex(n, 1), MonthIndex(n, 12)}}, options);
  if (!usage.ok()) return usage.status();
  auto report = indicators::ComputeIndicators(store.usage(), n, OptionsOf(ctx));
  if (!report.ok()) return report.status();

  std::map<int64_t, int64_t> sheets;  // device id -> sheets of N, every direction
  for (const auto& [id, sums] : usage->periods.front().organisation.by_device) {
    sheets[id] = sums.sheets;
  }
  const Day date = CountDateOf(n, ctx);
  const std::map<int64_t, const model::Device*> devices = DevicesOn(*inventory, date);

  struct Row {
    std::string direction;
    std::string cls;
    std::string name;
    bool in_service = false;
    int64_t sheets = 0;
  };
  std::vector<Row> rows;
  for (const auto& [id, d] : devices) {
    Row r;
    r.direction = d->direction.empty() ? std::string(reports::kMissingValue) : d->direction;
    r.cls = ClassName(*d, lang);
    r.name = DeviceName(*d);
    r.in_service = InServiceOnDate(*inventory, id, date);
    auto it = sheets.find(id);
    r.sheets = it == sheets.end() ? 0 : it->second;
    if (!r.in_service && r.sheets == 0 && d->classified) continue;  // retired, silent all year
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.direction != b.direction) return a.direction < b.direction;
    if (a.sheets != b.sheets) return a.sheets > b.sheets;
    return a.name < b.name;
  });

  const std::string title = Tr(lang, "Appareils ", "Devices ") + std::to_string(n);
  std::string h = Begin(ctx, title, PageId::kDevices, "/devices", "year=" + std::to_string(n));
  h += "<header><h1>" + HtmlEscape(title) + "</h1><p class=\"period\"><a href=\"" +
       Href("/devices", "year=" + std::to_string(n - 1), lang) + "\">← " + std::to_string(n - 1) +
       "</a>";
  if (n + 1 <= Today(ctx).year) {
    h += " · <a href=\"" + Href("/devices", "year=" + std::to_string(n + 1), lang) + "\">" +
         std::to_string(n + 1) + " →</a>";
  }
  h += "</p></header>\n";

  // By direction and class.
  struct Group {
    int64_t devices = 0;
    int64_t in_service = 0;
    int64_t sheets = 0;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const Row& r : rows) {
    Group& g = groups[{r.direction, r.cls}];
    ++g.devices;
    g.in_service += r.in_service ? 1 : 0;
    g.sheets += r.sheets;
  }
  h += "<h2>" + Tr(lang, "Par direction et par classe", "By direction and class") +
       "</h2><p class=\"note\">" + Tr(lang, "En service le ", "In service on ") +
       FormatIsoDate(date) + ". " +
       Tr(lang, "Feuilles : toute l'année, tous utilisateurs confondus.",
          "Sheets: the whole year, all users together.") +
       "</p><div class=\"scroll\"><table class=\"groups\"><thead><tr><th>" +
       Tr(lang, "Direction", "Direction") + "</th><th>" + Tr(lang, "Classe", "Class") +
       "</th><th>" + Tr(lang, "En service", "In service") + "</th><th>" +
       Tr(lang, "Feuilles", "Sheets") + "</th></tr></thead><tbody>";
  for (const auto& [key, g] : groups) {
    h += "<tr><td>" + HtmlEscape(key.first) + "</td><td>" + HtmlEscape(key.second) + "</td><td>" +
         FormatCount(g.in_service, lang) + "</td><td>" + FormatCount(g.sheets, lang) + "</td></tr>";
  }
  h += "</tbody></table></div>\n";

  // Every device.
  h += "<h2>" + Tr(lang, "Appareils par volume", "Devices by volume") +
       "</h2><div class=\"scroll\"><table class=\"devices\"><thead><tr><th>" +
       Tr(lang, "Appareil", "Device") + "</th><th>" + Tr(lang, "Direction", "Direction") +
       "</th><th>" + Tr(lang, "Classe", "Class") + "</th><th>" +
       Tr(lang, "En service", "In service") + "</th><th>" + Tr(lang, "Feuilles", "Sheets") +
       "</th></tr></thead><tbody>";
  for (const Row& r : rows) {
    h += "<tr><td>" + HtmlEscape(r.name) + "</td><td>" + HtmlEscape(r.direction) + "</td><td>" +
         HtmlEscape(r.cls) + "</td><td>" +
         (r.in_service ? Tr(lang, "oui", "yes") : Tr(lang, "non", "no")) +
         "</td><td data-key=\"device_sheets\" data-value=\"" + std::to_string(r.sheets) + "\">" +
         FormatCount(r.sheets, lang) + "</td></tr>";
  }
  h += "</tbody></table></div>\n";

  // The queues IT must classify.
  h += "<h2>" + Tr(lang, "Files à classer", "Queues to classify") + "</h2>";
  if (report->unclassified_queues.empty()) {
    h += "<p class=\"note\">" +
         Tr(lang, "Aucune : toutes les files sont classées.", "None: every queue is classified.") +
         "</p>";
  } else {
    h += "<p class=\"note\">" +
         Tr(lang,
            "Files signalées par les agents que l'import des appareils ne classe pas encore "
            "(comptées en « autre », papier 80 g non recyclé) :",
            "Queues reported by the agents that the devices import has not classified yet "
            "(counted as “other”, 80 g non-recycled paper):") +
         "</p><ul class=\"unclassified\">";
    for (const std::string& q : report->unclassified_queues) {
      h += "<li>" + HtmlEscape(q) + "</li>";
    }
    h += "</ul>";
  }
  h += End();
  return Page{200, std::move(h)};
}

Result<Page> DataQualityPage(store::Store& store, const PageContext& ctx,
                             std::optional<int> year_arg) {
  const L lang = ctx.lang;
  auto year = YearOf(store, ctx, year_arg);
  if (!year.ok()) return year.status();
  if (!YearInRange(*year, ctx)) {
    return NotFoundPage(ctx, Tr(lang, "Aucune donnée pour cette année.", "No data for this year."));
  }
  const int n = *year;
  auto report = indicators::ComputeIndicators(store.usage(), n, OptionsOf(ctx));
  if (!report.ok()) return report.status();
  auto inventory = store.usage().LoadInventory();
  if (!inventory.ok()) return inventory.status();
  auto names = store.usage().LoadUserNames();
  if (!names.ok()) return names.status();
  indicators::AttributionOptions options;
  options.users_without_direction = true;
  auto usage = indicators::AttributeUsage(
      store.usage(), *inventory, *names,
      {indicators::MonthRange{MonthIndex(n, 1), MonthIndex(n, 12)}}, options);
  if (!usage.ok()) return usage.status();
  auto quarantined = store.CountQuarantined();
  if (!quarantined.ok()) return quarantined.status();
  const std::optional<std::map<std::string, int64_t>> reasons = QuarantineByReason(store);

  const indicators::ScopeFigures& org = report->organisation;
  const std::string title = Tr(lang, "Qualité des données ", "Data quality ") + std::to_string(n);
  std::string h = Begin(ctx, title, PageId::kQuality, "/quality", "year=" + std::to_string(n));
  h += "<header><h1>" + HtmlEscape(title) + "</h1><p class=\"period\"><a href=\"" +
       Href("/quality", "year=" + std::to_string(n - 1), lang) + "\">← " + std::to_string(n - 1) +
       "</a>";
  if (n + 1 <= Today(ctx).year) {
    h += " · <a href=\"" + Href("/quality", "year=" + std::to_string(n + 1), lang) + "\">" +
         std::to_string(n + 1) + " →</a>";
  }
  h += "</p></header>\n";
  auto line = [&](std::string_view key, int64_t v, std::string_view fr, std::string_view en) {
    h += "<tr><td>" + Tr(lang, fr, en) + "</td><td data-key=\"" + std::string(key) +
         "\" data-value=\"" + std::to_string(v) + "\">" + FormatCount(v, lang) + "</td></tr>";
  };
  h += "<h2>" + Tr(lang, "L'organisation", "The organisation") +
       "</h2><div class=\"scroll\"><table class=\"quality\"><tbody>";
  line("unknown_media_jobs", org.unknown_media_jobs,
       "Travaux au format de papier inconnu (comptés en A4)",
       "Jobs with unknown paper size (counted as A4)");
  line("unclassified_queues", static_cast<int64_t>(report->unclassified_queues.size()),
       "Files d'impression non classées", "Unclassified print queues");
  line("jobs_on_unclassified_devices", org.jobs_on_unclassified_devices,
       "Travaux sur des files non classées (comptés en « autre »)",
       "Jobs on unclassified queues (counted as “other”)");
  line("users_without_direction", usage->periods.front().organisation.users_without_direction,
       "Utilisateurs sans direction à la date de leurs travaux",
       "Users without a direction on their jobs' dates");
  line("jobs_without_user_direction", org.jobs_without_user_direction,
       "Travaux d'utilisateurs sans direction (attribués à la direction de l'appareil)",
       "Jobs by users without a direction (attributed to the device's direction)");
  line("oversized_media_jobs", org.oversized_media_jobs,
       "Travaux sur un papier plus grand que A0 (à vérifier)",
       "Jobs on sheets larger than A0 (to check)");
  line("meters_devices_without_start_reading", org.meters.devices_without_start_reading,
       "Copieurs sans relevé de compteur au début de l'année (laissés de côté)",
       "Copiers without a meter reading at the start of the year (left out)");
  line("quarantined_records", *quarantined,
       "Enregistrements refusés et mis en quarantaine (depuis toujours)",
       "Records rejected and quarantined (all time)");
  h += "</tbody></table></div>\n";

  h += "<h2>" + Tr(lang, "Quarantaine par motif", "Quarantine by reason") + "</h2>";
  if (!reasons) {
    h += "<p class=\"note\">" +
         Tr(lang, "Le détail par motif n'est pas disponible avec ce stockage.",
            "The detail by reason is not available with this store.") +
         "</p>";
  } else if (reasons->empty()) {
    h += "<p class=\"note\">" + Tr(lang, "Aucun enregistrement.", "No record.") + "</p>";
  } else {
    h += "<div class=\"scroll\"><table class=\"reasons\"><thead><tr><th>" +
         Tr(lang, "Motif", "Reason") + "</th><th>" + Tr(lang, "Enregistrements", "Records") +
         "</th></tr></thead><tbody>";
    for (const auto& [reason, count] : *reasons) {
      h += "<tr><td>" + HtmlEscape(reason) + "</td><td>" + FormatCount(count, lang) + "</td></tr>";
    }
    h += "</tbody></table></div>";
  }

  h += "<h2>" + Tr(lang, "Par direction", "By direction") +
       "</h2><div class=\"scroll\"><table class=\"bydirection\"><thead><tr><th>" +
       Tr(lang, "Direction", "Direction") + "</th><th>" +
       Tr(lang, "Format inconnu", "Unknown media") + "</th><th>" +
       Tr(lang, "Files non classées", "Unclassified queues") + "</th><th>" +
       Tr(lang, "Sans direction d'utilisateur", "Without a user direction") + "</th><th>" +
       Tr(lang, "Plus grand que A0", "Larger than A0") + "</th></tr></thead><tbody>";
  for (const auto& d : report->directions) {
    h += "<tr><td>" + HtmlEscape(d.direction) + "</td><td>" +
         FormatCount(d.unknown_media_jobs, lang) + "</td><td>" +
         FormatCount(d.jobs_on_unclassified_devices, lang) + "</td><td>" +
         FormatCount(d.jobs_without_user_direction, lang) + "</td><td>" +
         FormatCount(d.oversized_media_jobs, lang) + "</td></tr>";
  }
  h += "</tbody></table></div>\n";
  if (!report->unclassified_queues.empty()) {
    h += "<p class=\"note\">" + Tr(lang, "Files à classer : ", "Queues to classify: ");
    for (size_t i = 0; i < report->unclassified_queues.size(); ++i) {
      if (i > 0) h += ", ";
      h += HtmlEscape(report->unclassified_queues[i]);
    }
    h += ".</p>";
  }
  h += End();
  return Page{200, std::move(h)};
}

Result<Page> ServersPage(store::Store& store, const PageContext& ctx) {
  const L lang = ctx.lang;
  const TimeZone& tz = ZoneOf(ctx);
  auto servers = store.status().ServerStatuses(status::PeriodsAt(ctx.now, tz), /*count_jobs=*/true);
  if (!servers.ok()) return servers.status();
  auto sync = store.directory().LastDirectorySync();
  if (!sync.ok()) return sync.status();

  const std::string title = Tr(lang, "Serveurs d'impression", "Print servers");
  std::string h = Begin(ctx, title, PageId::kServers, "/servers", "");
  h += "<header><h1>" + HtmlEscape(title) + "</h1></header>\n";
  int silent = 0;
  for (const auto& s : *servers) silent += status::IsSilent(s, ctx.now, ctx.silent_after_seconds);
  if (servers->empty()) {
    h += "<p class=\"note\">" +
         Tr(lang, "Aucun serveur d'impression ne s'est encore manifesté.",
            "No print server has reported yet.") +
         "</p>";
  } else {
    h += "<p class=\"" + std::string(silent > 0 ? "alert" : "note") + "\">" +
         FormatCount(silent, lang) +
         Tr(lang, " serveur(s) silencieux depuis plus de ", " server(s) silent for more than ") +
         FormatCount(ctx.silent_after_seconds / 60, lang) + " min.</p>";
    h += "<div class=\"scroll\"><table class=\"servers\"><thead><tr><th>" +
         Tr(lang, "Serveur", "Server") + "</th><th>" + Tr(lang, "État", "State") + "</th><th>" +
         Tr(lang, "Dernier contact", "Last contact") + "</th><th>" +
         Tr(lang, "Version de l'agent", "Agent version") + "</th><th>" +
         Tr(lang, "Travaux aujourd'hui", "Jobs today") + "</th><th>" +
         Tr(lang, "Travaux ce mois", "Jobs this month") + "</th><th>" +
         Tr(lang, "En attente chez l'agent", "Waiting at the agent") + "</th><th>" +
         Tr(lang, "Plus ancien en attente", "Oldest waiting") + "</th><th>" +
         Tr(lang, "Files non classées", "Unclassified queues") + "</th></tr></thead><tbody>";
    for (const auto& s : *servers) {
      const bool is_silent = status::IsSilent(s, ctx.now, ctx.silent_after_seconds);
      h += std::string("<tr") + (is_silent ? " class=\"silent\"" : "") + "><td>" +
           HtmlEscape(s.server) + "</td><td>" +
           (is_silent ? "<strong>" + Tr(lang, "SILENCIEUX", "SILENT") + "</strong>"
                      : Tr(lang, "actif", "active")) +
           "</td><td>" + LocalTime(s.last_contact, tz) + "</td><td>" + HtmlEscape(s.agent_version) +
           "</td><td>" + FormatCount(s.jobs_today, lang) + "</td><td>" +
           FormatCount(s.jobs_this_month, lang) + "</td><td>" +
           (s.outbox_records ? FormatCount(*s.outbox_records, lang)
                             : std::string(reports::kMissingValue)) +
           "</td><td>" +
           (s.oldest_record_unix && *s.oldest_record_unix > 0
                ? LocalTime(*s.oldest_record_unix, tz)
                : std::string(reports::kMissingValue)) +
           "</td><td>" + FormatCount(s.unclassified_queues, lang) + "</td></tr>";
    }
    h += "</tbody></table></div>\n";
  }
  h += "<h2>" + Tr(lang, "Synchronisation de l'annuaire", "Directory sync") + "</h2><p>";
  if (lang == L::kEnglish) {
    h += HtmlEscape(status::FormatDirectorySyncLine(*sync, ctx.now, tz));
  } else if (!*sync) {
    h += "synchronisation de l'annuaire : jamais";
  } else {
    const store::DirectorySyncRecord& r = **sync;
    h += "dernière synchronisation : " + LocalTime(r.synced_at, tz) + ", " +
         FormatCount(r.users_seen, lang) + " utilisateurs, " + FormatCount(r.added, lang) +
         " ajoutés, " + FormatCount(r.moved, lang) + " changés de direction, " +
         FormatCount(r.closed, lang) + " partis, " + FormatCount(r.unmapped, lang) +
         " sans direction reconnue, " + FormatCount(r.skipped, lang) + " écartés";
  }
  h += "</p>\n" + End();
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
@media (max-width:640px){
main{padding:16px 12px 28px}
h1{font-size:24px}
.cards{grid-template-columns:1fr}
.card .big{font-size:26px}
table{font-size:13px}
th,td{padding:5px 6px}
}
)css";
  return kSheet;
}

}  // namespace ramette::aggregator::web
