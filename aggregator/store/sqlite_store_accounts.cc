// SqliteStore, AccountStore part: the dashboard's web accounts (schema v12), one statement each.
#include <sqlite3.h>

#include <utility>

#include "aggregator/store/sqlite_store.h"
#include "aggregator/store/sqlite_store_internal.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

using sqlite::BindInt;
using sqlite::BindText;
using sqlite::ColumnText;
using sqlite::OwnedStatement;
using sqlite::SqliteError;
using sqlite::StepDone;
using sqlite_internal::kWebAccountsSchemaVersion;

constexpr char kAccountColumns[] =
    "name, role, direction, password_hash, created_at, updated_at FROM web_accounts";

// The row at `s`'s cursor, in kAccountColumns' order.
Result<WebAccount> ReadAccount(sqlite3_stmt* s) {
  WebAccount a;
  a.name = ColumnText(s, 0);
  const std::optional<AccountRole> role = ParseAccountRole(ColumnText(s, 1));
  if (!role) return Status::Corruption("web account '" + a.name + "' has an unknown role");
  a.role = *role;
  a.direction = ColumnText(s, 2);
  a.password_hash = ColumnText(s, 3);
  a.created_at = sqlite3_column_int64(s, 4);
  a.updated_at = sqlite3_column_int64(s, 5);
  return a;
}

}  // namespace

Status SqliteStore::AddAccount(const WebAccount& account) {
  const std::string problem = AccountProblem(account);
  if (!problem.empty()) return Status::InvalidArgument(problem);
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(
      db_,
      "INSERT INTO web_accounts(name, role, direction, password_hash, created_at, updated_at)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(name) DO NOTHING"));
  BindText(s.get(), 1, account.name);
  BindText(s.get(), 2, AccountRoleName(account.role));
  BindText(s.get(), 3, account.direction);
  BindText(s.get(), 4, account.password_hash);
  BindInt(s.get(), 5, account.created_at);
  BindInt(s.get(), 6, account.updated_at);
  RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "storing a web account"));
  if (sqlite3_changes(db_) == 0) {
    return Status::FailedPrecondition("an account named '" + account.name + "' already exists");
  }
  return Status::Ok();
}

Result<std::optional<WebAccount>> SqliteStore::FindAccount(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_, (std::string("SELECT ") + kAccountColumns + " WHERE name = ?1").c_str()));
  BindText(s.get(), 1, name);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return std::optional<WebAccount>();
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading a web account");
  Result<WebAccount> a = ReadAccount(s.get());
  if (!a.ok()) return a.status();
  return std::optional<WebAccount>(std::move(*a));
}

Result<std::vector<WebAccount>> SqliteStore::ListAccounts() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_, (std::string("SELECT ") + kAccountColumns + " ORDER BY name").c_str()));
  std::vector<WebAccount> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    Result<WebAccount> a = ReadAccount(s.get());
    if (!a.ok()) return a.status();
    out.push_back(std::move(*a));
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading the web accounts");
  return out;
}

Result<bool> SqliteStore::RemoveAccount(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, "DELETE FROM web_accounts WHERE name = ?1"));
  BindText(s.get(), 1, name);
  RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "removing a web account"));
  return sqlite3_changes(db_) > 0;
}

Result<bool> SqliteStore::SetAccountPassword(const std::string& name, const std::string& hash,
                                             int64_t now) {
  if (hash.empty()) return Status::InvalidArgument("the account has no password hash");
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kWebAccountsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(
      db_, "UPDATE web_accounts SET password_hash = ?2, updated_at = ?3 WHERE name = ?1"));
  BindText(s.get(), 1, name);
  BindText(s.get(), 2, hash);
  BindInt(s.get(), 3, now);
  RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "changing a web account's password"));
  return sqlite3_changes(db_) > 0;
}

}  // namespace ramette::aggregator::store
