// The `ramette` command-line actions, separated from argument parsing so that tests can call
// them. Each returns the process exit code and writes results to `out`, errors to `err`.
#ifndef RAMETTE_AGGREGATOR_CLI_COMMANDS_H_
#define RAMETTE_AGGREGATOR_CLI_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace ramette::aggregator {

// `ramette --db DB import KIND FILE`: KIND is papers, devices, users or workstations. The whole
// file is imported in one transaction, or nothing is (the error names the file and line).
int RunImport(const std::string& db, const std::string& kind, const std::string& file,
              std::ostream& out, std::ostream& err);

// `ramette --db DB indicators --year N [--direction NAME] [--format table|csv|json]`.
int RunIndicators(const std::string& db, int year, const std::optional<std::string>& direction,
                  const std::string& format, std::ostream& out, std::ostream& err);

// `ramette --db DB status [--silent-after DURATION] [--format table|json]`: one row per print
// server; a server whose agent has not called for more than `silent_after` ("15m", "2h", ...)
// is flagged SILENT. `now` is the current unix time (injected by tests). Exit 0 when every
// server reported in time, 3 when one or more are silent, 1 on errors, 2 on bad arguments.
int RunStatus(const std::string& db, const std::string& silent_after, const std::string& format,
              int64_t now, std::ostream& out, std::ostream& err);

// `ramette --db DB backup FILE`: a consistent copy of the database (SQLite online backup),
// safe while the aggregator writes. Refuses to overwrite FILE.
int RunBackup(const std::string& db, const std::string& file, std::ostream& out, std::ostream& err);

}  // namespace ramette::aggregator

#endif  // RAMETTE_AGGREGATOR_CLI_COMMANDS_H_
