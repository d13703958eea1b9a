// An in-memory Store (store/store.h) for tests: every part of the contract, with the identity,
// duplicate and rollup rules of store/store_rules.h (the engines' own), so that
// store/store_contract_test.cc runs the same cases against it, SQLite and PostgreSQL.
// Rollups are computed from the stored jobs at read time. Thread-safe (one mutex).
#ifndef RAMETTE_TESTS_FAKES_FAKE_STORE_H_
#define RAMETTE_TESTS_FAKES_FAKE_STORE_H_

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aggregator/auth/agent_token.h"
#include "aggregator/store/store.h"
#include "aggregator/store/store_rules.h"
#include "tests/fakes/fake_runs.h"

namespace ramette::testing {

class FakeStore final : public aggregator::store::Store,
                        public aggregator::store::JobStore,
                        public aggregator::store::UsageSource,
                        public aggregator::store::InventoryStore,
                        public aggregator::store::DeliveryLog,
                        public aggregator::store::TokenStore,
                        public aggregator::store::StatusStore,
                        public aggregator::store::DirectoryStore,
                        public aggregator::store::AccountStore {
 public:
  // Store.
  std::string Description() const override { return "memory"; }
  int SchemaVersion() override { return 0; }
  Status EnsureTimeZone(const TimeZone& tz) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (zone_ == tz.name()) return Status::Ok();
    for (Job& j : jobs_) j.job.local_day = tz.LocalDay(j.job.record.completed_at);
    zone_ = tz.name();
    return Status::Ok();
  }
  std::string StoredTimeZone() override {
    std::lock_guard<std::mutex> lock(mu_);
    return zone_;
  }
  Result<aggregator::model::UserNameRule> StoredUserNameRule() override {
    std::lock_guard<std::mutex> lock(mu_);
    return user_name_rule_;
  }
  Status SetUserNameRule(const aggregator::model::UserNameRule& rule) override {
    std::lock_guard<std::mutex> lock(mu_);
    user_name_rule_ = rule;
    return Status::Ok();
  }
  Status FoldRollups() override { return Status::Ok(); }
  Status Backup(const std::string&) override {
    return Status::FailedPrecondition("the in-memory store has no backup");
  }
  Result<int64_t> CountJobs() override {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int64_t>(jobs_.size());
  }
  Result<int64_t> CountQuarantined() override {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int64_t>(quarantine_.size());
  }
  aggregator::store::JobStore& jobs() override { return *this; }
  aggregator::store::UsageSource& usage() override { return *this; }
  aggregator::store::InventoryStore& inventory() override { return *this; }
  aggregator::store::DeliveryLog& delivery() override { return *this; }
  aggregator::store::TokenStore& tokens() override { return *this; }
  aggregator::store::StatusStore& status() override { return *this; }
  aggregator::store::DirectoryStore& directory() override { return *this; }
  // The in-memory store has no tables: `store copy` from or to it fails with
  // FailedPrecondition.
  aggregator::store::TableRows& table_rows() override { return no_table_rows_; }
  aggregator::store::AccountStore& accounts() override { return *this; }

  // JobStore.
  Result<std::vector<std::vector<aggregator::store::StoredRun>>> LoadRuns(
      const std::string& server_id, const std::vector<RunKey>& keys) override {
    std::lock_guard<std::mutex> lock(mu_);
    return FakeLoadRuns(
        server_id, keys, jobs_, [](const auto& s) -> const std::string& { return s.server; },
        [](const auto& s) -> const aggregator::model::StoredJob& { return s.job; });
  }
  Result<std::vector<aggregator::store::StoreOutcome>> CommitJobs(
      const std::string& server_id, const std::string& agent_version,
      const std::vector<aggregator::model::StoredJob>& jobs,
      const std::vector<aggregator::store::QuarantinedRecord>& rejected) override {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    TouchServer(server_id, agent_version, now);
    std::vector<aggregator::store::StoreOutcome> out;
    for (const aggregator::model::StoredJob& j : jobs) {
      Job* stored = Find(server_id, j);
      if (stored != nullptr) {
        out.push_back(aggregator::store::StoreOutcome::kDuplicate);
        if (aggregator::store::OnDuplicate(stored->job.record.source, j.record.source) ==
            aggregator::store::DuplicateAction::kSupersede) {
          stored->job = j;
          stored->device_id = DeviceId(server_id, j.record.queue, now);
          stored->user_id = UserId(j.record.user);
        }
        continue;
      }
      out.push_back(aggregator::store::StoreOutcome::kAccepted);
      jobs_.push_back(
          Job{server_id, j, DeviceId(server_id, j.record.queue, now), UserId(j.record.user), now});
    }
    for (const aggregator::store::QuarantinedRecord& q : rejected) {
      // Once per (server, reason, record): the record's identity stands for its JSON here.
      const auto& r = q.record;
      quarantine_.insert(std::make_tuple(server_id, q.reason, r.queue, r.cups_job_id,
                                         r.completed_at, r.user, r.impressions_completed));
    }
    return out;
  }
  Status UpsertQueues(const std::string& server_id, const std::string& agent_version,
                      const std::vector<QueueRecord>& queues) override {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    TouchServer(server_id, agent_version, now);
    for (const QueueRecord& q : queues) {
      const int64_t id = DeviceId(server_id, q.name, now);
      queue_deleted_[id] = q.deleted;
    }
    return Status::Ok();
  }
  Status RecordAgentStatus(const std::string& server_id, const std::string& agent_version,
                           const aggregator::store::AgentStatusReport& status,
                           int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    aggregator::store::ServerStatus& s = TouchServer(server_id, agent_version, now);
    s.outbox_records = status.outbox_records;
    s.oldest_record_unix = status.oldest_record_unix;
    return Status::Ok();
  }

  // InventoryStore.
  Status UpsertPapers(const std::vector<aggregator::model::Paper>& papers) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& p : papers) papers_[p.paper_id] = p;
    return Status::Ok();
  }
  Status UpsertDeviceBatches(const aggregator::store::DeviceBatches& batches) override {
    // Read every batch before changing anything: an error from `batches` leaves the fake as it
    // was.
    std::vector<aggregator::model::Device> devices;
    RAMETTE_RETURN_IF_ERROR(batches([&](std::span<const aggregator::model::Device> batch) {
      devices.insert(devices.end(), batch.begin(), batch.end());
      return Status::Ok();
    }));
    RAMETTE_RETURN_IF_ERROR(aggregator::model::CheckServicePeriods(devices));
    std::lock_guard<std::mutex> lock(mu_);
    std::set<int64_t> replaced;
    for (const aggregator::model::Device& d : devices) {
      const int64_t id = DeviceId(d.server, d.queue, 0, /*from_agent=*/false);
      if (replaced.insert(id).second) periods_.erase(id);
      aggregator::model::Device p = d;
      p.id = id;
      p.classified = true;
      periods_[id].push_back(p);
    }
    return Status::Ok();
  }
  Status ReplaceUserDirectionBatches(const aggregator::store::UserDirectionBatches& rows) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Read every batch before changing anything: an error from `rows` leaves the fake as it was.
    std::set<std::string> named;
    std::vector<aggregator::model::UserDirection> added;
    RAMETTE_RETURN_IF_ERROR(rows([&](std::span<const aggregator::model::UserDirection> batch) {
      for (const auto& r : batch) named.insert(r.user);
      added.insert(added.end(), batch.begin(), batch.end());
      return Status::Ok();
    }));
    std::erase_if(directory_, [&](const aggregator::store::StoredUserRow& u) {
      return named.contains(u.row.user);
    });
    for (const auto& r : added) {
      directory_.push_back({next_row_id_++, r, aggregator::store::UserRowSource::kCsv});
    }
    return Status::Ok();
  }
  Status UpsertWorkstationBatches(const aggregator::store::WorkstationBatches& counts) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Read every batch before changing anything: an error from `counts` leaves the fake as it was.
    std::vector<aggregator::model::WorkstationCount> added;
    RAMETTE_RETURN_IF_ERROR(counts([&](std::span<const aggregator::model::WorkstationCount> batch) {
      added.insert(added.end(), batch.begin(), batch.end());
      return Status::Ok();
    }));
    for (const auto& c : added) workstations_[{c.direction, c.date}] = c.count;
    return Status::Ok();
  }
  Status ReplacePurchaseBatches(const aggregator::store::PurchaseBatches& batches) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Read every batch before changing anything, as ReplaceUserDirectionBatches.
    std::vector<aggregator::model::Purchase> rows;
    RAMETTE_RETURN_IF_ERROR(batches([&](std::span<const aggregator::model::Purchase> batch) {
      rows.insert(rows.end(), batch.begin(), batch.end());
      return Status::Ok();
    }));
    for (int year : aggregator::model::PurchaseYears(rows)) {
      std::erase_if(purchases_, [&](const aggregator::model::Purchase& p) {
        return CivilFromDays(p.date).year == year;
      });
    }
    purchases_.insert(purchases_.end(), rows.begin(), rows.end());
    return Status::Ok();
  }
  Status UpsertMeterReadingBatches(const aggregator::store::MeterReadingBatches& batches) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Read every batch before changing anything, as ReplaceUserDirectionBatches.
    std::vector<aggregator::model::MeterReading> rows;
    RAMETTE_RETURN_IF_ERROR(batches([&](std::span<const aggregator::model::MeterReading> batch) {
      rows.insert(rows.end(), batch.begin(), batch.end());
      return Status::Ok();
    }));
    for (const auto& m : rows) meters_[{m.server, m.queue, m.date}] = m;
    return Status::Ok();
  }
  Status ReplaceDirectionContacts(
      const std::vector<aggregator::model::DirectionContacts>& rows) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : rows) emails_[r.direction].clear();
    for (const auto& r : rows) {
      for (const auto& e : r.emails) emails_[r.direction].insert(e);
    }
    return Status::Ok();
  }
  Result<std::vector<std::string>> KnownPaperIds() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> ids;
    for (const auto& [id, p] : papers_) ids.push_back(id);
    return ids;
  }

  // AccountStore.
  Status AddAccount(const aggregator::store::WebAccount& account) override {
    const std::string problem = aggregator::store::AccountProblem(account);
    if (!problem.empty()) return Status::InvalidArgument(problem);
    std::lock_guard<std::mutex> lock(mu_);
    if (!accounts_.try_emplace(account.name, account).second) {
      return Status::FailedPrecondition("an account named '" + account.name + "' already exists");
    }
    return Status::Ok();
  }
  Result<std::optional<aggregator::store::WebAccount>> FindAccount(
      const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = accounts_.find(name);
    if (it == accounts_.end()) return std::optional<aggregator::store::WebAccount>();
    return std::optional<aggregator::store::WebAccount>(it->second);
  }
  Result<std::vector<aggregator::store::WebAccount>> ListAccounts() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<aggregator::store::WebAccount> out;
    for (const auto& [name, account] : accounts_) out.push_back(account);
    return out;
  }
  Result<bool> RemoveAccount(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    return accounts_.erase(name) > 0;
  }
  Result<bool> SetAccountPassword(const std::string& name, const std::string& hash,
                                  int64_t now) override {
    if (hash.empty()) return Status::InvalidArgument("the account has no password hash");
    std::lock_guard<std::mutex> lock(mu_);
    auto it = accounts_.find(name);
    if (it == accounts_.end()) return false;
    it->second.password_hash = hash;
    it->second.updated_at = now;
    return true;
  }

  // DirectoryStore.
  Result<std::vector<aggregator::store::StoredUserRow>> LoadUserRows() override {
    std::lock_guard<std::mutex> lock(mu_);
    return directory_;
  }
  Status ApplyDirectorySync(const aggregator::store::DirectoryChanges& changes) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<aggregator::store::StoredUserRow> rows = directory_;  // all or nothing
    auto open_directory_row = [&](int64_t id) -> aggregator::store::StoredUserRow* {
      for (auto& r : rows) {
        if (r.id == id && r.source == aggregator::store::UserRowSource::kDirectory &&
            !r.row.valid_to) {
          return &r;
        }
      }
      return nullptr;
    };
    for (const auto& c : changes.closes) {
      auto* r = open_directory_row(c.id);
      if (r == nullptr) return NotOpenDirectoryRow(c.id);
      r->row.valid_to = c.valid_to;
    }
    for (int64_t id : changes.removes) {
      if (open_directory_row(id) == nullptr) return NotOpenDirectoryRow(id);
      std::erase_if(rows, [&](const auto& r) { return r.id == id; });
    }
    for (const auto& o : changes.opens) {
      for (const auto& r : rows) {
        if (r.row.user == o.user && r.source == aggregator::store::UserRowSource::kDirectory &&
            !r.row.valid_to) {
          return Status::FailedPrecondition("user '" + o.user +
                                            "' already has an open directory row");
        }
      }
    }
    for (const auto& o : changes.opens) {
      rows.push_back({next_row_id_++, o, aggregator::store::UserRowSource::kDirectory});
    }
    directory_ = std::move(rows);
    for (const auto& w : changes.workstations) workstations_[{w.direction, w.date}] = w.count;
    syncs_.push_back(changes.record);
    return Status::Ok();
  }
  Result<std::optional<aggregator::store::DirectorySyncRecord>> LastDirectorySync() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (syncs_.empty()) return std::optional<aggregator::store::DirectorySyncRecord>();
    return std::optional<aggregator::store::DirectorySyncRecord>(syncs_.back());
  }

  // UsageSource.
  Result<aggregator::model::Inventory> LoadInventory() override {
    std::lock_guard<std::mutex> lock(mu_);
    aggregator::model::Inventory inv;
    inv.user_name_rule = user_name_rule_;
    for (const auto& [id, p] : papers_) inv.papers.push_back(p);
    for (const auto& [key, id] : device_ids_) {
      auto it = periods_.find(id);
      if (it == periods_.end()) {
        aggregator::model::Device d;
        d.id = id;
        d.server = key.first;
        d.queue = key.second;
        inv.devices.push_back(d);
        continue;
      }
      std::vector<aggregator::model::Device> sorted = it->second;
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto& a, const auto& b) { return a.in_service < b.in_service; });
      inv.devices.insert(inv.devices.end(), sorted.begin(), sorted.end());
    }
    std::sort(inv.devices.begin(), inv.devices.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const auto& u : directory_) inv.users.push_back(u.row);
    for (const auto& [key, count] : workstations_) {
      inv.workstations.push_back({key.first, key.second, count});
    }
    inv.has_purchases = !purchases_.empty();
    inv.has_meter_readings = !meters_.empty();
    return inv;
  }
  Result<std::vector<aggregator::model::Purchase>> LoadPurchases(Day first_day,
                                                                 Day last_day) override {
    std::lock_guard<std::mutex> lock(mu_);
    return aggregator::model::PurchasesDuring(purchases_, first_day, last_day);
  }
  Result<std::vector<aggregator::model::MeterReading>> LoadMeterReadings() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<aggregator::model::MeterReading> out;
    for (const auto& [key, m] : meters_) out.push_back(m);
    return out;
  }
  Result<std::vector<aggregator::model::MeterCounters>> LoadMeterCounters(Day start,
                                                                          Day end) override {
    auto all = LoadMeterReadings();
    if (!all.ok()) return all.status();
    return aggregator::model::MeterCountersOver(*all, start, end);
  }
  Result<std::unordered_map<int64_t, std::string>> LoadUserNames() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::unordered_map<int64_t, std::string> names;
    for (const auto& [name, id] : user_ids_) names.emplace(id, name);
    return names;
  }
  Status ForEachMonthlyRow(
      int32_t first_month, int32_t last_month,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    std::vector<aggregator::store::RollupDelta> monthly;
    {
      std::lock_guard<std::mutex> lock(mu_);
      monthly = aggregator::store::MonthlyDeltasOf(DailyDeltas());
    }
    for (const auto& d : monthly) {
      if (d.key.day >= first_month && d.key.day <= last_month)
        fn(aggregator::store::RollupRowOf(d));
    }
    return Status::Ok();
  }
  Status ForEachDailyRow(
      int64_t user_id, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    std::vector<aggregator::store::RollupDelta> daily;
    {
      std::lock_guard<std::mutex> lock(mu_);
      daily = DailyDeltas();
    }
    for (const auto& d : daily) {  // (day, user, device, area): one user's are (day, device, area)
      if (d.key.user_id == user_id && d.key.day >= first_day && d.key.day <= last_day) {
        fn(aggregator::store::RollupRowOf(d));
      }
    }
    return Status::Ok();
  }
  Status ForEachDailyRowOfDevice(
      int64_t device_id, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::RollupRow&)>& fn) override {
    std::vector<aggregator::store::RollupDelta> daily;
    {
      std::lock_guard<std::mutex> lock(mu_);
      daily = DailyDeltas();
    }
    for (const auto& d : daily) {
      if (d.key.device_id == device_id && d.key.day >= first_day && d.key.day <= last_day) {
        fn(aggregator::store::RollupRowOf(d));
      }
    }
    return Status::Ok();
  }

  Status ForEachLargeJob(
      int64_t min_sheets, Day first_day, Day last_day,
      const std::function<void(const aggregator::model::LargeJob&)>& fn) override {
    if (min_sheets < aggregator::store::kLargeJobMinSheets) {
      return Status::InvalidArgument("large jobs start at 100 sheets");
    }
    std::vector<aggregator::model::LargeJob> found;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const Job& j : jobs_) {
        if (j.job.sheets >= min_sheets && j.job.local_day >= first_day &&
            j.job.local_day <= last_day) {
          found.push_back({j.device_id, j.user_id, j.job.local_day, j.job.sheets});
        }
      }
    }
    for (const auto& j : found) fn(j);
    return Status::Ok();
  }

  // DeliveryLog.
  Result<std::vector<std::string>> DirectionEmails(const std::string& direction) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = emails_.find(direction);
    if (it == emails_.end()) return std::vector<std::string>{};
    return std::vector<std::string>(it->second.begin(), it->second.end());
  }
  Result<bool> WasReportSent(const std::string& direction, int32_t month,
                             const std::string& recipient) override {
    std::lock_guard<std::mutex> lock(mu_);
    return sends_.contains(std::make_tuple(direction, month, recipient));
  }
  Status RecordReportSent(const std::string& direction, int32_t month, const std::string& recipient,
                          int64_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    sends_.insert(std::make_tuple(direction, month, recipient));
    return Status::Ok();
  }

  // TokenStore.
  Result<std::string> AddAgentToken(const std::string& server_id, const std::string& hash_hex,
                                    int64_t now) override {
    if (server_id.empty()) return Status::InvalidArgument("a token needs a server id");
    if (hash_hex.size() < aggregator::auth::kPublicTokenIdLength) {
      return Status::InvalidArgument("not a token hash");
    }
    std::lock_guard<std::mutex> lock(mu_);
    const std::string id = aggregator::auth::PublicTokenId(hash_hex);
    for (const Token& t : tokens_) {
      if (t.info.id == id)
        return Status::FailedPrecondition("token id " + id + " is already taken");
    }
    tokens_.push_back(Token{{id, server_id, now, std::nullopt}, hash_hex});
    return id;
  }
  Result<std::vector<aggregator::store::AgentTokenInfo>> ListAgentTokens() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<aggregator::store::AgentTokenInfo> out;
    for (const Token& t : tokens_) out.push_back(t.info);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(a.server_id, a.created_at, a.id) < std::tie(b.server_id, b.created_at, b.id);
    });
    return out;
  }
  Result<int> RevokeAgentTokens(const std::string& id, const std::string& server_id,
                                int64_t now) override {
    if (id.empty() == server_id.empty()) {
      return Status::InvalidArgument("revoke takes a token id or a server id");
    }
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (Token& t : tokens_) {
      const bool match = id.empty() ? t.info.server_id == server_id : t.info.id == id;
      if (match && !t.info.revoked_at) {
        t.info.revoked_at = now;
        ++n;
      }
    }
    return n;
  }
  Result<std::string> ServerIdOfToken(const std::string& token) override {
    const std::string hash = aggregator::auth::HashAgentToken(token);
    std::lock_guard<std::mutex> lock(mu_);
    for (const Token& t : tokens_) {
      if (t.hash != hash) continue;
      if (t.info.revoked_at) {
        return Status::Unauthenticated("agent token " + t.info.id + " was revoked");
      }
      return t.info.server_id;
    }
    return Status::Unauthenticated("unknown agent token");
  }

  // StatusStore.
  Result<std::vector<aggregator::store::ServerStatus>> ServerStatuses(
      const aggregator::store::StatusPeriods& periods, bool count_jobs) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<aggregator::store::ServerStatus> out;
    for (const auto& [name, s] : servers_) {
      aggregator::store::ServerStatus row = s;
      for (const auto& [key, id] : device_ids_) {
        if (key.first != name || periods_.contains(id)) continue;
        auto del = queue_deleted_.find(id);
        if (del != queue_deleted_.end() && del->second) continue;
        ++row.unclassified_queues;
      }
      if (count_jobs) {
        for (const Job& j : jobs_) {
          if (j.server != name) continue;
          if (j.received_at >= periods.month_start) ++row.jobs_this_month;
          if (j.received_at >= periods.day_start) ++row.jobs_today;
        }
      }
      out.push_back(row);
    }
    return out;
  }

 private:
  struct Job {
    std::string server;
    aggregator::model::StoredJob job;
    int64_t device_id = 0;
    int64_t user_id = 0;
    int64_t received_at = 0;
  };
  struct Token {
    aggregator::store::AgentTokenInfo info;
    std::string hash;
  };

  Job* Find(const std::string& server, const aggregator::model::StoredJob& incoming) {
    const JobRecord& r = incoming.record;
    for (Job& j : jobs_) {
      if (j.server == server && j.job.record.cups_job_id == r.cups_job_id &&
          aggregator::store::SameJob(j.job.run, j.job.record.source, j.job.record.completed_at,
                                     incoming.run, r.source, r.completed_at)) {
        return &j;
      }
    }
    return nullptr;
  }
  aggregator::store::ServerStatus& TouchServer(const std::string& name, const std::string& version,
                                               int64_t now) {
    auto [it, added] = servers_.try_emplace(name);
    if (added) {
      it->second.server = name;
      it->second.first_contact = now;
    }
    it->second.agent_version = version;
    it->second.last_contact = now;
    return it->second;
  }
  int64_t DeviceId(const std::string& server, const std::string& queue, int64_t,
                   bool /*from_agent*/ = true) {
    auto [it, added] = device_ids_.try_emplace({server, queue}, next_device_id_);
    if (added) ++next_device_id_;
    return it->second;
  }
  int64_t UserId(const std::string& name) {
    auto [it, added] = user_ids_.try_emplace(name, next_user_id_);
    if (added) ++next_user_id_;
    return it->second;
  }
  // The rollup rows of every stored job, daily, merged (store_rules.h).
  std::vector<aggregator::store::RollupDelta> DailyDeltas() const {
    std::vector<aggregator::store::RollupDelta> d;
    for (const Job& j : jobs_) {
      d.push_back(aggregator::store::AddedJobDelta(
          {j.job.local_day, j.user_id, j.device_id, j.job.area_um2},
          aggregator::store::FiguresOf(j.job)));
    }
    aggregator::store::MergeDailyDeltas(&d);
    return d;
  }

  aggregator::model::UserNameRule user_name_rule_;
  std::mutex mu_;
  std::string zone_;
  std::vector<Job> jobs_;
  std::set<
      std::tuple<std::string, std::string, std::string, int32_t, int64_t, std::string, int64_t>>
      quarantine_;
  std::map<std::string, aggregator::store::ServerStatus> servers_;
  std::map<std::pair<std::string, std::string>, int64_t> device_ids_;
  std::map<int64_t, bool> queue_deleted_;
  int64_t next_device_id_ = 1;
  std::map<std::string, int64_t> user_ids_;
  int64_t next_user_id_ = 1;
  std::map<std::string, aggregator::model::Paper> papers_;
  std::map<int64_t, std::vector<aggregator::model::Device>> periods_;
  std::vector<aggregator::store::StoredUserRow> directory_;  // by id
  int64_t next_row_id_ = 1;
  std::vector<aggregator::store::DirectorySyncRecord> syncs_;
  std::map<std::pair<std::string, Day>, int64_t> workstations_;
  std::vector<aggregator::model::Purchase> purchases_;  // in import order
  std::map<std::tuple<std::string, std::string, Day>, aggregator::model::MeterReading> meters_;
  std::map<std::string, std::set<std::string>> emails_;
  std::set<std::tuple<std::string, int32_t, std::string>> sends_;
  std::vector<Token> tokens_;
  std::map<std::string, aggregator::store::WebAccount> accounts_;  // by name, bytewise

  static Status NotOpenDirectoryRow(int64_t id) {
    return Status::FailedPrecondition("users row " + std::to_string(id) +
                                      " is no longer an open directory row: nothing was written");
  }

  class NoTableRows final : public aggregator::store::TableRows {
   public:
    Result<std::vector<std::string>> TableNames() override { return Refuse(); }
    Result<std::vector<std::string>> ColumnNames(const aggregator::store::CopyTable&) override {
      return Refuse();
    }
    Result<std::vector<aggregator::store::CopyRow>> ReadRows(const aggregator::store::CopyTable&,
                                                             const aggregator::store::CopyRow&,
                                                             const aggregator::store::CopyRow&,
                                                             size_t) override {
      return Refuse();
    }
    Result<std::vector<aggregator::store::CopyRow>> FindRows(const aggregator::store::CopyTable&,
                                                             const std::vector<size_t>&,
                                                             const aggregator::store::CopyRow&,
                                                             size_t) override {
      return Refuse();
    }
    Result<int64_t> CountRows(const aggregator::store::CopyTable&) override { return Refuse(); }
    Result<size_t> InsertRows(const aggregator::store::CopyTable&,
                              const std::vector<aggregator::store::CopyRow>&) override {
      return Refuse();
    }
    Status FinishCopy() override { return Refuse(); }

   private:
    static Status Refuse() {
      return Status::FailedPrecondition("the in-memory store has no tables to copy");
    }
  };
  NoTableRows no_table_rows_;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_FAKES_FAKE_STORE_H_
