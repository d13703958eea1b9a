// `ramette status`: one row per print server (last contact, agent version, jobs received today
// and this month, the outbox backlog its agent reported, queues not yet classified), the
// silent-server rule, and the table and JSON output. Core: plain data in, text out.
#ifndef RAMETTE_AGGREGATOR_STATUS_SERVER_STATUS_H_
#define RAMETTE_AGGREGATOR_STATUS_SERVER_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/store/directory_store.h"
#include "aggregator/store/status_store.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::status {

store::StatusPeriods PeriodsAt(int64_t now, const TimeZone& tz);

// Whether a server whose agent last called at `last_contact` is silent at `now`.
inline bool IsSilent(const store::ServerStatus& s, int64_t now, int64_t silent_after_seconds) {
  return now - s.last_contact > silent_after_seconds;
}

// "90s", "15m", "2h", "1d" or a bare number of seconds. InvalidArgument otherwise.
Result<int64_t> ParseStatusDuration(const std::string& text);

// A table for people: one row per server, times in `tz`, a SILENT flag; a last line that counts
// silent servers. Lists "no print server has reported yet" when `servers` is empty.
std::string FormatStatusTable(const std::vector<store::ServerStatus>& servers, int64_t now,
                              int64_t silent_after_seconds, const TimeZone& tz);
// {"now": ..., "silent_after_seconds": ..., "servers": [{"server": ..., "silent": ...}, ...],
//  "directory_sync": null or {"synced_at", "sync_date" (YYYY-MM-DD), "users_seen", "added",
//  "moved", "closed", "unmapped", "skipped"}}
std::string FormatStatusJson(const std::vector<store::ServerStatus>& servers, int64_t now,
                             int64_t silent_after_seconds,
                             const std::optional<store::DirectorySyncRecord>& directory_sync = {});
// The last directory sync for people, one line: when (in `tz`), users seen, added, moved,
// closed, unmapped and skipped; "directory sync: never" when none.
std::string FormatDirectorySyncLine(const std::optional<store::DirectorySyncRecord>& sync,
                                    int64_t now, const TimeZone& tz);

}  // namespace ramette::aggregator::status

#endif  // RAMETTE_AGGREGATOR_STATUS_SERVER_STATUS_H_
