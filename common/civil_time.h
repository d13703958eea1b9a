// Calendar dates as day numbers, and the organisation's time zone: a job belongs to the local
// date (hence month and year) of its completion time in that zone (DESIGN.md).
#ifndef RAMETTE_COMMON_CIVIL_TIME_H_
#define RAMETTE_COMMON_CIVIL_TIME_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ramette {

// A calendar date as the number of days since 1970-01-01 (proleptic Gregorian).
using Day = int32_t;

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

Day DaysFromCivil(int year, int month, int day);
CivilDate CivilFromDays(Day d);
// "YYYY-MM-DD", a real calendar date; anything else is InvalidArgument naming the text.
Result<Day> ParseIsoDate(std::string_view text);
std::string FormatIsoDate(Day d);
// Months counted as year * 12 + (month - 1), so that consecutive months differ by one.
inline int32_t MonthIndex(int year, int month) { return year * 12 + (month - 1); }
inline int32_t MonthIndexOfDay(Day d) {
  CivilDate c = CivilFromDays(d);
  return MonthIndex(c.year, c.month);
}

// An IANA time zone from the system's tz database (/usr/share/zoneinfo). Immutable after Load
// and thread-safe. Offsets are tabulated at Load for 1970-2100 (later or earlier instants take
// the nearest tabulated offset), so that looking one up never touches the process's TZ.
class TimeZone {
 public:
  // Fails with InvalidArgument when the zone is unknown to the system.
  // Takes a few milliseconds: call it once at start-up, not per job.
  static Result<TimeZone> Load(const std::string& name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  // The local calendar date of an instant (seconds since the epoch).
  Day LocalDay(int64_t unix_seconds) const;
  // Offset from UTC in seconds at that instant (e.g. 3600 for Paris in winter).
  int64_t UtcOffset(int64_t unix_seconds) const;

 private:
  struct Transition {
    int64_t at;      // first instant (seconds since the epoch) with this offset
    int64_t offset;  // seconds east of UTC
  };
  explicit TimeZone(std::string name) : name_(std::move(name)) {}
  std::string name_;
  // Sorted by `at`; never empty (UTC holds one entry). Shared: copies are cheap.
  std::shared_ptr<const std::vector<Transition>> transitions_;
};

}  // namespace ramette

#endif  // RAMETTE_COMMON_CIVIL_TIME_H_
