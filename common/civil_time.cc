// Civil-date arithmetic (Howard Hinnant's algorithms) and zone offsets through the C library.
#include "common/civil_time.h"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>
#include <sys/stat.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace ramette {

Day DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

CivilDate CivilFromDays(Day z) {
  int zz = z + 719468;
  const int era = (zz >= 0 ? zz : zz - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(zz - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

static bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

Result<Day> ParseIsoDate(std::string_view t) {
  auto bad = [&] {
    return Status::InvalidArgument("bad date '" + std::string(t) + "' (expected YYYY-MM-DD)");
  };
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return bad();
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (t[i] < '0' || t[i] > '9') return bad();
  }
  int y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
  int m = (t[5] - '0') * 10 + (t[6] - '0');
  int d = (t[8] - '0') * 10 + (t[9] - '0');
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return bad();
  int dim = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  if (d > dim) return bad();
  return DaysFromCivil(y, m, d);
}

std::string FormatIsoDate(Day d) {
  CivilDate c = CivilFromDays(d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

namespace {

constexpr int64_t kTableStart = 0;         // 1970-01-01T00:00:00Z
constexpr int64_t kTableEnd = 4102444800;  // 2100-01-01T00:00:00Z

}  // namespace

Result<TimeZone> TimeZone::Load(const std::string& name) {
  if (name == "UTC" || name == "Etc/UTC") return Utc();
  bool safe = !name.empty() && name[0] != '/' && name.find("..") == std::string::npos;
  struct stat st;
  cctz::time_zone zone;
  if (!safe || stat(("/usr/share/zoneinfo/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      !cctz::load_time_zone(name, &zone)) {
    return Status::InvalidArgument("unknown time zone '" + name +
                                   "' (expected an IANA name such as Europe/Paris; is tzdata "
                                   "installed?)");
  }
  // The zone's offsets from 1970 to 2100, from its own transitions (libcctz reads the tzdata
  // file; nothing process-wide such as TZ changes, so loading is thread-safe).
  auto offset_at = [&](int64_t t) -> int64_t {
    return zone
        .lookup(
            std::chrono::time_point_cast<cctz::seconds>(std::chrono::system_clock::from_time_t(0)) +
            cctz::seconds(t))
        .offset;
  };
  auto table = std::make_shared<std::vector<Transition>>();
  int64_t prev_off = offset_at(kTableStart);
  table->push_back({INT64_MIN, prev_off});
  auto tp = std::chrono::time_point_cast<cctz::seconds>(std::chrono::system_clock::from_time_t(0)) +
            cctz::seconds(kTableStart);
  cctz::time_zone::civil_transition trans;
  while (zone.next_transition(tp, &trans)) {
    // The instant of the transition (a skipped or repeated hour names it as `trans`).
    const cctz::time_zone::civil_lookup l = zone.lookup(trans.to);
    const auto at = l.kind == cctz::time_zone::civil_lookup::UNIQUE ? l.pre : l.trans;
    const int64_t t = (at - std::chrono::time_point_cast<cctz::seconds>(
                                std::chrono::system_clock::from_time_t(0)))
                          .count();
    if (t > kTableEnd || at <= tp) break;
    const int64_t off = offset_at(t);
    if (off != prev_off) {
      table->push_back({t, off});
      prev_off = off;
    }
    tp = at;
  }
  TimeZone tz(name);
  tz.transitions_ = std::move(table);
  return tz;
}

TimeZone TimeZone::Utc() {
  TimeZone tz("UTC");
  tz.transitions_ =
      std::make_shared<const std::vector<Transition>>(std::vector<Transition>{{INT64_MIN, 0}});
  return tz;
}

int64_t TimeZone::UtcOffset(int64_t t) const {
  const auto& v = *transitions_;
  // The last transition at or before t.
  size_t lo = 0, hi = v.size();
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (v[mid].at <= t) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return v[lo].offset;
}

Day TimeZone::LocalDay(int64_t t) const {
  int64_t local = t + UtcOffset(t);
  int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  return static_cast<Day>(day);
}

}  // namespace ramette
