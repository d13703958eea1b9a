// One list of rows (scope, indicator, three values) feeds both the CSV and the JSON.
#include "aggregator/reports/indicator_export.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>

#include "aggregator/reports/report_text.h"
#include "common/csv_cell.h"

namespace ramette::aggregator::reports {
namespace {

enum class Unit { kPercent, kKg, kCount };

struct Row {
  std::string scope;
  std::string key;
  std::string label_fr;
  std::string label_en;
  Unit unit;
  std::optional<double> values[3];
};

struct Spec {
  const char* key;
  const char* fr;
  const char* en;
  Unit unit;
  std::optional<double> (*get)(const indicators::ScopeFigures&);
};

std::optional<double> D(std::optional<int64_t> v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

const Spec kSpecs[] = {
    {"paper_change_pct", "I1 Évolution de la consommation de papier (hors reprographie)",
     "I1 Paper consumption change (excluding print shop)", Unit::kPercent,
     [](const indicators::ScopeFigures& f) { return f.paper_change_pct; }},
    {"recycled_share_pct", "I2 Part de papier recyclé", "I2 Recycled-paper share", Unit::kPercent,
     [](const indicators::ScopeFigures& f) { return f.recycled_share_pct; }},
    {"desktop_printers_change_pct", "I3 Évolution du nombre d'imprimantes de bureau",
     "I3 Desktop-printer count change", Unit::kPercent,
     [](const indicators::ScopeFigures& f) { return f.desktop_printers_change_pct; }},
    {"mfp_change_pct", "I4 Évolution du nombre de copieurs multifonctions",
     "I4 Multifunction-copier count change", Unit::kPercent,
     [](const indicators::ScopeFigures& f) { return f.mfp_change_pct; }},
    {"kg_per_workstation", "I5 Papier par poste de travail (hors reprographie)",
     "I5 Paper per workstation (excluding print shop)", Unit::kKg,
     [](const indicators::ScopeFigures& f) { return f.kg_per_workstation; }},
    {"paper_kg", "Papier consommé (hors reprographie)", "Paper used (excluding print shop)",
     Unit::kKg,
     [](const indicators::ScopeFigures& f) { return std::optional<double>(f.paper_kg); }},
    {"paper_kg_all_devices", "Papier consommé (tous appareils)", "Paper used (all devices)",
     Unit::kKg,
     [](const indicators::ScopeFigures& f) {
       return std::optional<double>(f.paper_kg_all_devices);
     }},
    {"recycled_kg", "Papier recyclé (tous appareils)", "Recycled paper (all devices)", Unit::kKg,
     [](const indicators::ScopeFigures& f) { return std::optional<double>(f.recycled_kg); }},
    {"sheets", "Feuilles (hors reprographie)", "Sheets (excluding print shop)", Unit::kCount,
     [](const indicators::ScopeFigures& f) { return D(f.sheets); }},
    {"workstations", "Postes de travail au 31 décembre", "Workstations on 31 December",
     Unit::kCount, [](const indicators::ScopeFigures& f) { return D(f.workstations); }},
    {"desktop_printers", "Imprimantes de bureau en service au 31 décembre",
     "Desktop printers in service on 31 December", Unit::kCount,
     [](const indicators::ScopeFigures& f) { return D(f.desktop_printers); }},
    {"mfps", "Copieurs multifonctions en service au 31 décembre",
     "Multifunction copiers in service on 31 December", Unit::kCount,
     [](const indicators::ScopeFigures& f) { return D(f.mfps); }},
};

// What the law measures (DESIGN.md): the purchase rows, each naming its source, after the
// rows above and only when one of the years has purchases (an export without purchases is
// unchanged).
const Spec kPurchaseSpecs[] = {
    {"purchases_paper_kg", "Papier acheté (tous usages) — source : achats",
     "Paper bought (all uses) — source: purchases", Unit::kKg,
     [](const indicators::ScopeFigures& f) { return f.purchases.paper_kg; }},
    {"purchases_paper_kg_office", "Papier de bureau acheté — source : achats",
     "Office paper bought — source: purchases", Unit::kKg,
     [](const indicators::ScopeFigures& f) { return f.purchases.paper_kg_office; }},
    {"purchases_paper_change_pct", "I1 Évolution du papier de bureau acheté — source : achats",
     "I1 Office paper bought change — source: purchases", Unit::kPercent,
     [](const indicators::ScopeFigures& f) { return f.purchases.paper_change_pct; }},
    {"purchases_recycled_share_pct", "I2 Part de papier recyclé acheté — source : achats",
     "I2 Recycled share of paper bought — source: purchases", Unit::kPercent,
     [](const indicators::ScopeFigures& f) { return f.purchases.recycled_share_pct; }},
    {"purchases_recycled_spend_share_pct",
     "Part de la dépense HT en papier recyclé — source : achats",
     "Recycled share of spend excluding tax — source: purchases", Unit::kPercent,
     [](const indicators::ScopeFigures& f) { return f.purchases.recycled_spend_share_pct; }},
    {"purchases_coverage_pct",
     "Couverture (papier imprimé / papier acheté) — sources : impression et achats",
     "Coverage (paper printed / paper bought) — sources: printing and purchases", Unit::kPercent,
     [](const indicators::ScopeFigures& f) { return f.purchases.coverage_pct; }},
};

std::vector<Row> Rows(const IndicatorHistory& h) {
  bool with_purchases = false;
  bool from_purchases = false;
  for (const indicators::IndicatorReport& r : h.years) {
    with_purchases = with_purchases || r.organisation.purchases.HasPurchases();
    from_purchases = from_purchases || r.paper_source == indicators::PaperSource::kPurchases;
  }
  // Scopes: the organisation, then every direction of any of the years, in the order of the
  // latest year, then the others (byte order) — `unassigned` last.
  std::vector<std::string> scopes;
  std::set<std::string> seen;
  for (auto it = h.years.rbegin(); it != h.years.rend(); ++it) {
    for (const indicators::ScopeFigures& d : it->directions) {
      if (seen.insert(d.direction).second) scopes.push_back(d.direction);
    }
  }
  std::stable_partition(scopes.begin(), scopes.end(),
                        [](const std::string& s) { return s != model::kUnassignedDirection; });
  std::vector<Row> rows;
  auto add_scope = [&](const std::string& scope, auto figures_of) {
    auto add = [&](const Spec& spec) {
      Row row{scope, spec.key, spec.fr, spec.en, spec.unit, {}};
      // With paper_source = "purchases", I1 and I2 hold the purchase values: their labels say so.
      if (from_purchases && (std::string_view(spec.key) == "paper_change_pct" ||
                             std::string_view(spec.key) == "recycled_share_pct")) {
        row.label_fr += " — source : achats";
        row.label_en += " — source: purchases";
      }
      for (size_t y = 0; y < h.years.size() && y < 3; ++y) {
        const indicators::ScopeFigures* f = figures_of(h.years[y]);
        if (f != nullptr) row.values[y] = spec.get(*f);
      }
      rows.push_back(std::move(row));
    };
    for (const Spec& spec : kSpecs) add(spec);
    if (with_purchases) {
      for (const Spec& spec : kPurchaseSpecs) add(spec);
    }
  };
  add_scope("organisation", [](const indicators::IndicatorReport& r) { return &r.organisation; });
  for (const std::string& scope : scopes) {
    add_scope(scope, [&](const indicators::IndicatorReport& r) -> const indicators::ScopeFigures* {
      for (const indicators::ScopeFigures& d : r.directions) {
        if (d.direction == scope) return &d;
      }
      return nullptr;
    });
  }
  return rows;
}

}  // namespace

Result<IndicatorHistory> ComputeIndicatorHistory(store::UsageSource& source, int year,
                                                 const indicators::IndicatorOptions& options) {
  if (year < 4) {
    return Status::InvalidArgument("bad year " + std::to_string(year) +
                                   " (N-2 must be a year from 2 on)");
  }
  IndicatorHistory h;
  for (int y = year - 2; y <= year; ++y) {
    Result<indicators::IndicatorReport> r = indicators::ComputeIndicators(source, y, options);
    if (!r.ok()) return r.status();
    h.years.push_back(std::move(r).value());
  }
  return h;
}

std::string FormatIndicatorExportCsv(const IndicatorHistory& h, bool french) {
  const indicators::CsvConventions conv = french ? indicators::kCsvFrench : indicators::kCsvEnglish;
  const char sep = conv.separator;
  std::string out = french ? "\xEF\xBB\xBF" : "";
  out += french ? "périmètre;indicateur;unité" : "scope,indicator,unit";
  for (const indicators::IndicatorReport& r : h.years) out += sep + std::to_string(r.year);
  out += "\r\n";
  for (const Row& row : Rows(h)) {
    out += CsvTextCell(row.scope, sep);
    out += sep;
    out += CsvTextCell(french ? row.label_fr : row.label_en, sep);
    out += sep;
    out += row.unit == Unit::kPercent ? "%" : row.unit == Unit::kKg ? "kg" : "";
    for (size_t y = 0; y < h.years.size() && y < 3; ++y) {
      out += sep;
      out += CsvNumber(row.values[y],
                       row.unit == Unit::kPercent ? 1
                       : row.unit == Unit::kKg    ? 2
                                                  : 0,
                       conv);
    }
    out += "\r\n";
  }
  return out;
}

std::string FormatIndicatorExportJson(const IndicatorHistory& h) {
  nlohmann::ordered_json j;
  j["years"] = nlohmann::ordered_json::array();
  for (const indicators::IndicatorReport& r : h.years) j["years"].push_back(r.year);
  j["rows"] = nlohmann::ordered_json::array();
  for (const Row& row : Rows(h)) {
    nlohmann::ordered_json o;
    o["scope"] = row.scope;
    o["key"] = row.key;
    o["indicator"] = row.label_en;
    o["unit"] = row.unit == Unit::kPercent ? "%" : row.unit == Unit::kKg ? "kg" : "";
    o["values"] = nlohmann::ordered_json::array();
    for (size_t y = 0; y < h.years.size() && y < 3; ++y) {
      if (row.values[y]) {
        o["values"].push_back(*row.values[y]);
      } else {
        o["values"].push_back(nullptr);
      }
    }
    j["rows"].push_back(std::move(o));
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace ramette::aggregator::reports
