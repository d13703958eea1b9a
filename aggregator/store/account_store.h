// The web-account part of the store contract (schema v12): who may log in to ramette-web, with
// which role, and the Argon2id hash of their password (auth/password_hash.h). Never a password.
// Every engine implements it; `ramette user add|list|remove|passwd` writes it, ramette-web reads.
#ifndef RAMETTE_AGGREGATOR_STORE_ACCOUNT_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_ACCOUNT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ramette::aggregator::store {

// admin sees everything; it sees print servers, devices and data quality; a direction account
// sees its own direction and the organisation's totals only.
enum class AccountRole { kAdmin, kIt, kDirection };

// "admin", "it", "direction".
std::string_view AccountRoleName(AccountRole role);
// The inverse of AccountRoleName; empty for any other text.
std::optional<AccountRole> ParseAccountRole(std::string_view text);

// One account. `direction` is set exactly when role is kDirection.
struct WebAccount {
  std::string name;
  AccountRole role = AccountRole::kDirection;
  std::string direction;
  std::string password_hash;  // crypto_pwhash_str output (Argon2id), never the password
  int64_t created_at = 0;     // unix seconds
  int64_t updated_at = 0;     // unix seconds: creation or last password change

  bool operator==(const WebAccount&) const = default;
};

// Account and direction names are at most this many bytes.
inline constexpr size_t kMaxAccountNameLength = 256;

// Why `account` cannot be stored, "" when it can: an empty name, a name or direction longer than
// kMaxAccountNameLength, not UTF-8 or holding a control character (common/utf8.h), a direction
// missing for role kDirection or given for another role, an empty password hash. Every engine
// refuses such an account with InvalidArgument and this text; the CLI asks it before anything.
std::string AccountProblem(const WebAccount& account);

// Thread-safe. Errors: IoError, Unavailable (retry), FailedPrecondition (schema),
// InvalidArgument (an account with an AccountProblem, an empty hash). A name that is not stored
// (the empty one included) is simply not found.
class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Stores a new account as given (created_at and updated_at included); FailedPrecondition
  // when the name is taken; InvalidArgument with AccountProblem's text.
  virtual Status AddAccount(const WebAccount& account) = 0;
  // The account named `name` (names compared exactly), or empty.
  virtual Result<std::optional<WebAccount>> FindAccount(const std::string& name) = 0;
  // Every account, ordered by name (bytewise).
  virtual Result<std::vector<WebAccount>> ListAccounts() = 0;
  // Removes the account; false when there was none.
  virtual Result<bool> RemoveAccount(const std::string& name) = 0;
  // Replaces the account's password hash and sets updated_at; false when there is no account.
  virtual Result<bool> SetAccountPassword(const std::string& name, const std::string& hash,
                                          int64_t now) = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_ACCOUNT_STORE_H_
