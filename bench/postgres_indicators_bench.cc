// `ramette indicators --year 2018` speed over 10 million jobs on PostgreSQL. The data is the
// SQLite store of bench/indicators_data.h (built once, or reused): its inventory goes through
// PostgresStore's imports, its users (with their ids) and its daily and monthly rollups are
// copied with COPY into a private server (tests/postgres/, fsync off: this measures reads), or
// into the empty database `uri`. The `jobs` table stays empty: the PostgreSQL readers read only
// the rollups (kept up to date in each ingest transaction), the inventory and the users, so the
// jobs' rows are never on the measured path. Then times what the CLI does (open, compute the
// organisation and every direction, format the table), each run with a fresh connection, and
// checks that `--format json` is byte-identical to SQLite's on the same data.
// Usage: postgres_indicators_bench [sqlite_path=/tmp/ramette-bench-10m.db] [jobs=10000000]
//                                  [runs=7] [uri]
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/store/open_store.h"
#include "aggregator/store/postgres_store.h"
#include "aggregator/store/sqlite_store.h"
#include "bench/indicators_data.h"
#include "tests/postgres/private_postgres.h"

using namespace ramette;
using namespace ramette::aggregator;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

bool Failed(const Status& st) {
  if (st.ok()) return false;
  std::fprintf(stderr, "%s\n", st.ToString().c_str());
  return true;
}

// Runs `sql` on `pg`; false (message on stderr) on failure.
bool PgExec(PGconn* pg, const std::string& sql) {
  PGresult* r = PQexec(pg, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) std::fprintf(stderr, "%s: %s\n", sql.c_str(), PQerrorMessage(pg));
  PQclear(r);
  return ok;
}

// Copies the integer columns of `select` (SQLite) into `copy` (PostgreSQL COPY ... FROM STDIN),
// in chunks. Returns the rows copied, -1 on failure.
int64_t CopyIntegers(sqlite3* lite, PGconn* pg, const char* select, const char* copy) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(lite, select, -1, &s, nullptr) != SQLITE_OK) return -1;
  PGresult* r = PQexec(pg, copy);
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    std::fprintf(stderr, "%s: %s\n", copy, PQerrorMessage(pg));
    PQclear(r);
    sqlite3_finalize(s);
    return -1;
  }
  PQclear(r);
  const int columns = sqlite3_column_count(s);
  std::string buf;
  int64_t rows = 0;
  bool ok = true;
  while (sqlite3_step(s) == SQLITE_ROW) {
    for (int c = 0; c < columns; ++c) {
      if (c > 0) buf.push_back('\t');
      buf += std::to_string(sqlite3_column_int64(s, c));
    }
    buf.push_back('\n');
    ++rows;
    if (buf.size() > (1 << 20)) {
      ok = ok && PQputCopyData(pg, buf.data(), static_cast<int>(buf.size())) == 1;
      buf.clear();
    }
  }
  sqlite3_finalize(s);
  ok = ok && PQputCopyData(pg, buf.data(), static_cast<int>(buf.size())) == 1;
  ok = ok && PQputCopyEnd(pg, nullptr) == 1;
  while (PGresult* res = PQgetResult(pg)) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK) ok = false;
    PQclear(res);
  }
  if (!ok) std::fprintf(stderr, "%s: %s\n", copy, PQerrorMessage(pg));
  return ok ? rows : -1;
}

// Fills the empty database `uri` from the SQLite store at `path`.
bool Load(const std::string& path, const std::string& uri) {
  const auto t0 = Clock::now();
  auto lite_store = store::SqliteStore::Open(path);
  if (!lite_store.ok()) return !Failed(lite_store.status());
  auto inventory = (*lite_store)->LoadInventory();
  if (!inventory.ok()) return !Failed(inventory.status());
  const std::string zone = (*lite_store)->StoredTimeZone();
  lite_store->reset();

  auto pg_store = store::PostgresStore::Open(uri, /*create_if_empty=*/true);
  if (!pg_store.ok()) return !Failed(pg_store.status());
  auto tz = TimeZone::Load(zone);
  if (!tz.ok()) return !Failed(tz.status());
  if (Failed((*pg_store)->EnsureTimeZone(*tz))) return false;
  if (Failed((*pg_store)->UpsertPapers(inventory->papers))) return false;
  std::vector<model::Device> classified;
  for (const model::Device& d : inventory->devices) {
    if (d.classified) classified.push_back(d);
  }
  if (Failed((*pg_store)->UpsertDevices(classified))) return false;
  if (Failed((*pg_store)->ReplaceUserDirections(inventory->users))) return false;
  if (Failed((*pg_store)->UpsertWorkstations(inventory->workstations))) return false;
  // The rollups reference the devices by id: the import must have given SQLite's.
  auto pg_inventory = (*pg_store)->LoadInventory();
  if (!pg_inventory.ok()) return !Failed(pg_inventory.status());
  if (pg_inventory->devices.size() != inventory->devices.size()) return false;
  for (size_t i = 0; i < inventory->devices.size(); ++i) {
    const model::Device& a = inventory->devices[i];
    const model::Device& b = pg_inventory->devices[i];
    if (a.id != b.id || a.server != b.server || a.queue != b.queue) {
      std::fprintf(stderr, "device ids differ: %s/%s\n", a.server.c_str(), a.queue.c_str());
      return false;
    }
  }
  pg_store->reset();

  sqlite3* lite = nullptr;
  if (sqlite3_open_v2(path.c_str(), &lite, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return false;
  }
  PGconn* pg = PQconnectdb(uri.c_str());
  bool ok = PQstatus(pg) == CONNECTION_OK;
  // Users with their ids (a text column: copied as COPY text, escaping nothing the bench's names
  // need).
  if (ok) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(lite, "SELECT id, name FROM users ORDER BY id", -1, &s, nullptr);
    std::string buf;
    while (sqlite3_step(s) == SQLITE_ROW) {
      buf += std::to_string(sqlite3_column_int64(s, 0));
      buf.push_back('\t');
      buf += reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
      buf.push_back('\n');
    }
    sqlite3_finalize(s);
    PGresult* r = PQexec(pg, "COPY users(id, name) FROM STDIN");
    ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    ok = ok && PQputCopyData(pg, buf.data(), static_cast<int>(buf.size())) == 1 &&
         PQputCopyEnd(pg, nullptr) == 1;
    while (PGresult* res = PQgetResult(pg)) {
      if (PQresultStatus(res) != PGRES_COMMAND_OK) ok = false;
      PQclear(res);
    }
    ok = ok && PgExec(pg,
                      "SELECT setval(pg_get_serial_sequence('users', 'id'),"
                      " (SELECT MAX(id) FROM users))");
  }
  const char* kRollupColumns =
      "period, user_id, device_id, area_um2, jobs, sheets, impressions, two_sided_sheets,"
      " color_sheets, unknown_media_jobs, unknown_media_sheets";
  for (const char* table : {"rollup_daily", "rollup_monthly"}) {
    if (!ok) break;
    const std::string select = std::string("SELECT ") + kRollupColumns + " FROM " + table;
    const std::string copy = std::string("COPY ") + table + "(" + kRollupColumns + ") FROM STDIN";
    const int64_t rows = CopyIntegers(lite, pg, select.c_str(), copy.c_str());
    ok = rows >= 0;
    if (ok) std::fprintf(stderr, "  %s: %lld rows copied\n", table, static_cast<long long>(rows));
  }
  ok = ok && PgExec(pg, "VACUUM ANALYZE");
  PQfinish(pg);
  sqlite3_close(lite);
  if (ok) std::fprintf(stderr, "loaded PostgreSQL from %s in %.0f s\n", path.c_str(), Seconds(t0));
  return ok;
}

// CPU seconds used by the private server's processes: the postmaster's own and those of its
// exited (reaped) backends, each connection's backend ending with its connection. -1 if unknown.
double ServerCpuSeconds(const testing::PrivatePostgres* server) {
  if (server == nullptr) return -1;
  std::FILE* f = std::fopen((server->dir() + "/data/postmaster.pid").c_str(), "r");
  if (f == nullptr) return -1;
  long pid = 0;
  const bool read = std::fscanf(f, "%ld", &pid) == 1;
  std::fclose(f);
  if (!read) return -1;
  f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return -1;
  char buf[1024] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  // Fields after the command's closing parenthesis: state is field 3; utime, stime, cutime and
  // cstime are fields 14-17.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return -1;
  unsigned long long v[15] = {};
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &v[0],
                  &v[1], &v[2], &v[3]) != 4) {
    return -1;
  }
  return static_cast<double>(v[0] + v[1] + v[2] + v[3]) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "/tmp/ramette-bench-10m.db";
  const int64_t total = argc > 2 ? std::atoll(argv[2]) : 10000000;
  const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 7;
  if (int rc = bench::EnsureIndicatorsStore(path, total); rc != 0) return rc;

  std::unique_ptr<testing::PrivatePostgres> server;
  std::string uri;
  if (argc > 4) {
    uri = argv[4];
  } else {
    auto started = testing::PrivatePostgres::Start();
    if (Failed(started.status())) return 1;
    server = std::move(started).value();
    auto created = server->CreateDatabase("indicators");
    if (Failed(created.status())) return 1;
    uri = *created;
  }
  if (!Load(path, uri)) return 1;

  bench::IndicatorTimings lite, pg;
  if (!bench::TimeIndicators(path, 1, &lite)) return 1;
  // Backends of earlier connections have exited: the next ones' CPU is what the runs cost.
  const double server0 = ServerCpuSeconds(server.get());
  if (!bench::TimeIndicators(uri, runs, &pg)) return 1;
  usleep(200000);  // let the postmaster reap the last backends
  const double server1 = ServerCpuSeconds(server.get());
  // -1 when unknown (a server given by URI).
  const double server_cpu_ms =
      server0 < 0 || server1 < 0 ? -1 : (server1 - server0) * 1000 / (runs + 1);
  std::printf("%s", pg.table.c_str());
  std::printf("breakdown of one run (calls into the store, callbacks included):\n%s",
              pg.breakdown.c_str());
  const bool same = pg.json == lite.json;
  std::printf("indicators --format json identical to SQLite's: %s\n", same ? "yes" : "NO");
  std::printf(
      "PostgreSQL indicators --year 2018 (open + compute + format, organisation and %d"
      " directions): min %.1f ms, median %.1f ms, max %.1f ms over %zu runs; CPU per run:"
      " client %.1f ms, server %.1f ms (target < 300 ms)\n",
      bench::kDirections, pg.wall_ms.front(), pg.wall_ms[pg.wall_ms.size() / 2], pg.wall_ms.back(),
      pg.wall_ms.size(), pg.cpu_ms_per_run, server_cpu_ms);
  return same ? 0 : 1;
}
