// `ramette user add|list|remove|passwd`: the dashboard's web accounts (store/account_store.h),
// their passwords read from a file or standard input and kept only as Argon2id hashes.
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/auth/password_hash.h"
#include "aggregator/cli/commands.h"
#include "aggregator/cli/commands_internal.h"
#include "aggregator/model/inventory.h"
#include "common/utf8.h"

namespace ramette::aggregator::cli {
namespace {

// A line longer than this is refused without reading on (HashPassword refuses it anyway).
constexpr size_t kMaxPasswordLine = 1024;
// `user add` lists at most this many known directions in its error.
constexpr size_t kListedDirections = 20;

// Reads one line from `in` into *line without its newline (and a carriage return before it).
// False when nothing at all could be read; *too_long (and no more read) when the line goes past
// kMaxPasswordLine bytes.
bool ReadLine(std::istream& in, std::string* line, bool* too_long) {
  line->clear();
  *too_long = false;
  bool any = false;
  char c;
  while (in.get(c)) {
    any = true;
    if (c == '\n') break;
    line->push_back(c);
    if (line->size() > kMaxPasswordLine) {
      *too_long = true;  // stop there: the rest of the line (maybe endless) is not read
      break;
    }
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return any;
}

// Turns the terminal's echo off for its lifetime (standard input), when it is a terminal.
class NoEcho {
 public:
  NoEcho() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~NoEcho() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// The password as PasswordInput says, hashed; on failure the message (never the password)
// goes to `err` and the result is empty.
std::optional<std::string> ReadAndHashPassword(const PasswordInput& input,
                                               const std::string& account, std::ostream& err) {
  std::string password;
  bool too_long = false;
  if (!input.file.empty()) {
    // Only the first line is read, never the whole file.
    errno = 0;
    std::ifstream f(input.file, std::ios::binary);
    if (!f) {
      err << "ramette: cannot read the password file " << ForLog(input.file) << ": "
          << std::strerror(errno != 0 ? errno : EIO) << "\n";
      return std::nullopt;
    }
    if (!ReadLine(f, &password, &too_long)) {
      err << "ramette: the password file " << ForLog(input.file)
          << " is empty (or not a readable file)\n";
      return std::nullopt;
    }
  } else {
    if (input.in == nullptr) {
      err << "ramette: no password: give --password-file F or one line on standard input\n";
      return std::nullopt;
    }
    bool read = false;
    if (input.terminal) {
      err << "password for " << ForLog(account) << " (not shown): " << std::flush;
      NoEcho quiet;
      read = ReadLine(*input.in, &password, &too_long);
      err << "\n";
    } else {
      read = ReadLine(*input.in, &password, &too_long);
    }
    if (!read) {
      err << "ramette: no password: give --password-file F or one line on standard input\n";
      return std::nullopt;
    }
  }
  if (too_long) password.assign(kMaxPasswordLine + 1, 'x');  // refused below, by length
  Result<std::string> hash = auth::HashPassword(password);
  std::fill(password.begin(), password.end(), '\0');
  if (!hash.ok()) {
    err << "ramette: " << hash.status().message() << "\n";
    return std::nullopt;
  }
  return *hash;
}

// The directions a direction account may name: those the indicators attribute usage to, and
// those of purchases rows (which the indicators show as well).
Result<std::vector<std::string>> KnownDirections(store::Store& store) {
  Result<model::Inventory> inv = store.usage().LoadInventory();
  if (!inv.ok()) return inv.status();
  std::vector<std::string> names = model::DirectionNames(*inv);
  if (inv->has_purchases) {
    Result<std::vector<model::Purchase>> purchases = store.usage().LoadPurchases(
        std::numeric_limits<Day>::min(), std::numeric_limits<Day>::max());
    if (!purchases.ok()) return purchases.status();
    for (const model::Purchase& p : *purchases) {
      if (!p.direction.empty()) names.push_back(p.direction);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string Quoted(const std::string& name) { return "'" + ForLog(name) + "'"; }

}  // namespace

int RunUserAdd(const std::string& db, const std::string& name, const std::string& role,
               const std::string& direction, const PasswordInput& password, int64_t now,
               std::ostream& out, std::ostream& err) {
  const std::optional<store::AccountRole> parsed = store::ParseAccountRole(role);
  if (!parsed) {
    err << "ramette: user add: bad role " << Quoted(role) << " (expected admin, it or direction)\n";
    return 2;
  }
  store::WebAccount account;
  account.name = name;
  account.role = *parsed;
  account.direction = direction;
  account.password_hash = "-";  // checked for the rest first; the hash comes last
  account.created_at = now;
  account.updated_at = now;
  if (const std::string problem = store::AccountProblem(account); !problem.empty()) {
    err << "ramette: user add: " << problem;
    if (*parsed == store::AccountRole::kDirection && direction.empty())
      err << " (--direction NAME)";
    err << "\n";
    return 2;
  }
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kCreate, err, &code);
  if (store == nullptr) return code;
  Result<std::optional<store::WebAccount>> taken = store->accounts().FindAccount(name);
  if (!taken.ok()) {
    err << "ramette: " << taken.status().message() << "\n";
    return 1;
  }
  if (taken->has_value()) {
    err << "ramette: an account named " << Quoted(name)
        << " already exists (see `ramette user list`; `ramette user passwd` changes its "
           "password)\n";
    return 1;
  }
  if (*parsed == store::AccountRole::kDirection) {
    Result<std::vector<std::string>> known = KnownDirections(*store);
    if (!known.ok()) {
      err << "ramette: " << known.status().message() << "\n";
      return 1;
    }
    if (!std::binary_search(known->begin(), known->end(), direction)) {
      err << "ramette: unknown direction " << Quoted(direction)
          << ": a direction account needs a direction the store knows, from `ramette import "
             "devices|users|workstations|purchases` or `ramette directory sync`";
      if (known->empty()) {
        err << "; it knows none yet";
      } else {
        err << "; known: ";
        for (size_t i = 0; i < known->size() && i < kListedDirections; ++i) {
          err << (i == 0 ? "" : ", ") << ForLog((*known)[i]);
        }
        if (known->size() > kListedDirections) {
          err << " and " << known->size() - kListedDirections << " more";
        }
      }
      err << " (`ramette indicators --year N` lists every direction)\n";
      return 1;
    }
  }
  std::optional<std::string> hash = ReadAndHashPassword(password, name, err);
  if (!hash) return 1;
  account.password_hash = *hash;
  Status st = store->accounts().AddAccount(account);
  if (st.code() == Status::Code::kFailedPrecondition) {
    err << "ramette: an account named " << Quoted(name) << " already exists\n";
    return 1;
  }
  if (!st.ok()) {
    err << "ramette: cannot store the account: " << st.message() << "\n";
    return 1;
  }
  out << "added account " << Quoted(name) << " (role " << store::AccountRoleName(account.role);
  if (!direction.empty()) out << ", direction " << Quoted(direction);
  out << ")\n";
  return FinishOutput(out, err, 0);
}

int RunUserList(const std::string& db, std::ostream& out, std::ostream& err) {
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  Result<std::vector<store::WebAccount>> accounts = store->accounts().ListAccounts();
  if (!accounts.ok()) {
    err << "ramette: " << accounts.status().message() << "\n";
    return 1;
  }
  size_t name_width = 4;       // "NAME"
  size_t direction_width = 9;  // "DIRECTION"
  for (const store::WebAccount& a : *accounts) {
    name_width = std::max(name_width, a.name.size());
    direction_width = std::max(direction_width, a.direction.size());
  }
  auto pad = [](const std::string& s, size_t w) {
    return s + std::string(w > s.size() ? w - s.size() : 0, ' ');
  };
  out << pad("NAME", name_width) << "  " << pad("ROLE", 9) << "  "
      << pad("DIRECTION", direction_width) << "  " << pad("CREATED", 20) << "  UPDATED\n";
  for (const store::WebAccount& a : *accounts) {
    out << pad(a.name, name_width) << "  " << pad(std::string(store::AccountRoleName(a.role)), 9)
        << "  " << pad(a.direction.empty() ? "-" : a.direction, direction_width) << "  "
        << UtcTime(a.created_at) << "  " << UtcTime(a.updated_at) << "\n";
  }
  return FinishOutput(out, err, 0);
}

int RunUserRemove(const std::string& db, const std::string& name, std::ostream& out,
                  std::ostream& err) {
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  Result<bool> removed = store->accounts().RemoveAccount(name);
  if (!removed.ok()) {
    err << "ramette: " << removed.status().message() << "\n";
    return 1;
  }
  if (!*removed) {
    err << "ramette: no account named " << Quoted(name) << " (see `ramette user list`)\n";
    return 1;
  }
  out << "removed account " << Quoted(name) << "\n";
  return FinishOutput(out, err, 0);
}

int RunUserPasswd(const std::string& db, const std::string& name, const PasswordInput& password,
                  int64_t now, std::ostream& out, std::ostream& err) {
  int code = 1;
  std::unique_ptr<store::Store> store = OpenOrReport(db, store::OpenMode::kExisting, err, &code);
  if (store == nullptr) return code;
  Result<std::optional<store::WebAccount>> found = store->accounts().FindAccount(name);
  if (!found.ok()) {
    err << "ramette: " << found.status().message() << "\n";
    return 1;
  }
  if (!found->has_value()) {
    err << "ramette: no account named " << Quoted(name) << " (see `ramette user list`)\n";
    return 1;
  }
  std::optional<std::string> hash = ReadAndHashPassword(password, name, err);
  if (!hash) return 1;
  Result<bool> changed = store->accounts().SetAccountPassword(name, *hash, now);
  if (!changed.ok()) {
    err << "ramette: cannot store the password: " << changed.status().message() << "\n";
    return 1;
  }
  if (!*changed) {
    err << "ramette: no account named " << Quoted(name) << " (removed meanwhile)\n";
    return 1;
  }
  out << "changed the password of account " << Quoted(name) << "\n";
  return FinishOutput(out, err, 0);
}

}  // namespace ramette::aggregator::cli
