// What makes a print server's id acceptable, for the agent (checked at start) and the
// aggregator (checked on every call): one rule.
#ifndef RAMETTE_COMMON_SERVER_ID_H_
#define RAMETTE_COMMON_SERVER_ID_H_

#include <string>
#include <string_view>

namespace ramette {

// "" when `id` is a valid server id: 1 to 255 bytes of UTF-8 without control characters;
// otherwise why not ("empty server id", "control character in server id", ...).
std::string ServerIdProblem(std::string_view id);

}  // namespace ramette

#endif  // RAMETTE_COMMON_SERVER_ID_H_
