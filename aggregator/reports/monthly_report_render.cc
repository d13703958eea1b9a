// HTML and CSV of one direction's monthly report. Both list the same figures (Figures()); the
// HTML adds three SVG charts drawn with plain rectangles and text.
#include "aggregator/reports/monthly_report_render.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <tuple>
#include <vector>

#include "aggregator/indicators/usage_attribution.h"
#include "aggregator/reports/report_charts.h"
#include "common/csv_cell.h"
#include "common/utf8.h"

namespace ramette::aggregator::reports {
namespace {

using L = ReportLanguage;

// Okabe-Ito colours, safe for the common colour-vision deficiencies.
constexpr std::string_view kBlue = "#0072B2";
constexpr std::string_view kSkyBlue = "#56B4E9";
constexpr std::string_view kOrange = "#E69F00";
constexpr std::string_view kGreen = "#009E73";
constexpr std::string_view kVermillion = "#D55E00";
constexpr std::string_view kGrey = "#9AA5B1";
constexpr std::string_view kLightGrey = "#CBD5E1";

enum class Kind { kKg, kPercent, kCount, kNumber, kText };

// One figure of the report: key (CSV and data-key), labels, value.
struct Figure {
  std::string key;
  std::string label_fr;
  std::string label_en;
  Kind kind;
  std::optional<double> value;
  std::string text;  // kKind::kText
};

std::string Tr(L lang, std::string_view fr, std::string_view en) {
  return std::string(lang == L::kFrench ? fr : en);
}

std::optional<double> Num(int64_t v) { return static_cast<double>(v); }

std::string MonthIso(int32_t month_index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", month_index / 12, month_index % 12 + 1);
  return buf;
}

std::string_view ClassName(model::DeviceClass c, bool classified, L lang) {
  if (!classified) return lang == L::kFrench ? "non classé" : "unclassified";
  switch (c) {
    case model::DeviceClass::kDesktopPrinter:
      return lang == L::kFrench ? "imprimante de bureau" : "desktop printer";
    case model::DeviceClass::kMfp:
      return lang == L::kFrench ? "copieur multifonction" : "multifunction copier";
    case model::DeviceClass::kPrintShop:
      return lang == L::kFrench ? "reprographie" : "print shop";
    case model::DeviceClass::kOther:
      break;
  }
  return lang == L::kFrench ? "autre" : "other";
}

std::string_view ClassColor(model::DeviceClass c, bool classified) {
  if (!classified) return kGrey;
  switch (c) {
    case model::DeviceClass::kDesktopPrinter:
      return kBlue;
    case model::DeviceClass::kMfp:
      return kOrange;
    case model::DeviceClass::kPrintShop:
      return kGreen;
    case model::DeviceClass::kOther:
      break;
  }
  return kGrey;
}

std::vector<Figure> Figures(const MonthlyReport& r, const ScopeMonth& s) {
  std::vector<Figure> f;
  auto add = [&](std::string key, std::string fr, std::string en, Kind kind,
                 std::optional<double> v) {
    f.push_back(Figure{std::move(key), std::move(fr), std::move(en), kind, v, ""});
  };
  auto text = [&](std::string key, std::string fr, std::string en, std::string value) {
    f.push_back(Figure{std::move(key), std::move(fr), std::move(en), Kind::kText, {}, value});
  };
  text("direction", "Direction", "Direction", s.direction);
  text("month", "Mois", "Month", MonthIso(MonthIndex(r.year, r.month)));
  add("sheets", "Feuilles (hors reprographie)", "Sheets (excluding print shop)", Kind::kCount,
      Num(s.month.sheets));
  add("paper_kg", "Papier (kg, hors reprographie)", "Paper (kg, excluding print shop)", Kind::kKg,
      s.month.paper_kg);
  add("workstations", "Postes de travail", "Workstations", Kind::kCount,
      s.workstations ? Num(*s.workstations) : std::nullopt);
  add("kg_per_workstation", "kg par poste de travail", "kg per workstation", Kind::kKg,
      s.kg_per_workstation);
  add("two_sided_share_pct", "Part recto verso", "Two-sided share", Kind::kPercent,
      s.month.TwoSidedSharePct());
  add("color_share_pct", "Part couleur", "Colour share", Kind::kPercent, s.month.ColorSharePct());
  add("recycled_share_pct", "Part de papier recyclé", "Recycled-paper share", Kind::kPercent,
      s.month.RecycledSharePct());
  add("sheets_all_devices", "Feuilles (tous appareils)", "Sheets (all devices)", Kind::kCount,
      Num(s.month.sheets_all_devices));
  add("paper_kg_all_devices", "Papier (kg, tous appareils)", "Paper (kg, all devices)", Kind::kKg,
      s.month.paper_kg_all_devices);
  add("recycled_kg", "Papier recyclé (kg)", "Recycled paper (kg)", Kind::kKg, s.month.recycled_kg);
  add("sheets_year_before", "Feuilles, même mois un an plus tôt",
      "Sheets, same month a year earlier", Kind::kCount, Num(s.month_year_before.sheets));
  add("paper_kg_year_before", "Papier (kg), même mois un an plus tôt",
      "Paper (kg), same month a year earlier", Kind::kKg, s.month_year_before.paper_kg);
  add("two_sided_share_pct_year_before", "Part recto verso, un an plus tôt",
      "Two-sided share, a year earlier", Kind::kPercent, s.month_year_before.TwoSidedSharePct());
  add("color_share_pct_year_before", "Part couleur, un an plus tôt", "Colour share, a year earlier",
      Kind::kPercent, s.month_year_before.ColorSharePct());
  add("recycled_share_pct_year_before", "Part de papier recyclé, un an plus tôt",
      "Recycled-paper share, a year earlier", Kind::kPercent,
      s.month_year_before.RecycledSharePct());
  add("sheets_change_pct", "Évolution des feuilles", "Sheets change", Kind::kPercent,
      s.sheets_change_pct);
  add("paper_change_pct", "Évolution du papier (kg)", "Paper change (kg)", Kind::kPercent,
      s.paper_change_pct);
  add("paper_kg_ytd", "Papier (kg) depuis janvier", "Paper (kg) year to date", Kind::kKg,
      s.year_to_date.paper_kg);
  add("paper_kg_ytd_previous", "Papier (kg), mêmes mois de l'année précédente",
      "Paper (kg), same months of the previous year", Kind::kKg, s.year_to_date_previous.paper_kg);
  add("paper_ytd_change_pct", "Évolution depuis janvier", "Year-to-date change", Kind::kPercent,
      s.year_to_date_change_pct);
  add("sheets_ytd", "Feuilles depuis janvier", "Sheets year to date", Kind::kCount,
      Num(s.year_to_date.sheets));
  add("sheets_ytd_previous", "Feuilles, mêmes mois de l'année précédente",
      "Sheets, same months of the previous year", Kind::kCount,
      Num(s.year_to_date_previous.sheets));
  for (int i = 0; i < kTrendMonths; ++i) {
    add("trend_kg_" + MonthIso(s.trend_months[i]), "Papier (kg) " + MonthIso(s.trend_months[i]),
        "Paper (kg) " + MonthIso(s.trend_months[i]), Kind::kKg, s.trend_kg[i]);
  }
  for (const DeviceVolume& d : s.devices) {
    add("device_sheets:" + d.name, "Feuilles de l'appareil " + d.name, "Sheets of device " + d.name,
        Kind::kCount, Num(d.sheets));
  }
  add("desktop_printers", "Imprimantes de bureau en service", "Desktop printers in service",
      Kind::kCount, Num(s.desktop_printers));
  add("mfps", "Copieurs multifonctions en service", "Multifunction copiers in service",
      Kind::kCount, Num(s.mfps));
  add("rank", "Rang (kg par poste, 1 = le plus sobre)", "Rank (kg per workstation, 1 = lowest)",
      Kind::kCount, s.rank ? Num(*s.rank) : std::nullopt);
  add("ranked_directions", "Directions classées", "Directions ranked", Kind::kCount,
      Num(static_cast<int64_t>(r.ranking.size())));
  add("co2e_kg", "Équivalent CO2 (kg CO2e)", "CO2 equivalent (kg CO2e)", Kind::kKg,
      s.environment.co2e_kg);
  add("trees", "Arbres", "Trees", Kind::kNumber, s.environment.trees);
  add("energy_kwh", "Énergie (kWh)", "Energy (kWh)", Kind::kNumber, s.environment.energy_kwh);
  const bool bought = s.environment_source == TargetStatus::Source::kPurchases;
  text("environment_mass", "Masse des équivalents", "Mass of the equivalents",
       bought ? "purchased_year_to_date" : "printed_month");
  add("recycled_target_pct", "Objectif de papier recyclé (minimum)",
      "Recycled-paper target (minimum)", Kind::kPercent, s.recycled_target.target);
  text("recycled_target_source", "Objectif de papier recyclé mesuré sur",
       "Recycled-paper target checked against",
       s.recycled_target.source == TargetStatus::Source::kPurchases ? "purchases" : "printing");
  add("recycled_target_value_pct", "Part de papier recyclé comparée à l'objectif",
      "Recycled-paper share checked against the target", Kind::kPercent, s.recycled_target.value);
  text("recycled_target_met", "Objectif de papier recyclé atteint", "Recycled-paper target met",
       !s.recycled_target.value ? ""
       : s.recycled_target.met  ? "yes"
                                : "no");
  add("recycled_spend_target_pct", "Objectif de dépense en papier recyclé (minimum)",
      "Recycled-paper spend target (minimum)", Kind::kPercent, s.recycled_spend_target.target);
  add("recycled_spend_target_value_pct", "Part de la dépense en papier recyclé depuis janvier",
      "Recycled share of the spend since January", Kind::kPercent, s.recycled_spend_target.value);
  text("recycled_spend_target_met", "Objectif de dépense en papier recyclé atteint",
       "Recycled-paper spend target met",
       !s.recycled_spend_target.value ? ""
       : s.recycled_spend_target.met  ? "yes"
                                      : "no");
  if (r.has_purchases) {
    const indicators::PurchaseFigures& p = s.purchases_year_to_date;
    add("purchases_ytd_paper_kg", "Papier acheté depuis janvier (kg, tous usages)",
        "Paper bought year to date (kg, all uses)", Kind::kKg, p.paper_kg);
    add("purchases_ytd_paper_kg_office", "Papier acheté depuis janvier (kg, bureautique)",
        "Paper bought year to date (kg, office use)", Kind::kKg, p.paper_kg_office);
    add("purchases_ytd_paper_change_pct",
        "Évolution des achats de bureautique, mêmes mois de l'année précédente",
        "Change of office purchases, same months of the previous year", Kind::kPercent,
        p.paper_change_pct);
    add("purchases_ytd_recycled_share_pct", "Part de papier recyclé acheté (masse)",
        "Recycled share of paper bought (mass)", Kind::kPercent, p.recycled_share_pct);
    add("purchases_ytd_recycled_spend_share_pct", "Part de papier recyclé acheté (dépense HT)",
        "Recycled share of paper bought (spend excl. tax)", Kind::kPercent,
        p.recycled_spend_share_pct);
    add("purchases_ytd_coverage_pct", "Papier imprimé / papier acheté depuis janvier",
        "Paper printed / paper bought year to date", Kind::kPercent, p.coverage_pct);
  }
  if (r.has_meter_readings) {
    auto opt = [](std::optional<int64_t> v) -> std::optional<double> {
      if (!v) return std::nullopt;
      return static_cast<double>(*v);
    };
    for (const auto& [key, fr, en, m] :
         {std::tuple{"meters_month", " du mois", " of the month", &s.meters_month},
          std::tuple{"meters_ytd", " depuis janvier", " year to date", &s.meters_year_to_date}}) {
      const std::string k = key;
      add(k + "_impressions", std::string("Impressions aux compteurs") + fr,
          std::string("Meter impressions") + en, Kind::kCount, opt(m->meter_impressions));
      add(k + "_captured_impressions", std::string("Impressions vues par ramette") + fr,
          std::string("Impressions captured by ramette") + en, Kind::kCount,
          opt(m->captured_impressions));
      add(k + "_uncaptured_impressions", std::string("Impressions non vues (copies)") + fr,
          std::string("Uncaptured impressions (copies)") + en, Kind::kCount,
          opt(m->uncaptured_impressions));
      add(k + "_uncaptured_kg_estimate", std::string("Papier non vu, estimé (kg)") + fr,
          std::string("Uncaptured paper, estimated (kg)") + en, Kind::kKg,
          m->uncaptured_kg_estimate);
      add(k + "_devices_without_start_reading",
          std::string("Appareils sans relevé au début de la période") + fr,
          std::string("Devices without a reading at the start of the period") + en, Kind::kCount,
          Num(m->devices_without_start_reading));
    }
  }
  add("reduction_baseline_year", "Année de référence", "Baseline year", Kind::kCount,
      r.baseline_year != 0 ? Num(r.baseline_year) : std::nullopt);
  add("reduction_target_pct", "Objectif de réduction (maximum)", "Reduction target (maximum)",
      Kind::kPercent, s.reduction_target.target);
  add("paper_change_vs_baseline_pct", "Évolution depuis janvier vs année de référence",
      "Year-to-date change vs baseline year", Kind::kPercent, s.reduction_target.value);
  text("reduction_target_met", "Objectif de réduction atteint", "Reduction target met",
       !s.reduction_target.value ? ""
       : s.reduction_target.met  ? "yes"
                                 : "no");
  add("jobs", "Travaux d'impression", "Print jobs", Kind::kCount, Num(s.month.jobs));
  add("jobs_on_unclassified_devices", "Travaux sur des files non classées",
      "Jobs on unclassified queues", Kind::kCount, Num(s.month.jobs_on_unclassified_devices));
  add("unknown_media_jobs", "Travaux au format inconnu (comptés en A4)",
      "Jobs with unknown media (counted as A4)", Kind::kCount, Num(s.month.unknown_media_jobs));
  add("jobs_without_user_direction", "Travaux d'utilisateurs sans direction",
      "Jobs by users without a direction", Kind::kCount, Num(s.month.jobs_without_user_direction));
  add("users_without_direction", "Utilisateurs sans direction dans l'annuaire",
      "Users without a direction in the directory", Kind::kCount,
      Num(s.month.users_without_direction));
  add("oversized_media_jobs", "Travaux sur un papier plus grand que A0 (à vérifier)",
      "Jobs on sheets larger than A0 (to check)", Kind::kCount, Num(s.month.oversized_media_jobs));
  add("large_jobs", "Travaux de beaucoup de feuilles (à vérifier)", "Very large jobs (to check)",
      Kind::kCount, Num(s.month.large_jobs));
  return f;
}

int CsvDecimals(Kind k) {
  switch (k) {
    case Kind::kKg:
      return 3;
    case Kind::kPercent:
      return 2;
    case Kind::kNumber:
      return 3;
    default:
      return 0;
  }
}

std::string_view Unit(Kind k) {
  switch (k) {
    case Kind::kKg:
      return "kg";
    case Kind::kPercent:
      return "%";
    default:
      return "";
  }
}

// Unrounded machine value for data-value.
std::string MachineValue(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", *v);
  return buf;
}

class Html {
 public:
  explicit Html(L lang) : lang_(lang) {}
  Html& operator<<(std::string_view s) {
    out_ += s;
    return *this;
  }
  Html& Text(std::string_view s) {
    out_ += HtmlEscape(s);
    return *this;
  }
  std::string& str() { return out_; }

 private:
  [[maybe_unused]] L lang_;
  std::string out_;
};

std::string Attr(std::string_view s) { return HtmlEscape(s); }

std::string Px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A "nice" upper bound for a chart axis: 1, 2 or 5 x 10^k at or above `max`.
double NiceMax(double max) {
  if (max <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(max)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * p >= max) return m * p;
  }
  return 10 * p;
}

// 13 monthly bars of kg; the month in dark blue, the same month a year earlier in sky blue.
void TrendChart(Html& h, const ScopeMonth& s, L lang) {
  const double width = 680, height = 250, left = 52, right = 12, top = 24, bottom = 46;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  double max = 0;
  for (double v : s.trend_kg) max = std::max(max, v);
  const double axis_max = NiceMax(max);
  h << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << Px(width)
    << " " << Px(height) << "\" role=\"img\" aria-labelledby=\"trend-title\">";
  h << "<title id=\"trend-title\">"
    << Tr(lang, "Papier consommé par mois, en kg, sur 13 mois",
          "Paper used per month, in kg, over 13 months")
    << "</title>";
  for (int g = 0; g <= 4; ++g) {
    const double v = axis_max * g / 4, y = top + plot_h - plot_h * g / 4;
    h << "<line x1=\"" << Px(left) << "\" x2=\"" << Px(width - right) << "\" y1=\"" << Px(y)
      << "\" y2=\"" << Px(y) << "\" stroke=\"#E2E8F0\" stroke-width=\"1\"/>";
    h << "<text x=\"" << Px(left - 6) << "\" y=\"" << Px(y + 4)
      << "\" text-anchor=\"end\" class=\"axis\">" << FormatNumber(v, axis_max < 4 ? 1 : 0, lang)
      << "</text>";
  }
  const double slot = plot_w / kTrendMonths, bar = slot * 0.66;
  for (int i = 0; i < kTrendMonths; ++i) {
    const double v = s.trend_kg[i];
    const double bh = plot_h * v / axis_max;
    const double x = left + slot * i + (slot - bar) / 2, y = top + plot_h - bh;
    const bool current = i == kTrendMonths - 1, year_before = i == 0;
    const std::string_view color = current ? kBlue : year_before ? kSkyBlue : kLightGrey;
    h << "<rect x=\"" << Px(x) << "\" y=\"" << Px(y) << "\" width=\"" << Px(bar) << "\" height=\""
      << Px(std::max(bh, 0.0)) << "\" fill=\"" << color << "\" rx=\"2\"><title>"
      << MonthLabel(s.trend_months[i], lang) << " : " << FormatNumber(v, 1, lang)
      << " kg</title></rect>";
    if (current || year_before) {
      h << "<text x=\"" << Px(x + bar / 2) << "\" y=\"" << Px(y - 6)
        << "\" text-anchor=\"middle\" class=\"value\">" << FormatNumber(v, v < 100 ? 1 : 0, lang)
        << "</text>";
    }
    const int32_t m = s.trend_months[i];
    h << "<text x=\"" << Px(x + bar / 2) << "\" y=\"" << Px(top + plot_h + 16)
      << "\" text-anchor=\"middle\" class=\"axis" << (current ? " strong" : "") << "\">"
      << ShortMonthLabel(m, lang).substr(0, ShortMonthLabel(m, lang).rfind(' ')) << "</text>";
    if (i == 0 || m % 12 == 0) {
      h << "<text x=\"" << Px(x + bar / 2) << "\" y=\"" << Px(top + plot_h + 32)
        << "\" text-anchor=\"middle\" class=\"axis\">" << std::to_string(m / 12) << "</text>";
    }
  }
  h << "</svg>";
}

// Horizontal bars: label, bar, value. `highlight` rows in dark blue.
struct BarRow {
  std::string label;
  double value;
  std::string value_text;
  std::string_view color;
  bool strong = false;
};

void BarChart(Html& h, const std::vector<BarRow>& rows, std::string_view title, double label_w) {
  const double width = 680, row_h = 26, top = 6, value_w = 90;
  const double height = top * 2 + row_h * static_cast<double>(rows.size());
  const double plot_w = width - label_w - value_w;
  double max = 0;
  for (const BarRow& r : rows) max = std::max(max, r.value);
  if (max <= 0) max = 1;
  h << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << Px(width)
    << " " << Px(height) << "\" role=\"img\"><title>" << HtmlEscape(title) << "</title>";
  for (size_t i = 0; i < rows.size(); ++i) {
    const BarRow& r = rows[i];
    const double y = top + row_h * static_cast<double>(i);
    const double w = std::max(plot_w * r.value / max, r.value > 0 ? 2.0 : 0.0);
    std::string label = r.label;
    if (label.size() > 34) label = label.substr(0, 32) + "…";
    h << "<text x=\"" << Px(label_w - 8) << "\" y=\"" << Px(y + row_h / 2 + 4)
      << "\" text-anchor=\"end\" class=\"label" << (r.strong ? " strong" : "") << "\">"
      << HtmlEscape(label) << "</text>";
    h << "<rect x=\"" << Px(label_w) << "\" y=\"" << Px(y + 4) << "\" width=\"" << Px(w)
      << "\" height=\"" << Px(row_h - 8) << "\" fill=\"" << r.color << "\" rx=\"2\"/>";
    h << "<text x=\"" << Px(label_w + w + 6) << "\" y=\"" << Px(y + row_h / 2 + 4)
      << "\" class=\"value" << (r.strong ? " strong" : "") << "\">" << HtmlEscape(r.value_text)
      << "</text>";
  }
  h << "</svg>";
}

constexpr char kCss[] = R"css(
*{box-sizing:border-box}
body{margin:0;background:#F1F5F9;color:#1E293B;font-family:"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif;font-size:15px;line-height:1.45}
main{max-width:760px;margin:0 auto;padding:28px 24px 40px;background:#FFFFFF}
header{border-bottom:3px solid #0072B2;padding-bottom:12px;margin-bottom:20px}
.kicker{color:#475569;font-size:13px;text-transform:uppercase;letter-spacing:.06em;margin:0}
h1{font-size:30px;margin:4px 0 0;line-height:1.2}
.period{font-size:18px;color:#334155;margin:2px 0 0}
h2{font-size:17px;margin:28px 0 8px;color:#0F172A;border-left:4px solid #0072B2;padding-left:8px}
.cards{display:grid;grid-template-columns:repeat(2,1fr);gap:12px}
.card{border:1px solid #E2E8F0;border-radius:8px;padding:12px 14px;background:#F8FAFC}
.card .label{font-size:13px;color:#475569;margin:0}
.card .big{font-size:30px;font-weight:700;margin:2px 0;color:#0F172A}
.card .unit{font-size:16px;font-weight:600;color:#475569}
.card .sub{font-size:13px;color:#334155;margin:0}
.up{color:#B45309;font-weight:600}
.down{color:#0369A1;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:6px 8px;border-bottom:1px solid #E2E8F0;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{color:#475569;font-weight:600;border-bottom:2px solid #CBD5E1}
.chart{width:100%;height:auto;display:block}
.chart text{font-family:inherit}
.axis{font-size:11px;fill:#64748B}
.label{font-size:12px;fill:#334155}
.value{font-size:12px;fill:#0F172A}
.strong{font-weight:700;fill:#0F172A}
.legend{font-size:13px;color:#334155;margin:6px 0 0}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
.note{font-size:13px;color:#475569}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;font-weight:700}
.met{background:#DBEAFE;color:#1E3A8A}
.notmet{background:#FFEDD5;color:#9A3412}
.na{background:#E2E8F0;color:#334155}
.quality{border:1px solid #CBD5E1;border-radius:8px;padding:10px 14px;background:#F8FAFC}
.quality ul{margin:4px 0 0;padding-left:18px}
.targets td:last-child{white-space:nowrap}
details{margin-top:24px;font-size:13px;color:#334155}
summary{cursor:pointer;color:#0369A1}
footer{margin-top:28px;font-size:12px;color:#64748B;border-top:1px solid #E2E8F0;padding-top:10px}
)css";

// "−4,0 % vs mars 2017" with the arrow class: more paper is orange (up), less is blue (down).
std::string ChangeSpan(std::optional<double> pct, L lang) {
  if (!pct) return "<span>" + std::string(kMissingValue) + "</span>";
  const char* cls = *pct > 0.05 ? "up" : *pct < -0.05 ? "down" : "";
  const char* arrow = *pct > 0.05 ? "▲ " : *pct < -0.05 ? "▼ " : "";
  return std::string("<span class=\"") + cls + "\">" + arrow + FormatPercent(pct, lang, true) +
         "</span>";
}

std::string Badge(const TargetStatus& t, L lang) {
  if (!t.value) {
    return "<span class=\"badge na\">" + Tr(lang, "non évaluable", "not available") + "</span>";
  }
  return t.met ? "<span class=\"badge met\">✔ " + Tr(lang, "atteint", "met") + "</span>"
               : "<span class=\"badge notmet\">✖ " + Tr(lang, "non atteint", "not met") + "</span>";
}

// The report as a whole document or (`whole_document` false) the content of its <main> element,
// for a page of one's own; `other_directions` false leaves out the ranking chart, which names
// the other directions and their figures.
std::string RenderReport(const MonthlyReport& r, const ScopeMonth& s, L lang,
                         const ReportSettings& settings, bool whole_document,
                         bool other_directions) {
  const std::vector<Figure> figures = Figures(r, s);
  auto fig = [&](std::string_view key) -> const Figure& {
    for (const Figure& f : figures) {
      if (f.key == key) return f;
    }
    static const Figure kNone{};
    return kNone;
  };
  // A number shown to people, with its machine value in data-key/data-value.
  auto cell = [&](std::string_view tag, std::string_view key, std::string_view cls = "") {
    const Figure& f = fig(key);
    std::string shown;
    switch (f.kind) {
      case Kind::kKg:
        // kg per workstation is small (tenths of a kilogram a month): two decimals.
        shown = FormatOptional(f.value,
                               key == "kg_per_workstation"  ? 2
                               : f.value && *f.value >= 100 ? 0
                                                            : 1,
                               lang);
        break;
      case Kind::kPercent:
        shown = FormatPercent(f.value, lang);
        break;
      case Kind::kCount:
        shown = f.value ? FormatCount(static_cast<int64_t>(*f.value), lang)
                        : std::string(kMissingValue);
        break;
      case Kind::kNumber:
        shown = FormatOptional(f.value, 1, lang);
        break;
      case Kind::kText:
        shown = HtmlEscape(f.text);
        break;
    }
    std::string out = "<" + std::string(tag);
    if (!cls.empty()) out += " class=\"" + std::string(cls) + "\"";
    out += " data-key=\"" + Attr(f.key) + "\" data-value=\"" +
           (f.kind == Kind::kText ? Attr(f.text) : MachineValue(f.value)) + "\">" + shown + "</" +
           std::string(tag) + ">";
    return out;
  };

  const int32_t this_month = MonthIndex(r.year, r.month);
  const std::string month_label = MonthLabel(this_month, lang);
  const std::string year_before_label = MonthLabel(this_month - 12, lang);
  const std::string dir_name =
      s.direction.empty() ? Tr(lang, "Organisation", "Organisation") : s.direction;
  Html h(lang);
  if (whole_document) {
    h << "<!DOCTYPE html>\n<html lang=\"" << (lang == L::kFrench ? "fr" : "en")
      << "\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n<meta charset=\"utf-8\"/>\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>"
      << Tr(lang, "Impressions", "Printing") << " — " << HtmlEscape(dir_name) << " — "
      << month_label << "</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n<main>\n";
  }

  // Header.
  h << "<header><p class=\"kicker\">";
  if (!settings.organisation_name.empty()) h.Text(settings.organisation_name) << " · ";
  h << Tr(lang, "Rapport mensuel des impressions", "Monthly printing report") << "</p><h1>"
    << (s.direction.empty() ? "" : Tr(lang, "Direction ", "Direction ")) << HtmlEscape(dir_name)
    << "</h1><p class=\"period\">" << month_label << "</p></header>\n";

  // Headline cards.
  h << "<section class=\"cards\">";
  h << "<div class=\"card\"><p class=\"label\">" << Tr(lang, "Papier consommé", "Paper used")
    << "</p><p class=\"big\">" << cell("span", "paper_kg") << " <span class=\"unit\">kg</span></p>"
    << "<p class=\"sub\">" << ChangeSpan(s.paper_change_pct, lang) << " "
    << Tr(lang, "par rapport à ", "compared with ") << year_before_label << "</p></div>";
  h << "<div class=\"card\"><p class=\"label\">" << Tr(lang, "Feuilles imprimées", "Sheets printed")
    << "</p><p class=\"big\">" << cell("span", "sheets") << "</p><p class=\"sub\">"
    << ChangeSpan(s.sheets_change_pct, lang) << " " << Tr(lang, "par rapport à ", "compared with ")
    << year_before_label << "</p></div>";
  h << "<div class=\"card\"><p class=\"label\">"
    << Tr(lang, "Papier par poste de travail", "Paper per workstation") << "</p><p class=\"big\">"
    << cell("span", "kg_per_workstation") << " <span class=\"unit\">kg</span></p><p class=\"sub\">";
  if (s.rank) {
    h << (lang == L::kFrench ? (*s.rank == 1 ? "1re" : std::to_string(*s.rank) + "e")
                             : "#" + std::to_string(*s.rank))
      << Tr(lang, " sur ", " of ") << std::to_string(r.ranking.size())
      << Tr(lang, " directions (1re = la plus sobre)", " directions (#1 uses least)");
  } else {
    h << Tr(lang, "Nombre de postes de travail inconnu", "Workstation count unknown");
  }
  h << "</p></div>";
  h << "<div class=\"card\"><p class=\"label\">"
    << Tr(lang, "Part de papier recyclé", "Recycled-paper share") << "</p><p class=\"big\">"
    << cell("span", "recycled_share_pct") << "</p><p class=\"sub\">"
    << Tr(lang, "Objectif ≥ ", "Target ≥ ")
    << FormatPercent(s.recycled_target.target, lang, false, 0)
    << (s.recycled_target.source == TargetStatus::Source::kPurchases
            ? Tr(lang, ", mesuré sur les achats depuis janvier (",
                 ", checked on purchases since January (") +
                  FormatPercent(s.recycled_target.value, lang) + ")"
            : std::string())
    << " : " << Badge(s.recycled_target, lang) << "</p></div>";
  h << "</section>\n";

  // The month against the same month a year earlier.
  h << "<h2>" << Tr(lang, "Le mois en chiffres", "The month in figures") << "</h2>"
    << "<table><thead><tr><th></th><th>" << month_label << "</th><th>" << year_before_label
    << "</th><th>" << Tr(lang, "Évolution", "Change") << "</th></tr></thead><tbody>";
  h << "<tr><td>" << Tr(lang, "Feuilles imprimées", "Sheets printed") << "</td>"
    << cell("td", "sheets") << cell("td", "sheets_year_before") << "<td>"
    << ChangeSpan(s.sheets_change_pct, lang) << "</td></tr>";
  h << "<tr><td>" << Tr(lang, "Papier (kg)", "Paper (kg)") << "</td>" << cell("td", "paper_kg")
    << cell("td", "paper_kg_year_before") << "<td>" << ChangeSpan(s.paper_change_pct, lang)
    << "</td></tr>";
  auto share_row = [&](std::string_view fr, std::string_view en, std::string_view key,
                       std::optional<double> now, std::optional<double> before) {
    h << "<tr><td>" << Tr(lang, fr, en) << "</td>" << cell("td", key)
      << cell("td", std::string(key) + "_year_before") << "<td>"
      << (now && before ? FormatPoints(*now - *before, lang) : std::string(kMissingValue))
      << "</td></tr>";
  };
  share_row("Part recto verso", "Two-sided share", "two_sided_share_pct",
            s.month.TwoSidedSharePct(), s.month_year_before.TwoSidedSharePct());
  share_row("Part couleur", "Colour share", "color_share_pct", s.month.ColorSharePct(),
            s.month_year_before.ColorSharePct());
  share_row("Part de papier recyclé", "Recycled-paper share", "recycled_share_pct",
            s.month.RecycledSharePct(), s.month_year_before.RecycledSharePct());
  h << "</tbody></table>";
  const std::string ytd_label = std::string(MonthName(1, lang)) + "–" + month_label;
  const std::string ytd_prev_label = std::string(MonthName(1, lang)) + "–" + year_before_label;
  h << "<h2>" << Tr(lang, "Depuis le début de l'année", "Year to date") << "</h2>"
    << "<table><thead><tr><th></th><th>" << ytd_label << "</th><th>" << ytd_prev_label
    << "</th><th>" << Tr(lang, "Évolution", "Change") << "</th></tr></thead><tbody>"
    << "<tr><td>" << Tr(lang, "Papier (kg)", "Paper (kg)") << "</td>" << cell("td", "paper_kg_ytd")
    << cell("td", "paper_kg_ytd_previous") << "<td>" << ChangeSpan(s.year_to_date_change_pct, lang)
    << "</td></tr>"
    << "<tr><td>" << Tr(lang, "Feuilles imprimées", "Sheets printed") << "</td>"
    << cell("td", "sheets_ytd") << cell("td", "sheets_ytd_previous") << "<td>"
    << ChangeSpan(
           s.year_to_date_previous.sheets == 0
               ? std::nullopt
               : std::optional<double>((static_cast<double>(s.year_to_date.sheets) -
                                        static_cast<double>(s.year_to_date_previous.sheets)) /
                                       static_cast<double>(s.year_to_date_previous.sheets) * 100.0),
           lang)
    << "</td></tr></tbody></table>\n";

  // Trend.
  h << "<h2>" << Tr(lang, "Papier consommé sur 13 mois (kg)", "Paper used over 13 months (kg)")
    << "</h2>";
  TrendChart(h, s, lang);
  h << "<p class=\"legend\"><span class=\"swatch\" style=\"background:" << kBlue << "\"></span>"
    << month_label << "<span class=\"swatch\" style=\"background:" << kSkyBlue << "\"></span>"
    << year_before_label << "<span class=\"swatch\" style=\"background:" << kLightGrey
    << "\"></span>" << Tr(lang, "autres mois", "other months") << "</p>\n";

  // Devices.
  h << "<h2>"
    << Tr(lang, "Appareils de la direction, par volume du mois",
          "The direction's devices by volume this month")
    << "</h2>";
  h << "<p>" << Tr(lang, "En service fin ", "In service at the end of ") << month_label << " : "
    << cell("strong", "desktop_printers") << " "
    << Tr(lang, "imprimante(s) de bureau", "desktop printer(s)") << ", " << cell("strong", "mfps")
    << " " << Tr(lang, "copieur(s) multifonction(s)", "multifunction copier(s)") << ".</p>";
  if (s.devices.empty()) {
    h << "<p class=\"note\">"
      << Tr(lang, "Aucune impression ce mois-ci.", "Nothing printed this month.") << "</p>";
  } else {
    constexpr size_t kShown = 8;
    std::vector<BarRow> rows;
    int64_t rest = 0;
    size_t rest_count = 0;
    // Labels: the queue alone, unless two shown devices have the same queue name.
    auto queue_of = [](const std::string& name) { return name.substr(name.find('/') + 1); };
    std::vector<std::string> labels;
    for (size_t i = 0; i < s.devices.size() && i < kShown; ++i) {
      labels.push_back(queue_of(s.devices[i].name));
    }
    for (size_t i = 0; i < labels.size(); ++i) {
      if (std::count(labels.begin(), labels.end(), labels[i]) > 1) labels[i] = s.devices[i].name;
    }
    bool present[indicators::kDeviceClassCount] = {};
    bool unclassified_present = false;
    for (size_t i = 0; i < s.devices.size(); ++i) {
      const DeviceVolume& d = s.devices[i];
      if (i >= kShown) {
        rest += d.sheets;
        ++rest_count;
        continue;
      }
      if (d.classified && d.device_class != model::DeviceClass::kOther) {
        present[static_cast<int>(d.device_class)] = true;
      } else {
        unclassified_present = true;
      }
      rows.push_back(BarRow{labels[i], static_cast<double>(d.sheets),
                            FormatCount(d.sheets, lang) + Tr(lang, " f.", " sh."),
                            ClassColor(d.device_class, d.classified)});
    }
    if (rest_count > 0) {
      unclassified_present = true;
      rows.push_back(BarRow{
          Tr(lang, "autres appareils (", "other devices (") + std::to_string(rest_count) + ")",
          static_cast<double>(rest), FormatCount(rest, lang), kGrey});
    }
    BarChart(h, rows, Tr(lang, "Feuilles par appareil", "Sheets per device"), 230);
    h << "<p class=\"legend\">";
    for (model::DeviceClass c : {model::DeviceClass::kDesktopPrinter, model::DeviceClass::kMfp,
                                 model::DeviceClass::kPrintShop}) {
      if (!present[static_cast<int>(c)]) continue;
      h << "<span class=\"swatch\" style=\"background:" << ClassColor(c, true) << "\"></span>"
        << ClassName(c, true, lang);
    }
    if (unclassified_present) {
      h << "<span class=\"swatch\" style=\"background:" << kGrey << "\"></span>"
        << Tr(lang, "autre ou non classé", "other or unclassified");
    }
    h << "</p>";
  }

  // Position.
  h << "<h2>"
    << Tr(lang, "Position parmi les directions (kg par poste de travail)",
          "Position among directions (kg per workstation)")
    << "</h2>";
  if (r.ranking.empty()) {
    h << "<p class=\"note\">"
      << Tr(lang, "Aucune direction n'a de nombre de postes de travail pour ce mois.",
            "No direction has a workstation count for this month.")
      << "</p>";
  } else if (!other_directions) {
    h << "<p class=\"note\">"
      << Tr(lang, "Le classement des autres directions n'est pas affiché ici.",
            "The ranking of the other directions is not shown here.")
      << "</p>";
  } else {
    std::vector<BarRow> rows;
    for (const auto& [name, kg] : r.ranking) {
      const bool me = name == s.direction;
      rows.push_back(
          BarRow{name, kg, FormatNumber(kg, 2, lang) + " kg", me ? kBlue : kLightGrey, me});
    }
    BarChart(h, rows,
             Tr(lang, "kg par poste de travail, par direction", "kg per workstation, by direction"),
             200);
    h << "<p class=\"note\">"
      << Tr(lang,
            "Du plus sobre au plus consommateur ; la direction de ce rapport est en bleu foncé.",
            "From the lowest to the highest; this report's direction is in dark blue.")
      << "</p>";
  }

  // What the law measures: purchases and copier meters, when the store holds them.
  if (r.has_purchases || r.has_meter_readings) {
    h << "<h2>"
      << Tr(lang, "Papier acheté et compteurs des copieurs", "Paper bought and copier meters")
      << "</h2><table><tbody>";
    auto row = [&](std::string_view fr, std::string_view en, std::string_view key) {
      h << "<tr><td>" << Tr(lang, fr, en) << "</td>" << cell("td", key) << "</tr>";
    };
    if (r.has_purchases) {
      row("Papier acheté depuis janvier (kg, tous usages)",
          "Paper bought since January (kg, all uses)", "purchases_ytd_paper_kg");
      row("dont bureautique (kg)", "of which office use (kg)", "purchases_ytd_paper_kg_office");
      row("Évolution des achats de bureautique (mêmes mois, un an plus tôt)",
          "Change of office purchases (same months a year earlier)",
          "purchases_ytd_paper_change_pct");
      row("Part de papier recyclé acheté (masse)", "Recycled share of paper bought (mass)",
          "purchases_ytd_recycled_share_pct");
      row("Part de papier recyclé acheté (dépense HT)",
          "Recycled share of paper bought (spend excl. tax)",
          "purchases_ytd_recycled_spend_share_pct");
      row("Papier imprimé / papier acheté (peut dépasser 100 % : stock acheté avant)",
          "Paper printed / paper bought (may exceed 100 %: stock bought earlier)",
          "purchases_ytd_coverage_pct");
    }
    if (r.has_meter_readings) {
      row("Impressions aux compteurs, mois", "Meter impressions, month",
          "meters_month_impressions");
      row("dont vues par ramette", "of which captured by ramette",
          "meters_month_captured_impressions");
      row("Impressions non vues (copies au copieur), mois",
          "Uncaptured impressions (walk-up copies), month", "meters_month_uncaptured_impressions");
      row("Papier non vu, estimé (kg), mois", "Uncaptured paper, estimated (kg), month",
          "meters_month_uncaptured_kg_estimate");
      row("Impressions aux compteurs depuis janvier", "Meter impressions since January",
          "meters_ytd_impressions");
      row("Impressions non vues depuis janvier", "Uncaptured impressions since January",
          "meters_ytd_uncaptured_impressions");
      row("Papier non vu depuis janvier, estimé (kg)",
          "Uncaptured paper since January, estimated (kg)", "meters_ytd_uncaptured_kg_estimate");
    }
    h << "</tbody></table>\n";
  }

  // Environment and targets.
  const bool equivalents_bought = s.environment_source == TargetStatus::Source::kPurchases;
  h << "<h2>"
    << (equivalents_bought
            ? Tr(lang, "Équivalents environnementaux du papier acheté depuis janvier",
                 "Environmental equivalents of the paper bought since January")
            : Tr(lang, "Équivalents environnementaux du papier imprimé ce mois",
                 "Environmental equivalents of the paper printed this month"))
    << "</h2><table><tbody>"
    << "<tr><td>"
    << Tr(lang, "Émissions de gaz à effet de serre (kg CO2e)", "Greenhouse gas emissions (kg CO2e)")
    << "</td>" << cell("td", "co2e_kg") << "</tr>"
    << "<tr><td>"
    << Tr(lang, "Arbres abattus (papier non recyclé)", "Trees felled (non-recycled paper)")
    << "</td>" << cell("td", "trees") << "</tr>"
    << "<tr><td>"
    << Tr(lang, "Énergie de fabrication du papier (kWh)", "Energy to make the paper (kWh)")
    << "</td>" << cell("td", "energy_kwh") << "</tr></tbody></table>";
  h << "<h2>" << Tr(lang, "Objectifs", "Targets") << "</h2><table class=\"targets\"><tbody>";
  const bool target_on_purchases = s.recycled_target.source == TargetStatus::Source::kPurchases;
  h << "<tr><td>" << Tr(lang, "Papier recyclé ≥ ", "Recycled paper ≥ ")
    << FormatPercent(s.recycled_target.target, lang, false, 0)
    << (target_on_purchases
            ? Tr(lang, " du papier acheté depuis janvier (loi de transition énergétique, 2015)",
                 " of the paper bought since January (French energy-transition law, 2015)")
            : Tr(lang,
                 " de la masse imprimée ce mois (loi de transition énergétique, 2015 ; la loi "
                 "mesure les achats, non importés ici)",
                 " of the mass printed this month (French energy-transition law, 2015; the law "
                 "measures purchases, not imported here)"))
    << "</td>" << cell("td", "recycled_target_value_pct") << "<td>"
    << Badge(s.recycled_target, lang)
    << (s.recycled_target.gap ? " " + FormatPoints(*s.recycled_target.gap, lang) : std::string())
    << "</td></tr>";
  h << "<tr><td>" << Tr(lang, "Dépense en papier recyclé ≥ ", "Recycled-paper spend ≥ ")
    << FormatPercent(s.recycled_spend_target.target, lang, false, 0)
    << Tr(lang, " des achats HT depuis janvier (loi anti-gaspillage, 2020)",
          " of purchases excl. tax since January (French anti-waste law, 2020)")
    << "</td>" << cell("td", "recycled_spend_target_value_pct") << "<td>"
    << Badge(s.recycled_spend_target, lang)
    << (s.recycled_spend_target.gap ? " " + FormatPoints(*s.recycled_spend_target.gap, lang)
                                    : std::string())
    << "</td></tr>";
  h << "<tr><td>" << Tr(lang, "Papier depuis janvier : ", "Paper year to date: ")
    << FormatPercent(s.reduction_target.target, lang, true, 0);
  if (r.baseline_year != 0) {
    h << Tr(lang, " par rapport à ", " compared with ") << std::to_string(r.baseline_year);
  } else {
    h << Tr(lang, " (année de référence non configurée)", " (baseline year not configured)");
  }
  h << "</td>" << cell("td", "paper_change_vs_baseline_pct") << "<td>"
    << Badge(s.reduction_target, lang)
    << (s.reduction_target.gap ? " " + FormatPoints(*s.reduction_target.gap, lang) : std::string())
    << "</td></tr></tbody></table>\n";

  // Data quality.
  h << "<h2>" << Tr(lang, "Qualité des données", "Data quality") << "</h2><div class=\"quality\">"
    << "<p class=\"note\">"
    << Tr(lang, "Ces travaux sont comptés, mais leur attribution ou leur poids est approximatif :",
          "These jobs are counted, but their attribution or weight is approximate:")
    << "</p><ul>"
    << "<li>" << cell("strong", "jobs_on_unclassified_devices") << " "
    << Tr(lang,
          "travaux sur des files d'impression non classées (comptées en « autre », papier 80 g non "
          "recyclé)",
          "jobs on unclassified print queues (counted as “other”, 80 g non-recycled paper)")
    << "</li><li>" << cell("strong", "unknown_media_jobs") << " "
    << Tr(lang, "travaux au format de papier inconnu (comptés en A4)",
          "jobs with unknown paper size (counted as A4)")
    << "</li><li>" << cell("strong", "users_without_direction") << " "
    << Tr(lang, "utilisateur(s) sans direction dans l'annuaire, ",
          "user(s) without a direction "
          "in the directory, ")
    << Tr(lang, "et ", "and ") << cell("strong", "jobs_without_user_direction") << " "
    << Tr(lang,
          "travaux sans direction d'utilisateur (utilisateurs hors annuaire ou inconnus), "
          "attribués à la direction de l'appareil",
          "jobs without a user direction (users missing from the directory or unknown), "
          "attributed to the device's direction")
    << "</li><li>" << cell("strong", "oversized_media_jobs") << " "
    << Tr(lang, "travaux sur un papier plus grand que A0, comptés tels quels : à vérifier",
          "jobs on sheets larger than A0, counted as they are: check their paper size")
    << "</li><li>" << cell("strong", "large_jobs") << " " << Tr(lang, "travaux de ", "jobs of ")
    << std::to_string(settings.large_job_sheets)
    << Tr(lang, " feuilles ou plus, comptés tels quels : à vérifier (boucle, nombre de copies)",
          " sheets or more, counted as they are: check them (a loop, a copy count)")
    << "</li></ul></div>\n";

  // Every figure of the CSV, for readers who want the detail (and programs): folded away.
  h << "<details><summary>"
    << Tr(lang, "Tous les chiffres du rapport (comme dans le fichier CSV joint)",
          "All the figures of this report (as in the attached CSV file)")
    << "</summary><table><tbody>";
  for (const Figure& f : figures) {
    h << "<tr><td>" << HtmlEscape(lang == L::kFrench ? f.label_fr : f.label_en) << "</td>"
      << cell("td", f.key) << "<td>" << Unit(f.kind) << "</td></tr>";
  }
  h << "</tbody></table></details>\n";

  h << "<footer>"
    << Tr(lang,
          "Masse = feuilles × surface × grammage du papier chargé. Feuilles, papier et kg par "
          "poste excluent "
          "les appareils de reprographie (comme les indicateurs I1 et I5) ; les parts et les "
          "équivalents "
          "portent sur tous les appareils. Aucun chiffre individuel ni titre de document ne figure "
          "dans ce "
          "rapport. Facteurs : ",
          "Mass = sheets × area × grammage of the loaded paper. Sheets, paper and kg per "
          "workstation exclude "
          "print-shop devices (as indicators I1 and I5); shares and equivalents cover every "
          "device. No "
          "individual figure or document title appears in this report. Factors: ")
    << FormatNumber(settings.environment.co2e_kg_per_kg, 3, lang)
    << Tr(lang, " kg CO2e/kg (recyclé ", " kg CO2e/kg (recycled ")
    << FormatNumber(settings.environment.co2e_kg_per_kg_recycled, 3, lang) << "), "
    << FormatCount(static_cast<int64_t>(std::llround(settings.environment.a4_sheets_per_tree)),
                   lang)
    << Tr(lang, " feuilles A4 par arbre, ", " A4 sheets per tree, ")
    << FormatNumber(settings.environment.kwh_per_kg, 1, lang) << " kWh/kg. "
    << Tr(lang, "Produit par ramette.", "Produced by ramette.") << "</footer>\n";
  if (whole_document) h << "</main>\n</body>\n</html>\n";
  return std::move(h.str());
}

}  // namespace

std::string RenderMonthlyReportHtml(const MonthlyReport& r, const ScopeMonth& s, L lang,
                                    const ReportSettings& settings) {
  return RenderReport(r, s, lang, settings, /*whole_document=*/true, /*other_directions=*/true);
}

std::string RenderMonthlyReportCsv(const MonthlyReport& r, const ScopeMonth& s, L lang) {
  const indicators::CsvConventions conv =
      lang == L::kFrench ? indicators::kCsvFrench : indicators::kCsvEnglish;
  const char sep = conv.separator;
  std::string out = lang == L::kFrench ? "\xEF\xBB\xBF" : "";
  out += lang == L::kFrench ? "clé;libellé;valeur;unité\r\n" : "key,label,value,unit\r\n";
  for (const Figure& f : Figures(r, s)) {
    std::string value;
    if (f.kind == Kind::kText) {
      std::string_view text = f.text;
      if (lang == L::kFrench && text == "yes") text = "oui";
      if (lang == L::kFrench && text == "no") text = "non";
      value = CsvTextCell(text, sep);
    } else {
      value = CsvNumber(f.value, CsvDecimals(f.kind), conv);  // never quoted or neutralised
    }
    out += CsvTextCell(f.key, sep);
    out += sep;
    out += CsvTextCell(lang == L::kFrench ? f.label_fr : f.label_en, sep);
    out += sep;
    out += value;
    out += sep;
    out += Unit(f.kind);
    out += "\r\n";
  }
  return out;
}

std::string DirectionFileName(std::string_view direction) {
  constexpr size_t kMaxBytes = 64;
  std::string name;
  for (char c : AsciiTransliteration(direction, '_')) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) c = '_';
    if (c == '_' && (name.empty() || name.back() == '_')) continue;  // one '_' per gap
    name += c;
    if (name.size() == kMaxBytes) break;
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  std::string folded;
  for (char c : name) folded += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (name == direction && folded != "organisation") return name;
  // Changed on the way (or the totals' name): the FNV-1a hash of the exact name keeps it unique,
  // and the same for every run.
  uint32_t hash = 2166136261u;
  for (unsigned char c : direction) hash = (hash ^ c) * 16777619u;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  return (name.empty() ? std::string("direction") : name) + "-" + hex;
}

std::string ReportFileStem(const MonthlyReport& r, const ScopeMonth& s) {
  return "ramette-" + MonthIso(MonthIndex(r.year, r.month)) + "-" +
         (s.direction.empty() ? std::string("organisation") : DirectionFileName(s.direction));
}

std::string RenderMonthlyReportBody(const MonthlyReport& r, const ScopeMonth& s, L lang,
                                    const ReportSettings& settings, bool other_directions) {
  return RenderReport(r, s, lang, settings, /*whole_document=*/false, other_directions);
}

std::string_view MonthlyReportCss() { return kCss; }

std::string RenderTrendChart(const ScopeMonth& s, L lang) {
  Html h(lang);
  TrendChart(h, s, lang);
  return std::move(h.str());
}

}  // namespace ramette::aggregator::reports
