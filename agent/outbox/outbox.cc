// The outbox-full error and the size-bound rule shared by every Outbox implementation.
#include "agent/outbox/outbox.h"

#include <string_view>

namespace ramette::agent {

namespace {
// Status has no room for sub-codes: the full error is a FailedPrecondition with this prefix.
constexpr std::string_view kFullPrefix = "outbox full: ";
}  // namespace

Status OutboxFullError(const OutboxStats& stats, int64_t adding_records, int64_t adding_bytes) {
  return Status::FailedPrecondition(
      std::string(kFullPrefix) + "it holds " + std::to_string(stats.depth) + " records (" +
      std::to_string(stats.bytes) + " bytes) and cannot take " + std::to_string(adding_records) +
      " more (" + std::to_string(adding_bytes) + " bytes) within its limits of " +
      std::to_string(stats.limits.max_records) + " records and " +
      std::to_string(stats.limits.max_bytes) +
      " bytes; nothing was stored: the records stay in CUPS until the aggregator catches up");
}

bool IsOutboxFull(const Status& status) {
  return status.code() == Status::Code::kFailedPrecondition &&
         std::string_view(status.message()).starts_with(kFullPrefix);
}

bool FitsLimits(const OutboxLimits& limits, int64_t depth, int64_t bytes, int64_t adding_records,
                int64_t adding_bytes) {
  if (adding_records == 0) return true;
  if (depth == 0) return true;  // one oversized batch must not block the capture forever
  return depth + adding_records <= limits.max_records && bytes + adding_bytes <= limits.max_bytes;
}

}  // namespace ramette::agent
