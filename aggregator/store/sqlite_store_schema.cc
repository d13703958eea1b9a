// SqliteStore's schema: every migration step, from an empty database to the latest version.
#include <iterator>
#include <string>

#include "aggregator/store/sqlite_store_internal.h"

namespace ramette::aggregator::store::sqlite_internal {

namespace {

// The rollup SQL below tests these enum values.
static_assert(static_cast<int>(Sides::kTwoSidedLongEdge) == 2);
static_assert(static_cast<int>(Sides::kTwoSidedShortEdge) == 3);
static_assert(static_cast<int>(ColorMode::kColor) == 2);

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
// bi_jobs' select list and joins as schema v7 created the view; v9 adds run and
// media_from_queue at the end of the list. The two steps are built from them at start.
constexpr char kBiJobsColumns[] = R"sql(  j.id AS job_id,
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
    WHEN NULLIF(p.direction, '') IS NOT NULL THEN 'device' ELSE 'none' END AS direction_source)sql";
constexpr char kBiJobsFrom[] = R"sql(
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
)sql";
const std::string kSchemaV7 = std::string(R"sql(
CREATE VIEW bi_jobs AS
-- One row per stored job, without user name or title (README "BI views"). Restates
-- DevicePeriodOn, the default paper stock, DESIGN.md's mass and "A job's direction";
-- pinned by bi_views_test against AttributeUsage.
SELECT
)sql") + kBiJobsColumns + kBiJobsFrom +
                              R"sql(
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

// v9: reprints (a job restarted in cupsd: each run is a row, 0 for the first), the announced
// size of one copy (job-impressions: the sheets of a job stopped part-way can be recomputed), and
// bi_jobs gains
// run and media_from_queue at its end (the view's earlier columns are unchanged).
const std::string kSchemaV9 = std::string(R"sql(
ALTER TABLE jobs ADD COLUMN run INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN job_impressions INTEGER NOT NULL DEFAULT 0;  -- one copy, announced
DROP VIEW bi_jobs;
CREATE VIEW bi_jobs AS
-- One row per stored job (each run of a reprinted one), without user name or title
-- (README "BI views"). Restates
-- DevicePeriodOn, the default paper stock, DESIGN.md's mass and "A job's direction";
-- pinned by bi_views_test against AttributeUsage.
SELECT
)sql") + kBiJobsColumns + R"sql(,
  j.run AS run,
  (j.media_from_queue <> 0) AS media_from_queue)sql" +
                              kBiJobsFrom + R"sql()sql";

// v10: the directory sync. Each users row says who wrote it ('csv': `ramette import users`, a
// manual override, every row before v10; 'directory': `ramette directory sync`), and each
// applied sync leaves a record (`ramette status` shows the last one).
constexpr char kSchemaV10[] = R"sql(
ALTER TABLE user_directions ADD COLUMN source TEXT NOT NULL DEFAULT 'csv';  -- csv, directory
CREATE TABLE directory_syncs(
  id INTEGER PRIMARY KEY,
  synced_at INTEGER NOT NULL,  -- unix seconds
  sync_date INTEGER NOT NULL,  -- Day rows were opened and closed at
  users_seen INTEGER NOT NULL,
  added INTEGER NOT NULL,
  moved INTEGER NOT NULL,
  closed INTEGER NOT NULL,
  unmapped INTEGER NOT NULL,
  skipped INTEGER NOT NULL
);
)sql";

// v11: what the law measures (DESIGN.md): paper purchases, replaced a year at a time by their
// import, and copiers' meter readings, one per (server, queue, date).
constexpr char kSchemaV11[] = R"sql(
CREATE TABLE purchases(
  id INTEGER PRIMARY KEY,  -- import order
  date INTEGER NOT NULL,   -- Day
  direction TEXT NOT NULL, -- '': the organisation only
  paper_id TEXT NOT NULL,
  format TEXT NOT NULL,    -- '': A4
  quantity REAL NOT NULL,
  unit TEXT NOT NULL,      -- reams, sheets, kg
  amount_cents INTEGER,    -- euros excluding tax x 100; NULL: none given
  use TEXT NOT NULL        -- office, print_shop
);
CREATE INDEX purchases_by_date ON purchases(date);
CREATE TABLE meter_readings(
  server TEXT NOT NULL,
  queue TEXT NOT NULL,
  date INTEGER NOT NULL,  -- Day
  total_impressions INTEGER NOT NULL,
  PRIMARY KEY(server, queue, date)
) WITHOUT ROWID;
)sql";

// v12: the dashboard's web accounts (`ramette user add|list|remove|passwd`, read by ramette-web):
// a role, the direction of a direction account (and of no other), the Argon2id hash of the
// password (auth/password_hash.h), never the password. New table only: applies after any v11.
constexpr char kSchemaV12[] = R"sql(
CREATE TABLE web_accounts(
  name TEXT PRIMARY KEY,                -- compared exactly (BINARY)
  role TEXT NOT NULL CHECK (role IN ('admin', 'it', 'direction')),
  direction TEXT NOT NULL DEFAULT '',   -- '' unless role is 'direction'
  password_hash TEXT NOT NULL CHECK (password_hash <> ''),  -- crypto_pwhash_str output
  created_at INTEGER NOT NULL,          -- unix seconds
  updated_at INTEGER NOT NULL,          -- unix seconds: creation or last password change
  CHECK ((role = 'direction') = (direction <> ''))
) WITHOUT ROWID;
)sql";

// v13: data quality's large jobs (UsageSource::ForEachLargeJob): the jobs of at least 100
// sheets (kLargeJobMinSheets), by day, in a partial index that holds only them, so that the
// indicators read a few rows instead of a year of jobs and ingest pays only for those jobs.
constexpr char kSchemaV13[] = R"sql(
CREATE INDEX jobs_large ON jobs(local_day, sheets) WHERE sheets >= 100;
)sql";

// v14: meter readings keep their counter (model::MeterReading::counter, set by the import with
// model::SetMeterCounters), and the devices with readings are listed once, so that a period's
// meter figures read two readings per device (LoadMeterCounters) instead of every reading. The
// counters of readings stored before are computed here: their drops were accepted by the import
// only across a new service period, where the counter starts again from 0.
constexpr char kSchemaV14[] = R"sql(
ALTER TABLE meter_readings ADD COLUMN counter INTEGER NOT NULL DEFAULT 0;
UPDATE meter_readings SET counter = c.counter FROM (
  SELECT server, queue, date, SUM(made) OVER (PARTITION BY server, queue ORDER BY date) AS counter
  FROM (SELECT server, queue, date,
               CASE WHEN previous IS NULL THEN 0
                    WHEN total_impressions >= previous THEN total_impressions - previous
                    ELSE total_impressions END AS made
        FROM (SELECT server, queue, date, total_impressions,
                     LAG(total_impressions) OVER (PARTITION BY server, queue ORDER BY date)
                         AS previous
              FROM meter_readings))) AS c
WHERE meter_readings.server = c.server AND meter_readings.queue = c.queue
  AND meter_readings.date = c.date;
CREATE TABLE meter_devices(
  server TEXT NOT NULL,
  queue TEXT NOT NULL,
  PRIMARY KEY(server, queue)
) WITHOUT ROWID;
INSERT INTO meter_devices(server, queue) SELECT DISTINCT server, queue FROM meter_readings;
)sql";

// v15, what `indicators` reads of the law's sources (bench/README.md, "Purchases and meter
// readings"):
// - meter readings keyed by an integer device id (meter_devices.id) and the date instead of the
//   server and queue text: LoadMeterCounters seeks two readings per device, and a seek on a small
//   integer key costs about half of one on two strings. The devices keep their (server, queue)
//   identity as their key (read in that order); ids follow it. Each device also keeps the date of
//   its first and last readings and its last counter (refreshed by every import of its readings),
//   which answer without a seek a period that starts before its first reading or ends after its
//   last one (the latest year, most often).
// - purchases stored in (date, id) order (id: import order, still unique): LoadPurchases reads a
//   period's rows in the order it returns them, instead of scanning every year and sorting.
constexpr char kSchemaV15[] = R"sql(
CREATE TABLE purchases_v15(
  id INTEGER NOT NULL UNIQUE,  -- import order
  date INTEGER NOT NULL,   -- Day
  direction TEXT NOT NULL, -- '': the organisation only
  paper_id TEXT NOT NULL,
  format TEXT NOT NULL,    -- '': A4
  quantity REAL NOT NULL,
  unit TEXT NOT NULL,      -- reams, sheets, kg
  amount_cents INTEGER,    -- euros excluding tax x 100; NULL: none given
  use TEXT NOT NULL,       -- office, print_shop
  PRIMARY KEY(date, id)
) WITHOUT ROWID;
INSERT INTO purchases_v15(id, date, direction, paper_id, format, quantity, unit, amount_cents,
                          use)
  SELECT id, date, direction, paper_id, format, quantity, unit, amount_cents, use
  FROM purchases ORDER BY date, id;
DROP TABLE purchases;
ALTER TABLE purchases_v15 RENAME TO purchases;
CREATE TABLE meter_devices_v15(
  server TEXT NOT NULL,
  queue TEXT NOT NULL,
  id INTEGER NOT NULL UNIQUE,               -- the readings' key; the next is MAX(id) + 1
  first_date INTEGER NOT NULL DEFAULT 0,    -- Day of its first reading
  last_date INTEGER NOT NULL DEFAULT 0,     -- Day of its last reading
  last_counter INTEGER NOT NULL DEFAULT 0,  -- the counter of its last reading
  PRIMARY KEY(server, queue)
) WITHOUT ROWID;
INSERT INTO meter_devices_v15(server, queue, id, first_date, last_date, last_counter)
  SELECT d.server, d.queue, ROW_NUMBER() OVER (ORDER BY d.server, d.queue),
         (SELECT MIN(date) FROM meter_readings r WHERE r.server = d.server AND r.queue = d.queue),
         (SELECT MAX(date) FROM meter_readings r WHERE r.server = d.server AND r.queue = d.queue),
         (SELECT counter FROM meter_readings r WHERE r.server = d.server AND r.queue = d.queue
          ORDER BY date DESC LIMIT 1)
  FROM meter_devices d ORDER BY d.server, d.queue;
CREATE TABLE meter_readings_v15(
  device INTEGER NOT NULL REFERENCES meter_devices_v15(id),
  date INTEGER NOT NULL,  -- Day
  total_impressions INTEGER NOT NULL,
  counter INTEGER NOT NULL,
  PRIMARY KEY(device, date)
) WITHOUT ROWID;
INSERT INTO meter_readings_v15(device, date, total_impressions, counter)
  SELECT d.id, r.date, r.total_impressions, r.counter
  FROM meter_readings r JOIN meter_devices_v15 d ON d.server = r.server AND d.queue = r.queue
  ORDER BY d.id, r.date;
DROP TABLE meter_readings;
DROP TABLE meter_devices;
ALTER TABLE meter_devices_v15 RENAME TO meter_devices;
ALTER TABLE meter_readings_v15 RENAME TO meter_readings;
)sql";

// Each step takes the database from version i to i + 1 in one transaction.
const char* const kMigrations[] = {kSchemaV1,         kSchemaV2,  kSchemaV3,         kSchemaV4,
                                   kSchemaV5,         kSchemaV6,  kSchemaV7.c_str(), kSchemaV8,
                                   kSchemaV9.c_str(), kSchemaV10, kSchemaV11,        kSchemaV12,
                                   kSchemaV13,        kSchemaV14, kSchemaV15};
static_assert(std::size(kMigrations) == SqliteStore::kLatestSchemaVersion);

}  // namespace

const char* MigrationSql(int from_version) { return kMigrations[from_version]; }

}  // namespace ramette::aggregator::store::sqlite_internal
