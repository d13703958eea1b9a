// PostgresStore, AccountStore part: the dashboard's web accounts (schema v12), one statement
// each (its own transaction).
#include <libpq-fe.h>

#include <utility>

#include "aggregator/store/postgres_store.h"
#include "aggregator/store/postgres_store_internal.h"

namespace ramette::aggregator::store {

namespace {

// postgres_store_internal.h
using postgres_internal::ColumnInt;
using postgres_internal::ColumnText;
using postgres_internal::kWebAccountsSchemaVersion;
using postgres_internal::Params;
using postgres_internal::PgResult;

#define RAMETTE_ACCOUNT_COLUMNS \
  "SELECT name, role, direction, password_hash, created_at, updated_at FROM web_accounts"

// Row `row` of `r`, in RAMETTE_ACCOUNT_COLUMNS' order.
Result<WebAccount> ReadAccount(const PGresult* r, int row) {
  WebAccount a;
  a.name = ColumnText(r, row, 0);
  const std::optional<AccountRole> role = ParseAccountRole(ColumnText(r, row, 1));
  if (!role) return Status::Corruption("web account '" + a.name + "' has an unknown role");
  a.role = *role;
  a.direction = ColumnText(r, row, 2);
  a.password_hash = ColumnText(r, row, 3);
  a.created_at = ColumnInt(r, row, 4);
  a.updated_at = ColumnInt(r, row, 5);
  return a;
}

}  // namespace

Status PostgresStore::AddAccount(const WebAccount& account) {
  const std::string problem = AccountProblem(account);
  if (!problem.empty()) return Status::InvalidArgument(problem);
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "INSERT INTO web_accounts(name, role, direction, password_hash, created_at, updated_at)"
      " VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT(name) DO NOTHING RETURNING name",
      Params()
          .Text(account.name)
          .Text(AccountRoleName(account.role))
          .Text(account.direction)
          .Text(account.password_hash)
          .Int(account.created_at)
          .Int(account.updated_at),
      "storing a web account");
  if (!r.ok()) return r.status();
  if (PQntuples(r->get()) == 0) {
    return Status::FailedPrecondition("an account named '" + account.name + "' already exists");
  }
  return Status::Ok();
}

Result<std::optional<WebAccount>> PostgresStore::FindAccount(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(RAMETTE_ACCOUNT_COLUMNS " WHERE name = $1", Params().Text(name),
                                  "reading a web account");
  if (!r.ok()) return r.status();
  if (PQntuples(r->get()) == 0) return std::optional<WebAccount>();
  Result<WebAccount> a = ReadAccount(r->get(), 0);
  if (!a.ok()) return a.status();
  return std::optional<WebAccount>(std::move(*a));
}

Result<std::vector<WebAccount>> PostgresStore::ListAccounts() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(RAMETTE_ACCOUNT_COLUMNS " ORDER BY name COLLATE \"C\"",
                                  "reading the web accounts");
  if (!r.ok()) return r.status();
  std::vector<WebAccount> out;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    Result<WebAccount> a = ReadAccount(r->get(), i);
    if (!a.ok()) return a.status();
    out.push_back(std::move(*a));
  }
  return out;
}

Result<bool> PostgresStore::RemoveAccount(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run("DELETE FROM web_accounts WHERE name = $1 RETURNING name",
                                  Params().Text(name), "removing a web account");
  if (!r.ok()) return r.status();
  return PQntuples(r->get()) > 0;
}

Result<bool> PostgresStore::SetAccountPassword(const std::string& name, const std::string& hash,
                                               int64_t now) {
  if (hash.empty()) return Status::InvalidArgument("the account has no password hash");
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "UPDATE web_accounts SET password_hash = $2, updated_at = $3 WHERE name = $1"
      " RETURNING name",
      Params().Text(name).Text(hash).Int(now), "changing a web account's password");
  if (!r.ok()) return r.status();
  return PQntuples(r->get()) > 0;
}

#undef RAMETTE_ACCOUNT_COLUMNS

}  // namespace ramette::aggregator::store
