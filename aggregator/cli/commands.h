// The `ramette` command-line actions, separated from argument parsing so that tests can call
// them. Each returns the process exit code and writes results to `out`, errors to `err`.
#ifndef RAMETTE_AGGREGATOR_CLI_COMMANDS_H_
#define RAMETTE_AGGREGATOR_CLI_COMMANDS_H_

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

}  // namespace ramette::aggregator

#endif  // RAMETTE_AGGREGATOR_CLI_COMMANDS_H_
