// PostgresStore, DirectoryStore part: the users rows with their source, the one transaction of
// a directory sync (array parameters, so that a first sync of 50,000 users is a few statements),
// and the record of the last sync.
#include <libpq-fe.h>

#include <cstdlib>

#include "aggregator/store/postgres_store.h"
#include "aggregator/store/postgres_store_internal.h"

namespace ramette::aggregator::store {

namespace {

using postgres_internal::ArrayLiteral;
using postgres_internal::ColumnDay;
using postgres_internal::ColumnInt;
using postgres_internal::ColumnText;
using postgres_internal::kDirectorySyncSchemaVersion;
using postgres_internal::Params;
using postgres_internal::PgResult;

constexpr char kWhat[] = "applying the directory sync";

int64_t Affected(const PgResult& r) { return std::strtoll(PQcmdTuples(r.get()), nullptr, 10); }

Status NotOpenDirectoryRows() {
  return Status::FailedPrecondition(
      "a users row to change is no longer an open directory row (another sync or an import ran "
      "meanwhile): nothing was written");
}

}  // namespace

Result<std::vector<StoredUserRow>> PostgresStore::LoadUserRows() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDirectorySyncSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT id, user_name, direction, valid_from, valid_to, source FROM user_directions"
      " ORDER BY id",
      "reading users' directions");
  if (!r.ok()) return r.status();
  const PGresult* res = r->get();
  std::vector<StoredUserRow> rows(static_cast<size_t>(PQntuples(res)));
  for (int i = 0; i < PQntuples(res); ++i) {
    StoredUserRow& u = rows[static_cast<size_t>(i)];
    u.id = ColumnInt(res, i, 0);
    u.row.user = ColumnText(res, i, 1);
    u.row.direction = ColumnText(res, i, 2);
    u.row.valid_from = ColumnDay(res, i, 3);
    u.row.valid_to = ColumnDay(res, i, 4);
    u.source =
        ColumnText(res, i, 5) == "directory" ? UserRowSource::kDirectory : UserRowSource::kCsv;
  }
  return rows;
}

Status PostgresStore::ApplyDirectorySync(const DirectoryChanges& changes) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDirectorySyncSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    if (!changes.closes.empty()) {
      ArrayLiteral ids, ends;
      for (const RowClose& c : changes.closes) {
        ids.Int(c.id);
        ends.Int(c.valid_to);
      }
      Result<PgResult> r = conn_->Run(
          "UPDATE user_directions u SET valid_to = c.valid_to"
          " FROM unnest($1::bigint[], $2::integer[]) AS c(id, valid_to)"
          " WHERE u.id = c.id AND u.source = 'directory' AND u.valid_to IS NULL",
          Params().Raw(ids.Take()).Raw(ends.Take()), kWhat);
      if (!r.ok()) return r.status();
      if (Affected(*r) != static_cast<int64_t>(changes.closes.size())) {
        return NotOpenDirectoryRows();
      }
    }
    if (!changes.removes.empty()) {
      ArrayLiteral ids;
      for (int64_t id : changes.removes) ids.Int(id);
      Result<PgResult> r = conn_->Run(
          "DELETE FROM user_directions WHERE id = ANY($1::bigint[]) AND source = 'directory'"
          " AND valid_to IS NULL",
          Params().Raw(ids.Take()), kWhat);
      if (!r.ok()) return r.status();
      if (Affected(*r) != static_cast<int64_t>(changes.removes.size())) {
        return NotOpenDirectoryRows();
      }
    }
    if (!changes.opens.empty()) {
      ArrayLiteral users, directions, from, to, names;
      for (const model::UserDirection& u : changes.opens) {
        users.Text(u.user);
        names.Text(u.user);
        directions.Text(u.direction);
        from.Day(u.valid_from);
        to.Day(u.valid_to);
      }
      Result<PgResult> open = conn_->Run(
          "SELECT user_name FROM user_directions WHERE user_name = ANY($1::text[])"
          " AND source = 'directory' AND valid_to IS NULL LIMIT 1",
          Params().Raw(names.Take()), kWhat);
      if (!open.ok()) return open.status();
      if (PQntuples(open->get()) > 0) {
        return Status::FailedPrecondition("user '" + ColumnText(open->get(), 0, 0) +
                                          "' already has an open directory row (another sync "
                                          "ran meanwhile): nothing was written");
      }
      // unnest keeps the rows' order, so ids follow it.
      RAMETTE_RETURN_IF_ERROR(
          conn_
              ->Run(
                  "INSERT INTO user_directions(user_name, direction, valid_from, valid_to,"
                  " source) SELECT u, d, f, t, 'directory'"
                  " FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[])"
                  " AS x(u, d, f, t)",
                  Params().Raw(users.Take()).Raw(directions.Take()).Raw(from.Take()).Raw(to.Take()),
                  kWhat)
              .status());
    }
    for (const model::WorkstationCount& w : changes.workstations) {
      RAMETTE_RETURN_IF_ERROR(
          conn_
              ->Run("INSERT INTO workstations(direction, date, count) VALUES($1, $2, $3)"
                    " ON CONFLICT(direction, date) DO UPDATE SET count = excluded.count",
                    Params().Text(w.direction).Int(w.date).Int(w.count), kWhat)
              .status());
    }
    const DirectorySyncRecord& r = changes.record;
    return conn_
        ->Run(
            "INSERT INTO directory_syncs(synced_at, sync_date, users_seen, added, moved,"
            " closed, unmapped, skipped) VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
            Params()
                .Int(r.synced_at)
                .Int(r.sync_date)
                .Int(r.users_seen)
                .Int(r.added)
                .Int(r.moved)
                .Int(r.closed)
                .Int(r.unmapped)
                .Int(r.skipped),
            kWhat)
        .status();
  });
}

Result<std::optional<DirectorySyncRecord>> PostgresStore::LastDirectorySync() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kDirectorySyncSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT synced_at, sync_date, users_seen, added, moved, closed, unmapped, skipped"
      " FROM directory_syncs ORDER BY id DESC LIMIT 1",
      "reading the last directory sync");
  if (!r.ok()) return r.status();
  const PGresult* res = r->get();
  if (PQntuples(res) == 0) return std::optional<DirectorySyncRecord>();
  DirectorySyncRecord d;
  d.synced_at = ColumnInt(res, 0, 0);
  d.sync_date = static_cast<Day>(ColumnInt(res, 0, 1));
  d.users_seen = ColumnInt(res, 0, 2);
  d.added = ColumnInt(res, 0, 3);
  d.moved = ColumnInt(res, 0, 4);
  d.closed = ColumnInt(res, 0, 5);
  d.unmapped = ColumnInt(res, 0, 6);
  d.skipped = ColumnInt(res, 0, 7);
  return std::optional<DirectorySyncRecord>(d);
}

}  // namespace ramette::aggregator::store
