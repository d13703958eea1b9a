// IngestMetrics: the aggregator's counters (records accepted, duplicate, rejected by reason),
// the SubmitJobs latency histogram, and their Prometheus text rendering with per-server gauges.
// Core: no sockets, no SQLite; metrics/http_metrics_server.h serves the text.
#ifndef RAMETTE_AGGREGATOR_METRICS_INGEST_METRICS_H_
#define RAMETTE_AGGREGATOR_METRICS_INGEST_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/status/server_status.h"

namespace ramette::aggregator::metrics {

// One print server as the metrics show it (from the store's servers table).
struct ServerGauges {
  std::string server;
  int64_t last_contact = 0;                   // unix seconds
  std::optional<int64_t> outbox_records;      // nullopt: the agent never reported it
  std::optional<int64_t> oldest_record_unix;  // nullopt or 0: nothing waiting
};

// Thread-safe: the gRPC threads count, the metrics thread renders.
class IngestMetrics {
 public:
  // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied.
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

  void CountAccepted(int64_t n);
  void CountDuplicate(int64_t n);
  // `reason` is a record's rejection reason; it is reduced to its kind (ReasonLabel).
  void CountRejected(const std::string& reason, int64_t n = 1);
  // A SubmitJobs call that failed as a whole (bad server id, storage trouble).
  void CountFailedCall();
  // The duration of one SubmitJobs call, validation and durable commit included.
  void ObserveIngestLatency(double seconds);

  // "records accepted N, duplicate N, rejected N" since start (the service's STATUS= line).
  std::string Summary() const;

  // The Prometheus text exposition (version 0.0.4) of every metric, plus `servers`' gauges.
  std::string Render(const std::vector<ServerGauges>& servers) const;

  // A rejection reason without its specifics ("copies < 1 (got 0)" -> "copies < 1"), so that
  // label values stay few.
  static std::string ReasonLabel(const std::string& reason);

 private:
  mutable std::mutex mu_;
  int64_t accepted_ = 0;
  int64_t duplicate_ = 0;
  int64_t failed_calls_ = 0;
  std::map<std::string, int64_t> rejected_;                      // by ReasonLabel
  std::array<int64_t, kLatencyBuckets.size()> bucket_counts_{};  // not cumulative
  int64_t latency_count_ = 0;
  double latency_sum_ = 0;
};

// The gauges of `servers` (as ServerStatuses gives them).
std::vector<ServerGauges> GaugesOf(const std::vector<store::ServerStatus>& servers);

// A Prometheus label value with \, " and newline escaped.
std::string EscapeLabelValue(const std::string& value);

}  // namespace ramette::aggregator::metrics

#endif  // RAMETTE_AGGREGATOR_METRICS_INGEST_METRICS_H_
