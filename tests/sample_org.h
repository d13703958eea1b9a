// A small but realistic organisation for the report tests and the example report: five
// directions with desktop printers, copiers and a print shop, a directory, workstation counts,
// and 25 months of print jobs (deterministic), stored through the real ingest path.
#ifndef RAMETTE_TESTS_SAMPLE_ORG_H_
#define RAMETTE_TESTS_SAMPLE_ORG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/store/sqlite_store.h"
#include "common/civil_time.h"
#include "common/job_record.h"
#include "common/status.h"

namespace ramette::testing {

struct SampleOrg {
  std::string papers_csv;
  std::string devices_csv;
  std::string users_csv;
  std::string workstations_csv;
  std::vector<std::string> user_names;  // every user who prints (none may appear in a report)
  std::vector<JobRecord> jobs;          // all from server "prn-a"
};

inline constexpr const char* kSampleDirections[] = {"DAF", "DRH", "DSI", "DCOM",
                                                    "Cabinet & Mission <Europe>"};

// Jobs of the 25 months ending with (last_year, last_month), completed 08:00-16:59 UTC;
// `scale` multiplies the number of jobs (1: about 60,000, realistic monthly volumes).
inline SampleOrg MakeSampleOrg(int last_year, int last_month, double scale = 1.0) {
  SampleOrg org;
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state](uint32_t n) {  // xorshift64*, uniform enough for a sample
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return static_cast<uint32_t>((state * 0x2545F4914F6CDD1Dull) >> 33) % n;
  };
  org.papers_csv = "paper_id,recycled,grammage_gsm\nstd80,no,80\nrecy80,yes,80\n";
  struct Dir {
    const char* name;
    const char* prefix;
    int workstations;
    int desktops;
    bool recycled_copier;
    int base_jobs;  // per month
  };
  const Dir dirs[] = {{"DAF", "daf", 60, 3, true, 1100},
                      {"DRH", "drh", 35, 2, false, 700},
                      {"DSI", "dsi", 50, 4, false, 480},
                      {"DCOM", "dcom", 25, 1, true, 420},
                      {"Cabinet & Mission <Europe>", "cab", 15, 2, false, 330}};
  org.devices_csv = "server,queue,class,direction,paper_id,in_service,out_of_service\n";
  org.users_csv = "user,direction\n";
  org.workstations_csv = "direction,date,count\n";
  static const char* kFirst[] = {"claire", "hugo", "ines", "louis", "nora", "paul"};
  static const char* kLast[] = {"bernard", "durand", "lefevre", "moreau", "petit", "roux"};
  struct Queue {
    std::string name;
    int weight;
  };
  std::vector<std::vector<Queue>> queues;
  std::vector<std::vector<std::string>> users;
  for (size_t d = 0; d < std::size(dirs); ++d) {
    const Dir& dir = dirs[d];
    std::string dname = dir.name;
    const std::string csv_name = dname.find(',') != std::string::npos ? "\"" + dname + "\"" : dname;
    std::vector<Queue> qs;
    for (int i = 1; i <= dir.desktops; ++i) {
      const std::string q = std::string(dir.prefix) + "-bureau-" + std::to_string(i);
      // The last desktop of DAF was retired on 1 July of the last year.
      const bool retired = d == 0 && i == dir.desktops;
      org.devices_csv += "prn-a," + q + ",desktop_printer," + csv_name + ",std80,2015-01-01," +
                         (retired ? std::to_string(last_year) + "-07-01" : "") + "\n";
      qs.push_back(Queue{q, 10 + 5 * (dir.desktops - i)});
    }
    const std::string copier = std::string(dir.prefix) + "-copieur";
    org.devices_csv += "prn-a," + copier + ",mfp," + csv_name + "," +
                       (dir.recycled_copier ? "recy80" : "std80") + ",2015-01-01,\n";
    qs.push_back(Queue{copier, 45});
    if (d == 3) {
      org.devices_csv += "prn-a,repro,print_shop," + csv_name + ",recy80,2015-01-01,\n";
      qs.push_back(Queue{"repro", 15});
    }
    if (d == 0) qs.push_back(Queue{"salle-reunion", 3});  // never classified
    queues.push_back(qs);
    std::vector<std::string> us;
    for (int u = 0; u < 6; ++u) {
      const std::string name =
          std::string(kFirst[u]) + "." + kLast[(u + d) % 6] + std::to_string(d);
      us.push_back(name);
      org.user_names.push_back(name);
      if (u < 5) org.users_csv += name + "," + csv_name + "\n";  // the 6th is not in the directory
    }
    users.push_back(us);
    org.workstations_csv += csv_name + ",2015-01-01," + std::to_string(dir.workstations + 5) + "\n";
    org.workstations_csv += csv_name + "," + std::to_string(last_year) + "-01-01," +
                            std::to_string(dir.workstations) + "\n";
  }
  // A direction with workstations and no devices, users or jobs.
  org.workstations_csv += "Mission égalité,2015-01-01,4\n";

  int32_t cups_id = 1;
  const int32_t last = ramette::MonthIndex(last_year, last_month);
  for (int32_t m = last - 24; m <= last; ++m) {
    const int year = m / 12, month = m % 12 + 1;
    const int days =
        ramette::DaysFromCivil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) -
        ramette::DaysFromCivil(year, month, 1);
    // Quieter in August and late December, a slow decline, duplex spreading.
    const double season = month == 8 ? 0.45 : month == 12 ? 0.8 : month == 9 ? 1.15 : 1.0;
    const double trend = 1.0 - 0.012 * (m - (last - 24));
    const int duplex_pct = 40 + (m - (last - 24));
    for (size_t d = 0; d < std::size(dirs); ++d) {
      const int n = static_cast<int>(dirs[d].base_jobs * season * trend * scale);
      int total_weight = 0;
      for (const Queue& q : queues[d]) total_weight += q.weight;
      for (int i = 0; i < n; ++i) {
        JobRecord j;
        int w = static_cast<int>(next(static_cast<uint32_t>(total_weight)));
        size_t qi = 0;
        while (w >= queues[d][qi].weight) w -= queues[d][qi++].weight;
        j.queue = queues[d][qi].name;
        j.cups_job_id = cups_id++;
        j.user = users[d][next(6)];
        if (next(50) == 0) j.user = "";  // unknown user
        const int day = 1 + static_cast<int>(next(static_cast<uint32_t>(days)));
        j.completed_at = static_cast<int64_t>(ramette::DaysFromCivil(year, month, day)) * 86400 +
                         8 * 3600 + next(9 * 3600);
        j.created_at = j.completed_at - 20;
        j.state = JobState::kCompleted;
        j.copies = next(10) == 0 ? 2 + static_cast<int32_t>(next(4)) : 1;
        const int pages = 1 + static_cast<int>(next(14)) + (next(8) == 0 ? 50 : 0);
        j.impressions_completed = static_cast<int64_t>(pages) * j.copies;
        j.job_impressions = pages;
        j.sides =
            static_cast<int>(next(100)) < duplex_pct ? Sides::kTwoSidedLongEdge : Sides::kOneSided;
        j.color_mode = next(100) < 14 ? ColorMode::kColor : ColorMode::kMonochrome;
        const uint32_t media = next(100);
        j.media = media < 3 ? "iso_a3_297x420mm" : media < 5 ? "" : "iso_a4_210x297mm";
        j.source = RecordSource::kLive;
        org.jobs.push_back(std::move(j));
      }
    }
  }
  return org;
}

// Creates (or opens) the database `db` in Europe/Paris and stores `jobs` through the ingest
// path, as the aggregator would.
inline Status StoreSampleJobs(const std::string& db, const std::vector<JobRecord>& jobs) {
  auto store = aggregator::store::SqliteStore::Open(db);
  if (!store.ok()) return store.status();
  auto tz = TimeZone::Load("Europe/Paris");
  if (!tz.ok()) return tz.status();
  RAMETTE_RETURN_IF_ERROR((*store)->EnsureTimeZone(*tz));
  aggregator::ingest::IngestOptions options;
  options.time_zone = *tz;
  aggregator::ingest::IngestProcessor processor(store->get(), options);
  for (size_t i = 0; i < jobs.size(); i += 500) {
    std::vector<JobRecord> batch(
        jobs.begin() + static_cast<std::ptrdiff_t>(i),
        jobs.begin() + static_cast<std::ptrdiff_t>(std::min(jobs.size(), i + 500)));
    auto r = processor.SubmitJobs("prn-a", "sample", batch);
    if (!r.ok()) return r.status();
  }
  return (*store)->FoldRollups();
}

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_SAMPLE_ORG_H_
