// SqliteStore, InventoryStore part: the imports (papers, devices and their service periods,
// user directions, workstations, direction contacts) and the known paper ids.
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <span>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "aggregator/store/id_set.h"
#include "aggregator/store/sqlite_store.h"
#include "aggregator/store/sqlite_store_internal.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

// common/sqlite/sqlite_util.h, in its base wording ("database error while ...").
using sqlite::BindInt;
using sqlite::BindText;
using sqlite::BindTextOrNull;
using sqlite::ColumnText;
using sqlite::OwnedStatement;
using sqlite::QueryInt;
using sqlite::SqliteError;
using sqlite::StepDone;
// sqlite_store_internal.h
using sqlite_internal::BindDay;
using sqlite_internal::kDevicePeriodsSchemaVersion;
using sqlite_internal::kFindDeviceSql;
using sqlite_internal::kMeterCountersSchemaVersion;
using sqlite_internal::kPaperSourceKeysSchemaVersion;
using sqlite_internal::kPaperSourcesSchemaVersion;
using sqlite_internal::kRefreshMeterDeviceSql;
using sqlite_internal::kReportSendsSchemaVersion;

}  // namespace

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

Status SqliteStore::UpsertDeviceBatches(const DeviceBatches& devices) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDevicePeriodsSchemaVersion));
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
    auto find_id = [&](const model::Device& d) -> Result<int64_t> {
      sqlite3_reset(find_queue.get());
      BindText(find_queue.get(), 1, d.server);
      BindText(find_queue.get(), 2, d.queue);
      int rc = sqlite3_step(find_queue.get());
      if (rc != SQLITE_ROW) return SqliteError(db_, rc, "importing devices");
      const int64_t id = sqlite3_column_int64(find_queue.get(), 0);
      sqlite3_reset(find_queue.get());
      return id;
    };
    // One pass: a queue is created when first named (in the order queues first appear, which
    // gives their ids) and loses its stored periods the first time it is met, before its first
    // period is inserted (a queue's periods may be in several batches). The periods are checked
    // at the end, before the transaction commits.
    model::ServicePeriodsCheck check;
    IdSet cleared;
    RAMETTE_RETURN_IF_ERROR(devices([&](std::span<const model::Device> batch) -> Status {
      int64_t id = 0;
      for (size_t i = 0; i < batch.size(); ++i) {
        const model::Device& d = batch[i];
        check.Add(d);
        if (i == 0 || batch[i - 1].server != d.server || batch[i - 1].queue != d.queue) {
          sqlite3_reset(add_queue.get());
          BindText(add_queue.get(), 1, d.server);
          BindText(add_queue.get(), 2, d.queue);
          RAMETTE_RETURN_IF_ERROR(StepDone(db_, add_queue.get(), "importing devices"));
          Result<int64_t> found = find_id(d);
          if (!found.ok()) return found.status();
          id = *found;
          if (cleared.Insert(id)) {
            sqlite3_reset(clear_periods.get());
            BindInt(clear_periods.get(), 1, id);
            RAMETTE_RETURN_IF_ERROR(StepDone(db_, clear_periods.get(), "importing devices"));
          }
        }
        sqlite3_reset(add_period.get());
        BindInt(add_period.get(), 1, id);
        BindText(add_period.get(), 2, model::DeviceClassName(d.device_class));
        BindTextOrNull(add_period.get(), 3, d.direction);
        BindTextOrNull(add_period.get(), 4, d.paper_id);
        BindDay(add_period.get(), 5, d.in_service);
        BindDay(add_period.get(), 6, d.out_of_service);
        RAMETTE_RETURN_IF_ERROR(StepDone(db_, add_period.get(), "importing devices"));
      }
      return Status::Ok();
    }));
    return check.Check();
  });
}

Status SqliteStore::ReplaceUserDirectionBatches(const UserDirectionBatches& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    OwnedStatement del;
    OwnedStatement ins;
    RAMETTE_RETURN_IF_ERROR(del.Prepare(db_, "DELETE FROM user_directions WHERE user = ?1"));
    RAMETTE_RETURN_IF_ERROR(
        ins.Prepare(db_,
                    "INSERT INTO user_directions(user, direction, valid_from, valid_to)"
                    " VALUES(?1, ?2, ?3, ?4)"));
    // Every named user's rows go before any row is inserted: a user may be in several batches.
    RAMETTE_RETURN_IF_ERROR(rows([&](std::span<const model::UserDirection> batch) -> Status {
      std::unordered_set<std::string_view> users;
      for (const model::UserDirection& r : batch) {
        if (!users.insert(r.user).second) continue;
        sqlite3_reset(del.get());
        BindText(del.get(), 1, r.user);
        RAMETTE_RETURN_IF_ERROR(StepDone(db_, del.get(), "importing users' directions"));
      }
      return Status::Ok();
    }));
    return rows([&](std::span<const model::UserDirection> batch) -> Status {
      for (const model::UserDirection& r : batch) {
        sqlite3_reset(ins.get());
        BindText(ins.get(), 1, r.user);
        BindText(ins.get(), 2, r.direction);
        BindDay(ins.get(), 3, r.valid_from);
        BindDay(ins.get(), 4, r.valid_to);
        RAMETTE_RETURN_IF_ERROR(StepDone(db_, ins.get(), "importing users' directions"));
      }
      return Status::Ok();
    });
  });
}

Status SqliteStore::UpsertWorkstationBatches(const WorkstationBatches& counts) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(
        s.Prepare(db_,
                  "INSERT INTO workstations(direction, date, count) VALUES(?1, ?2, ?3)"
                  " ON CONFLICT(direction, date) DO UPDATE SET count = excluded.count"));
    return counts([&](std::span<const model::WorkstationCount> batch) -> Status {
      for (const model::WorkstationCount& w : batch) {
        sqlite3_reset(s.get());
        BindText(s.get(), 1, w.direction);
        BindInt(s.get(), 2, w.date);
        BindInt(s.get(), 3, w.count);
        RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "importing workstations"));
      }
      return Status::Ok();
    });
  });
}

Status SqliteStore::ReplacePurchaseBatches(const PurchaseBatches& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourcesSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    OwnedStatement del;
    OwnedStatement ins;
    RAMETTE_RETURN_IF_ERROR(
        del.Prepare(db_, "DELETE FROM purchases WHERE date >= ?1 AND date < ?2"));
    // From v15 the id (import order) is given here: the rows follow the largest stored one.
    const bool given_ids = schema_version_ >= kPaperSourceKeysSchemaVersion;
    int64_t id = 0;
    if (given_ids) {
      RAMETTE_RETURN_IF_ERROR(
          QueryInt(db_, "SELECT COALESCE(MAX(id), 0) FROM purchases", &id, "importing purchases"));
    }
    RAMETTE_RETURN_IF_ERROR(ins.Prepare(
        db_, given_ids ? "INSERT INTO purchases(date, direction, paper_id, format, quantity, unit,"
                         " amount_cents, use, id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                       : "INSERT INTO purchases(date, direction, paper_id, format, quantity, unit,"
                         " amount_cents, use) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    // One pass: a year's stored purchases go the first time one of its rows is met, before that
    // row (the first of its year) is inserted.
    std::set<int> years;
    return rows([&](std::span<const model::Purchase> batch) -> Status {
      for (const model::Purchase& p : batch) {
        if (const int year = CivilFromDays(p.date).year; years.insert(year).second) {
          sqlite3_reset(del.get());
          BindInt(del.get(), 1, DaysFromCivil(year, 1, 1));
          BindInt(del.get(), 2, DaysFromCivil(year + 1, 1, 1));
          RAMETTE_RETURN_IF_ERROR(StepDone(db_, del.get(), "importing purchases"));
        }
        sqlite3_reset(ins.get());
        BindInt(ins.get(), 1, p.date);
        BindText(ins.get(), 2, p.direction);
        BindText(ins.get(), 3, p.paper_id);
        BindText(ins.get(), 4, p.format);
        sqlite3_bind_double(ins.get(), 5, p.quantity);
        BindText(ins.get(), 6, model::PurchaseUnitName(p.unit));
        if (p.amount_cents) {
          BindInt(ins.get(), 7, *p.amount_cents);
        } else {
          sqlite3_bind_null(ins.get(), 7);
        }
        BindText(ins.get(), 8, model::PaperUseName(p.use));
        if (given_ids) BindInt(ins.get(), 9, ++id);
        RAMETTE_RETURN_IF_ERROR(StepDone(db_, ins.get(), "importing purchases"));
      }
      return Status::Ok();
    });
  });
}

Status SqliteStore::UpsertMeterReadingBatches(const MeterReadingBatches& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourcesSchemaVersion));
  // Older ramettes' schemas, kept for migration tests: v11 to v13 without the counters, v14 keyed
  // by (server, queue, date) text; from v15, by (meter_devices.id, date).
  const bool counted = schema_version_ >= kMeterCountersSchemaVersion;
  const bool by_id = schema_version_ >= kPaperSourceKeysSchemaVersion;
  return InTransactionLocked([&]() -> Status {
    OwnedStatement s;
    RAMETTE_RETURN_IF_ERROR(s.Prepare(
        db_, by_id     ? "INSERT INTO meter_readings(device, date, total_impressions, counter)"
                         " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(device, date) DO UPDATE SET"
                         " total_impressions = excluded.total_impressions,"
                         " counter = excluded.counter"
             : counted ? "INSERT INTO meter_readings(server, queue, date,"
                         " total_impressions, counter) VALUES(?1, ?2, ?3, ?4, ?5)"
                         " ON CONFLICT(server, queue, date) DO UPDATE SET"
                         " total_impressions = excluded.total_impressions,"
                         " counter = excluded.counter"
                       : "INSERT INTO meter_readings(server, queue, date, total_impressions)"
                         " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(server, queue, date)"
                         " DO UPDATE SET total_impressions = excluded.total_impressions"));
    OwnedStatement add_device;
    OwnedStatement device_id;
    OwnedStatement summary;
    if (counted) {
      RAMETTE_RETURN_IF_ERROR(add_device.Prepare(
          db_, by_id ? "INSERT INTO meter_devices(server, queue, id) VALUES(?1, ?2,"
                       " (SELECT COALESCE(MAX(id), 0) + 1 FROM meter_devices))"
                       " ON CONFLICT(server, queue) DO NOTHING"
                     : "INSERT OR IGNORE INTO meter_devices(server, queue) VALUES(?1, ?2)"));
    }
    if (by_id) {
      RAMETTE_RETURN_IF_ERROR(
          device_id.Prepare(db_, "SELECT id FROM meter_devices WHERE server = ?1 AND queue = ?2"));
      RAMETTE_RETURN_IF_ERROR(summary.Prepare(db_, kRefreshMeterDeviceSql));
    }
    std::vector<const model::MeterReading*> sorted;
    std::vector<int64_t> touched;  // the devices whose first and last readings to refresh
    int64_t id = 0;
    Status stored = rows([&](std::span<const model::MeterReading> batch) -> Status {
      // In key order: B-tree appends instead of random inserts (a million rows: seconds saved);
      // new devices get their ids in that order too.
      sorted.clear();
      for (const model::MeterReading& m : batch) sorted.push_back(&m);
      std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
        return std::tie(a->server, a->queue, a->date) < std::tie(b->server, b->queue, b->date);
      });
      for (size_t i = 0; i < sorted.size(); ++i) {
        const model::MeterReading& m = *sorted[i];
        if (counted &&
            (i == 0 || sorted[i - 1]->server != m.server || sorted[i - 1]->queue != m.queue)) {
          sqlite3_reset(add_device.get());
          BindText(add_device.get(), 1, m.server);
          BindText(add_device.get(), 2, m.queue);
          RAMETTE_RETURN_IF_ERROR(StepDone(db_, add_device.get(), "importing meter readings"));
          if (by_id) {
            sqlite3_reset(device_id.get());
            BindText(device_id.get(), 1, m.server);
            BindText(device_id.get(), 2, m.queue);
            if (const int rc = sqlite3_step(device_id.get()); rc != SQLITE_ROW) {
              return SqliteError(db_, rc, "importing meter readings");
            }
            id = sqlite3_column_int64(device_id.get(), 0);
            touched.push_back(id);
          }
        }
        sqlite3_reset(s.get());
        int column = 1;
        if (by_id) {
          BindInt(s.get(), column++, id);
        } else {
          BindText(s.get(), column++, m.server);
          BindText(s.get(), column++, m.queue);
        }
        BindInt(s.get(), column++, m.date);
        BindInt(s.get(), column++, m.total_impressions);
        if (counted) BindInt(s.get(), column++, m.counter);
        RAMETTE_RETURN_IF_ERROR(StepDone(db_, s.get(), "importing meter readings"));
      }
      return Status::Ok();
    });
    if (!stored.ok()) return stored;
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (int64_t device : touched) {
      sqlite3_reset(summary.get());
      BindInt(summary.get(), 1, device);
      RAMETTE_RETURN_IF_ERROR(StepDone(db_, summary.get(), "importing meter readings"));
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

}  // namespace ramette::aggregator::store
