// SqliteStore, JobStore part: the CommitJobs hot path (cached statements, in-memory id caches,
// rollup deltas kept in memory and folded in bulk), queue records and the rollup folding.
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <ctime>
#include <limits>

#include "aggregator/store/quarantine_json.h"
#include "aggregator/store/sqlite_store.h"
#include "aggregator/store/sqlite_store_internal.h"
#include "common/sqlite/sqlite_util.h"

namespace ramette::aggregator::store {

namespace {

// common/sqlite/sqlite_util.h, in its base wording ("database error while ...").
using sqlite::BindInt;
using sqlite::BindText;
using sqlite::ResetOnExit;
using sqlite::SqliteError;
using sqlite::StepDone;

}  // namespace

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

// Binds ?1..?23 and ?25..?27 of kInsertJobSql (kSupersedeJobSql uses the same numbers).
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
  BindInt(s, 26, job.run);
  BindInt(s, 27, r.job_impressions);
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

Result<std::vector<std::vector<StoredRun>>> SqliteStore::LoadRuns(const std::string& server_id,
                                                                  const std::vector<RunKey>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireLatestSchemaLocked());
  std::vector<std::vector<StoredRun>> out(keys.size());
  int rc = SQLITE_OK;
  sqlite3_stmt* s = nullptr;
  RAMETTE_RETURN_IF_ERROR(stmts_->load_runs.Get(db_, &s));
  ResetOnExit reset(s);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].job_uuid.empty()) continue;
    sqlite3_reset(s);
    BindText(s, 1, server_id);
    BindInt(s, 2, keys[i].cups_job_id);
    BindText(s, 3, keys[i].job_uuid);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      out[i].push_back({static_cast<int32_t>(sqlite3_column_int64(s, 0)),
                        sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2)});
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading the jobs' runs");
  }
  return out;
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
        BindInt(find_dup, 5, job.run);
        BindInt(find_dup, 6, static_cast<int>(r.source));
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

}  // namespace ramette::aggregator::store
