// Where a system test's aggregators keep their data, whichever engine: a SQLite file in the
// test's directory, or a database on a private PostgreSQL server (tests/postgres/) that several
// aggregators share. The tests pass each location to `--db` and read the stored rows back with
// plain SQL over the schema both engines share.
#ifndef RAMETTE_TESTS_TEST_DATABASE_H_
#define RAMETTE_TESTS_TEST_DATABASE_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace ramette::testing {

enum class Engine { kSqlite, kPostgres };

// Not thread-safe to create databases from several threads; Query may be called from any.
class TestDatabases {
 public:
  // SQLite files under `dir` (which must exist), or a private PostgreSQL server started now and
  // stopped with the object. FailedPrecondition when PostgreSQL is not installed here (tests
  // skip then); IoError when the server does not start.
  static Result<std::unique_ptr<TestDatabases>> Start(Engine engine, const std::string& dir);
  virtual ~TestDatabases() = default;

  virtual Engine engine() const = 0;
  // A new, empty database `name` ([a-z0-9_]): a SQLite path (not created yet: the first
  // writer creates it) or a `postgresql://` URI. What `--db` takes.
  virtual Result<std::string> Create(const std::string& name) = 0;
  // Runs `sql` on the database at `location` (read-only use); the text of the first column of
  // every row. IoError when the database cannot be opened or the statement fails.
  virtual Result<std::vector<std::string>> Query(const std::string& location,
                                                 const std::string& sql) = 0;
  // The server's log for failure messages; "" for SQLite.
  virtual std::string ServerLog() const = 0;

  // The CUPS job ids of the jobs stored for `server` at `location`, one entry per stored row (a
  // job stored twice appears twice); empty when the database cannot be read yet.
  std::multiset<int> StoredJobIds(const std::string& location, const std::string& server);
  // How many jobs `location` holds; -1 when it cannot be read yet.
  int64_t CountJobs(const std::string& location);
};

// "sqlite" or "postgres".
const char* EngineName(Engine engine);

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_TEST_DATABASE_H_
