// Field splitting and time parsing for page_log lines; see page_log_parser.h for the format.
#include "agent/backfill/page_log_parser.h"

#include <climits>
#include <cstring>
#include <string>
#include <utility>

#include "agent/backfill/page_log_fields.h"
#include "agent/backfill/page_log_format.h"
#include "common/civil_time.h"

namespace ramette::agent {

namespace page_log_fields {

std::string Quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  constexpr size_t kMaxQuoted = 48;
  std::string out = "'";
  size_t n = 0;
  for (unsigned char c : s) {
    if (n++ == kMaxQuoted) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += "'";
  return out;
}

}  // namespace page_log_fields

namespace {

using namespace page_log_fields;  // NOLINT: this file's own helpers

// The 9 fields fixed from the left: printer, user, job id, the two halves of "[date +zone]",
// page, count, billing, host. Then job name, media and sides.
constexpr int kLeftFields = 9;
constexpr int kMinFields = kLeftFields + 3;

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

int MonthFromName(std::string_view m) {
  static const char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (m.size() != 3) return 0;
  for (int i = 0; i < 12; ++i) {
    if (std::memcmp(m.data(), kMonths[i], 3) == 0) return i + 1;
  }
  return 0;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
}

size_t CountFields(std::string_view line) {
  size_t n = 1;
  for (char c : line) n += (c == ' ');
  return n;
}

}  // namespace

Result<int64_t> ParseCupsLogTime(std::string_view t, int32_t* utc_offset) {
  auto bad = [&] {
    return Status::InvalidArgument("bad time " + Quote(t) +
                                   " (expected [DD/Mon/YYYY:HH:MM:SS +ZZZZ])");
  };
  // [DD/Mon/YYYY:HH:MM:SS +ZZZZ]  or  [DD/Mon/YYYY:HH:MM:SS.uuuuuu +ZZZZ]
  // 0123456789012345678901234567
  if (t.size() < 28 || t.front() != '[' || t.back() != ']') return bad();
  if (t[3] != '/' || t[7] != '/' || t[12] != ':' || t[15] != ':' || t[18] != ':') return bad();
  int day, year, hour, minute, second;
  if (!Digits(t, 1, 2, &day) || !Digits(t, 8, 4, &year) || !Digits(t, 13, 2, &hour) ||
      !Digits(t, 16, 2, &minute) || !Digits(t, 19, 2, &second)) {
    return bad();
  }
  const int month = MonthFromName(t.substr(4, 3));
  size_t pos = 21;
  if (t[pos] == '.') {  // fractional seconds: digits, dropped
    ++pos;
    const size_t start = pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return bad();
  }
  if (t.size() != pos + 7 || t[pos] != ' ' || (t[pos + 1] != '+' && t[pos + 1] != '-')) {
    return bad();
  }
  int off_h, off_m;
  if (!Digits(t, pos + 2, 2, &off_h) || !Digits(t, pos + 4, 2, &off_m)) return bad();
  if (month == 0 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 ||
      second > 60 || off_h > 23 || off_m > 59) {
    return bad();
  }
  const int32_t offset = (t[pos + 1] == '-' ? -1 : 1) * (off_h * 3600 + off_m * 60);
  if (utc_offset != nullptr) *utc_offset = offset;
  const int64_t local = static_cast<int64_t>(DaysFromCivil(year, month, day)) * 86400 +
                        hour * 3600 + minute * 60 + second;
  return local - offset;
}

Result<PageLogEntry> ParsePageLogLine(std::string_view line) {
  return ParsePageLogLine(line, nullptr);
}

Result<PageLogEntry> ParsePageLogLine(std::string_view line, bool* shape_mismatch) {
  if (shape_mismatch != nullptr) *shape_mismatch = false;
  auto mismatch = [shape_mismatch] {
    if (shape_mismatch != nullptr) *shape_mismatch = true;
  };
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto missing = [&] {
    mismatch();
    return Status::InvalidArgument(
        "missing fields: expected at least " + std::to_string(kMinFields) +
        " space-separated fields (printer user job-id [time zone] page count billing host "
        "job-name media sides), found " +
        std::to_string(line.empty() ? 0 : CountFields(line)));
  };

  // Left part: split at the first kLeftFields spaces.
  std::string_view f[kLeftFields];
  size_t pos = 0;
  for (int i = 0; i < kLeftFields; ++i) {
    const void* sp = std::memchr(line.data() + pos, ' ', line.size() - pos);
    if (sp == nullptr) return missing();
    const size_t end = static_cast<const char*>(sp) - line.data();
    f[i] = line.substr(pos, end - pos);
    pos = end + 1;
  }
  // Right part: sides after the last space, media before it, the job name in between.
  std::string_view rest = line.substr(pos);
  const size_t last = rest.rfind(' ');
  if (last == std::string_view::npos || last == 0) return missing();
  const size_t before = rest.rfind(' ', last - 1);
  if (before == std::string_view::npos) return missing();

  PageLogEntry e;
  if (f[0].empty()) {
    mismatch();
    return Status::InvalidArgument("empty printer name");
  }
  e.printer = f[0];
  e.user = Unset(f[1]);

  int64_t job_id = 0;
  if (!ParseCount(f[2], &job_id) || job_id < 1 || job_id > INT32_MAX) {
    mismatch();
    return Status::InvalidArgument("job id " + Quote(f[2]) + " is not a positive number");
  }
  e.job_id = static_cast<int32_t>(job_id);

  // The time field "[DD/Mon/YYYY:HH:MM:SS +ZZZZ]" spans f[3] and f[4] (contiguous in `line`).
  const std::string_view time_text(f[3].data(), f[3].size() + 1 + f[4].size());
  Result<int64_t> time = ParseCupsLogTime(time_text, &e.utc_offset);
  if (!time.ok()) {
    if (time_text.front() != '[') mismatch();
    return time.status();
  }
  e.time = *time;

  if (EqualsIgnoreCase(f[5], "total")) {
    e.is_total = true;
  } else if (!ParseCount(f[5], &e.page)) {
    return Status::InvalidArgument("page " + Quote(f[5]) + " is neither a page number nor 'total'");
  }
  if (!ParseCount(f[6], &e.count)) {
    return Status::InvalidArgument("count " + Quote(f[6]) + " is not a non-negative number");
  }
  e.billing = Unset(f[7]);
  e.host = Unset(f[8]);
  e.job_name = Unset(rest.substr(0, before));
  e.media = Unset(rest.substr(before + 1, last - before - 1));
  bool sides_ok = false;
  const std::string_view sides = rest.substr(last + 1);
  e.sides = SidesFromKeyword(sides, &sides_ok);
  if (!sides_ok) {
    return Status::InvalidArgument(
        "sides " + Quote(sides) +
        " is not one-sided, two-sided-long-edge, two-sided-short-edge or '-'");
  }
  return e;
}

namespace {

// "host tag[pid]: message" after a date: fills program and message; false when not so.
bool SplitHostAndTag(std::string_view rest, LogPrefix* p) {
  const size_t host_end = rest.find(' ');
  if (host_end == 0 || host_end == std::string_view::npos) return false;
  rest.remove_prefix(host_end + 1);
  const size_t colon = rest.find(": ");
  const size_t space = rest.find(' ');
  if (colon == 0 || colon == std::string_view::npos || space < colon) return false;
  std::string_view tag = rest.substr(0, colon);
  const size_t bracket = tag.find('[');
  if (bracket != std::string_view::npos) {
    if (tag.back() != ']') return false;
    tag = tag.substr(0, bracket);
  }
  p->program = tag;
  p->message = rest.substr(colon + 2);
  return true;
}

// "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HHMM|+HH:MM) ": the time and the position after the space.
bool ParseIsoDate(std::string_view s, int64_t* time, int32_t* offset, size_t* after) {
  int year, month, day, hour, minute, second;
  if (s.size() < 21 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':' || !Digits(s, 0, 4, &year) || !Digits(s, 5, 2, &month) ||
      !Digits(s, 8, 2, &day) || !Digits(s, 11, 2, &hour) || !Digits(s, 14, 2, &minute) ||
      !Digits(s, 17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  int32_t off = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh)) return false;
    size_t m = pos + 3;
    if (m < s.size() && s[m] == ':') ++m;
    if (!Digits(s, m, 2, &om) || oh > 23 || om > 59) return false;
    off = sign * (oh * 3600 + om * 60);
    pos = m + 2;
  } else {
    return false;
  }
  if (pos >= s.size() || s[pos] != ' ') return false;
  *offset = off;
  *time = static_cast<int64_t>(DaysFromCivil(year, month, day)) * 86400 + hour * 3600 +
          minute * 60 + second - off;
  *after = pos + 1;
  return true;
}

bool IsBlankLine(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

constexpr std::string_view kCups14Format =
    "%p %j %u %T %P %C %{job-billing} %{job-originating-host-name} %{job-name} %{media} %{sides}";
constexpr std::string_view kCups12Format =
    "%p %u %j %T %P %C %{job-billing} %{job-originating-host-name}";
constexpr std::string_view kCups11Format = "%p %u %j %T %P %C %{job-billing}";
constexpr std::string_view kCups13SyslogFormat =
    "PAGE %p %u %j %P %C %{job-billing} %{job-originating-host-name}";

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The `i`th space-separated field of `s` (from 0), empty when there are fewer.
std::string_view FieldAt(std::string_view s, int i) {
  size_t pos = 0;
  for (; i > 0; --i) {
    pos = s.find(' ', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  return s.substr(pos, s.find(' ', pos) - pos);
}

}  // namespace

LogPrefix SplitLogPrefix(std::string_view line) {
  LogPrefix p;
  p.message = line;
  if (line.size() < 20) return p;
  const char c = line[0];
  if (c >= 'A' && c <= 'Z') {
    // "Mmm dd HH:MM:SS " with a day of " 5" or "05".
    if (line[3] != ' ' || MonthFromName(line.substr(0, 3)) == 0 || line[6] != ' ' ||
        line[9] != ':' || line[12] != ':' || line[15] != ' ') {
      return p;
    }
    int day, hour, minute, second;
    const bool day_ok = line[4] == ' ' ? Digits(line, 5, 1, &day) : Digits(line, 4, 2, &day);
    if (!day_ok || !Digits(line, 7, 2, &hour) || !Digits(line, 10, 2, &minute) ||
        !Digits(line, 13, 2, &second)) {
      return p;
    }
    LogPrefix q;
    if (!SplitHostAndTag(line.substr(16), &q)) return p;
    q.kind = LogPrefix::Kind::kSyslog;
    return q;
  }
  if (c >= '0' && c <= '9') {
    LogPrefix q;
    size_t after = 0;
    if (!ParseIsoDate(line, &q.time, &q.utc_offset, &after)) return p;
    if (!SplitHostAndTag(line.substr(after), &q)) return p;
    q.kind = LogPrefix::Kind::kIso;
    q.has_time = true;
    return q;
  }
  return p;
}

struct PageLogLineParser::Legacy {
  PageLogFormat cups14 = *PageLogFormat::Parse(kCups14Format);
  PageLogFormat cups12 = *PageLogFormat::Parse(kCups12Format);
  PageLogFormat cups11 = *PageLogFormat::Parse(kCups11Format);
  PageLogFormat cups13_syslog = *PageLogFormat::Parse(kCups13SyslogFormat);
};

PageLogLineParser::PageLogLineParser(const PageLogFormat& format)
    : format_(format), legacy_(std::make_unique<Legacy>()) {}

PageLogLineParser::~PageLogLineParser() = default;

void PageLogLineParser::StartFile() { swapped_ = false; }

PageLogLine PageLogLineParser::Parse(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  PageLogLine out;
  if (IsBlankLine(line)) return out;  // kBlank
  if (StartsWith(line, "-- ") && line.size() >= 6 && line.substr(line.size() - 3) == " --") {
    out.kind = PageLogLine::Kind::kSkipped;  // journalctl's "-- Boot ... --", "-- No entries --"
    return out;
  }
  const LogPrefix prefix = SplitLogPrefix(line);
  if (prefix.kind != LogPrefix::Kind::kNone && prefix.program != "cupsd") {
    out.kind = PageLogLine::Kind::kSkipped;
    return out;
  }
  return ParseMessage(prefix.message, prefix);
}

PageLogLine PageLogLineParser::ParseMessage(std::string_view m, const LogPrefix& prefix) {
  PageLogLine out;
  const bool prefixed = prefix.kind != LogPrefix::Kind::kNone;
  auto entry = [&](PageLogEntry e, PageLogLayout layout) {
    out.kind = PageLogLine::Kind::kEntry;
    out.entry = e;
    out.layout = layout;
    return std::move(out);
  };
  auto refuse = [&](std::string why) {
    out.kind = PageLogLine::Kind::kRefused;
    out.error = std::move(why);
    return std::move(out);
  };
  bool shape_mismatch = false;

  if (!format_.is_default()) {
    if (!format_.has(PageLogField::kTime) && !prefix.has_time) {
      return refuse(
          "the PageLogFormat has no %T and this line no dated prefix, so its date is unknown: "
          "give the journal as `journalctl -t cupsd -o short-iso` output");
    }
    Result<PageLogEntry> e =
        format_.ParseMessage(m, prefix.has_time, prefix.time, prefix.utc_offset, &shape_mismatch);
    if (e.ok()) return entry(*e, PageLogLayout::kFormat);
    out.kind =
        prefixed && shape_mismatch ? PageLogLine::Kind::kSkipped : PageLogLine::Kind::kMalformed;
    out.error = e.status().message();
    return out;
  }

  // The default format, and what older CUPS wrote instead.
  if (swapped_) {
    Result<PageLogEntry> e = legacy_->cups14.ParseMessage(m);
    if (e.ok()) return entry(*e, PageLogLayout::kCups14Swapped);
  }
  Result<PageLogEntry> e = ParsePageLogLine(m, &shape_mismatch);
  if (e.ok()) {
    // Both the user and the job id fields are numbers: keep the file's layout so far. Otherwise
    // the default layout is now the file's.
    if (!swapped_ || !AllDigits(FieldAt(m, 1))) swapped_ = false;
    return entry(*e, PageLogLayout::kFormat);
  }
  if (!swapped_ && AllDigits(FieldAt(m, 1))) {
    Result<PageLogEntry> old = legacy_->cups14.ParseMessage(m);
    if (old.ok()) {
      swapped_ = true;
      return entry(*old, PageLogLayout::kCups14Swapped);
    }
  }
  if (shape_mismatch) {
    const size_t fields = CountFields(m);
    if (fields == 9 || fields == 8) {
      Result<PageLogEntry> old = (fields == 9 ? legacy_->cups12 : legacy_->cups11).ParseMessage(m);
      if (old.ok()) {
        return entry(*old, fields == 9 ? PageLogLayout::kCups12 : PageLogLayout::kCups11);
      }
    }
    if (prefixed && StartsWith(m, "PAGE ")) {
      if (!prefix.has_time) {
        return refuse(
            "CUPS <= 1.3 logged pages to syslog as \"PAGE printer user job-id page copies billing "
            "host\", dated only by syslog's date, which has no year: give these lines as "
            "`journalctl -o short-iso` output (ISO dates), or from the files of a CUPS that "
            "logged to page_log");
      }
      Result<PageLogEntry> old =
          legacy_->cups13_syslog.ParseMessage(m, true, prefix.time, prefix.utc_offset, nullptr);
      if (old.ok()) return entry(*old, PageLogLayout::kCups13Syslog);
    }
  }
  out.kind =
      prefixed && shape_mismatch ? PageLogLine::Kind::kSkipped : PageLogLine::Kind::kMalformed;
  out.error = e.status().message();
  return out;
}

}  // namespace ramette::agent
