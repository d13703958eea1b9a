// SqliteStore, operations part: the DeliveryLog (direction addresses, report sends), agent
// heartbeats (JobStore::RecordAgentStatus), agent tokens (TokenStore) and server status
// (StatusStore).
#include <sqlite3.h>

#include <utility>

#include "aggregator/auth/agent_token.h"
#include "aggregator/store/sqlite_store.h"
#include "aggregator/store/sqlite_store_internal.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

// common/sqlite/sqlite_util.h, in its base wording ("database error while ...").
using sqlite::BindInt;
using sqlite::BindText;
using sqlite::ColumnText;
using sqlite::Exec;
using sqlite::OwnedStatement;
using sqlite::QueryInt;
using sqlite::SqliteError;
using sqlite::StepDone;
// sqlite_store_internal.h
using sqlite_internal::kReportSendsSchemaVersion;

// The schema version from which servers keep their agent's status (v5).
constexpr int kAgentStatusSchemaVersion = 5;
// The schema version from which the store keeps agent tokens (v6).
constexpr int kAgentTokensSchemaVersion = 6;

}  // namespace

// ---------------------------------------------------------------------------------------------
// DeliveryLog.

Result<std::vector<std::string>> SqliteStore::DirectionEmails(const std::string& direction) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT email FROM direction_emails WHERE direction = ?1 ORDER BY email"));
  BindText(s.get(), 1, direction);
  std::vector<std::string> emails;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) emails.push_back(ColumnText(s.get(), 0));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading direction addresses");
  return emails;
}

Result<bool> SqliteStore::WasReportSent(const std::string& direction, int32_t month,
                                        const std::string& recipient) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_,
                                    "SELECT 1 FROM report_sends WHERE direction = ?1 AND"
                                    " month = ?2 AND recipient = ?3"));
  BindText(s.get(), 1, direction);
  BindInt(s.get(), 2, month);
  BindText(s.get(), 3, recipient);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "reading report sends");
}

Status SqliteStore::RecordReportSent(const std::string& direction, int32_t month,
                                     const std::string& recipient, int64_t sent_at_unix) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_,
                  "INSERT OR IGNORE INTO report_sends(direction, month, recipient, sent_at)"
                  " VALUES(?1, ?2, ?3, ?4)"));
    BindText(s.get(), 1, direction);
    BindInt(s.get(), 2, month);
    BindText(s.get(), 3, recipient);
    BindInt(s.get(), 4, sent_at_unix);
    return StepDone(db_, s.get(), "recording a report send");
  });
}

// ---------------------------------------------------------------------------------------------
// Operations: agent heartbeats, server status, backup.

Status SqliteStore::RecordAgentStatus(const std::string& server_id,
                                      const std::string& agent_version,
                                      const AgentStatusReport& status, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentStatusSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    int64_t server_row = 0;
    RAMETTE_RETURN_IF_ERROR(TouchServerLocked(server_id, agent_version, now, &server_row));
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_,
                  "UPDATE servers SET outbox_records = ?1, outbox_oldest = ?2, status_at = ?3"
                  " WHERE id = ?4"));
    BindInt(s.get(), 1, status.outbox_records);
    BindInt(s.get(), 2, status.oldest_record_unix);
    BindInt(s.get(), 3, now);
    BindInt(s.get(), 4, server_row);
    return StepDone(db_, s.get(), "recording an agent's status");
  });
}

// ---------------------------------------------------------------------------------------------
// Agent tokens (v6).

Result<std::string> SqliteStore::AddAgentToken(const std::string& server_id,
                                               const std::string& hash_hex, int64_t now) {
  if (server_id.empty()) return Status::InvalidArgument("a token needs a server id");
  if (hash_hex.size() < auth::kPublicTokenIdLength) {
    return Status::InvalidArgument("not a token hash");
  }
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  const std::string id = auth::PublicTokenId(hash_hex);
  Status st = InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(s.Prepare(db_,
                                      "INSERT INTO agent_tokens(id, hash, server, created_at)"
                                      " VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING"));
    BindText(s.get(), 1, id);
    BindText(s.get(), 2, hash_hex);
    BindText(s.get(), 3, server_id);
    BindInt(s.get(), 4, now);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "storing an agent token"));
    if (sqlite3_changes(db_) == 0) {
      return Status::FailedPrecondition("token id " + id + " is already taken");
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return id;
}

Result<std::vector<AgentTokenInfo>> SqliteStore::ListAgentTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_,
                                    "SELECT id, server, created_at, revoked_at FROM agent_tokens"
                                    " ORDER BY server, created_at, id"));
  std::vector<AgentTokenInfo> out;
  for (;;) {
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading the agent tokens");
    AgentTokenInfo t;
    t.id = ColumnText(s.get(), 0);
    t.server_id = ColumnText(s.get(), 1);
    t.created_at = sqlite3_column_int64(s.get(), 2);
    if (sqlite3_column_type(s.get(), 3) != SQLITE_NULL) {
      t.revoked_at = sqlite3_column_int64(s.get(), 3);
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<int> SqliteStore::RevokeAgentTokens(const std::string& id, const std::string& server_id,
                                           int64_t now) {
  if (id.empty() == server_id.empty()) {
    return Status::InvalidArgument("revoke takes a token id or a server id");
  }
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  int revoked = 0;
  Status st = InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, id.empty() ? "UPDATE agent_tokens SET revoked_at = ?2"
                                                        " WHERE server = ?1 AND revoked_at IS NULL"
                                                      : "UPDATE agent_tokens SET revoked_at = ?2"
                                                        " WHERE id = ?1 AND revoked_at IS NULL"));
    BindText(s.get(), 1, id.empty() ? server_id : id);
    BindInt(s.get(), 2, now);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "revoking agent tokens"));
    revoked = sqlite3_changes(db_);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return revoked;
}

Result<std::string> SqliteStore::ServerIdOfToken(const std::string& token) {
  const std::string hash = auth::HashAgentToken(token);
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT server, revoked_at IS NOT NULL FROM agent_tokens WHERE hash = ?1"));
  BindText(s.get(), 1, hash);
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return Status::Unauthenticated("unknown agent token");
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading the agent tokens");
  if (sqlite3_column_int64(s.get(), 1) != 0) {
    return Status::Unauthenticated("agent token " + auth::PublicTokenId(hash) + " was revoked");
  }
  return ColumnText(s.get(), 0);
}

Status SqliteStore::FirstJobReceivedSinceLocked(int64_t since, int64_t* id) {
  int64_t newest = 0;
  RAMETTE_RETURN_IF_ERROR(QueryInt(db_, "SELECT COALESCE(MAX(id), 0) FROM jobs", &newest));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT id, received_at FROM jobs WHERE id >= ?1 ORDER BY id LIMIT 1"));
  // Binary search over ids: received_at grows with the id (jobs are appended as they arrive),
  // so this costs ~log2(jobs) primary-key seeks instead of a scan.
  int64_t lo = 1, hi = newest + 1;  // the answer is in [lo, hi]
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    sqlite3_reset(s.get());
    BindInt(s.get(), 1, mid);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) {
      hi = mid;
      continue;
    }
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading the jobs");
    const int64_t found = sqlite3_column_int64(s.get(), 0);
    if (sqlite3_column_int64(s.get(), 1) >= since) {
      hi = mid;
    } else {
      lo = found + 1;
    }
  }
  *id = lo;
  return Status::Ok();
}

Result<std::vector<ServerStatus>> SqliteStore::ServerStatuses(const StatusPeriods& periods,
                                                              bool count_jobs) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentStatusSchemaVersion));
  // One read transaction, so that the counts and the servers agree.
  RAMETTE_RETURN_IF_ERROR(Exec(db_, "BEGIN", "starting a read"));
  auto body = [&]() -> Result<std::vector<ServerStatus>> {
    std::vector<ServerStatus> out;
    std::unordered_map<int64_t, size_t> by_row;
    OwnedStatement servers;
    RAMETTE_RETURN_IF_ERROR(servers.Prepare(
        db_,
        "SELECT s.id, s.name, s.agent_version, s.first_contact, s.last_contact,"
        " s.outbox_records, s.outbox_oldest,"
        " (SELECT COUNT(*) FROM devices d WHERE d.server = s.name AND d.deleted = 0"
        "  AND NOT EXISTS (SELECT 1 FROM device_periods p WHERE p.device_id = d.id))"
        " FROM servers s ORDER BY s.name"));
    int rc;
    while ((rc = sqlite3_step(servers.get())) == SQLITE_ROW) {
      ServerStatus st;
      st.server = ColumnText(servers.get(), 1);
      st.agent_version = ColumnText(servers.get(), 2);
      st.first_contact = sqlite3_column_int64(servers.get(), 3);
      st.last_contact = sqlite3_column_int64(servers.get(), 4);
      if (sqlite3_column_type(servers.get(), 5) != SQLITE_NULL) {
        st.outbox_records = sqlite3_column_int64(servers.get(), 5);
        st.oldest_record_unix = sqlite3_column_int64(servers.get(), 6);
      }
      st.unclassified_queues = sqlite3_column_int64(servers.get(), 7);
      by_row[sqlite3_column_int64(servers.get(), 0)] = out.size();
      out.push_back(std::move(st));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading the servers");
    if (!count_jobs) return out;

    int64_t first_of_month = 0, first_of_day = 0;
    RAMETTE_RETURN_IF_ERROR(FirstJobReceivedSinceLocked(periods.month_start, &first_of_month));
    RAMETTE_RETURN_IF_ERROR(FirstJobReceivedSinceLocked(periods.day_start, &first_of_day));
    OwnedStatement counts;
    RAMETTE_RETURN_IF_ERROR(
        counts.Prepare(db_,
                       "SELECT server_id, COUNT(*), SUM(id >= ?2) FROM jobs WHERE id >= ?1"
                       " GROUP BY server_id"));
    BindInt(counts.get(), 1, first_of_month);
    BindInt(counts.get(), 2, first_of_day);
    while ((rc = sqlite3_step(counts.get())) == SQLITE_ROW) {
      auto it = by_row.find(sqlite3_column_int64(counts.get(), 0));
      if (it == by_row.end()) continue;
      out[it->second].jobs_this_month = sqlite3_column_int64(counts.get(), 1);
      out[it->second].jobs_today = sqlite3_column_int64(counts.get(), 2);
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "counting the jobs");
    return out;
  };
  auto result = body();
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  return result;
}

}  // namespace ramette::aggregator::store
