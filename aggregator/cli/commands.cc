// Imports and indicators: read the input, call the core, talk to the store, print.
#include "aggregator/cli/commands.h"

#include <sys/stat.h>

#include <set>

#include "aggregator/imports/csv_import.h"
#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/status/server_status.h"
#include "aggregator/store/sqlite_store.h"

namespace ramette::aggregator {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

template <typename T>
int Report(const Result<T>& r, std::ostream& err) {
  err << "ramette: " << r.status().message() << "\n";
  return 1;
}

// Opens an existing database; nullptr (and the error written) otherwise.
std::unique_ptr<SqliteStore> OpenExisting(const std::string& db, std::ostream& err) {
  if (!FileExists(db)) {
    err << "ramette: no database at " << db << " (use --db PATH)\n";
    return nullptr;
  }
  auto store = SqliteStore::Open(db);
  if (!store.ok()) {
    err << "ramette: cannot open database " << db << ": " << store.status().message() << "\n";
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace

int RunImport(const std::string& db, const std::string& kind, const std::string& file,
              std::ostream& out, std::ostream& err) {
  auto content = ReadFileContent(file);
  if (!content.ok()) return Report(content, err);
  auto store = SqliteStore::Open(db);
  if (!store.ok()) {
    err << "ramette: cannot open database " << db << ": " << store.status().message() << "\n";
    return 1;
  }
  Status applied;
  size_t rows = 0;
  if (kind == "papers") {
    auto parsed = ParsePapersCsv(*content, file);
    if (!parsed.ok()) return Report(parsed, err);
    rows = parsed->size();
    applied = (*store)->UpsertPapers(*parsed);
  } else if (kind == "devices") {
    auto known = (*store)->KnownPaperIds();
    if (!known.ok()) return Report(known, err);
    std::set<std::string> ids(known->begin(), known->end());
    auto parsed = ParseDevicesCsv(*content, file, ids);
    if (!parsed.ok()) return Report(parsed, err);
    rows = parsed->size();
    applied = (*store)->UpsertDevices(*parsed);
  } else if (kind == "users") {
    auto parsed = ParseUsersCsv(*content, file);
    if (!parsed.ok()) return Report(parsed, err);
    rows = parsed->size();
    applied = (*store)->ReplaceUserDirections(*parsed);
  } else if (kind == "workstations") {
    auto parsed = ParseWorkstationsCsv(*content, file);
    if (!parsed.ok()) return Report(parsed, err);
    rows = parsed->size();
    applied = (*store)->UpsertWorkstations(*parsed);
  } else {
    err << "ramette: unknown import kind '" << kind
        << "' (expected papers, devices, users or workstations)\n";
    return 2;
  }
  if (!applied.ok()) {
    err << "ramette: " << file << ": nothing imported: " << applied.message() << "\n";
    return 1;
  }
  out << "imported " << rows << " row" << (rows == 1 ? "" : "s") << " of " << kind << " from "
      << file << "\n";
  return 0;
}

int RunIndicators(const std::string& db, int year, const std::optional<std::string>& direction,
                  const std::string& format, std::ostream& out, std::ostream& err) {
  if (format != "table" && format != "csv" && format != "json") {
    err << "ramette: unknown format '" << format << "' (expected table, csv or json)\n";
    return 2;
  }
  if (!FileExists(db)) {
    err << "ramette: no database at " << db << " (use --db PATH)\n";
    return 1;
  }
  auto store = SqliteStore::Open(db);
  if (!store.ok()) {
    err << "ramette: cannot open database " << db << ": " << store.status().message() << "\n";
    return 1;
  }
  auto report = ComputeIndicators(**store, year);
  if (!report.ok()) return Report(report, err);
  IndicatorReport shown = *report;
  if (direction) {
    auto filtered = FilterDirection(*report, *direction);
    if (!filtered.ok()) return Report(filtered, err);
    shown = *filtered;
  }
  if (format == "json") {
    out << FormatIndicatorsJson(shown) << "\n";
  } else if (format == "csv") {
    out << FormatIndicatorsCsv(shown);
  } else {
    out << FormatIndicatorsTable(shown);
  }
  return 0;
}

int RunStatus(const std::string& db, const std::string& silent_after, const std::string& format,
              int64_t now, std::ostream& out, std::ostream& err) {
  if (format != "table" && format != "json") {
    err << "ramette: unknown format '" << format << "' (expected table or json)\n";
    return 2;
  }
  auto silent = ParseStatusDuration(silent_after);
  if (!silent.ok()) {
    err << "ramette: --silent-after: " << silent.status().message() << "\n";
    return 2;
  }
  auto store = OpenExisting(db, err);
  if (store == nullptr) return 1;
  // Days and months are the organisation's, as stored with the data.
  std::string zone = store->StoredTimeZone();
  auto tz = TimeZone::Load(zone.empty() ? "Europe/Paris" : zone);
  if (!tz.ok()) return Report(tz, err);
  auto servers = store->ServerStatuses(PeriodsAt(now, *tz));
  if (!servers.ok()) return Report(servers, err);
  if (format == "json") {
    out << FormatStatusJson(*servers, now, *silent);
  } else {
    out << FormatStatusTable(*servers, now, *silent, *tz);
  }
  for (const auto& s : *servers) {
    if (IsSilent(s, now, *silent)) return 3;
  }
  return 0;
}

int RunBackup(const std::string& db, const std::string& file, std::ostream& out,
              std::ostream& err) {
  auto store = OpenExisting(db, err);
  if (store == nullptr) return 1;
  if (Status s = store->Backup(file); !s.ok()) {
    err << "ramette: backup of " << db << " failed: " << s.message() << "\n";
    return 1;
  }
  out << "backed up " << db << " to " << file << "\n";
  return 0;
}

}  // namespace ramette::aggregator
