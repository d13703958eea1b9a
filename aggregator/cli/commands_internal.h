// Private to the `ramette` command files (commands.cc, user_commands.cc): the helpers more than
// one of them uses. Not an interface.
#ifndef RAMETTE_AGGREGATOR_CLI_COMMANDS_INTERNAL_H_
#define RAMETTE_AGGREGATOR_CLI_COMMANDS_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "aggregator/store/open_store.h"
#include "aggregator/store/store.h"

namespace ramette::aggregator::cli {

// The store at `db`, opened through the engine its name picks; nullptr after printing the
// error, with *exit_code set (78 configuration, 75 retry later, 1 otherwise).
std::unique_ptr<store::Store> OpenOrReport(const std::string& db, store::OpenMode mode,
                                           std::ostream& err, int* exit_code);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string UtcTime(int64_t unix_seconds);

}  // namespace ramette::aggregator::cli

#endif  // RAMETTE_AGGREGATOR_CLI_COMMANDS_INTERNAL_H_
