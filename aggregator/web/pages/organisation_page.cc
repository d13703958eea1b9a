// The organisation page: I1-I5 of three years, targets, the 13-month trend, the ranking (admin
// only), environmental equivalents, printing and purchases side by side. Figures from
// ComputeIndicators and the monthly report's code; this file only lays them out.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/indicators/indicators.h"
#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/report_charts.h"
#include "aggregator/web/pages/page_layout.h"
#include "aggregator/web/pages/web_pages.h"

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

// The month a trend or a default report ends with in `year`: December of a past year, the last
// full month of the current one (January while it is January).
int TrendMonthOf(int year, const PageContext& ctx) {
  const CivilDate today = Today(ctx);
  if (year < today.year) return 12;
  return std::max(1, today.month - 1);
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
    auto r = YearFiguresOf(store, ctx, y, options);
    if (!r.ok()) return r.status();
    years.push_back((*r)->report);
  }
  const indicators::IndicatorReport& current = years.back();
  // The printed figures of N whatever the headline source, for the side-by-side table.
  indicators::IndicatorReport printing = current;
  if (options.paper_source != indicators::PaperSource::kPrinting) {
    auto r = YearFiguresOf(store, ctx, n, {});
    if (!r.ok()) return r.status();
    printing = (*r)->report;
  }
  const bool admin = ctx.viewer.role == store::AccountRole::kAdmin;
  const bool direction_viewer = ctx.viewer.role == store::AccountRole::kDirection;
  const indicators::ScopeFigures& org = current.organisation;

  const std::string title =
      Tr(lang, "Indicateurs papier ", "Paper indicators ") + std::to_string(n);
  std::string h = Begin(ctx, title, PageId::kOrganisation, "/", "year=" + std::to_string(n));
  std::string kicker;
  if (!settings.organisation_name.empty()) kicker = HtmlEscape(settings.organisation_name) + " · ";
  kicker += Tr(lang, "Tableau de bord", "Dashboard");
  h += YearHeader(ctx, "/", kicker, title, n);

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
      auto figures = YearFiguresOf(store, ctx, base, options);
      if (!figures.ok()) return figures.status();
      const indicators::IndicatorReport* b = &(*figures)->report;
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
  auto monthly_figures = MonthlyReportOf(store, ctx, n, trend_month);
  if (!monthly_figures.ok()) return monthly_figures.status();
  const reports::MonthlyReport* monthly = monthly_figures->get();
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
      (reports::TakesPartInRanking(d.kg_per_workstation, d.paper_kg) ? ranked : unranked)
          .push_back(&d);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto* a, const auto* b) {
      return *a->kg_per_workstation < *b->kg_per_workstation;
    });
    h += "<h2 id=\"directions\">" +
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
         Tr(lang,
            "1 = la plus sobre ; sans nombre de postes de travail, ou sans impression, pas de "
            "rang.",
            "1 uses least; without a workstation count, or without printing, no rank.") +
         "</p>\n";
  }

  // Environmental equivalents of year N: of the paper bought when there are purchases.
  const reports::PaperEquivalents sourced = reports::EquivalentsOfPaper(
      org.paper_kg_all_devices, org.recycled_kg, org.purchases, settings.environment);
  const reports::Equivalents& eq = sourced.equivalents;
  const bool of_purchases = sourced.source == reports::TargetStatus::Source::kPurchases;
  h += "<h2>" + Tr(lang, "Équivalents environnementaux ", "Environmental equivalents ") +
       std::to_string(n) + "</h2><p class=\"source\">" +
       (of_purchases ? Tr(lang, "Calculés sur le papier acheté (achats importés).",
                          "Computed on the paper bought (imported purchases).")
                     : Tr(lang, "Calculés sur le papier imprimé (aucun achat importé).",
                          "Computed on the paper printed (no purchase imported).")) +
       "</p><div class=\"scroll\"><table><tbody>";
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
       "</td><td>" + std::string(reports::kMissingValue) + "</td>" +
       Cell("purchases.coverage_pct", n, pu.coverage_pct, FormatPercent(pu.coverage_pct, lang)) +
       "</tr></tbody></table></div>";
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
  // The yearly export, as `ramette export indicators` writes it (cut to the viewer's scope).
  const std::string year_query = "year=" + std::to_string(n);
  h += "<p class=\"downloads\">" +
       Tr(lang, "Télécharger les indicateurs ", "Download the indicators of ") + std::to_string(n) +
       Tr(lang, " : ", ": ") + "<a href=\"" +
       Href("/download/export", year_query + "&format=csv-fr", lang) +
       "\">CSV (fr)</a>, <a href=\"" +
       Href("/download/export", year_query + "&format=csv-en", lang) +
       "\">CSV (en)</a>, <a href=\"" + Href("/download/export", year_query + "&format=json", lang) +
       "\">JSON</a></p>\n";
  h += End();
  return Page{200, std::move(h)};
}

}  // namespace ramette::aggregator::web
