// The imports of what the law measures (DESIGN.md "What the law measures"): paper purchases and
// copier meter readings, parsed and fully validated into the model, with the rules common to
// every CSV import (csv_import.h). No storage.
#ifndef RAMETTE_AGGREGATOR_IMPORTS_PAPER_SOURCE_IMPORT_H_
#define RAMETTE_AGGREGATOR_IMPORTS_PAPER_SOURCE_IMPORT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator/model/inventory.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::imports {

// Columns date, direction, paper_id, format, quantity, unit, amount_eur_ht, use
// (`ramette import purchases`, DESIGN.md "What the law measures"). date YYYY-MM-DD; direction
// empty (the organisation only) or a direction name; paper_id one of `known_paper_ids`; format
// empty (A4), A3, A5 or another media name ParseMediaSize (ingest/media.h) recognises; quantity
// a number >= 0 with a `.` or `,` decimal mark; unit reams, sheets or kg (ASCII
// case-insensitive); amount_eur_ht empty or a number >= 0 with at most two decimals; use empty
// or office, or print_shop. Rows in file order. Identity: a purchases import replaces every
// stored purchase of the years its rows' dates fall in (InventoryStore::ReplacePurchases), so
// re-importing a file changes nothing; one file holds a whole year.
Result<std::vector<model::Purchase>> ParsePurchasesCsv(
    std::string_view content, std::string_view file_name,
    const std::set<std::string>& known_paper_ids);

// ParsePurchasesCsv in two steps, as CheckUsersCsv and ForEachUsersCsvBatch (csv_import.h): the
// number of rows or ParsePurchasesCsv's error, then the rows of an accepted file in batches.
Result<size_t> CheckPurchasesCsv(std::string_view content, std::string_view file_name,
                                 const std::set<std::string>& known_paper_ids);
Status ForEachPurchasesCsvBatch(
    std::string_view content, std::string_view file_name,
    const std::set<std::string>& known_paper_ids, size_t batch_rows,
    const std::function<Status(std::span<const model::Purchase>)>& visit);

// Columns server, queue, date, total_impressions (`ramette import meters`). server and queue
// non-empty; date YYYY-MM-DD; total_impressions a whole number >= 0; (server, queue, date)
// unique in the file. A device's counter must not go down from one reading to the next by date,
// the `stored` readings included (a file row replaces a stored one of the same identity),
// unless one of the device's service periods in `devices` begins in between
// (model::ServicePeriodStartsBetween): else the error names the file row of the pair. Rows in
// file order.
Result<std::vector<model::MeterReading>> ParseMetersCsv(
    std::string_view content, std::string_view file_name, const std::vector<model::Device>& devices,
    const std::vector<model::MeterReading>& stored = {});

// A meters file CheckMetersCsv accepted and the stored readings of the devices it names: the
// readings an import stores, 24 bytes each, each device's server and queue held once. Neither
// the file's content nor `stored` need outlive it.
class CheckedMeters {
 public:
  // Applies every rule of ParseMetersCsv (`devices` and `stored` as there), or returns its error.
  static Result<CheckedMeters> Check(std::string_view content, std::string_view file_name,
                                     const std::vector<model::Device>& devices,
                                     const std::vector<model::MeterReading>& stored);
  // The number of rows of the file.
  size_t file_rows() const { return file_rows_; }
  // The file's rows in file order, counters 0: what ParseMetersCsv returns.
  std::vector<model::MeterReading> FileRows() const;
  // model::CountedMeterReadings(FileRows(), stored, devices), `devices` those given to Check,
  // handed to `visit` in order in consecutive batches of at most `batch_rows`; stops at the first
  // error `visit` returns. May be called again.
  Status ForEachCountedBatch(
      const std::vector<model::Device>& devices, size_t batch_rows,
      const std::function<Status(std::span<const model::MeterReading>)>& visit) const;

 private:
  struct DeviceName {
    uint32_t offset;  // in names_: server, a NUL, queue
    uint32_t server_size;
    uint32_t queue_size;
  };
  struct Reading {
    uint32_t device;  // in devices_, which are sorted by (server, queue)
    Day date;
    int32_t line;  // in the file; 0 for a stored reading
    int64_t total;
  };
  std::string_view Server(uint32_t device) const;
  std::string_view Queue(uint32_t device) const;

  std::string names_;
  std::vector<DeviceName> devices_;
  std::vector<Reading> readings_;  // sorted by (device, date), one per identity
  size_t file_rows_ = 0;
};

// ParseMetersCsv without a struct per row (issue 12): CheckedMeters::Check.
Result<CheckedMeters> CheckMetersCsv(std::string_view content, std::string_view file_name,
                                     const std::vector<model::Device>& devices,
                                     const std::vector<model::MeterReading>& stored = {});

}  // namespace ramette::aggregator::imports

#endif  // RAMETTE_AGGREGATOR_IMPORTS_PAPER_SOURCE_IMPORT_H_
