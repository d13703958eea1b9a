// Periods, the duration syntax, and the status table and JSON.
#include "aggregator/status/server_status.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ramette::aggregator::status {
namespace {

// The first instant of local day `d`.
int64_t StartOfLocalDay(Day d, const TimeZone& tz) {
  const int64_t utc_midnight = static_cast<int64_t>(d) * 86400;
  const int64_t guess = utc_midnight - tz.UtcOffset(utc_midnight);
  return utc_midnight - tz.UtcOffset(guess);
}

std::string LocalTime(int64_t unix_seconds, const TimeZone& tz) {
  const int64_t local = unix_seconds + tz.UtcOffset(unix_seconds);
  const Day d = static_cast<Day>((local >= 0 ? local : local - 86399) / 86400);
  const int64_t secs = local - static_cast<int64_t>(d) * 86400;
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(secs / 3600),
                static_cast<int>(secs % 3600 / 60));
  return FormatIsoDate(d) + buf;
}

std::string Ago(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 120) return std::to_string(seconds) + "s ago";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m ago";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + "h ago";
  return std::to_string(seconds / 86400) + "d ago";
}

std::string Backlog(const store::ServerStatus& s, int64_t now) {
  if (!s.outbox_records) return "-";
  std::string out = std::to_string(*s.outbox_records);
  if (s.oldest_record_unix && *s.oldest_record_unix > 0 && *s.outbox_records > 0) {
    out += " (oldest " + Ago(now - *s.oldest_record_unix) + ")";
  }
  return out;
}

}  // namespace

store::StatusPeriods PeriodsAt(int64_t now, const TimeZone& tz) {
  const Day today = tz.LocalDay(now);
  const CivilDate c = CivilFromDays(today);
  store::StatusPeriods p;
  p.day_start = StartOfLocalDay(today, tz);
  p.month_start = StartOfLocalDay(DaysFromCivil(c.year, c.month, 1), tz);
  return p;
}

Result<int64_t> ParseStatusDuration(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  if (digits == 0 || digits > 9 || unit.size() > 1) {
    return Status::InvalidArgument("'" + text + "' is not a duration (e.g. 90s, 15m, 2h, 1d)");
  }
  const int64_t n = std::stoll(text.substr(0, digits));
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  return Status::InvalidArgument("'" + text + "' is not a duration (e.g. 90s, 15m, 2h, 1d)");
}

std::string FormatStatusTable(const std::vector<store::ServerStatus>& servers, int64_t now,
                              int64_t silent_after_seconds, const TimeZone& tz) {
  if (servers.empty()) return "no print server has reported yet\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"server", "last contact", "agent", "jobs today", "jobs this month",
                  "outbox backlog", "unclassified queues", ""});
  int silent = 0;
  for (const store::ServerStatus& s : servers) {
    const bool is_silent = IsSilent(s, now, silent_after_seconds);
    if (is_silent) ++silent;
    rows.push_back({s.server,
                    LocalTime(s.last_contact, tz) + " (" + Ago(now - s.last_contact) + ")",
                    s.agent_version.empty() ? "-" : s.agent_version, std::to_string(s.jobs_today),
                    std::to_string(s.jobs_this_month), Backlog(s, now),
                    std::to_string(s.unclassified_queues), is_silent ? "SILENT" : ""});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::ostringstream out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      std::string cell = r[i];
      if (i + 1 < r.size()) cell.resize(width[i], ' ');
      line += cell;
      if (i + 1 < r.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
  out << servers.size() << " print server(s), " << silent << " silent for more than "
      << silent_after_seconds / 60 << " min\n";
  return out.str();
}

std::string FormatDirectorySyncLine(const std::optional<store::DirectorySyncRecord>& sync,
                                    int64_t now, const TimeZone& tz) {
  if (!sync) return "directory sync: never\n";
  const store::DirectorySyncRecord& r = *sync;
  return "directory sync: " + LocalTime(r.synced_at, tz) + " (" + Ago(now - r.synced_at) + "), " +
         std::to_string(r.users_seen) + " users, " + std::to_string(r.added) + " added, " +
         std::to_string(r.moved) + " moved, " + std::to_string(r.closed) + " closed, " +
         std::to_string(r.unmapped) + " unmapped, " + std::to_string(r.skipped) + " skipped\n";
}

std::string FormatStatusJson(const std::vector<store::ServerStatus>& servers, int64_t now,
                             int64_t silent_after_seconds,
                             const std::optional<store::DirectorySyncRecord>& directory_sync) {
  nlohmann::json j;
  j["now"] = now;
  j["silent_after_seconds"] = silent_after_seconds;
  j["servers"] = nlohmann::json::array();
  for (const store::ServerStatus& s : servers) {
    nlohmann::json r;
    r["server"] = s.server;
    r["agent_version"] = s.agent_version;
    r["first_contact"] = s.first_contact;
    r["last_contact"] = s.last_contact;
    r["seconds_since_contact"] = now - s.last_contact;
    r["silent"] = IsSilent(s, now, silent_after_seconds);
    r["jobs_today"] = s.jobs_today;
    r["jobs_this_month"] = s.jobs_this_month;
    r["outbox_records"] = s.outbox_records ? nlohmann::json(*s.outbox_records) : nullptr;
    r["outbox_oldest_record"] = s.oldest_record_unix && *s.oldest_record_unix > 0
                                    ? nlohmann::json(*s.oldest_record_unix)
                                    : nullptr;
    r["unclassified_queues"] = s.unclassified_queues;
    j["servers"].push_back(std::move(r));
  }
  if (directory_sync) {
    const store::DirectorySyncRecord& d = *directory_sync;
    j["directory_sync"] = {{"synced_at", d.synced_at},   {"sync_date", FormatIsoDate(d.sync_date)},
                           {"users_seen", d.users_seen}, {"added", d.added},
                           {"moved", d.moved},           {"closed", d.closed},
                           {"unmapped", d.unmapped},     {"skipped", d.skipped}};
  } else {
    j["directory_sync"] = nullptr;
  }
  return j.dump() + "\n";
}

}  // namespace ramette::aggregator::status
