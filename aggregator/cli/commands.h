// The `ramette` command-line actions, separated from argument parsing so that tests can call
// them. Each returns the process exit code and writes results to `out`, errors to `err`.
#ifndef RAMETTE_AGGREGATOR_CLI_COMMANDS_H_
#define RAMETTE_AGGREGATOR_CLI_COMMANDS_H_

#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>

namespace ramette::aggregator::cli {

// Exit code when the results could not be written to standard output (EX_IOERR).
inline constexpr int kExitIoError = 74;

// Called by every command at its end: flushes `out` and returns `code` when all that was written
// to it got there; otherwise prints "ramette: cannot write to standard output: REASON" on `err`
// and returns kExitIoError. `token create`, whose output is the only copy of the token, also
// names the token to revoke.
int FinishOutput(std::ostream& out, std::ostream& err, int code);

// `ramette --db DB import KIND FILE`: KIND is papers, devices, users, workstations, directions
// (direction,email: where the monthly reports go), purchases (replaces the stored purchases of
// the years the file covers) or meters (readings by server, queue, date). The whole file is
// imported in one transaction, or nothing is (the error names the file and line).
int RunImport(const std::string& db, const std::string& kind, const std::string& file,
              std::ostream& out, std::ostream& err);

// `ramette --db DB [--config FILE] indicators --year N [--direction NAME]
// [--format table|csv|json]`. The configuration's [indicators] paper_source chooses the source of
// I1 and I2 (a bad file exits with kExitConfig).
int RunIndicators(const std::string& db, int year, const std::optional<std::string>& direction,
                  const std::string& format, std::ostream& out, std::ostream& err,
                  const std::string& config_path = "");

// Exit code when some reports could not be written or sent (EX_TEMPFAIL): the next run
// retries them.
inline constexpr int kExitSendFailed = 75;
// Exit code for a bad configuration (EX_CONFIG).
inline constexpr int kExitConfig = 78;

// `ramette [--config FILE] --db DB report monthly --month YYYY-MM|last [--direction NAME]
// [--lang fr|en] --out DIR [--send]`. Writes DIR/ramette-YYYY-MM-NAME.html and .csv for each
// direction (or the one named, each through WriteFileAtomically), creating DIR if needed; "last" is
// the month before the current one in the organisation's time zone. With --send, mails each
// direction its report through [smtp] (config_path required): directions without an address are
// listed, failed sends make the exit code kExitSendFailed and are retried by the next run, sends
// already made are skipped. A direction whose files cannot be written is reported with the
// reason and neither written nor sent; the others go on, and the exit code is kExitSendFailed.
// File names follow reports::ReportFileStem. `config_path` empty: embedded defaults.
int RunReportMonthly(const std::string& db, const std::string& config_path,
                     const std::string& month, const std::optional<std::string>& direction,
                     const std::string& lang, const std::string& out_dir, bool send,
                     std::ostream& out, std::ostream& err);

// `ramette --db DB export indicators --year N --format csv-fr|csv-en|json [--out FILE]`:
// I1-I5 and supporting figures for N-2, N-1 and N; to `out_file` (through WriteFileAtomically:
// an existing target that is not a regular file is refused, exit 1) or to `out` when empty.
int RunExportIndicators(const std::string& db, int year, const std::string& format,
                        const std::string& out_file, std::ostream& out, std::ostream& err,
                        const std::string& config_path = "");
// `ramette --db DB status [--silent-after DURATION] [--format table|json]`: one row per print
// server; a server whose agent has not called for more than `silent_after` ("15m", "2h", ...)
// is flagged SILENT. `now` is the current unix time (injected by tests). Exit 0 when every
// server reported in time, 3 when one or more are silent, 1 on errors, 2 on bad arguments.
int RunStatus(const std::string& db, const std::string& silent_after, const std::string& format,
              int64_t now, std::ostream& out, std::ostream& err);

// `ramette --db DB backup FILE`: a consistent copy of the database (SQLite online backup),
// safe while the aggregator writes. Refuses to overwrite FILE.
int RunBackup(const std::string& db, const std::string& file, std::ostream& out, std::ostream& err);

// `ramette --db DB token create --server-id NAME`: a new agent token bound to NAME, printed
// once on `out` (one line, nothing else); the database keeps only its SHA-256. The database is
// created when missing. `ramette --db DB token list`: one line per token (public id, server id,
// created, revoked), never a secret. `ramette --db DB token revoke ID` revokes one token by its
// public id, `... token revoke --server-id NAME` every valid token of NAME; exit 1 when no
// valid token matched. `now` is the current unix time (injected by tests).
int RunTokenCreate(const std::string& db, const std::string& server_id, int64_t now,
                   std::ostream& out, std::ostream& err);
int RunTokenList(const std::string& db, std::ostream& out, std::ostream& err);
int RunTokenRevoke(const std::string& db, const std::string& id, const std::string& server_id,
                   int64_t now, std::ostream& out, std::ostream& err);

// Where `user add` and `user passwd` read the password: the first line of `file` (its newline,
// and a carriage return before it, removed) when set, else one line of `in`. With `terminal`
// (`in` is standard input on a terminal) the prompt goes to `err` and the line is read without
// echo. The password is never printed, logged or put in a message.
struct PasswordInput {
  std::string file;
  std::istream* in = nullptr;
  bool terminal = false;
};

// `ramette --db DB user add NAME --role admin|it|direction [--direction NAME]
// [--password-file F]`: a ramette-web account with the Argon2id hash of its password
// (auth/password_hash.h). --direction is required for role direction and refused for the
// others; it must be a direction the store knows (model::DirectionNames, or a purchases row's).
// The database is created when missing. Exit 0 when added; 2 on bad arguments (role, a
// direction missing or given for another role, a name that is empty, longer than 256 bytes or
// holds a control character); 1 when the name is taken, the direction unknown, the password
// refused (shorter than 10 bytes, over 1 KiB, a NUL) or unreadable, or on store errors; 78/75
// when the store cannot be opened. `now` is the current unix time (injected by tests).
int RunUserAdd(const std::string& db, const std::string& name, const std::string& role,
               const std::string& direction, const PasswordInput& password, int64_t now,
               std::ostream& out, std::ostream& err);
// `ramette --db DB user list`: one line per account, by name: name, role, direction ("-" for
// none), created and updated (UTC); never a hash. Exit 0.
int RunUserList(const std::string& db, std::ostream& out, std::ostream& err);
// `ramette --db DB user remove NAME`: exit 1 when there is no such account.
int RunUserRemove(const std::string& db, const std::string& name, std::ostream& out,
                  std::ostream& err);
// `ramette --db DB user passwd NAME [--password-file F]`: a new password (read as for `user
// add`) for an existing account; exit 1 when there is no such account or the password is
// refused.
int RunUserPasswd(const std::string& db, const std::string& name, const PasswordInput& password,
                  int64_t now, std::ostream& out, std::ostream& err);

// Exit code of `store copy` when the data disagree (EX_DATAERR): the target holds other values
// for a key of the source, or the verification found a difference.
inline constexpr int kExitDataError = 65;

// `ramette store copy --from SOURCE --to TARGET`: copies every row of SOURCE (a SQLite path or a
// postgresql:// URI; must exist) that TARGET (created when missing) lacks, in key-ordered
// batches, then verifies the row counts and `indicators --format json` of every year with jobs
// on both sides, and prints a summary. Idempotent and resumable: rows already identical in
// TARGET are skipped. Exit 0 when copied and verified; kExitDataError at the first key TARGET
// holds with other values (named with its table, key and column; what earlier batches wrote
// stays) or when the verification finds a difference; 78/75 when a store cannot be opened; 2
// when SOURCE and TARGET are the same; 1 on other errors. Passwords are never printed.
int RunStoreCopy(const std::string& from, const std::string& to, std::ostream& out,
                 std::ostream& err);

// `ramette --config FILE --db DB directory sync [--dry-run] [--force] [--date YYYY-MM-DD]`:
// users' directions (and, with [directory.workstations], workstation counts) from the LDAP or
// Active Directory server of [directory] (README "Directory sync"). The changes (added, moved,
// closed, unmapped, skipped by DN) are printed on `out`; --dry-run writes nothing. `date` empty:
// today in the organisation's time zone; `now` is the current unix time. Exit 0 when applied (or
// planned, dry run); kExitConfig without [directory] or with an unreadable password file;
// kExitDataError when the sync would close more than max_close_share of the users it manages
// (nothing written; --force applies it); kExitSendFailed (75) when the server is unreachable;
// 1 on other errors (a refused bind, a failed search, a store error). On every error nothing
// is written.
int RunDirectorySyncCommand(const std::string& db, const std::string& config_path, bool dry_run,
                            bool force, const std::string& date, int64_t now, std::ostream& out,
                            std::ostream& err);

}  // namespace ramette::aggregator::cli

#endif  // RAMETTE_AGGREGATOR_CLI_COMMANDS_H_
