// SqliteOutbox: the agent's durable outbox, one SQLite file in the state directory (WAL,
// synchronous=FULL). An existing file is checked before use and never overwritten, recreated or
// deleted when the check fails.
#ifndef RAMETTE_AGENT_OUTBOX_SQLITE_OUTBOX_H_
#define RAMETTE_AGENT_OUTBOX_SQLITE_OUTBOX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/outbox/outbox.h"
#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ramette::agent {

struct SqliteOutboxOptions {
  OutboxLimits limits;
  // Enqueue times in Unix milliseconds; null: the system clock.
  std::function<int64_t()> now_ms;
};

// Implements Outbox over one SQLite file. Every method is thread-safe (one connection, serialised
// by a mutex); each Append and Remove is one transaction, durable (fsync'd) when it returns OK.
// Only one SqliteOutbox (one process) should use a file at a time; another connection's write
// makes a call wait up to kBusyTimeoutMs, then fail with Unavailable.
// Errors, beyond the Outbox contract: Unavailable (the file stayed locked), IoError (SQLite or the
// file system failed, e.g. a full disk; the transaction was rolled back).
class SqliteOutbox final : public Outbox {
 public:
  // The schema version this code creates and reads (PRAGMA user_version).
  static constexpr int kSchemaVersion = 1;
  // PRAGMA application_id of an outbox file ("RMOB"): tells it from any other SQLite file.
  static constexpr int32_t kApplicationId = 0x524d4f42;
  // The file's name in the agent's state directory.
  static constexpr char kFileName[] = "outbox.db";
  static constexpr int kBusyTimeoutMs = 5000;

  // Opens the outbox at `path`, or creates it when no file is there (its folder must exist; the
  // new file is built aside and moved into place, so a crash never leaves a half-made outbox).
  // An existing file is first checked through a read-only connection (PRAGMA quick_check, the
  // application id, the schema version) and left byte-for-byte as it was when a check fails:
  // Corruption, naming the file, when it is damaged, truncated or not an outbox (the operator
  // moves it aside or repairs it: nothing is recovered automatically); FailedPrecondition when a
  // newer ramette wrote it or the path is not a regular file; IoError when it cannot be read or
  // created (what may pass: a full or read-only disk); Unavailable when another process locks it.
  static Result<std::unique_ptr<SqliteOutbox>> Open(const std::string& path,
                                                    SqliteOutboxOptions options = {});

  ~SqliteOutbox() override;
  SqliteOutbox(const SqliteOutbox&) = delete;
  SqliteOutbox& operator=(const SqliteOutbox&) = delete;

  Status Append(const std::vector<OutboxItem>& items, const CaptureCursor* cursor) override;
  Result<CaptureCursor> LoadCursor() override;
  // Corruption (naming the record's id) when a stored record cannot be decoded.
  Result<std::vector<OutboxEntry>> Peek(int64_t max_records, int64_t max_bytes) override;
  Status Remove(const std::vector<int64_t>& ids) override;
  Result<OutboxStats> Stats() override;

  // The file this outbox uses.
  const std::string& path() const { return path_; }

 private:
  struct Statements;

  SqliteOutbox(std::string path, SqliteOutboxOptions options, sqlite3* db);
  Status Init();
  Status LoadCountersLocked();
  void RollbackLocked();
  Status ErrorLocked(int rc, const std::string& what) const;

  const std::string path_;
  const SqliteOutboxOptions options_;
  std::mutex mu_;
  sqlite3* db_;  // owned; guarded by mu_
  std::unique_ptr<Statements> stmts_;
  int64_t depth_ = 0;  // records and their summed sizes, kept in step with the table
  int64_t bytes_ = 0;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_OUTBOX_SQLITE_OUTBOX_H_
