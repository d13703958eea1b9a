// MIME assembly (base64 parts, encoded-word subject) and the delivery loop.
#include "aggregator/reports/delivery.h"

#include <cstdio>
#include <ctime>
#include <functional>

namespace ramette::aggregator::reports {
namespace {

std::string Base64(const std::string& in, bool wrap) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(in.size() * 4 / 3 + in.size() / 38 + 8);
  size_t line = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    const uint32_t b0 = static_cast<unsigned char>(in[i]);
    const uint32_t b1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0;
    const uint32_t b2 = i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0;
    const uint32_t v = (b0 << 16) | (b1 << 8) | b2;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
    line += 4;
    if (wrap && line >= 76) {
      out += "\r\n";
      line = 0;
    }
  }
  if (wrap && line > 0) out += "\r\n";
  return out;
}

// RFC 2047 encoded words of at most ~45 input bytes each, cut between UTF-8 characters.
std::string EncodeHeaderText(const std::string& text) {
  bool plain = true;
  for (unsigned char c : text) plain = plain && c >= 0x20 && c < 0x7f;
  if (plain) return text;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + 45);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(text.substr(i, end - i), false) + "?=";
    i = end;
  }
  return out;
}

std::string RfcDate(int64_t unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace

std::string BuildMimeMessage(const ReportMail& mail, const std::string& from, const std::string& to,
                             int64_t date_unix) {
  // Base64 lines never start with "--", so this boundary cannot occur inside a part.
  char boundary[64];
  std::snprintf(boundary, sizeof boundary, "--ramette-%016zx",
                std::hash<std::string>{}(mail.html_body + mail.subject + to));
  const std::string b = boundary + 2;
  std::string m;
  m += "From: " + from + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + EncodeHeaderText(mail.subject) + "\r\n";
  m += "Date: " + RfcDate(date_unix) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n";
  m += "--" + b + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += Base64(mail.html_body, true);
  for (const MailAttachment& a : mail.attachments) {
    m += "--" + b + "\r\n";
    m += "Content-Type: " + a.content_type + "; name=\"" + a.file_name + "\"\r\n";
    m += "Content-Transfer-Encoding: base64\r\n";
    m += "Content-Disposition: attachment; filename=\"" + a.file_name + "\"\r\n\r\n";
    m += Base64(a.content, true);
  }
  m += "--" + b + "--\r\n";
  return m;
}

Result<DeliveryOutcome> DeliverReports(const std::vector<ReportMail>& mails, int32_t month,
                                       const std::string& from, int64_t now_unix,
                                       MailSender& sender, store::DeliveryLog& log) {
  DeliveryOutcome outcome;
  for (const ReportMail& mail : mails) {
    Result<std::vector<std::string>> recipients = log.DirectionEmails(mail.direction);
    if (!recipients.ok()) return recipients.status();
    if (recipients->empty()) {
      outcome.directions_without_address.push_back(mail.direction);
      continue;
    }
    for (const std::string& to : *recipients) {
      Result<bool> sent = log.WasReportSent(mail.direction, month, to);
      if (!sent.ok()) return sent.status();
      if (*sent) {
        outcome.already_sent.emplace_back(mail.direction, to);
        continue;
      }
      Status st = sender.Send(from, to, BuildMimeMessage(mail, from, to, now_unix));
      if (!st.ok()) {
        outcome.failed.push_back(SendFailure{mail.direction, to, st.message()});
        continue;
      }
      RAMETTE_RETURN_IF_ERROR(log.RecordReportSent(mail.direction, month, to, now_unix));
      outcome.sent.emplace_back(mail.direction, to);
    }
  }
  return outcome;
}

}  // namespace ramette::aggregator::reports
