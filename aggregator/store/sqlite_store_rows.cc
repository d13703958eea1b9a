// SqliteStore, TableRows part: whole tables for `ramette store copy`.
#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "aggregator/store/sqlite_store.h"
#include "aggregator/store/sqlite_store_internal.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

// common/sqlite/sqlite_util.h, in its base wording ("database error while ...").
using sqlite::BindInt;
using sqlite::BindText;
using sqlite::ColumnText;
using sqlite::OwnedStatement;
using sqlite::QueryInt;
using sqlite::ResetOnExit;
using sqlite::SqliteError;
using sqlite::StepDone;
// sqlite_store_internal.h
using sqlite_internal::kClearRollupsSql;

}  // namespace

// ---------------------------------------------------------------------------------------------
// TableRows: whole tables for `ramette store copy` (store/store_copy.h). Column names are the
// engine-independent ones; flags are 0/1 integers, as stored.

namespace {

std::string QuotedName(const std::string& name) { return "\"" + name + "\""; }

std::string CopyColumnList(const CopyTable& t, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += QuotedName(t.columns[i].name);
  }
  return out;
}

// "(?first, ?first+1, ...)" for `count` parameters.
std::string CopyParameters(size_t first, size_t count) {
  std::string out = "(";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += "?" + std::to_string(first + i);
  }
  return out + ")";
}

// The bytes of a text value stay alive until the statement is stepped (the caller's row).
void BindCopyValue(sqlite3_stmt* s, int i, const CopyValue& v) {
  if (const int64_t* n = std::get_if<int64_t>(&v)) {
    sqlite3_bind_int64(s, i, *n);
  } else if (const double* d = std::get_if<double>(&v)) {
    sqlite3_bind_double(s, i, *d);
  } else if (const std::string* t = std::get_if<std::string>(&v)) {
    BindText(s, i, *t);
  } else {
    sqlite3_bind_null(s, i);
  }
}

CopyValue ReadCopyValue(sqlite3_stmt* s, int i, CopyType type) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::monostate();
  switch (type) {
    case CopyType::kInt:
    case CopyType::kBool:
      return static_cast<int64_t>(sqlite3_column_int64(s, i));
    case CopyType::kReal:
      return sqlite3_column_double(s, i);
    case CopyType::kText:
      return ColumnText(s, i);
  }
  return std::monostate();
}

Status ReadCopyRows(sqlite3* db, sqlite3_stmt* s, const CopyTable& t, std::vector<CopyRow>* out) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    CopyRow row;
    row.reserve(t.columns.size());
    for (size_t c = 0; c < t.columns.size(); ++c) {
      row.push_back(ReadCopyValue(s, static_cast<int>(c), t.columns[c].type));
    }
    out->push_back(std::move(row));
  }
  return rc == SQLITE_DONE ? Status::Ok() : SqliteError(db, rc, "reading " + t.name);
}

}  // namespace

Result<std::vector<std::string>> SqliteStore::TableNames() {
  std::lock_guard<std::mutex> lock(mu_);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_,
                                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                                    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"));
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) names.push_back(ColumnText(s.get(), 0));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "listing the tables");
  return names;
}

Result<std::vector<std::string>> SqliteStore::ColumnNames(const CopyTable& table) {
  std::lock_guard<std::mutex> lock(mu_);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, "SELECT name FROM pragma_table_info(?1) ORDER BY cid"));
  BindText(s.get(), 1, table.name);
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) names.push_back(ColumnText(s.get(), 0));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "listing the columns of " + table.name);
  return names;
}

Result<std::vector<CopyRow>> SqliteStore::ReadRows(const CopyTable& table, const CopyRow& after,
                                                   const CopyRow& through, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  const std::string key = CopyColumnList(table, table.key_size);
  std::string sql =
      "SELECT " + CopyColumnList(table, table.columns.size()) + " FROM " + QuotedName(table.name);
  size_t next = 1;
  std::vector<const CopyRow*> bounds;
  if (!after.empty()) {
    sql += " WHERE (" + key + ") > " + CopyParameters(next, table.key_size);
    next += table.key_size;
    bounds.push_back(&after);
  }
  if (!through.empty()) {
    sql += std::string(after.empty() ? " WHERE" : " AND") + " (" + key +
           ") <= " + CopyParameters(next, table.key_size);
    next += table.key_size;
    bounds.push_back(&through);
  }
  sql += " ORDER BY " + key + " LIMIT ?" + std::to_string(next);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, sql.c_str()));
  int i = 1;
  for (const CopyRow* b : bounds) {
    for (size_t k = 0; k < table.key_size; ++k) BindCopyValue(s.get(), i++, (*b)[k]);
  }
  const int64_t max = std::numeric_limits<int64_t>::max();
  sqlite3_bind_int64(s.get(), i,
                     limit > static_cast<size_t>(max) ? -1 : static_cast<int64_t>(limit));
  std::vector<CopyRow> rows;
  RAMETTE_RETURN_IF_ERROR(ReadCopyRows(db_, s.get(), table, &rows));
  return rows;
}

Result<std::vector<CopyRow>> SqliteStore::FindRows(const CopyTable& table,
                                                   const std::vector<size_t>& columns,
                                                   const CopyRow& values, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  std::string sql = "SELECT " + CopyColumnList(table, table.columns.size()) + " FROM " +
                    QuotedName(table.name) + " WHERE 1";
  for (size_t i = 0; i < columns.size(); ++i) {
    sql += " AND " + QuotedName(table.columns[columns[i]].name) + " IS ?" + std::to_string(i + 1);
  }
  sql += " LIMIT " + std::to_string(limit);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, sql.c_str()));
  for (size_t i = 0; i < columns.size(); ++i) {
    BindCopyValue(s.get(), static_cast<int>(i + 1), values[i]);
  }
  std::vector<CopyRow> rows;
  RAMETTE_RETURN_IF_ERROR(ReadCopyRows(db_, s.get(), table, &rows));
  return rows;
}

Result<int64_t> SqliteStore::CountRows(const CopyTable& table) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  RAMETTE_RETURN_IF_ERROR(
      QueryInt(db_, ("SELECT COUNT(*) FROM " + QuotedName(table.name)).c_str(), &n));
  return n;
}

Result<size_t> SqliteStore::InsertRows(const CopyTable& table, const std::vector<CopyRow>& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  const bool jobs = table.name == "jobs";
  const std::string sql = "INSERT INTO " + QuotedName(table.name) + "(" +
                          CopyColumnList(table, table.columns.size()) + ") VALUES" +
                          CopyParameters(1, table.columns.size()) + " ON CONFLICT DO NOTHING";
  size_t refused = rows.size();
  Status st = InTransactionLocked([&]() -> Status {
    if (jobs) {
      // Jobs at or below the fold watermark would never be folded: start the rollups again.
      FoldState state;
      RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
      int64_t lowest = std::numeric_limits<int64_t>::max();
      for (const CopyRow& r : rows) {
        if (const int64_t* id = std::get_if<int64_t>(&r[0])) lowest = std::min(lowest, *id);
      }
      if (lowest <= state.folded) RAMETTE_RETURN_IF_ERROR(ExecLocked(kClearRollupsSql));
    }
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, sql.c_str()));
    // The job identity within the duplicate window is kept by code here, not by the UNIQUE
    // index (exact completion times): a stored job of the same identity refuses the row.
    sqlite3_stmt* duplicate = nullptr;
    size_t server_col = 0, cups_col = 0, completed_col = 0, run_col = 0, source_col = 0;
    if (jobs) {
      RAMETTE_RETURN_IF_ERROR(stmts_->find_duplicate.Get(db_, &duplicate));
      for (size_t c = 0; c < table.columns.size(); ++c) {
        if (table.columns[c].name == "server_id") server_col = c;
        if (table.columns[c].name == "cups_job_id") cups_col = c;
        if (table.columns[c].name == "completed_at") completed_col = c;
        if (table.columns[c].name == "run") run_col = c;
        if (table.columns[c].name == "source") source_col = c;
      }
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      if (duplicate != nullptr) {
        ResetOnExit reset(duplicate);
        const int64_t* completed = std::get_if<int64_t>(&rows[r][completed_col]);
        BindCopyValue(duplicate, 1, rows[r][server_col]);
        BindCopyValue(duplicate, 2, rows[r][cups_col]);
        BindInt(duplicate, 3,
                completed != nullptr ? *completed - model::kDuplicateWindowSeconds : 0);
        BindInt(duplicate, 4,
                completed != nullptr ? *completed + model::kDuplicateWindowSeconds : 0);
        BindCopyValue(duplicate, 5, rows[r][run_col]);
        BindCopyValue(duplicate, 6, rows[r][source_col]);
        const int rc = sqlite3_step(duplicate);
        if (rc == SQLITE_ROW) {
          refused = r;
          return Status::FailedPrecondition("row refused");  // rolls the batch back
        }
        if (rc != SQLITE_DONE) return SqliteError(db_, rc, "looking for duplicates");
      }
      sqlite3_reset(s.get());
      for (size_t c = 0; c < table.columns.size(); ++c) {
        BindCopyValue(s.get(), static_cast<int>(c + 1), rows[r][c]);
      }
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "copying into " + table.name));
      if (sqlite3_changes(db_) == 0) {
        refused = r;
        return Status::FailedPrecondition("row refused");  // rolls the batch back
      }
    }
    return Status::Ok();
  });
  if (jobs) {
    // The newest job id and the unfolded jobs changed behind the ingest path's back.
    InvalidatePendingLocked();
    max_cups_job_ids_.clear();
    newest_job_seen_ = -1;
  }
  if (refused < rows.size()) return refused;
  if (!st.ok()) return st;
  return rows.size();
}

Status SqliteStore::FinishCopy() {
  std::lock_guard<std::mutex> lock(mu_);
  return FoldLocked();
}

}  // namespace ramette::aggregator::store
