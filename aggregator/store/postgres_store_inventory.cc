// PostgresStore, InventoryStore part: the imports (papers, devices and their service periods,
// user directions, workstations, direction contacts) and the known paper ids.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <span>
#include <unordered_set>
#include <utility>

#include "aggregator/store/id_set.h"
#include "aggregator/store/postgres_store.h"
#include "aggregator/store/postgres_store_internal.h"

namespace ramette::aggregator::store {

namespace {

// postgres_store_internal.h
using postgres_internal::ArrayLiteral;
using postgres_internal::ColumnInt;
using postgres_internal::ColumnText;
using postgres_internal::kDevicePeriodsSchemaVersion;
using postgres_internal::kMeterCountersSchemaVersion;
using postgres_internal::kPaperSourceKeysSchemaVersion;
using postgres_internal::kPaperSourcesSchemaVersion;
using postgres_internal::kReportSendsSchemaVersion;
using postgres_internal::Params;
using postgres_internal::PgResult;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Imports.

Status PostgresStore::UpsertPapers(const std::vector<model::Paper>& papers) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    for (const model::Paper& p : papers) {
      char grammage[32];
      std::snprintf(grammage, sizeof grammage, "%.17g", p.grammage_gsm);
      RAMETTE_RETURN_IF_ERROR(
          conn_
              ->Run("INSERT INTO papers(paper_id, recycled, grammage_gsm) VALUES($1, $2, $3)"
                    " ON CONFLICT(paper_id) DO UPDATE SET recycled = excluded.recycled,"
                    " grammage_gsm = excluded.grammage_gsm",
                    Params().Text(p.paper_id).Bool(p.recycled).Text(grammage), "importing papers")
              .status());
    }
    return Status::Ok();
  });
}

Status PostgresStore::UpsertDeviceBatches(const DeviceBatches& devices) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDevicePeriodsSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    auto find_id = [&](const model::Device& d) -> Result<int64_t> {
      Result<PgResult> r = conn_->Run("SELECT id FROM devices WHERE server = $1 AND queue = $2",
                                      Params().Text(d.server).Text(d.queue), "importing devices");
      if (!r.ok()) return r.status();
      return ColumnInt(r->get(), 0, 0);
    };
    // One pass, as SqliteStore::UpsertDeviceBatches: a queue is created when first named and
    // loses its stored periods the first time it is met; the periods are checked at the end.
    model::ServicePeriodsCheck check;
    IdSet cleared;
    RAMETTE_RETURN_IF_ERROR(devices([&](std::span<const model::Device> batch) -> Status {
      int64_t id = 0;
      for (size_t i = 0; i < batch.size(); ++i) {
        const model::Device& d = batch[i];
        check.Add(d);
        if (i == 0 || batch[i - 1].server != d.server || batch[i - 1].queue != d.queue) {
          // Created by an import, not by an agent: first_seen and last_seen stay NULL.
          RAMETTE_RETURN_IF_ERROR(conn_
                                      ->Run("INSERT INTO devices(server, queue, deleted)"
                                            " VALUES($1, $2, false) ON CONFLICT(server, queue)"
                                            " DO NOTHING",
                                            Params().Text(d.server).Text(d.queue),
                                            "importing devices")
                                      .status());
          Result<int64_t> found = find_id(d);
          if (!found.ok()) return found.status();
          id = *found;
          if (cleared.Insert(id)) {
            RAMETTE_RETURN_IF_ERROR(conn_
                                        ->Run("DELETE FROM device_periods WHERE device_id = $1",
                                              Params().Int(id), "importing devices")
                                        .status());
          }
        }
        RAMETTE_RETURN_IF_ERROR(
            conn_
                ->Run("INSERT INTO device_periods(device_id, class, direction, paper_id,"
                      " in_service, out_of_service) VALUES($1, $2, $3, $4, $5, $6)",
                      Params()
                          .Int(id)
                          .Text(model::DeviceClassName(d.device_class))
                          .TextOrNull(d.direction)
                          .TextOrNull(d.paper_id)
                          .Day(d.in_service)
                          .Day(d.out_of_service),
                      "importing devices")
                .status());
      }
      return Status::Ok();
    }));
    return check.Check();
  });
}

Status PostgresStore::ReplaceUserDirectionBatches(const UserDirectionBatches& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    // Every named user's rows go before any row is inserted: a user may be in several batches.
    RAMETTE_RETURN_IF_ERROR(rows([&](std::span<const model::UserDirection> batch) -> Status {
      ArrayLiteral names;
      std::unordered_set<std::string_view> seen;
      for (const model::UserDirection& r : batch) {
        if (seen.insert(r.user).second) names.Text(r.user);
      }
      return conn_
          ->Run("DELETE FROM user_directions WHERE user_name = ANY($1)", Params().Raw(names.Take()),
                "importing users' directions")
          .status();
    }));
    return rows([&](std::span<const model::UserDirection> batch) -> Status {
      if (batch.empty()) return Status::Ok();
      ArrayLiteral users, directions, from, to;
      for (const model::UserDirection& r : batch) {
        users.Text(r.user);
        directions.Text(r.direction);
        from.Day(r.valid_from);
        to.Day(r.valid_to);
      }
      // unnest keeps the rows' order, so ids follow it (LoadInventory orders by id).
      return conn_
          ->Run(
              "INSERT INTO user_directions(user_name, direction, valid_from, valid_to)"
              " SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[])",
              Params().Raw(users.Take()).Raw(directions.Take()).Raw(from.Take()).Raw(to.Take()),
              "importing users' directions")
          .status();
    });
  });
}

Status PostgresStore::UpsertWorkstationBatches(const WorkstationBatches& counts) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    return counts([&](std::span<const model::WorkstationCount> batch) -> Status {
      for (const model::WorkstationCount& w : batch) {
        RAMETTE_RETURN_IF_ERROR(
            conn_
                ->Run("INSERT INTO workstations(direction, date, count) VALUES($1, $2, $3)"
                      " ON CONFLICT(direction, date) DO UPDATE SET count = excluded.count",
                      Params().Text(w.direction).Int(w.date).Int(w.count), "importing workstations")
                .status());
      }
      return Status::Ok();
    });
  });
}

namespace {
// Rows per INSERT ... unnest statement of the bulk imports.
constexpr size_t kImportBatchRows = 20000;
}  // namespace

Status PostgresStore::ReplacePurchaseBatches(const PurchaseBatches& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourcesSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    // One pass: a year's stored purchases go the first time one of its rows is met, before the
    // rows of the batch holding it are inserted.
    std::set<int> years;
    return rows([&](std::span<const model::Purchase> batch) -> Status {
      for (const model::Purchase& p : batch) {
        if (const int year = CivilFromDays(p.date).year; years.insert(year).second) {
          RAMETTE_RETURN_IF_ERROR(
              conn_
                  ->Run("DELETE FROM purchases WHERE date >= $1 AND date < $2",
                        Params().Int(DaysFromCivil(year, 1, 1)).Int(DaysFromCivil(year + 1, 1, 1)),
                        "importing purchases")
                  .status());
        }
      }
      for (size_t first = 0; first < batch.size(); first += kImportBatchRows) {
        ArrayLiteral date, direction, paper, format, quantity, unit, amount, use;
        for (size_t i = first; i < batch.size() && i < first + kImportBatchRows; ++i) {
          const model::Purchase& p = batch[i];
          date.Int(p.date);
          direction.Text(p.direction);
          paper.Text(p.paper_id);
          format.Text(p.format);
          quantity.Real(p.quantity);
          unit.Text(model::PurchaseUnitName(p.unit));
          p.amount_cents ? amount.Int(*p.amount_cents) : amount.Null();
          use.Text(model::PaperUseName(p.use));
        }
        // unnest keeps the rows' order, so ids follow it (LoadInventory orders by date, id).
        RAMETTE_RETURN_IF_ERROR(
            conn_
                ->Run("INSERT INTO purchases(date, direction, paper_id, format, quantity, unit,"
                      " amount_cents, use) SELECT * FROM unnest($1::integer[], $2::text[],"
                      " $3::text[], $4::text[], $5::double precision[], $6::text[], $7::bigint[],"
                      " $8::text[])",
                      Params()
                          .Raw(date.Take())
                          .Raw(direction.Take())
                          .Raw(paper.Take())
                          .Raw(format.Take())
                          .Raw(quantity.Take())
                          .Raw(unit.Take())
                          .Raw(amount.Take())
                          .Raw(use.Take()),
                      "importing purchases")
                .status());
      }
      return Status::Ok();
    });
  });
}

Status PostgresStore::UpsertMeterReadingBatches(const MeterReadingBatches& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kPaperSourcesSchemaVersion));
  // Older ramettes' schemas, kept for migration tests: v11 to v13 without the counters, v14 keyed
  // by (server, queue, date) text; from v15, by (meter_devices.id, date).
  const bool counted = schema_version_ >= kMeterCountersSchemaVersion;
  const bool by_id = schema_version_ >= kPaperSourceKeysSchemaVersion;
  return InTransactionLocked([&]() -> Status {
    return rows([&](std::span<const model::MeterReading> batch) -> Status {
      for (size_t first = 0; first < batch.size(); first += kImportBatchRows) {
        ArrayLiteral server, queue, date, total, counter;
        for (size_t i = first; i < batch.size() && i < first + kImportBatchRows; ++i) {
          server.Text(batch[i].server);
          queue.Text(batch[i].queue);
          date.Int(batch[i].date);
          total.Int(batch[i].total_impressions);
          counter.Int(batch[i].counter);
        }
        if (!counted) {
          RAMETTE_RETURN_IF_ERROR(
              conn_
                  ->Run("INSERT INTO meter_readings(server, queue, date, total_impressions)"
                        " SELECT * FROM unnest($1::text[], $2::text[], $3::integer[],"
                        " $4::bigint[]) ON CONFLICT(server, queue, date)"
                        " DO UPDATE SET total_impressions = excluded.total_impressions",
                        Params()
                            .Raw(server.Take())
                            .Raw(queue.Take())
                            .Raw(date.Take())
                            .Raw(total.Take()),
                        "importing meter readings")
                  .status());
          continue;
        }
        if (by_id) {
          const size_t n = std::min(batch.size() - first, kImportBatchRows);
          RAMETTE_RETURN_IF_ERROR(UpsertMeterReadingsByIdLocked(
              n, server.Take(), queue.Take(), date.Take(), total.Take(), counter.Take()));
          continue;
        }
        RAMETTE_RETURN_IF_ERROR(
            conn_
                ->Run("WITH batch AS (SELECT * FROM unnest($1::text[], $2::text[], $3::integer[],"
                      " $4::bigint[], $5::bigint[]) AS b(server, queue, date, total, counter)),"
                      " devices AS (INSERT INTO meter_devices(server, queue)"
                      " SELECT DISTINCT server, queue FROM batch ON CONFLICT DO NOTHING)"
                      " INSERT INTO meter_readings(server, queue, date, total_impressions,"
                      " counter) SELECT server, queue, date, total, counter FROM batch"
                      " ON CONFLICT(server, queue, date)"
                      " DO UPDATE SET total_impressions = excluded.total_impressions,"
                      " counter = excluded.counter",
                      Params()
                          .Raw(server.Take())
                          .Raw(queue.Take())
                          .Raw(date.Take())
                          .Raw(total.Take())
                          .Raw(counter.Take()),
                      "importing meter readings")
                .status());
      }
      return Status::Ok();
    });
  });
}

Status PostgresStore::UpsertMeterReadingsByIdLocked(size_t rows, std::string servers,
                                                    std::string queues, std::string dates,
                                                    std::string totals, std::string counters) {
  // The devices first, in a statement of their own: the next one's snapshot sees them, those of
  // a concurrent import included (ON CONFLICT waits for it to commit).
  RAMETTE_RETURN_IF_ERROR(
      conn_
          ->Run("INSERT INTO meter_devices(server, queue)"
                " SELECT server, queue"
                " FROM unnest($1::text[], $2::text[]) AS b(server, queue)"
                " GROUP BY server, queue ORDER BY server COLLATE \"C\", queue COLLATE \"C\""
                " ON CONFLICT DO NOTHING",
                Params().Raw(servers).Raw(queues), "importing meter readings")
          .status());
  const std::string batch_servers = servers;
  const std::string batch_queues = queues;
  Result<PgResult> r = conn_->Run(
      "INSERT INTO meter_readings(device, date, total_impressions, counter)"
      " SELECT d.id, b.date, b.total, b.counter FROM unnest($1::text[], $2::text[],"
      " $3::integer[], $4::bigint[], $5::bigint[]) AS b(server, queue, date, total, counter)"
      " JOIN meter_devices d ON d.server = b.server AND d.queue = b.queue"
      " ON CONFLICT(device, date) DO UPDATE SET total_impressions = excluded.total_impressions,"
      " counter = excluded.counter",
      Params()
          .Raw(std::move(servers))
          .Raw(std::move(queues))
          .Raw(std::move(dates))
          .Raw(std::move(totals))
          .Raw(std::move(counters)),
      "importing meter readings");
  if (!r.ok()) return r.status();
  if (std::strtoull(PQcmdTuples(r->get()), nullptr, 10) != rows) {
    return Status::Internal("PostgreSQL " + uri_ + ": a meter reading's device cannot be found");
  }
  // The batch's devices' first and last readings and last counter (LoadMeterCounters).
  return conn_
      ->Run(
          "UPDATE meter_devices d SET first_date = s.first, last_date = s.last,"
          " last_counter = s.counter FROM (SELECT r.device, MIN(r.date) AS first,"
          " MAX(r.date) AS last, (array_agg(r.counter ORDER BY r.date DESC))[1] AS counter"
          " FROM meter_readings r WHERE r.device IN (SELECT m.id FROM meter_devices m"
          " JOIN unnest($1::text[], $2::text[]) AS b(server, queue)"
          " ON m.server = b.server AND m.queue = b.queue) GROUP BY r.device) AS s"
          " WHERE d.id = s.device",
          Params().Raw(batch_servers).Raw(batch_queues), "importing meter readings")
      .status();
}

Status PostgresStore::ReplaceDirectionContacts(const std::vector<model::DirectionContacts>& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kReportSendsSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    for (const model::DirectionContacts& d : rows) {
      RAMETTE_RETURN_IF_ERROR(conn_
                                  ->Run("DELETE FROM direction_emails WHERE direction = $1",
                                        Params().Text(d.direction), "importing directions")
                                  .status());
    }
    for (const model::DirectionContacts& d : rows) {
      for (const std::string& email : d.emails) {
        RAMETTE_RETURN_IF_ERROR(conn_
                                    ->Run("INSERT INTO direction_emails(direction, email)"
                                          " VALUES($1, $2) ON CONFLICT DO NOTHING",
                                          Params().Text(d.direction).Text(email),
                                          "importing directions")
                                    .status());
      }
    }
    return Status::Ok();
  });
}

Result<std::vector<std::string>> PostgresStore::KnownPaperIds() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r =
      conn_->Run("SELECT paper_id FROM papers ORDER BY paper_id COLLATE \"C\"", "reading papers");
  if (!r.ok()) return r.status();
  std::vector<std::string> ids;
  for (int i = 0; i < PQntuples(r->get()); ++i) ids.push_back(ColumnText(r->get(), i, 0));
  return ids;
}

}  // namespace ramette::aggregator::store
