// IngestMetrics: counters, reason labels, the cumulative histogram and the text format.
#include "aggregator/metrics/ingest_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ramette::aggregator::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(IngestMetricsTest, ReasonLabelDropsSpecifics) {
  EXPECT_EQ(IngestMetrics::ReasonLabel("copies < 1 (got 0)"), "copies < 1");
  EXPECT_EQ(IngestMetrics::ReasonLabel("empty queue"), "empty queue");
  EXPECT_EQ(IngestMetrics::ReasonLabel(""), "unspecified");
}

TEST(IngestMetricsTest, RendersCountersHistogramAndServers) {
  IngestMetrics m;
  m.CountAccepted(5);
  m.CountDuplicate(2);
  m.CountRejected("copies < 1 (got 0)");
  m.CountRejected("copies < 1 (got -3)");
  m.CountRejected("empty queue");
  m.ObserveIngestLatency(0.0005);
  m.ObserveIngestLatency(0.003);
  m.ObserveIngestLatency(60);
  std::string text = m.Render({{"prn-\"a\"", 1700000000, 12, 1699999000},
                               {"prn-b", 1700000100, std::nullopt, std::nullopt}});
  EXPECT_THAT(text, HasSubstr("# TYPE ramette_records_total counter\n"));
  EXPECT_THAT(text, HasSubstr("ramette_records_total{outcome=\"accepted\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("ramette_records_total{outcome=\"duplicate\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("ramette_records_total{outcome=\"rejected\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("ramette_records_rejected_total{reason=\"copies < 1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("ramette_records_rejected_total{reason=\"empty queue\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ramette_ingest_duration_seconds_bucket{le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ramette_ingest_duration_seconds_bucket{le=\"0.005\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("ramette_ingest_duration_seconds_bucket{le=\"10\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("ramette_ingest_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("ramette_ingest_duration_seconds_count 3\n"));
  EXPECT_THAT(text,
              HasSubstr("ramette_server_last_contact_timestamp_seconds{server=\"prn-\\\"a\\\"\"} "
                        "1700000000\n"));
  EXPECT_THAT(text, HasSubstr("ramette_server_outbox_records{server=\"prn-\\\"a\\\"\"} 12\n"));
  EXPECT_THAT(text, HasSubstr("ramette_server_last_contact_timestamp_seconds{server=\"prn-b\"} "
                              "1700000100\n"));
  EXPECT_THAT(text, Not(HasSubstr("ramette_server_outbox_records{server=\"prn-b\"}")));
  EXPECT_EQ(m.Summary(), "records accepted 5, duplicate 2, rejected 3");
}

}  // namespace
}  // namespace ramette::aggregator::metrics
