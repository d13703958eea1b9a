// Picks the store engine from `--db` / `[storage] database`: a `postgresql://` (or
// `postgres://`) URI means PostgreSQL, anything else a SQLite file path. The CLI, the daemons
// and `ramette store copy` open stores only through here and use the Store contract.
#ifndef RAMETTE_AGGREGATOR_STORE_OPEN_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_OPEN_STORE_H_

#include <memory>
#include <string>

#include "aggregator/store/store.h"
#include "aggregator/store/store_location.h"
#include "common/status.h"

namespace ramette::aggregator::store {

enum class OpenMode {
  kCreate,    // the aggregator, imports and `store copy`'s target: create an empty database
  kExisting,  // every other command: refuse a missing database with a clear message
};

// Opens (and migrates) the store at `db`. Errors name `db` without any password:
// InvalidArgument or FailedPrecondition for configuration (a missing SQLite file in kExisting,
// a refused login, a database of a newer ramette), Unavailable when the server cannot be
// reached or the database stays locked (retrying may help), IoError otherwise.
Result<std::unique_ptr<Store>> OpenStore(const std::string& db, OpenMode mode);

// The process exit code for a store that could not be opened: 75 (EX_TEMPFAIL) when retrying
// may help (Unavailable), 78 (EX_CONFIG) for configuration, 1 otherwise.
int ExitCodeForOpenError(const Status& status);

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_OPEN_STORE_H_
