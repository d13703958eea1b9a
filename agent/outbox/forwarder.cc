// Forwarder: batch selection by kind and estimated size, the acknowledgement bookkeeping, and the
// retry loop.
#include "agent/outbox/forwarder.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <utility>
#include <variant>
#include <vector>

namespace ramette::agent {

namespace {

std::string Seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string Describe(const JobRecord& j) {
  return "job " + std::to_string(j.cups_job_id) + " of queue '" + j.queue + "' (completed at " +
         std::to_string(j.completed_at) + ")";
}

std::string Describe(const QueueRecord& q) { return "queue record '" + q.name + "'"; }

Result<std::vector<SubmitResult>> Submit(Uplink& uplink, const std::string& server_id,
                                         const std::vector<JobRecord>& jobs) {
  return uplink.SubmitJobs(server_id, jobs);
}

Result<std::vector<SubmitResult>> Submit(Uplink& uplink, const std::string& server_id,
                                         const std::vector<QueueRecord>& queues) {
  return uplink.SubmitQueues(server_id, queues);
}

}  // namespace

Forwarder::Forwarder(Outbox* outbox, Uplink* uplink, Sleeper* sleeper, ForwarderOptions options)
    : outbox_(outbox),
      uplink_(uplink),
      sleeper_(sleeper),
      options_(std::move(options)),
      backoff_(options_.initial_backoff, options_.max_backoff, options_.uniform01) {}

void Forwarder::Log(LogLevel level, const std::string& message) const {
  if (options_.log) {
    options_.log(level, message);
    return;
  }
  switch (level) {
    case LogLevel::kInfo:
      spdlog::info("{}", message);
      break;
    case LogLevel::kWarn:
      spdlog::warn("{}", message);
      break;
    case LogLevel::kError:
      spdlog::error("{}", message);
      break;
  }
}

Result<ForwardStep> Forwarder::ForwardOnce() {
  Result<std::vector<OutboxEntry>> peeked =
      outbox_->Peek(options_.max_batch_records, options_.max_batch_bytes);
  if (!peeked.ok()) return peeked.status();
  std::vector<OutboxEntry>& batch = *peeked;
  if (batch.empty()) return ForwardStep{};

  // The leading run of one kind, within the estimated wire size (at least one record).
  const size_t kind = batch.front().item.index();
  size_t n = 0;
  int64_t wire_bytes = 0;
  for (const OutboxEntry& e : batch) {
    if (e.item.index() != kind) break;
    const int64_t size = e.size_bytes + kWireOverheadPerRecord;
    if (n > 0 && wire_bytes + size > options_.max_batch_bytes) break;
    wire_bytes += size;
    ++n;
  }
  return std::holds_alternative<JobRecord>(batch.front().item) ? SendRun<JobRecord>(batch, n)
                                                               : SendRun<QueueRecord>(batch, n);
}

template <typename Record>
Result<ForwardStep> Forwarder::SendRun(std::vector<OutboxEntry>& batch, size_t n) {
  std::vector<Record> records;
  records.reserve(n);
  for (size_t i = 0; i < n; ++i) records.push_back(std::move(std::get<Record>(batch[i].item)));
  Result<std::vector<SubmitResult>> results = Submit(*uplink_, options_.server_id, records);
  if (!results.ok()) return results.status();
  if (results->size() != n) {
    return Status::Internal("the aggregator answered " + std::to_string(results->size()) +
                            " results for " + std::to_string(n) +
                            " records; nothing was removed from the outbox");
  }

  ForwardStep step;
  std::vector<int64_t> ids;
  ids.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const SubmitResult& r = (*results)[i];
    switch (r.kind) {
      case SubmitResult::Kind::kAccepted:
        ++step.accepted;
        break;
      case SubmitResult::Kind::kDuplicate:
        ++step.duplicates;
        break;
      case SubmitResult::Kind::kRejected:
        ++step.rejected;
        Log(LogLevel::kWarn, "the aggregator rejected " + Describe(records[i]) + ": " + r.reason +
                                 " (quarantined there; removed from the outbox)");
        break;
    }
    ids.push_back(batch[i].id);
  }
  RAMETTE_RETURN_IF_ERROR(outbox_->Remove(ids));
  step.sent = static_cast<int64_t>(n);
  return step;
}

void Forwarder::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Result<ForwardStep> step = ForwardOnce();
    if (!step.ok()) {
      const std::chrono::milliseconds delay = backoff_.NextDelay();
      const bool transient = step.status().code() == Status::Code::kUnavailable;
      Log(transient ? LogLevel::kWarn : LogLevel::kError,
          "cannot forward records (attempt " + std::to_string(backoff_.failures()) +
              "): " + step.status().ToString() + "; retrying in " + Seconds(delay));
      sleeper_->Sleep(delay, /*wakeable=*/false, stop);
      continue;
    }
    if (backoff_.failures() > 0) {
      Log(LogLevel::kInfo,
          "forwarding resumed after " + std::to_string(backoff_.failures()) + " failed attempts");
      backoff_.Reset();
    }
    if (step->sent == 0) sleeper_->Sleep(options_.idle_poll, /*wakeable=*/true, stop);
  }
}

}  // namespace ramette::agent
