// Summing up records per year and queue for `backfill --dry-run`.
#include "agent/backfill/backfill_summary.h"

#include <algorithm>
#include <cstdio>

namespace ramette::agent {

int64_t SheetsOf(const JobRecord& r) {
  const int64_t copies = std::max<int64_t>(r.copies, 1);
  const int64_t per_copy = (r.impressions_completed + copies - 1) / copies;
  const bool two_sided =
      r.sides == Sides::kTwoSidedLongEdge || r.sides == Sides::kTwoSidedShortEdge;
  return copies * (two_sided ? (per_copy + 1) / 2 : per_copy);
}

void BackfillSummary::Add(const JobRecord& r) {
  const int year = CivilFromDays(zone_.LocalDay(r.completed_at)).year;
  Totals& row = rows_[{year, r.queue}];
  const int64_t sheets = SheetsOf(r);
  for (Totals* t : {&row, &total_}) {
    ++t->jobs;
    t->impressions += r.impressions_completed;
    t->sheets += sheets;
  }
}

std::string BackfillSummary::Format() const {
  size_t width = 12;  // "(all queues)"
  for (const auto& [key, totals] : rows_) width = std::max(width, key.second.size());
  std::string out;
  char line[512];
  auto row = [&](const char* year, const std::string& queue, const Totals& t) {
    std::snprintf(line, sizeof line, "%-5s %-*s %10lld %12lld %12lld\n", year,
                  static_cast<int>(width), queue.c_str(), static_cast<long long>(t.jobs),
                  static_cast<long long>(t.impressions), static_cast<long long>(t.sheets));
    out += line;
  };
  std::snprintf(line, sizeof line, "%-5s %-*s %10s %12s %12s\n", "year", static_cast<int>(width),
                "queue", "jobs", "impressions", "sheets");
  out += line;
  auto it = rows_.begin();
  while (it != rows_.end()) {
    const int year = it->first.first;
    const std::string year_text = std::to_string(year);
    Totals sub;
    int queues = 0;
    for (; it != rows_.end() && it->first.first == year; ++it, ++queues) {
      row(year_text.c_str(), it->first.second, it->second);
      sub.jobs += it->second.jobs;
      sub.impressions += it->second.impressions;
      sub.sheets += it->second.sheets;
    }
    if (queues > 1) row(year_text.c_str(), "(all queues)", sub);
  }
  row("all", "(all queues)", total_);
  return out;
}

}  // namespace ramette::agent
