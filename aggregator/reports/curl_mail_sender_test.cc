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

namespace ramette::aggregator::reports {
namespace {

using ramette::testing::SmtpSink;
using ::testing::HasSubstr;

// Settings for a relay at `url`, from ramette@example.org, without login.
SmtpSettings Relay(const std::string& url, bool require_tls = false, std::string ca_file = "") {
  SmtpSettings s;
  s.url = url;
  s.from = "ramette@example.org";
  s.require_tls = require_tls;
  s.timeout_seconds = 10;
  s.ca_file = std::move(ca_file);
  return s;
}

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
  CurlMailSender sender(Relay(sink->url()));
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
  CurlMailSender sender(Relay(sink->url()));
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
  CurlMailSender sender(Relay("smtp://127.0.0.1:" + std::to_string(port)));
  Status st = sender.Send("r@example.org", "daf@example.org", Message());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kUnavailable);
  CurlMailSender unconfigured(SmtpSettings{});
  EXPECT_EQ(unconfigured.Send("r@example.org", "d@example.org", "x").code(),
            Status::Code::kInvalidArgument);
}

TEST_F(CurlMailSenderTest, UsesStartTlsWhenTheRelayOffersIt) {
  // A self-signed certificate for 127.0.0.1, trusted through ca_file.
  const std::string cert = dir_ + "/relay.pem", key = dir_ + "/relay.key";
  const std::string openssl =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  if (std::system(openssl.c_str()) != 0) GTEST_SKIP() << "openssl cannot make a certificate";
  std::string error;
  auto tls_sink = SmtpSink::Start(dir_ + "/tls-mail", 0, &error, cert, key);
  ASSERT_NE(tls_sink, nullptr) << error;
  SmtpSettings settings = Relay(tls_sink->url(), /*require_tls=*/true, cert);
  CurlMailSender sender(settings);
  Status st = sender.Send("ramette@example.org", "daf@example.org", Message());
  ASSERT_TRUE(st.ok()) << st.message();
  auto messages = tls_sink->Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_THAT(messages[0], HasSubstr("X-Starttls: yes"));

  // A relay that does not offer STARTTLS: sent in clear by default, refused with require_tls.
  auto plain = Sink(0);
  ASSERT_NE(plain, nullptr);
  SmtpSettings clear = Relay(plain->url());
  ASSERT_TRUE(CurlMailSender(clear).Send("ramette@example.org", "d@example.org", Message()).ok());
  EXPECT_THAT(plain->Messages().at(0), HasSubstr("X-Starttls: no"));
  clear.require_tls = true;
  EXPECT_FALSE(CurlMailSender(clear).Send("ramette@example.org", "d@example.org", Message()).ok());
  EXPECT_EQ(plain->Messages().size(), 1u);
}

}  // namespace
}  // namespace ramette::aggregator::reports
