// Compiling a PageLogFormat into segments, and matching a message against them; the splitting
// rules are in page_log_format.h.
#include "agent/backfill/page_log_format.h"

#include <array>
#include <climits>
#include <cstring>
#include <utility>

#include "agent/backfill/page_log_fields.h"

namespace ramette::agent {
namespace {

using namespace page_log_fields;  // NOLINT: the page_log field helpers

PageLogField FieldOfAttribute(std::string_view name) {
  if (name == "job-billing") return PageLogField::kBilling;
  if (name == "job-originating-host-name") return PageLogField::kHost;
  if (name == "job-name") return PageLogField::kJobName;
  if (name == "media") return PageLogField::kMedia;
  if (name == "sides") return PageLogField::kSides;
  return PageLogField::kOther;
}

const char* FieldName(PageLogField f) {
  switch (f) {
    case PageLogField::kPrinter:
      return "%p";
    case PageLogField::kUser:
      return "%u";
    case PageLogField::kJobId:
      return "%j";
    case PageLogField::kTime:
      return "%T";
    case PageLogField::kPage:
      return "%P";
    case PageLogField::kCount:
      return "%C";
    case PageLogField::kBilling:
      return "%{job-billing}";
    case PageLogField::kHost:
      return "%{job-originating-host-name}";
    case PageLogField::kJobName:
      return "%{job-name}";
    case PageLogField::kMedia:
      return "%{media}";
    case PageLogField::kSides:
      return "%{sides}";
    case PageLogField::kOther:
      break;
  }
  return "%{...}";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

PageLogFormat::PageLogFormat() { *this = *Parse(kDefaultPageLogFormat); }

Result<PageLogFormat> PageLogFormat::Parse(std::string_view format) {
  PageLogFormat f{Empty{}};
  f.text_ = std::string(format);
  auto literal = [&](std::string_view text) {
    if (f.segments_.empty() || f.segments_.back().is_field) f.segments_.emplace_back();
    f.segments_.back().literal.append(text);
  };
  auto field = [&](PageLogField which) {
    if (!f.segments_.empty() && f.segments_.back().is_field &&
        f.segments_.back().field != PageLogField::kTime) {
      return false;
    }
    Segment s;
    s.is_field = true;
    s.field = which;
    f.segments_.push_back(std::move(s));
    f.fields_ |= 1u << static_cast<int>(which);
    return true;
  };
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c != '%') {
      literal(format.substr(i, 1));
      continue;
    }
    if (i + 1 == format.size()) {  // a trailing '%'
      literal("%");
      break;
    }
    const char d = format[++i];
    PageLogField which;
    switch (d) {
      case '%':
        literal("%");
        continue;
      case 'p':
        which = PageLogField::kPrinter;
        break;
      case 'u':
        which = PageLogField::kUser;
        break;
      case 'j':
        which = PageLogField::kJobId;
        break;
      case 'T':
        which = PageLogField::kTime;
        break;
      case 'P':
        which = PageLogField::kPage;
        break;
      case 'C':
        which = PageLogField::kCount;
        break;
      case '{': {
        const size_t close = format.find('}', i);
        if (close == std::string_view::npos) {  // cupsd prints it as is
          literal(format.substr(i - 1, 2));
          continue;
        }
        which = FieldOfAttribute(format.substr(i + 1, close - i - 1));
        i = close;
        break;
      }
      default:  // cupsd prints an unknown directive as is
        literal(format.substr(i - 1, 2));
        continue;
    }
    if (!field(which)) {
      return Status::InvalidArgument("PageLogFormat '" + f.text_ + "': " + FieldName(which) +
                                     " directly follows another field (no text between them to "
                                     "tell where one ends)");
    }
  }
  if (f.segments_.empty()) return Status::InvalidArgument("empty PageLogFormat");
  if (f.segments_.size() > kMaxSegments) {
    return Status::InvalidArgument("PageLogFormat '" + f.text_ + "' has more than " +
                                   std::to_string(kMaxSegments) + " fields and literals");
  }
  if (!f.has(PageLogField::kPrinter) || !f.has(PageLogField::kJobId)) {
    return Status::InvalidArgument("PageLogFormat '" + f.text_ +
                                   "' lacks %p or %j: its jobs cannot be told apart");
  }
  for (size_t i = 0; i < f.segments_.size(); ++i) {
    if (f.segments_[i].is_field && f.segments_[i].field == PageLogField::kJobName) {
      f.greedy_ = i;
      break;
    }
  }
  // After the job name, fields are found from the right: each needs literal text before it.
  if (f.greedy_ != SIZE_MAX) {
    for (size_t i = f.greedy_ + 1; i < f.segments_.size(); ++i) {
      if (f.segments_[i].is_field && f.segments_[i - 1].is_field) {
        return Status::InvalidArgument("PageLogFormat '" + f.text_ +
                                       "': " + FieldName(f.segments_[i].field) +
                                       " directly follows another field");
      }
    }
  }
  f.is_default_ = format == kDefaultPageLogFormat;
  return f;
}

Result<PageLogFormat> PageLogFormat::FromCupsdConf(std::string_view conf) {
  std::string_view found;
  int found_line = 0;
  bool present = false;
  int line_number = 0;
  for (size_t pos = 0; pos <= conf.size();) {
    size_t nl = conf.find('\n', pos);
    if (nl == std::string_view::npos) nl = conf.size();
    std::string_view line = Trim(conf.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_number;
    constexpr std::string_view kKey = "PageLogFormat";
    if (line.size() < kKey.size() || !EqualsIgnoreCase(line.substr(0, kKey.size()), kKey)) {
      continue;
    }
    std::string_view value = line.substr(kKey.size());
    if (!value.empty() && value.front() != ' ' && value.front() != '\t') continue;
    present = true;
    found = Trim(value);
    found_line = line_number;
  }
  if (!present) return PageLogFormat();
  const std::string where = "cupsd.conf line " + std::to_string(found_line) + ": ";
  if (found.empty()) {
    return Status::InvalidArgument(where +
                                   "PageLogFormat is empty: this cupsd writes no page log (set it "
                                   "to the default format or remove the line to turn it on)");
  }
  Result<PageLogFormat> f = Parse(found);
  if (!f.ok()) return Status::InvalidArgument(where + f.status().message());
  return f;
}

Result<PageLogEntry> PageLogFormat::ParseMessage(std::string_view m, bool has_fallback_time,
                                                 int64_t fallback_time, int32_t fallback_offset,
                                                 bool* shape_mismatch) const {
  if (shape_mismatch != nullptr) *shape_mismatch = false;
  if (!m.empty() && m.back() == '\r') m.remove_suffix(1);
  auto mismatch = [&](std::string what) {
    if (shape_mismatch != nullptr) *shape_mismatch = true;
    return Status::InvalidArgument("does not match PageLogFormat '" + text_ + "': " + what);
  };
  std::array<std::string_view, kMaxSegments> values;
  const size_t n = segments_.size();
  const size_t left_end = greedy_ == SIZE_MAX ? n : greedy_;

  // From the left, up to the job name (or the end).
  size_t pos = 0;
  for (size_t i = 0; i < left_end; ++i) {
    const Segment& s = segments_[i];
    if (!s.is_field) {
      if (m.substr(pos, s.literal.size()) != s.literal) {
        return mismatch("expected " + Quote(s.literal) + " at byte " + std::to_string(pos + 1));
      }
      pos += s.literal.size();
      continue;
    }
    size_t end;
    if (s.field == PageLogField::kTime) {
      if (pos >= m.size() || m[pos] != '[') return mismatch("no '[' where %T starts");
      end = m.find(']', pos);
      if (end == std::string_view::npos) return mismatch("no ']' after %T");
      ++end;
    } else if (i + 1 == n) {
      end = m.size();
    } else {
      const std::string& next = segments_[i + 1].literal;  // a literal: Parse checked
      end = m.find(next, pos);
      if (end == std::string_view::npos) {
        return mismatch("missing fields (no " + Quote(next) + " after " + FieldName(s.field) + ")");
      }
    }
    values[i] = m.substr(pos, end - pos);
    pos = end;
  }
  if (greedy_ == SIZE_MAX && pos != m.size()) {
    return mismatch("unexpected text " + Quote(m.substr(pos)) + " at the end");
  }

  // From the right, down to the job name.
  if (greedy_ != SIZE_MAX) {
    size_t end = m.size();
    for (size_t i = n; i-- > greedy_ + 1;) {
      const Segment& s = segments_[i];
      const std::string_view window = m.substr(pos, end - pos);
      if (!s.is_field) {
        if (window.size() < s.literal.size() ||
            window.substr(window.size() - s.literal.size()) != s.literal) {
          return mismatch("expected " + Quote(s.literal) + " before byte " +
                          std::to_string(end + 1));
        }
        end -= s.literal.size();
        continue;
      }
      size_t start;
      if (s.field == PageLogField::kTime) {
        if (window.empty() || window.back() != ']') return mismatch("no ']' where %T ends");
        const size_t open = window.rfind('[');
        if (open == std::string_view::npos) return mismatch("no '[' before %T");
        start = pos + open;
      } else {
        const std::string& before = segments_[i - 1].literal;  // a literal: Parse checked
        const size_t at = window.rfind(before);
        if (at == std::string_view::npos) {
          return mismatch("missing field before " + std::string(FieldName(s.field)));
        }
        start = pos + at + before.size();
      }
      values[i] = m.substr(start, end - start);
      end = start;
    }
    values[greedy_] = m.substr(pos, end - pos);
  }

  PageLogEntry e;
  e.count = 1;
  bool have_time = false;
  for (size_t i = 0; i < n; ++i) {
    const Segment& s = segments_[i];
    if (!s.is_field) continue;
    const std::string_view v = values[i];
    switch (s.field) {
      case PageLogField::kPrinter:
        if (v.empty() || v == "-") return mismatch("empty printer name");
        e.printer = v;
        break;
      case PageLogField::kUser:
        e.user = Unset(v);
        break;
      case PageLogField::kJobId: {
        int64_t id = 0;
        if (!ParseCount(v, &id) || id < 1 || id > INT32_MAX) {
          return mismatch("job id " + Quote(v) + " is not a positive number");
        }
        e.job_id = static_cast<int32_t>(id);
        break;
      }
      case PageLogField::kTime: {
        Result<int64_t> t = ParseCupsLogTime(v, &e.utc_offset);
        if (!t.ok()) return t.status();
        e.time = *t;
        have_time = true;
        break;
      }
      case PageLogField::kPage:
        if (EqualsIgnoreCase(v, "total")) {
          e.is_total = true;
        } else if (!ParseCount(v, &e.page)) {
          return Status::InvalidArgument("page " + Quote(v) +
                                         " is neither a page number nor 'total'");
        }
        break;
      case PageLogField::kCount:
        if (!ParseCount(v, &e.count)) {
          return Status::InvalidArgument("count " + Quote(v) + " is not a non-negative number");
        }
        break;
      case PageLogField::kBilling:
        e.billing = Unset(v);
        break;
      case PageLogField::kHost:
        e.host = Unset(v);
        break;
      case PageLogField::kJobName:
        e.job_name = Unset(v);
        break;
      case PageLogField::kMedia:
        e.media = Unset(v);
        break;
      case PageLogField::kSides: {
        bool ok = false;
        e.sides = SidesFromKeyword(v, &ok);
        if (!ok) {
          return Status::InvalidArgument(
              "sides " + Quote(v) +
              " is not one-sided, two-sided-long-edge, two-sided-short-edge or '-'");
        }
        break;
      }
      case PageLogField::kOther:
        break;
    }
  }
  if (!has(PageLogField::kCount) && e.is_total) e.count = -1;  // a total without its count
  if (!have_time) {
    if (!has_fallback_time) {
      return Status::InvalidArgument("the PageLogFormat has no %T and the line no dated prefix");
    }
    e.time = fallback_time;
    e.utc_offset = fallback_offset;
  }
  return e;
}

}  // namespace ramette::agent
