// Test data shared by the engines' own tests (sqlite_store_test.cc, postgres_store_test.cc): a
// plain stored job, its sizes and times, written once.
#ifndef RAMETTE_AGGREGATOR_STORE_STORE_TEST_JOBS_H_
#define RAMETTE_AGGREGATOR_STORE_STORE_TEST_JOBS_H_

#include <cstdint>
#include <string>
#include <tuple>

#include "aggregator/model/rollup.h"
#include "aggregator/model/stored_job.h"
#include "common/civil_time.h"

namespace ramette::aggregator::store::store_test {

constexpr int64_t kA4 = 210000LL * 297000LL;  // square micrometres
constexpr int64_t kA3 = 297000LL * 420000LL;

inline int64_t UtcSeconds(int y, int mo, int d, int h, int mi, int s = 0) {
  return int64_t{DaysFromCivil(y, mo, d)} * 86400 + h * 3600 + mi * 60 + s;
}

// A 3-page one-sided monochrome A4 live job, dated in UTC.
inline model::StoredJob MakeJob(int32_t cups_job_id, int64_t completed_at,
                                const std::string& user = "alice",
                                const std::string& queue = "q1") {
  model::StoredJob j;
  j.record.queue = queue;
  j.record.cups_job_id = cups_job_id;
  j.record.job_uuid = "urn:uuid:" + std::to_string(cups_job_id);
  j.record.user = user;
  j.record.client_host = "pc1";
  j.record.created_at = completed_at - 10;
  j.record.completed_at = completed_at;
  j.record.state = JobState::kCompleted;
  j.record.copies = 1;
  j.record.sides = Sides::kOneSided;
  j.record.media = "iso_a4_210x297mm";
  j.record.color_mode = ColorMode::kMonochrome;
  j.record.number_up = 1;
  j.record.impressions_completed = 3;
  j.record.source = RecordSource::kLive;
  j.local_day = TimeZone::Utc().LocalDay(completed_at);
  j.sheets = 3;
  j.area_um2 = kA4;
  j.media_known = true;
  return j;
}

inline auto Tie(const model::UsageSums& s) {
  return std::make_tuple(s.jobs, s.sheets, s.impressions, s.two_sided_sheets, s.color_sheets,
                         s.unknown_media_jobs, s.unknown_media_sheets);
}

}  // namespace ramette::aggregator::store::store_test

#endif  // RAMETTE_AGGREGATOR_STORE_STORE_TEST_JOBS_H_
