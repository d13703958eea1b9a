// What the reports take from the configuration: environmental factors and targets. Plain
// structs with their defaults, so that the config adapter fills them and the core reads them.
#ifndef RAMETTE_AGGREGATOR_REPORTS_REPORT_SETTINGS_H_
#define RAMETTE_AGGREGATOR_REPORTS_REPORT_SETTINGS_H_

#include <cstdint>
#include <string>

#include "aggregator/store/usage_source.h"

namespace ramette::aggregator::reports {

// Factors turning printed paper mass into environmental equivalents ([environment] in the
// aggregator's TOML). The sources of the defaults are in packaging/aggregator.toml.
struct EnvironmentFactors {
  // kg CO2e per kg of paper: virgin-fibre office paper (UK government GHG conversion factors,
  // "Paper and board: paper", primary material production: 919.4 kg CO2e per tonne) and
  // recycled stock (same tables, closed-loop source).
  double co2e_kg_per_kg = 0.919;
  double co2e_kg_per_kg_recycled = 0.708;
  // A4 sheets (80 g/m², 4.9896 g each) of virgin paper per tree, as PaperCut's environmental
  // impact estimate counts; recycled stock counts no tree.
  double a4_sheets_per_tree = 8333;
  // kWh per kg of paper made: 17 Wh per A4 80 g/m² sheet (PaperCut's published formula)
  // = 3.4 kWh/kg. No public figure retained for recycled stock: the same, until set.
  double kwh_per_kg = 3.4;
  double kwh_per_kg_recycled = 3.4;
};

// Targets shown as met or not met ([targets]).
struct ReportTargets {
  // Recycled share, all devices (I2): of the paper bought since January when the scope has
  // purchases (the law measures purchases), else of the mass printed in the month. The law of 17
  // August 2015 on the energy transition (art. 79) sets 25 % from 2017 and 40 % from 2020 for
  // public bodies.
  double recycled_share_min_pct = 40;
  // Recycled share of the spend excluding tax on paper (purchases with an amount), at least
  // this percentage: the anti-waste law of 10 February 2020 (art. 58) and decree 2021-254.
  double recycled_spend_share_min_pct = 40;
  // Paper reduction: change of the mass (excluding print shop, as I1) against the same months
  // of the baseline year, at most this percentage. Baseline year 0: not configured.
  double paper_change_max_pct = -30;
  int baseline_year = 0;
};

// The SMTP relay the reports are sent through ([smtp]).
struct SmtpSettings {
  std::string url;   // "smtp://relay.example.org:587" (smtps:// for implicit TLS)
  std::string from;  // envelope and header sender
  std::string user;  // empty: no authentication
  std::string password;
  bool require_tls = false;  // true: refuse to send when the relay offers no STARTTLS
  long timeout_seconds = 60;
  std::string ca_file;  // PEM CA bundle to verify the relay with; empty: the system's
};

struct ReportSettings {
  EnvironmentFactors environment;
  ReportTargets targets;
  // [indicators] large_job_sheets: data quality counts the jobs of at least this many sheets
  // (100 or more; store::kDefaultLargeJobSheets).
  int64_t large_job_sheets = store::kDefaultLargeJobSheets;
  std::string organisation_name;  // shown in report titles; empty: not shown
};

}  // namespace ramette::aggregator::reports

#endif  // RAMETTE_AGGREGATOR_REPORTS_REPORT_SETTINGS_H_
