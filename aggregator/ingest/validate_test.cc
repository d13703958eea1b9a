// Each validation rule, with the record just inside and just outside the limit.
#include "aggregator/ingest/validate.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::ingest {
namespace {

constexpr int64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z

JobRecord Good() {
  JobRecord j;
  j.queue = "compta-2e";
  j.cups_job_id = 42;
  j.user = "élodie.lefèvre";
  j.completed_at = kNow - 60;
  j.state = JobState::kCompleted;
  j.copies = 1;
  j.impressions_completed = 3;
  j.sides = Sides::kTwoSidedLongEdge;
  j.media = "iso_a4_210x297mm";
  return j;
}

TEST(ValidateTest, GoodRecordPasses) { EXPECT_EQ(ValidateJob(Good(), kNow), ""); }

TEST(ValidateTest, Counts) {
  JobRecord j = Good();
  j.copies = 0;
  EXPECT_EQ(ValidateJob(j, kNow), "copies < 1 (got 0)");
  j = Good();
  j.impressions_completed = 1000000;
  EXPECT_EQ(ValidateJob(j, kNow), "");
  j.impressions_completed = 1000001;
  EXPECT_EQ(ValidateJob(j, kNow), "impressions > 1000000 (got 1000001)");
  j.impressions_completed = -1;
  EXPECT_EQ(ValidateJob(j, kNow), "negative impressions (got -1)");
  j = Good();
  j.cups_job_id = 0;
  EXPECT_NE(ValidateJob(j, kNow), "");
}

TEST(ValidateTest, CompletionTime) {
  JobRecord j = Good();
  j.completed_at = kEarliestCompletion;
  EXPECT_EQ(ValidateJob(j, kNow), "");
  j.completed_at = kEarliestCompletion - 1;
  EXPECT_NE(ValidateJob(j, kNow).find("before 1990"), std::string::npos);
  j.completed_at = kNow + 86400;
  EXPECT_EQ(ValidateJob(j, kNow), "");
  j.completed_at = kNow + 86401;
  EXPECT_NE(ValidateJob(j, kNow).find("future"), std::string::npos);
  // The reason does not depend on when the record came: a replay is quarantined once.
  EXPECT_EQ(ValidateJob(j, kNow), ValidateJob(j, kNow - 3600));
}

TEST(ValidateTest, Strings) {
  JobRecord j = Good();
  j.queue = "";
  EXPECT_EQ(ValidateJob(j, kNow), "empty queue");
  j = Good();
  j.user = "bad\xC3(";
  EXPECT_EQ(ValidateJob(j, kNow), "invalid UTF-8 in user");
  j = Good();
  j.client_host = std::string(1024, 'h');
  EXPECT_EQ(ValidateJob(j, kNow), "");
  j.client_host = std::string(1025, 'h');
  EXPECT_EQ(ValidateJob(j, kNow), "client_host longer than 1024 bytes (1025)");
  j = Good();
  j.title = std::string("\xFF");
  EXPECT_EQ(ValidateJob(j, kNow), "invalid UTF-8 in title");
}

// A user or queue with a NUL, a line break or an escape once went into the store and showed as
// another name in reports ("DA\0F" as "DAF"). Names refuse control characters; free text that is
// never reported (a title) keeps its tabs and line breaks, but no NUL.
TEST(ValidateTest, ControlCharactersInNames) {
  JobRecord j = Good();
  j.user = std::string("ali\0ce", 6);
  EXPECT_EQ(ValidateJob(j, kNow), "control character 0x00 in user");
  j = Good();
  j.queue = "q\n1";
  EXPECT_EQ(ValidateJob(j, kNow), "control character 0x0a in queue");
  j = Good();
  j.media = "iso_a4\x1b[31m";
  EXPECT_EQ(ValidateJob(j, kNow), "control character 0x1b in media");
  j = Good();
  j.client_host = "pc\x7f";
  EXPECT_EQ(ValidateJob(j, kNow), "control character 0x7f in client_host");
  j = Good();
  j.title = "Budget\t2018\nv2";
  EXPECT_EQ(ValidateJob(j, kNow), "");
  j.title = std::string("a\0b", 3);
  EXPECT_EQ(ValidateJob(j, kNow), "control character 0x00 in title");
  QueueRecord q;
  q.name = "rdc\r";
  EXPECT_EQ(ValidateQueue(q), "control character 0x0d in name");
  q.name = "rdc";
  q.description = "Copier\n2nd floor";
  EXPECT_EQ(ValidateQueue(q), "");
}

TEST(ValidateTest, StateMustBeFinished) {
  JobRecord j = Good();
  j.state = JobState::kUnknown;
  EXPECT_NE(ValidateJob(j, kNow), "");
  j.state = JobState::kCanceled;
  EXPECT_EQ(ValidateJob(j, kNow), "");
  j.state = JobState::kAborted;
  EXPECT_EQ(ValidateJob(j, kNow), "");
}

TEST(ValidateTest, QueuesAndServerIds) {
  QueueRecord q;
  EXPECT_EQ(ValidateQueue(q), "empty queue name");
  q.name = "rdc";
  EXPECT_EQ(ValidateQueue(q), "");
  q.location = std::string(2000, 'x');
  EXPECT_NE(ValidateQueue(q), "");
  EXPECT_EQ(ValidateServerId("prn-a"), "");
  EXPECT_NE(ValidateServerId(""), "");
  EXPECT_NE(ValidateServerId("a\nb"), "");
}

}  // namespace
}  // namespace ramette::aggregator::ingest
