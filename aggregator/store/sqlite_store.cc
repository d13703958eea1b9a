// SqliteStore: schema and migrations, the CommitJobs hot path (cached statements, in-memory id
// caches, rollup deltas kept in memory and folded in bulk), imports, and the rollup scans behind
// the indicators.
#include "aggregator/store/sqlite_store.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "aggregator/auth/agent_token.h"
#include "aggregator/store/quarantine_json.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

// The rollup SQL below tests these enum values.
static_assert(static_cast<int>(Sides::kTwoSidedLongEdge) == 2);
static_assert(static_cast<int>(Sides::kTwoSidedShortEdge) == 3);
static_assert(static_cast<int>(ColorMode::kColor) == 2);

constexpr char kTimeZoneKey[] = "time_zone";
// The schema version from which devices have service periods (the device_periods table).
constexpr int kDevicePeriodsSchemaVersion = 3;
// The schema version from which the store keeps report addresses and sends.
constexpr int kReportSendsSchemaVersion = 4;

// ---------------------------------------------------------------------------------------------
// Schema. Migration steps are never edited once released: a change is a new step.

// v1: reference data, servers, devices, users, jobs and the quarantine.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE servers(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  agent_version TEXT NOT NULL DEFAULT '',
  first_contact INTEGER NOT NULL,  -- unix seconds
  last_contact INTEGER NOT NULL
);
CREATE TABLE devices(
  id INTEGER PRIMARY KEY,
  server TEXT NOT NULL,
  queue TEXT NOT NULL,
  -- From the devices import:
  classified INTEGER NOT NULL DEFAULT 0,
  class TEXT,            -- DeviceClassName(); NULL until classified
  direction TEXT,        -- NULL: none
  paper_id TEXT,         -- NULL: the default stock
  in_service INTEGER,    -- Day
  out_of_service INTEGER,-- Day; NULL while in service
  -- From the agents:
  uuid TEXT,
  make_model TEXT,
  device_uri TEXT,
  location TEXT,
  description TEXT,
  color_supported INTEGER,
  duplex_supported INTEGER,
  printer_type INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER,    -- unix seconds an agent first and last reported the queue
  last_seen INTEGER,
  UNIQUE(server, queue)
);
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE  -- '' for jobs without a user
);
CREATE TABLE jobs(
  id INTEGER PRIMARY KEY,
  server_id INTEGER NOT NULL,   -- servers.id
  device_id INTEGER NOT NULL,   -- devices.id
  cups_job_id INTEGER NOT NULL,
  job_uuid TEXT NOT NULL,       -- '' when unknown (so are client_host and media)
  user_id INTEGER NOT NULL,     -- users.id
  client_host TEXT NOT NULL,
  created_at INTEGER NOT NULL,  -- unix seconds, 0 when unknown
  completed_at INTEGER NOT NULL,
  state INTEGER NOT NULL,       -- JobState
  copies INTEGER NOT NULL,
  sides INTEGER NOT NULL,       -- Sides
  media TEXT NOT NULL,
  color_mode INTEGER NOT NULL,  -- ColorMode
  number_up INTEGER NOT NULL,
  impressions INTEGER NOT NULL, -- job-impressions-completed
  cups_sheets INTEGER NOT NULL, -- job-media-sheets-completed, -1 when unknown (diagnostics)
  title TEXT,                   -- NULL unless titles are configured
  source INTEGER NOT NULL,      -- RecordSource
  sheets INTEGER NOT NULL,      -- DESIGN.md's sheets rule
  area_um2 INTEGER NOT NULL,
  media_known INTEGER NOT NULL,
  local_day INTEGER NOT NULL,   -- Day of completed_at in meta.time_zone
  received_at INTEGER NOT NULL,
  UNIQUE(server_id, cups_job_id, completed_at)
);
CREATE TABLE quarantine(
  id INTEGER PRIMARY KEY,
  server TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  record TEXT NOT NULL  -- JSON of the JobRecord without its title
);
CREATE TABLE papers(
  paper_id TEXT PRIMARY KEY,
  recycled INTEGER NOT NULL,
  grammage_gsm REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE user_directions(
  id INTEGER PRIMARY KEY,
  user TEXT NOT NULL,
  direction TEXT NOT NULL,
  valid_from INTEGER,  -- Day, inclusive; NULL: unbounded
  valid_to INTEGER     -- Day, exclusive; NULL: unbounded
);
CREATE INDEX user_directions_by_user ON user_directions(user);
CREATE TABLE workstations(
  direction TEXT NOT NULL,
  date INTEGER NOT NULL,  -- Day
  count INTEGER NOT NULL,
  PRIMARY KEY(direction, date)
) WITHOUT ROWID;
)sql";

// v2: the daily and monthly rollups. Rollups count the jobs whose id is at most
// rollup_state.folded_job_id; jobs are never deleted, so ids only grow. The step starts them
// empty with the watermark at 0: the writer's next fold adds the jobs of v1 with the one rollup
// rule (store_rules.h), and readers merge the unfolded jobs meanwhile. (Released as an
// INSERT ... SELECT of the same sums; the result after the fold is the same.)
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE rollup_daily(
  period INTEGER NOT NULL,  -- Day; first in the key, so that new days append
  user_id INTEGER NOT NULL,
  device_id INTEGER NOT NULL,
  area_um2 INTEGER NOT NULL,
  jobs INTEGER NOT NULL,
  sheets INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  two_sided_sheets INTEGER NOT NULL,
  color_sheets INTEGER NOT NULL,
  unknown_media_jobs INTEGER NOT NULL,
  unknown_media_sheets INTEGER NOT NULL,
  PRIMARY KEY(period, user_id, device_id, area_um2)
) WITHOUT ROWID;
CREATE TABLE rollup_monthly(
  period INTEGER NOT NULL,  -- MonthIndex
  device_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  area_um2 INTEGER NOT NULL,
  jobs INTEGER NOT NULL,
  sheets INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  two_sided_sheets INTEGER NOT NULL,
  color_sheets INTEGER NOT NULL,
  unknown_media_jobs INTEGER NOT NULL,
  unknown_media_sheets INTEGER NOT NULL,
  PRIMARY KEY(period, device_id, user_id, area_um2)
) WITHOUT ROWID;
CREATE TABLE rollup_state(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  folded_job_id INTEGER NOT NULL  -- the rollups count exactly the jobs with id <= this
);
INSERT INTO rollup_state(id, folded_job_id) VALUES(1, 0);
)sql";

// v3:
// - A queue may have several service periods: `devices` keeps the queue's identity (its id,
//   which jobs and rollups reference, never changes) and what agents report; the devices
//   import's rows move to `device_periods`, one per classified device. A queue is classified
//   when it has periods.
// - rollup_state.job_edits counts the changes of unfolded jobs (a live record superseding a
//   page_log one), so that every connection knows when its pending deltas became stale.
// - A record is quarantined once per (server, reason, record): exact duplicates are removed.
constexpr char kSchemaV3[] = R"sql(
CREATE TABLE device_periods(
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL,  -- devices.id
  class TEXT NOT NULL,         -- DeviceClassName()
  direction TEXT,              -- NULL: none
  paper_id TEXT,               -- NULL: the default stock
  in_service INTEGER,          -- Day
  out_of_service INTEGER       -- Day, exclusive; NULL while in service
);
CREATE INDEX device_periods_by_device ON device_periods(device_id, in_service);
INSERT INTO device_periods(device_id, class, direction, paper_id, in_service, out_of_service)
  SELECT id, COALESCE(class, 'other'), direction, paper_id, in_service, out_of_service
  FROM devices WHERE classified <> 0 ORDER BY id;
CREATE TABLE devices_v3(
  id INTEGER PRIMARY KEY,
  server TEXT NOT NULL,
  queue TEXT NOT NULL,
  -- From the agents:
  uuid TEXT,
  make_model TEXT,
  device_uri TEXT,
  location TEXT,
  description TEXT,
  color_supported INTEGER,
  duplex_supported INTEGER,
  printer_type INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER,    -- unix seconds an agent first and last reported the queue
  last_seen INTEGER,
  UNIQUE(server, queue)
);
INSERT INTO devices_v3(id, server, queue, uuid, make_model, device_uri, location, description,
                       color_supported, duplex_supported, printer_type, deleted, first_seen,
                       last_seen)
  SELECT id, server, queue, uuid, make_model, device_uri, location, description,
         color_supported, duplex_supported, printer_type, deleted, first_seen, last_seen
  FROM devices ORDER BY id;
DROP TABLE devices;
ALTER TABLE devices_v3 RENAME TO devices;
ALTER TABLE rollup_state ADD COLUMN job_edits INTEGER NOT NULL DEFAULT 0;
DELETE FROM quarantine
  WHERE id NOT IN (SELECT MIN(id) FROM quarantine GROUP BY server, reason, record);
CREATE UNIQUE INDEX quarantine_once ON quarantine(server, reason, record);
)sql";

// v4: where the monthly reports go and what was sent (`ramette report monthly --send`).
// - direction_emails: the addresses of each direction (`ramette import directions`); a
//   direction without rows has none.
// - report_sends: one row per report accepted by the relay for (direction, month, recipient),
//   month a MonthIndex; a send is recorded only after the relay accepted it, and never repeated.
constexpr char kSchemaV4[] = R"sql(
CREATE TABLE direction_emails(
  direction TEXT NOT NULL,
  email TEXT NOT NULL,
  PRIMARY KEY(direction, email)
) WITHOUT ROWID;
CREATE TABLE report_sends(
  direction TEXT NOT NULL,
  month INTEGER NOT NULL,    -- MonthIndex: year * 12 + month - 1
  recipient TEXT NOT NULL,
  sent_at INTEGER NOT NULL,  -- unix seconds the relay accepted it
  PRIMARY KEY(direction, month, recipient)
) WITHOUT ROWID;
)sql";

// v5: what each agent reports about itself (the ReportStatus heartbeat): its outbox backlog and
// when it last reported it. Touches only `servers`, so it applies after any v4.
constexpr char kSchemaV5[] = R"sql(
ALTER TABLE servers ADD COLUMN outbox_records INTEGER;  -- NULL: never reported
ALTER TABLE servers ADD COLUMN outbox_oldest INTEGER;   -- unix seconds; 0 when nothing waits
ALTER TABLE servers ADD COLUMN status_at INTEGER;       -- unix seconds of the last report
)sql";
constexpr int kAgentStatusSchemaVersion = 5;

// v6: agent tokens (`ramette token create|list|revoke`). Only the SHA-256 of a token is kept
// (hex), with its public id (the hash's first 8 hex digits), the server id it is bound to, and
// when it was created and revoked (NULL while valid). New table only: applies after any v5.
constexpr char kSchemaV6[] = R"sql(
CREATE TABLE agent_tokens(
  id TEXT PRIMARY KEY,          -- public id: the first 8 hex digits of hash
  hash TEXT NOT NULL UNIQUE,    -- lower-case hex SHA-256 of the token
  server TEXT NOT NULL,         -- the server id the token may submit records for
  created_at INTEGER NOT NULL,  -- unix seconds
  revoked_at INTEGER            -- unix seconds; NULL while valid
) WITHOUT ROWID;
CREATE INDEX agent_tokens_by_server ON agent_tokens(server);
)sql";
constexpr int kAgentTokensSchemaVersion = 6;

// v7: the BI views (README "BI views"): documented, stable (columns are only ever added, never
// renamed or removed) and read-only (SQLite views cannot be written). PostgresStore's v7 has the
// same views, columns and meanings in its dialect (dates are 'YYYY-MM-DD' text and flags 0/1
// here, date and boolean there). Views only: applies after any v6. No user name, title or
// client host appears in any of them: no per-person figure.
//
// bi_jobs restates in SQL three rules that live in C++; bi_views_test (SQLite) and
// bi_views_postgres_test check that the sums of the views per year and direction equal
// AttributeUsage's (aggregator/indicators/usage_attribution.cc) on a fixture with every case:
// - the device's service period on the job's local day: DevicePeriodOn (model/inventory.cc;
//   DESIGN.md "in service on a date"): the period in service that day, else the latest one
//   started on or before it, else the earliest; none (an unclassified queue): class `other`,
//   no direction, the default stock;
// - the paper stock of that period, the default stock (80 g/m², not recycled) when the period
//   names none or an unknown paper id, and DESIGN.md's mass = sheets x sheet area x grammage;
// - DESIGN.md "A job's direction": the user's directory row valid on the job's local day (when
//   rows overlap, the one that starts last, as AttributeUsage's DirectionOn), else the device
//   period's direction, else `unassigned`.
// bi_monthly_usage sums bi_jobs (same tests); bi_devices and bi_workstations show the tables.
constexpr char kSchemaV7[] = R"sql(
CREATE VIEW bi_jobs AS
-- One row per stored job, without user name or title (README "BI views"). Restates
-- DevicePeriodOn, the default paper stock, DESIGN.md's mass and "A job's direction";
-- pinned by bi_views_test against AttributeUsage.
SELECT
  j.id AS job_id,
  date(j.local_day * 86400, 'unixepoch') AS local_date,
  CAST(strftime('%Y', j.local_day * 86400, 'unixepoch') AS INTEGER) AS year,
  CAST(strftime('%m', j.local_day * 86400, 'unixepoch') AS INTEGER) AS month,
  strftime('%Y-%m-%dT%H:%M:%SZ', j.completed_at, 'unixepoch') AS completed_at,
  j.completed_at AS completed_unix,
  s.name AS server,
  d.queue AS queue,
  j.device_id AS device_id,
  CASE j.source WHEN 1 THEN 'live' WHEN 2 THEN 'page_log' ELSE 'unknown' END AS source,
  CASE j.state WHEN 9 THEN 'completed' WHEN 7 THEN 'canceled' WHEN 8 THEN 'aborted'
    ELSE 'unknown' END AS state,
  j.sheets AS sheets,
  j.impressions AS impressions,
  j.copies AS copies,
  CASE j.sides WHEN 1 THEN 'one-sided' WHEN 2 THEN 'two-sided-long-edge'
    WHEN 3 THEN 'two-sided-short-edge' ELSE 'unknown' END AS sides,
  (j.sides IN (2, 3)) AS two_sided,
  (j.color_mode = 2) AS color,
  j.media AS media,
  (j.media_known <> 0) AS media_known,
  j.area_um2 / 1e12 AS sheet_area_m2,
  (p.id IS NOT NULL) AS device_classified,
  COALESCE(p.class, 'other') AS device_class,
  NULLIF(p.direction, '') AS device_direction,
  NULLIF(p.paper_id, '') AS paper_id,
  COALESCE(pa.grammage_gsm, 80.0) AS grammage_gsm,
  COALESCE(pa.recycled <> 0, 0) AS recycled,
  (pa.paper_id IS NULL) AS default_stock,
  j.sheets * j.area_um2 * COALESCE(pa.grammage_gsm, 80.0) / 1e12 AS mass_g,
  COALESCE(ud.direction, NULLIF(p.direction, ''), 'unassigned') AS direction,
  CASE WHEN ud.direction IS NOT NULL THEN 'user'
    WHEN NULLIF(p.direction, '') IS NOT NULL THEN 'device' ELSE 'none' END AS direction_source
FROM jobs j
JOIN servers s ON s.id = j.server_id
JOIN devices d ON d.id = j.device_id
LEFT JOIN device_periods p ON p.id = COALESCE(
  (SELECT x.id FROM device_periods x
   WHERE x.device_id = j.device_id AND x.in_service <= j.local_day
     AND (x.out_of_service IS NULL OR j.local_day < x.out_of_service)
   ORDER BY x.in_service, x.out_of_service, x.id LIMIT 1),
  (SELECT x.id FROM device_periods x
   WHERE x.device_id = j.device_id AND (x.in_service IS NULL OR x.in_service <= j.local_day)
   ORDER BY x.in_service DESC NULLS LAST, x.id LIMIT 1),
  (SELECT x.id FROM device_periods x WHERE x.device_id = j.device_id
   ORDER BY x.in_service NULLS FIRST, x.id LIMIT 1))
LEFT JOIN papers pa ON pa.paper_id = p.paper_id AND p.paper_id <> ''
LEFT JOIN users u ON u.id = j.user_id
LEFT JOIN user_directions ud ON ud.id = (
  SELECT x.id FROM user_directions x
  WHERE x.user = u.name AND u.name <> '' AND x.direction <> ''
    AND (x.valid_from IS NULL OR x.valid_from <= j.local_day)
    AND (x.valid_to IS NULL OR j.local_day < x.valid_to)
  ORDER BY x.valid_from DESC NULLS LAST, x.valid_to DESC NULLS FIRST,
    (x.direction = 'unassigned') DESC, x.direction DESC
  LIMIT 1);

CREATE VIEW bi_monthly_usage AS
-- bi_jobs summed by year, month and direction (README "BI views");
-- mass_kg_excluding_print_shop is what I1 and I5 measure. Pinned by bi_views_test.
SELECT
  year, month, direction,
  COUNT(*) AS jobs,
  SUM(sheets) AS sheets,
  SUM(impressions) AS impressions,
  SUM(CASE WHEN two_sided THEN sheets ELSE 0 END) AS two_sided_sheets,
  SUM(CASE WHEN color THEN sheets ELSE 0 END) AS color_sheets,
  SUM(CASE WHEN media_known THEN 0 ELSE 1 END) AS unknown_media_jobs,
  SUM(mass_g) / 1000 AS mass_kg,
  SUM(CASE WHEN recycled THEN mass_g ELSE 0 END) / 1000 AS recycled_mass_kg,
  SUM(CASE WHEN device_class = 'print_shop' THEN 0 ELSE mass_g END) / 1000
    AS mass_kg_excluding_print_shop
FROM bi_jobs
GROUP BY year, month, direction;

CREATE VIEW bi_devices AS
-- One row per service period of each queue, one for a queue not classified yet.
SELECT
  d.id AS device_id,
  d.server AS server,
  d.queue AS queue,
  (p.id IS NOT NULL) AS classified,
  COALESCE(p.class, 'other') AS device_class,
  NULLIF(p.direction, '') AS direction,
  NULLIF(p.paper_id, '') AS paper_id,
  COALESCE(pa.grammage_gsm, 80.0) AS grammage_gsm,
  COALESCE(pa.recycled <> 0, 0) AS recycled,
  date(p.in_service * 86400, 'unixepoch') AS in_service,
  date(p.out_of_service * 86400, 'unixepoch') AS out_of_service,
  d.make_model AS make_model,
  (d.color_supported <> 0) AS color_supported,
  (d.duplex_supported <> 0) AS duplex_supported
FROM devices d
LEFT JOIN device_periods p ON p.device_id = d.id
LEFT JOIN papers pa ON pa.paper_id = p.paper_id AND p.paper_id <> '';

CREATE VIEW bi_workstations AS
-- Workstation counts, each valid from its date to the next count's.
SELECT
  direction,
  date(date * 86400, 'unixepoch') AS valid_from,
  date(LEAD(date) OVER (PARTITION BY direction ORDER BY date) * 86400, 'unixepoch') AS valid_to,
  count AS workstations
FROM workstations;
)sql";

// v8: what a queue applies to jobs that name nothing (the agent's queue records), and whether a
// job's media is its queue's media-default (the job named none). Columns only: applies after
// any v7.
constexpr char kSchemaV8[] = R"sql(
ALTER TABLE jobs ADD COLUMN media_from_queue INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN media_default TEXT;  -- NULL: never reported
ALTER TABLE devices ADD COLUMN sides_default TEXT;
)sql";

// Each step takes the database from version i to i + 1 in one transaction.
constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4,
                                       kSchemaV5, kSchemaV6, kSchemaV7, kSchemaV8};
static_assert(std::size(kMigrations) == SqliteStore::kLatestSchemaVersion);

// ---------------------------------------------------------------------------------------------
// Statements of the hot paths.

constexpr char kUpsertServerSql[] =
    "INSERT INTO servers(name, agent_version, first_contact, last_contact) VALUES(?1, ?2, ?3, ?3)"
    " ON CONFLICT(name) DO UPDATE SET agent_version = excluded.agent_version,"
    " last_contact = excluded.last_contact RETURNING id";
constexpr char kFindUserSql[] = "SELECT id FROM users WHERE name = ?1";
constexpr char kInsertUserSql[] = "INSERT INTO users(name) VALUES(?1)";
constexpr char kFindDeviceSql[] = "SELECT id FROM devices WHERE server = ?1 AND queue = ?2";
constexpr char kInsertDeviceSql[] =
    "INSERT INTO devices(server, queue, deleted, first_seen, last_seen) VALUES(?1, ?2, 0, ?3, ?3)";
constexpr char kMaxCupsJobIdSql[] = "SELECT MAX(cups_job_id) FROM jobs WHERE server_id = ?1";
// Reads the unique index only (the rowid is in it).
constexpr char kFindDuplicateSql[] =
    "SELECT id FROM jobs WHERE server_id = ?1 AND cups_job_id = ?2"
    " AND completed_at BETWEEN ?3 AND ?4 LIMIT 1";
// What a stored job contributes to the rollups, and its source (see SupersedeLocked).
constexpr char kStoredFiguresSql[] =
    "SELECT source, local_day, user_id, device_id, area_um2, sheets, impressions, sides,"
    " color_mode, media_known FROM jobs WHERE id = ?1";
constexpr char kInsertJobSql[] =
    "INSERT INTO jobs(server_id, device_id, cups_job_id, job_uuid, user_id, client_host,"
    " created_at, completed_at, state, copies, sides, media, color_mode, number_up, impressions,"
    " cups_sheets, title, source, sheets, area_um2, media_known, local_day, received_at,"
    " media_from_queue)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?25)";
// Replaces a stored job's record by another one of the same job: the parameters are numbered
// as in kInsertJobSql (?1 server, ?3 CUPS job id and ?23 received_at are left as they are),
// ?24 is the job's id, ?25 media_from_queue. OR IGNORE: should the new completion time collide with
// another stored job's, nothing changes.
constexpr char kSupersedeJobSql[] =
    "UPDATE OR IGNORE jobs SET device_id = ?2, job_uuid = ?4, user_id = ?5, client_host = ?6,"
    " created_at = ?7, completed_at = ?8, state = ?9, copies = ?10, sides = ?11, media = ?12,"
    " color_mode = ?13, number_up = ?14, impressions = ?15, cups_sheets = ?16, title = ?17,"
    " source = ?18, sheets = ?19, area_um2 = ?20, media_known = ?21, local_day = ?22,"
    " media_from_queue = ?25 WHERE id = ?24";
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
constexpr char kUpsertDailySql[] =
    "INSERT INTO rollup_daily(period, user_id, device_id, area_um2, " RAMETTE_ROLLUP_SUM_COLUMNS
    ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    " ON CONFLICT(period, user_id, device_id, area_um2)" RAMETTE_ROLLUP_ADD_SUMS;
constexpr char kUpsertMonthlySql[] =
    "INSERT INTO rollup_monthly(period, device_id, user_id, area_um2, " RAMETTE_ROLLUP_SUM_COLUMNS
    ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    " ON CONFLICT(period, device_id, user_id, area_um2)" RAMETTE_ROLLUP_ADD_SUMS;
// The jobs a fold or a reader adds to the rollups: what the rollup rule needs of each.
constexpr char kJobFiguresAfterSql[] =
    "SELECT id, local_day, user_id, device_id, area_um2, sheets, impressions, sides,"
    " color_mode, media_known FROM jobs WHERE id > ?1 AND id <= ?2 ORDER BY id";
// Folded id, newest job id (NULL without jobs) and the count of edits of unfolded jobs.
constexpr char kFoldStateSql[] =
    "SELECT folded_job_id, (SELECT MAX(id) FROM jobs), job_edits FROM rollup_state WHERE id = 1";
constexpr char kSetFoldStateSql[] = "UPDATE rollup_state SET folded_job_id = ?1 WHERE id = 1";
constexpr char kCountJobEditSql[] =
    "UPDATE rollup_state SET job_edits = job_edits + 1 WHERE id = 1";
// After a folded job moved to another key: its old key's rows when no job is left in them.
constexpr char kDeleteEmptyDailySql[] =
    "DELETE FROM rollup_daily WHERE period = ?1 AND user_id = ?2 AND device_id = ?3"
    " AND area_um2 = ?4 AND jobs = 0";
constexpr char kDeleteEmptyMonthlySql[] =
    "DELETE FROM rollup_monthly WHERE period = ?1 AND device_id = ?2 AND user_id = ?3"
    " AND area_um2 = ?4 AND jobs = 0";
constexpr char kClearRollupsSql[] =
    "DELETE FROM rollup_daily; DELETE FROM rollup_monthly;"
    " UPDATE rollup_state SET folded_job_id = 0 WHERE id = 1;";
// A record already quarantined for the same reason (a replayed batch) is kept once.
constexpr char kInsertQuarantineSql[] =
    "INSERT INTO quarantine(server, received_at, reason, record) VALUES(?1, ?2, ?3, ?4)"
    " ON CONFLICT(server, reason, record) DO NOTHING";
constexpr char kUpsertQueueSql[] =
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
constexpr char kMonthlyRangeSql[] =
    "SELECT period, device_id, user_id, area_um2, " RAMETTE_ROLLUP_SUM_COLUMNS
    " FROM rollup_monthly WHERE period BETWEEN ?1 AND ?2"
    " ORDER BY period, device_id, user_id, area_um2";
// The daily key leads with the day (so that folds append at the table's end): one user's rows
// are found with one primary-key seek per day of [?2, ?3], clamped to the days stored.
constexpr char kDailyRangeSql[] =
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
constexpr char kDailyOfDeviceSql[] =
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

// common/sqlite/sqlite_util.h, in its base wording ("database error while ...").
using sqlite::BindInt;
using sqlite::BindText;
using sqlite::BindTextOrNull;
using sqlite::CachedStatement;
using sqlite::ColumnText;
using sqlite::DbCloser;
using sqlite::Exec;
using sqlite::OwnedStatement;
using sqlite::QueryInt;
using sqlite::ResetOnExit;
using sqlite::SqliteError;
using sqlite::StepDone;

inline void BindDay(sqlite3_stmt* s, int i, const std::optional<Day>& d) {
  if (d) {
    sqlite3_bind_int64(s, i, *d);
  } else {
    sqlite3_bind_null(s, i);
  }
}
std::optional<Day> ColumnDay(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return static_cast<Day>(sqlite3_column_int64(s, i));
}

// SQL function ramette_month_index(day): MonthIndexOfDay.
void MonthIndexFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  sqlite3_result_int64(ctx, MonthIndexOfDay(static_cast<Day>(sqlite3_value_int64(argv[0]))));
}

// SQL function ramette_local_day(unix_seconds), registered only while EnsureTimeZone runs; its
// user data is the TimeZone.
void LocalDayFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  const auto* tz = static_cast<const TimeZone*>(sqlite3_user_data(ctx));
  sqlite3_result_int64(ctx, tz->LocalDay(sqlite3_value_int64(argv[0])));
}

}  // namespace

struct SqliteStore::Statements {
  CachedStatement begin{"BEGIN IMMEDIATE"};
  CachedStatement commit{"COMMIT"};
  CachedStatement upsert_server{kUpsertServerSql};
  CachedStatement find_user{kFindUserSql};
  CachedStatement insert_user{kInsertUserSql};
  CachedStatement find_device{kFindDeviceSql};
  CachedStatement insert_device{kInsertDeviceSql};
  CachedStatement max_cups_job_id{kMaxCupsJobIdSql};
  CachedStatement find_duplicate{kFindDuplicateSql};
  CachedStatement stored_figures{kStoredFiguresSql};
  CachedStatement insert_job{kInsertJobSql};
  CachedStatement supersede_job{kSupersedeJobSql};
  CachedStatement fold_state{kFoldStateSql};
  CachedStatement set_fold_state{kSetFoldStateSql};
  CachedStatement count_job_edit{kCountJobEditSql};
  CachedStatement delete_empty_daily{kDeleteEmptyDailySql};
  CachedStatement delete_empty_monthly{kDeleteEmptyMonthlySql};
  CachedStatement upsert_daily{kUpsertDailySql};
  CachedStatement upsert_monthly{kUpsertMonthlySql};
  CachedStatement job_figures_after{kJobFiguresAfterSql};
  CachedStatement insert_quarantine{kInsertQuarantineSql};
  CachedStatement upsert_queue{kUpsertQueueSql};
  CachedStatement monthly_range{kMonthlyRangeSql};
  CachedStatement daily_range{kDailyRangeSql};
  CachedStatement daily_of_device{kDailyOfDeviceSql};
};

// ---------------------------------------------------------------------------------------------
// Opening and migrations.

SqliteStore::SqliteStore(sqlite3* db, std::string path, int schema_version)
    : db_(db),
      path_(std::move(path)),
      schema_version_(schema_version),
      stmts_(std::make_unique<Statements>()) {}

SqliteStore::~SqliteStore() {
  stmts_.reset();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  return OpenImpl(path, kLatestSchemaVersion);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenAtSchemaVersionForTest(
    const std::string& path, int version) {
  if (version < 1 || version > kLatestSchemaVersion) {
    return Status::InvalidArgument("schema version " + std::to_string(version) +
                                   " is not between 1 and " + std::to_string(kLatestSchemaVersion));
  }
  return OpenImpl(path, version);
}

namespace {

Status RefuseNewer(const std::string& path, int64_t version) {
  return Status::FailedPrecondition("database '" + path + "' has schema version " +
                                    std::to_string(version) + ", newer than the version " +
                                    std::to_string(SqliteStore::kLatestSchemaVersion) +
                                    " this ramette knows; upgrade ramette");
}

// Applies the migration steps after the database's version, up to `target`, one transaction
// each. Returns the version reached.
Result<int> Migrate(sqlite3* db, const std::string& path, int target) {
  int64_t version = 0;
  RAMETTE_RETURN_IF_ERROR(QueryInt(db, "PRAGMA user_version", &version));
  if (version > SqliteStore::kLatestSchemaVersion) return RefuseNewer(path, version);
  const int64_t initial = version;
  while (version < target) {
    RAMETTE_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE", "starting a schema migration"));
    // Another process may have migrated meanwhile: read the version again under the lock.
    Status st = QueryInt(db, "PRAGMA user_version", &version);
    if (st.ok() && version > SqliteStore::kLatestSchemaVersion) st = RefuseNewer(path, version);
    if (st.ok() && version < target) {
      st = Exec(db, kMigrations[version],
                "migrating to schema version " + std::to_string(version + 1));
      if (st.ok()) {
        st = Exec(db, ("PRAGMA user_version = " + std::to_string(version + 1)).c_str(),
                  "recording the schema version");
      }
      if (st.ok()) ++version;
    }
    if (st.ok()) st = Exec(db, "COMMIT", "committing a schema migration");
    if (!st.ok()) {
      if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return st;
    }
  }
  if (initial == 0) {
    spdlog::info("database '{}' created at schema version {}", path, version);
  } else if (version != initial) {
    spdlog::info("database '{}' migrated from schema version {} to {}", path, initial, version);
  }
  return static_cast<int>(version);
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenImpl(const std::string& path, int version) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the store serialises every use of the connection with its own mutex.
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    return Status::IoError("cannot open database '" + path +
                           "': " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

  std::string journal_mode;
  rc = sqlite3_exec(
      db.get(), "PRAGMA journal_mode = WAL",
      [](void* out, int n, char** values, char**) {
        if (n > 0 && values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
        return 0;
      },
      &journal_mode, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "opening '" + path + "'");
  if (journal_mode != "wal") {
    spdlog::warn("database '{}' runs in journal mode '{}', not WAL", path, journal_mode);
  }
  RAMETTE_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF",
                               "configuring the connection"));
  rc = sqlite3_create_function_v2(db.get(), "ramette_month_index", 1,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                  &MonthIndexFunction, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "registering SQL functions");

  Result<int> reached = Migrate(db.get(), path, version);
  if (!reached.ok()) return reached.status();
  return std::unique_ptr<SqliteStore>(new SqliteStore(db.release(), path, *reached));
}

int SqliteStore::SchemaVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t v = -1;
  if (!QueryInt(db_, "PRAGMA user_version", &v).ok()) return -1;
  return static_cast<int>(v);
}

Status SqliteStore::RequireSchemaLocked(int version) const {
  if (schema_version_ >= version) return Status::Ok();
  return Status::FailedPrecondition("store opened at schema version " +
                                    std::to_string(schema_version_) + ", this needs version " +
                                    std::to_string(version) + " (the latest is " +
                                    std::to_string(kLatestSchemaVersion) + ")");
}

Status SqliteStore::RequireLatestSchemaLocked() const {
  return RequireSchemaLocked(kLatestSchemaVersion);
}

// ---------------------------------------------------------------------------------------------
// Transactions.

template <typename Body>
Status SqliteStore::InTransactionLocked(Body&& body) {
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->begin.Get(db_, &s));
  {
    ResetOnExit reset(s);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s, "starting a transaction"));
  }
  Status st = body();
  if (st.ok()) st = stmts_->commit.Get(db_, &s);
  if (st.ok()) {
    ResetOnExit reset(s);
    st = StepDone(db_, s, "committing");
  }
  if (!st.ok()) RollbackLocked();
  return st;
}

void SqliteStore::RollbackLocked() {
  if (sqlite3_get_autocommit(db_) == 0) {
    int rc = sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) spdlog::error("rollback failed: {}", sqlite3_errmsg(db_));
  }
  // Rows created by the rolled-back transaction are gone: so must be their cached ids.
  user_ids_.clear();
  device_ids_.clear();
  max_cups_job_ids_.clear();
}

Status SqliteStore::ExecLocked(const char* sql) { return Exec(db_, sql, "writing"); }

// ---------------------------------------------------------------------------------------------
// Ingest.

Status SqliteStore::TouchServerLocked(const std::string& server, const std::string& agent_version,
                                      int64_t now, int64_t* server_row) {
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->upsert_server.Get(db_, &s));
  ResetOnExit reset(s);
  BindText(s, 1, server);
  BindText(s, 2, agent_version);
  BindInt(s, 3, now);
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "recording the server's contact");
  *server_row = sqlite3_column_int64(s, 0);
  return StepDone(db_, s, "recording the server's contact");
}

Status SqliteStore::UserIdLocked(const std::string& name, int64_t* id) {
  if (auto it = user_ids_.find(std::string_view(name)); it != user_ids_.end()) {
    *id = it->second;
    return Status::Ok();
  }
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->find_user.Get(db_, &s));
  {
    ResetOnExit reset(s);
    BindText(s, 1, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      *id = sqlite3_column_int64(s, 0);
      user_ids_.emplace(name, *id);
      return Status::Ok();
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "looking up a user");
  }
  RAMETTE_RETURN_IF_ERROR(stmts_->insert_user.Get(db_, &s));
  ResetOnExit reset(s);
  BindText(s, 1, name);
  RAMETTE_RETURN_IF_ERROR(StepDone(db_, s, "adding a user"));
  *id = sqlite3_last_insert_rowid(db_);
  user_ids_.emplace(name, *id);
  return Status::Ok();
}

Status SqliteStore::DeviceIdLocked(const std::string& server, IdMap& queues,
                                   const std::string& queue, int64_t now, int64_t* id) {
  if (auto it = queues.find(std::string_view(queue)); it != queues.end()) {
    *id = it->second;
    return Status::Ok();
  }
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->find_device.Get(db_, &s));
  {
    ResetOnExit reset(s);
    BindText(s, 1, server);
    BindText(s, 2, queue);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      *id = sqlite3_column_int64(s, 0);
      queues.emplace(queue, *id);
      return Status::Ok();
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "looking up a device");
  }
  RAMETTE_RETURN_IF_ERROR(stmts_->insert_device.Get(db_, &s));
  ResetOnExit reset(s);
  BindText(s, 1, server);
  BindText(s, 2, queue);
  BindInt(s, 3, now);
  RAMETTE_RETURN_IF_ERROR(StepDone(db_, s, "registering a queue"));
  *id = sqlite3_last_insert_rowid(db_);
  queues.emplace(queue, *id);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Rollup folding.

namespace {

// Binds ?1..?23 and ?25 of kInsertJobSql (kSupersedeJobSql uses the same numbers).
inline void BindJob(sqlite3_stmt* s, int64_t server_row, int64_t device_id, int64_t user_id,
                    const model::StoredJob& job, int64_t now) {
  const JobRecord& r = job.record;
  BindInt(s, 1, server_row);
  BindInt(s, 2, device_id);
  BindInt(s, 3, r.cups_job_id);
  BindText(s, 4, r.job_uuid);
  BindInt(s, 5, user_id);
  BindText(s, 6, r.client_host);
  BindInt(s, 7, r.created_at);
  BindInt(s, 8, r.completed_at);
  BindInt(s, 9, static_cast<int>(r.state));
  BindInt(s, 10, r.copies);
  BindInt(s, 11, static_cast<int>(r.sides));
  BindText(s, 12, r.media);
  BindInt(s, 13, static_cast<int>(r.color_mode));
  BindInt(s, 14, r.number_up);
  BindInt(s, 15, r.impressions_completed);
  BindInt(s, 16, r.cups_media_sheets_completed);
  if (r.title) {
    BindText(s, 17, *r.title);
  } else {
    sqlite3_bind_null(s, 17);
  }
  BindInt(s, 18, static_cast<int>(r.source));
  BindInt(s, 19, job.sheets);
  BindInt(s, 20, job.area_um2);
  BindInt(s, 21, job.media_known ? 1 : 0);
  BindInt(s, 22, job.local_day);
  BindInt(s, 23, now);
  BindInt(s, 25, r.media_from_queue ? 1 : 0);
}

}  // namespace

Status SqliteStore::MaxCupsJobIdLocked(int64_t server_row, int64_t** max_id) {
  auto it = max_cups_job_ids_.find(server_row);
  if (it == max_cups_job_ids_.end()) {
    sqlite3_stmt* s = nullptr;
    RAMETTE_RETURN_IF_ERROR(stmts_->max_cups_job_id.Get(db_, &s));
    ResetOnExit reset(s);
    BindInt(s, 1, server_row);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "looking for duplicates");
    const int64_t max = sqlite3_column_type(s, 0) == SQLITE_NULL
                            ? std::numeric_limits<int64_t>::min()
                            : sqlite3_column_int64(s, 0);
    it = max_cups_job_ids_.emplace(server_row, max).first;
  }
  *max_id = &it->second;
  return Status::Ok();
}

Status SqliteStore::FoldStateLocked(FoldState* state) {
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->fold_state.Get(db_, &s));
  ResetOnExit reset(s);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return Status::Corruption("the rollup_state row is missing");
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading the rollup state");
  state->folded = sqlite3_column_int64(s, 0);
  state->newest = sqlite3_column_int64(s, 1);  // 0 when there is no job
  state->job_edits = sqlite3_column_int64(s, 2);
  return Status::Ok();
}

bool SqliteStore::PendingDescribesLocked(const FoldState& state) const {
  return pending_valid_ && pending_after_id_ == state.folded && pending_last_id_ == state.newest &&
         pending_job_edits_ == state.job_edits;
}

void SqliteStore::ResetPendingLocked(const FoldState& state) {
  pending_.clear();
  pending_valid_ = true;
  pending_after_id_ = state.folded;
  pending_last_id_ = state.folded;
  pending_job_edits_ = state.job_edits;
  unfolded_jobs_ = 0;
}

void SqliteStore::InvalidatePendingLocked() {
  pending_.clear();
  pending_valid_ = false;
}

Status SqliteStore::UpsertDeltasLocked(sqlite3_stmt* upsert, const std::vector<RollupDelta>& deltas,
                                       bool monthly) {
  ResetOnExit reset(upsert);
  for (const RollupDelta& d : deltas) {
    // A key whose jobs all moved to another key (superseded records) nets to zero.
    if (IsZero(d.sums)) continue;
    sqlite3_reset(upsert);
    // Bound in the table's key order: (day, user, device, area) or (month, device, user, area).
    BindInt(upsert, 1, d.key.day);
    BindInt(upsert, 2, monthly ? d.key.device_id : d.key.user_id);
    BindInt(upsert, 3, monthly ? d.key.user_id : d.key.device_id);
    BindInt(upsert, 4, d.key.area_um2);
    BindInt(upsert, 5, d.sums.jobs);
    BindInt(upsert, 6, d.sums.sheets);
    BindInt(upsert, 7, d.sums.impressions);
    BindInt(upsert, 8, d.sums.two_sided_sheets);
    BindInt(upsert, 9, d.sums.color_sheets);
    BindInt(upsert, 10, d.sums.unknown_media_jobs);
    BindInt(upsert, 11, d.sums.unknown_media_sheets);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, upsert, "updating the rollups"));
  }
  return Status::Ok();
}

Status SqliteStore::FlushPendingLocked() {
  MergeDailyDeltas(&pending_);  // stays valid (merged) if the transaction fails
  const std::vector<RollupDelta> monthly = MonthlyDeltasOf(pending_);
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->upsert_daily.Get(db_, &s));
  RAMETTE_RETURN_IF_ERROR(UpsertDeltasLocked(s, pending_, /*monthly=*/false));
  RAMETTE_RETURN_IF_ERROR(stmts_->upsert_monthly.Get(db_, &s));
  return UpsertDeltasLocked(s, monthly, /*monthly=*/true);
}

namespace {

// The jobs read per step when folding from the jobs table: bounds the deltas held in memory.
constexpr int64_t kFoldChunkJobs = 200000;

// Appends the delta of each row of `s` (kJobFiguresAfterSql's columns) to `out`; *last_id is
// the highest id read.
Status ReadJobDeltas(sqlite3* db, sqlite3_stmt* s, std::vector<RollupDelta>* out,
                     int64_t* last_id) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    *last_id = sqlite3_column_int64(s, 0);
    const RollupKey key{static_cast<Day>(sqlite3_column_int64(s, 1)), sqlite3_column_int64(s, 2),
                        sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4)};
    const int64_t sides = sqlite3_column_int64(s, 7);
    JobFigures f;
    f.sheets = sqlite3_column_int64(s, 5);
    f.impressions = sqlite3_column_int64(s, 6);
    f.two_sided = sides == static_cast<int>(Sides::kTwoSidedLongEdge) ||
                  sides == static_cast<int>(Sides::kTwoSidedShortEdge);
    f.color = sqlite3_column_int64(s, 8) == static_cast<int>(ColorMode::kColor);
    f.media_known = sqlite3_column_int64(s, 9) != 0;
    out->push_back(AddedJobDelta(key, f));
  }
  return rc == SQLITE_DONE ? Status::Ok() : SqliteError(db, rc, "reading the jobs");
}

}  // namespace

Status SqliteStore::FoldFromJobsLocked(int64_t after) {
  FoldState state;
  RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->job_figures_after.Get(db_, &s));
  sqlite3_stmt* daily = nullptr;
  sqlite3_stmt* monthly = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->upsert_daily.Get(db_, &daily));
  RAMETTE_RETURN_IF_ERROR(stmts_->upsert_monthly.Get(db_, &monthly));
  std::vector<RollupDelta> deltas;
  for (int64_t from = after; from < state.newest; from += kFoldChunkJobs) {
    deltas.clear();
    {
      ResetOnExit reset(s);
      BindInt(s, 1, from);
      BindInt(s, 2, std::min(state.newest, from + kFoldChunkJobs));
      int64_t last = 0;
      RAMETTE_RETURN_IF_ERROR(ReadJobDeltas(db_, s, &deltas, &last));
    }
    MergeDailyDeltas(&deltas);
    RAMETTE_RETURN_IF_ERROR(UpsertDeltasLocked(daily, deltas, /*monthly=*/false));
    RAMETTE_RETURN_IF_ERROR(UpsertDeltasLocked(monthly, MonthlyDeltasOf(deltas), /*monthly=*/true));
  }
  return Status::Ok();
}

Status SqliteStore::FoldInTransactionLocked(FoldState* reached) {
  FoldState state;
  RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
  const int64_t folded = state.folded;
  const int64_t newest = state.newest;
  *reached = state;
  reached->folded = std::max(folded, newest);
  if (newest <= folded) return Status::Ok();
  if (PendingDescribesLocked(state)) {
    // Memory holds the deltas of exactly the unfolded jobs.
    RAMETTE_RETURN_IF_ERROR(FlushPendingLocked());
  } else {
    RAMETTE_RETURN_IF_ERROR(FoldFromJobsLocked(folded));
  }
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->set_fold_state.Get(db_, &s));
  ResetOnExit reset(s);
  BindInt(s, 1, newest);
  return StepDone(db_, s, "updating the rollup state");
}

Status SqliteStore::UnfoldedDeltasLocked(const FoldState& state, std::vector<RollupDelta>* daily) {
  daily->clear();
  if (state.newest <= state.folded) return Status::Ok();
  if (PendingDescribesLocked(state)) {
    *daily = pending_;
  } else {
    sqlite3_stmt* s = nullptr;
    RAMETTE_RETURN_IF_ERROR(stmts_->job_figures_after.Get(db_, &s));
    ResetOnExit reset(s);
    BindInt(s, 1, state.folded);
    BindInt(s, 2, state.newest);
    int64_t last = 0;
    RAMETTE_RETURN_IF_ERROR(ReadJobDeltas(db_, s, daily, &last));
  }
  MergeDailyDeltas(daily);
  return Status::Ok();
}

Status SqliteStore::FoldLocked() {
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  // A read first, so that the common case (nothing to fold) takes no write lock.
  FoldState state;
  RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
  if (state.newest <= state.folded) {
    if (!PendingDescribesLocked({state.folded, state.folded, state.job_edits})) {
      ResetPendingLocked(state);  // another connection folded this one's jobs
    }
    return Status::Ok();
  }
  FoldState reached;
  RAMETTE_RETURN_IF_ERROR(InTransactionLocked([&] { return FoldInTransactionLocked(&reached); }));
  ResetPendingLocked(reached);
  return Status::Ok();
}

Status SqliteStore::FoldRollups() {
  std::lock_guard<std::mutex> lock(mu_);
  return FoldLocked();
}

// ---------------------------------------------------------------------------------------------
// Ingest, continued.

Status SqliteStore::InsertQuarantineLocked(const std::string& server, int64_t now,
                                           const std::vector<QuarantinedRecord>& rejected) {
  if (rejected.empty()) return Status::Ok();
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->insert_quarantine.Get(db_, &s));
  ResetOnExit reset(s);
  for (const QuarantinedRecord& q : rejected) {
    const std::string json = QuarantineJson(q.record);
    sqlite3_reset(s);
    BindText(s, 1, server);
    BindInt(s, 2, now);
    BindText(s, 3, q.reason);
    BindText(s, 4, json);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s, "quarantining a record"));
  }
  return Status::Ok();
}

Status SqliteStore::SupersedeLocked(int64_t job_id, const model::StoredJob& job, int64_t folded,
                                    const std::string& server, int64_t server_row, IdMap& queues,
                                    int64_t now) {
  // The stored job's source and what it contributes to the rollups.
  RollupKey old_key;
  JobFigures old_figures;
  {
    sqlite3_stmt* s = nullptr;
    RAMETTE_RETURN_IF_ERROR(stmts_->stored_figures.Get(db_, &s));
    ResetOnExit reset(s);
    BindInt(s, 1, job_id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading a stored job");
    const auto stored_source = static_cast<RecordSource>(sqlite3_column_int64(s, 0));
    if (OnDuplicate(stored_source, job.record.source) != DuplicateAction::kSupersede) {
      return Status::Ok();  // a plain duplicate
    }
    old_key = RollupKey{static_cast<Day>(sqlite3_column_int64(s, 1)), sqlite3_column_int64(s, 2),
                        sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4)};
    const int64_t sides = sqlite3_column_int64(s, 7);
    old_figures.sheets = sqlite3_column_int64(s, 5);
    old_figures.impressions = sqlite3_column_int64(s, 6);
    old_figures.two_sided = sides == static_cast<int>(Sides::kTwoSidedLongEdge) ||
                            sides == static_cast<int>(Sides::kTwoSidedShortEdge);
    old_figures.color = sqlite3_column_int64(s, 8) == static_cast<int>(ColorMode::kColor);
    old_figures.media_known = sqlite3_column_int64(s, 9) != 0;
  }

  int64_t device_id = 0;
  int64_t user_id = 0;
  RAMETTE_RETURN_IF_ERROR(DeviceIdLocked(server, queues, job.record.queue, now, &device_id));
  RAMETTE_RETURN_IF_ERROR(UserIdLocked(job.record.user, &user_id));
  {
    sqlite3_stmt* s = nullptr;
    RAMETTE_RETURN_IF_ERROR(stmts_->supersede_job.Get(db_, &s));
    ResetOnExit reset(s);
    BindJob(s, server_row, device_id, user_id, job, now);
    BindInt(s, 24, job_id);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s, "replacing a page_log record by the live one"));
  }
  if (sqlite3_changes64(db_) != 1) {
    spdlog::warn(
        "server '{}': the live record of CUPS job {} cannot replace its page_log copy (job {}):"
        " its completion time is another stored job's; keeping the page_log figures",
        server, job.record.cups_job_id, job_id);
    return Status::Ok();
  }

  // Move the job's contribution from its old key to its new one.
  const RollupKey new_key{job.local_day, user_id, device_id, job.area_um2};
  std::vector<RollupDelta> daily_deltas =
      SupersedeDeltas(old_key, old_figures, new_key, FiguresOf(job));

  if (job_id > folded) {
    // Not in the rollups yet. This connection's pending sums follow; the other connections'
    // (if any) are now stale, which job_edits tells them.
    sqlite3_stmt* s = nullptr;
    RAMETTE_RETURN_IF_ERROR(stmts_->count_job_edit.Get(db_, &s));
    ResetOnExit reset(s);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s, "updating the rollup state"));
    if (pending_valid_) {
      pending_.insert(pending_.end(), daily_deltas.begin(), daily_deltas.end());
      ++pending_job_edits_;
    }
    return Status::Ok();
  }

  // Folded: correct both rollups now, then drop the old key's rows if no job is left in them.
  const std::vector<RollupDelta> monthly_deltas = MonthlyDeltasOf(daily_deltas);
  MergeDailyDeltas(&daily_deltas);
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->upsert_daily.Get(db_, &s));
  RAMETTE_RETURN_IF_ERROR(UpsertDeltasLocked(s, daily_deltas, /*monthly=*/false));
  RAMETTE_RETURN_IF_ERROR(stmts_->upsert_monthly.Get(db_, &s));
  RAMETTE_RETURN_IF_ERROR(UpsertDeltasLocked(s, monthly_deltas, /*monthly=*/true));
  RAMETTE_RETURN_IF_ERROR(stmts_->delete_empty_daily.Get(db_, &s));
  {
    ResetOnExit reset(s);
    BindInt(s, 1, old_key.day);
    BindInt(s, 2, old_key.user_id);
    BindInt(s, 3, old_key.device_id);
    BindInt(s, 4, old_key.area_um2);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s, "updating the rollups"));
  }
  RAMETTE_RETURN_IF_ERROR(stmts_->delete_empty_monthly.Get(db_, &s));
  ResetOnExit reset(s);
  BindInt(s, 1, MonthIndexOfDay(old_key.day));
  BindInt(s, 2, old_key.device_id);
  BindInt(s, 3, old_key.user_id);
  BindInt(s, 4, old_key.area_um2);
  return StepDone(db_, s, "updating the rollups");
}

Result<std::vector<StoreOutcome>> SqliteStore::CommitJobs(
    const std::string& server_id, const std::string& agent_version,
    const std::vector<model::StoredJob>& jobs, const std::vector<QuarantinedRecord>& rejected) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  std::vector<StoreOutcome> outcomes(jobs.size(), StoreOutcome::kDuplicate);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));

  int64_t accepted = 0;
  int64_t last_id = 0;
  size_t pending_mark = pending_.size();  // deltas beyond it belong to this batch
  int64_t job_edits_mark = pending_job_edits_;
  Status st = InTransactionLocked([&]() -> Status {
    // Keep the in-memory deltas only while they describe exactly the unfolded jobs: another
    // connection may have stored, changed or folded jobs since this one last did.
    FoldState state;
    RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
    const int64_t newest = state.newest;
    // Likewise the highest CUPS job ids, when another connection stored jobs.
    if (newest != newest_job_seen_) max_cups_job_ids_.clear();
    if (!PendingDescribesLocked(state)) {
      if (state.folded >= newest) {
        ResetPendingLocked(state);
      } else {
        InvalidatePendingLocked();
      }
    }
    pending_mark = pending_.size();
    job_edits_mark = pending_job_edits_;

    int64_t server_row = 0;
    RAMETTE_RETURN_IF_ERROR(TouchServerLocked(server_id, agent_version, now, &server_row));
    auto queues_it = device_ids_.find(std::string_view(server_id));
    if (queues_it == device_ids_.end()) queues_it = device_ids_.emplace(server_id, IdMap()).first;
    IdMap& queues = queues_it->second;
    int64_t* max_cups_job_id = nullptr;
    RAMETTE_RETURN_IF_ERROR(MaxCupsJobIdLocked(server_row, &max_cups_job_id));

    sqlite3_stmt* find_dup = nullptr;
    sqlite3_stmt* insert = nullptr;
    RAMETTE_RETURN_IF_ERROR(stmts_->find_duplicate.Get(db_, &find_dup));
    RAMETTE_RETURN_IF_ERROR(stmts_->insert_job.Get(db_, &insert));
    ResetOnExit reset_find(find_dup);
    ResetOnExit reset_insert(insert);

    for (size_t i = 0; i < jobs.size(); ++i) {
      const model::StoredJob& job = jobs[i];
      const JobRecord& r = job.record;
      // A duplicate has the same CUPS job id as a stored job: none can exist above the highest
      // stored one, which spares the lookup for jobs arriving in CUPS order.
      if (r.cups_job_id <= *max_cups_job_id) {
        sqlite3_reset(find_dup);
        BindInt(find_dup, 1, server_row);
        BindInt(find_dup, 2, r.cups_job_id);
        BindInt(find_dup, 3, r.completed_at - model::kDuplicateWindowSeconds);
        BindInt(find_dup, 4, r.completed_at + model::kDuplicateWindowSeconds);
        int rc = sqlite3_step(find_dup);
        if (rc == SQLITE_ROW) {
          // outcomes[i] is already kDuplicate. A live record may supersede a page_log one.
          if (r.source == RecordSource::kLive) {
            const int64_t stored_id = sqlite3_column_int64(find_dup, 0);
            sqlite3_reset(find_dup);
            RAMETTE_RETURN_IF_ERROR(
                SupersedeLocked(stored_id, job, state.folded, server_id, server_row, queues, now));
          }
          continue;
        }
        if (rc != SQLITE_DONE) return SqliteError(db_, rc, "looking for duplicates");
      }

      int64_t device_id = 0;
      int64_t user_id = 0;
      RAMETTE_RETURN_IF_ERROR(DeviceIdLocked(server_id, queues, r.queue, now, &device_id));
      RAMETTE_RETURN_IF_ERROR(UserIdLocked(r.user, &user_id));

      sqlite3_reset(insert);
      BindJob(insert, server_row, device_id, user_id, job, now);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, insert, "storing a job"));
      outcomes[i] = StoreOutcome::kAccepted;
      ++accepted;
      *max_cups_job_id = std::max<int64_t>(*max_cups_job_id, r.cups_job_id);
      if (pending_valid_) {
        pending_.push_back(
            AddedJobDelta({job.local_day, user_id, device_id, job.area_um2}, FiguresOf(job)));
      }
    }
    last_id = newest;
    if (accepted > 0) {
      last_id = sqlite3_last_insert_rowid(db_);
      // Rowids are max + 1: the batch holds ids newest + 1 .. last_id, unless SQLite had to pick
      // them at random (at the top of the id space), which memory cannot describe.
      if (last_id - newest != accepted) InvalidatePendingLocked();
    }
    return InsertQuarantineLocked(server_id, now, rejected);
  });
  if (!st.ok()) {
    if (pending_.size() > pending_mark) pending_.resize(pending_mark);
    pending_job_edits_ = job_edits_mark;
    spdlog::warn("storing {} jobs from server '{}' failed, nothing stored: {}", jobs.size(),
                 server_id, st.message());
    return st;
  }
  if (pending_valid_ && accepted > 0) pending_last_id_ = last_id;
  newest_job_seen_ = last_id;
  unfolded_jobs_ += accepted;
  if (unfolded_jobs_ >= kFoldEveryJobs) {
    // The jobs are stored whatever happens here; a failed fold is retried by the next call.
    Status fold = FoldLocked();
    if (!fold.ok()) {
      spdlog::warn("updating the rollups failed (will retry): {}", fold.message());
      // Bound memory: the SQL fold can always catch up from the jobs table.
      if (pending_.size() > 4 * static_cast<size_t>(kFoldEveryJobs)) InvalidatePendingLocked();
    }
  }
  return outcomes;
}

Status SqliteStore::UpsertQueues(const std::string& server_id, const std::string& agent_version,
                                 const std::vector<QueueRecord>& queues) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  return InTransactionLocked([&]() -> Status {
    int64_t server_row = 0;
    RAMETTE_RETURN_IF_ERROR(TouchServerLocked(server_id, agent_version, now, &server_row));
    sqlite3_stmt* s = nullptr;
    RAMETTE_RETURN_IF_ERROR(stmts_->upsert_queue.Get(db_, &s));
    ResetOnExit reset(s);
    for (const QueueRecord& q : queues) {
      sqlite3_reset(s);
      BindText(s, 1, server_id);
      BindText(s, 2, q.name);
      BindText(s, 3, q.uuid);
      BindText(s, 4, q.make_model);
      BindText(s, 5, q.device_uri);
      BindText(s, 6, q.location);
      BindText(s, 7, q.description);
      BindInt(s, 8, q.color_supported ? 1 : 0);
      BindInt(s, 9, q.duplex_supported ? 1 : 0);
      BindInt(s, 10, q.printer_type);
      BindInt(s, 11, q.deleted ? 1 : 0);
      BindInt(s, 12, now);
      BindText(s, 13, q.media_default);
      BindText(s, 14, q.sides_default);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, s, "registering a queue"));
    }
    return Status::Ok();
  });
}

// ---------------------------------------------------------------------------------------------
// Time zone.

Status SqliteStore::ReadMetaLocked(const char* key, std::string* value) {
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, "SELECT value FROM meta WHERE key = ?1"));
  BindText(s.get(), 1, key);
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) {
    *value = ColumnText(s.get(), 0);
    return Status::Ok();
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading settings");
  value->clear();
  return Status::Ok();
}

std::string SqliteStore::StoredTimeZone() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string value;
  Status st = ReadMetaLocked(kTimeZoneKey, &value);
  if (!st.ok()) {
    spdlog::error("cannot read the stored time zone: {}", st.message());
    return std::string();
  }
  return value;
}

Status SqliteStore::EnsureTimeZone(const TimeZone& tz) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  std::string stored;
  RAMETTE_RETURN_IF_ERROR(ReadMetaLocked(kTimeZoneKey, &stored));
  if (stored == tz.name()) return Status::Ok();

  int64_t moved = 0;
  Status st = InTransactionLocked([&]() -> Status {
    // Read again under the write lock: another process may have done the work meanwhile.
    RAMETTE_RETURN_IF_ERROR(ReadMetaLocked(kTimeZoneKey, &stored));
    if (stored == tz.name()) return Status::Ok();
    int64_t has_jobs = 0;
    RAMETTE_RETURN_IF_ERROR(QueryInt(db_, "SELECT EXISTS(SELECT 1 FROM jobs)", &has_jobs));
    InvalidatePendingLocked();  // its local days are about to change
    if (has_jobs != 0) {
      int rc = sqlite3_create_function_v2(db_, "ramette_local_day", 1, SQLITE_UTF8,
                                          const_cast<TimeZone*>(&tz), &LocalDayFunction, nullptr,
                                          nullptr, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "registering SQL functions");
      Status update = ExecLocked(
          "UPDATE jobs SET local_day = ramette_local_day(completed_at)"
          " WHERE local_day <> ramette_local_day(completed_at)");
      moved = sqlite3_changes64(db_);
      // Unregister: the function points at `tz`, which the caller owns.
      sqlite3_create_function_v2(db_, "ramette_local_day", 1, SQLITE_UTF8, nullptr, nullptr,
                                 nullptr, nullptr, nullptr);
      RAMETTE_RETURN_IF_ERROR(update);
      RAMETTE_RETURN_IF_ERROR(ExecLocked(kClearRollupsSql));
      FoldState reached;
      RAMETTE_RETURN_IF_ERROR(FoldInTransactionLocked(&reached));
    }
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)"));
    BindText(s.get(), 1, kTimeZoneKey);
    BindText(s.get(), 2, tz.name());
    return StepDone(db_, s.get(), "storing the time zone");
  });
  if (st.ok() && stored != tz.name()) {
    spdlog::info("time zone set to '{}' (was '{}'): {} jobs moved to another local day", tz.name(),
                 stored.empty() ? "none" : stored, moved);
  }
  return st;
}

// ---------------------------------------------------------------------------------------------
// Imports.

Status SqliteStore::UpsertPapers(const std::vector<model::Paper>& papers) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_,
                  "INSERT INTO papers(paper_id, recycled, grammage_gsm) VALUES(?1, ?2, ?3)"
                  " ON CONFLICT(paper_id) DO UPDATE SET recycled = excluded.recycled,"
                  " grammage_gsm = excluded.grammage_gsm"));
    for (const model::Paper& p : papers) {
      sqlite3_reset(s.get());
      BindText(s.get(), 1, p.paper_id);
      BindInt(s.get(), 2, p.recycled ? 1 : 0);
      sqlite3_bind_double(s.get(), 3, p.grammage_gsm);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "importing papers"));
    }
    return Status::Ok();
  });
}

namespace {

// The devices import's rows grouped by queue, in the order queues first appear.
struct QueuePeriods {
  std::string_view server;
  std::string_view queue;
  std::vector<const model::Device*> periods;
};

std::vector<QueuePeriods> GroupByQueue(const std::vector<model::Device>& devices) {
  std::vector<QueuePeriods> groups;
  std::map<std::pair<std::string_view, std::string_view>, size_t> index;
  for (const model::Device& d : devices) {
    auto [it, added] = index.try_emplace({d.server, d.queue}, groups.size());
    if (added) groups.push_back({d.server, d.queue, {}});
    groups[it->second].periods.push_back(&d);
  }
  return groups;
}

}  // namespace

Status SqliteStore::UpsertDevices(const std::vector<model::Device>& devices) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDevicePeriodsSchemaVersion));
  const std::vector<QueuePeriods> queues = GroupByQueue(devices);
  RAMETTE_RETURN_IF_ERROR(model::CheckServicePeriods(devices));
  return InTransactionLocked([&]() -> Status {
    OwnedStatement add_queue;
    OwnedStatement find_queue;
    OwnedStatement clear_periods;
    OwnedStatement add_period;
    // Created by an import, not by an agent: first_seen and last_seen stay NULL.
    RAMETTE_RETURN_IF_ERROR(
        add_queue.Prepare(db_,
                          "INSERT INTO devices(server, queue, deleted) VALUES(?1, ?2, 0)"
                          " ON CONFLICT(server, queue) DO NOTHING"));
    RAMETTE_RETURN_IF_ERROR(find_queue.Prepare(db_, kFindDeviceSql));
    RAMETTE_RETURN_IF_ERROR(
        clear_periods.Prepare(db_, "DELETE FROM device_periods WHERE device_id = ?1"));
    RAMETTE_RETURN_IF_ERROR(add_period.Prepare(
        db_,
        "INSERT INTO device_periods(device_id, class, direction, paper_id, in_service,"
        " out_of_service) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    for (const QueuePeriods& q : queues) {
      sqlite3_reset(add_queue.get());
      BindText(add_queue.get(), 1, q.server);
      BindText(add_queue.get(), 2, q.queue);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, add_queue.get(), "importing devices"));
      sqlite3_reset(find_queue.get());
      BindText(find_queue.get(), 1, q.server);
      BindText(find_queue.get(), 2, q.queue);
      int rc = sqlite3_step(find_queue.get());
      if (rc != SQLITE_ROW) return SqliteError(db_, rc, "importing devices");
      const int64_t id = sqlite3_column_int64(find_queue.get(), 0);
      sqlite3_reset(find_queue.get());

      sqlite3_reset(clear_periods.get());
      BindInt(clear_periods.get(), 1, id);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, clear_periods.get(), "importing devices"));
      for (const model::Device* d : q.periods) {
        sqlite3_reset(add_period.get());
        BindInt(add_period.get(), 1, id);
        BindText(add_period.get(), 2, model::DeviceClassName(d->device_class));
        BindTextOrNull(add_period.get(), 3, d->direction);
        BindTextOrNull(add_period.get(), 4, d->paper_id);
        BindDay(add_period.get(), 5, d->in_service);
        BindDay(add_period.get(), 6, d->out_of_service);
        RAMETTE_RETURN_IF_ERROR(StepDone(db_, add_period.get(), "importing devices"));
      }
    }
    return Status::Ok();
  });
}

Status SqliteStore::ReplaceUserDirections(const std::vector<model::UserDirection>& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    OwnedStatement del;
    OwnedStatement ins;
    RAMETTE_RETURN_IF_ERROR(del.Prepare(db_, "DELETE FROM user_directions WHERE user = ?1"));
    RAMETTE_RETURN_IF_ERROR(
        ins.Prepare(db_,
                    "INSERT INTO user_directions(user, direction, valid_from, valid_to)"
                    " VALUES(?1, ?2, ?3, ?4)"));
    std::unordered_set<std::string_view> users;
    for (const model::UserDirection& r : rows) {
      if (!users.insert(r.user).second) continue;
      sqlite3_reset(del.get());
      BindText(del.get(), 1, r.user);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, del.get(), "importing users' directions"));
    }
    for (const model::UserDirection& r : rows) {
      sqlite3_reset(ins.get());
      BindText(ins.get(), 1, r.user);
      BindText(ins.get(), 2, r.direction);
      BindDay(ins.get(), 3, r.valid_from);
      BindDay(ins.get(), 4, r.valid_to);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, ins.get(), "importing users' directions"));
    }
    return Status::Ok();
  });
}

Status SqliteStore::UpsertWorkstations(const std::vector<model::WorkstationCount>& counts) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_,
                  "INSERT INTO workstations(direction, date, count) VALUES(?1, ?2, ?3)"
                  " ON CONFLICT(direction, date) DO UPDATE SET count = excluded.count"));
    for (const model::WorkstationCount& w : counts) {
      sqlite3_reset(s.get());
      BindText(s.get(), 1, w.direction);
      BindInt(s.get(), 2, w.date);
      BindInt(s.get(), 3, w.count);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "importing workstations"));
    }
    return Status::Ok();
  });
}

Status SqliteStore::ReplaceDirectionContacts(const std::vector<model::DirectionContacts>& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    OwnedStatement del;
    OwnedStatement ins;
    RAMETTE_RETURN_IF_ERROR(del.Prepare(db_, "DELETE FROM direction_emails WHERE direction = ?1"));
    RAMETTE_RETURN_IF_ERROR(ins.Prepare(
        db_, "INSERT OR IGNORE INTO direction_emails(direction, email) VALUES(?1, ?2)"));
    for (const model::DirectionContacts& d : rows) {
      sqlite3_reset(del.get());
      BindText(del.get(), 1, d.direction);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, del.get(), "importing directions"));
    }
    for (const model::DirectionContacts& d : rows) {
      for (const std::string& email : d.emails) {
        sqlite3_reset(ins.get());
        BindText(ins.get(), 1, d.direction);
        BindText(ins.get(), 2, email);
        RAMETTE_RETURN_IF_ERROR(StepDone(db_, ins.get(), "importing directions"));
      }
    }
    return Status::Ok();
  });
}

Result<std::vector<std::string>> SqliteStore::DirectionEmails(const std::string& direction) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT email FROM direction_emails WHERE direction = ?1 ORDER BY email"));
  BindText(s.get(), 1, direction);
  std::vector<std::string> emails;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) emails.push_back(ColumnText(s.get(), 0));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading direction addresses");
  return emails;
}

Result<bool> SqliteStore::WasReportSent(const std::string& direction, int32_t month,
                                        const std::string& recipient) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_,
                                    "SELECT 1 FROM report_sends WHERE direction = ?1 AND"
                                    " month = ?2 AND recipient = ?3"));
  BindText(s.get(), 1, direction);
  BindInt(s.get(), 2, month);
  BindText(s.get(), 3, recipient);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "reading report sends");
}

Status SqliteStore::RecordReportSent(const std::string& direction, int32_t month,
                                     const std::string& recipient, int64_t sent_at_unix) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_,
                  "INSERT OR IGNORE INTO report_sends(direction, month, recipient, sent_at)"
                  " VALUES(?1, ?2, ?3, ?4)"));
    BindText(s.get(), 1, direction);
    BindInt(s.get(), 2, month);
    BindText(s.get(), 3, recipient);
    BindInt(s.get(), 4, sent_at_unix);
    return StepDone(db_, s.get(), "recording a report send");
  });
}

Result<std::vector<std::string>> SqliteStore::KnownPaperIds() {
  std::lock_guard<std::mutex> lock(mu_);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, "SELECT paper_id FROM papers ORDER BY paper_id"));
  std::vector<std::string> ids;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) ids.push_back(ColumnText(s.get(), 0));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading papers");
  return ids;
}

Result<int64_t> SqliteStore::CountLocked(const char* sql) {
  int64_t n = 0;
  RAMETTE_RETURN_IF_ERROR(QueryInt(db_, sql, &n));
  return n;
}

Result<int64_t> SqliteStore::CountJobs() {
  std::lock_guard<std::mutex> lock(mu_);
  return CountLocked("SELECT COUNT(*) FROM jobs");
}

Result<int64_t> SqliteStore::CountQuarantined() {
  std::lock_guard<std::mutex> lock(mu_);
  return CountLocked("SELECT COUNT(*) FROM quarantine");
}

// ---------------------------------------------------------------------------------------------
// UsageSource.

Result<model::Inventory> SqliteStore::LoadInventory() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDevicePeriodsSchemaVersion));
  // One read transaction, so that the four tables come from the same snapshot.
  RAMETTE_RETURN_IF_ERROR(Exec(db_, "BEGIN", "reading the inventory"));
  model::Inventory inv;
  Status st = [&]() -> Status {
    int rc;
    {
      OwnedStatement s;
      RAMETTE_RETURN_IF_ERROR(
          s.Prepare(db_, "SELECT paper_id, recycled, grammage_gsm FROM papers ORDER BY paper_id"));
      while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        model::Paper& p = inv.papers.emplace_back();
        p.paper_id = ColumnText(s.get(), 0);
        p.recycled = sqlite3_column_int64(s.get(), 1) != 0;
        p.grammage_gsm = sqlite3_column_double(s.get(), 2);
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading papers");
    }
    {
      OwnedStatement s;
      // One row per period of a classified queue, one row with NULL periods' columns for an
      // unclassified one.
      RAMETTE_RETURN_IF_ERROR(
          s.Prepare(db_,
                    "SELECT d.id, d.server, d.queue, p.device_id IS NOT NULL, p.class, p.direction,"
                    " p.paper_id, p.in_service, p.out_of_service"
                    " FROM devices d LEFT JOIN device_periods p ON p.device_id = d.id"
                    " ORDER BY d.id, p.in_service, p.id"));
      while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        model::Device& d = inv.devices.emplace_back();
        d.id = sqlite3_column_int64(s.get(), 0);
        d.server = ColumnText(s.get(), 1);
        d.queue = ColumnText(s.get(), 2);
        d.classified = sqlite3_column_int64(s.get(), 3) != 0;
        if (d.classified) {
          std::string name = ColumnText(s.get(), 4);
          std::optional<model::DeviceClass> c = model::ParseDeviceClass(name);
          if (!c) {
            return Status::Corruption("device " + std::to_string(d.id) + " has unknown class '" +
                                      name + "'");
          }
          d.device_class = *c;
        }
        d.direction = ColumnText(s.get(), 5);
        d.paper_id = ColumnText(s.get(), 6);
        d.in_service = ColumnDay(s.get(), 7);
        d.out_of_service = ColumnDay(s.get(), 8);
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading devices");
    }
    {
      OwnedStatement s;
      RAMETTE_RETURN_IF_ERROR(s.Prepare(
          db_, "SELECT user, direction, valid_from, valid_to FROM user_directions ORDER BY id"));
      while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        model::UserDirection& u = inv.users.emplace_back();
        u.user = ColumnText(s.get(), 0);
        u.direction = ColumnText(s.get(), 1);
        u.valid_from = ColumnDay(s.get(), 2);
        u.valid_to = ColumnDay(s.get(), 3);
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading users' directions");
    }
    {
      OwnedStatement s;
      RAMETTE_RETURN_IF_ERROR(s.Prepare(
          db_, "SELECT direction, date, count FROM workstations ORDER BY direction, date"));
      while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        model::WorkstationCount& w = inv.workstations.emplace_back();
        w.direction = ColumnText(s.get(), 0);
        w.date = static_cast<Day>(sqlite3_column_int64(s.get(), 1));
        w.count = sqlite3_column_int64(s.get(), 2);
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading workstations");
    }
    return Status::Ok();
  }();
  // A read transaction: ending it cannot lose anything.
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (!st.ok()) return st;
  return inv;
}

Result<std::unordered_map<int64_t, std::string>> SqliteStore::LoadUserNames() {
  std::lock_guard<std::mutex> lock(mu_);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, "SELECT id, name FROM users"));
  std::unordered_map<int64_t, std::string> names;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    names.emplace(sqlite3_column_int64(s.get(), 0), ColumnText(s.get(), 1));
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading users");
  return names;
}

namespace {

void ReadRollupRow(sqlite3_stmt* s, model::RollupRow* row) {
  row->period = static_cast<int32_t>(sqlite3_column_int64(s, 0));
  row->device_id = sqlite3_column_int64(s, 1);
  row->user_id = sqlite3_column_int64(s, 2);
  row->area_um2 = sqlite3_column_int64(s, 3);
  row->sums.jobs = sqlite3_column_int64(s, 4);
  row->sums.sheets = sqlite3_column_int64(s, 5);
  row->sums.impressions = sqlite3_column_int64(s, 6);
  row->sums.two_sided_sheets = sqlite3_column_int64(s, 7);
  row->sums.color_sheets = sqlite3_column_int64(s, 8);
  row->sums.unknown_media_jobs = sqlite3_column_int64(s, 9);
  row->sums.unknown_media_sheets = sqlite3_column_int64(s, 10);
}

// Row orders of the three scans, as tuples of RollupRow fields.
auto MonthlyOrder(const model::RollupRow& r) {
  return std::make_tuple(r.period, r.device_id, r.user_id, r.area_um2);
}
auto UserDailyOrder(const model::RollupRow& r) {
  return std::make_tuple(r.period, r.device_id, r.area_um2);
}
auto DeviceDailyOrder(const model::RollupRow& r) {
  return std::make_tuple(r.period, r.user_id, r.area_um2);
}

// Ends a read transaction when leaving scope.
class ReadTransaction {
 public:
  explicit ReadTransaction(sqlite3* db) : db_(db) {}
  ~ReadTransaction() {
    if (began_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  Status Begin() {
    RAMETTE_RETURN_IF_ERROR(Exec(db_, "BEGIN", "starting a read"));
    began_ = true;
    return Status::Ok();
  }

 private:
  sqlite3* db_;
  bool began_ = false;
};

}  // namespace

template <typename Order>
Status SqliteStore::ForEachMergedRowLocked(sqlite3_stmt* s, const std::vector<RollupDelta>& tail,
                                           Order order,
                                           const std::function<void(const model::RollupRow&)>& fn) {
  // `tail` holds the newer jobs' rows in the scan's order: a merge join of two sorted streams.
  size_t t = 0;
  model::RollupRow row;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    ReadRollupRow(s, &row);
    while (t < tail.size() && order(RollupRowOf(tail[t])) < order(row)) {
      fn(RollupRowOf(tail[t++]));
    }
    if (t < tail.size() && order(RollupRowOf(tail[t])) == order(row)) {
      row.sums.Add(tail[t++].sums);
      if (IsZero(row.sums)) continue;  // its jobs all moved away (superseded)
    }
    fn(row);
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading the rollups");
  while (t < tail.size()) fn(RollupRowOf(tail[t++]));
  return Status::Ok();
}

Status SqliteStore::ForEachMonthlyRow(int32_t first_month, int32_t last_month,
                                      const std::function<void(const model::RollupRow&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  ReadTransaction read(db_);
  RAMETTE_RETURN_IF_ERROR(read.Begin());
  FoldState state;
  RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
  std::vector<RollupDelta> daily;
  RAMETTE_RETURN_IF_ERROR(UnfoldedDeltasLocked(state, &daily));
  std::vector<RollupDelta> tail;
  for (const RollupDelta& m : MonthlyDeltasOf(daily)) {
    if (m.key.day >= first_month && m.key.day <= last_month) tail.push_back(m);
  }
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->monthly_range.Get(db_, &s));
  ResetOnExit reset(s);
  BindInt(s, 1, first_month);
  BindInt(s, 2, last_month);
  return ForEachMergedRowLocked(s, tail, MonthlyOrder, fn);
}

Status SqliteStore::ForEachDailyRow(int64_t user_id, Day first_day, Day last_day,
                                    const std::function<void(const model::RollupRow&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  ReadTransaction read(db_);
  RAMETTE_RETURN_IF_ERROR(read.Begin());
  FoldState state;
  RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
  std::vector<RollupDelta> daily;
  RAMETTE_RETURN_IF_ERROR(UnfoldedDeltasLocked(state, &daily));
  // Merged daily deltas are ordered (day, user, device, area): one user's are (day, device, area).
  std::vector<RollupDelta> tail;
  for (const RollupDelta& d : daily) {
    if (d.key.user_id == user_id && d.key.day >= first_day && d.key.day <= last_day) {
      tail.push_back(d);
    }
  }
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->daily_range.Get(db_, &s));
  ResetOnExit reset(s);
  BindInt(s, 1, user_id);
  BindInt(s, 2, first_day);
  BindInt(s, 3, last_day);
  return ForEachMergedRowLocked(s, tail, UserDailyOrder, fn);
}

Status SqliteStore::ForEachDailyRowOfDevice(
    int64_t device_id, Day first_day, Day last_day,
    const std::function<void(const model::RollupRow&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  ReadTransaction read(db_);
  RAMETTE_RETURN_IF_ERROR(read.Begin());
  FoldState state;
  RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
  std::vector<RollupDelta> daily;
  RAMETTE_RETURN_IF_ERROR(UnfoldedDeltasLocked(state, &daily));
  // One device's merged daily deltas are ordered (day, user, area).
  std::vector<RollupDelta> tail;
  for (const RollupDelta& d : daily) {
    if (d.key.device_id == device_id && d.key.day >= first_day && d.key.day <= last_day) {
      tail.push_back(d);
    }
  }
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->daily_of_device.Get(db_, &s));
  ResetOnExit reset(s);
  BindInt(s, 1, device_id);
  BindInt(s, 2, first_day);
  BindInt(s, 3, last_day);
  return ForEachMergedRowLocked(s, tail, DeviceDailyOrder, fn);
}

// ---------------------------------------------------------------------------------------------
// Operations: agent heartbeats, server status, backup.

Status SqliteStore::RecordAgentStatus(const std::string& server_id,
                                      const std::string& agent_version,
                                      const AgentStatusReport& status, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentStatusSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    int64_t server_row = 0;
    RAMETTE_RETURN_IF_ERROR(TouchServerLocked(server_id, agent_version, now, &server_row));
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_,
                  "UPDATE servers SET outbox_records = ?1, outbox_oldest = ?2, status_at = ?3"
                  " WHERE id = ?4"));
    BindInt(s.get(), 1, status.outbox_records);
    BindInt(s.get(), 2, status.oldest_record_unix);
    BindInt(s.get(), 3, now);
    BindInt(s.get(), 4, server_row);
    return StepDone(db_, s.get(), "recording an agent's status");
  });
}

// ---------------------------------------------------------------------------------------------
// Agent tokens (v6).

Result<std::string> SqliteStore::AddAgentToken(const std::string& server_id,
                                               const std::string& hash_hex, int64_t now) {
  if (server_id.empty()) return Status::InvalidArgument("a token needs a server id");
  if (hash_hex.size() < auth::kPublicTokenIdLength) {
    return Status::InvalidArgument("not a token hash");
  }
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  const std::string id = auth::PublicTokenId(hash_hex);
  Status st = InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(s.Prepare(db_,
                                      "INSERT INTO agent_tokens(id, hash, server, created_at)"
                                      " VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING"));
    BindText(s.get(), 1, id);
    BindText(s.get(), 2, hash_hex);
    BindText(s.get(), 3, server_id);
    BindInt(s.get(), 4, now);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "storing an agent token"));
    if (sqlite3_changes(db_) == 0) {
      return Status::FailedPrecondition("token id " + id + " is already taken");
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return id;
}

Result<std::vector<AgentTokenInfo>> SqliteStore::ListAgentTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_,
                                    "SELECT id, server, created_at, revoked_at FROM agent_tokens"
                                    " ORDER BY server, created_at, id"));
  std::vector<AgentTokenInfo> out;
  for (;;) {
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading the agent tokens");
    AgentTokenInfo t;
    t.id = ColumnText(s.get(), 0);
    t.server_id = ColumnText(s.get(), 1);
    t.created_at = sqlite3_column_int64(s.get(), 2);
    if (sqlite3_column_type(s.get(), 3) != SQLITE_NULL) {
      t.revoked_at = sqlite3_column_int64(s.get(), 3);
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<int> SqliteStore::RevokeAgentTokens(const std::string& id, const std::string& server_id,
                                           int64_t now) {
  if (id.empty() == server_id.empty()) {
    return Status::InvalidArgument("revoke takes a token id or a server id");
  }
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  int revoked = 0;
  Status st = InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, id.empty() ? "UPDATE agent_tokens SET revoked_at = ?2"
                                                        " WHERE server = ?1 AND revoked_at IS NULL"
                                                      : "UPDATE agent_tokens SET revoked_at = ?2"
                                                        " WHERE id = ?1 AND revoked_at IS NULL"));
    BindText(s.get(), 1, id.empty() ? server_id : id);
    BindInt(s.get(), 2, now);
    RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "revoking agent tokens"));
    revoked = sqlite3_changes(db_);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return revoked;
}

Result<std::string> SqliteStore::ServerIdOfToken(const std::string& token) {
  const std::string hash = auth::HashAgentToken(token);
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentTokensSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT server, revoked_at IS NOT NULL FROM agent_tokens WHERE hash = ?1"));
  BindText(s.get(), 1, hash);
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return Status::Unauthenticated("unknown agent token");
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading the agent tokens");
  if (sqlite3_column_int64(s.get(), 1) != 0) {
    return Status::Unauthenticated("agent token " + auth::PublicTokenId(hash) + " was revoked");
  }
  return ColumnText(s.get(), 0);
}

Status SqliteStore::FirstJobReceivedSinceLocked(int64_t since, int64_t* id) {
  int64_t newest = 0;
  RAMETTE_RETURN_IF_ERROR(QueryInt(db_, "SELECT COALESCE(MAX(id), 0) FROM jobs", &newest));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT id, received_at FROM jobs WHERE id >= ?1 ORDER BY id LIMIT 1"));
  // Binary search over ids: received_at grows with the id (jobs are appended as they arrive),
  // so this costs ~log2(jobs) primary-key seeks instead of a scan.
  int64_t lo = 1, hi = newest + 1;  // the answer is in [lo, hi]
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    sqlite3_reset(s.get());
    BindInt(s.get(), 1, mid);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) {
      hi = mid;
      continue;
    }
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading the jobs");
    const int64_t found = sqlite3_column_int64(s.get(), 0);
    if (sqlite3_column_int64(s.get(), 1) >= since) {
      hi = mid;
    } else {
      lo = found + 1;
    }
  }
  *id = lo;
  return Status::Ok();
}

Result<std::vector<ServerStatus>> SqliteStore::ServerStatuses(const StatusPeriods& periods,
                                                              bool count_jobs) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentStatusSchemaVersion));
  // One read transaction, so that the counts and the servers agree.
  RAMETTE_RETURN_IF_ERROR(Exec(db_, "BEGIN", "starting a read"));
  auto body = [&]() -> Result<std::vector<ServerStatus>> {
    std::vector<ServerStatus> out;
    std::unordered_map<int64_t, size_t> by_row;
    OwnedStatement servers;
    RAMETTE_RETURN_IF_ERROR(servers.Prepare(
        db_,
        "SELECT s.id, s.name, s.agent_version, s.first_contact, s.last_contact,"
        " s.outbox_records, s.outbox_oldest,"
        " (SELECT COUNT(*) FROM devices d WHERE d.server = s.name AND d.deleted = 0"
        "  AND NOT EXISTS (SELECT 1 FROM device_periods p WHERE p.device_id = d.id))"
        " FROM servers s ORDER BY s.name"));
    int rc;
    while ((rc = sqlite3_step(servers.get())) == SQLITE_ROW) {
      ServerStatus st;
      st.server = ColumnText(servers.get(), 1);
      st.agent_version = ColumnText(servers.get(), 2);
      st.first_contact = sqlite3_column_int64(servers.get(), 3);
      st.last_contact = sqlite3_column_int64(servers.get(), 4);
      if (sqlite3_column_type(servers.get(), 5) != SQLITE_NULL) {
        st.outbox_records = sqlite3_column_int64(servers.get(), 5);
        st.oldest_record_unix = sqlite3_column_int64(servers.get(), 6);
      }
      st.unclassified_queues = sqlite3_column_int64(servers.get(), 7);
      by_row[sqlite3_column_int64(servers.get(), 0)] = out.size();
      out.push_back(std::move(st));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading the servers");
    if (!count_jobs) return out;

    int64_t first_of_month = 0, first_of_day = 0;
    RAMETTE_RETURN_IF_ERROR(FirstJobReceivedSinceLocked(periods.month_start, &first_of_month));
    RAMETTE_RETURN_IF_ERROR(FirstJobReceivedSinceLocked(periods.day_start, &first_of_day));
    OwnedStatement counts;
    RAMETTE_RETURN_IF_ERROR(
        counts.Prepare(db_,
                       "SELECT server_id, COUNT(*), SUM(id >= ?2) FROM jobs WHERE id >= ?1"
                       " GROUP BY server_id"));
    BindInt(counts.get(), 1, first_of_month);
    BindInt(counts.get(), 2, first_of_day);
    while ((rc = sqlite3_step(counts.get())) == SQLITE_ROW) {
      auto it = by_row.find(sqlite3_column_int64(counts.get(), 0));
      if (it == by_row.end()) continue;
      out[it->second].jobs_this_month = sqlite3_column_int64(counts.get(), 1);
      out[it->second].jobs_today = sqlite3_column_int64(counts.get(), 2);
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "counting the jobs");
    return out;
  };
  auto result = body();
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  return result;
}

Status SqliteStore::Backup(const std::string& destination) {
  if (std::ifstream(destination).good()) {
    return Status::InvalidArgument("'" + destination + "' exists; backups never overwrite a file");
  }
  const std::string partial = destination + ".partial";
  std::remove(partial.c_str());
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(partial.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, DbCloser> dest(raw);
  if (rc != SQLITE_OK) {
    std::remove(partial.c_str());
    return Status::IoError("cannot create '" + partial +
                           "': " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  Status st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sqlite3_backup* backup = sqlite3_backup_init(dest.get(), "main", db_, "main");
    if (backup == nullptr) {
      st = SqliteError(dest.get(), sqlite3_errcode(dest.get()), "starting the backup");
    } else {
      // One step copies every page under one read snapshot: writers in other processes go on
      // (WAL), and the copy is the database as of the step's start.
      do {
        rc = sqlite3_backup_step(backup, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
      } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
      sqlite3_backup_finish(backup);
      if (rc != SQLITE_DONE) st = SqliteError(dest.get(), rc, "copying the database");
    }
  }
  // The copy keeps WAL mode in its header; leave it as one self-contained file.
  if (st.ok()) st = Exec(dest.get(), "PRAGMA journal_mode = DELETE", "finishing the backup");
  dest.reset();
  if (st.ok() && std::rename(partial.c_str(), destination.c_str()) != 0) {
    st = Status::IoError("cannot rename '" + partial + "' to '" + destination + "'");
  }
  if (!st.ok()) std::remove(partial.c_str());
  return st;
}

}  // namespace ramette::aggregator::store

// ---------------------------------------------------------------------------------------------
// TableRows: whole tables for `ramette store copy` (store/store_copy.h). Column names are the
// engine-independent ones; flags are 0/1 integers, as stored.

namespace ramette::aggregator::store {

namespace {

std::string QuotedName(const std::string& name) { return "\"" + name + "\""; }

std::string CopyColumnList(const CopyTable& t, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += QuotedName(t.columns[i].name);
  }
  return out;
}

// "(?first, ?first+1, ...)" for `count` parameters.
std::string CopyParameters(size_t first, size_t count) {
  std::string out = "(";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += "?" + std::to_string(first + i);
  }
  return out + ")";
}

// The bytes of a text value stay alive until the statement is stepped (the caller's row).
void BindCopyValue(sqlite3_stmt* s, int i, const CopyValue& v) {
  if (const int64_t* n = std::get_if<int64_t>(&v)) {
    sqlite3_bind_int64(s, i, *n);
  } else if (const double* d = std::get_if<double>(&v)) {
    sqlite3_bind_double(s, i, *d);
  } else if (const std::string* t = std::get_if<std::string>(&v)) {
    BindText(s, i, *t);
  } else {
    sqlite3_bind_null(s, i);
  }
}

CopyValue ReadCopyValue(sqlite3_stmt* s, int i, CopyType type) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::monostate();
  switch (type) {
    case CopyType::kInt:
    case CopyType::kBool:
      return static_cast<int64_t>(sqlite3_column_int64(s, i));
    case CopyType::kReal:
      return sqlite3_column_double(s, i);
    case CopyType::kText:
      return ColumnText(s, i);
  }
  return std::monostate();
}

Status ReadCopyRows(sqlite3* db, sqlite3_stmt* s, const CopyTable& t, std::vector<CopyRow>* out) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    CopyRow row;
    row.reserve(t.columns.size());
    for (size_t c = 0; c < t.columns.size(); ++c) {
      row.push_back(ReadCopyValue(s, static_cast<int>(c), t.columns[c].type));
    }
    out->push_back(std::move(row));
  }
  return rc == SQLITE_DONE ? Status::Ok() : SqliteError(db, rc, "reading " + t.name);
}

}  // namespace

Result<std::vector<std::string>> SqliteStore::TableNames() {
  std::lock_guard<std::mutex> lock(mu_);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_,
                                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                                    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"));
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) names.push_back(ColumnText(s.get(), 0));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "listing the tables");
  return names;
}

Result<std::vector<std::string>> SqliteStore::ColumnNames(const CopyTable& table) {
  std::lock_guard<std::mutex> lock(mu_);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, "SELECT name FROM pragma_table_info(?1) ORDER BY cid"));
  BindText(s.get(), 1, table.name);
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) names.push_back(ColumnText(s.get(), 0));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "listing the columns of " + table.name);
  return names;
}

Result<std::vector<CopyRow>> SqliteStore::ReadRows(const CopyTable& table, const CopyRow& after,
                                                   const CopyRow& through, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  const std::string key = CopyColumnList(table, table.key_size);
  std::string sql =
      "SELECT " + CopyColumnList(table, table.columns.size()) + " FROM " + QuotedName(table.name);
  size_t next = 1;
  std::vector<const CopyRow*> bounds;
  if (!after.empty()) {
    sql += " WHERE (" + key + ") > " + CopyParameters(next, table.key_size);
    next += table.key_size;
    bounds.push_back(&after);
  }
  if (!through.empty()) {
    sql += std::string(after.empty() ? " WHERE" : " AND") + " (" + key +
           ") <= " + CopyParameters(next, table.key_size);
    next += table.key_size;
    bounds.push_back(&through);
  }
  sql += " ORDER BY " + key + " LIMIT ?" + std::to_string(next);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, sql.c_str()));
  int i = 1;
  for (const CopyRow* b : bounds) {
    for (size_t k = 0; k < table.key_size; ++k) BindCopyValue(s.get(), i++, (*b)[k]);
  }
  const int64_t max = std::numeric_limits<int64_t>::max();
  sqlite3_bind_int64(s.get(), i,
                     limit > static_cast<size_t>(max) ? -1 : static_cast<int64_t>(limit));
  std::vector<CopyRow> rows;
  RAMETTE_RETURN_IF_ERROR(ReadCopyRows(db_, s.get(), table, &rows));
  return rows;
}

Result<std::vector<CopyRow>> SqliteStore::FindRows(const CopyTable& table,
                                                   const std::vector<size_t>& columns,
                                                   const CopyRow& values, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  std::string sql = "SELECT " + CopyColumnList(table, table.columns.size()) + " FROM " +
                    QuotedName(table.name) + " WHERE 1";
  for (size_t i = 0; i < columns.size(); ++i) {
    sql += " AND " + QuotedName(table.columns[columns[i]].name) + " IS ?" + std::to_string(i + 1);
  }
  sql += " LIMIT " + std::to_string(limit);
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, sql.c_str()));
  for (size_t i = 0; i < columns.size(); ++i) {
    BindCopyValue(s.get(), static_cast<int>(i + 1), values[i]);
  }
  std::vector<CopyRow> rows;
  RAMETTE_RETURN_IF_ERROR(ReadCopyRows(db_, s.get(), table, &rows));
  return rows;
}

Result<int64_t> SqliteStore::CountRows(const CopyTable& table) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  RAMETTE_RETURN_IF_ERROR(
      QueryInt(db_, ("SELECT COUNT(*) FROM " + QuotedName(table.name)).c_str(), &n));
  return n;
}

Result<size_t> SqliteStore::InsertRows(const CopyTable& table, const std::vector<CopyRow>& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  const bool jobs = table.name == "jobs";
  const std::string sql = "INSERT INTO " + QuotedName(table.name) + "(" +
                          CopyColumnList(table, table.columns.size()) + ") VALUES" +
                          CopyParameters(1, table.columns.size()) + " ON CONFLICT DO NOTHING";
  size_t refused = rows.size();
  Status st = InTransactionLocked([&]() -> Status {
    if (jobs) {
      // Jobs at or below the fold watermark would never be folded: start the rollups again.
      FoldState state;
      RAMETTE_RETURN_IF_ERROR(FoldStateLocked(&state));
      int64_t lowest = std::numeric_limits<int64_t>::max();
      for (const CopyRow& r : rows) {
        if (const int64_t* id = std::get_if<int64_t>(&r[0])) lowest = std::min(lowest, *id);
      }
      if (lowest <= state.folded) RAMETTE_RETURN_IF_ERROR(ExecLocked(kClearRollupsSql));
    }
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, sql.c_str()));
    // The job identity within the duplicate window is kept by code here, not by the UNIQUE
    // index (exact completion times): a stored job of the same identity refuses the row.
    sqlite3_stmt* duplicate = nullptr;
    size_t server_col = 0, cups_col = 0, completed_col = 0;
    if (jobs) {
      RAMETTE_RETURN_IF_ERROR(stmts_->find_duplicate.Get(db_, &duplicate));
      for (size_t c = 0; c < table.columns.size(); ++c) {
        if (table.columns[c].name == "server_id") server_col = c;
        if (table.columns[c].name == "cups_job_id") cups_col = c;
        if (table.columns[c].name == "completed_at") completed_col = c;
      }
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      if (duplicate != nullptr) {
        ResetOnExit reset(duplicate);
        const int64_t* completed = std::get_if<int64_t>(&rows[r][completed_col]);
        BindCopyValue(duplicate, 1, rows[r][server_col]);
        BindCopyValue(duplicate, 2, rows[r][cups_col]);
        BindInt(duplicate, 3,
                completed != nullptr ? *completed - model::kDuplicateWindowSeconds : 0);
        BindInt(duplicate, 4,
                completed != nullptr ? *completed + model::kDuplicateWindowSeconds : 0);
        const int rc = sqlite3_step(duplicate);
        if (rc == SQLITE_ROW) {
          refused = r;
          return Status::FailedPrecondition("row refused");  // rolls the batch back
        }
        if (rc != SQLITE_DONE) return SqliteError(db_, rc, "looking for duplicates");
      }
      sqlite3_reset(s.get());
      for (size_t c = 0; c < table.columns.size(); ++c) {
        BindCopyValue(s.get(), static_cast<int>(c + 1), rows[r][c]);
      }
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "copying into " + table.name));
      if (sqlite3_changes(db_) == 0) {
        refused = r;
        return Status::FailedPrecondition("row refused");  // rolls the batch back
      }
    }
    return Status::Ok();
  });
  if (jobs) {
    // The newest job id and the unfolded jobs changed behind the ingest path's back.
    InvalidatePendingLocked();
    max_cups_job_ids_.clear();
    newest_job_seen_ = -1;
  }
  if (refused < rows.size()) return refused;
  if (!st.ok()) return st;
  return rows.size();
}

Status SqliteStore::FinishCopy() {
  std::lock_guard<std::mutex> lock(mu_);
  return FoldLocked();
}

}  // namespace ramette::aggregator::store
