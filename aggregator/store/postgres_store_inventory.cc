// PostgresStore, InventoryStore part: the imports (papers, devices and their service periods,
// user directions, workstations, direction contacts) and the known paper ids.
#include <libpq-fe.h>

#include <map>
#include <unordered_set>
#include <utility>

#include "aggregator/store/postgres_store.h"
#include "aggregator/store/postgres_store_internal.h"

namespace ramette::aggregator::store {

namespace {

// postgres_store_internal.h
using postgres_internal::ArrayLiteral;
using postgres_internal::ColumnInt;
using postgres_internal::ColumnText;
using postgres_internal::kDevicePeriodsSchemaVersion;
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

Status PostgresStore::UpsertDevices(const std::vector<model::Device>& devices) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDevicePeriodsSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(model::CheckServicePeriods(devices));
  // The periods grouped by queue, in the order queues first appear.
  std::vector<std::pair<const model::Device*, std::vector<const model::Device*>>> queues;
  std::map<std::pair<std::string_view, std::string_view>, size_t> index;
  for (const model::Device& d : devices) {
    auto [it, added] = index.try_emplace({d.server, d.queue}, queues.size());
    if (added) queues.push_back({&d, {}});
    queues[it->second].second.push_back(&d);
  }
  return InTransactionLocked([&]() -> Status {
    for (const auto& [queue, periods] : queues) {
      // Created by an import, not by an agent: first_seen and last_seen stay NULL.
      RAMETTE_RETURN_IF_ERROR(conn_
                                  ->Run("INSERT INTO devices(server, queue, deleted)"
                                        " VALUES($1, $2, false) ON CONFLICT(server, queue)"
                                        " DO NOTHING",
                                        Params().Text(queue->server).Text(queue->queue),
                                        "importing devices")
                                  .status());
      Result<PgResult> r =
          conn_->Run("SELECT id FROM devices WHERE server = $1 AND queue = $2",
                     Params().Text(queue->server).Text(queue->queue), "importing devices");
      if (!r.ok()) return r.status();
      const int64_t id = ColumnInt(r->get(), 0, 0);
      RAMETTE_RETURN_IF_ERROR(conn_
                                  ->Run("DELETE FROM device_periods WHERE device_id = $1",
                                        Params().Int(id), "importing devices")
                                  .status());
      for (const model::Device* d : periods) {
        RAMETTE_RETURN_IF_ERROR(
            conn_
                ->Run("INSERT INTO device_periods(device_id, class, direction, paper_id,"
                      " in_service, out_of_service) VALUES($1, $2, $3, $4, $5, $6)",
                      Params()
                          .Int(id)
                          .Text(model::DeviceClassName(d->device_class))
                          .TextOrNull(d->direction)
                          .TextOrNull(d->paper_id)
                          .Day(d->in_service)
                          .Day(d->out_of_service),
                      "importing devices")
                .status());
      }
    }
    return Status::Ok();
  });
}

Status PostgresStore::ReplaceUserDirections(const std::vector<model::UserDirection>& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    ArrayLiteral names;
    std::unordered_set<std::string_view> seen;
    for (const model::UserDirection& r : rows) {
      if (seen.insert(r.user).second) names.Text(r.user);
    }
    RAMETTE_RETURN_IF_ERROR(conn_
                                ->Run("DELETE FROM user_directions WHERE user_name = ANY($1)",
                                      Params().Raw(names.Take()), "importing users' directions")
                                .status());
    if (rows.empty()) return Status::Ok();
    ArrayLiteral users, directions, from, to;
    for (const model::UserDirection& r : rows) {
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
}

Status PostgresStore::UpsertWorkstations(const std::vector<model::WorkstationCount>& counts) {
  std::lock_guard<std::mutex> lock(mu_);
  return InTransactionLocked([&]() -> Status {
    for (const model::WorkstationCount& w : counts) {
      RAMETTE_RETURN_IF_ERROR(
          conn_
              ->Run("INSERT INTO workstations(direction, date, count) VALUES($1, $2, $3)"
                    " ON CONFLICT(direction, date) DO UPDATE SET count = excluded.count",
                    Params().Text(w.direction).Int(w.date).Int(w.count), "importing workstations")
              .status());
    }
    return Status::Ok();
  });
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
