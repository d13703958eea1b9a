// The SQLite helpers: the result-code mapping, the base wording, and the statement helpers.
#include "common/sqlite/sqlite_util.h"

#include <utility>

namespace ramette::sqlite {

std::string ErrorText(sqlite3* db, int rc) {
  return db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
}

bool IsBusy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

bool IsCorrupt(int rc) { return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB; }

Status StatusOf(int rc, std::string message) {
  if (IsBusy(rc)) return Status::Unavailable(std::move(message));
  if (IsCorrupt(rc)) return Status::Corruption(std::move(message));
  return Status::IoError(std::move(message));
}

Status ErrorWording::Error(sqlite3* db, int rc, std::string_view what) const {
  std::string msg = "database error while " + std::string(what) + ": " + ErrorText(db, rc);
  if (IsBusy(rc)) msg += " (another process holds the database; retry later)";
  return StatusOf(rc, std::move(msg));
}

const ErrorWording& DatabaseWording() {
  static const ErrorWording kWording;
  return kWording;
}

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  return DatabaseWording().Error(db, rc, what);
}

Status Exec(sqlite3* db, const char* sql, std::string_view what, const ErrorWording& words) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : words.Error(db, rc, what);
}

Result<std::vector<std::string>> QueryColumn(sqlite3* db, const char* sql, std::string_view what,
                                             const ErrorWording& words) {
  OwnedStatement st;
  RAMETTE_RETURN_IF_ERROR(st.Prepare(db, sql, words, 0, what));
  std::vector<std::string> rows;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) rows.push_back(ColumnText(st.get(), 0));
  if (rc != SQLITE_DONE) return words.Error(db, rc, what);
  return rows;
}

Status QueryInt(sqlite3* db, const char* sql, int64_t* out, std::string_view what,
                const ErrorWording& words) {
  OwnedStatement st;
  RAMETTE_RETURN_IF_ERROR(st.Prepare(db, sql, words, 0, what));
  int rc = sqlite3_step(st.get());
  if (rc == SQLITE_DONE) return Status::Internal(std::string(what) + " returned no row");
  if (rc != SQLITE_ROW) return words.Error(db, rc, what);
  *out = sqlite3_column_int64(st.get(), 0);
  return Status::Ok();
}

Status StepDone(sqlite3* db, sqlite3_stmt* s, std::string_view what, const ErrorWording& words) {
  int rc = sqlite3_step(s);
  return rc == SQLITE_DONE ? Status::Ok() : words.Error(db, rc, what);
}

Status OwnedStatement::Prepare(sqlite3* db, const char* sql, const ErrorWording& words,
                               unsigned int flags, std::string_view what) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  int rc = sqlite3_prepare_v3(db, sql, -1, flags, &stmt_, nullptr);
  if (rc == SQLITE_OK) return Status::Ok();
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  return words.Error(db, rc, what);
}

Status CachedStatement::Get(sqlite3* db, sqlite3_stmt** out, const ErrorWording& words) {
  if (stmt_ == nullptr) {
    int rc = sqlite3_prepare_v3(db, sql_, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt_);
      stmt_ = nullptr;
      return words.Error(db, rc, "preparing a statement");
    }
  }
  *out = stmt_;
  return Status::Ok();
}

}  // namespace ramette::sqlite
