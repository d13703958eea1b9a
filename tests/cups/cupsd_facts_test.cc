// What a real cupsd reports for finished jobs, read through libcups as the agent will: the facts
// DESIGN.md's sheets rule rests on (job-impressions-completed counts every copy; CUPS's own
// job-media-sheets-completed halves with integer division, so it is not trusted).
#include <cups/cups.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "aggregator/ingest/sheets.h"
#include "tests/cups/private_cupsd.h"

namespace ramette {
namespace {

struct JobFacts {
  int state = 0;
  int impressions = -1;
  int cups_sheets = -1;
  int copies = -1;
  std::string sides;
  std::string user;
  int completed_at = -1;
};

JobFacts ReadJob(http_t* http, int job_id) {
  ipp_t* req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, "ipp://localhost/");
  ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, "root");
  ipp_t* resp = cupsDoRequest(http, req, "/");
  JobFacts f;
  if (resp == nullptr) return f;
  auto integer = [&](const char* name) {
    ipp_attribute_t* a = ippFindAttribute(resp, name, IPP_TAG_ZERO);
    return a ? ippGetInteger(a, 0) : -1;
  };
  auto text = [&](const char* name) {
    ipp_attribute_t* a = ippFindAttribute(resp, name, IPP_TAG_ZERO);
    const char* s = a ? ippGetString(a, 0, nullptr) : nullptr;
    return std::string(s ? s : "");
  };
  f.state = integer("job-state");
  f.impressions = integer("job-impressions-completed");
  f.cups_sheets = integer("job-media-sheets-completed");
  f.copies = integer("copies");
  f.sides = text("sides");
  f.user = text("job-originating-user-name");
  f.completed_at = integer("time-at-completed");
  ippDelete(resp);
  return f;
}

JobFacts WaitFinished(http_t* http, int job_id) {
  JobFacts f;
  for (int i = 0; i < 300; ++i) {
    f = ReadJob(http, job_id);
    if (f.state >= IPP_JSTATE_CANCELED) return f;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return f;
}

// A private cupsd with queue q1, and an IPP connection to it.
class CupsdFactsTest : public ::testing::Test {
 protected:
  void Start(testing::PrivateCupsdOptions options = {}) {
    auto cupsd = testing::PrivateCupsd::Start(options);
    ASSERT_TRUE(cupsd.ok()) << cupsd.status().message();
    cupsd_ = std::move(*cupsd);
    ASSERT_TRUE(cupsd_->AddQueue("q1").ok());
    http_ = httpConnect2("127.0.0.1", cupsd_->port(), nullptr, AF_INET, HTTP_ENCRYPTION_NEVER, 1,
                         10000, nullptr);
    ASSERT_NE(http_, nullptr);
  }
  void TearDown() override {
    if (http_ != nullptr) httpClose(http_);
  }
  std::unique_ptr<testing::PrivateCupsd> cupsd_;
  http_t* http_ = nullptr;
};

TEST_F(CupsdFactsTest, ImpressionsCountCopiesAndCupsSheetsAreNotTrusted) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto& c = *cupsd_;
  http_t* http = http_;

  // 3 pages, two-sided, 3 copies.
  auto id = c.Print("q1", c.WriteDocument(3), {"-n", "3", "-o", "sides=two-sided-long-edge"});
  ASSERT_TRUE(id.ok()) << id.status().message();
  JobFacts f = WaitFinished(http, *id);
  EXPECT_EQ(f.state, IPP_JSTATE_COMPLETED);
  EXPECT_EQ(f.impressions, 9);  // 3 pages x 3 copies
  EXPECT_EQ(f.cups_sheets, 4);  // CUPS: 9 / 2 with integer division
  EXPECT_EQ(f.copies, 3);
  EXPECT_EQ(f.sides, "two-sided-long-edge");
  EXPECT_EQ(f.user, "root");
  JobRecord r;
  r.impressions_completed = f.impressions;
  r.copies = f.copies;
  r.sides = Sides::kTwoSidedLongEdge;
  r.state = JobState::kCompleted;
  EXPECT_EQ(aggregator::ingest::ComputeSheets(r), 6);  // 3 x ceil(3 / 2)

  // 5 pages one-sided, 2-up: 3 impressions.
  id = c.Print("q1", c.WriteDocument(5), {"-o", "number-up=2"});
  ASSERT_TRUE(id.ok());
  f = WaitFinished(http, *id);
  EXPECT_EQ(f.impressions, 3);
}

// A finished job restarted (`lp -i ID -H restart`, IPP Restart-Job) prints again under the same
// job id, with a new time-at-completed. What job-impressions-completed says then decides how the
// agent reports a reprint.
TEST_F(CupsdFactsTest, RestartedJobPrintsAgainUnderItsId) {
  testing::PrivateCupsdOptions options;
  options.preserve_job_files = true;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  auto& c = *cupsd_;
  http_t* http = http_;
  auto id = c.Print("q1", c.WriteDocument(3));
  ASSERT_TRUE(id.ok()) << id.status().message();
  JobFacts first = WaitFinished(http, *id);
  ASSERT_EQ(first.state, IPP_JSTATE_COMPLETED);
  EXPECT_EQ(first.impressions, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto restarted =
      testing::RunCommand("lp -h " + c.server() + " -i " + std::to_string(*id) + " -H restart");
  ASSERT_TRUE(restarted.ok()) << restarted.status().message();
  JobFacts second;
  for (int i = 0; i < 300; ++i) {
    second = ReadJob(http, *id);
    if (second.state == IPP_JSTATE_COMPLETED && second.completed_at != first.completed_at) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(second.state, IPP_JSTATE_COMPLETED);
  EXPECT_GT(second.completed_at, first.completed_at);
  // job-impressions-completed counts both runs: a reprint is the difference, and its sheets are
  // those of the second run alone (two runs of 3 two-sided pages take 4 sheets, not ceil(6/2)).
  EXPECT_EQ(second.impressions, 6);
}

}  // namespace
}  // namespace ramette
