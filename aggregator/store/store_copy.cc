// The copy between stores: the table list, the batch loop that compares and inserts, the
// conflict rule and the verification.
#include "aggregator/store/store_copy.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "aggregator/store/store_rules.h"
#include "common/civil_time.h"

namespace ramette::aggregator::store {

namespace {

constexpr CopyType kInt = CopyType::kInt;
constexpr CopyType kBool = CopyType::kBool;
constexpr CopyType kReal = CopyType::kReal;
constexpr CopyType kText = CopyType::kText;

std::vector<CopyTable> MakeTables() {
  return {
      {"meta", {{"key", kText}, {"value", kText}}, 1, {}},
      {"servers",
       {{"id", kInt},
        {"name", kText},
        {"agent_version", kText},
        {"first_contact", kInt},
        {"last_contact", kInt},
        {"outbox_records", kInt},
        {"outbox_oldest", kInt},
        {"status_at", kInt}},
       1,
       {{{"name"}, ""}}},
      {"devices",
       {{"id", kInt},
        {"server", kText},
        {"queue", kText},
        {"uuid", kText},
        {"make_model", kText},
        {"device_uri", kText},
        {"location", kText},
        {"description", kText},
        {"color_supported", kBool},
        {"duplex_supported", kBool},
        {"printer_type", kInt},
        {"deleted", kBool},
        {"first_seen", kInt},
        {"last_seen", kInt},
        {"media_default", kText},
        {"sides_default", kText}},
       1,
       {{{"server", "queue"}, ""}}},
      {"users", {{"id", kInt}, {"name", kText}}, 1, {{{"name"}, ""}}},
      {"papers", {{"paper_id", kText}, {"recycled", kBool}, {"grammage_gsm", kReal}}, 1, {}},
      {"device_periods",
       {{"id", kInt},
        {"device_id", kInt},
        {"class", kText},
        {"direction", kText},
        {"paper_id", kText},
        {"in_service", kInt},
        {"out_of_service", kInt}},
       1,
       {}},
      {"user_directions",
       {{"id", kInt},
        {"user", kText},
        {"direction", kText},
        {"valid_from", kInt},
        {"valid_to", kInt},
        {"source", kText}},
       1,
       {}},
      {"workstations", {{"direction", kText}, {"date", kInt}, {"count", kInt}}, 2, {}},
      {"purchases",
       {{"id", kInt},
        {"date", kInt},
        {"direction", kText},
        {"paper_id", kText},
        {"format", kText},
        {"quantity", kReal},
        {"unit", kText},
        {"amount_cents", kInt},
        {"use", kText}},
       1,
       {}},
      {"meter_devices",
       {{"id", kInt},
        {"server", kText},
        {"queue", kText},
        {"first_date", kInt},
        {"last_date", kInt},
        {"last_counter", kInt}},
       1,
       {{{"server", "queue"}, ""}}},
      {"meter_readings",
       {{"device", kInt}, {"date", kInt}, {"total_impressions", kInt}, {"counter", kInt}},
       2,
       {}},
      {"directory_syncs",
       {{"id", kInt},
        {"synced_at", kInt},
        {"sync_date", kInt},
        {"users_seen", kInt},
        {"added", kInt},
        {"moved", kInt},
        {"closed", kInt},
        {"unmapped", kInt},
        {"skipped", kInt}},
       1,
       {}},
      {"direction_emails", {{"direction", kText}, {"email", kText}}, 2, {}},
      {"jobs",
       {{"id", kInt},
        {"server_id", kInt},
        {"device_id", kInt},
        {"cups_job_id", kInt},
        {"job_uuid", kText},
        {"user_id", kInt},
        {"client_host", kText},
        {"created_at", kInt},
        {"completed_at", kInt},
        {"state", kInt},
        {"copies", kInt},
        {"sides", kInt},
        {"media", kText},
        {"color_mode", kInt},
        {"number_up", kInt},
        {"impressions", kInt},
        {"cups_sheets", kInt},
        {"title", kText},
        {"source", kInt},
        {"sheets", kInt},
        {"area_um2", kInt},
        {"media_known", kBool},
        {"local_day", kInt},
        {"received_at", kInt},
        {"media_from_queue", kBool},
        {"run", kInt},
        {"job_impressions", kInt}},
       1,
       // One job, one record (store_rules.h): same server, CUPS job id and run, completed
       // within the duplicate window.
       {{{"server_id", "cups_job_id", "run", "completed_at"}, "completed_at"}}},
      {"quarantine",
       {{"id", kInt},
        {"server", kText},
        {"received_at", kInt},
        {"reason", kText},
        {"record", kText}},
       1,
       {{{"server", "reason", "record"}, ""}}},
      {"report_sends",
       {{"direction", kText}, {"month", kInt}, {"recipient", kText}, {"sent_at", kInt}},
       3,
       {}},
      {"agent_tokens",
       {{"id", kText},
        {"hash", kText},
        {"server", kText},
        {"created_at", kInt},
        {"revoked_at", kInt}},
       1,
       {{{"hash"}, ""}}},
      {"web_accounts",
       {{"name", kText},
        {"role", kText},
        {"direction", kText},
        {"password_hash", kText},
        {"created_at", kInt},
        {"updated_at", kInt}},
       1,
       {}},
  };
}

size_t ColumnIndex(const CopyTable& t, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].name == name) return i;
  }
  return t.columns.size();  // CopiedTables() names only its own columns
}

CopyRow KeyOf(const CopyTable& t, const CopyRow& row) {
  return CopyRow(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(t.key_size));
}

std::string ValueText(const CopyValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return "NULL";
  if (const int64_t* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&v)) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  std::string s = std::get<std::string>(v);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return "'" + s + "'";
}

std::string KeyText(const CopyTable& t, const std::vector<size_t>& columns, const CopyRow& row) {
  std::string out;
  for (size_t c : columns) {
    if (!out.empty()) out += ", ";
    out += t.columns[c].name + "=" + ValueText(row[c]);
  }
  return out;
}

std::vector<size_t> PrimaryKeyColumns(const CopyTable& t) {
  std::vector<size_t> cols;
  for (size_t i = 0; i < t.key_size; ++i) cols.push_back(i);
  return cols;
}

// The conflict of `source` with the stored `target` row found by the key `key_columns`, or
// nullopt when they are identical.
std::optional<CopyConflict> Compare(const CopyTable& t, const std::vector<size_t>& key_columns,
                                    const CopyRow& source, const CopyRow& target) {
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (source[c] == target[c]) continue;
    return CopyConflict{t.name, KeyText(t, key_columns, source), t.columns[c].name,
                        ValueText(source[c]), ValueText(target[c])};
  }
  return std::nullopt;
}

// Why the target refused `row` (whose primary key it does not hold): the stored row holding one
// of its unique keys. nullopt in *conflict when that row is identical to `row`.
Status FindRefusal(TableRows& target, const CopyTable& t, const CopyRow& row,
                   std::optional<CopyConflict>* conflict, bool* found) {
  *found = false;
  std::vector<CopyKey> keys = t.unique_keys;
  CopyKey primary;
  for (size_t i = 0; i < t.key_size; ++i) primary.columns.push_back(t.columns[i].name);
  keys.insert(keys.begin(), primary);
  for (const CopyKey& key : keys) {
    std::vector<size_t> shown;
    std::vector<size_t> lookup;
    CopyRow values;
    for (const std::string& name : key.columns) {
      const size_t c = ColumnIndex(t, name);
      shown.push_back(c);
      if (name == key.within_window) continue;
      lookup.push_back(c);
      values.push_back(row[c]);
    }
    Result<std::vector<CopyRow>> stored = target.FindRows(t, lookup, values, 64);
    if (!stored.ok()) return stored.status();
    for (const CopyRow& s : *stored) {
      if (!key.within_window.empty()) {
        const size_t w = ColumnIndex(t, key.within_window);
        const int64_t* a = std::get_if<int64_t>(&row[w]);
        const int64_t* b = std::get_if<int64_t>(&s[w]);
        if (a == nullptr || b == nullptr || !SameJobCompletion(*a, *b)) continue;
      }
      *found = true;
      *conflict = Compare(t, shown, row, s);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// Refuses a store holding a table or columns this code does not know, or lacking some.
Status CheckSchema(Store& store, const char* side) {
  TableRows& rows = store.table_rows();
  Result<std::vector<std::string>> names = rows.TableNames();
  if (!names.ok()) return names.status();
  std::set<std::string> known;
  for (const CopyTable& t : CopiedTables()) known.insert(t.name);
  for (const std::string& d : DerivedTables()) known.insert(d);
  for (const std::string& n : *names) {
    if (known.count(n) == 0) {
      return Status::FailedPrecondition(std::string(side) + " " + store.Description() +
                                        " holds table '" + n +
                                        "', which store copy does not know (a newer ramette?)");
    }
  }
  const std::set<std::string> present(names->begin(), names->end());
  for (const CopyTable& t : CopiedTables()) {
    if (present.count(t.name) == 0) {
      return Status::FailedPrecondition(std::string(side) + " " + store.Description() +
                                        " has no table '" + t.name + "'");
    }
    Result<std::vector<std::string>> cols = rows.ColumnNames(t);
    if (!cols.ok()) return cols.status();
    std::set<std::string> expected;
    for (const CopyColumn& c : t.columns) expected.insert(c.name);
    const std::set<std::string> actual(cols->begin(), cols->end());
    for (const std::string& c : actual) {
      if (expected.count(c) == 0) {
        return Status::FailedPrecondition(std::string(side) + " " + store.Description() +
                                          ": table '" + t.name + "' has column '" + c +
                                          "', which store copy does not know (a newer ramette?)");
      }
    }
    for (const std::string& c : expected) {
      if (actual.count(c) == 0) {
        return Status::FailedPrecondition(std::string(side) + " " + store.Description() +
                                          ": table '" + t.name + "' has no column '" + c + "'");
      }
    }
  }
  return Status::Ok();
}

// Copies one table; false in *go_on when the copy must stop (a conflict, or the test limit).
Status CopyTableRows(const CopyTable& t, TableRows& source, TableRows& target,
                     const CopyOptions& options, CopyReport* report, int64_t* batches,
                     bool* go_on) {
  CopyReport::Table counts;
  counts.name = t.name;
  const size_t batch = std::max<size_t>(1, options.batch_rows);
  const std::vector<size_t> pk = PrimaryKeyColumns(t);
  CopyRow after;
  Status st;
  while (*go_on) {
    Result<std::vector<CopyRow>> rows = source.ReadRows(t, after, CopyRow(), batch);
    if (!rows.ok()) {
      st = rows.status();
      break;
    }
    if (rows->empty()) break;
    const CopyRow last = KeyOf(t, rows->back());
    // The target's rows in the same key range: those the batch may already hold.
    Result<std::vector<CopyRow>> stored =
        target.ReadRows(t, after, last, std::numeric_limits<size_t>::max());
    if (!stored.ok()) {
      st = stored.status();
      break;
    }
    std::map<CopyRow, const CopyRow*> by_key;
    for (const CopyRow& s : *stored) by_key.emplace(KeyOf(t, s), &s);
    std::vector<CopyRow> absent;
    for (CopyRow& row : *rows) {
      auto it = by_key.find(KeyOf(t, row));
      if (it == by_key.end()) {
        absent.push_back(std::move(row));
        continue;
      }
      if (std::optional<CopyConflict> c = Compare(t, pk, row, *it->second)) {
        report->conflict = std::move(c);
        *go_on = false;
        break;
      }
      ++counts.present;
    }
    // Insert what is absent; a row refused for a unique key is either already there under
    // another primary key (a conflict) or identical (skipped, the rest inserted again).
    while (*go_on && !absent.empty()) {
      Result<size_t> inserted = target.InsertRows(t, absent);
      if (!inserted.ok()) {
        st = inserted.status();
        *go_on = false;
        break;
      }
      if (*inserted == absent.size()) {
        counts.copied += static_cast<int64_t>(absent.size());
        ++*batches;
        break;
      }
      std::optional<CopyConflict> conflict;
      bool found = false;
      st = FindRefusal(target, t, absent[*inserted], &conflict, &found);
      if (st.ok() && !found) {
        st = Status::IoError("the target refused row " + KeyText(t, pk, absent[*inserted]) +
                             " of table " + t.name + " but holds no row with any of its keys");
      }
      if (!st.ok()) {
        *go_on = false;
        break;
      }
      if (conflict) {
        report->conflict = std::move(conflict);
        *go_on = false;
        break;
      }
      ++counts.present;
      absent.erase(absent.begin() + static_cast<std::ptrdiff_t>(*inserted));
    }
    if (!*go_on) break;
    if (options.stop_after_batches > 0 && *batches >= options.stop_after_batches) {
      report->stopped_early = true;
      *go_on = false;
      break;
    }
    after = last;
    if (rows->size() < batch) break;
  }
  report->copied += counts.copied;
  report->present += counts.present;
  report->tables.push_back(std::move(counts));
  return st;
}

// The years with jobs in `store`'s monthly rollups.
Status YearsWithJobs(Store& store, std::set<int>* years) {
  return store.usage().ForEachMonthlyRow(0, std::numeric_limits<int32_t>::max(),
                                         [&](const model::RollupRow& r) {
                                           if (r.sums.jobs > 0) years->insert(r.period / 12);
                                         });
}

// Where two texts first differ, with a little context.
std::string FirstDifference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const size_t from = i > 40 ? i - 40 : 0;
  return "at byte " + std::to_string(i) + ": source '..." + a.substr(from, 80) + "', target '..." +
         b.substr(from, 80) + "'";
}

}  // namespace

const std::vector<CopyTable>& CopiedTables() {
  static const std::vector<CopyTable> tables = MakeTables();
  return tables;
}

const std::vector<std::string>& DerivedTables() {
  static const std::vector<std::string> tables = {"rollup_daily", "rollup_monthly", "rollup_state",
                                                  "ramette_schema"};
  return tables;
}

std::string CopyConflict::ToString() const {
  return "table " + table + ", key " + key + ": column " + column + " is " + source_value +
         " in the source and " + target_value + " in the target";
}

Result<CopyReport> CopyStore(Store& source, Store& target, const CopyOptions& options) {
  RAMETTE_RETURN_IF_ERROR(CheckSchema(source, "source"));
  RAMETTE_RETURN_IF_ERROR(CheckSchema(target, "target"));
  CopyReport report;
  int64_t batches = 0;
  bool go_on = true;
  for (const CopyTable& t : CopiedTables()) {
    if (!go_on) break;
    RAMETTE_RETURN_IF_ERROR(CopyTableRows(t, source.table_rows(), target.table_rows(), options,
                                          &report, &batches, &go_on));
  }
  if (report.conflict || report.stopped_early) return report;
  RAMETTE_RETURN_IF_ERROR(target.table_rows().FinishCopy());
  return report;
}

Result<VerifyReport> VerifyCopy(Store& source, Store& target, const IndicatorsJson& indicators) {
  VerifyReport report;
  for (const CopyTable& t : CopiedTables()) {
    Result<int64_t> a = source.table_rows().CountRows(t);
    if (!a.ok()) return a.status();
    Result<int64_t> b = target.table_rows().CountRows(t);
    if (!b.ok()) return b.status();
    if (*a != *b) {
      report.mismatch = "table " + t.name + " has " + std::to_string(*a) +
                        " rows in the source and " + std::to_string(*b) + " in the target";
      return report;
    }
    ++report.tables;
  }
  std::set<int> years;
  RAMETTE_RETURN_IF_ERROR(YearsWithJobs(source, &years));
  RAMETTE_RETURN_IF_ERROR(YearsWithJobs(target, &years));
  for (int year : years) {
    Result<std::string> a = indicators(source, year);
    if (!a.ok()) return a.status();
    Result<std::string> b = indicators(target, year);
    if (!b.ok()) return b.status();
    if (*a != *b) {
      report.mismatch =
          "the indicators of " + std::to_string(year) + " differ " + FirstDifference(*a, *b);
      return report;
    }
    report.years.push_back(year);
  }
  return report;
}

}  // namespace ramette::aggregator::store
