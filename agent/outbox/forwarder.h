// Forwarder: the agent's sending side of the outbox (osquery-style buffered forwarding). It sends
// the oldest records to the aggregator in bounded batches, removes exactly what was acknowledged
// and backs off, without limit, while the aggregator cannot take them.
#ifndef RAMETTE_AGENT_OUTBOX_FORWARDER_H_
#define RAMETTE_AGENT_OUTBOX_FORWARDER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/outbox/outbox.h"
#include "agent/outbox/sleeper.h"
#include "agent/uplink/backoff.h"
#include "agent/uplink/uplink.h"
#include "common/status.h"

namespace ramette::agent {

enum class LogLevel { kInfo, kWarn, kError };
// Receives the forwarder's log lines; must not throw.
using LogFunction = std::function<void(LogLevel, const std::string&)>;

struct ForwarderOptions {
  std::string server_id;  // sent with every call
  // A batch is at most this many records, and at most this many bytes of estimated serialized
  // size: each record's encoded size plus kWireOverheadPerRecord. A single larger record still
  // goes, alone. Both must be positive.
  int64_t max_batch_records = 500;
  int64_t max_batch_bytes = 256 * 1024;
  // Retry delays after failures: see Backoff.
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(2)};
  // How long Run waits before looking at an empty outbox again (Wake ends the wait earlier).
  std::chrono::milliseconds idle_poll{1000};
  LogFunction log;                    // null: spdlog
  std::function<double()> uniform01;  // jitter source in [0, 1]; null: a seeded PRNG
};

// What one ForwardOnce did.
struct ForwardStep {
  int64_t sent = 0;  // records sent and then removed from the outbox; 0: the outbox was empty
  int64_t accepted = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;  // quarantined by the aggregator, logged at warn level, removed too
};

// Not thread-safe, except Wake: one thread calls ForwardOnce or Run. The outbox, uplink and
// sleeper must outlive the forwarder.
class Forwarder {
 public:
  // Added to each record's encoded size to estimate its share of a call's protobuf message
  // (field tags, the repeated-field header).
  static constexpr int64_t kWireOverheadPerRecord = 32;

  Forwarder(Outbox* outbox, Uplink* uplink, Sleeper* sleeper, ForwarderOptions options);

  // One call: peeks the oldest records within the batch bounds, sends the leading run of one kind
  // (jobs with SubmitJobs, queues with SubmitQueues, so order is kept across kinds), and removes
  // the records the aggregator acknowledged (accepted, duplicate or rejected). On any error,
  // nothing was removed and the error is returned: the outbox's (Peek, Remove), the uplink's
  // (Unavailable, InvalidArgument, ...), or Internal when the answer does not match the batch.
  // A record whose Remove failed after it was acknowledged is sent again later (the aggregator
  // answers duplicate). Does not sleep.
  Result<ForwardStep> ForwardOnce();

  // Calls ForwardOnce until `stop` is requested: at once again after records were sent, after
  // idle_poll (or a Wake) when the outbox was empty, after a Backoff delay when it failed (logged;
  // retried without limit; the delay resets after a success).
  void Run(std::stop_token stop);

  // Tells Run that records were appended, ending its idle wait (not a backoff). Thread-safe.
  void Wake() { sleeper_->Wake(); }

  // The retry state (failures in a row, the next delay's ceiling).
  const Backoff& backoff() const { return backoff_; }

 private:
  // Sends the first `n` records of `batch`, all of type Record, and removes the acknowledged ones.
  template <typename Record>
  Result<ForwardStep> SendRun(std::vector<OutboxEntry>& batch, size_t n);
  void Log(LogLevel level, const std::string& message) const;

  Outbox* const outbox_;
  Uplink* const uplink_;
  Sleeper* const sleeper_;
  const ForwarderOptions options_;
  Backoff backoff_;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_OUTBOX_FORWARDER_H_
