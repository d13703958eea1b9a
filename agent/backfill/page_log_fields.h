// Small helpers shared by the page_log parsers (default fast path, compiled PageLogFormat,
// prefixes): field values as cupsd writes them. Inline: they sit on the parsing hot path.
#ifndef RAMETTE_AGENT_BACKFILL_PAGE_LOG_FIELDS_H_
#define RAMETTE_AGENT_BACKFILL_PAGE_LOG_FIELDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/job_record.h"

namespace ramette::agent::page_log_fields {

// A field quoted for an error message: printable ASCII kept, other bytes as \xNN, long values
// cut after 48 bytes.
std::string Quote(std::string_view s);

// Non-negative decimal integer of at most 18 digits (no sign, no spaces); false otherwise.
inline bool ParseCount(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// The IPP sides keyword, "-" being unknown; `*ok` false for anything else.
inline Sides SidesFromKeyword(std::string_view s, bool* ok) {
  *ok = true;
  if (s == "one-sided") return Sides::kOneSided;
  if (s == "two-sided-long-edge") return Sides::kTwoSidedLongEdge;
  if (s == "two-sided-short-edge") return Sides::kTwoSidedShortEdge;
  if (s == "-") return Sides::kUnknown;
  *ok = false;
  return Sides::kUnknown;
}

// cupsd writes "-" for an attribute the job lacks: empty here.
inline std::string_view Unset(std::string_view s) { return s == "-" ? std::string_view() : s; }

// ASCII case-insensitive equality.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace ramette::agent::page_log_fields

#endif  // RAMETTE_AGENT_BACKFILL_PAGE_LOG_FIELDS_H_
