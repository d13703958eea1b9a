// PostgresStore, UsageSource part: the inventory and user names, and the rollup scans behind
// the indicators (binary COPY).
#include <libpq-fe.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "aggregator/store/postgres_store.h"
#include "aggregator/store/postgres_store_internal.h"

namespace ramette::aggregator::store {

namespace {

// postgres_store_internal.h
using postgres_internal::BinaryInt;
using postgres_internal::ColumnBool;
using postgres_internal::ColumnDay;
using postgres_internal::ColumnInt;
using postgres_internal::ColumnText;
using postgres_internal::kDailyOfDeviceSql;
using postgres_internal::kDailyOfUserSql;
using postgres_internal::kDevicePeriodsSchemaVersion;
using postgres_internal::kMonthlyRangeOrder;
using postgres_internal::kMonthlyRangeSelect;
using postgres_internal::kPaperSourceKeysSchemaVersion;
using postgres_internal::kPaperSourcesSchemaVersion;
using postgres_internal::Params;
using postgres_internal::PgResult;

// A row of the rollup scans (period, device_id, user_id, area_um2, then the sums), in binary
// format.
model::RollupRow ReadBinaryRollupRow(const PGresult* r, int row) {
  model::RollupRow out;
  out.period = static_cast<int32_t>(BinaryInt(r, row, 0));
  out.device_id = BinaryInt(r, row, 1);
  out.user_id = BinaryInt(r, row, 2);
  out.area_um2 = BinaryInt(r, row, 3);
  out.sums.jobs = BinaryInt(r, row, 4);
  out.sums.sheets = BinaryInt(r, row, 5);
  out.sums.impressions = BinaryInt(r, row, 6);
  out.sums.two_sided_sheets = BinaryInt(r, row, 7);
  out.sums.color_sheets = BinaryInt(r, row, 8);
  out.sums.unknown_media_jobs = BinaryInt(r, row, 9);
  out.sums.unknown_media_sheets = BinaryInt(r, row, 10);
  return out;
}

// Rollup rows from COPY (kMonthlyRangeSelect ...) TO STDOUT (FORMAT binary), fed
// the pieces the server sends: the signature and header, then per row a field count (11) and
// each field's length (4 or 8: integer or bigint) and big-endian value, then -1.
class RollupCopyParser {
 public:
  explicit RollupCopyParser(const std::function<void(const model::RollupRow&)>& fn) : fn_(fn) {}

  Status Add(std::string_view data) {
    buf_.append(data);
    size_t pos = 0;
    Status st = Parse(&pos);
    buf_.erase(0, pos);
    return st;
  }
  // Whether the end-of-data marker arrived.
  bool done() const { return done_; }

 private:
  static constexpr int kFields = 11;

  uint64_t BigEndian(size_t at, size_t bytes) const {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(buf_[at + i]);
    return v;
  }

  Status Parse(size_t* pos) {
    const size_t n = buf_.size();
    if (!header_) {
      static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with its NUL
      if (n < 19) return Status::Ok();
      if (std::memcmp(buf_.data(), kSignature, 11) != 0) {
        return Status::Corruption("the rollup copy does not start with the binary COPY signature");
      }
      const uint64_t extension = BigEndian(15, 4);
      if (n < 19 + extension) return Status::Ok();
      *pos = 19 + extension;
      header_ = true;
    }
    while (!done_) {
      size_t at = *pos;
      if (n - at < 2) break;
      const auto fields = static_cast<int16_t>(BigEndian(at, 2));
      at += 2;
      if (fields == -1) {
        done_ = true;
        *pos = at;
        break;
      }
      if (fields != kFields) return Status::Corruption("a rollup row of the copy has bad fields");
      int64_t v[kFields];
      bool complete = true;
      for (int f = 0; f < kFields && complete; ++f) {
        if (n - at < 4) {
          complete = false;
          break;
        }
        const auto len = static_cast<int32_t>(BigEndian(at, 4));
        at += 4;
        if (len != 4 && len != 8)
          return Status::Corruption("a rollup value of the copy is not an integer");
        if (n - at < static_cast<size_t>(len)) {
          complete = false;
          break;
        }
        const uint64_t raw = BigEndian(at, static_cast<size_t>(len));
        v[f] =
            len == 4 ? static_cast<int32_t>(static_cast<uint32_t>(raw)) : static_cast<int64_t>(raw);
        at += static_cast<size_t>(len);
      }
      if (!complete) break;
      *pos = at;
      model::RollupRow row;
      row.period = static_cast<int32_t>(v[0]);
      row.device_id = v[1];
      row.user_id = v[2];
      row.area_um2 = v[3];
      row.sums.jobs = v[4];
      row.sums.sheets = v[5];
      row.sums.impressions = v[6];
      row.sums.two_sided_sheets = v[7];
      row.sums.color_sheets = v[8];
      row.sums.unknown_media_jobs = v[9];
      row.sums.unknown_media_sheets = v[10];
      fn_(row);
    }
    return Status::Ok();
  }

  const std::function<void(const model::RollupRow&)>& fn_;
  std::string buf_;
  bool header_ = false;
  bool done_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// UsageSource.

Result<model::Inventory> PostgresStore::LoadInventory() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDevicePeriodsSchemaVersion));
  model::Inventory inv;
  Status st = InReadLocked([&]() -> Status {
    Result<model::UserNameRule> rule = StoredUserNameRuleLocked();
    if (!rule.ok()) return rule.status();
    inv.user_name_rule = *rule;
    Result<PgResult> r = conn_->Run(
        "SELECT paper_id, recycled, grammage_gsm FROM papers ORDER BY paper_id COLLATE \"C\"",
        "reading papers");
    if (!r.ok()) return r.status();
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      model::Paper& p = inv.papers.emplace_back();
      p.paper_id = ColumnText(r->get(), i, 0);
      p.recycled = ColumnBool(r->get(), i, 1);
      p.grammage_gsm = std::strtod(PQgetvalue(r->get(), i, 2), nullptr);
    }
    // One row per period of a classified queue, one with NULL periods' columns for an
    // unclassified one; NULLS FIRST as SQLite orders them.
    r = conn_->Run(
        "SELECT d.id, d.server, d.queue, p.device_id IS NOT NULL, p.class, p.direction,"
        " p.paper_id, p.in_service, p.out_of_service"
        " FROM devices d LEFT JOIN device_periods p ON p.device_id = d.id"
        " ORDER BY d.id, p.in_service NULLS FIRST, p.id NULLS FIRST",
        "reading devices");
    if (!r.ok()) return r.status();
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      const PGresult* res = r->get();
      model::Device& d = inv.devices.emplace_back();
      d.id = ColumnInt(res, i, 0);
      d.server = ColumnText(res, i, 1);
      d.queue = ColumnText(res, i, 2);
      d.classified = ColumnBool(res, i, 3);
      if (d.classified) {
        std::string name = ColumnText(res, i, 4);
        std::optional<model::DeviceClass> c = model::ParseDeviceClass(name);
        if (!c) {
          return Status::Corruption("device " + std::to_string(d.id) + " has unknown class '" +
                                    name + "'");
        }
        d.device_class = *c;
      }
      d.direction = ColumnText(res, i, 5);
      d.paper_id = ColumnText(res, i, 6);
      d.in_service = ColumnDay(res, i, 7);
      d.out_of_service = ColumnDay(res, i, 8);
    }
    r = conn_->Run(
        "SELECT user_name, direction, valid_from, valid_to FROM user_directions ORDER BY id",
        "reading users' directions");
    if (!r.ok()) return r.status();
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      model::UserDirection& u = inv.users.emplace_back();
      u.user = ColumnText(r->get(), i, 0);
      u.direction = ColumnText(r->get(), i, 1);
      u.valid_from = ColumnDay(r->get(), i, 2);
      u.valid_to = ColumnDay(r->get(), i, 3);
    }
    r = conn_->Run(
        "SELECT direction, date, count FROM workstations ORDER BY direction COLLATE \"C\", date",
        "reading workstations");
    if (!r.ok()) return r.status();
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      model::WorkstationCount& w = inv.workstations.emplace_back();
      w.direction = ColumnText(r->get(), i, 0);
      w.date = static_cast<Day>(ColumnInt(r->get(), i, 1));
      w.count = ColumnInt(r->get(), i, 2);
    }
    if (schema_version_ < kPaperSourcesSchemaVersion) return Status::Ok();
    r = conn_->Run("SELECT EXISTS(SELECT 1 FROM purchases)", "reading purchases");
    if (!r.ok()) return r.status();
    inv.has_purchases = std::string_view(PQgetvalue(r->get(), 0, 0)) == "t";
    r = conn_->Run("SELECT EXISTS(SELECT 1 FROM meter_readings)", "reading meter readings");
    if (!r.ok()) return r.status();
    inv.has_meter_readings = std::string_view(PQgetvalue(r->get(), 0, 0)) == "t";
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return inv;
}

Result<std::unordered_map<int64_t, std::string>> PostgresStore::LoadUserNames() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run("SELECT id, name FROM users", "reading users");
  if (!r.ok()) return r.status();
  std::unordered_map<int64_t, std::string> names;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    names.emplace(ColumnInt(r->get(), i, 0), ColumnText(r->get(), i, 1));
  }
  return names;
}

Status PostgresStore::ForEachRollupRowLocked(
    const char* name, const char* sql, const std::vector<std::string>& params,
    const std::function<void(const model::RollupRow&)>& fn) {
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kLatestSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Params p;
  for (const std::string& v : params) p.Text(v);
  // One statement, so one snapshot: no transaction of its own (the indicators make a hundred of
  // these calls).
  return conn_->Stream(
      sql, p, "reading the rollups", [&](const PGresult* r) { fn(ReadBinaryRollupRow(r, 0)); },
      /*binary=*/true, name);
}

Status PostgresStore::ForEachMonthlyRow(int32_t first_month, int32_t last_month,
                                        const std::function<void(const model::RollupRow&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kLatestSchemaVersion));
  // The biggest read of the indicators (a row per month, device, user and paper size): a binary
  // COPY costs both sides less per row than a query's result rows. COPY takes no parameters:
  // the bounds are integers formatted here.
  const std::string sql = std::string("COPY (") + kMonthlyRangeSelect + " WHERE period BETWEEN " +
                          std::to_string(first_month) + " AND " + std::to_string(last_month) +
                          kMonthlyRangeOrder + ") TO STDOUT (FORMAT binary)";
  return InReadLocked([&]() -> Status {
    RollupCopyParser parser(fn);
    RAMETTE_RETURN_IF_ERROR(
        conn_->CopyOut(sql.c_str(), "reading the rollups",
                       [&](std::string_view data) { return parser.Add(data); }));
    if (!parser.done()) return Status::Corruption("the rollup copy ended early");
    return Status::Ok();
  });
}

Status PostgresStore::ForEachDailyRow(int64_t user_id, Day first_day, Day last_day,
                                      const std::function<void(const model::RollupRow&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  return ForEachRollupRowLocked(
      "ramette_daily_of_user", kDailyOfUserSql,
      {std::to_string(user_id), std::to_string(first_day), std::to_string(last_day)}, fn);
}

namespace {
// Days of years 1 to 9999: no stored day lies outside (completion times are validated).
const Day kFirstCivilDay = DaysFromCivil(1, 1, 1);
const Day kLastCivilDay = DaysFromCivil(9999, 12, 31);
}  // namespace

Status PostgresStore::ForEachDailyRowOfDevice(
    int64_t device_id, Day first_day, Day last_day,
    const std::function<void(const model::RollupRow&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  return ForEachRollupRowLocked(
      "ramette_daily_of_device", kDailyOfDeviceSql,
      {std::to_string(device_id), std::to_string(first_day), std::to_string(last_day),
       std::to_string(MonthIndexOfDay(std::clamp(first_day, kFirstCivilDay, kLastCivilDay))),
       std::to_string(MonthIndexOfDay(std::clamp(last_day, kFirstCivilDay, kLastCivilDay)))},
      fn);
}

Status PostgresStore::ForEachLargeJob(int64_t min_sheets, Day first_day, Day last_day,
                                      const std::function<void(const model::LargeJob&)>& fn) {
  if (min_sheets < kLargeJobMinSheets) {
    return Status::InvalidArgument("large jobs start at " + std::to_string(kLargeJobMinSheets) +
                                   " sheets, not " + std::to_string(min_sheets));
  }
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kLatestSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Params p;
  p.Text(std::to_string(min_sheets));
  p.Text(std::to_string(first_day));
  p.Text(std::to_string(last_day));
  // The literal bound lets the planner prove the partial index jobs_large (schema v13) applies.
  Result<PgResult> r = conn_->Run(
      "SELECT device_id, user_id, local_day, sheets FROM jobs"
      " WHERE sheets >= 100 AND sheets >= $1::bigint AND local_day BETWEEN $2::integer AND "
      "$3::integer",
      p, "reading large jobs");
  if (!r.ok()) return r.status();
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    model::LargeJob j;
    j.device_id = ColumnInt(r->get(), i, 0);
    j.user_id = ColumnInt(r->get(), i, 1);
    j.day = static_cast<Day>(ColumnInt(r->get(), i, 2));
    j.sheets = ColumnInt(r->get(), i, 3);
    fn(j);
  }
  return Status::Ok();
}

Result<std::vector<model::MeterReading>> PostgresStore::LoadMeterReadings() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourceKeysSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT d.server, d.queue, r.date, r.total_impressions, r.counter"
      " FROM meter_devices d JOIN meter_readings r ON r.device = d.id"
      " ORDER BY d.server COLLATE \"C\", d.queue COLLATE \"C\", r.date",
      "reading meter readings");
  if (!r.ok()) return r.status();
  std::vector<model::MeterReading> out;
  out.reserve(PQntuples(r->get()));
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    model::MeterReading& m = out.emplace_back();
    m.server = ColumnText(r->get(), i, 0);
    m.queue = ColumnText(r->get(), i, 1);
    m.date = static_cast<Day>(ColumnInt(r->get(), i, 2));
    m.total_impressions = ColumnInt(r->get(), i, 3);
    m.counter = ColumnInt(r->get(), i, 4);
  }
  return out;
}

Result<std::vector<model::MeterCounters>> PostgresStore::LoadMeterCounters(Day start, Day end) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourceKeysSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT d.server, d.queue,"
      // As SQLite's kMeterCountersSql: a seek only for a day between the first and last readings.
      " CASE WHEN d.first_date > $1::integer THEN NULL"
      "  WHEN d.last_date <= $1::integer THEN d.last_counter"
      "  ELSE (SELECT counter FROM meter_readings r WHERE r.device = d.id"
      "  AND r.date <= $1::integer ORDER BY r.date DESC LIMIT 1) END,"
      " CASE WHEN d.first_date > $2::integer THEN NULL"
      "  WHEN d.last_date <= $2::integer THEN d.last_counter"
      "  ELSE (SELECT counter FROM meter_readings r WHERE r.device = d.id"
      "  AND r.date <= $2::integer ORDER BY r.date DESC LIMIT 1) END"
      " FROM meter_devices d ORDER BY d.server COLLATE \"C\", d.queue COLLATE \"C\"",
      Params().Text(std::to_string(start)).Text(std::to_string(end)), "reading meter counters");
  if (!r.ok()) return r.status();
  std::vector<model::MeterCounters> out;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    if (PQgetisnull(r->get(), i, 3)) continue;  // no reading up to `end`
    model::MeterCounters& c = out.emplace_back();
    c.server = ColumnText(r->get(), i, 0);
    c.queue = ColumnText(r->get(), i, 1);
    if (!PQgetisnull(r->get(), i, 2)) c.at_start = ColumnInt(r->get(), i, 2);
    c.at_end = ColumnInt(r->get(), i, 3);
  }
  return out;
}

Result<std::vector<model::Purchase>> PostgresStore::LoadPurchases(Day first_day, Day last_day) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourcesSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT date, direction, paper_id, format, quantity, unit, amount_cents, use"
      " FROM purchases WHERE date BETWEEN $1::integer AND $2::integer ORDER BY date, id",
      Params().Text(std::to_string(first_day)).Text(std::to_string(last_day)), "reading purchases");
  if (!r.ok()) return r.status();
  std::vector<model::Purchase> out;
  out.reserve(static_cast<size_t>(PQntuples(r->get())));
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    model::Purchase& p = out.emplace_back();
    p.date = static_cast<Day>(ColumnInt(r->get(), i, 0));
    p.direction = ColumnText(r->get(), i, 1);
    p.paper_id = ColumnText(r->get(), i, 2);
    p.format = ColumnText(r->get(), i, 3);
    p.quantity = std::strtod(PQgetvalue(r->get(), i, 4), nullptr);
    std::optional<model::PurchaseUnit> unit = model::ParsePurchaseUnit(ColumnText(r->get(), i, 5));
    std::optional<model::PaperUse> use = model::ParsePaperUse(ColumnText(r->get(), i, 7));
    if (!unit || !use) return Status::Corruption("a purchases row has an unknown unit or use");
    p.unit = *unit;
    p.use = *use;
    if (!PQgetisnull(r->get(), i, 6)) p.amount_cents = ColumnInt(r->get(), i, 6);
  }
  return out;
}

}  // namespace ramette::aggregator::store
