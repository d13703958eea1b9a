// The checks against the fake cupsd, the in-memory outbox and the fake uplink: all well,
// hidden names (with the cupsd.conf lines), page logging off, unsafe MaxJobs, aggregator down or
// refusing, old or missing outbox, cupsd down.
#include "agent/check/health_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/outbox/memory_outbox.h"
#include "tests/fakes/fake_cups_source.h"
#include "tests/fakes/fake_uplink.h"

namespace ramette::agent {
namespace {

using ::ramette::testing::FakeUplink;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1700000000;

class HealthCheckTest : public ::testing::Test {
 protected:
  HealthCheckTest() : outbox_(OutboxLimits{100, 1 << 20}, [] { return kNow * 1000 - 60000; }) {
    CupsPrinter printer;
    printer.name = "q1";
    cups_.AddPrinter(printer);
    int32_t id = cups_.SubmitJob();
    cups_.SetJobState(id, CupsJobState::kCompleted);
    in_.cups = &cups_;
    in_.cupsd_conf = "LogLevel warn\nPageLogFormat %p %u %j\n";
    in_.outbox = &outbox_;
    in_.outbox_path = "/var/lib/ramette/agent/outbox.db";
    in_.uplink = &uplink_;
    in_.aggregator = "agg:50551";
    in_.server_id = "prn-a";
    in_.now_unix = kNow;
  }

  std::vector<std::string> Lines() {
    std::vector<std::string> out;
    for (const Finding& f : RunChecks(in_)) out.push_back(FormatFinding(f));
    return out;
  }
  std::string Joined() {
    std::string s;
    for (const auto& l : Lines()) s += l + "\n";
    return s;
  }

  using CupsJobState = agent::CupsJobState;
  testing::FakeCupsSource cups_;
  MemoryOutbox outbox_;
  FakeUplink uplink_;
  CheckInputs in_;
};

TEST_F(HealthCheckTest, AllWell) {
  ASSERT_TRUE(outbox_.Append({JobRecord{}}, nullptr).ok());
  auto findings = RunChecks(in_);
  for (const auto& f : findings) EXPECT_EQ(f.level, Finding::Level::kOk) << FormatFinding(f);
  EXPECT_TRUE(AllOk(findings));
  const std::string text = Joined();
  EXPECT_THAT(text, HasSubstr("ok: cupsd at fake-cupsd answers (1 queues)\n"));
  EXPECT_THAT(text, HasSubstr("ok: cupsd shows user and job names to 'root'"));
  EXPECT_THAT(text, HasSubstr("ok: page logging is on (PageLogFormat %p %u %j)\n"));
  EXPECT_THAT(text, HasSubstr("ok: MaxJobs 500 is safe\n"));
  EXPECT_THAT(text, HasSubstr("ok: aggregator agg:50551 accepts server id 'prn-a'\n"));
  EXPECT_THAT(text, HasSubstr("ok: outbox holds 1 records, the oldest captured 60 s ago\n"));
  // The check is also the heartbeat: it reported the backlog.
  ASSERT_FALSE(uplink_.status_reports().empty());
  const FakeUplink::StatusReport report = uplink_.status_reports().back();
  EXPECT_EQ(report.server_id, "prn-a");
  EXPECT_EQ(report.status.outbox_records, 1);
  EXPECT_EQ(report.status.oldest_record_unix, kNow - 60);
  for (const auto& line : Lines()) EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST_F(HealthCheckTest, HiddenNamesGiveTheCupsdConfLines) {
  cups_.SetHidePrivateValues(true);
  const std::string text = Joined();
  EXPECT_THAT(text, HasSubstr("fail: 1 of 1 jobs come back without their user"));
  EXPECT_THAT(text, HasSubstr("JobPrivateAccess @OWNER @SYSTEM root"));
  EXPECT_THAT(text, HasSubstr("JobPrivateValues default"));
  EXPECT_FALSE(AllOk(RunChecks(in_)));
}

TEST_F(HealthCheckTest, PageLoggingOffAndUnreadableConf) {
  in_.cupsd_conf = "PageLogFormat\nMaxJobs 500\n";
  EXPECT_THAT(Joined(), HasSubstr("warn: page logging is off"));
  EXPECT_THAT(Joined(), HasSubstr("PageLogFormat %p %u %j %T %P %C"));
  in_.cupsd_conf = "# PageLogFormat\n";
  EXPECT_THAT(Joined(), HasSubstr("ok: page logging is on (PageLogFormat default)"));
  in_.cupsd_conf.reset();
  in_.cupsd_conf_error = "Permission denied";
  EXPECT_THAT(Joined(), HasSubstr("warn: cannot read /etc/cups/cupsd.conf (Permission denied"));
  EXPECT_EQ(PageLogFormatOf("  PageLogFormat   %p %u  \n"), "%p %u");
  EXPECT_EQ(PageLogFormatOf("PageLogFormat"), "");
  EXPECT_EQ(PageLogFormatOf("PageLog x"), std::nullopt);
}

TEST_F(HealthCheckTest, UnsafeHistorySettings) {
  CupsServerSettings s;
  s.max_jobs = 50;
  s.preserve_job_history = 0;
  cups_.set_settings(s);
  const std::string text = Joined();
  EXPECT_THAT(text, HasSubstr("fail: cupsd.conf has 'MaxJobs 50'"));
  EXPECT_THAT(text, HasSubstr("fail: cupsd.conf has 'PreserveJobHistory No'"));
}

TEST_F(HealthCheckTest, AggregatorDownOrRefusing) {
  uplink_.SetStatusAnswer(Status::Unavailable("aggregator: connection refused"));
  EXPECT_THAT(Joined(), HasSubstr("fail: aggregator agg:50551 is not reachable: aggregator: "
                                  "connection refused"));
  uplink_.SetStatusAnswer(Status::InvalidArgument("aggregator: unknown token"));
  EXPECT_THAT(Joined(), HasSubstr("fail: aggregator agg:50551 refuses server id 'prn-a'"));
}

TEST_F(HealthCheckTest, ARefusedTokenIsNotAnUnreachableAggregator) {
  uplink_.SetStatusAnswer(Status::Unauthenticated("agent token rmt_ab was revoked"));
  EXPECT_THAT(Joined(), HasSubstr("fail: aggregator agg:50551 answers but refuses this agent: "
                                  "agent token rmt_ab was revoked"));
  uplink_.SetStatusAnswer(Status::PermissionDenied("bound to server id 'prn-b'"));
  EXPECT_THAT(Joined(), HasSubstr("fail: aggregator agg:50551 answers but refuses this agent: "
                                  "bound to server id 'prn-b'"));
}

TEST_F(HealthCheckTest, AnExplanationReplacesTheGenericUnavailable) {
  uplink_.SetStatusAnswer(Status::Unavailable("aggregator: failed to connect to all addresses"));
  in_.explain_unavailable = [] { return std::string("the certificate expired"); };
  EXPECT_THAT(Joined(), HasSubstr("fail: aggregator agg:50551 is not reachable: the certificate "
                                  "expired\n"));
  in_.explain_unavailable = [] { return std::string(); };  // cannot tell: gRPC's words
  EXPECT_THAT(Joined(), HasSubstr("is not reachable: aggregator: failed to connect"));
}

TEST_F(HealthCheckTest, OutboxOldMissingOrBroken) {
  ASSERT_TRUE(outbox_.Append({JobRecord{}}, nullptr).ok());
  in_.now_unix = kNow + 7200;
  EXPECT_THAT(Joined(), HasSubstr("warn: outbox holds 1 records, the oldest captured 2 h ago: "
                                  "the aggregator has not taken them"));
  in_.outbox = nullptr;
  EXPECT_THAT(Joined(), HasSubstr("warn: no outbox at /var/lib/ramette/agent/outbox.db"));
  in_.outbox_error = "not an outbox";
  EXPECT_THAT(Joined(), HasSubstr("fail: outbox /var/lib/ramette/agent/outbox.db: not an outbox"));
}

TEST_F(HealthCheckTest, NoQueuesYet) {
  cups_.DeletePrinter("q1");
  auto lines = Lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0],
            "warn: cupsd at fake-cupsd answers but has no queues yet: add the print queues "
            "(lpadmin, or the CUPS web interface); the agent captures their jobs as soon as they "
            "exist");
}

TEST_F(HealthCheckTest, CupsdDown) {
  cups_.SetUnavailable(true);
  auto lines = Lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], StartsWith("fail: cupsd at fake-cupsd is not reachable"));
  // The aggregator and outbox are still checked.
  EXPECT_THAT(Joined(), HasSubstr("ok: aggregator agg:50551 accepts"));
}

}  // namespace
}  // namespace ramette::agent
