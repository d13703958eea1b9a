// Field splitting and time parsing for page_log lines; see page_log_parser.h for the format.
#include "agent/backfill/page_log_parser.h"

#include <climits>
#include <cstring>
#include <string>

#include "common/civil_time.h"

namespace ramette::agent {
namespace {

// The 9 fields fixed from the left: printer, user, job id, the two halves of "[date +zone]",
// page, count, billing, host. Then job name, media and sides.
constexpr int kLeftFields = 9;
constexpr int kMinFields = kLeftFields + 3;
constexpr size_t kMaxQuoted = 48;

// A field quoted for an error message: printable ASCII kept, other bytes as \xNN, long values cut.
std::string Quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
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

// Non-negative decimal integer of at most 18 digits (no sign, no spaces).
bool ParseCount(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

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

Sides SidesFromKeyword(std::string_view s, bool* ok) {
  *ok = true;
  if (s == "one-sided") return Sides::kOneSided;
  if (s == "two-sided-long-edge") return Sides::kTwoSidedLongEdge;
  if (s == "two-sided-short-edge") return Sides::kTwoSidedShortEdge;
  if (s == "-") return Sides::kUnknown;
  *ok = false;
  return Sides::kUnknown;
}

std::string_view Unset(std::string_view s) { return s == "-" ? std::string_view() : s; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
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
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto missing = [&] {
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
  if (f[0].empty()) return Status::InvalidArgument("empty printer name");
  e.printer = f[0];
  e.user = Unset(f[1]);

  int64_t job_id = 0;
  if (!ParseCount(f[2], &job_id) || job_id < 1 || job_id > INT32_MAX) {
    return Status::InvalidArgument("job id " + Quote(f[2]) + " is not a positive number");
  }
  e.job_id = static_cast<int32_t>(job_id);

  // The time field "[DD/Mon/YYYY:HH:MM:SS +ZZZZ]" spans f[3] and f[4] (contiguous in `line`).
  const std::string_view time_text(f[3].data(), f[3].size() + 1 + f[4].size());
  Result<int64_t> time = ParseCupsLogTime(time_text, &e.utc_offset);
  if (!time.ok()) return time.status();
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

}  // namespace ramette::agent
