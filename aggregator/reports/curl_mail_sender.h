// MailSender over SMTP with libcurl (adapter): one connection per message, STARTTLS when the
// relay offers it (CURLUSESSL_TRY), optional login.
#ifndef RAMETTE_AGGREGATOR_REPORTS_CURL_MAIL_SENDER_H_
#define RAMETTE_AGGREGATOR_REPORTS_CURL_MAIL_SENDER_H_

#include <string>

#include "aggregator/reports/delivery.h"
#include "aggregator/reports/report_settings.h"

namespace ramette::aggregator::reports {

// Thread-compatible; curl_global_init must have run (the ramette CLI calls it in main).
class CurlMailSender final : public MailSender {
 public:
  explicit CurlMailSender(SmtpSettings settings) : settings_(std::move(settings)) {}
  // Unavailable with curl's message (the relay's reply included) when the message was not
  // accepted; InvalidArgument when no URL is configured.
  Status Send(const std::string& from, const std::string& recipient,
              const std::string& message) override;

 private:
  SmtpSettings settings_;
};

}  // namespace ramette::aggregator::reports

#endif  // RAMETTE_AGGREGATOR_REPORTS_CURL_MAIL_SENDER_H_
