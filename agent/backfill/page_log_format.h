// A cupsd PageLogFormat ("%p %u %j %T %P %C %{attr}", literal text, "%%") compiled into the
// fields it has, and the parsing of one page_log message written in it. Pure functions over
// bytes: no I/O, no allocation when a message parses.
#ifndef RAMETTE_AGENT_BACKFILL_PAGE_LOG_FORMAT_H_
#define RAMETTE_AGENT_BACKFILL_PAGE_LOG_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/backfill/page_log_parser.h"
#include "common/status.h"

namespace ramette::agent {

// The default PageLogFormat of CUPS >= 1.4.7 (and of ramette's fast path, ParsePageLogLine).
inline constexpr std::string_view kDefaultPageLogFormat =
    "%p %u %j %T %P %C %{job-billing} %{job-originating-host-name} %{job-name} %{media} %{sides}";

// The fields of a page_log line that ramette reads; every other %{attr} is matched and ignored.
enum class PageLogField : uint8_t {
  kPrinter,  // %p
  kUser,     // %u
  kJobId,    // %j
  kTime,     // %T
  kPage,     // %P
  kCount,    // %C
  kBilling,  // %{job-billing}
  kHost,     // %{job-originating-host-name}
  kJobName,  // %{job-name}
  kMedia,    // %{media}
  kSides,    // %{sides}
  kOther,    // any other %{attr}
};

// A compiled PageLogFormat. Immutable and thread-safe once built; cheap to copy.
//
// How a message is split (cupsd escapes nothing): the segments left of the first %{job-name}
// are matched from the left, each field ending at the first occurrence of the literal text that
// follows it; the segments right of it are matched from the right, each field starting after
// the last occurrence of the literal text before it; %{job-name} is what lies between (it may
// contain that text, e.g. spaces). Without %{job-name}, the last field takes the rest of the
// line. %T is matched by its shape, from '[' to the first ']'. So a field other than the job
// name that contains its separator (a user name with a space) shifts the fields after it.
//
// Fields the format lacks take defaults: no %T -> the time of the line's journald/ISO prefix
// (a line without one is refused); no %P -> every line is a page line; no %C -> 1 per page line
// (a "total" line without %C then counts nothing); no %u, billing, host, job name, media or
// sides -> unknown.
class PageLogFormat {
 public:
  // The default format (kDefaultPageLogFormat).
  PageLogFormat();

  // Compiles `format` as cupsd reads it: "%%" is a '%', "%{name}" an attribute, an unknown
  // "%x" (or a "%{" without '}') literal text. Errors: InvalidArgument when the format is empty,
  // lacks %p or %j (jobs could not be told apart), has two fields with no literal text between
  // them (other than after %T), or has more than 32 fields and literals.
  static Result<PageLogFormat> Parse(std::string_view format);

  // The format a cupsd.conf sets: its last "PageLogFormat" directive (keyword case-insensitive;
  // cupsd does the same), or the default when there is none. Errors: InvalidArgument when the
  // directive is present but empty (cupsd then writes no page log) or does not compile, the
  // message naming its line.
  static Result<PageLogFormat> FromCupsdConf(std::string_view conf_text);

  // The format as given (for messages).
  const std::string& text() const { return text_; }
  // True when this is kDefaultPageLogFormat (the fast path and the old-format detection apply).
  bool is_default() const { return is_default_; }
  bool has(PageLogField field) const { return (fields_ & (1u << static_cast<int>(field))) != 0; }

  // Parses one message (the line without any syslog/journald prefix or '\n'). `fallback_time`
  // and `fallback_offset` are used when the format has no %T (the prefix's time); pass
  // `has_fallback_time` = false when there is none. The entry's strings point into `message`.
  // Errors: InvalidArgument naming the faulty field; `*shape_mismatch` (when not null) is set to
  // true when the message does not have the format's shape at all (literal text or fields
  // missing, a job id that is not a number, no bracketed time): a line of something else, not a
  // damaged page_log line.
  Result<PageLogEntry> ParseMessage(std::string_view message, bool has_fallback_time = false,
                                    int64_t fallback_time = 0, int32_t fallback_offset = 0,
                                    bool* shape_mismatch = nullptr) const;

 private:
  struct Segment {
    bool is_field = false;
    PageLogField field = PageLogField::kOther;
    std::string literal;  // when !is_field
  };
  static constexpr size_t kMaxSegments = 32;
  struct Empty {};
  explicit PageLogFormat(Empty) {}

  std::string text_;
  std::vector<Segment> segments_;
  size_t greedy_ = SIZE_MAX;  // index of the %{job-name} segment matched last, SIZE_MAX if none
  uint32_t fields_ = 0;       // bit per PageLogField present
  bool is_default_ = false;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_PAGE_LOG_FORMAT_H_
