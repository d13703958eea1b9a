// The names of web-account roles, and the one rule of what an account may hold.
#include "aggregator/store/account_store.h"

#include "common/utf8.h"

namespace ramette::aggregator::store {

namespace {

// Why `text` cannot be an account's `what`, "" when it can.
std::string NameProblem(std::string_view what, std::string_view text) {
  if (text.size() > kMaxAccountNameLength) {
    return std::string(what) + " is longer than " + std::to_string(kMaxAccountNameLength) +
           " bytes";
  }
  if (!IsValidUtf8(text)) return std::string(what) + " is not UTF-8";
  const std::string control = ControlCharacterProblem(text);
  if (!control.empty()) return std::string(what) + " holds a " + control;
  return "";
}

}  // namespace

std::string_view AccountRoleName(AccountRole role) {
  switch (role) {
    case AccountRole::kAdmin:
      return "admin";
    case AccountRole::kIt:
      return "it";
    case AccountRole::kDirection:
      return "direction";
  }
  return "direction";
}

std::optional<AccountRole> ParseAccountRole(std::string_view text) {
  for (AccountRole role : {AccountRole::kAdmin, AccountRole::kIt, AccountRole::kDirection}) {
    if (text == AccountRoleName(role)) return role;
  }
  return std::nullopt;
}

std::string AccountProblem(const WebAccount& account) {
  if (account.name.empty()) return "the account name is empty";
  std::string problem = NameProblem("the account name", account.name);
  if (!problem.empty()) return problem;
  if (account.role == AccountRole::kDirection) {
    if (account.direction.empty()) return "a direction account needs a direction";
    problem = NameProblem("the direction", account.direction);
    if (!problem.empty()) return problem;
  } else if (!account.direction.empty()) {
    return "an " + std::string(AccountRoleName(account.role)) +
           " account has no direction (only role direction has one)";
  }
  if (account.password_hash.empty()) return "the account has no password hash";
  return "";
}

}  // namespace ramette::aggregator::store
