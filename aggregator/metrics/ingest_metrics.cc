// Counters, histogram and the Prometheus text format.
#include "aggregator/metrics/ingest_metrics.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace ramette::aggregator::metrics {
namespace {

// The shortest text that reads back as `v` ("0.005", not "0.0050000000000000001").
std::string FormatDouble(double v) {
  char buf[64];
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 && v > -1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void Header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::vector<ServerGauges> GaugesOf(const std::vector<store::ServerStatus>& servers) {
  std::vector<ServerGauges> out;
  out.reserve(servers.size());
  for (const store::ServerStatus& s : servers) {
    out.push_back({s.server, s.last_contact, s.outbox_records, s.oldest_record_unix});
  }
  return out;
}

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string IngestMetrics::ReasonLabel(const std::string& reason) {
  std::string label = reason.substr(0, reason.find(" ("));
  if (label.size() > 80) label.resize(80);
  return label.empty() ? "unspecified" : label;
}

void IngestMetrics::CountAccepted(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  accepted_ += n;
}

void IngestMetrics::CountDuplicate(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  duplicate_ += n;
}

void IngestMetrics::CountRejected(const std::string& reason, int64_t n) {
  std::string label = ReasonLabel(reason);
  std::lock_guard<std::mutex> lock(mu_);
  rejected_[label] += n;
}

void IngestMetrics::CountFailedCall() {
  std::lock_guard<std::mutex> lock(mu_);
  ++failed_calls_;
}

void IngestMetrics::ObserveIngestLatency(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      ++bucket_counts_[i];
      break;
    }
  }
  ++latency_count_;
  latency_sum_ += seconds;
}

std::string IngestMetrics::Summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t rejected = 0;
  for (const auto& [reason, n] : rejected_) rejected += n;
  return "records accepted " + std::to_string(accepted_) + ", duplicate " +
         std::to_string(duplicate_) + ", rejected " + std::to_string(rejected);
}

std::string IngestMetrics::Render(const std::vector<ServerGauges>& servers) const {
  std::ostringstream out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Header(out, "ramette_records_total", "counter",
           "Job records answered since the aggregator started, by outcome.");
    out << "ramette_records_total{outcome=\"accepted\"} " << accepted_ << '\n';
    out << "ramette_records_total{outcome=\"duplicate\"} " << duplicate_ << '\n';
    int64_t rejected = 0;
    for (const auto& [reason, n] : rejected_) rejected += n;
    out << "ramette_records_total{outcome=\"rejected\"} " << rejected << '\n';
    Header(out, "ramette_records_rejected_total", "counter",
           "Job records rejected and quarantined since the aggregator started, by reason.");
    for (const auto& [reason, n] : rejected_) {
      out << "ramette_records_rejected_total{reason=\"" << EscapeLabelValue(reason) << "\"} " << n
          << '\n';
    }
    Header(out, "ramette_submit_failures_total", "counter",
           "SubmitJobs calls refused as a whole (bad server id, storage trouble).");
    out << "ramette_submit_failures_total " << failed_calls_ << '\n';
    Header(out, "ramette_ingest_duration_seconds", "histogram",
           "Time to answer one SubmitJobs call, validation and durable commit included.");
    int64_t cumulative = 0;
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      cumulative += bucket_counts_[i];
      out << "ramette_ingest_duration_seconds_bucket{le=\"" << FormatDouble(kLatencyBuckets[i])
          << "\"} " << cumulative << '\n';
    }
    out << "ramette_ingest_duration_seconds_bucket{le=\"+Inf\"} " << latency_count_ << '\n';
    out << "ramette_ingest_duration_seconds_sum " << FormatDouble(latency_sum_) << '\n';
    out << "ramette_ingest_duration_seconds_count " << latency_count_ << '\n';
  }
  Header(out, "ramette_server_last_contact_timestamp_seconds", "gauge",
         "When each print server's agent last called the aggregator (unix seconds).");
  for (const auto& s : servers) {
    out << "ramette_server_last_contact_timestamp_seconds{server=\"" << EscapeLabelValue(s.server)
        << "\"} " << s.last_contact << '\n';
  }
  Header(out, "ramette_server_outbox_records", "gauge",
         "Records waiting in each agent's outbox, as the agent last reported.");
  for (const auto& s : servers) {
    if (!s.outbox_records) continue;
    out << "ramette_server_outbox_records{server=\"" << EscapeLabelValue(s.server) << "\"} "
        << *s.outbox_records << '\n';
  }
  Header(out, "ramette_server_outbox_oldest_record_timestamp_seconds", "gauge",
         "When the oldest record waiting in each agent's outbox was captured (absent: none).");
  for (const auto& s : servers) {
    if (!s.oldest_record_unix || *s.oldest_record_unix == 0) continue;
    out << "ramette_server_outbox_oldest_record_timestamp_seconds{server=\""
        << EscapeLabelValue(s.server) << "\"} " << *s.oldest_record_unix << '\n';
  }
  return out.str();
}

}  // namespace ramette::aggregator::metrics
