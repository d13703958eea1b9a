// Engine choice from the database string.
#include "aggregator/store/open_store.h"

#include <sys/stat.h>

#include "aggregator/store/postgres_store.h"
#include "aggregator/store/sqlite_store.h"

namespace ramette::aggregator::store {

Result<std::unique_ptr<Store>> OpenStore(const std::string& db, OpenMode mode) {
  if (db.empty()) return Status::InvalidArgument("no database given (use --db PATH|URI)");
  if (IsPostgresUri(db)) {
    Result<std::unique_ptr<PostgresStore>> store =
        PostgresStore::Open(db, /*create_if_empty=*/mode == OpenMode::kCreate);
    if (!store.ok()) return store.status();  // its messages name the URI without its password
    return std::unique_ptr<Store>(std::move(store).value());
  }
  struct stat st;
  const bool exists = stat(db.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("database '" + db + "' is a directory, not a file");
  }
  if (!exists && mode == OpenMode::kExisting) {
    return Status::InvalidArgument("no database at " + db + " (use --db PATH|URI)");
  }
  Result<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(db, /*create=*/mode == OpenMode::kCreate);
  if (!store.ok()) {
    return store.status().WithContext("cannot open database " + db);
  }
  return std::unique_ptr<Store>(std::move(store).value());
}

int ExitCodeForOpenError(const Status& status) {
  switch (status.code()) {
    case Status::Code::kUnavailable:
      return 75;
    case Status::Code::kInvalidArgument:
    case Status::Code::kFailedPrecondition:
    case Status::Code::kCorruption:
    case Status::Code::kNotFound:
    case Status::Code::kUnauthenticated:
    case Status::Code::kPermissionDenied:
      return 78;
    default:
      return 1;
  }
}

}  // namespace ramette::aggregator::store
