// Imports of the law's sources, timed end to end as `ramette import` runs them (parse, check,
// store in one transaction) into a fresh SQLite store: N purchase rows, then M meter readings of D
// devices (read monthly up to December 2018 when each has at most 60 readings, else daily up to
// 31 December 2018), then `indicators` JSON with them; then once more after one reading of 2019
// a device (each device's counters for 2018 are then two key seeks).
// ./bench/paper_sources_bench [purchases=100000] [readings=1000000] [devices=readings/12]
// RAMETTE_BENCH_KEEP=1 keeps the database (its directory is printed) for the sqlite3 shell.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "aggregator/imports/paper_source_import.h"
#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/store/sqlite_store.h"
#include "common/civil_time.h"

using namespace ramette;
using namespace ramette::aggregator;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Fail(const Status& st) {
  std::fprintf(stderr, "paper_sources_bench: %s\n", st.ToString().c_str());
  return 1;
}

// What `ramette import meters` runs on `csv`: parse and check against the stored readings and
// devices, count, store. `*parse_seconds`: the time before storing.
Status ImportMeters(store::SqliteStore& s, const std::string& csv, const std::string& name,
                    double* parse_seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  auto inventory = s.LoadInventory();
  if (!inventory.ok()) return inventory.status();
  auto stored = s.LoadMeterReadings();
  if (!stored.ok()) return stored.status();
  auto rows = imports::ParseMetersCsv(csv, name, inventory->devices, *stored);
  if (!rows.ok()) return rows.status();
  *parse_seconds = Seconds(t0);
  return s.UpsertMeterReadings(
      model::CountedMeterReadings(std::move(*rows), *stored, inventory->devices));
}

// `indicators --year 2018 --format json` three times, each printed after `label`.
Status TimeIndicators(store::SqliteStore& s, const char* label) {
  for (int run = 0; run < 3; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    auto report = indicators::ComputeIndicators(s, 2018);
    if (!report.ok()) return report.status();
    const std::string json = indicators::FormatIndicatorsJson(*report);
    std::printf("%s: %.0f ms (%zu bytes)\n", label, Seconds(t0) * 1000, json.size());
  }
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  const long purchases = argc > 1 ? std::atol(argv[1]) : 100000;
  const long readings = argc > 2 ? std::atol(argv[2]) : 1000000;
  const long devices_arg = argc > 3 ? std::atol(argv[3]) : 0;
  char tmpl[] = "/tmp/ramette-paper-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto opened = store::SqliteStore::Open(dir + "/ramette.db");
  if (!opened.ok()) return Fail(opened.status());
  store::SqliteStore& s = **opened;
  if (Status st = s.UpsertPapers({{"STD80", false, 80}, {"REC80", true, 80}}); !st.ok()) {
    return Fail(st);
  }

  std::string csv = "date;direction;paper_id;format;quantity;unit;amount_eur_ht;use\n";
  for (long i = 0; i < purchases; ++i) {
    const CivilDate d = CivilFromDays(DaysFromCivil(2016, 1, 1) + static_cast<Day>(i % 1096));
    char row[160];
    std::snprintf(row, sizeof row, "%04d-%02d-%02d;Direction %ld;%s;%s;%ld;%s;\"%ld,%02ld\";%s\n",
                  d.year, d.month, d.day, i % 40, i % 3 ? "STD80" : "REC80", i % 5 ? "" : "A3",
                  1 + i % 20, i % 7 ? "reams" : "sheets", 4 + i % 90, i % 100,
                  i % 11 ? "office" : "print_shop");
    csv += row;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto known = s.KnownPaperIds();
  if (!known.ok()) return Fail(known.status());
  auto parsed = imports::ParsePurchasesCsv(csv, "purchases.csv",
                                           std::set<std::string>(known->begin(), known->end()));
  if (!parsed.ok()) return Fail(parsed.status());
  if (Status st = s.ReplacePurchases(*parsed); !st.ok()) return Fail(st);
  std::printf("import purchases: %ld rows (%.1f MiB) in %.2f s\n", purchases,
              csv.size() / 1048576.0, Seconds(t0));

  std::string meters = "server,queue,date,total_impressions\n";
  const long devices = devices_arg > 0 ? devices_arg : (readings / 12 > 0 ? readings / 12 : 1);
  const long per_device = (readings + devices - 1) / devices;
  for (long i = 0; i < readings; ++i) {
    const long device = i % devices;
    const long month = i / devices;  // the device's reading number
    // Monthly (the 1st) up to December 2018 for up to 60 readings a device, else daily up to
    // 31 December 2018.
    const long back = per_device - 1 - month;
    const long month_index = 2018 * 12 + 11 - back;
    const Day date = per_device <= 60 ? DaysFromCivil(static_cast<int>(month_index / 12),
                                                      static_cast<int>(month_index % 12) + 1, 1)
                                      : DaysFromCivil(2018, 12, 31) - static_cast<Day>(back);
    const CivilDate d = CivilFromDays(date);
    char row[128];
    std::snprintf(row, sizeof row, "copieurs,copier-%ld,%04d-%02d-%02d,%ld\n", device, d.year,
                  d.month, d.day, 1000 + month * (500 + device % 1000));
    meters += row;
  }
  t0 = std::chrono::steady_clock::now();
  double parse_s = 0;
  if (Status st = ImportMeters(s, meters, "meters.csv", &parse_s); !st.ok()) return Fail(st);
  std::printf("  (parse and counter check: %.2f s)\n", parse_s);
  std::printf("import meters: %ld readings of %ld devices (%.1f MiB) in %.2f s\n", readings,
              devices, meters.size() / 1048576.0, Seconds(t0));

  t0 = std::chrono::steady_clock::now();
  if (auto inv = s.LoadInventory(); !inv.ok()) return Fail(inv.status());
  std::printf("  (LoadInventory: %.0f ms)\n", Seconds(t0) * 1000);
  t0 = std::chrono::steady_clock::now();
  auto counters = s.LoadMeterCounters(DaysFromCivil(2018, 1, 1), DaysFromCivil(2018, 12, 31));
  if (!counters.ok()) return Fail(counters.status());
  std::printf("  (LoadMeterCounters 2018: %zu devices in %.0f ms)\n", counters->size(),
              Seconds(t0) * 1000);
  // A period inside every device's readings: no first or last reading answers it, each device
  // seeks two (the worst case, as for a past year when the readings go on after it).
  t0 = std::chrono::steady_clock::now();
  auto june = s.LoadMeterCounters(DaysFromCivil(2018, 6, 15), DaysFromCivil(2018, 7, 15));
  if (!june.ok()) return Fail(june.status());
  std::printf("  (LoadMeterCounters 15 June - 15 July 2018: %zu devices in %.0f ms)\n",
              june->size(), Seconds(t0) * 1000);
  t0 = std::chrono::steady_clock::now();
  auto bought = s.LoadPurchases(DaysFromCivil(2017, 1, 1), DaysFromCivil(2018, 12, 31));
  if (!bought.ok()) return Fail(bought.status());
  std::printf("  (LoadPurchases 2017-2018: %zu rows in %.0f ms)\n", bought->size(),
              Seconds(t0) * 1000);
  if (Status st = TimeIndicators(s, "indicators --year 2018 --format json"); !st.ok()) {
    return Fail(st);
  }
  // Once readings of 2019 exist (one more a device, on 1 February 2019), 2018 ends before each
  // device's last reading: its end seeks too.
  std::string later = "server,queue,date,total_impressions\n";
  for (long device = 0; device < devices; ++device) {
    later += "copieurs,copier-" + std::to_string(device) + ",2019-02-01," +
             std::to_string(1000 + per_device * (500 + device % 1000)) + "\n";
  }
  if (Status st = ImportMeters(s, later, "later.csv", &parse_s); !st.ok()) return Fail(st);
  t0 = std::chrono::steady_clock::now();
  auto after = s.LoadMeterCounters(DaysFromCivil(2018, 1, 1), DaysFromCivil(2018, 12, 31));
  if (!after.ok()) return Fail(after.status());
  std::printf(
      "  (with a reading of February 2019 a device: LoadMeterCounters 2018: %zu devices "
      "in %.0f ms)\n",
      after->size(), Seconds(t0) * 1000);
  if (Status st = TimeIndicators(s, "indicators --year 2018 --format json, readings up to 2019");
      !st.ok()) {
    return Fail(st);
  }
  if (std::getenv("RAMETTE_BENCH_KEEP") != nullptr) {
    std::printf("database kept in %s\n", dir.c_str());
  } else {
    std::filesystem::remove_all(dir);
  }
  return 0;
}
