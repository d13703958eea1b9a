// PostgresStore, operations part: the DeliveryLog (direction addresses, report sends), agent
// tokens (TokenStore) and server status (StatusStore).
#include <libpq-fe.h>

#include <cstdlib>
#include <utility>

#include "aggregator/auth/agent_token.h"
#include "aggregator/store/postgres_store.h"
#include "aggregator/store/postgres_store_internal.h"

namespace ramette::aggregator::store {

namespace {

// postgres_store_internal.h
using postgres_internal::ColumnBool;
using postgres_internal::ColumnInt;
using postgres_internal::ColumnNull;
using postgres_internal::ColumnText;
using postgres_internal::kAgentStatusSchemaVersion;
using postgres_internal::kAgentTokensSchemaVersion;
using postgres_internal::kReportSendsSchemaVersion;
using postgres_internal::Params;
using postgres_internal::PgResult;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Delivery log.

Result<std::vector<std::string>> PostgresStore::DirectionEmails(const std::string& direction) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT email FROM direction_emails WHERE direction = $1 ORDER BY email COLLATE \"C\"",
      Params().Text(direction), "reading direction addresses");
  if (!r.ok()) return r.status();
  std::vector<std::string> emails;
  for (int i = 0; i < PQntuples(r->get()); ++i) emails.push_back(ColumnText(r->get(), i, 0));
  return emails;
}

Result<bool> PostgresStore::WasReportSent(const std::string& direction, int32_t month,
                                          const std::string& recipient) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT 1 FROM report_sends WHERE direction = $1 AND month = $2 AND recipient = $3",
      Params().Text(direction).Int(month).Text(recipient), "reading report sends");
  if (!r.ok()) return r.status();
  return PQntuples(r->get()) > 0;
}

Status PostgresStore::RecordReportSent(const std::string& direction, int32_t month,
                                       const std::string& recipient, int64_t sent_at_unix) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  // One statement: its own transaction.
  return conn_
      ->Run(
          "INSERT INTO report_sends(direction, month, recipient, sent_at)"
          " VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING",
          Params().Text(direction).Int(month).Text(recipient).Int(sent_at_unix),
          "recording a report send")
      .status();
}

// ---------------------------------------------------------------------------------------------
// Agent tokens.

Result<std::string> PostgresStore::AddAgentToken(const std::string& server_id,
                                                 const std::string& hash_hex, int64_t now) {
  if (server_id.empty()) return Status::InvalidArgument("a token needs a server id");
  if (hash_hex.size() < auth::kPublicTokenIdLength)
    return Status::InvalidArgument("not a token hash");
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  const std::string id = auth::PublicTokenId(hash_hex);
  Result<PgResult> r = conn_->Run(
      "INSERT INTO agent_tokens(id, hash, server, created_at) VALUES($1, $2, $3, $4)"
      " ON CONFLICT DO NOTHING RETURNING id",
      Params().Text(id).Text(hash_hex).Text(server_id).Int(now), "storing an agent token");
  if (!r.ok()) return r.status();
  if (PQntuples(r->get()) == 0) {
    return Status::FailedPrecondition("token id " + id + " is already taken");
  }
  return id;
}

Result<std::vector<AgentTokenInfo>> PostgresStore::ListAgentTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT id, server, created_at, revoked_at FROM agent_tokens"
      " ORDER BY server COLLATE \"C\", created_at, id COLLATE \"C\"",
      "reading the agent tokens");
  if (!r.ok()) return r.status();
  std::vector<AgentTokenInfo> out;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    AgentTokenInfo t;
    t.id = ColumnText(r->get(), i, 0);
    t.server_id = ColumnText(r->get(), i, 1);
    t.created_at = ColumnInt(r->get(), i, 2);
    if (!ColumnNull(r->get(), i, 3)) t.revoked_at = ColumnInt(r->get(), i, 3);
    out.push_back(std::move(t));
  }
  return out;
}

Result<int> PostgresStore::RevokeAgentTokens(const std::string& id, const std::string& server_id,
                                             int64_t now) {
  if (id.empty() == server_id.empty()) {
    return Status::InvalidArgument("revoke takes a token id or a server id");
  }
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      id.empty()
          ? "UPDATE agent_tokens SET revoked_at = $2 WHERE server = $1 AND revoked_at IS NULL"
          : "UPDATE agent_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
      Params().Text(id.empty() ? server_id : id).Int(now), "revoking agent tokens");
  if (!r.ok()) return r.status();
  return std::atoi(PQcmdTuples(r->get()));
}

Result<std::string> PostgresStore::ServerIdOfToken(const std::string& token) {
  const std::string hash = auth::HashAgentToken(token);
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r =
      conn_->Run("SELECT server, revoked_at IS NOT NULL FROM agent_tokens WHERE hash = $1",
                 Params().Text(hash), "reading the agent tokens");
  if (!r.ok()) return r.status();
  if (PQntuples(r->get()) == 0) return Status::Unauthenticated("unknown agent token");
  if (ColumnBool(r->get(), 0, 1)) {
    return Status::Unauthenticated("agent token " + auth::PublicTokenId(hash) + " was revoked");
  }
  return ColumnText(r->get(), 0, 0);
}

// ---------------------------------------------------------------------------------------------
// Server status.

Result<std::vector<ServerStatus>> PostgresStore::ServerStatuses(const StatusPeriods& periods,
                                                                bool count_jobs) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentStatusSchemaVersion));
  std::vector<ServerStatus> out;
  // One snapshot, so that the counts and the servers agree.
  Status st = InReadLocked([&]() -> Status {
    Result<PgResult> servers = conn_->Run(
        "SELECT s.id, s.name, s.agent_version, s.first_contact, s.last_contact,"
        " s.outbox_records, s.outbox_oldest,"
        " (SELECT COUNT(*) FROM devices d WHERE d.server = s.name AND NOT d.deleted"
        "  AND NOT EXISTS (SELECT 1 FROM device_periods p WHERE p.device_id = d.id))"
        " FROM servers s ORDER BY s.name COLLATE \"C\"",
        "reading the servers");
    if (!servers.ok()) return servers.status();
    std::unordered_map<int64_t, size_t> by_row;
    const PGresult* s = servers->get();
    for (int i = 0; i < PQntuples(s); ++i) {
      ServerStatus row;
      row.server = ColumnText(s, i, 1);
      row.agent_version = ColumnText(s, i, 2);
      row.first_contact = ColumnInt(s, i, 3);
      row.last_contact = ColumnInt(s, i, 4);
      if (!ColumnNull(s, i, 5)) {
        row.outbox_records = ColumnInt(s, i, 5);
        row.oldest_record_unix = ColumnNull(s, i, 6) ? 0 : ColumnInt(s, i, 6);
      }
      row.unclassified_queues = ColumnInt(s, i, 7);
      by_row[ColumnInt(s, i, 0)] = out.size();
      out.push_back(std::move(row));
    }
    if (!count_jobs) return Status::Ok();
    // received_at's BRIN index: jobs are appended as they arrive.
    Result<PgResult> counts = conn_->Run(
        "SELECT server_id, COUNT(*) FILTER (WHERE received_at >= $1),"
        " COUNT(*) FILTER (WHERE received_at >= $2) FROM jobs"
        " WHERE received_at >= LEAST($1::bigint, $2::bigint) GROUP BY server_id",
        Params().Int(periods.month_start).Int(periods.day_start), "counting the jobs");
    if (!counts.ok()) return counts.status();
    for (int i = 0; i < PQntuples(counts->get()); ++i) {
      auto it = by_row.find(ColumnInt(counts->get(), i, 0));
      if (it == by_row.end()) continue;
      out[it->second].jobs_this_month = ColumnInt(counts->get(), i, 1);
      out[it->second].jobs_today = ColumnInt(counts->get(), i, 2);
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace ramette::aggregator::store
