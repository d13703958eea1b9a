// SqliteStore, UsageSource part: the inventory and user names, and the rollup scans behind the
// indicators, merged with the jobs not yet folded.
#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <tuple>

#include "aggregator/store/sqlite_store.h"
#include "aggregator/store/sqlite_store_internal.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

// common/sqlite/sqlite_util.h, in its base wording ("database error while ...").
using sqlite::BindInt;
using sqlite::ColumnText;
using sqlite::Exec;
using sqlite::OwnedStatement;
using sqlite::QueryInt;
using sqlite::ResetOnExit;
using sqlite::SqliteError;
// sqlite_store_internal.h
using sqlite_internal::ColumnDay;
using sqlite_internal::kDevicePeriodsSchemaVersion;
using sqlite_internal::kMeterCountersSql;
using sqlite_internal::kPaperSourceKeysSchemaVersion;
using sqlite_internal::kPaperSourcesSchemaVersion;

}  // namespace

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
    Result<model::UserNameRule> rule = StoredUserNameRuleLocked();
    if (!rule.ok()) return rule.status();
    inv.user_name_rule = *rule;
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
    if (schema_version_ >= kPaperSourcesSchemaVersion) {
      OwnedStatement p;
      RAMETTE_RETURN_IF_ERROR(p.Prepare(db_, "SELECT EXISTS(SELECT 1 FROM purchases)"));
      if ((rc = sqlite3_step(p.get())) != SQLITE_ROW)
        return SqliteError(db_, rc, "reading purchases");
      inv.has_purchases = sqlite3_column_int64(p.get(), 0) != 0;
      OwnedStatement m;
      RAMETTE_RETURN_IF_ERROR(m.Prepare(db_, "SELECT EXISTS(SELECT 1 FROM meter_readings)"));
      if ((rc = sqlite3_step(m.get())) != SQLITE_ROW) {
        return SqliteError(db_, rc, "reading meter readings");
      }
      inv.has_meter_readings = sqlite3_column_int64(m.get(), 0) != 0;
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

Status SqliteStore::ForEachLargeJob(int64_t min_sheets, Day first_day, Day last_day,
                                    const std::function<void(const model::LargeJob&)>& fn) {
  if (min_sheets < kLargeJobMinSheets) {
    return Status::InvalidArgument("large jobs start at " + std::to_string(kLargeJobMinSheets) +
                                   " sheets, not " + std::to_string(min_sheets));
  }
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  OwnedStatement s;
  // The literal bound matches the partial index jobs_large (schema v13), so SQLite uses it.
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_,
                "SELECT device_id, user_id, local_day, sheets FROM jobs INDEXED BY jobs_large"
                " WHERE sheets >= 100 AND sheets >= ?1 AND local_day BETWEEN ?2 AND ?3"));
  BindInt(s.get(), 1, min_sheets);
  BindInt(s.get(), 2, first_day);
  BindInt(s.get(), 3, last_day);
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    model::LargeJob j;
    j.device_id = sqlite3_column_int64(s.get(), 0);
    j.user_id = sqlite3_column_int64(s.get(), 1);
    j.day = static_cast<Day>(sqlite3_column_int64(s.get(), 2));
    j.sheets = sqlite3_column_int64(s.get(), 3);
    fn(j);
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading large jobs");
  return Status::Ok();
}

Result<std::vector<model::Purchase>> SqliteStore::LoadPurchases(Day first_day, Day last_day) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourcesSchemaVersion));
  OwnedStatement s;
  // The table's own order (schema v15: key (date, id)): the period's rows only, already sorted.
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_,
                "SELECT date, direction, paper_id, format, quantity, unit, amount_cents, use"
                " FROM purchases WHERE date BETWEEN ?1 AND ?2 ORDER BY date, id"));
  BindInt(s.get(), 1, first_day);
  BindInt(s.get(), 2, last_day);
  std::vector<model::Purchase> out;
  {
    // Counted first: growing the vector row by row cost a fifth of the time (copies, new pages).
    OwnedStatement count;
    RAMETTE_RETURN_IF_ERROR(
        count.Prepare(db_, "SELECT COUNT(*) FROM purchases WHERE date BETWEEN ?1 AND ?2"));
    BindInt(count.get(), 1, first_day);
    BindInt(count.get(), 2, last_day);
    if (const int rc = sqlite3_step(count.get()); rc != SQLITE_ROW) {
      return SqliteError(db_, rc, "reading purchases");
    }
    out.reserve(static_cast<size_t>(sqlite3_column_int64(count.get(), 0)));
  }
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    model::Purchase& p = out.emplace_back();
    p.date = static_cast<Day>(sqlite3_column_int64(s.get(), 0));
    p.direction = ColumnText(s.get(), 1);
    p.paper_id = ColumnText(s.get(), 2);
    p.format = ColumnText(s.get(), 3);
    p.quantity = sqlite3_column_double(s.get(), 4);
    std::optional<model::PurchaseUnit> unit = model::ParsePurchaseUnit(ColumnText(s.get(), 5));
    std::optional<model::PaperUse> use = model::ParsePaperUse(ColumnText(s.get(), 7));
    if (!unit || !use) return Status::Corruption("a purchases row has an unknown unit or use");
    p.unit = *unit;
    p.use = *use;
    if (sqlite3_column_type(s.get(), 6) != SQLITE_NULL) {
      p.amount_cents = sqlite3_column_int64(s.get(), 6);
    }
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading purchases");
  return out;
}

Result<std::vector<model::MeterReading>> SqliteStore::LoadMeterReadings() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourceKeysSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(
      s.Prepare(db_,
                "SELECT d.server, d.queue, r.date, r.total_impressions, r.counter"
                " FROM meter_devices d JOIN meter_readings r ON r.device = d.id"
                " ORDER BY d.server, d.queue, r.date"));
  std::vector<model::MeterReading> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    model::MeterReading& r = out.emplace_back();
    r.server = ColumnText(s.get(), 0);
    r.queue = ColumnText(s.get(), 1);
    r.date = static_cast<Day>(sqlite3_column_int64(s.get(), 2));
    r.total_impressions = sqlite3_column_int64(s.get(), 3);
    r.counter = sqlite3_column_int64(s.get(), 4);
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading meter readings");
  return out;
}

Result<std::vector<model::MeterCounters>> SqliteStore::LoadMeterCounters(Day start, Day end) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourceKeysSchemaVersion));
  OwnedStatement s;
  RAMETTE_RETURN_IF_ERROR(s.Prepare(db_, kMeterCountersSql));
  BindInt(s.get(), 1, start);
  BindInt(s.get(), 2, end);
  std::vector<model::MeterCounters> out;
  int64_t devices = 0;  // at most one row each: reserved (as LoadPurchases)
  RAMETTE_RETURN_IF_ERROR(
      QueryInt(db_, "SELECT COUNT(*) FROM meter_devices", &devices, "reading meter counters"));
  out.reserve(static_cast<size_t>(devices));
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    if (sqlite3_column_type(s.get(), 3) == SQLITE_NULL) continue;  // no reading up to `end`
    model::MeterCounters& c = out.emplace_back();
    c.server = ColumnText(s.get(), 0);
    c.queue = ColumnText(s.get(), 1);
    if (sqlite3_column_type(s.get(), 2) != SQLITE_NULL)
      c.at_start = sqlite3_column_int64(s.get(), 2);
    c.at_end = sqlite3_column_int64(s.get(), 3);
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading meter counters");
  return out;
}

}  // namespace ramette::aggregator::store
