// Sending the monthly reports by e-mail: who gets what, what was already sent, what failed.
// The mail transport (MailSender) and the sent-log (DeliveryLog) are interfaces: curl and the
// SQLite store implement them, tests use fakes.
#ifndef RAMETTE_AGGREGATOR_REPORTS_DELIVERY_H_
#define RAMETTE_AGGREGATOR_REPORTS_DELIVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "aggregator/store/delivery_log.h"
#include "common/status.h"

namespace ramette::aggregator::reports {

// Sends one message to one recipient. `message` is the whole RFC 5322 text (CRLF line ends).
// OK only when the relay accepted the message; any error (Unavailable for a refused or
// unreachable relay) means it was not accepted.
class MailSender {
 public:
  virtual ~MailSender() = default;
  virtual Status Send(const std::string& from, const std::string& recipient,
                      const std::string& message) = 0;
};

struct MailAttachment {
  std::string file_name;
  std::string content_type;  // e.g. "text/csv; charset=utf-8"
  std::string content;
};

// One direction's report as a mail: an HTML body and attachments.
struct ReportMail {
  std::string direction;
  std::string subject;  // UTF-8; encoded by BuildMimeMessage
  std::string html_body;
  std::vector<MailAttachment> attachments;
};

// The RFC 5322 / MIME text of `mail` from `from` to `to`: multipart/mixed with the HTML body
// and the attachments, each base64-encoded; the subject as an RFC 2047 encoded word; Date in
// UTC from `date_unix`. Addresses must not contain CR or LF (the import refuses them).
std::string BuildMimeMessage(const ReportMail& mail, const std::string& from, const std::string& to,
                             int64_t date_unix);

struct SendFailure {
  std::string direction;
  std::string recipient;
  std::string error;
};

struct DeliveryOutcome {
  std::vector<std::string> directions_without_address;
  std::vector<std::pair<std::string, std::string>> sent;          // (direction, recipient)
  std::vector<std::pair<std::string, std::string>> already_sent;  // skipped
  std::vector<SendFailure> failed;  // not recorded: the next run tries them again
};

// For each mail and each address of its direction: skips the (direction, month, recipient)
// already in the log, sends the others one by one and records each accepted send at once.
// A failed send is reported in the outcome and the run goes on. An error of `log` stops the
// run and is returned (a send the log could not record may be repeated by the next run).
Result<DeliveryOutcome> DeliverReports(const std::vector<ReportMail>& mails, int32_t month,
                                       const std::string& from, int64_t now_unix,
                                       MailSender& sender, store::DeliveryLog& log);

}  // namespace ramette::aggregator::reports

#endif  // RAMETTE_AGGREGATOR_REPORTS_DELIVERY_H_
