// CurlMailSender against a real SMTP server (aiosmtpd, tests/smtp/) on 127.0.0.1: a message
// arrives intact, a 451 on DATA is an error and the next attempt goes through, an unreachable
// relay is an error.
#include "aggregator/reports/curl_mail_sender.h"

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "tests/smtp/smtp_sink.h"

namespace ramette::aggregator {
namespace {

using ramette::testing::SmtpSink;
using ::testing::HasSubstr;

class CurlMailSenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  void SetUp() override {
    if (!SmtpSink::Available()) GTEST_SKIP() << "python3-aiosmtpd is not installed";
    char tmpl[] = "/tmp/ramette-smtp-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<SmtpSink> Sink(int refusals) {
    std::string error;
    auto sink = SmtpSink::Start(dir_ + "/mail", refusals, &error);
    EXPECT_NE(sink, nullptr) << error;
    return sink;
  }
  std::string Message() {
    ReportMail m;
    m.direction = "DAF";
    m.subject = "Impressions de mars 2018 — DAF";
    m.html_body = "<p>Bonjour</p>";
    m.attachments.push_back(MailAttachment{"r.csv", "text/csv; charset=utf-8", "a;b\r\n"});
    return BuildMimeMessage(m, "ramette@example.org", "daf@example.org", 1522540800);
  }
  std::string dir_;
};

TEST_F(CurlMailSenderTest, DeliversToTheRelay) {
  auto sink = Sink(0);
  ASSERT_NE(sink, nullptr);
  CurlMailSender sender(SmtpSettings{sink->url(), "ramette@example.org", "", "", false, 10});
  Status st = sender.Send("ramette@example.org", "daf@example.org", Message());
  ASSERT_TRUE(st.ok()) << st.message();
  auto messages = sink->Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_THAT(messages[0], HasSubstr("X-Envelope-To: daf@example.org"));
  EXPECT_THAT(messages[0], HasSubstr("X-Envelope-From: ramette@example.org"));
  EXPECT_THAT(messages[0], HasSubstr("PHA+Qm9uam91cjwvcD4="));  // <p>Bonjour</p>
}

TEST_F(CurlMailSenderTest, RelayRefusingOnceFailsThenAccepts) {
  auto sink = Sink(1);
  ASSERT_NE(sink, nullptr);
  CurlMailSender sender(SmtpSettings{sink->url(), "ramette@example.org", "", "", false, 10});
  Status first = sender.Send("ramette@example.org", "daf@example.org", Message());
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.code(), Status::Code::kUnavailable);
  EXPECT_THAT(first.message(), HasSubstr("451"));
  EXPECT_TRUE(sink->Messages().empty());
  Status second = sender.Send("ramette@example.org", "daf@example.org", Message());
  ASSERT_TRUE(second.ok()) << second.message();
  EXPECT_EQ(sink->Messages().size(), 1u);
}

TEST_F(CurlMailSenderTest, UnreachableRelayAndMissingUrl) {
  const int port = SmtpSink::FreeLoopbackPort();
  CurlMailSender sender(
      SmtpSettings{"smtp://127.0.0.1:" + std::to_string(port), "r@example.org", "", "", false, 5});
  Status st = sender.Send("r@example.org", "daf@example.org", Message());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kUnavailable);
  CurlMailSender unconfigured(SmtpSettings{});
  EXPECT_EQ(unconfigured.Send("r@example.org", "d@example.org", "x").code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace ramette::aggregator
