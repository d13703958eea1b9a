// The storage rules: job identity, duplicates, and rollup deltas.
#include "aggregator/store/store_rules.h"

#include <algorithm>
#include <tuple>

namespace ramette::aggregator::store {

DuplicateAction OnDuplicate(RecordSource stored, RecordSource incoming) {
  // A page_log line has copies = 1 and no colour or user host; the live record is the truth.
  if (stored == RecordSource::kPageLog && incoming == RecordSource::kLive) {
    return DuplicateAction::kSupersede;
  }
  return DuplicateAction::kKeep;
}

RunDecision DecideRun(const std::vector<StoredRun>& stored, int64_t completed_at,
                      int64_t cumulative_impressions) {
  RunDecision d;
  d.impressions = cumulative_impressions;
  if (stored.empty()) return d;
  int64_t earlier = 0;
  int32_t last = 0;
  for (const StoredRun& r : stored) {
    if (r.completed_at == completed_at) {
      d.run = r.run;  // a resend of a stored run
      return d;
    }
    earlier += r.impressions;
    last = std::max(last, r.run);
  }
  d.new_run = true;
  d.run = last + 1;
  d.impressions = std::max<int64_t>(0, cumulative_impressions - earlier);
  return d;
}

JobFigures FiguresOf(const model::StoredJob& job) {
  JobFigures f;
  f.sheets = job.sheets;
  f.impressions = job.record.impressions_completed;
  f.two_sided = job.two_sided();
  f.color = job.color();
  f.media_known = job.media_known;
  return f;
}

model::UsageSums SumsOfJob(const JobFigures& f) {
  model::UsageSums u;
  u.jobs = 1;
  u.sheets = f.sheets;
  u.impressions = f.impressions;
  u.two_sided_sheets = f.two_sided ? f.sheets : 0;
  u.color_sheets = f.color ? f.sheets : 0;
  u.unknown_media_jobs = f.media_known ? 0 : 1;
  u.unknown_media_sheets = f.media_known ? 0 : f.sheets;
  return u;
}

bool IsZero(const model::UsageSums& u) {
  return u.jobs == 0 && u.sheets == 0 && u.impressions == 0 && u.two_sided_sheets == 0 &&
         u.color_sheets == 0 && u.unknown_media_jobs == 0 && u.unknown_media_sheets == 0;
}

namespace {

model::UsageSums Negated(const model::UsageSums& u) {
  return model::UsageSums{-u.jobs,
                          -u.sheets,
                          -u.impressions,
                          -u.two_sided_sheets,
                          -u.color_sheets,
                          -u.unknown_media_jobs,
                          -u.unknown_media_sheets};
}

// Sorts by `order`, merges equal keys, drops zero sums.
template <typename Less, typename Equal>
void SortMerge(std::vector<RollupDelta>* v, Less less, Equal equal) {
  std::sort(v->begin(), v->end(), less);
  size_t out = 0;
  for (size_t i = 0; i < v->size(); ++i) {
    if (out > 0 && equal((*v)[i], (*v)[out - 1])) {
      (*v)[out - 1].sums.Add((*v)[i].sums);
    } else {
      (*v)[out++] = (*v)[i];
    }
  }
  v->resize(out);
  v->erase(
      std::remove_if(v->begin(), v->end(), [](const RollupDelta& d) { return IsZero(d.sums); }),
      v->end());
}

auto DailyTuple(const RollupDelta& d) {
  return std::tie(d.key.day, d.key.user_id, d.key.device_id, d.key.area_um2);
}
auto MonthlyTuple(const RollupDelta& d) {
  return std::tie(d.key.day, d.key.device_id, d.key.user_id, d.key.area_um2);
}

}  // namespace

RollupDelta AddedJobDelta(const RollupKey& key, const JobFigures& f) {
  return RollupDelta{key, SumsOfJob(f)};
}

std::vector<RollupDelta> SupersedeDeltas(const RollupKey& old_key, const JobFigures& old,
                                         const RollupKey& new_key, const JobFigures& now) {
  return {RollupDelta{old_key, Negated(SumsOfJob(old))}, RollupDelta{new_key, SumsOfJob(now)}};
}

void MergeDailyDeltas(std::vector<RollupDelta>* deltas) {
  SortMerge(
      deltas,
      [](const RollupDelta& a, const RollupDelta& b) { return DailyTuple(a) < DailyTuple(b); },
      [](const RollupDelta& a, const RollupDelta& b) { return DailyTuple(a) == DailyTuple(b); });
}

std::vector<RollupDelta> MonthlyDeltasOf(const std::vector<RollupDelta>& daily) {
  std::vector<RollupDelta> monthly;
  monthly.reserve(daily.size());
  for (const RollupDelta& d : daily) {
    RollupDelta m = d;
    m.key.day = MonthIndexOfDay(d.key.day);
    monthly.push_back(m);
  }
  SortMerge(
      &monthly,
      [](const RollupDelta& a, const RollupDelta& b) { return MonthlyTuple(a) < MonthlyTuple(b); },
      [](const RollupDelta& a, const RollupDelta& b) {
        return MonthlyTuple(a) == MonthlyTuple(b);
      });
  return monthly;
}

model::RollupRow RollupRowOf(const RollupDelta& d) {
  model::RollupRow row;
  row.period = d.key.day;
  row.device_id = d.key.device_id;
  row.user_id = d.key.user_id;
  row.area_um2 = d.key.area_um2;
  row.sums = d.sums;
  return row;
}

}  // namespace ramette::aggregator::store
