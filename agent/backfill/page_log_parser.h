// Parsing one line of a CUPS page_log: the default PageLogFormat's fast path, syslog and journald
// prefixes, the formats of CUPS before 1.4.7, and PageLogLineParser, which tells them apart line
// by line. Pure functions over bytes: no I/O, no allocation on success.
#ifndef RAMETTE_AGENT_BACKFILL_PAGE_LOG_PARSER_H_
#define RAMETTE_AGENT_BACKFILL_PAGE_LOG_PARSER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/job_record.h"
#include "common/status.h"

namespace ramette::agent {

// One page_log line, split into its fields. The string_views point into the parsed line and are
// valid only as long as it is. CUPS writes "-" for an attribute the job does not have; those
// fields are returned empty here. Strings are raw bytes (UTF-8 is not checked).
struct PageLogEntry {
  std::string_view printer;  // %p, never empty
  std::string_view user;     // %u
  int32_t job_id = 0;        // %j, >= 1
  int64_t time = 0;          // %T converted to seconds since the epoch (UTC) with its own offset
  int32_t utc_offset = 0;    // %T's offset, seconds east of UTC (+0100 -> 3600)
  // %P is either a page number (older CUPS logged one line per page as it was printed, %C being
  // the number of copies of that page) or "total" (CUPS >= 2.2.10 logs one such line when the
  // job ends, %C being every impression printed, all copies included).
  bool is_total = false;
  int64_t page = 0;          // the page number; 0 on a total line
  int64_t count = 0;         // %C: copies of this page, or the job's total impressions (-1: a total
                             // line of a format without %C, whose count is unknown)
  std::string_view billing;  // %{job-billing}
  std::string_view host;     // %{job-originating-host-name}
  std::string_view job_name;      // %{job-name}: everything between host and media, spaces kept
  std::string_view media;         // %{media}, as written (e.g. "iso_a4_210x297mm", "A4")
  Sides sides = Sides::kUnknown;  // %{sides}; "-" -> kUnknown
};

// Parses one line (without its '\n'; a trailing '\r' is ignored). Fields are fixed from both
// ends: printer, user, job id, time, page, count, billing and host from the left, sides and media
// from the right, and the job name is what lies between (it may contain spaces). CUPS escapes
// nothing, so a user or billing value containing a space shifts the fields after it, and a job
// name containing a newline splits its line in two malformed halves.
// Errors: InvalidArgument whose message names the faulty field, for a person to read.
Result<PageLogEntry> ParsePageLogLine(std::string_view line);

// The same; `*shape_mismatch` is set to true when the line does not have the default format's
// shape at all (too few fields, an empty printer, a job id that is not a number, no bracketed
// time): another kind of line rather than a damaged page_log line.
Result<PageLogEntry> ParsePageLogLine(std::string_view line, bool* shape_mismatch);

// Parses CUPS's log time "[DD/Mon/YYYY:HH:MM:SS +ZZZZ]" (LogTimeFormat standard; the "usecs"
// form "[...:SS.uuuuuu +ZZZZ]" is accepted and its fraction dropped) into seconds since the epoch
// (UTC); `utc_offset`, when not null, receives the offset in seconds east of UTC.
// Errors: InvalidArgument.
Result<int64_t> ParseCupsLogTime(std::string_view text, int32_t* utc_offset = nullptr);

// A syslog or journald prefix in front of a message:
//   "Jun 15 12:00:00 host cupsd[727]: MESSAGE"              (syslog, journalctl's default)
//   "2018-06-15T12:00:00+0200 host cupsd[727]: MESSAGE"     (journalctl -o short-iso; also
//    "+02:00", "Z" and fractions of a second, as rsyslog's RFC 3339 dates)
struct LogPrefix {
  enum class Kind { kNone, kSyslog, kIso };
  Kind kind = Kind::kNone;
  std::string_view program;  // "cupsd" (the tag without its "[pid]")
  std::string_view message;  // after "tag: "; the whole line when kind is kNone
  // Only kIso has a full time; a syslog date has no year and no zone.
  bool has_time = false;
  int64_t time = 0;        // seconds since the epoch (UTC)
  int32_t utc_offset = 0;  // seconds east of UTC
};

// Recognises the prefix of `line` (without its '\n'); kind kNone when it has none.
LogPrefix SplitLogPrefix(std::string_view line);

class PageLogFormat;

// Which layout a line was read in.
enum class PageLogLayout {
  kFormat,         // the format given (the default one unless configured)
  kCups14Swapped,  // CUPS 1.4.0-1.4.6's default: "%p %j %u %T ..." (job id before user)
  kCups12,         // CUPS 1.2-1.3: printer user job-id [time] page copies billing host
  kCups11,         // CUPS 1.1: printer user job-id [time] page copies billing
  kCups13Syslog,   // CUPS <= 1.3 with "PageLog syslog": "PAGE printer user job-id page copies
                   // billing host", dated by a journald/ISO prefix
};

// What one line is.
struct PageLogLine {
  enum class Kind {
    kEntry,      // a page_log line: `entry` (its strings point into the line)
    kBlank,      // empty or white space
    kSkipped,    // not page logging: another program's syslog line, another cupsd message
                 // (error or access log sent to syslog), a journalctl "-- ... --" marker
    kMalformed,  // a page_log line that cannot be read: `error` says why
    kRefused,    // a line of a kind that cannot be read at all: `error` says why and what to do,
                 // the same for every such line (report it once per file)
  };
  Kind kind = Kind::kBlank;
  PageLogEntry entry;
  PageLogLayout layout = PageLogLayout::kFormat;
  std::string error;
};

// Reads the lines of one file after the other, each with or without a syslog/journald prefix.
// Lines behind a prefix count only when their program is cupsd. With the default format, lines
// of CUPS before 1.4.7 are recognised too (PageLogLayout): CUPS 1.4.0-1.4.6 wrote the job id
// before the user name; a line where both are numbers is read in the layout of the file's last
// line that told them apart (the default one until then). `format` must outlive the parser.
// Not thread-safe; allocates only for a line that is not an entry.
class PageLogLineParser {
 public:
  explicit PageLogLineParser(const PageLogFormat& format);
  ~PageLogLineParser();
  PageLogLineParser(const PageLogLineParser&) = delete;
  PageLogLineParser& operator=(const PageLogLineParser&) = delete;

  // Forgets what the previous file's lines told (call before each file).
  void StartFile();

  // Classifies and parses one line (without its '\n'; a trailing '\r' is ignored).
  PageLogLine Parse(std::string_view line);

 private:
  struct Legacy;
  PageLogLine ParseMessage(std::string_view message, const LogPrefix& prefix);
  const PageLogFormat& format_;
  std::unique_ptr<Legacy> legacy_;  // the compiled formats of older CUPS
  bool swapped_ = false;            // the file's last telling line was CUPS 1.4.0-1.4.6's
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_PAGE_LOG_PARSER_H_
