// Where a store lives, as people may see it: a PostgreSQL URI (or libpq key=value string) with
// its password masked, for every message and log line that names the database.
#ifndef RAMETTE_AGGREGATOR_STORE_STORE_LOCATION_H_
#define RAMETTE_AGGREGATOR_STORE_STORE_LOCATION_H_

#include <string>

namespace ramette::aggregator::store {

// `location` with every password replaced by "***": the password of a URI's user info
// (`postgresql://user:secret@host/db` -> `postgresql://user:***@host/db`), `password=` query
// parameters of a URI, and `password=` entries of a libpq key=value string (quoted or not).
// Anything else (a SQLite path) is returned unchanged. Pure; thread-safe.
std::string RedactedUri(const std::string& location);

// Whether `location` names a PostgreSQL database (a `postgresql://` or `postgres://` URI)
// rather than a SQLite file path.
bool IsPostgresUri(const std::string& location);

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_STORE_LOCATION_H_
