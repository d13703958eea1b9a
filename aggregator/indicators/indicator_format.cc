// The three renderings of an IndicatorReport share one list of fields (key, label, kind), so
// that JSON, CSV and table always show the same figures under the same names.
#include "aggregator/indicators/indicator_format.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "common/csv_cell.h"

namespace ramette::aggregator::indicators {
namespace {

enum class Kind {
  kChangePercent,  // I1, I3, I4: one decimal, signed in the table
  kPercent,        // one decimal
  kKg,             // two decimals
  kInteger,
};

struct Field {
  std::string_view key;
  std::string_view label;  // table header; empty: not in the table
  Kind kind;
  std::optional<double> number;    // kChangePercent, kPercent, kKg
  std::optional<int64_t> integer;  // kInteger
};

std::vector<Field> Fields(const ScopeFigures& f) {
  auto num = [](std::string_view key, std::string_view label, Kind kind, std::optional<double> v) {
    return Field{key, label, kind, v, std::nullopt};
  };
  auto integer = [](std::string_view key, std::string_view label, std::optional<int64_t> v) {
    return Field{key, label, Kind::kInteger, std::nullopt, v};
  };
  return {
      num("paper_change_pct", "I1 paper change %", Kind::kChangePercent, f.paper_change_pct),
      num("recycled_share_pct", "I2 recycled share %", Kind::kPercent, f.recycled_share_pct),
      num("desktop_printers_change_pct", "I3 desktop printers change %", Kind::kChangePercent,
          f.desktop_printers_change_pct),
      num("mfp_change_pct", "I4 MFP change %", Kind::kChangePercent, f.mfp_change_pct),
      num("kg_per_workstation", "I5 kg per workstation", Kind::kKg, f.kg_per_workstation),
      num("paper_kg", "paper kg", Kind::kKg, f.paper_kg),
      num("paper_kg_all_devices", "paper kg all devices", Kind::kKg, f.paper_kg_all_devices),
      integer("sheets", "sheets", f.sheets),
      integer("workstations", "workstations", f.workstations),
      integer("desktop_printers", "desktop printers", f.desktop_printers),
      integer("mfps", "MFPs", f.mfps),
      integer("sheets_all_devices", "", f.sheets_all_devices),
      num("paper_kg_previous_year", "", Kind::kKg, f.paper_kg_previous_year),
      num("recycled_kg", "", Kind::kKg, f.recycled_kg),
      integer("desktop_printers_previous_year", "", f.desktop_printers_previous_year),
      integer("mfps_previous_year", "", f.mfps_previous_year),
      integer("unknown_media_jobs", "", f.unknown_media_jobs),
      integer("jobs_on_unclassified_devices", "", f.jobs_on_unclassified_devices),
      integer("jobs_without_user_direction", "", f.jobs_without_user_direction),
      integer("oversized_media_jobs", "", f.oversized_media_jobs),
      integer("large_jobs", "", f.large_jobs),
  };
}

// The `purchases` and `meters` objects of a scope (DESIGN.md), in this order; the CSV names them
// purchases_KEY and meters_KEY after every other column.
std::vector<Field> PurchaseFields(const ScopeFigures& f) {
  const PurchaseFigures& p = f.purchases;
  return {
      Field{"paper_kg", "", Kind::kKg, p.paper_kg, std::nullopt},
      Field{"paper_kg_office", "", Kind::kKg, p.paper_kg_office, std::nullopt},
      Field{"paper_change_pct", "", Kind::kChangePercent, p.paper_change_pct, std::nullopt},
      Field{"recycled_share_pct", "", Kind::kPercent, p.recycled_share_pct, std::nullopt},
      Field{"recycled_spend_share_pct", "", Kind::kPercent, p.recycled_spend_share_pct,
            std::nullopt},
      Field{"coverage_pct", "", Kind::kPercent, p.coverage_pct, std::nullopt},
  };
}

std::vector<Field> MeterFields(const ScopeFigures& f) {
  const MeterFigures& m = f.meters;
  return {
      Field{"meter_impressions", "", Kind::kInteger, std::nullopt, m.meter_impressions},
      Field{"captured_impressions", "", Kind::kInteger, std::nullopt, m.captured_impressions},
      Field{"uncaptured_impressions", "", Kind::kInteger, std::nullopt, m.uncaptured_impressions},
      Field{"uncaptured_kg_estimate", "", Kind::kKg, m.uncaptured_kg_estimate, std::nullopt},
  };
}

// The rounded text of a field ("" when missing): one decimal for percentages, two for kg,
// never "-0.0"; `signed_changes` writes "+" before positive changes.
std::string Rounded(const Field& field, char decimal_mark, bool signed_changes) {
  char buf[64];
  if (field.kind == Kind::kInteger) {
    if (!field.integer) return "";
    std::snprintf(buf, sizeof buf, "%" PRId64, *field.integer);
    return buf;
  }
  if (!field.number) return "";
  const char* format = field.kind == Kind::kKg ? "%.2f" : "%.1f";
  if (signed_changes && field.kind == Kind::kChangePercent) {
    format = "%+.1f";
  }
  std::snprintf(buf, sizeof buf, format, *field.number);
  std::string text = buf;
  if (text.find_first_of("123456789") == std::string::npos && (text[0] == '-' || text[0] == '+')) {
    text.erase(0, 1);  // -0.0 and +0.0 are 0.0
  }
  if (decimal_mark != '.') std::replace(text.begin(), text.end(), '.', decimal_mark);
  return text;
}

void AddJsonFields(const std::vector<Field>& fields, nlohmann::ordered_json& j) {
  for (const Field& field : fields) {
    const std::string key(field.key);
    if (field.kind == Kind::kInteger) {
      j[key] = field.integer ? nlohmann::ordered_json(*field.integer) : nullptr;
    } else {
      j[key] = field.number ? nlohmann::ordered_json(*field.number) : nullptr;
    }
  }
}

nlohmann::ordered_json ScopeJson(const ScopeFigures& f, bool with_direction) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (with_direction) j["direction"] = f.direction;
  AddJsonFields(Fields(f), j);
  nlohmann::ordered_json purchases = nlohmann::ordered_json::object();
  AddJsonFields(PurchaseFields(f), purchases);
  j["purchases"] = std::move(purchases);
  nlohmann::ordered_json meters = nlohmann::ordered_json::object();
  AddJsonFields(MeterFields(f), meters);
  j["meters"] = std::move(meters);
  return j;
}

// Width of UTF-8 text in code points (continuation bytes do not count).
size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Pad(const std::string& text, size_t width, bool right_align) {
  const size_t n = CodePoints(text);
  const std::string padding(n < width ? width - n : 0, ' ');
  return right_align ? padding + text : text + padding;
}

constexpr std::string_view kMissing = "—";
constexpr std::string_view kOrganisation = "organisation";

}  // namespace

std::string FormatIndicatorsJson(const IndicatorReport& report) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["year"] = report.year;
  j["organisation"] = ScopeJson(report.organisation, /*with_direction=*/false);
  nlohmann::ordered_json directions = nlohmann::ordered_json::array();
  for (const ScopeFigures& d : report.directions) {
    directions.push_back(ScopeJson(d, /*with_direction=*/true));
  }
  j["directions"] = std::move(directions);
  j["unclassified_queues"] = report.unclassified_queues;
  j["large_job_sheets"] = report.large_job_sheets;
  j["paper_source"] = std::string(PaperSourceName(report.paper_source));
  return j.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string FormatIndicatorsCsv(const IndicatorReport& report, const CsvConventions& conventions) {
  const char sep = conventions.separator;
  std::string out = "scope";
  for (const Field& field : Fields(report.organisation)) {
    out += sep;
    out += field.key;
  }
  for (const Field& field : PurchaseFields(report.organisation)) {
    out += sep;
    out += "purchases_";
    out += field.key;
  }
  for (const Field& field : MeterFields(report.organisation)) {
    out += sep;
    out += "meters_";
    out += field.key;
  }
  out += sep;
  out += "paper_source";
  out += '\n';
  auto row = [&](const std::string& scope, const ScopeFigures& f) {
    out += CsvTextCell(scope, sep);
    for (const std::vector<Field>& fields : {Fields(f), PurchaseFields(f), MeterFields(f)}) {
      for (const Field& field : fields) {
        out += sep;
        out += Rounded(field, conventions.decimal_mark, /*signed_changes=*/false);
      }
    }
    out += sep;
    out += PaperSourceName(report.paper_source);
    out += '\n';
  };
  row(std::string(kOrganisation), report.organisation);
  for (const ScopeFigures& d : report.directions) row(d.direction, d);
  return out;
}

std::string FormatIndicatorsTable(const IndicatorReport& report) {
  // Cells: row 0 is the header, then one row per scope; column 0 is the scope.
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"scope"};
  for (const Field& field : Fields(report.organisation)) {
    if (!field.label.empty()) header.emplace_back(field.label);
  }
  rows.push_back(std::move(header));
  auto add = [&](const std::string& scope, const ScopeFigures& f) {
    std::vector<std::string> cells = {scope};
    for (const Field& field : Fields(f)) {
      if (field.label.empty()) continue;
      std::string text = Rounded(field, '.', /*signed_changes=*/true);
      cells.push_back(text.empty() ? std::string(kMissing) : text);
    }
    rows.push_back(std::move(cells));
  };
  add(std::string(kOrganisation), report.organisation);
  for (const ScopeFigures& d : report.directions) add(d.direction, d);

  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& cells : rows) {
    for (size_t c = 0; c < cells.size(); ++c) widths[c] = std::max(widths[c], CodePoints(cells[c]));
  }
  std::string out = "Paper indicators " + std::to_string(report.year) + "\n\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      if (c > 0) out += "  ";
      out += Pad(rows[r][c], widths[c], /*right_align=*/c > 0);
    }
    out += '\n';
    if (r == 0) {
      for (size_t c = 0; c < widths.size(); ++c) {
        if (c > 0) out += "  ";
        out += std::string(widths[c], '-');
      }
      out += '\n';
    }
  }
  const ScopeFigures& org = report.organisation;
  out += "\nData quality " + std::to_string(report.year) + ": " +
         std::to_string(org.unknown_media_jobs) + " jobs with unknown media (counted as A4), " +
         std::to_string(org.jobs_on_unclassified_devices) +
         " jobs on unclassified devices (counted as other), " +
         std::to_string(org.jobs_without_user_direction) + " jobs without a user direction, " +
         std::to_string(org.oversized_media_jobs) +
         " jobs on sheets larger than A0 (counted; check their media), " +
         std::to_string(org.large_jobs) + " jobs of " + std::to_string(report.large_job_sheets) +
         " sheets or more (counted; check them).\n";
  std::string queues;
  for (const std::string& q : report.unclassified_queues) {
    queues += (queues.empty() ? "" : ", ") + q;
  }
  out += "Unclassified queues: " + (queues.empty() ? std::string("none") : queues) + ".\n";
  // What the law measures (DESIGN.md): the source of I1 and I2 once there are purchases or it is
  // not the default (the table of an organisation without purchases is unchanged), then the
  // purchases and meters when there are any.
  if (report.paper_source == PaperSource::kPurchases) {
    out += "Paper source: purchases (I1 and I2 measure the paper bought, as the law does).\n";
  } else if (org.purchases.HasPurchases()) {
    out +=
        "Paper source: printing (I1 and I2 measure the paper printed; the law measures the "
        "paper bought).\n";
  }
  auto text = [](const Field& field) {
    const std::string t = Rounded(field, '.', /*signed_changes=*/true);
    return t.empty() ? std::string(kMissing) : t;
  };
  if (org.purchases.HasPurchases()) {
    const std::vector<Field> p = PurchaseFields(org);
    out += "Purchases " + std::to_string(report.year) + ": " + text(p[0]) + " kg bought (" +
           text(p[1]) + " kg office), I1 " + text(p[2]) + " %, I2 " + text(p[3]) + " % recycled, " +
           text(p[4]) + " % of spend on recycled paper, coverage " + text(p[5]) +
           " % (paper printed / paper bought).\n";
  }
  if (org.meters.devices > 0 || org.meters.devices_without_start_reading > 0) {
    const std::vector<Field> m = MeterFields(org);
    out += "Meters " + std::to_string(report.year) + ": " + text(m[0]) +
           " impressions counted by device meters, " + text(m[1]) + " captured from CUPS, " +
           text(m[2]) + " uncaptured (about " + text(m[3]) + " kg), on " +
           std::to_string(org.meters.devices) + " devices; " +
           std::to_string(org.meters.devices_without_start_reading) +
           " devices left out (first reading inside the year).\n";
  }
  return out;
}

}  // namespace ramette::aggregator::indicators
