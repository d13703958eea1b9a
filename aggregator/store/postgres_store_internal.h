// Private to PostgresStore's part files (postgres_store*.cc): the statements more than one part
// runs, the libpq helpers, the connection (PostgresStore::Conn) and the transaction helpers.
// Not an interface: nothing outside aggregator/store/postgres_store*.cc includes it.
#ifndef RAMETTE_AGGREGATOR_STORE_POSTGRES_STORE_INTERNAL_H_
#define RAMETTE_AGGREGATOR_STORE_POSTGRES_STORE_INTERNAL_H_

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "aggregator/store/postgres_store.h"
#include "aggregator/store/store_location.h"
#include "aggregator/store/store_rules.h"

namespace ramette::aggregator::store::postgres_internal {

inline constexpr int kDevicePeriodsSchemaVersion = 3;
inline constexpr int kReportSendsSchemaVersion = 4;
inline constexpr int kAgentStatusSchemaVersion = 5;
inline constexpr int kAgentTokensSchemaVersion = 6;
inline constexpr int kDirectorySyncSchemaVersion = 10;
inline constexpr int kPaperSourcesSchemaVersion = 11;
inline constexpr int kWebAccountsSchemaVersion = 12;
inline constexpr int kMeterCountersSchemaVersion = 14;
// The schema version from which meter readings are keyed by meter_devices.id and the date
// (and, on SQLite, purchases by their date and id).
inline constexpr int kPaperSourceKeysSchemaVersion = 15;
// Rows per statement when rollups are written in bulk (EnsureTimeZone, the v2 migration).
inline constexpr size_t kRollupChunk = 20000;

// The per-connection table CommitJobs copies a batch into.
inline constexpr char kCreateIncomingSql[] = R"sql(
CREATE TEMPORARY TABLE IF NOT EXISTS incoming_jobs(
  ord integer NOT NULL, device_id bigint NOT NULL, cups_job_id bigint NOT NULL,
  job_uuid text NOT NULL, user_id bigint NOT NULL, client_host text NOT NULL,
  created_at bigint NOT NULL, completed_at bigint NOT NULL, state smallint NOT NULL,
  copies integer NOT NULL, sides smallint NOT NULL, media text NOT NULL,
  color_mode smallint NOT NULL, number_up integer NOT NULL, impressions bigint NOT NULL,
  cups_sheets bigint NOT NULL, title text, source smallint NOT NULL, sheets bigint NOT NULL,
  area_um2 bigint NOT NULL, media_known boolean NOT NULL, local_day integer NOT NULL,
  media_from_queue boolean NOT NULL, run integer NOT NULL, job_impressions bigint NOT NULL
) ON COMMIT DELETE ROWS
)sql";

#define RAMETTE_JOB_COLUMNS                                                                  \
  "device_id, cups_job_id, job_uuid, user_id, client_host, created_at, completed_at, state," \
  " copies, sides, media, color_mode, number_up, impressions, cups_sheets, title, source,"   \
  " sheets, area_um2, media_known, local_day, media_from_queue, run, job_impressions"
inline constexpr char kCopyIncomingSql[] =
    "COPY incoming_jobs(ord, " RAMETTE_JOB_COLUMNS ") FROM STDIN";
// $1 server row, $2 received_at. Rows go in batch order, so that of two records of one job in
// a batch the first is stored. The exclusion constraint skips duplicates of the same run, of
// stored jobs, of jobs another aggregator is storing (it waits for that transaction) and of the
// batch's own. SameJob's other half, a page_log copy against another run, is probed: a page_log
// record near a reprint (the small jobs_reprints index), a reprint near a page_log row.
inline constexpr char kInsertJobsSql[] =
    "INSERT INTO jobs(server_id, received_at, " RAMETTE_JOB_COLUMNS
    ") SELECT $1, $2, " RAMETTE_JOB_COLUMNS
    " FROM incoming_jobs i WHERE (i.source <> 2 OR NOT EXISTS (SELECT 1"
    " FROM jobs j WHERE j.server_id = $1 AND j.cups_job_id = i.cups_job_id AND j.run > 0"
    " AND j.completed_at BETWEEN i.completed_at - 300 AND i.completed_at + 300))"
    " AND (i.run = 0 OR NOT EXISTS (SELECT 1 FROM jobs j WHERE j.server_id = $1"
    " AND j.cups_job_id = i.cups_job_id AND j.source = 2"
    " AND j.completed_at BETWEEN i.completed_at - 300 AND i.completed_at + 300))"
    " ORDER BY ord ON CONFLICT DO NOTHING RETURNING cups_job_id, completed_at";
#undef RAMETTE_JOB_COLUMNS
// The stored job each of the unstored live records duplicates (SameJob: the same run or a
// page_log row; the earliest one, as SQLite's index order gives): $1 server row, $2 ord[],
// $3 cups_job_id[], $4 completed_at[], $5 run[].
inline constexpr char kFindDuplicatesSql[] =
    "SELECT t.ord, j.id, j.source FROM unnest($2::integer[], $3::bigint[], $4::bigint[],"
    " $5::integer[]) AS t(ord, cups, completed, run) CROSS JOIN LATERAL (SELECT id, source"
    " FROM jobs WHERE server_id = $1 AND cups_job_id = t.cups AND completed_at BETWEEN"
    " t.completed - 300 AND t.completed + 300 AND (run = t.run OR source = 2)"
    " ORDER BY completed_at LIMIT 1) j ORDER BY t.ord";
// The live runs of jobs (JobStore::LoadRuns): $1 server name, $2 ord[], $3 cups_job_id[],
// $4 job_uuid[].
inline constexpr char kLoadRunsSql[] =
    "SELECT t.ord, j.run, j.completed_at, j.impressions FROM unnest($2::integer[],"
    " $3::bigint[], $4::text[]) AS t(ord, cups, uuid) JOIN servers s ON s.name = $1"
    " JOIN jobs j ON j.server_id = s.id AND j.cups_job_id = t.cups AND j.job_uuid = t.uuid"
    " AND j.source = 1";
static_assert(model::kDuplicateWindowSeconds == 300);
inline constexpr char kLockStoredJobSql[] =
    "SELECT source, local_day, user_id, device_id, area_um2, sheets, impressions, sides,"
    " color_mode, media_known FROM jobs WHERE id = $1 FOR UPDATE";
// Parameters: $1 id, then the job's fields as in the temporary table (no ord).
inline constexpr char kSupersedeJobSql[] =
    "UPDATE jobs SET device_id = $2, job_uuid = $3, user_id = $4, client_host = $5,"
    " created_at = $6, completed_at = $7, state = $8, copies = $9, sides = $10, media = $11,"
    " color_mode = $12, number_up = $13, impressions = $14, cups_sheets = $15, title = $16,"
    " source = $17, sheets = $18, area_um2 = $19, media_known = $20, local_day = $21,"
    " media_from_queue = $22, run = $23, job_impressions = $24 WHERE id = $1";

#define RAMETTE_ROLLUP_COLUMNS                                                     \
  "jobs, sheets, impressions, two_sided_sheets, color_sheets, unknown_media_jobs," \
  " unknown_media_sheets"
#define RAMETTE_ROLLUP_UNNEST                                                             \
  " SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bigint[], $4::bigint[],"        \
  " $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[]," \
  " $11::bigint[])"
#define RAMETTE_ROLLUP_ADD                                                             \
  " DO UPDATE SET jobs = r.jobs + excluded.jobs, sheets = r.sheets + excluded.sheets," \
  " impressions = r.impressions + excluded.impressions,"                               \
  " two_sided_sheets = r.two_sided_sheets + excluded.two_sided_sheets,"                \
  " color_sheets = r.color_sheets + excluded.color_sheets,"                            \
  " unknown_media_jobs = r.unknown_media_jobs + excluded.unknown_media_jobs,"          \
  " unknown_media_sheets = r.unknown_media_sheets + excluded.unknown_media_sheets"
// Adds deltas (computed by store_rules.h) to rows, in the order given (sorted keys).
inline constexpr char kUpsertDailySql[] =
    "INSERT INTO rollup_daily AS r(period, user_id, device_id, area_um2, " RAMETTE_ROLLUP_COLUMNS
    ")" RAMETTE_ROLLUP_UNNEST
    " ON CONFLICT(period, user_id, device_id, area_um2)" RAMETTE_ROLLUP_ADD;
inline constexpr char kUpsertMonthlySql[] =
    "INSERT INTO rollup_monthly AS r(period, device_id, user_id, area_um2, " RAMETTE_ROLLUP_COLUMNS
    ")" RAMETTE_ROLLUP_UNNEST
    " ON CONFLICT(period, device_id, user_id, area_um2)" RAMETTE_ROLLUP_ADD;
inline constexpr char kDeleteEmptyDailySql[] =
    "DELETE FROM rollup_daily WHERE (period, user_id, device_id, area_um2) IN (SELECT * FROM"
    " unnest($1::integer[], $2::bigint[], $3::bigint[], $4::bigint[])) AND jobs = 0";
inline constexpr char kDeleteEmptyMonthlySql[] =
    "DELETE FROM rollup_monthly WHERE (period, device_id, user_id, area_um2) IN (SELECT * FROM"
    " unnest($1::integer[], $2::bigint[], $3::bigint[], $4::bigint[])) AND jobs = 0";
// The monthly scan, read as a binary COPY (ForEachMonthlyRow): the select, then the order.
inline constexpr char kMonthlyRangeSelect[] =
    "SELECT period, device_id, user_id, area_um2, " RAMETTE_ROLLUP_COLUMNS " FROM rollup_monthly";
inline constexpr char kMonthlyRangeOrder[] = " ORDER BY period, device_id, user_id, area_um2";
// The daily key leads with the day: one user's rows are found with one primary-key seek per
// day of [$2, $3] clamped to the days stored (a range condition on the day would read every
// user's rows of those days).
#define RAMETTE_STORED_DAYS                                                      \
  " FROM (SELECT MIN(period) AS lo, MAX(period) AS hi FROM rollup_daily) stored" \
  " CROSS JOIN LATERAL generate_series(GREATEST($2::integer, stored.lo),"        \
  " LEAST($3::integer, stored.hi)) AS d(day)"
inline constexpr char kDailyOfUserSql[] =
    "SELECT r.period, r.device_id, r.user_id, r.area_um2, r.jobs, r.sheets, r.impressions,"
    " r.two_sided_sheets, r.color_sheets, r.unknown_media_jobs, "
    "r.unknown_media_sheets" RAMETTE_STORED_DAYS
    " JOIN rollup_daily r ON r.period = d.day AND r.user_id = $1::bigint"
    " WHERE stored.lo IS NOT NULL ORDER BY r.period, r.device_id, r.area_um2";
// One device's days without an index of their own (which every ingest would pay for), as
// SqliteStore does: the monthly key, (month, device_id, user_id...), gives the users of device
// $1 in the months $4..$5 (a superset of those of the days), then one daily key seek per day
// and user.
inline constexpr char kDailyOfDeviceSql[] =
    "SELECT r.period, r.device_id, r.user_id, r.area_um2, r.jobs, r.sheets, r.impressions,"
    " r.two_sided_sheets, r.color_sheets, r.unknown_media_jobs, "
    "r.unknown_media_sheets" RAMETTE_STORED_DAYS
    " CROSS JOIN (SELECT DISTINCT user_id FROM rollup_monthly"
    " WHERE period BETWEEN $4::integer AND $5::integer AND device_id = $1::bigint) u"
    " JOIN rollup_daily r ON r.period = d.day AND r.user_id = u.user_id"
    " AND r.device_id = $1::bigint"
    " WHERE stored.lo IS NOT NULL ORDER BY r.period, r.user_id, r.area_um2";
#undef RAMETTE_STORED_DAYS
#undef RAMETTE_ROLLUP_COLUMNS
#undef RAMETTE_ROLLUP_UNNEST
#undef RAMETTE_ROLLUP_ADD

inline constexpr char kUpsertServerSql[] =
    "INSERT INTO servers(name, agent_version, first_contact, last_contact) VALUES($1, $2, $3, $3)"
    " ON CONFLICT(name) DO UPDATE SET agent_version = excluded.agent_version,"
    " last_contact = excluded.last_contact RETURNING id";
inline constexpr char kUpsertQueueSql[] =
    "INSERT INTO devices(server, queue, uuid, make_model, device_uri, location, description,"
    " color_supported, duplex_supported, printer_type, deleted, first_seen, last_seen,"
    " media_default, sides_default)"
    " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, NULLIF($13, ''),"
    " NULLIF($14, ''))"
    " ON CONFLICT(server, queue) DO UPDATE SET uuid = excluded.uuid,"
    " make_model = excluded.make_model, device_uri = excluded.device_uri,"
    " location = excluded.location, description = excluded.description,"
    " color_supported = excluded.color_supported, duplex_supported = excluded.duplex_supported,"
    " printer_type = excluded.printer_type, deleted = excluded.deleted,"
    " first_seen = COALESCE(devices.first_seen, excluded.first_seen),"
    " last_seen = excluded.last_seen,"
    " media_default = CASE WHEN excluded.deleted THEN devices.media_default"
    " ELSE excluded.media_default END,"
    " sides_default = CASE WHEN excluded.deleted THEN devices.sides_default"
    " ELSE excluded.sides_default END";

// ---------------------------------------------------------------------------------------------
// libpq helpers.

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

inline std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Maps a SQLSTATE to a Status code (see the class comment).
inline Status StatusOfSqlState(std::string_view state, std::string msg) {
  auto starts = [&](std::string_view p) { return state.substr(0, p.size()) == p; };
  if (state.empty() || starts("08") || starts("53") || starts("57P") || state == "40001" ||
      state == "40P01" || state == "55P03") {
    return Status::Unavailable(std::move(msg) + " (retry later)");
  }
  if (starts("28") || state == "3D000" || state == "42501") {
    return Status::InvalidArgument(std::move(msg) + " (check the database URI and privileges)");
  }
  return Status::IoError(std::move(msg));
}

// Query parameters in text format.
class Params {
 public:
  Params& Int(int64_t v) {
    values_.push_back(std::to_string(v));
    nulls_.push_back(false);
    return *this;
  }
  Params& Text(std::string_view v) {
    values_.emplace_back(v);
    nulls_.push_back(false);
    return *this;
  }
  Params& Bool(bool v) { return Text(v ? "t" : "f"); }
  Params& Null() {
    values_.emplace_back();
    nulls_.push_back(true);
    return *this;
  }
  Params& TextOrNull(std::string_view v) { return v.empty() ? Null() : Text(v); }
  Params& Day(const std::optional<ramette::Day>& d) { return d ? Int(*d) : Null(); }
  // Moves an already formatted value (an array literal) in.
  Params& Raw(std::string v) {
    values_.push_back(std::move(v));
    nulls_.push_back(false);
    return *this;
  }

  int size() const { return static_cast<int>(values_.size()); }
  std::vector<const char*> Pointers() const {
    std::vector<const char*> p;
    p.reserve(values_.size());
    for (size_t i = 0; i < values_.size(); ++i)
      p.push_back(nulls_[i] ? nullptr : values_[i].c_str());
    return p;
  }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

// Array literals for unnest() parameters.
class ArrayLiteral {
 public:
  ArrayLiteral() : s_("{") {}
  void Int(int64_t v) {
    Sep();
    s_ += std::to_string(v);
  }
  void Text(std::string_view v) {
    Sep();
    s_.push_back('"');
    for (char c : v) {
      if (c == '"' || c == '\\') s_.push_back('\\');
      s_.push_back(c);
    }
    s_.push_back('"');
  }
  void Null() {
    Sep();
    s_ += "NULL";
  }
  void Day(const std::optional<ramette::Day>& d) { d ? Int(*d) : Null(); }
  // A double written so that it reads back to the same value.
  void Real(double v) {
    Sep();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    s_ += buf;
  }
  std::string Take() {
    s_.push_back('}');
    return std::move(s_);
  }

 private:
  void Sep() {
    if (s_.size() > 1) s_.push_back(',');
  }
  std::string s_;
};

// COPY's text format.
inline void CopyText(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out.push_back(c);
    }
  }
}
inline void CopyInt(std::string& out, int64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out.append(buf, static_cast<size_t>(n));
}

inline int64_t ColumnInt(const PGresult* r, int row, int col) {
  return std::strtoll(PQgetvalue(r, row, col), nullptr, 10);
}
inline std::string ColumnText(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}
inline bool ColumnBool(const PGresult* r, int row, int col) {
  return PQgetvalue(r, row, col)[0] == 't';
}
inline bool ColumnNull(const PGresult* r, int row, int col) {
  return PQgetisnull(r, row, col) != 0;
}
inline std::optional<Day> ColumnDay(const PGresult* r, int row, int col) {
  if (ColumnNull(r, row, col)) return std::nullopt;
  return static_cast<Day>(ColumnInt(r, row, col));
}

// An integer column in binary format (integer or bigint, network byte order); the rollup
// scans read their 3 million values this way: no text conversion on either side.
inline int64_t BinaryInt(const PGresult* r, int row, int col) {
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, col));
  const int n = PQgetlength(r, row, col);
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  if (n == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// What a stored job's row (source, local_day, user_id, device_id, area_um2, sheets,
// impressions, sides, color_mode, media_known from column `c`) puts in the rollups.
inline void StoredKeyAndFigures(const PGresult* r, int row, int c, RollupKey* key, JobFigures* f) {
  key->day = static_cast<Day>(ColumnInt(r, row, c + 1));
  key->user_id = ColumnInt(r, row, c + 2);
  key->device_id = ColumnInt(r, row, c + 3);
  key->area_um2 = ColumnInt(r, row, c + 4);
  model::StoredJob job;  // only what FiguresOf reads
  job.sheets = ColumnInt(r, row, c + 5);
  job.record.impressions_completed = ColumnInt(r, row, c + 6);
  job.record.sides = static_cast<Sides>(ColumnInt(r, row, c + 7));
  job.record.color_mode = static_cast<ColorMode>(ColumnInt(r, row, c + 8));
  job.media_known = ColumnBool(r, row, c + 9);
  *f = FiguresOf(job);
}

// Upserts rollup deltas in the order given, kRollupChunk rows per statement.
template <typename ConnT>
Status UpsertDeltas(ConnT& conn, const char* sql, const std::vector<RollupDelta>& deltas,
                    bool monthly) {
  for (size_t start = 0; start < deltas.size(); start += kRollupChunk) {
    const size_t end = std::min(deltas.size(), start + kRollupChunk);
    ArrayLiteral a[11];
    for (size_t i = start; i < end; ++i) {
      const RollupDelta& d = deltas[i];
      a[0].Int(d.key.day);
      a[1].Int(monthly ? d.key.device_id : d.key.user_id);
      a[2].Int(monthly ? d.key.user_id : d.key.device_id);
      a[3].Int(d.key.area_um2);
      a[4].Int(d.sums.jobs);
      a[5].Int(d.sums.sheets);
      a[6].Int(d.sums.impressions);
      a[7].Int(d.sums.two_sided_sheets);
      a[8].Int(d.sums.color_sheets);
      a[9].Int(d.sums.unknown_media_jobs);
      a[10].Int(d.sums.unknown_media_sheets);
    }
    Params p;
    for (ArrayLiteral& x : a) p.Raw(x.Take());
    Result<PgResult> r = conn.Run(sql, p, "updating the rollups");
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
}

}  // namespace ramette::aggregator::store::postgres_internal

namespace ramette::aggregator::store {

// ---------------------------------------------------------------------------------------------
// The connection.

class PostgresStore::Conn {
 public:
  Conn(PGconn* pg, std::string uri, std::string redacted)
      : pg_(pg), uri_(std::move(uri)), redacted_(std::move(redacted)) {}
  ~Conn() { PQfinish(pg_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Connects to `uri`; Unavailable when the server cannot be reached, InvalidArgument when it
  // refuses the credentials or the database.
  static Result<std::unique_ptr<Conn>> Connect(const std::string& uri) {
    const std::string redacted = RedactedUri(uri);
    // Later keywords override earlier ones, and the URI's own settings override these defaults.
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname",
                          "client_encoding", nullptr};
    const char* values[] = {"10", "ramette", uri.c_str(), "UTF8", nullptr};
    PGconn* pg = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (pg == nullptr) return Status::Unavailable("PostgreSQL " + redacted + ": out of memory");
    if (PQstatus(pg) != CONNECTION_OK) {
      std::string msg = postgres_internal::Trimmed(PQerrorMessage(pg));
      PQfinish(pg);
      return ConnectError(redacted, msg);
    }
    auto conn = std::make_unique<Conn>(pg, uri, redacted);
    RAMETTE_RETURN_IF_ERROR(conn->SetUpSession());
    return conn;
  }

  static Status ConnectError(const std::string& redacted, const std::string& msg) {
    static const char* kRefused[] = {"authentication failed",
                                     "does not exist",
                                     "pg_hba.conf",
                                     "no password supplied",
                                     "permission denied",
                                     "password",
                                     "invalid connection option",
                                     "invalid URI",
                                     "missing \"=\"",
                                     "invalid sslmode"};
    for (const char* k : kRefused) {
      if (msg.find(k) != std::string::npos) {
        return Status::InvalidArgument("PostgreSQL " + redacted +
                                       " refused the connection (check the URI, the user, its "
                                       "password and the database): " +
                                       RedactedUri(msg));
      }
    }
    return Status::Unavailable("PostgreSQL " + redacted +
                               " is unreachable (retry later): " + RedactedUri(msg));
  }

  // Reconnects after a lost connection.
  Status Ready() {
    if (PQstatus(pg_) == CONNECTION_OK) return Status::Ok();
    PQreset(pg_);
    if (PQstatus(pg_) != CONNECTION_OK) {
      return ConnectError(redacted_, postgres_internal::Trimmed(PQerrorMessage(pg_)));
    }
    spdlog::info("PostgreSQL {}: reconnected", redacted_);
    return SetUpSession();
  }

  Status SetUpSession() {
    prepared_.clear();  // a new session has none
    // The bulk path's table; harmless at any schema version.
    return Exec(postgres_internal::kCreateIncomingSql, "preparing the session");
  }

  // The Status of a failed result (or of the connection when `res` is null).
  Status Fail(const PGresult* res, std::string_view what) {
    const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state != nullptr ? state : "";
    std::string msg = postgres_internal::Trimmed(
        res != nullptr && *PQresultErrorMessage(res) != '\0' ? PQresultErrorMessage(res)
                                                             : PQerrorMessage(pg_));
    std::string full = "PostgreSQL " + redacted_ + ": " + std::string(what) + " failed: " + msg;
    if (!last_sqlstate_.empty()) full += " [SQLSTATE " + last_sqlstate_ + "]";
    if (last_sqlstate_.empty() && PQstatus(pg_) != CONNECTION_BAD) return Status::IoError(full);
    return postgres_internal::StatusOfSqlState(last_sqlstate_, std::move(full));
  }

  // Runs one or more statements without parameters.
  Status Exec(const char* sql, std::string_view what) {
    postgres_internal::PgResult r(PQexec(pg_, sql));
    const ExecStatusType s = PQresultStatus(r.get());
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return Status::Ok();
    return Fail(r.get(), what);
  }

  // Runs a statement with parameters; the result of a command or a query.
  Result<postgres_internal::PgResult> Run(const char* sql, const postgres_internal::Params& params,
                                          std::string_view what) {
    std::vector<const char*> p = params.Pointers();
    postgres_internal::PgResult r(
        PQexecParams(pg_, sql, params.size(), nullptr, p.data(), nullptr, nullptr, 0));
    const ExecStatusType s = PQresultStatus(r.get());
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return r;
    return Fail(r.get(), what);
  }
  Result<postgres_internal::PgResult> Run(const char* sql, std::string_view what) {
    return Run(sql, postgres_internal::Params(), what);
  }

  // Runs a query in single-row mode (the server sends while the client reads), calling `row`
  // for each row. `binary`: the columns come in binary format (see BinaryInt). `prepared`: the
  // name under which `sql` is prepared once per session, for queries run many times (their
  // planning would otherwise cost more than their execution).
  Status Stream(const char* sql, const postgres_internal::Params& params, std::string_view what,
                const std::function<void(const PGresult*)>& row, bool binary = false,
                const char* prepared = nullptr) {
    std::vector<const char*> p = params.Pointers();
    if (prepared != nullptr && !prepared_.contains(prepared)) {
      postgres_internal::PgResult r(PQprepare(pg_, prepared, sql, params.size(), nullptr));
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return Fail(r.get(), what);
      prepared_.insert(prepared);
    }
    const int sent = prepared != nullptr
                         ? PQsendQueryPrepared(pg_, prepared, params.size(), p.data(), nullptr,
                                               nullptr, binary ? 1 : 0)
                         : PQsendQueryParams(pg_, sql, params.size(), nullptr, p.data(), nullptr,
                                             nullptr, binary ? 1 : 0);
    if (sent != 1) return Fail(nullptr, what);
    PQsetSingleRowMode(pg_);
    Status st;
    while (PGresult* raw = PQgetResult(pg_)) {
      postgres_internal::PgResult r(raw);
      const ExecStatusType s = PQresultStatus(raw);
      if (s == PGRES_SINGLE_TUPLE) {
        if (st.ok()) row(raw);
      } else if (s != PGRES_TUPLES_OK && st.ok()) {
        st = Fail(raw, what);
      }
    }
    return st;
  }

  // COPY ... TO STDOUT: calls `data` with each piece the server sends (until it returns an
  // error; the rest is read and dropped, so that the connection stays usable).
  Status CopyOut(const char* sql, std::string_view what,
                 const std::function<Status(std::string_view)>& data) {
    {
      postgres_internal::PgResult r(PQexec(pg_, sql));
      if (PQresultStatus(r.get()) != PGRES_COPY_OUT) return Fail(r.get(), what);
    }
    Status st;
    for (;;) {
      char* buf = nullptr;
      const int n = PQgetCopyData(pg_, &buf, /*async=*/0);
      if (n == -2 && st.ok()) st = Fail(nullptr, what);
      if (n < 0) break;
      if (st.ok()) st = data(std::string_view(buf, static_cast<size_t>(n)));
      PQfreemem(buf);
    }
    while (PGresult* raw = PQgetResult(pg_)) {
      postgres_internal::PgResult r(raw);
      if (PQresultStatus(raw) != PGRES_COMMAND_OK && st.ok()) st = Fail(raw, what);
    }
    return st;
  }

  // COPY ... FROM STDIN with `data` in text format.
  Status CopyIn(const char* sql, const std::string& data, std::string_view what) {
    {
      postgres_internal::PgResult r(PQexec(pg_, sql));
      if (PQresultStatus(r.get()) != PGRES_COPY_IN) return Fail(r.get(), what);
    }
    if (PQputCopyData(pg_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(pg_, nullptr) != 1) {
      // Drain whatever the server answered.
      Status st = Fail(nullptr, what);
      while (PGresult* raw = PQgetResult(pg_)) PQclear(raw);
      return st;
    }
    Status st;
    while (PGresult* raw = PQgetResult(pg_)) {
      postgres_internal::PgResult r(raw);
      if (PQresultStatus(raw) != PGRES_COMMAND_OK && st.ok()) st = Fail(raw, what);
    }
    return st;
  }

  bool InTransaction() const { return PQtransactionStatus(pg_) != PQTRANS_IDLE; }
  void Rollback() {
    if (PQtransactionStatus(pg_) == PQTRANS_IDLE || PQstatus(pg_) != CONNECTION_OK) return;
    postgres_internal::PgResult r(PQexec(pg_, "ROLLBACK"));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      spdlog::error("PostgreSQL {}: rollback failed: {}", redacted_,
                    postgres_internal::Trimmed(PQerrorMessage(pg_)));
    }
  }
  Status Commit(std::string_view what) {
    postgres_internal::PgResult r(PQexec(pg_, "COMMIT"));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return Fail(r.get(), what);
    // COMMIT of a failed transaction answers ROLLBACK.
    if (std::string_view(PQcmdStatus(r.get())) != "COMMIT") {
      return Status::IoError("PostgreSQL " + redacted_ + ": " + std::string(what) +
                             " was rolled back");
    }
    return Status::Ok();
  }

  const std::string& last_sqlstate() const { return last_sqlstate_; }
  const std::string& redacted() const { return redacted_; }

 private:
  PGconn* pg_;
  std::unordered_set<std::string> prepared_;  // statements prepared in this session
  const std::string uri_;
  const std::string redacted_;
  std::string last_sqlstate_;
};

// ---------------------------------------------------------------------------------------------
// Transactions.

template <typename Body>
Status PostgresStore::InTransactionLocked(Body&& body) {
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  RAMETTE_RETURN_IF_ERROR(conn_->Exec("BEGIN", "starting a transaction"));
  Status st = body();
  if (st.ok()) st = conn_->Commit("committing");
  if (!st.ok()) {
    conn_->Rollback();
    // Rows created by the rolled-back transaction are gone: so must be their cached ids.
    user_ids_.clear();
    device_ids_.clear();
  }
  return st;
}

template <typename Body>
Status PostgresStore::InReadLocked(Body&& body) {
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  RAMETTE_RETURN_IF_ERROR(
      conn_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a read"));
  Status st = body();
  if (st.ok()) {
    st = conn_->Commit("ending a read");
  } else {
    conn_->Rollback();
  }
  return st;
}

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_POSTGRES_STORE_INTERNAL_H_
