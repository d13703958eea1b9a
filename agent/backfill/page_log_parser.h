// Parsing one line of a CUPS page_log written in the default PageLogFormat
// "%p %u %j %T %P %C %{job-billing} %{job-originating-host-name} %{job-name} %{media} %{sides}".
// Pure functions over bytes: no I/O, no allocation on success.
#ifndef RAMETTE_AGENT_BACKFILL_PAGE_LOG_PARSER_H_
#define RAMETTE_AGENT_BACKFILL_PAGE_LOG_PARSER_H_

#include <cstdint>
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
  int64_t page = 0;               // the page number; 0 on a total line
  int64_t count = 0;              // %C: copies of this page, or the job's total impressions
  std::string_view billing;       // %{job-billing}
  std::string_view host;          // %{job-originating-host-name}
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

// Parses CUPS's log time "[DD/Mon/YYYY:HH:MM:SS +ZZZZ]" (LogTimeFormat standard; the "usecs"
// form "[...:SS.uuuuuu +ZZZZ]" is accepted and its fraction dropped) into seconds since the epoch
// (UTC); `utc_offset`, when not null, receives the offset in seconds east of UTC.
// Errors: InvalidArgument.
Result<int64_t> ParseCupsLogTime(std::string_view text, int32_t* utc_offset = nullptr);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_PAGE_LOG_PARSER_H_
