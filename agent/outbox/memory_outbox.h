// MemoryOutbox: an in-memory Outbox with the same contract as SqliteOutbox (order, ids, bounds,
// sizes, cursor atomicity), for unit tests of the capture and the forwarder. It can be scripted
// to fail the next calls of an operation.
#ifndef RAMETTE_AGENT_OUTBOX_MEMORY_OUTBOX_H_
#define RAMETTE_AGENT_OUTBOX_MEMORY_OUTBOX_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "agent/outbox/outbox.h"
#include "agent/outbox/record_codec.h"

namespace ramette::agent {

// Thread-safe. Nothing survives the object. `now_ms` gives enqueue times (default: system clock).
class MemoryOutbox final : public Outbox {
 public:
  enum class Op { kAppend, kLoadCursor, kPeek, kRemove, kStats };

  explicit MemoryOutbox(OutboxLimits limits = {}, std::function<int64_t()> now_ms = nullptr)
      : limits_(limits), now_ms_(std::move(now_ms)) {
    if (!now_ms_) {
      now_ms_ = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
  }

  // Makes the next `times` calls of `op` fail with `error` (not OK), changing nothing.
  void FailNext(Op op, Status error, int times = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_.push_back({op, std::move(error), times});
  }

  Status Append(const std::vector<OutboxItem>& items, const CaptureCursor* cursor) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto st = TakeFailureLocked(Op::kAppend)) return *st;
    std::vector<OutboxEntry> added;
    int64_t added_bytes = 0;
    for (const auto& item : items) {
      OutboxEntry e{0, now_ms_(), EncodedSize(item), item};
      added_bytes += e.size_bytes;
      added.push_back(std::move(e));
    }
    if (!FitsLimits(limits_, static_cast<int64_t>(entries_.size()), bytes_,
                    static_cast<int64_t>(added.size()), added_bytes)) {
      return OutboxFullError(StatsLocked(), static_cast<int64_t>(added.size()), added_bytes);
    }
    for (auto& e : added) {
      e.id = ++last_id_;
      entries_.push_back(std::move(e));
    }
    bytes_ += added_bytes;
    if (cursor != nullptr) cursor_ = *cursor;
    return Status::Ok();
  }

  Result<CaptureCursor> LoadCursor() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto st = TakeFailureLocked(Op::kLoadCursor)) return *st;
    if (!cursor_) return Status::NotFound("no capture cursor stored in the outbox yet");
    return *cursor_;
  }

  Result<std::vector<OutboxEntry>> Peek(int64_t max_records, int64_t max_bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto st = TakeFailureLocked(Op::kPeek)) return *st;
    std::vector<OutboxEntry> out;
    int64_t bytes = 0;
    for (const auto& e : entries_) {
      if (static_cast<int64_t>(out.size()) >= max_records) break;
      if (!out.empty() && bytes + e.size_bytes > max_bytes) break;
      bytes += e.size_bytes;
      out.push_back(e);
    }
    return out;
  }

  Status Remove(const std::vector<int64_t>& ids) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto st = TakeFailureLocked(Op::kRemove)) return *st;
    std::unordered_set<int64_t> gone(ids.begin(), ids.end());
    auto keep = std::stable_partition(entries_.begin(), entries_.end(),
                                      [&](const OutboxEntry& e) { return !gone.contains(e.id); });
    for (auto it = keep; it != entries_.end(); ++it) bytes_ -= it->size_bytes;
    entries_.erase(keep, entries_.end());
    return Status::Ok();
  }

  Result<OutboxStats> Stats() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto st = TakeFailureLocked(Op::kStats)) return *st;
    return StatsLocked();
  }

  // Every record waiting, oldest first (a test's view; not part of Outbox).
  std::vector<OutboxEntry> Contents() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {entries_.begin(), entries_.end()};
  }

 private:
  struct Failure {
    Op op;
    Status error;
    int times;
  };

  std::optional<Status> TakeFailureLocked(Op op) {
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if (it->op != op) continue;
      Status st = it->error;
      if (--it->times <= 0) failures_.erase(it);
      return st;
    }
    return std::nullopt;
  }

  OutboxStats StatsLocked() const {
    OutboxStats s;
    s.depth = static_cast<int64_t>(entries_.size());
    s.bytes = bytes_;
    s.oldest_enqueued_at_ms = entries_.empty() ? 0 : entries_.front().enqueued_at_ms;
    s.limits = limits_;
    return s;
  }

  const OutboxLimits limits_;
  std::function<int64_t()> now_ms_;
  mutable std::mutex mu_;
  std::deque<OutboxEntry> entries_;
  int64_t bytes_ = 0;
  int64_t last_id_ = 0;
  std::optional<CaptureCursor> cursor_;
  std::vector<Failure> failures_;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_OUTBOX_MEMORY_OUTBOX_H_
