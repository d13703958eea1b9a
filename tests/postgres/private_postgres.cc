// PrivatePostgres: initdb, pg_ctl start/stop as the `postgres` user, and a few superuser
// statements through libpq.
#include "tests/postgres/private_postgres.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace ramette::testing {

namespace {

// Quotes `s` for /bin/sh.
std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

// Runs `command` through /bin/sh as the `postgres` user (when root); its output on failure.
Status RunAsPostgres(const std::string& command) {
  std::string line = getuid() == 0 ? "runuser -u postgres -- /bin/sh -c " + ShellQuote(command)
                                   : "/bin/sh -c " + ShellQuote(command);
  line += " 2>&1";
  FILE* p = popen(line.c_str(), "r");
  if (p == nullptr) return Status::IoError("cannot run: " + command);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) {
    return Status::IoError("'" + command + "' failed (status " + std::to_string(rc) + "): " + out);
  }
  return Status::Ok();
}

std::string QuoteIdent(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string QuoteLiteral(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

bool PrivatePostgres::Available() {
  for (const char* b : {"initdb", "pg_ctl", "postgres"}) {
    if (access((std::string(kBinDir) + "/" + b).c_str(), X_OK) != 0) return false;
  }
  return true;
}

Result<std::unique_ptr<PrivatePostgres>> PrivatePostgres::Start(PrivatePostgresOptions options) {
  if (!Available()) {
    return Status::FailedPrecondition(std::string("PostgreSQL server binaries not found in ") +
                                      kBinDir + " (apt-get install postgresql-15)");
  }
  struct passwd* pw = getpwnam("postgres");
  if (getuid() == 0 && pw == nullptr) {
    return Status::FailedPrecondition("no `postgres` system user to run the server as");
  }
  char tmpl[] = "/tmp/ramette-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Status::IoError("cannot create a temporary directory");
  std::unique_ptr<PrivatePostgres> pg(new PrivatePostgres());
  pg->dir_ = tmpl;
  if (getuid() == 0 && chown(tmpl, pw->pw_uid, pw->pw_gid) != 0) {
    return Status::IoError("cannot chown " + pg->dir_ + " to postgres");
  }
  const std::string bin = kBinDir;
  const std::string data = pg->dir_ + "/data";
  RAMETTE_RETURN_IF_ERROR(RunAsPostgres(
      bin + "/initdb -D " + ShellQuote(data) + " -U postgres -E UTF8 --locale=C --no-instructions" +
      std::string(options.fsync ? "" : " --no-sync") + " --auth-local=trust --auth-host=reject"));
  {
    // The superuser over the socket without password; every other role with one.
    std::ofstream hba(data + "/pg_hba.conf", std::ios::trunc);
    hba << "local all postgres trust\nlocal all all scram-sha-256\n";
    if (!hba) return Status::IoError("cannot write pg_hba.conf");
  }
  const std::string server_options =
      "-c listen_addresses='' -c unix_socket_directories=" + pg->dir_ +
      " -c max_connections=50 -c shared_buffers=128MB" +
      std::string(options.fsync ? "" : " -c fsync=off");
  RAMETTE_RETURN_IF_ERROR(RunAsPostgres(bin + "/pg_ctl -D " + ShellQuote(data) + " -l " +
                                        ShellQuote(pg->dir_ + "/server.log") + " -w -t 60 -o " +
                                        ShellQuote(server_options) + " start"));
  pg->running_ = true;
  pg->uri_ = pg->UriOf("ramette");
  Result<std::string> created = pg->CreateDatabase("ramette");
  if (!created.ok()) return created.status();
  return pg;
}

PrivatePostgres::~PrivatePostgres() {
  (void)Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Status PrivatePostgres::Stop() {
  if (!running_) return Status::Ok();
  running_ = false;
  return RunAsPostgres(std::string(kBinDir) + "/pg_ctl -D " + ShellQuote(dir_ + "/data") +
                       " -m immediate -w -t 60 stop");
}

std::string PrivatePostgres::LogTail(size_t max_bytes) const {
  std::ifstream log(dir_ + "/server.log", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

std::string PrivatePostgres::UriOf(const std::string& name, const std::string& user) const {
  return "postgresql://" + user + "@/" + name + "?host=" + dir_;
}

Result<std::string> PrivatePostgres::Query(const std::string& name, const std::string& sql) {
  PGconn* conn = PQconnectdb(UriOf(name).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    return Status::IoError("cannot connect to the test server: " + msg);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  Status st;
  std::string out;
  const ExecStatusType rs = PQresultStatus(res);
  if (rs == PGRES_TUPLES_OK) {
    for (int r = 0; r < PQntuples(res); ++r) {
      out.append(PQgetvalue(res, r, 0)).push_back('\n');
    }
  } else if (rs != PGRES_COMMAND_OK) {
    st = Status::IoError("'" + sql + "' failed: " + PQerrorMessage(conn));
  }
  PQclear(res);
  PQfinish(conn);
  if (!st.ok()) return st;
  return out;
}

Result<std::string> PrivatePostgres::CreateDatabase(const std::string& name,
                                                    const std::string& owner) {
  // From template0, which takes no connections: an autovacuum worker busy in template1 cannot
  // make the copy fail ("source database is being accessed by other users").
  std::string sql = "CREATE DATABASE " + QuoteIdent(name) + " TEMPLATE template0";
  if (!owner.empty()) sql += " OWNER " + QuoteIdent(owner);
  Result<std::string> r = Query("postgres", sql);
  if (!r.ok()) return r.status();
  return UriOf(name);
}

Status PrivatePostgres::DropDatabase(const std::string& name) {
  return Query("postgres", "DROP DATABASE IF EXISTS " + QuoteIdent(name) + " WITH (FORCE)")
      .status();
}

Status PrivatePostgres::CreateRole(const std::string& name, const std::string& password) {
  return Query("postgres",
               "CREATE ROLE " + QuoteIdent(name) + " LOGIN PASSWORD " + QuoteLiteral(password))
      .status();
}

}  // namespace ramette::testing
