// A private PostgreSQL server for tests: Debian's postgresql-15 binaries, `initdb` into a fresh
// temporary directory as the unprivileged `postgres` user, no TCP (listen_addresses = ''), its
// Unix socket in that directory. Stopped and removed with the object. Needs root (to drop to
// `postgres`) or to run as `postgres` itself.
#ifndef RAMETTE_TESTS_POSTGRES_PRIVATE_POSTGRES_H_
#define RAMETTE_TESTS_POSTGRES_PRIVATE_POSTGRES_H_

#include <memory>
#include <string>

#include "common/status.h"

namespace ramette::testing {

struct PrivatePostgresOptions {
  // Off for tests (the directory is thrown away: nothing needs to survive a crash, and fsyncs
  // dominate a test's time); on for benchmarks, so that a commit costs what it costs in
  // production.
  bool fsync = false;
};

class PrivatePostgres {
 public:
  // Where Debian's server binaries live.
  static constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";

  // Whether the server binaries (initdb, pg_ctl, postgres) are installed. Tests GTEST_SKIP
  // when they are not (scripts/deps installs postgresql-15).
  static bool Available();

  // Creates the cluster (UTF-8, C locale; the `postgres` superuser trusted over the socket, every
  // other role by password), starts the server and waits until it answers. FailedPrecondition
  // when the binaries or the `postgres` system user are missing; IoError when a step fails (its
  // output in the message).
  static Result<std::unique_ptr<PrivatePostgres>> Start(PrivatePostgresOptions options = {});
  // Stops the server (immediate shutdown: its data is thrown away) and removes its directory.
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  // The directory holding the cluster (data/), the socket and the server log (server.log).
  const std::string& dir() const { return dir_; }
  // The database "ramette", created at start: `postgresql://postgres@/ramette?host=DIR`.
  const std::string& uri() const { return uri_; }
  // The URI of database `name` as `user` (superuser `postgres` by default).
  std::string UriOf(const std::string& name, const std::string& user = "postgres") const;

  // Creates an empty database `name` (owned by `owner` when given) and returns its URI.
  Result<std::string> CreateDatabase(const std::string& name, const std::string& owner = "");
  // Drops database `name` if it exists (terminating its connections).
  Status DropDatabase(const std::string& name);
  // Creates a login role `name` with password `password` (scram-sha-256 over the socket).
  Status CreateRole(const std::string& name, const std::string& password);
  // Runs `sql` in database `name` as the superuser; the text of the first column of every row,
  // one row per line.
  Result<std::string> Query(const std::string& name, const std::string& sql);

  // Stops the server now (immediate shutdown; the destructor then only removes the directory).
  Status Stop();

  // The last `max_bytes` of the server's log (server.log), for a failed test's output.
  std::string LogTail(size_t max_bytes = 4096) const;

 private:
  PrivatePostgres() = default;

  std::string dir_;
  std::string uri_;
  bool running_ = false;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_POSTGRES_PRIVATE_POSTGRES_H_
