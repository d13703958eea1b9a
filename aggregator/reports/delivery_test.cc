// The delivery loop against fakes: directions without an address are listed, a refused send is
// retried by the next run, nothing is ever sent twice; and the MIME text it builds.
#include "aggregator/reports/delivery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/civil_time.h"
#include "tests/fakes/fake_delivery.h"

namespace ramette::aggregator::reports {
namespace {

using ramette::testing::FakeDeliveryLog;
using ramette::testing::FakeMailSender;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::vector<ReportMail> Mails() {
  std::vector<ReportMail> mails;
  for (const char* dir : {"DAF", "DRH", "DSI"}) {
    ReportMail m;
    m.direction = dir;
    m.subject = std::string("Impressions de mars 2018 — ") + dir;
    m.html_body = "<p>rapport</p>";
    m.attachments.push_back(MailAttachment{"r.csv", "text/csv; charset=utf-8", "a;b\r\n"});
    mails.push_back(m);
  }
  return mails;
}

const int32_t kMarch2018 = MonthIndex(2018, 3);

TEST(DeliveryTest, SendsEachAddressOnceAndListsDirectionsWithoutOne) {
  FakeMailSender sender;
  FakeDeliveryLog log;
  log.SetEmails("DAF", {"daf@example.org", "dir.daf@example.org"});
  log.SetEmails("DSI", {"dsi@example.org"});
  auto out = DeliverReports(Mails(), kMarch2018, "ramette@example.org", 1000, sender, log);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(out->directions_without_address, ElementsAre("DRH"));
  EXPECT_EQ(out->sent.size(), 3u);
  EXPECT_TRUE(out->failed.empty());
  ASSERT_EQ(sender.sent().size(), 3u);
  EXPECT_EQ(sender.sent()[0].recipient, "daf@example.org");
  EXPECT_EQ(sender.sent()[0].from, "ramette@example.org");

  // A second run sends nothing.
  auto again = DeliverReports(Mails(), kMarch2018, "ramette@example.org", 2000, sender, log);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->sent.empty());
  EXPECT_EQ(again->already_sent.size(), 3u);
  EXPECT_EQ(sender.attempts(), 3);
  // Another month is another report.
  auto april = DeliverReports(Mails(), kMarch2018 + 1, "r@example.org", 3000, sender, log);
  ASSERT_TRUE(april.ok());
  EXPECT_EQ(april->sent.size(), 3u);
}

TEST(DeliveryTest, RefusedSendIsRetriedByTheNextRunOnly) {
  FakeMailSender sender;
  FakeDeliveryLog log;
  log.SetEmails("DAF", {"a@example.org", "b@example.org"});
  sender.FailNext("a@example.org", 1);
  auto first = DeliverReports(Mails(), kMarch2018, "r@example.org", 1, sender, log);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->failed.size(), 1u);
  EXPECT_EQ(first->failed[0].recipient, "a@example.org");
  EXPECT_THAT(first->failed[0].error, HasSubstr("451"));
  EXPECT_THAT(first->sent, ElementsAre(Pair("DAF", "b@example.org")));
  auto second = DeliverReports(Mails(), kMarch2018, "r@example.org", 2, sender, log);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(second->sent, ElementsAre(Pair("DAF", "a@example.org")));
  EXPECT_THAT(second->already_sent, ElementsAre(Pair("DAF", "b@example.org")));
  ASSERT_EQ(sender.sent().size(), 2u);  // b once, a once
}

TEST(DeliveryTest, LogFailureStopsTheRun) {
  FakeMailSender sender;
  FakeDeliveryLog log;
  log.SetEmails("DAF", {"a@example.org", "b@example.org"});
  log.BreakRecording();
  auto out = DeliverReports(Mails(), kMarch2018, "r@example.org", 1, sender, log);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(sender.sent().size(), 1u);  // stopped after the first, unrecorded, send
}

TEST(DeliveryTest, MimeMessage) {
  ReportMail m = Mails()[0];
  const std::string text = BuildMimeMessage(m, "ramette@example.org", "daf@example.org",
                                            1522540800);  // 2018-04-01T00:00:00Z
  EXPECT_THAT(text, HasSubstr("From: ramette@example.org\r\n"));
  EXPECT_THAT(text, HasSubstr("To: daf@example.org\r\n"));
  EXPECT_THAT(text, HasSubstr("Subject: =?UTF-8?B?"));
  EXPECT_THAT(text, HasSubstr("Date: Sun, 01 Apr 2018 00:00:00 +0000\r\n"));
  EXPECT_THAT(text, HasSubstr("Content-Type: text/html; charset=utf-8"));
  EXPECT_THAT(text, HasSubstr("filename=\"r.csv\""));
  EXPECT_THAT(text, HasSubstr("PHA+cmFwcG9ydDwvcD4=\r\n"));  // base64 of <p>rapport</p>
  EXPECT_THAT(text, HasSubstr("YTtiDQo=\r\n"));              // base64 of a;b\r\n
  // Every line is at most 78 bytes plus CRLF, and every LF follows a CR.
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') continue;
    EXPECT_EQ(text[i - 1], '\r');
    EXPECT_LE(i - start, 80u);
    start = i + 1;
  }
}

}  // namespace
}  // namespace ramette::aggregator::reports
