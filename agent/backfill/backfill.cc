// Batching, retrying and counting for a backfill run; see backfill.h.
#include "agent/backfill/backfill.h"

#include <algorithm>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "agent/uplink/backoff.h"

namespace ramette::agent {
namespace {

// Protobuf tags, lengths and the varint fields of one record, rounded up.
constexpr size_t kRecordOverheadBytes = 96;

Status WithMessage(const Status& st, std::string message) {
  switch (st.code()) {
    case Status::Code::kOk:
      return st;
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(std::move(message));
    case Status::Code::kNotFound:
      return Status::NotFound(std::move(message));
    case Status::Code::kFailedPrecondition:
      return Status::FailedPrecondition(std::move(message));
    case Status::Code::kIoError:
      return Status::IoError(std::move(message));
    case Status::Code::kCorruption:
      return Status::Corruption(std::move(message));
    case Status::Code::kUnavailable:
      return Status::Unavailable(std::move(message));
    case Status::Code::kInternal:
      return Status::Internal(std::move(message));
    case Status::Code::kUnauthenticated:
      return Status::Unauthenticated(std::move(message));
    case Status::Code::kPermissionDenied:
      return Status::PermissionDenied(std::move(message));
  }
  return Status::Internal(std::move(message));
}

// "1 record", "2 records"; `plural` defaults to `one` + "s".
std::string Plural(int64_t n, const char* one, const char* plural = nullptr) {
  if (n == 1) return "1 " + std::string(one);
  return std::to_string(n) + " " + (plural ? std::string(plural) : std::string(one) + "s");
}

// Accumulates records into batches within the limits and submits each, retrying Unavailable.
class BatchSender {
 public:
  BatchSender(Uplink& uplink, const std::string& server_id, const BackfillOptions& options,
              BackfillCounts* counts)
      : uplink_(uplink),
        server_id_(server_id),
        options_(options),
        max_records_(std::max<size_t>(options.max_batch_records, 1)),
        counts_(counts),
        rng_(std::random_device{}()) {}

  Status Add(JobRecord&& record) {
    const size_t bytes = EstimateRecordBytes(record);
    if (!batch_.empty() &&
        (batch_.size() >= max_records_ || batch_bytes_ + bytes > options_.max_batch_bytes)) {
      RAMETTE_RETURN_IF_ERROR(Send());
    }
    batch_.push_back(std::move(record));
    batch_bytes_ += bytes;
    return Status::Ok();
  }

  // Sends what is left and waits for every batch in flight; the first error wins.
  Status Flush() {
    Status st = batch_.empty() ? Status::Ok() : Send();
    while (!in_flight_.empty()) {
      Status done = in_flight_.front().get();
      in_flight_.pop_front();
      if (st.ok()) st = done;
    }
    return st;
  }

 private:
  using Batch = std::shared_ptr<std::vector<JobRecord>>;

  // Hands the current batch to a sending thread, first waiting for the oldest one when
  // max_in_flight are already out.
  Status Send() {
    auto batch = std::make_shared<std::vector<JobRecord>>(std::move(batch_));
    batch_.clear();
    batch_bytes_ = 0;
    if (options_.max_in_flight <= 1) return SendBatch(batch);
    while (static_cast<int>(in_flight_.size()) >= options_.max_in_flight) {
      Status done = in_flight_.front().get();
      in_flight_.pop_front();
      if (!done.ok()) return done;
    }
    in_flight_.push_back(
        std::async(std::launch::async, [this, batch] { return SendBatch(batch); }));
    return Status::Ok();
  }

  // The jitter source of every batch's Backoff: options.uniform01, or the shared PRNG.
  double Uniform01() {
    std::lock_guard<std::mutex> lock(mu_);
    if (options_.uniform01) return options_.uniform01();
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }

  void Sleep(std::chrono::milliseconds d) {
    if (options_.sleep) {
      options_.sleep(d);
    } else {
      std::this_thread::sleep_for(d);
    }
  }

  Status SendBatch(const Batch& batch) {
    Backoff backoff(
        options_.initial_backoff, options_.max_backoff, [this] { return Uniform01(); },
        options_.jitter);
    for (int attempt = 1;; ++attempt) {
      Result<std::vector<SubmitResult>> results = uplink_.SubmitJobs(server_id_, *batch);
      if (results.ok()) return Tally(*batch, *results);
      const Status& error = results.status();
      if (error.code() != Status::Code::kUnavailable) return error;
      if (options_.max_attempts > 0 && attempt >= options_.max_attempts) {
        return Status::Unavailable("aggregator still unavailable after " +
                                   Plural(attempt, "attempt") + ": " + error.message());
      }
      const std::chrono::milliseconds delay = backoff.NextDelay();
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++counts_->retries;
        if (options_.on_retry) options_.on_retry(error, attempt, delay);
      }
      Sleep(delay);
    }
  }

  Status Tally(const std::vector<JobRecord>& batch, const std::vector<SubmitResult>& results) {
    std::lock_guard<std::mutex> lock(mu_);
    if (results.size() != batch.size()) {
      return Status::Internal("the uplink answered " + std::to_string(results.size()) +
                              " results for " + std::to_string(batch.size()) + " records");
    }
    for (size_t i = 0; i < results.size(); ++i) {
      switch (results[i].kind) {
        case SubmitResult::Kind::kAccepted:
          ++counts_->accepted;
          break;
        case SubmitResult::Kind::kDuplicate:
          ++counts_->duplicate;
          break;
        case SubmitResult::Kind::kRejected:
          ++counts_->rejected;
          if (options_.on_rejected) options_.on_rejected(batch[i], results[i].reason);
          break;
      }
    }
    counts_->records_sent += static_cast<int64_t>(batch.size());
    ++counts_->batches;
    if (options_.on_batch) options_.on_batch(*counts_);
    return Status::Ok();
  }

  Uplink& uplink_;
  const std::string& server_id_;
  const BackfillOptions& options_;
  const size_t max_records_;
  BackfillCounts* counts_;
  std::minstd_rand rng_;
  std::vector<JobRecord> batch_;
  size_t batch_bytes_ = 0;
  std::mutex mu_;  // guards counts_, rng_, options_.uniform01 and the observers
  std::deque<std::future<Status>> in_flight_;
};

}  // namespace

size_t EstimateRecordBytes(const JobRecord& r) {
  return kRecordOverheadBytes + r.queue.size() + r.job_uuid.size() + r.user.size() +
         r.client_host.size() + r.media.size() + (r.title ? r.title->size() : 0);
}

Result<BackfillCounts> RunBackfill(JobRecordSource& source, Uplink& uplink,
                                   const std::string& server_id, const BackfillOptions& options) {
  BackfillCounts counts;
  BatchSender sender(uplink, server_id, options, &counts);
  Status st = source.ReadAll([&](std::vector<JobRecord>&& batch) -> Status {
    for (JobRecord& record : batch) RAMETTE_RETURN_IF_ERROR(sender.Add(std::move(record)));
    return Status::Ok();
  });
  Status flushed = sender.Flush();  // also waits for the batches in flight
  if (st.ok()) st = flushed;
  const SourceCounts read = source.counts();
  counts.lines_read = read.lines_read;
  counts.malformed_lines = read.malformed_lines;
  counts.skipped_lines = read.skipped_lines;
  counts.jobs_found = read.jobs;
  if (!st.ok()) {
    return WithMessage(st, "backfill stopped: " + st.message() + " (" +
                               Plural(counts.records_sent, "record") +
                               " acknowledged by the aggregator before that)");
  }
  return counts;
}

std::string FormatBackfillCounts(const BackfillCounts& c) {
  std::string skipped;
  if (c.skipped_lines > 0) skipped = ", " + std::to_string(c.skipped_lines) + " not page logging";
  return "read " + Plural(c.lines_read, "line") + " (" + std::to_string(c.malformed_lines) +
         " malformed" + skipped + "), found " + Plural(c.jobs_found, "job") + "; sent " +
         std::to_string(c.records_sent) + ": " + std::to_string(c.accepted) + " accepted, " +
         std::to_string(c.duplicate) + " duplicate, " + std::to_string(c.rejected) + " rejected (" +
         Plural(c.batches, "batch", "batches") + ", " + Plural(c.retries, "retry", "retries") + ")";
}

}  // namespace ramette::agent
