// What a real cupsd reports for finished jobs, read through libcups as the agent will: the facts
// DESIGN.md's sheets rule rests on (job-impressions-completed counts every copy; CUPS's own
// job-media-sheets-completed halves with integer division, so it is not trusted).
#include <cups/cups.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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
  std::string printer_uri;
  std::string printer_uri_actual;
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
  f.printer_uri = text("job-printer-uri");
  f.printer_uri_actual = text("job-printer-uri-actual");
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
  options.page_log = true;
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
  // page_log gets one total line per run, each with the cumulative count: "total 3", then
  // "total 6" (the backfill reads the job as one, with 6 impressions at the later time).
  std::vector<std::string> totals;
  std::istringstream lines(testing::Slurp(c.page_log_path()));
  std::string line;
  while (std::getline(lines, line)) {
    const size_t at = line.find("] total ");
    if (at != std::string::npos)
      totals.push_back(line.substr(at + 2, line.find(' ', at + 8) - at - 2));
  }
  EXPECT_EQ(totals, (std::vector<std::string>{"total 3", "total 6"}));
}

// A job sent to a class is printed by one member: cupsd names it in job-printer-uri-actual, while
// job-printer-uri keeps the class. page_log's %p is the job's destination (scheduler/log.c copies
// job->dest): the class. So live capture counts a class's job on its member, and a backfilled
// one on the class (until its live record, if any, supersedes it).
TEST_F(CupsdFactsTest, ClassJobNamesTheMemberThatPrintedIt) {
  testing::PrivateCupsdOptions options;
  options.page_log = true;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  auto& c = *cupsd_;
  ASSERT_TRUE(c.AddQueue("q2").ok());
  ASSERT_TRUE(c.AddClass("floor2", {"q1", "q2"}).ok());
  std::map<int, std::string> members;
  for (int i = 0; i < 4; ++i) {
    auto id = c.Print("floor2", c.WriteDocument(1));
    ASSERT_TRUE(id.ok()) << id.status().message();
    JobFacts f = WaitFinished(http_, *id);
    EXPECT_EQ(f.state, IPP_JSTATE_COMPLETED);
    EXPECT_NE(f.printer_uri.find("/classes/floor2"), std::string::npos) << f.printer_uri;
    const size_t slash = f.printer_uri_actual.rfind("/printers/");
    ASSERT_NE(slash, std::string::npos) << "job " << *id << ": " << f.printer_uri_actual;
    members[*id] = f.printer_uri_actual.substr(slash + 10);
    EXPECT_TRUE(members[*id] == "q1" || members[*id] == "q2") << members[*id];
  }
  // page_log's %p (the first field) names the class, not the member.
  std::map<int, std::string> logged;
  for (int i = 0; i < 50 && logged.size() < members.size(); ++i) {
    logged.clear();
    std::istringstream lines(testing::Slurp(c.page_log_path()));
    std::string line, printer, user;
    int job = 0;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      if (fields >> printer >> user >> job) logged[job] = printer;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(logged.size(), members.size());
  for (const auto& [job, printer] : logged) EXPECT_EQ(printer, "floor2") << "job " << job;
}

// cupsd answers at most 500 jobs to a Get-Jobs whose attributes need the job files, as lpstat's
// do (scheduler/ipp.c get_jobs); asked for job-id only it answers every one. The system tests
// count what cupsd printed with the latter (PrivateCupsd::FinishedJobIds).
TEST_F(CupsdFactsTest, GetJobsAnswers500JobsUnlessAskedForTheIdOnly) {
  testing::PrivateCupsdOptions options;
  options.max_jobs = 0;  // keep every finished job
  ASSERT_NO_FATAL_FAILURE(Start(options));
  auto& c = *cupsd_;
  const std::string doc = c.WriteDocument(1);
  const std::string print = "for i in $(seq 520); do lp -h " + c.server() + " -d q1 '" + doc +
                            "' >/dev/null || exit 1; done";
  ASSERT_EQ(std::system(print.c_str()), 0);
  for (int i = 0; i < 600; ++i) {
    auto pending = testing::RunCommand("lpstat -h " + c.server() + " -W not-completed -o");
    if (pending.ok() && pending->empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto ids = c.FinishedJobIds();
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  EXPECT_EQ(ids->size(), 520u);
  auto listed = testing::RunCommand("lpstat -h " + c.server() + " -W completed -o");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(std::count(listed->begin(), listed->end(), '\n'), 500);
}

}  // namespace
}  // namespace ramette
