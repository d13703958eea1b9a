// SQLite statement helpers shared by the agent's outbox and the aggregator's store: result codes
// mapped to Status once, owned and cached statements, one-value queries, binding and reading
// columns. An adapter library (ramette_sqlite): only SQLite adapters include it.
#ifndef RAMETTE_COMMON_SQLITE_SQLITE_UTIL_H_
#define RAMETTE_COMMON_SQLITE_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ramette::sqlite {

// What SQLite says about a failure: the connection's last error message, or the text of `rc`
// when there is no connection (`db` null, e.g. opening failed).
std::string ErrorText(sqlite3* db, int rc);

// The Status for result code `rc` (extended codes included) with `message`: BUSY and LOCKED are
// Unavailable (another connection holds the lock; retrying may help), CORRUPT and NOTADB
// Corruption, every other failure IoError.
Status StatusOf(int rc, std::string message);

// Whether `rc` (extended codes included) is BUSY or LOCKED, CORRUPT or NOTADB.
bool IsBusy(int rc);
bool IsCorrupt(int rc);

// How a caller words a failed call as a Status; the codes always follow StatusOf. The base
// wording is the aggregator store's: "database error while <what>: <ErrorText>", plus "(another
// process holds the database; retry later)" when busy. Override Error to name the file and give
// other advice (the agent's outbox does). Implementations are stateless or immutable: safe to
// share between threads.
class ErrorWording {
 public:
  virtual ~ErrorWording() = default;
  // `what` says what was being done ("committing a batch").
  virtual Status Error(sqlite3* db, int rc, std::string_view what) const;
};

// The base wording, shared (the default of every helper below).
const ErrorWording& DatabaseWording();

// DatabaseWording().Error(db, rc, what).
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// Closes a connection (for std::unique_ptr).
struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

// Runs `sql` (one or more statements, no rows wanted).
Status Exec(sqlite3* db, const char* sql, std::string_view what,
            const ErrorWording& words = DatabaseWording());

// Runs the one statement `sql` and returns the first column of every row as text (NULL: "").
Result<std::vector<std::string>> QueryColumn(sqlite3* db, const char* sql, std::string_view what,
                                             const ErrorWording& words = DatabaseWording());

// Runs a query whose first column of its first row is an integer, into `*out`. Internal when it
// returns no row.
Status QueryInt(sqlite3* db, const char* sql, int64_t* out,
                std::string_view what = "reading the database",
                const ErrorWording& words = DatabaseWording());

// Steps a statement that returns no row; any other result is an error.
Status StepDone(sqlite3* db, sqlite3_stmt* s, std::string_view what,
                const ErrorWording& words = DatabaseWording());

// A statement finalized with its owner. Not thread-safe; finalize before closing the connection.
class OwnedStatement {
 public:
  OwnedStatement() = default;
  ~OwnedStatement() { sqlite3_finalize(stmt_); }
  OwnedStatement(const OwnedStatement&) = delete;
  OwnedStatement& operator=(const OwnedStatement&) = delete;

  // Prepares `sql` (its first statement), replacing any statement held. `flags` are
  // sqlite3_prepare_v3's (SQLITE_PREPARE_PERSISTENT for one kept and reused); `what` words a
  // failure, after which get() is null.
  Status Prepare(sqlite3* db, const char* sql, const ErrorWording& words = DatabaseWording(),
                 unsigned int flags = 0, std::string_view what = "preparing a statement");
  // Null until prepared.
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// A statement prepared with SQLITE_PREPARE_PERSISTENT on first use (so that a database at an old
// schema version does not prepare statements on tables it lacks), then kept. Not thread-safe.
class CachedStatement {
 public:
  explicit CachedStatement(const char* sql) : sql_(sql) {}
  ~CachedStatement() { sqlite3_finalize(stmt_); }
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;

  // The statement, prepared on `db` at the first call; a failed preparation is tried again at
  // the next call.
  Status Get(sqlite3* db, sqlite3_stmt** out, const ErrorWording& words = DatabaseWording());

 private:
  const char* sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when leaving scope, so that no read snapshot stays open.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* s) : s_(s) {}
  ~ResetOnExit() { sqlite3_reset(s_); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* s_;
};

// Text and blobs are bound without a copy: the caller keeps the bytes alive until the statement
// is stepped and rebinds every parameter before the next step. Sizes must stay below INT_MAX.
inline void BindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data() != nullptr ? v.data() : "", static_cast<int>(v.size()),
                    SQLITE_STATIC);
}
// Empty text is bound as NULL.
inline void BindTextOrNull(sqlite3_stmt* s, int i, std::string_view v) {
  if (v.empty()) {
    sqlite3_bind_null(s, i);
  } else {
    BindText(s, i, v);
  }
}
inline void BindBlob(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
inline void BindInt(sqlite3_stmt* s, int i, int64_t v) { sqlite3_bind_int64(s, i, v); }

// Column `i` of the current row, as text or as bytes; NULL gives "".
inline std::string ColumnText(sqlite3_stmt* s, int i) {
  const unsigned char* p = sqlite3_column_text(s, i);
  if (p == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(s, i)));
}
inline std::string ColumnBlob(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  if (p == nullptr) return std::string();
  return std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, i)));
}

}  // namespace ramette::sqlite

#endif  // RAMETTE_COMMON_SQLITE_SQLITE_UTIL_H_
