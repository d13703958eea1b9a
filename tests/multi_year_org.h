// An organisation with every case the attribution rules distinguish, over 2016-2019: users who
// move direction (mid-month and on the 1st, and who drop out of the directory), queues with two
// service periods (class, direction and paper changing mid-month), devices retired on 31 Dec
// that keep printing, a device without paper (the default stock) or without direction, a print
// shop, a queue never classified, unknown users and media, New Year's Eve jobs that belong to
// the next local year, page_log records. Loaded the same way into any engine, through the
// CLI's imports and the ingest path (CommitJobs), so that tests can compare engines and views.
#ifndef RAMETTE_TESTS_MULTI_YEAR_ORG_H_
#define RAMETTE_TESTS_MULTI_YEAR_ORG_H_

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/cli/commands.h"
#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/store/open_store.h"
#include "common/civil_time.h"
#include "common/job_record.h"
#include "common/status.h"

namespace ramette::testing {

inline constexpr int kMultiYearFirst = 2016;
inline constexpr int kMultiYearLast = 2019;

struct MultiYearOrg {
  // CSV file name -> content, in import order (kind, text).
  std::vector<std::pair<std::string, std::string>> imports;
  // Jobs per server id, in submission order: `backfill` (page_log copies of some live jobs,
  // completed a few seconds apart, which the live records supersede) before `jobs`, then
  // `replays` (records sent again, duplicates).
  std::map<std::string, std::vector<JobRecord>> backfill;
  std::map<std::string, std::vector<JobRecord>> jobs;
  std::map<std::string, std::vector<JobRecord>> replays;
};

inline MultiYearOrg MakeMultiYearOrg() {
  MultiYearOrg org;
  org.imports.emplace_back("papers",
                           "paper_id,recycled,grammage_gsm\n"
                           "std80,no,80\nrecy80,yes,80\nrecy75,yes,75\nheavy90,no,90\n");
  org.imports.emplace_back(
      "devices",
      "server,queue,class,direction,paper_id,in_service,out_of_service\n"
      // Retired on 31 Dec 2017; jobs still arrive on it afterwards.
      "prn-a,daf-bureau,desktop_printer,DAF,std80,2015-01-01,2017-12-31\n"
      // Recycled paper from 15 June 2017.
      "prn-a,daf-copieur,mfp,DAF,std80,2015-01-01,2017-06-15\n"
      "prn-a,daf-copieur,mfp,DAF,recy80,2017-06-15,\n"
      // No paper: the default stock.
      "prn-a,dsi-copieur,mfp,DSI,,2015-01-01,\n"
      // Jobs before its first period (earliest period), then it becomes a DRH copier mid-month.
      "prn-a,dsi-bureau,desktop_printer,DSI,heavy90,2016-03-01,2018-09-10\n"
      "prn-a,dsi-bureau,mfp,DRH,recy75,2018-09-10,\n"
      // Retired on 31 Dec 2019, printing that day.
      "prn-a,drh-bureau,desktop_printer,DRH,std80,2016-01-01,2019-12-31\n"
      "prn-a,repro,print_shop,DCOM,recy80,2015-01-01,\n"
      // No direction: unknown users' jobs are unassigned.
      "prn-b,accueil,desktop_printer,,std80,2015-01-01,\n"
      // Directions whose byte order is not a French collation's (lower case, accents).
      "prn-b,achats-bureau,desktop_printer,achats,recy80,2016-01-01,\n");
  org.imports.emplace_back("users",
                           "user,direction,valid_from,valid_to\n"
                           "alice,DAF,,2017-06-20\n"
                           "alice,DSI,2017-06-20,\n"
                           "bob,DSI,,\n"
                           "carol,DRH,2016-01-01,2018-01-01\n"
                           "carol,DCOM,2018-03-01,\n"
                           "dave,DCOM,,\n"
                           "erin,DAF,2016-07-01,\n"
                           "gina,achats,,\n"
                           "hugo,Égalité,,\n");
  org.imports.emplace_back("workstations",
                           "direction,date,count\n"
                           "DAF,2015-01-01,40\nDAF,2018-01-01,38\nDSI,2015-01-01,30\n"
                           "DRH,2015-01-01,20\nDRH,2019-01-01,22\nDCOM,2015-01-01,10\n"
                           "achats,2015-01-01,5\nÉgalité,2015-01-01,3\n");
  org.imports.emplace_back("directions",
                           "direction,email\nDAF,daf@example.org\nDSI,dsi@example.org\n");

  uint64_t state = 0x2545F4914F6CDD1Dull;
  auto next = [&state](uint32_t n) {  // xorshift64*, deterministic
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return static_cast<uint32_t>((state * 0x2545F4914F6CDD1Dull) >> 33) % n;
  };
  const char* queues_a[] = {"daf-bureau", "daf-copieur", "dsi-copieur",  "dsi-bureau",
                            "drh-bureau", "repro",       "salle-reunion"};
  const char* users[] = {"alice", "bob", "carol", "dave", "erin", "frank", "gina", "hugo", ""};
  const char* media[] = {"iso_a4_210x297mm",
                         "iso_a4_210x297mm",
                         "iso_a4_210x297mm",
                         "A4",
                         "iso_a3_297x420mm",
                         "na_letter_8.5x11in",
                         "",
                         "mystery-size"};
  std::map<std::string, int32_t> cups_ids;
  auto add = [&](const std::string& server, const std::string& queue, const std::string& user,
                 int64_t completed_at) {
    JobRecord j;
    j.queue = queue;
    j.cups_job_id = ++cups_ids[server];
    j.user = user;
    j.completed_at = completed_at;
    j.created_at = completed_at - 30;
    const uint32_t state_pick = next(40);
    j.state = state_pick == 0   ? JobState::kCanceled
              : state_pick == 1 ? JobState::kAborted
                                : JobState::kCompleted;
    j.copies = next(6) == 0 ? 2 + static_cast<int32_t>(next(3)) : 1;
    const int pages = 1 + static_cast<int>(next(12)) + (next(10) == 0 ? 40 : 0);
    j.job_impressions = pages;
    j.impressions_completed = static_cast<int64_t>(pages) * j.copies;
    j.sides = next(3) == 0   ? Sides::kOneSided
              : next(5) == 0 ? Sides::kTwoSidedShortEdge
                             : Sides::kTwoSidedLongEdge;
    j.color_mode = next(5) == 0 ? ColorMode::kColor : ColorMode::kMonochrome;
    j.media = media[next(std::size(media))];
    j.number_up = 1;
    j.source = next(15) == 0 ? RecordSource::kPageLog : RecordSource::kLive;
    if (j.source == RecordSource::kPageLog) j.copies = 1;
    if (j.source == RecordSource::kLive && next(20) == 0) {
      // Backfilled first from page_log (no copies, no user), then superseded by this record.
      JobRecord copy = j;
      copy.source = RecordSource::kPageLog;
      copy.user = "";
      copy.copies = 1;
      copy.impressions_completed = pages;
      copy.completed_at -= 7;
      org.backfill[server].push_back(std::move(copy));
    }
    if (next(25) == 0) org.replays[server].push_back(j);
    org.jobs[server].push_back(std::move(j));
  };

  for (int year = kMultiYearFirst; year <= kMultiYearLast; ++year) {
    for (int month = 1; month <= 12; ++month) {
      const Day first = DaysFromCivil(year, month, 1);
      const Day next_first = DaysFromCivil(month == 12 ? year + 1 : year, month % 12 + 1, 1);
      const int n = 45 + static_cast<int>(next(20)) - (year - kMultiYearFirst) * 5;
      for (int i = 0; i < n; ++i) {
        const Day day = first + static_cast<Day>(next(static_cast<uint32_t>(next_first - first)));
        // Any time of the UTC day: some jobs fall on the next local day in Paris.
        const int64_t at = int64_t{day} * 86400 + next(86400);
        if (next(12) == 0) {
          add("prn-b", next(2) == 0 ? "accueil" : "achats-bureau", users[next(std::size(users))],
              at);
        } else {
          add("prn-a", queues_a[next(std::size(queues_a))], users[next(std::size(users))], at);
        }
      }
    }
  }
  // The edges: on and after the 31 Dec retirements, New Year's Eve late in UTC (already the
  // next year in Paris), the days around each mid-month change.
  auto at = [](int y, int m, int d, int hour, int minute) {
    return int64_t{DaysFromCivil(y, m, d)} * 86400 + hour * 3600 + minute * 60;
  };
  add("prn-a", "daf-bureau", "frank", at(2017, 12, 30, 10, 0));
  add("prn-a", "daf-bureau", "frank", at(2017, 12, 31, 10, 0));
  add("prn-a", "daf-bureau", "", at(2018, 1, 15, 10, 0));
  add("prn-a", "drh-bureau", "frank", at(2019, 12, 31, 9, 0));
  add("prn-a", "drh-bureau", "bob", at(2019, 12, 31, 23, 30));  // 2020-01-01 in Paris
  add("prn-a", "dsi-copieur", "alice", at(2016, 12, 31, 23, 15));
  add("prn-a", "daf-copieur", "frank", at(2017, 6, 14, 12, 0));
  add("prn-a", "daf-copieur", "frank", at(2017, 6, 15, 12, 0));
  add("prn-a", "dsi-bureau", "frank", at(2016, 2, 10, 12, 0));
  add("prn-a", "dsi-bureau", "frank", at(2018, 9, 9, 12, 0));
  add("prn-a", "dsi-bureau", "frank", at(2018, 9, 10, 12, 0));
  add("prn-a", "salle-reunion", "alice", at(2017, 6, 19, 12, 0));
  add("prn-a", "salle-reunion", "alice", at(2017, 6, 20, 12, 0));
  add("prn-a", "salle-reunion", "carol", at(2018, 2, 10, 12, 0));
  // On each bound of the directory rows (valid_to is exclusive), on a queue without direction.
  add("prn-a", "salle-reunion", "carol", at(2017, 12, 31, 12, 0));
  add("prn-a", "salle-reunion", "carol", at(2018, 1, 1, 12, 0));
  add("prn-a", "salle-reunion", "carol", at(2018, 3, 1, 12, 0));
  add("prn-a", "salle-reunion", "erin", at(2016, 6, 30, 12, 0));
  add("prn-a", "salle-reunion", "erin", at(2016, 7, 1, 12, 0));
  return org;
}

// Loads `org` into the store at `db` (a SQLite path or a postgresql:// URI): the time zone
// Europe/Paris, then the backfill, the jobs and the replays through the ingest path in batches
// of 200, then the imports through `ramette import` (the order the product allows: inventory
// after the jobs).
// With `first_zone` set, the jobs are stored in that zone and the store is switched to
// Europe/Paris at the end (an aggregator whose time zone was configured late).
inline Status LoadMultiYearOrg(const MultiYearOrg& org, const std::string& db,
                               const std::string& scratch_dir,
                               const std::string& first_zone = "Europe/Paris") {
  {
    auto store = aggregator::store::OpenStore(db, aggregator::store::OpenMode::kCreate);
    if (!store.ok()) return store.status();
    auto tz = TimeZone::Load(first_zone);
    if (!tz.ok()) return tz.status();
    RAMETTE_RETURN_IF_ERROR((*store)->EnsureTimeZone(*tz));
    aggregator::ingest::IngestOptions options;
    options.time_zone = *tz;
    options.now = [] { return int64_t{1577836800}; };
    aggregator::ingest::IngestProcessor processor(&(*store)->jobs(), options);
    for (const auto* part : {&org.backfill, &org.jobs, &org.replays}) {
      for (const auto& [server, jobs] : *part) {
        for (size_t i = 0; i < jobs.size(); i += 200) {
          std::vector<JobRecord> batch(
              jobs.begin() + static_cast<std::ptrdiff_t>(i),
              jobs.begin() + static_cast<std::ptrdiff_t>(std::min(jobs.size(), i + 200)));
          auto r = processor.SubmitJobs(server, "test", batch);
          if (!r.ok()) return r.status();
          for (const auto& result : *r) {
            if (result.kind == aggregator::ingest::RecordResult::Kind::kRejected) {
              return Status::InvalidArgument("fixture job rejected: " + result.reason);
            }
          }
        }
      }
    }
  }
  for (const auto& [kind, text] : org.imports) {
    const std::string file = scratch_dir + "/" + kind + ".csv";
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    std::ostringstream out, err;
    if (aggregator::cli::RunImport(db, kind, file, out, err) != 0) {
      return Status::InvalidArgument("import " + kind + " failed: " + err.str());
    }
  }
  if (first_zone != "Europe/Paris") {
    auto store = aggregator::store::OpenStore(db, aggregator::store::OpenMode::kExisting);
    if (!store.ok()) return store.status();
    auto paris = TimeZone::Load("Europe/Paris");
    if (!paris.ok()) return paris.status();
    return (*store)->EnsureTimeZone(*paris);
  }
  return Status::Ok();
}

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_MULTI_YEAR_ORG_H_
