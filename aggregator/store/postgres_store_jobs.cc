// PostgresStore, JobStore part: the CommitJobs bulk path (COPY into a temporary table, one
// INSERT ... ON CONFLICT DO NOTHING against the jobs' exclusion constraint, rollup deltas
// upserted in key order), queue records and agent heartbeats.
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <thread>
#include <utility>

#include "aggregator/store/postgres_store.h"
#include "aggregator/store/postgres_store_internal.h"
#include "aggregator/store/quarantine_json.h"

namespace ramette::aggregator::store {

namespace {

// postgres_store_internal.h
using postgres_internal::ArrayLiteral;
using postgres_internal::ColumnInt;
using postgres_internal::ColumnText;
using postgres_internal::CopyInt;
using postgres_internal::CopyText;
using postgres_internal::kAgentStatusSchemaVersion;
using postgres_internal::kCopyIncomingSql;
using postgres_internal::kDeleteEmptyDailySql;
using postgres_internal::kDeleteEmptyMonthlySql;
using postgres_internal::kFindDuplicatesSql;
using postgres_internal::kInsertJobsSql;
using postgres_internal::kLoadRunsSql;
using postgres_internal::kLockStoredJobSql;
using postgres_internal::kSupersedeJobSql;
using postgres_internal::kUpsertDailySql;
using postgres_internal::kUpsertMonthlySql;
using postgres_internal::kUpsertQueueSql;
using postgres_internal::kUpsertServerSql;
using postgres_internal::Params;
using postgres_internal::PgResult;
using postgres_internal::StoredKeyAndFigures;
using postgres_internal::UpsertDeltas;

// Whether the last failure of `conn` may pass when the transaction is run again.
bool Retryable(const std::string& sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

// Deletes the rows of `keys` whose jobs reached 0.
template <typename ConnT>
Status DeleteEmptyRows(ConnT& conn, const char* sql, const std::vector<RollupDelta>& keys,
                       bool monthly) {
  if (keys.empty()) return Status::Ok();
  ArrayLiteral a[4];
  for (const RollupDelta& d : keys) {
    a[0].Int(d.key.day);
    a[1].Int(monthly ? d.key.device_id : d.key.user_id);
    a[2].Int(monthly ? d.key.user_id : d.key.device_id);
    a[3].Int(d.key.area_um2);
  }
  Params p;
  for (ArrayLiteral& x : a) p.Raw(x.Take());
  return conn.Run(sql, p, "updating the rollups").status();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Ingest.

Status PostgresStore::TouchServerLocked(const std::string& server, const std::string& agent_version,
                                        int64_t now, int64_t* server_row) {
  Result<PgResult> r =
      conn_->Run(kUpsertServerSql, Params().Text(server).Text(agent_version).Int(now),
                 "recording the server's contact");
  if (!r.ok()) return r.status();
  *server_row = ColumnInt(r->get(), 0, 0);
  return Status::Ok();
}

namespace {

// Fills `ids` (parallel to `names`) from `cache`; returns the sorted distinct names missing.
template <typename Map>
std::vector<std::string_view> Missing(const Map& cache, const std::vector<std::string_view>& names,
                                      std::vector<int64_t>* ids) {
  ids->assign(names.size(), 0);
  std::vector<std::string_view> missing;
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = cache.find(names[i]);
    if (it != cache.end()) {
      (*ids)[i] = it->second;
    } else {
      missing.push_back(names[i]);
    }
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  return missing;
}

}  // namespace

Status PostgresStore::UserIdsLocked(const std::vector<std::string_view>& names,
                                    std::vector<int64_t>* ids) {
  std::vector<std::string_view> missing = Missing(user_ids_, names, ids);
  if (missing.empty()) return Status::Ok();
  ArrayLiteral a;
  for (std::string_view n : missing) a.Text(n);
  const std::string array = a.Take();
  // Sorted, so that two writers adding the same users wait for each other in one order.
  RAMETTE_RETURN_IF_ERROR(conn_
                              ->Run("INSERT INTO users(name) SELECT unnest($1::text[])"
                                    " ON CONFLICT(name) DO NOTHING",
                                    Params().Text(array), "adding users")
                              .status());
  // A new statement: sees the rows other writers committed while this one waited for them.
  Result<PgResult> r = conn_->Run("SELECT id, name FROM users WHERE name = ANY($1::text[])",
                                  Params().Text(array), "looking up users");
  if (!r.ok()) return r.status();
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    user_ids_.insert_or_assign(ColumnText(r->get(), i, 1), ColumnInt(r->get(), i, 0));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = user_ids_.find(names[i]);
    if (it == user_ids_.end()) {
      return Status::Internal("PostgreSQL " + uri_ + ": user '" + std::string(names[i]) +
                              "' was added but cannot be found");
    }
    (*ids)[i] = it->second;
  }
  return Status::Ok();
}

Status PostgresStore::DeviceIdsLocked(const std::string& server,
                                      const std::vector<std::string_view>& names, int64_t now,
                                      std::vector<int64_t>* ids) {
  auto queues_it = device_ids_.find(std::string_view(server));
  if (queues_it == device_ids_.end()) queues_it = device_ids_.emplace(server, IdMap()).first;
  IdMap& queues = queues_it->second;
  std::vector<std::string_view> missing = Missing(queues, names, ids);
  if (missing.empty()) return Status::Ok();
  ArrayLiteral a;
  for (std::string_view n : missing) a.Text(n);
  const std::string array = a.Take();
  RAMETTE_RETURN_IF_ERROR(
      conn_
          ->Run("INSERT INTO devices(server, queue, deleted, first_seen, last_seen)"
                " SELECT $1, q, false, $3, $3 FROM unnest($2::text[]) AS q"
                " ON CONFLICT(server, queue) DO NOTHING",
                Params().Text(server).Text(array).Int(now), "registering queues")
          .status());
  Result<PgResult> r =
      conn_->Run("SELECT id, queue FROM devices WHERE server = $1 AND queue = ANY($2::text[])",
                 Params().Text(server).Text(array), "looking up queues");
  if (!r.ok()) return r.status();
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    queues.insert_or_assign(ColumnText(r->get(), i, 1), ColumnInt(r->get(), i, 0));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = queues.find(names[i]);
    if (it == queues.end()) {
      return Status::Internal("PostgreSQL " + uri_ + ": queue '" + std::string(names[i]) +
                              "' was registered but cannot be found");
    }
    (*ids)[i] = it->second;
  }
  return Status::Ok();
}

Status PostgresStore::ApplyRollupDeltasLocked(std::vector<RollupDelta> daily) {
  // Keys with negative sums (a superseded job's old key) may empty their rows.
  std::vector<RollupDelta> shrinking;
  for (const RollupDelta& d : daily) {
    if (d.sums.jobs < 0) shrinking.push_back(d);
  }
  MergeDailyDeltas(&daily);
  const std::vector<RollupDelta> monthly = MonthlyDeltasOf(daily);
  // Sorted keys (MergeDailyDeltas, MonthlyDeltasOf), daily before monthly in every writer: two
  // writers lock shared rows in one order and cannot deadlock on them.
  RAMETTE_RETURN_IF_ERROR(UpsertDeltas(*conn_, kUpsertDailySql, daily, false));
  RAMETTE_RETURN_IF_ERROR(UpsertDeltas(*conn_, kUpsertMonthlySql, monthly, true));
  if (shrinking.empty()) return Status::Ok();
  MergeDailyDeltas(&shrinking);
  RAMETTE_RETURN_IF_ERROR(DeleteEmptyRows(*conn_, kDeleteEmptyDailySql, shrinking, false));
  return DeleteEmptyRows(*conn_, kDeleteEmptyMonthlySql, MonthlyDeltasOf(shrinking), true);
}

Status PostgresStore::InsertQuarantineLocked(const std::string& server, int64_t now,
                                             const std::vector<QuarantinedRecord>& rejected) {
  if (rejected.empty()) return Status::Ok();
  ArrayLiteral reasons;
  ArrayLiteral records;
  for (const QuarantinedRecord& q : rejected) {
    reasons.Text(q.reason);
    records.Text(QuarantineJson(q.record));
  }
  // Once per (server, reason, record): the quarantine_once index.
  return conn_
      ->Run(
          "INSERT INTO quarantine(server, received_at, reason, record)"
          " SELECT $1, $2, reason, record FROM unnest($3::text[], $4::text[])"
          " AS t(reason, record) ON CONFLICT DO NOTHING",
          Params().Text(server).Int(now).Raw(reasons.Take()).Raw(records.Take()),
          "quarantining records")
      .status();
}

namespace {

// The job's columns after `ord` in the temporary table, in COPY text format.
void AppendCopyRow(std::string& out, int ord, int64_t device_id, int64_t user_id,
                   const model::StoredJob& job) {
  const JobRecord& r = job.record;
  auto tab = [&] { out.push_back('\t'); };
  CopyInt(out, ord);
  tab();
  CopyInt(out, device_id);
  tab();
  CopyInt(out, r.cups_job_id);
  tab();
  CopyText(out, r.job_uuid);
  tab();
  CopyInt(out, user_id);
  tab();
  CopyText(out, r.client_host);
  tab();
  CopyInt(out, r.created_at);
  tab();
  CopyInt(out, r.completed_at);
  tab();
  CopyInt(out, static_cast<int>(r.state));
  tab();
  CopyInt(out, r.copies);
  tab();
  CopyInt(out, static_cast<int>(r.sides));
  tab();
  CopyText(out, r.media);
  tab();
  CopyInt(out, static_cast<int>(r.color_mode));
  tab();
  CopyInt(out, r.number_up);
  tab();
  CopyInt(out, r.impressions_completed);
  tab();
  CopyInt(out, r.cups_media_sheets_completed);
  tab();
  if (r.title) {
    CopyText(out, *r.title);
  } else {
    out += "\\N";
  }
  tab();
  CopyInt(out, static_cast<int>(r.source));
  tab();
  CopyInt(out, job.sheets);
  tab();
  CopyInt(out, job.area_um2);
  tab();
  out.push_back(job.media_known ? 't' : 'f');
  tab();
  CopyInt(out, job.local_day);
  tab();
  out.push_back(r.media_from_queue ? 't' : 'f');
  tab();
  CopyInt(out, job.run);
  tab();
  CopyInt(out, r.job_impressions);
  out.push_back('\n');
}

// $2.. of kSupersedeJobSql.
void AddJobParams(Params& p, int64_t device_id, int64_t user_id, const model::StoredJob& job) {
  const JobRecord& r = job.record;
  p.Int(device_id).Text(r.job_uuid).Int(user_id).Text(r.client_host).Int(r.created_at);
  p.Int(r.completed_at).Int(static_cast<int>(r.state)).Int(r.copies);
  p.Int(static_cast<int>(r.sides)).Text(r.media).Int(static_cast<int>(r.color_mode));
  p.Int(r.number_up).Int(r.impressions_completed).Int(r.cups_media_sheets_completed);
  if (r.title) {
    p.Text(*r.title);
  } else {
    p.Null();
  }
  p.Int(static_cast<int>(r.source)).Int(job.sheets).Int(job.area_um2).Bool(job.media_known);
  p.Int(job.local_day).Bool(r.media_from_queue).Int(job.run).Int(r.job_impressions);
}

}  // namespace

Status PostgresStore::CommitJobsOnceLocked(const std::string& server_id,
                                           const std::string& agent_version,
                                           const std::vector<model::StoredJob>& jobs,
                                           const std::vector<QuarantinedRecord>& rejected,
                                           std::vector<StoreOutcome>* outcomes) {
  outcomes->assign(jobs.size(), StoreOutcome::kDuplicate);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  int64_t server_row = 0;
  RAMETTE_RETURN_IF_ERROR(TouchServerLocked(server_id, agent_version, now, &server_row));
  if (!jobs.empty()) {
    std::vector<std::string_view> users, queues;
    users.reserve(jobs.size());
    queues.reserve(jobs.size());
    for (const model::StoredJob& j : jobs) {
      users.push_back(j.record.user);
      queues.push_back(j.record.queue);
    }
    std::vector<int64_t> user_ids, device_ids;
    RAMETTE_RETURN_IF_ERROR(UserIdsLocked(users, &user_ids));
    RAMETTE_RETURN_IF_ERROR(DeviceIdsLocked(server_id, queues, now, &device_ids));

    std::string copy;
    copy.reserve(jobs.size() * 160);
    for (size_t i = 0; i < jobs.size(); ++i) {
      AppendCopyRow(copy, static_cast<int>(i), device_ids[i], user_ids[i], jobs[i]);
    }
    RAMETTE_RETURN_IF_ERROR(conn_->CopyIn(kCopyIncomingSql, copy, "sending the jobs"));
    Result<PgResult> inserted =
        conn_->Run(kInsertJobsSql, Params().Int(server_row).Int(now), "storing the jobs");
    if (!inserted.ok()) return inserted.status();
    // The inserted rows, back to their batch positions: of several records with the same
    // (CUPS job id, completion) the first one was stored.
    std::map<std::pair<int64_t, int64_t>, std::vector<size_t>> positions;
    for (size_t i = 0; i < jobs.size(); ++i) {
      positions[{jobs[i].record.cups_job_id, jobs[i].record.completed_at}].push_back(i);
    }
    std::vector<RollupDelta> daily;
    daily.reserve(static_cast<size_t>(PQntuples(inserted->get())));
    for (int row = 0; row < PQntuples(inserted->get()); ++row) {
      auto it =
          positions.find({ColumnInt(inserted->get(), row, 0), ColumnInt(inserted->get(), row, 1)});
      if (it == positions.end() || it->second.empty()) {
        return Status::Internal("PostgreSQL " + uri_ + ": stored a job that was not sent");
      }
      const size_t i = it->second.front();
      it->second.erase(it->second.begin());
      (*outcomes)[i] = StoreOutcome::kAccepted;
      const model::StoredJob& j = jobs[i];
      daily.push_back(AddedJobDelta(RollupKey{j.local_day, user_ids[i], device_ids[i], j.area_um2},
                                    FiguresOf(j)));
    }

    // Live records that duplicate a stored job may supersede it (OnDuplicate).
    ArrayLiteral ords, cups, completed, runs;
    bool any_live = false;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if ((*outcomes)[i] == StoreOutcome::kAccepted) continue;
      if (OnDuplicate(RecordSource::kPageLog, jobs[i].record.source) !=
          DuplicateAction::kSupersede) {
        continue;  // no stored source lets this record replace it
      }
      any_live = true;
      ords.Int(static_cast<int64_t>(i));
      cups.Int(jobs[i].record.cups_job_id);
      completed.Int(jobs[i].record.completed_at);
      runs.Int(jobs[i].run);
    }
    if (any_live) {
      Result<PgResult> dups = conn_->Run(kFindDuplicatesSql,
                                         Params()
                                             .Int(server_row)
                                             .Raw(ords.Take())
                                             .Raw(cups.Take())
                                             .Raw(completed.Take())
                                             .Raw(runs.Take()),
                                         "looking for duplicates");
      if (!dups.ok()) return dups.status();
      for (int row = 0; row < PQntuples(dups->get()); ++row) {
        const size_t i = static_cast<size_t>(ColumnInt(dups->get(), row, 0));
        const int64_t stored_id = ColumnInt(dups->get(), row, 1);
        const auto stored_source = static_cast<RecordSource>(ColumnInt(dups->get(), row, 2));
        if (OnDuplicate(stored_source, jobs[i].record.source) != DuplicateAction::kSupersede) {
          continue;
        }
        // Lock the stored job and read it again: another aggregator may have superseded it.
        Result<PgResult> stored =
            conn_->Run(kLockStoredJobSql, Params().Int(stored_id), "reading a stored job");
        if (!stored.ok()) return stored.status();
        if (PQntuples(stored->get()) != 1) continue;
        if (OnDuplicate(static_cast<RecordSource>(ColumnInt(stored->get(), 0, 0)),
                        jobs[i].record.source) != DuplicateAction::kSupersede) {
          continue;
        }
        RollupKey old_key;
        JobFigures old_figures;
        StoredKeyAndFigures(stored->get(), 0, 0, &old_key, &old_figures);
        Params p;
        p.Int(stored_id);
        AddJobParams(p, device_ids[i], user_ids[i], jobs[i]);
        // Should the new completion time collide with another stored job's, keep the page_log
        // figures (as SqliteStore's UPDATE OR IGNORE).
        RAMETTE_RETURN_IF_ERROR(conn_->Exec("SAVEPOINT supersede", "replacing a record"));
        Result<PgResult> updated =
            conn_->Run(kSupersedeJobSql, p, "replacing a page_log record by the live one");
        if (!updated.ok()) {
          if (conn_->last_sqlstate() != "23P01") return updated.status();
          RAMETTE_RETURN_IF_ERROR(
              conn_->Exec("ROLLBACK TO SAVEPOINT supersede", "replacing a record"));
          spdlog::warn(
              "server '{}': the live record of CUPS job {} cannot replace its page_log copy"
              " (job {}): its completion time is another stored job's; keeping the page_log"
              " figures",
              server_id, jobs[i].record.cups_job_id, stored_id);
          continue;
        }
        RAMETTE_RETURN_IF_ERROR(conn_->Exec("RELEASE SAVEPOINT supersede", "replacing a record"));
        for (const RollupDelta& d : SupersedeDeltas(
                 old_key, old_figures,
                 RollupKey{jobs[i].local_day, user_ids[i], device_ids[i], jobs[i].area_um2},
                 FiguresOf(jobs[i]))) {
          daily.push_back(d);
        }
      }
    }
    if (!daily.empty()) RAMETTE_RETURN_IF_ERROR(ApplyRollupDeltasLocked(std::move(daily)));
  }
  return InsertQuarantineLocked(server_id, now, rejected);
}

Result<std::vector<std::vector<StoredRun>>> PostgresStore::LoadRuns(
    const std::string& server_id, const std::vector<RunKey>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kLatestSchemaVersion));
  std::vector<std::vector<StoredRun>> out(keys.size());
  ArrayLiteral ords, cups, uuids;
  bool any = false;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].job_uuid.empty()) continue;
    any = true;
    ords.Int(static_cast<int64_t>(i));
    cups.Int(keys[i].cups_job_id);
    uuids.Text(keys[i].job_uuid);
  }
  if (!any) return out;
  Result<PgResult> r = conn_->Run(
      kLoadRunsSql, Params().Text(server_id).Raw(ords.Take()).Raw(cups.Take()).Raw(uuids.Take()),
      "reading the jobs' runs");
  if (!r.ok()) return r.status();
  for (int row = 0; row < PQntuples(r->get()); ++row) {
    const size_t i = static_cast<size_t>(ColumnInt(r->get(), row, 0));
    if (i >= out.size()) return Status::Internal("PostgreSQL " + uri_ + ": a run of no job");
    out[i].push_back({static_cast<int32_t>(ColumnInt(r->get(), row, 1)),
                      ColumnInt(r->get(), row, 2), ColumnInt(r->get(), row, 3)});
  }
  return out;
}

Result<std::vector<StoreOutcome>> PostgresStore::CommitJobs(
    const std::string& server_id, const std::string& agent_version,
    const std::vector<model::StoredJob>& jobs, const std::vector<QuarantinedRecord>& rejected) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kLatestSchemaVersion));
  std::vector<StoreOutcome> outcomes;
  Status st;
  for (int attempt = 1; attempt <= kCommitAttempts; ++attempt) {
    st = InTransactionLocked(
        [&] { return CommitJobsOnceLocked(server_id, agent_version, jobs, rejected, &outcomes); });
    if (st.ok() || !Retryable(conn_->last_sqlstate())) break;
    // A deadlock with another writer (batches overlapping in another order): again.
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * attempt));
  }
  if (!st.ok()) {
    spdlog::warn("storing {} jobs from server '{}' failed, nothing stored: {}", jobs.size(),
                 server_id, st.message());
    return st;
  }
  return outcomes;
}

Status PostgresStore::UpsertQueues(const std::string& server_id, const std::string& agent_version,
                                   const std::vector<QueueRecord>& queues) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<const QueueRecord*> sorted;
  for (const QueueRecord& q : queues) sorted.push_back(&q);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const QueueRecord* a, const QueueRecord* b) { return a->name < b->name; });
  return InTransactionLocked([&]() -> Status {
    int64_t server_row = 0;
    RAMETTE_RETURN_IF_ERROR(TouchServerLocked(server_id, agent_version, now, &server_row));
    for (const QueueRecord* q : sorted) {
      Params p;
      p.Text(server_id).Text(q->name).Text(q->uuid).Text(q->make_model).Text(q->device_uri);
      p.Text(q->location).Text(q->description).Bool(q->color_supported);
      p.Bool(q->duplex_supported).Int(q->printer_type).Bool(q->deleted).Int(now);
      p.Text(q->media_default).Text(q->sides_default);
      RAMETTE_RETURN_IF_ERROR(conn_->Run(kUpsertQueueSql, p, "registering a queue").status());
    }
    return Status::Ok();
  });
}

Status PostgresStore::RecordAgentStatus(const std::string& server_id,
                                        const std::string& agent_version,
                                        const AgentStatusReport& status, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kAgentStatusSchemaVersion));
  return InTransactionLocked([&]() -> Status {
    int64_t server_row = 0;
    RAMETTE_RETURN_IF_ERROR(TouchServerLocked(server_id, agent_version, now, &server_row));
    return conn_
        ->Run(
            "UPDATE servers SET outbox_records = $1, outbox_oldest = $2, status_at = $3"
            " WHERE id = $4",
            Params()
                .Int(status.outbox_records)
                .Int(status.oldest_record_unix)
                .Int(now)
                .Int(server_row),
            "recording an agent's status")
        .status();
  });
}

}  // namespace ramette::aggregator::store
