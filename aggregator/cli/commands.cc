// Imports, indicators, reports and the export: read the input, call the core, talk to the
// store (and the SMTP relay), print.
#include "aggregator/cli/commands.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

#include "aggregator/auth/agent_token.h"
#include "aggregator/cli/commands_internal.h"
#include "aggregator/config/aggregator_config.h"
#include "aggregator/directory/directory_sync.h"
#include "aggregator/directory/ldap_directory.h"
#include "aggregator/imports/csv_import.h"
#include "aggregator/imports/paper_source_import.h"
#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/reports/curl_mail_sender.h"
#include "aggregator/reports/delivery.h"
#include "aggregator/reports/indicator_export.h"
#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/monthly_report_render.h"
#include "aggregator/status/server_status.h"
#include "aggregator/store/open_store.h"
#include "aggregator/store/store_copy.h"
#include "aggregator/store/store_location.h"
#include "common/atomic_file.h"
#include "common/civil_time.h"
#include "common/utf8.h"

namespace ramette::aggregator::cli {
namespace {

template <typename T>
int Report(const Result<T>& r, std::ostream& err) {
  err << "ramette: " << r.status().message() << "\n";
  return 1;
}

// Flushes `out`: false, with *error set to the system's reason (EIO when unknown), when it or
// an earlier write to it failed.
bool FlushOutput(std::ostream& out, int* error) {
  if (out.good()) {
    errno = 0;
    out.flush();
  }
  if (!out.fail()) return true;
  *error = errno != 0 ? errno : EIO;
  return false;
}

}  // namespace

int FinishOutput(std::ostream& out, std::ostream& err, int code) {
  int error = 0;
  if (FlushOutput(out, &error)) return code;
  err << "ramette: cannot write to standard output: " << std::strerror(error) << "\n";
  return kExitIoError;
}

std::unique_ptr<store::Store> OpenOrReport(const std::string& db, store::OpenMode mode,
                                           std::ostream& err, int* exit_code) {
  auto store = store::OpenStore(db, mode);
  if (!store.ok()) {
    err << "ramette: " << store.status().message() << "\n";
    *exit_code = store::ExitCodeForOpenError(store.status());
    return nullptr;
  }
  return std::move(store).value();
}

std::string UtcTime(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm_utc {};
  gmtime_r(&t, &tm_utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  return buf;
}

namespace {

// Rows per batch of an import handed to the store in batches: a few hundred kilobytes.
constexpr size_t kImportBatchRows = 4096;

// "YYYY-MM" (a real month) or "last" (the previous month in `tz` now).
Result<std::pair<int, int>> ParseMonth(const std::string& text, const std::string& tz_name) {
  if (text == "last") {
    Result<TimeZone> tz = TimeZone::Load(tz_name);
    if (!tz.ok()) return tz.status();
    const CivilDate today = CivilFromDays(tz->LocalDay(std::time(nullptr)));
    return today.month == 1 ? std::make_pair(today.year - 1, 12)
                            : std::make_pair(today.year, today.month - 1);
  }
  int year = 0, month = 0;
  char tail = 0;
  if (text.size() != 7 || text[4] != '-' ||
      std::sscanf(text.c_str(), "%4d-%2d%c", &year, &month, &tail) != 2 || month < 1 ||
      month > 12 || year < 2) {
    return Status::InvalidArgument("bad month '" + text + "' (expected YYYY-MM or last)");
  }
  return std::make_pair(year, month);
}

}  // namespace

int RunImport(const std::string& db, const std::string& kind, const std::string& file,
              std::ostream& out, std::ostream& err) {
  auto content = imports::ReadFileContent(file);
  if (!content.ok()) return Report(content, err);
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kCreate, err, &code);
  if (store == nullptr) return code;
  store::InventoryStore& inventory = store->inventory();
  Status applied;
  size_t rows = 0;
  if (kind == "papers") {
    auto parsed = imports::ParsePapersCsv(*content, file);
    if (!parsed.ok()) return Report(parsed, err);
    rows = parsed->size();
    applied = inventory.UpsertPapers(*parsed);
  } else if (kind == "devices") {
    auto known = inventory.KnownPaperIds();
    if (!known.ok()) return Report(known, err);
    std::set<std::string> ids(known->begin(), known->end());
    auto checked = imports::CheckDevicesCsv(*content, file, ids);  // then batches, as users
    if (!checked.ok()) return Report(checked, err);
    rows = *checked;
    applied = inventory.UpsertDeviceBatches([&](const store::DeviceBatchVisitor& visit) {
      return imports::ForEachDevicesCsvBatch(*content, file, ids, kImportBatchRows, visit);
    });
  } else if (kind == "users") {
    // Names as the aggregator's [users] rule, recorded in the database, normalises them.
    auto rule = store->StoredUserNameRule();
    if (!rule.ok()) return Report(rule, err);
    // Checked first, then read again in batches while the store writes them (issue 12: a
    // million rows never in memory at once).
    auto checked = imports::CheckUsersCsv(*content, file, *rule);
    if (!checked.ok()) return Report(checked, err);
    rows = *checked;
    applied =
        inventory.ReplaceUserDirectionBatches([&](const store::UserDirectionBatchVisitor& visit) {
          return imports::ForEachUsersCsvBatch(*content, file, *rule, kImportBatchRows, visit);
        });
  } else if (kind == "workstations") {
    auto checked = imports::CheckWorkstationsCsv(*content, file);  // then batches, as users
    if (!checked.ok()) return Report(checked, err);
    rows = *checked;
    applied = inventory.UpsertWorkstationBatches([&](const store::WorkstationBatchVisitor& visit) {
      return imports::ForEachWorkstationsCsvBatch(*content, file, kImportBatchRows, visit);
    });
  } else if (kind == "directions") {
    auto parsed = imports::ParseDirectionsCsv(*content, file);
    if (!parsed.ok()) return Report(parsed, err);
    rows = parsed->size();
    applied = inventory.ReplaceDirectionContacts(*parsed);
  } else if (kind == "purchases") {
    auto known = inventory.KnownPaperIds();
    if (!known.ok()) return Report(known, err);
    std::set<std::string> ids(known->begin(), known->end());
    auto checked = imports::CheckPurchasesCsv(*content, file, ids);  // then batches, as users
    if (!checked.ok()) return Report(checked, err);
    rows = *checked;
    applied = inventory.ReplacePurchaseBatches([&](const store::PurchaseBatchVisitor& visit) {
      return imports::ForEachPurchasesCsvBatch(*content, file, ids, kImportBatchRows, visit);
    });
  } else if (kind == "meters") {
    // The counter rule reads the devices' service periods and the stored readings; the
    // readings of the devices the file names are stored again with their counters.
    auto stored = store->usage().LoadInventory();
    if (!stored.ok()) return Report(stored, err);
    auto readings = store->usage().LoadMeterReadings();
    if (!readings.ok()) return Report(readings, err);
    // Checked into 24 bytes a reading, which hold what the file and the stored readings of its
    // devices give; both are freed before the counted readings go to the store in batches.
    auto checked = imports::CheckMetersCsv(*content, file, stored->devices, *readings);
    if (!checked.ok()) return Report(checked, err);
    std::string().swap(*content);
    std::vector<model::MeterReading>().swap(*readings);
    rows = checked->file_rows();
    applied =
        inventory.UpsertMeterReadingBatches([&](const store::MeterReadingBatchVisitor& visit) {
          return checked->ForEachCountedBatch(stored->devices, kImportBatchRows, visit);
        });
  } else {
    err << "ramette: unknown import kind '" << kind
        << "' (expected papers, devices, users, workstations, directions, purchases or meters)\n";
    return 2;
  }
  if (!applied.ok()) {
    err << "ramette: " << file << ": nothing imported: " << applied.message() << "\n";
    return 1;
  }
  out << "imported " << rows << " row" << (rows == 1 ? "" : "s") << " of " << kind << " from "
      << file << "\n";
  return FinishOutput(out, err, 0);
}

namespace {

// The [indicators] options of the configuration at `config_path` (defaults when empty); false
// after writing the error when it cannot be read.
bool LoadIndicatorOptions(const std::string& config_path, indicators::IndicatorOptions* options,
                          std::ostream& err) {
  if (config_path.empty()) return true;
  auto loaded = config::LoadAggregatorConfig(config_path);
  if (!loaded.ok()) {
    err << "ramette: " << loaded.status().message() << "\n";
    return false;
  }
  if (loaded->paper_source == "purchases") {
    options->paper_source = indicators::PaperSource::kPurchases;
  }
  options->large_job_sheets = loaded->report.large_job_sheets;
  return true;
}

}  // namespace

int RunIndicators(const std::string& db, int year, const std::optional<std::string>& direction,
                  const std::string& format, std::ostream& out, std::ostream& err,
                  const std::string& config_path) {
  if (format != "table" && format != "csv" && format != "json") {
    err << "ramette: unknown format '" << format << "' (expected table, csv or json)\n";
    return 2;
  }
  indicators::IndicatorOptions options;
  if (!LoadIndicatorOptions(config_path, &options, err)) return kExitConfig;
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  auto report = indicators::ComputeIndicators(store->usage(), year, options);
  if (!report.ok()) return Report(report, err);
  indicators::IndicatorReport shown = *report;
  if (direction) {
    auto filtered = indicators::FilterDirection(*report, *direction);
    if (!filtered.ok()) return Report(filtered, err);
    shown = *filtered;
  }
  if (format == "json") {
    out << indicators::FormatIndicatorsJson(shown) << "\n";
  } else if (format == "csv") {
    out << indicators::FormatIndicatorsCsv(shown);
  } else {
    out << indicators::FormatIndicatorsTable(shown);
  }
  return FinishOutput(out, err, 0);
}

int RunReportMonthly(const std::string& db, const std::string& config_path,
                     const std::string& month_text, const std::optional<std::string>& direction,
                     const std::string& lang_code, const std::string& out_dir, bool send,
                     std::ostream& out, std::ostream& err) {
  std::optional<reports::ReportLanguage> lang = reports::ParseReportLanguage(lang_code);
  if (!lang) {
    err << "ramette: unknown language '" << lang_code << "' (expected fr or en)\n";
    return 2;
  }
  config::AggregatorConfig config;
  if (!config_path.empty()) {
    auto loaded = config::LoadAggregatorConfig(config_path);
    if (!loaded.ok()) {
      err << "ramette: " << loaded.status().message() << "\n";
      return kExitConfig;
    }
    config = *loaded;
  }
  if (send && (config.smtp.url.empty() || config.smtp.from.empty())) {
    err << "ramette: --send needs [smtp] url and from in the configuration (--config FILE)\n";
    return kExitConfig;
  }
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  // One zone for the whole CLI: the one the stored days were computed in (as `status` does).
  // The configuration changes it explicitly, through the aggregator (EnsureTimeZone at start).
  std::string zone = store->StoredTimeZone();
  if (zone.empty()) {
    zone = config.time_zone;
  } else if (!config_path.empty() && config.time_zone != zone) {
    err << "ramette: note: the stored data is in time zone " << zone << "; [organisation] "
        << "time_zone = " << config.time_zone << " applies when ramette-aggregator next starts\n";
  }
  auto month = ParseMonth(month_text, zone);
  if (!month.ok()) {
    err << "ramette: " << month.status().message() << "\n";
    return 2;
  }
  auto report =
      reports::ComputeMonthlyReport(store->usage(), month->first, month->second, config.report);
  if (!report.ok()) return Report(report, err);
  reports::MonthlyReport shown = *report;
  if (direction) {
    auto filtered = reports::FilterReportDirection(*report, *direction);
    if (!filtered.ok()) return Report(filtered, err);
    shown = *filtered;
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    err << "ramette: cannot create " << out_dir << ": " << ec.message() << "\n";
    return 1;
  }
  std::vector<reports::ReportMail> mails;
  std::set<std::string> stems;
  int unwritten = 0;  // directions whose files could not be written: exit 75, the timer retries
  const std::string month_label = reports::MonthLabel(MonthIndex(shown.year, shown.month), *lang);
  for (const reports::ScopeMonth& scope : shown.directions) {
    std::string stem = reports::ReportFileStem(shown, scope);
    for (int n = 2; !stems.insert(stem).second; ++n) {
      stem = reports::ReportFileStem(shown, scope) + "-" + std::to_string(n);
    }
    const std::string html = reports::RenderMonthlyReportHtml(shown, scope, *lang, config.report);
    const std::string csv = reports::RenderMonthlyReportCsv(shown, scope, *lang);
    const std::string base = (std::filesystem::path(out_dir) / stem).string();
    bool written = true;
    for (const auto& [path, content] : {std::pair{base + ".html", &html}, {base + ".csv", &csv}}) {
      Status st = WriteFileAtomically(path, *content);
      if (!st.ok()) {
        // One direction's file must not stop the others' reports and e-mails.
        const std::string whose = scope.direction.empty() ? std::string("the organisation")
                                                          : "direction " + ForLog(scope.direction);
        err << "ramette: the report of " << whose << " is not written, nor sent: " << st.message()
            << "\n";
        written = false;
        break;
      }
      out << "wrote " << path << "\n";
    }
    if (!written) {
      ++unwritten;
      continue;
    }
    reports::ReportMail mail;
    mail.direction = scope.direction;
    mail.subject =
        (*lang == reports::ReportLanguage::kFrench ? "Vos impressions de " : "Your printing in ") +
        month_label + " — " + scope.direction;
    mail.html_body = html;
    mail.attachments.push_back(
        reports::MailAttachment{stem + ".html", "text/html; charset=utf-8", html});
    mail.attachments.push_back(
        reports::MailAttachment{stem + ".csv", "text/csv; charset=utf-8", csv});
    mails.push_back(std::move(mail));
  }
  if (!send) return FinishOutput(out, err, unwritten == 0 ? 0 : kExitSendFailed);

  reports::CurlMailSender sender(config.smtp);
  auto outcome =
      reports::DeliverReports(mails, MonthIndex(shown.year, shown.month), config.smtp.from,
                              std::time(nullptr), sender, store->delivery());
  if (!outcome.ok()) {
    err << "ramette: sending stopped: " << outcome.status().message() << "\n";
    return 1;
  }
  for (const auto& [dir, to] : outcome->sent) out << "sent " << dir << " report to " << to << "\n";
  for (const auto& [dir, to] : outcome->already_sent) {
    out << "already sent " << dir << " report to " << to << "\n";
  }
  for (const std::string& dir : outcome->directions_without_address) {
    out << "no address for direction " << dir << ": report written, not sent\n";
  }
  for (const reports::SendFailure& f : outcome->failed) {
    err << "ramette: could not send the " << f.direction << " report to " << f.recipient << ": "
        << f.error << " (the next run tries again)\n";
  }
  return FinishOutput(out, err, outcome->failed.empty() && unwritten == 0 ? 0 : kExitSendFailed);
}

int RunExportIndicators(const std::string& db, int year, const std::string& format,
                        const std::string& out_file, std::ostream& out, std::ostream& err,
                        const std::string& config_path) {
  if (format != "csv-fr" && format != "csv-en" && format != "json") {
    err << "ramette: unknown format '" << format << "' (expected csv-fr, csv-en or json)\n";
    return 2;
  }
  indicators::IndicatorOptions options;
  if (!LoadIndicatorOptions(config_path, &options, err)) return kExitConfig;
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  auto history = reports::ComputeIndicatorHistory(store->usage(), year, options);
  if (!history.ok()) return Report(history, err);
  const std::string text = format == "json"
                               ? reports::FormatIndicatorExportJson(*history) + "\n"
                               : reports::FormatIndicatorExportCsv(*history, format == "csv-fr");
  if (out_file.empty()) {
    out << text;
    return FinishOutput(out, err, 0);
  }
  Status st = WriteFileAtomically(out_file, text);
  if (!st.ok()) {
    err << "ramette: " << st.message() << "\n";
    return 1;
  }
  return 0;
}

int RunStatus(const std::string& db, const std::string& silent_after, const std::string& format,
              int64_t now, std::ostream& out, std::ostream& err) {
  if (format != "table" && format != "json") {
    err << "ramette: unknown format '" << format << "' (expected table or json)\n";
    return 2;
  }
  auto silent = status::ParseStatusDuration(silent_after);
  if (!silent.ok()) {
    err << "ramette: --silent-after: " << silent.status().message() << "\n";
    return 2;
  }
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  // Days and months are the organisation's, as stored with the data.
  std::string zone = store->StoredTimeZone();
  auto tz = TimeZone::Load(zone.empty() ? "Europe/Paris" : zone);
  if (!tz.ok()) return Report(tz, err);
  auto servers = store->status().ServerStatuses(status::PeriodsAt(now, *tz), /*count_jobs=*/true);
  if (!servers.ok()) return Report(servers, err);
  auto sync = store->directory().LastDirectorySync();
  if (!sync.ok()) return Report(sync, err);
  if (format == "json") {
    out << status::FormatStatusJson(*servers, now, *silent, *sync);
  } else {
    out << status::FormatStatusTable(*servers, now, *silent, *tz);
    out << status::FormatDirectorySyncLine(*sync, now, *tz);
  }
  for (const auto& s : *servers) {
    if (status::IsSilent(s, now, *silent)) return FinishOutput(out, err, 3);
  }
  return FinishOutput(out, err, 0);
}

int RunBackup(const std::string& db, const std::string& file, std::ostream& out,
              std::ostream& err) {
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  if (Status s = store->Backup(file); !s.ok()) {
    err << "ramette: backup of " << store->Description() << " failed: " << s.message() << "\n";
    return 1;
  }
  out << "backed up " << store->Description() << " to " << file << "\n";
  return FinishOutput(out, err, 0);
}

int RunTokenCreate(const std::string& db, const std::string& server_id, int64_t now,
                   std::ostream& out, std::ostream& err) {
  if (server_id.empty()) {
    err << "ramette: token create needs --server-id NAME\n";
    return 2;
  }
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kCreate, err, &code);
  if (store == nullptr) return code;
  // A public id (8 hex digits of the hash) may collide with an existing one: draw again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    Result<std::string> token = auth::NewAgentToken();
    if (!token.ok()) {
      err << "ramette: " << token.status().message() << "\n";
      return 1;
    }
    Result<std::string> id =
        store->tokens().AddAgentToken(server_id, auth::HashAgentToken(*token), now);
    if (!id.ok() && id.status().code() == Status::Code::kFailedPrecondition) continue;
    if (!id.ok()) {
      err << "ramette: cannot store the token: " << id.status().message() << "\n";
      return 1;
    }
    out << *token << "\n";
    if (int error = 0; !FlushOutput(out, &error)) {
      err << "ramette: cannot write to standard output: " << std::strerror(error) << "\n"
          << "ramette: token " << *id << " was created for server id '" << server_id
          << "' but its only copy was not written: revoke it with `ramette token revoke " << *id
          << "`\n";
      return kExitIoError;
    }
    err << "ramette: token " << *id << " created for server id '" << server_id
        << "'. It is shown only this once: put it in the agent's token_file (mode 0600).\n";
    return 0;
  }
  err << "ramette: could not draw a token with a free id; try again\n";
  return 1;
}

int RunTokenList(const std::string& db, std::ostream& out, std::ostream& err) {
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  auto tokens = store->tokens().ListAgentTokens();
  if (!tokens.ok()) {
    err << "ramette: " << tokens.status().message() << "\n";
    return 1;
  }
  size_t width = 9;  // "SERVER ID"
  for (const store::AgentTokenInfo& t : *tokens) width = std::max(width, t.server_id.size());
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w - s.size(), ' '); };
  out << pad("ID", auth::kPublicTokenIdLength) << "  " << pad("SERVER ID", width) << "  "
      << pad("CREATED", 20) << "  REVOKED\n";
  for (const store::AgentTokenInfo& t : *tokens) {
    out << pad(t.id, auth::kPublicTokenIdLength) << "  " << pad(t.server_id, width) << "  "
        << UtcTime(t.created_at) << "  " << (t.revoked_at ? UtcTime(*t.revoked_at) : "-") << "\n";
  }
  return FinishOutput(out, err, 0);
}

int RunTokenRevoke(const std::string& db, const std::string& id, const std::string& server_id,
                   int64_t now, std::ostream& out, std::ostream& err) {
  if (id.empty() == server_id.empty()) {
    err << "ramette: token revoke takes a token ID or --server-id NAME (one of them)\n";
    return 2;
  }
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  auto revoked = store->tokens().RevokeAgentTokens(id, server_id, now);
  if (!revoked.ok()) {
    err << "ramette: " << revoked.status().message() << "\n";
    return 1;
  }
  const std::string what =
      id.empty() ? "valid token of server id '" + server_id + "'" : "valid token with id " + id;
  if (*revoked == 0) {
    err << "ramette: no " << what << " (see `ramette token list`)\n";
    return 1;
  }
  out << "revoked " << *revoked << " token" << (*revoked == 1 ? "" : "s") << " ("
      << (id.empty() ? "server id '" + server_id + "'" : "id " + id)
      << "); agents using it are refused from their next call\n";
  return FinishOutput(out, err, 0);
}

int RunStoreCopy(const std::string& from, const std::string& to, std::ostream& out,
                 std::ostream& err) {
  if (from == to) {
    err << "ramette: store copy: --from and --to name the same database ("
        << store::RedactedUri(from) << ")\n";
    return 2;
  }
  int code = 1;
  std::unique_ptr<store::Store> source = OpenOrReport(from, store::OpenMode::kExisting, err, &code);
  if (source == nullptr) return code;
  std::unique_ptr<store::Store> target = OpenOrReport(to, store::OpenMode::kCreate, err, &code);
  if (target == nullptr) return code;
  const std::string from_name = source->Description();
  const std::string to_name = target->Description();
  auto failed = [&](const Status& s) {
    err << "ramette: store copy from " << from_name << " to " << to_name
        << " failed: " << s.message() << "\n";
    return s.code() == Status::Code::kUnavailable ? 75 : 1;
  };
  Result<store::CopyReport> copied = store::CopyStore(*source, *target);
  if (!copied.ok()) return failed(copied.status());
  if (copied->conflict) {
    err << "ramette: store copy stopped at a conflict: " << copied->conflict->ToString()
        << "; nothing merged (" << copied->copied << " rows copied before it stay in the target)\n";
    return kExitDataError;
  }
  size_t tables_with_rows = 0;
  for (const store::CopyReport::Table& t : copied->tables) {
    if (t.copied > 0) ++tables_with_rows;
  }
  out << "copied " << copied->copied << " rows in " << tables_with_rows << " tables from "
      << from_name << " to " << to_name << " (" << copied->present << " already there)\n";
  const store::IndicatorsJson indicators = [](store::Store& store,
                                              int year) -> Result<std::string> {
    auto report = indicators::ComputeIndicators(store.usage(), year);
    if (!report.ok()) return report.status();
    return indicators::FormatIndicatorsJson(*report);
  };
  Result<store::VerifyReport> verified = store::VerifyCopy(*source, *target, indicators);
  if (!verified.ok()) return failed(verified.status());
  if (!verified->mismatch.empty()) {
    err << "ramette: store copy: verification failed: " << verified->mismatch << "\n";
    return kExitDataError;
  }
  out << "verified: counts of " << verified->tables << " tables";
  if (verified->years.empty()) {
    out << ", no year with jobs\n";
  } else if (verified->years.size() == 1) {
    out << ", indicators of year " << verified->years.front() << " identical\n";
  } else {
    out << ", indicators of years " << verified->years.front() << ".." << verified->years.back()
        << " identical\n";
  }
  return FinishOutput(out, err, 0);
}

int RunDirectorySyncCommand(const std::string& db, const std::string& config_path, bool dry_run,
                            bool force, const std::string& date, int64_t now, std::ostream& out,
                            std::ostream& err) {
  if (config_path.empty()) {
    err << "ramette: directory sync needs --config FILE with a [directory] table\n";
    return kExitConfig;
  }
  auto config = config::LoadAggregatorConfig(config_path);
  if (!config.ok()) {
    err << "ramette: " << config.status().message() << "\n";
    return kExitConfig;
  }
  const directory::DirectorySettings& settings = config->directory;
  if (!settings.configured) {
    err << "ramette: " << config_path << " has no [directory] table\n";
    return kExitConfig;
  }
  std::string password;
  if (!settings.bind_password_file.empty()) {
    auto read = directory::ReadBindPassword(settings.bind_password_file);
    if (!read.ok()) {
      err << "ramette: " << read.status().message() << "\n";
      return kExitConfig;
    }
    password = std::move(read).value();
  }
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  directory::SyncOptions options;
  options.now = now;
  options.dry_run = dry_run;
  options.force = force;
  if (date.empty()) {
    std::string zone = store->StoredTimeZone();
    auto tz = TimeZone::Load(zone.empty() ? config->time_zone : zone);
    if (!tz.ok()) return Report(tz, err);
    options.date = tz->LocalDay(now);
  } else {
    auto day = ParseIsoDate(date);
    if (!day.ok()) {
      err << "ramette: --date '" << date << "' is not YYYY-MM-DD\n";
      return 2;
    }
    options.date = *day;
  }
  auto reader = directory::LdapDirectory::Connect(settings, password);
  password.assign(password.size(), '\0');
  auto fail = [&](const Status& st) {
    err << "ramette: directory sync failed, nothing was written: " << st.message() << "\n";
    if (st.code() == Status::Code::kUnavailable) return kExitSendFailed;
    return 1;
  };
  if (!reader.ok()) return fail(reader.status());
  auto outcome = directory::RunDirectorySync(*store, **reader, settings, options);
  if (!outcome.ok()) return fail(outcome.status());
  out << directory::FormatSyncOutcome(*outcome);
  if (!outcome->guard.ok()) {
    err << "ramette: directory sync stopped: " << outcome->guard.message() << "\n";
    return FinishOutput(out, err, kExitDataError);
  }
  return FinishOutput(out, err, 0);
}

}  // namespace ramette::aggregator::cli
