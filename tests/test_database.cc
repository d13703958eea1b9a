// TestDatabases: SQLite files through the SQLite API, PostgreSQL databases through libpq on a
// PrivatePostgres server.
#include "tests/test_database.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/postgres/private_postgres.h"

namespace ramette::testing {

namespace {

class SqliteDatabases : public TestDatabases {
 public:
  explicit SqliteDatabases(std::string dir) : dir_(std::move(dir)) {}
  Engine engine() const override { return Engine::kSqlite; }
  Result<std::string> Create(const std::string& name) override { return dir_ + "/" + name + ".db"; }
  Result<std::vector<std::string>> Query(const std::string& location,
                                         const std::string& sql) override {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(location.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return Status::IoError("cannot open " + location);
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* s = nullptr;
    std::vector<std::string> rows;
    Status st;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      st = Status::IoError(location + ": " + sqlite3_errmsg(db));
    } else {
      int rc;
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char* text = sqlite3_column_text(s, 0);
        rows.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
      }
      if (rc != SQLITE_DONE) st = Status::IoError(location + ": " + sqlite3_errmsg(db));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    if (!st.ok()) return st;
    return rows;
  }
  std::string ServerLog() const override { return ""; }

 private:
  std::string dir_;
};

class PostgresDatabases : public TestDatabases {
 public:
  explicit PostgresDatabases(std::unique_ptr<PrivatePostgres> server)
      : server_(std::move(server)) {}
  Engine engine() const override { return Engine::kPostgres; }
  Result<std::string> Create(const std::string& name) override {
    return server_->CreateDatabase(name);
  }
  Result<std::vector<std::string>> Query(const std::string& location,
                                         const std::string& sql) override {
    PGconn* conn = PQconnectdb(location.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn);
      PQfinish(conn);
      return Status::IoError("cannot connect to " + location + ": " + msg);
    }
    PGresult* res = PQexec(conn, sql.c_str());
    std::vector<std::string> rows;
    Status st;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
      for (int r = 0; r < PQntuples(res); ++r) rows.emplace_back(PQgetvalue(res, r, 0));
    } else {
      st = Status::IoError(location + ": " + PQerrorMessage(conn));
    }
    PQclear(res);
    PQfinish(conn);
    if (!st.ok()) return st;
    return rows;
  }
  std::string ServerLog() const override {
    std::ifstream in(server_->dir() + "/server.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::unique_ptr<PrivatePostgres> server_;
};

}  // namespace

const char* EngineName(Engine engine) { return engine == Engine::kSqlite ? "sqlite" : "postgres"; }

Result<std::unique_ptr<TestDatabases>> TestDatabases::Start(Engine engine, const std::string& dir) {
  if (engine == Engine::kSqlite) return std::unique_ptr<TestDatabases>(new SqliteDatabases(dir));
  auto server = PrivatePostgres::Start();
  if (!server.ok()) return server.status();
  return std::unique_ptr<TestDatabases>(new PostgresDatabases(std::move(*server)));
}

std::multiset<int> TestDatabases::StoredJobIds(const std::string& location,
                                               const std::string& server) {
  std::multiset<int> ids;
  auto rows = Query(location,
                    "SELECT jobs.cups_job_id FROM jobs JOIN servers ON servers.id = "
                    "jobs.server_id WHERE servers.name = '" +
                        server + "'");
  if (!rows.ok()) return ids;
  for (const std::string& row : *rows) ids.insert(std::atoi(row.c_str()));
  return ids;
}

int64_t TestDatabases::CountJobs(const std::string& location) {
  auto rows = Query(location, "SELECT count(*) FROM jobs");
  if (!rows.ok() || rows->size() != 1) return -1;
  return std::atoll((*rows)[0].c_str());
}

}  // namespace ramette::testing
