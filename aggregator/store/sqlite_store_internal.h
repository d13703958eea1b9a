// Private to SqliteStore's part files (sqlite_store*.cc): the statements of the hot paths,
// the cached statement set, the transaction helper and the SQLite helpers that more than one
// part uses. Not an interface: nothing outside aggregator/store/sqlite_store*.cc includes it.
#ifndef RAMETTE_AGGREGATOR_STORE_SQLITE_STORE_INTERNAL_H_
#define RAMETTE_AGGREGATOR_STORE_SQLITE_STORE_INTERNAL_H_

#include <sqlite3.h>

#include <cstdint>
#include <optional>

#include "aggregator/store/sqlite_store.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store::sqlite_internal {

// The schema version from which devices have service periods (the device_periods table).
inline constexpr int kDevicePeriodsSchemaVersion = 3;
// The schema version from which the store keeps report addresses and sends.
inline constexpr int kReportSendsSchemaVersion = 4;
// The schema version from which users rows have a source and syncs are recorded.
inline constexpr int kDirectorySyncSchemaVersion = 10;
inline constexpr int kPaperSourcesSchemaVersion = 11;
// The schema version from which the store keeps web accounts.
inline constexpr int kWebAccountsSchemaVersion = 12;
// The schema version from which meter readings keep their counter (and meter_devices exists).
inline constexpr int kMeterCountersSchemaVersion = 14;
// The schema version from which meter readings are keyed by meter_devices.id and the date
// (and, on SQLite, purchases by their date and id).
inline constexpr int kPaperSourceKeysSchemaVersion = 15;

// The SQL of the migration step from schema version `from_version` to the next, for
// 0 <= from_version < SqliteStore::kLatestSchemaVersion (sqlite_store_schema.cc). Steps are never
// edited once released: a change is a new step.
const char* MigrationSql(int from_version);

// ---------------------------------------------------------------------------------------------
// Statements of the hot paths.

// UsageSource::LoadMeterCounters over [?1, ?2] (schema v15), in the order it returns them: per
// device, the counter of its last reading on or before each end (NULL: none). A device's first
// and last readings (meter_devices) answer a period that starts before the first or after the
// last without a seek; only a day between the two seeks its readings' key (device, date).
inline constexpr char kMeterCountersSql[] =
    "SELECT d.server, d.queue,"
    " CASE WHEN d.first_date > ?1 THEN NULL WHEN d.last_date <= ?1 THEN d.last_counter"
    "  ELSE (SELECT counter FROM meter_readings r WHERE r.device = d.id AND r.date <= ?1"
    "  ORDER BY r.date DESC LIMIT 1) END,"
    " CASE WHEN d.first_date > ?2 THEN NULL WHEN d.last_date <= ?2 THEN d.last_counter"
    "  ELSE (SELECT counter FROM meter_readings r WHERE r.device = d.id AND r.date <= ?2"
    "  ORDER BY r.date DESC LIMIT 1) END"
    " FROM meter_devices d ORDER BY d.server, d.queue";
// A device's first and last reading dates and last counter (meter_devices) from its readings,
// after an import stored some (schema v15): ?1 its id.
inline constexpr char kRefreshMeterDeviceSql[] =
    "UPDATE meter_devices SET"
    " first_date = (SELECT MIN(date) FROM meter_readings WHERE device = ?1),"
    " last_date = (SELECT MAX(date) FROM meter_readings WHERE device = ?1),"
    " last_counter = (SELECT counter FROM meter_readings WHERE device = ?1"
    " ORDER BY date DESC LIMIT 1) WHERE id = ?1";

inline constexpr char kUpsertServerSql[] =
    "INSERT INTO servers(name, agent_version, first_contact, last_contact) VALUES(?1, ?2, ?3, ?3)"
    " ON CONFLICT(name) DO UPDATE SET agent_version = excluded.agent_version,"
    " last_contact = excluded.last_contact RETURNING id";
inline constexpr char kFindUserSql[] = "SELECT id FROM users WHERE name = ?1";
inline constexpr char kInsertUserSql[] = "INSERT INTO users(name) VALUES(?1)";
inline constexpr char kFindDeviceSql[] = "SELECT id FROM devices WHERE server = ?1 AND queue = ?2";
inline constexpr char kInsertDeviceSql[] =
    "INSERT INTO devices(server, queue, deleted, first_seen, last_seen) VALUES(?1, ?2, 0, ?3, ?3)";
inline constexpr char kMaxCupsJobIdSql[] = "SELECT MAX(cups_job_id) FROM jobs WHERE server_id = ?1";
// The stored job a record of run ?5 and source ?6 duplicates (store_rules.h SameJob: the same
// run, or either is a page_log copy), through the unique index's (server, CUPS id, completion).
inline constexpr char kFindDuplicateSql[] =
    "SELECT id FROM jobs WHERE server_id = ?1 AND cups_job_id = ?2"
    " AND completed_at BETWEEN ?3 AND ?4 AND (run = ?5 OR source = 2 OR ?6 = 2)"
    " ORDER BY completed_at LIMIT 1";
// The live runs of one job (JobStore::LoadRuns).
inline constexpr char kLoadRunsSql[] =
    "SELECT j.run, j.completed_at, j.impressions FROM jobs j JOIN servers s ON s.id = j.server_id"
    " WHERE s.name = ?1 AND j.cups_job_id = ?2 AND j.job_uuid = ?3 AND j.source = 1";
// What a stored job contributes to the rollups, and its source (see SupersedeLocked).
inline constexpr char kStoredFiguresSql[] =
    "SELECT source, local_day, user_id, device_id, area_um2, sheets, impressions, sides,"
    " color_mode, media_known FROM jobs WHERE id = ?1";
inline constexpr char kInsertJobSql[] =
    "INSERT INTO jobs(server_id, device_id, cups_job_id, job_uuid, user_id, client_host,"
    " created_at, completed_at, state, copies, sides, media, color_mode, number_up, impressions,"
    " cups_sheets, title, source, sheets, area_um2, media_known, local_day, received_at,"
    " media_from_queue, run, job_impressions)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?25, ?26, ?27)";
// Replaces a stored job's record by another one of the same job: the parameters are numbered
// as in kInsertJobSql (?1 server, ?3 CUPS job id and ?23 received_at are left as they are),
// ?24 is the job's id, ?25 media_from_queue, ?26 run, ?27 job_impressions. OR IGNORE: should the
// new completion time collide with another stored job's, nothing changes.
inline constexpr char kSupersedeJobSql[] =
    "UPDATE OR IGNORE jobs SET device_id = ?2, job_uuid = ?4, user_id = ?5, client_host = ?6,"
    " created_at = ?7, completed_at = ?8, state = ?9, copies = ?10, sides = ?11, media = ?12,"
    " color_mode = ?13, number_up = ?14, impressions = ?15, cups_sheets = ?16, title = ?17,"
    " source = ?18, sheets = ?19, area_um2 = ?20, media_known = ?21, local_day = ?22,"
    " media_from_queue = ?25, run = ?26, job_impressions = ?27 WHERE id = ?24";
#define RAMETTE_ROLLUP_SUM_COLUMNS                                                  \
  "jobs, sheets, impressions, two_sided_sheets, color_sheets, unknown_media_jobs, " \
  "unknown_media_sheets"
#define RAMETTE_ROLLUP_ADD_SUMS                                                    \
  " DO UPDATE SET jobs = jobs + excluded.jobs, sheets = sheets + excluded.sheets," \
  " impressions = impressions + excluded.impressions,"                             \
  " two_sided_sheets = two_sided_sheets + excluded.two_sided_sheets,"              \
  " color_sheets = color_sheets + excluded.color_sheets,"                          \
  " unknown_media_jobs = unknown_media_jobs + excluded.unknown_media_jobs,"        \
  " unknown_media_sheets = unknown_media_sheets + excluded.unknown_media_sheets"
// Adds one key's sums (from the deltas kept in memory) to a rollup.
inline constexpr char kUpsertDailySql[] =
    "INSERT INTO rollup_daily(period, user_id, device_id, area_um2, " RAMETTE_ROLLUP_SUM_COLUMNS
    ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    " ON CONFLICT(period, user_id, device_id, area_um2)" RAMETTE_ROLLUP_ADD_SUMS;
inline constexpr char kUpsertMonthlySql[] =
    "INSERT INTO rollup_monthly(period, device_id, user_id, area_um2, " RAMETTE_ROLLUP_SUM_COLUMNS
    ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    " ON CONFLICT(period, device_id, user_id, area_um2)" RAMETTE_ROLLUP_ADD_SUMS;
// The jobs a fold or a reader adds to the rollups: what the rollup rule needs of each.
inline constexpr char kJobFiguresAfterSql[] =
    "SELECT id, local_day, user_id, device_id, area_um2, sheets, impressions, sides,"
    " color_mode, media_known FROM jobs WHERE id > ?1 AND id <= ?2 ORDER BY id";
// Folded id, newest job id (NULL without jobs) and the count of edits of unfolded jobs.
inline constexpr char kFoldStateSql[] =
    "SELECT folded_job_id, (SELECT MAX(id) FROM jobs), job_edits FROM rollup_state WHERE id = 1";
inline constexpr char kSetFoldStateSql[] =
    "UPDATE rollup_state SET folded_job_id = ?1 WHERE id = 1";
inline constexpr char kCountJobEditSql[] =
    "UPDATE rollup_state SET job_edits = job_edits + 1 WHERE id = 1";
// After a folded job moved to another key: its old key's rows when no job is left in them.
inline constexpr char kDeleteEmptyDailySql[] =
    "DELETE FROM rollup_daily WHERE period = ?1 AND user_id = ?2 AND device_id = ?3"
    " AND area_um2 = ?4 AND jobs = 0";
inline constexpr char kDeleteEmptyMonthlySql[] =
    "DELETE FROM rollup_monthly WHERE period = ?1 AND device_id = ?2 AND user_id = ?3"
    " AND area_um2 = ?4 AND jobs = 0";
inline constexpr char kClearRollupsSql[] =
    "DELETE FROM rollup_daily; DELETE FROM rollup_monthly;"
    " UPDATE rollup_state SET folded_job_id = 0 WHERE id = 1;";
// A record already quarantined for the same reason (a replayed batch) is kept once.
inline constexpr char kInsertQuarantineSql[] =
    "INSERT INTO quarantine(server, received_at, reason, record) VALUES(?1, ?2, ?3, ?4)"
    " ON CONFLICT(server, reason, record) DO NOTHING";
inline constexpr char kUpsertQueueSql[] =
    "INSERT INTO devices(server, queue, uuid, make_model, device_uri, location, description,"
    " color_supported, duplex_supported, printer_type, deleted, first_seen, last_seen,"
    " media_default, sides_default)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, NULLIF(?13, ''),"
    " NULLIF(?14, ''))"
    " ON CONFLICT(server, queue) DO UPDATE SET uuid = excluded.uuid,"
    " make_model = excluded.make_model, device_uri = excluded.device_uri,"
    " location = excluded.location, description = excluded.description,"
    " color_supported = excluded.color_supported, duplex_supported = excluded.duplex_supported,"
    " printer_type = excluded.printer_type, deleted = excluded.deleted,"
    " first_seen = COALESCE(first_seen, excluded.first_seen), last_seen = excluded.last_seen,"
    " media_default = CASE WHEN excluded.deleted THEN media_default ELSE excluded.media_default"
    " END, sides_default = CASE WHEN excluded.deleted THEN sides_default"
    " ELSE excluded.sides_default END";
// Both scans return the same columns, in the order ReadRollupRow expects.
inline constexpr char kMonthlyRangeSql[] =
    "SELECT period, device_id, user_id, area_um2, " RAMETTE_ROLLUP_SUM_COLUMNS
    " FROM rollup_monthly WHERE period BETWEEN ?1 AND ?2"
    " ORDER BY period, device_id, user_id, area_um2";
// The daily key leads with the day (so that folds append at the table's end): one user's rows
// are found with one primary-key seek per day of [?2, ?3], clamped to the days stored.
inline constexpr char kDailyRangeSql[] =
    "WITH RECURSIVE days(day) AS ("
    " SELECT MAX(?2, (SELECT MIN(period) FROM rollup_daily))"
    " UNION ALL SELECT day + 1 FROM days"
    " WHERE day < MIN(?3, (SELECT MAX(period) FROM rollup_daily)))"
    " SELECT period, device_id, user_id, area_um2, " RAMETTE_ROLLUP_SUM_COLUMNS
    " FROM days CROSS JOIN rollup_daily ON period = days.day AND user_id = ?1"
    " WHERE days.day BETWEEN ?2 AND ?3";
// One device's days without an index of their own (which every fold would pay for): the
// monthly key, (month, device_id, user_id...), gives the users of device ?1 in the months of
// [?2, ?3] (clamped to the days stored), then one daily key seek per day and user.
inline constexpr char kDailyOfDeviceSql[] =
    "WITH RECURSIVE bounds(lo, hi) AS ("
    " SELECT MAX(?2, (SELECT MIN(period) FROM rollup_daily)),"
    " MIN(?3, (SELECT MAX(period) FROM rollup_daily))),"
    " days(day) AS (SELECT lo FROM bounds WHERE lo <= hi"
    " UNION ALL SELECT day + 1 FROM days, bounds WHERE day < hi),"
    " users(id) AS (SELECT DISTINCT m.user_id FROM bounds CROSS JOIN rollup_monthly m"
    " WHERE m.period BETWEEN ramette_month_index(lo) AND ramette_month_index(hi)"
    " AND m.device_id = ?1)"
    " SELECT r.period, r.device_id, r.user_id, r.area_um2,"
    " r.jobs, r.sheets, r.impressions, r.two_sided_sheets, r.color_sheets,"
    " r.unknown_media_jobs, r.unknown_media_sheets"
    " FROM days CROSS JOIN users CROSS JOIN rollup_daily r"
    " ON r.period = days.day AND r.user_id = users.id AND r.device_id = ?1"
    " ORDER BY r.period, r.user_id, r.area_um2";
#undef RAMETTE_ROLLUP_SUM_COLUMNS
#undef RAMETTE_ROLLUP_ADD_SUMS

// ---------------------------------------------------------------------------------------------
// SQLite helpers.

inline void BindDay(sqlite3_stmt* s, int i, const std::optional<Day>& d) {
  if (d) {
    sqlite3_bind_int64(s, i, *d);
  } else {
    sqlite3_bind_null(s, i);
  }
}

inline std::optional<Day> ColumnDay(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return static_cast<Day>(sqlite3_column_int64(s, i));
}

}  // namespace ramette::aggregator::store::sqlite_internal

namespace ramette::aggregator::store {

// The cached prepared statements of one connection.
struct SqliteStore::Statements {
  sqlite::CachedStatement begin{"BEGIN IMMEDIATE"};
  sqlite::CachedStatement commit{"COMMIT"};
  sqlite::CachedStatement upsert_server{sqlite_internal::kUpsertServerSql};
  sqlite::CachedStatement find_user{sqlite_internal::kFindUserSql};
  sqlite::CachedStatement insert_user{sqlite_internal::kInsertUserSql};
  sqlite::CachedStatement find_device{sqlite_internal::kFindDeviceSql};
  sqlite::CachedStatement insert_device{sqlite_internal::kInsertDeviceSql};
  sqlite::CachedStatement max_cups_job_id{sqlite_internal::kMaxCupsJobIdSql};
  sqlite::CachedStatement find_duplicate{sqlite_internal::kFindDuplicateSql};
  sqlite::CachedStatement load_runs{sqlite_internal::kLoadRunsSql};
  sqlite::CachedStatement stored_figures{sqlite_internal::kStoredFiguresSql};
  sqlite::CachedStatement insert_job{sqlite_internal::kInsertJobSql};
  sqlite::CachedStatement supersede_job{sqlite_internal::kSupersedeJobSql};
  sqlite::CachedStatement fold_state{sqlite_internal::kFoldStateSql};
  sqlite::CachedStatement set_fold_state{sqlite_internal::kSetFoldStateSql};
  sqlite::CachedStatement count_job_edit{sqlite_internal::kCountJobEditSql};
  sqlite::CachedStatement delete_empty_daily{sqlite_internal::kDeleteEmptyDailySql};
  sqlite::CachedStatement delete_empty_monthly{sqlite_internal::kDeleteEmptyMonthlySql};
  sqlite::CachedStatement upsert_daily{sqlite_internal::kUpsertDailySql};
  sqlite::CachedStatement upsert_monthly{sqlite_internal::kUpsertMonthlySql};
  sqlite::CachedStatement job_figures_after{sqlite_internal::kJobFiguresAfterSql};
  sqlite::CachedStatement insert_quarantine{sqlite_internal::kInsertQuarantineSql};
  sqlite::CachedStatement upsert_queue{sqlite_internal::kUpsertQueueSql};
  sqlite::CachedStatement monthly_range{sqlite_internal::kMonthlyRangeSql};
  sqlite::CachedStatement daily_range{sqlite_internal::kDailyRangeSql};
  sqlite::CachedStatement daily_of_device{sqlite_internal::kDailyOfDeviceSql};
};

// Runs `body` between BEGIN IMMEDIATE and COMMIT; rolls back when either fails.
template <typename Body>
Status SqliteStore::InTransactionLocked(Body&& body) {
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->begin.Get(db_, &s));
  {
    sqlite::ResetOnExit reset(s);
    RAMETTE_RETURN_IF_ERROR(sqlite::StepDone(db_, s, "starting a transaction"));
  }
  Status st = body();
  if (st.ok()) st = stmts_->commit.Get(db_, &s);
  if (st.ok()) {
    sqlite::ResetOnExit reset(s);
    st = sqlite::StepDone(db_, s, "committing");
  }
  if (!st.ok()) RollbackLocked();
  return st;
}

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_SQLITE_STORE_INTERNAL_H_
