// The four reference-data CSV imports of DESIGN.md ("CSV imports"): papers, devices, users'
// directions and workstation counts, parsed and fully validated into the model. No storage.
#ifndef RAMETTE_AGGREGATOR_IMPORTS_CSV_IMPORT_H_
#define RAMETTE_AGGREGATOR_IMPORTS_CSV_IMPORT_H_

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator/model/direction_contacts.h"
#include "aggregator/model/inventory.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::imports {

// Common to the four parsers below. `content` is the whole file, read as by ReadCsv
// (csv_reader.h); `file_name` only prefixes the messages. The first record is the header:
// columns are found by name (ASCII case-insensitive, trimmed), in any order; a missing required
// column, an unknown, empty or repeated column name is an error on the header line. Every data
// row must have as many fields as the header. A file is all or nothing: on the first error, in
// file order, the result is InvalidArgument "FILE:LINE: what is wrong (column NAME)" naming the
// offending value, and no row is returned. Text values are kept byte for byte (UTF-8).
// A required text value made only of spaces counts as empty. A header with no rows is valid.

// Columns paper_id, recycled, grammage_gsm. paper_id non-empty and unique in the file; recycled
// yes/no or oui/non (case-insensitive); grammage_gsm a decimal number in [1, 1000] written with
// a `.` or a `,` decimal mark ("80", "80.5", "80,5").
Result<std::vector<model::Paper>> ParsePapersCsv(std::string_view content,
                                                 std::string_view file_name);

// Columns server, queue, class, direction, paper_id, in_service, out_of_service. server and
// queue non-empty; class desktop_printer, mfp, print_shop or other (ASCII case-insensitive);
// direction may be empty; paper_id empty for the default stock, else one of `known_paper_ids`;
// in_service a YYYY-MM-DD date; out_of_service empty (unbounded) or a date after in_service.
// A (server, queue) may have several rows (service periods, see Device) when their
// [in_service, out_of_service) periods do not overlap (one may end on the day the next begins);
// an overlap, an identical row included, names both lines. Every returned device has
// classified == true and id == 0, in file order.
Result<std::vector<model::Device>> ParseDevicesCsv(std::string_view content,
                                                   std::string_view file_name,
                                                   const std::set<std::string>& known_paper_ids);

// ParseDevicesCsv in two steps, as CheckUsersCsv and ForEachUsersCsvBatch below: the number of
// rows or ParseDevicesCsv's error, then the rows of an accepted file in batches.
Result<size_t> CheckDevicesCsv(std::string_view content, std::string_view file_name,
                               const std::set<std::string>& known_paper_ids);
Status ForEachDevicesCsvBatch(std::string_view content, std::string_view file_name,
                              const std::set<std::string>& known_paper_ids, size_t batch_rows,
                              const std::function<Status(std::span<const model::Device>)>& visit);

// Columns user, direction and the optional columns valid_from, valid_to (each YYYY-MM-DD or
// empty for unbounded). user and direction non-empty; valid_from < valid_to when both are set;
// the [valid_from, valid_to) intervals of one user's rows must not overlap (one may end on the
// day the next begins). User names are normalised by `rule` ([users], as recorded in the store)
// before the overlap check: `EXAMPLE\jdupont` and `jdupont` are one user under case = "lower",
// strip_domain = true.
Result<std::vector<model::UserDirection>> ParseUsersCsv(std::string_view content,
                                                        std::string_view file_name,
                                                        const model::UserNameRule& rule = {});

// ParseUsersCsv in two steps that never hold every row (issue 12: a million-row file is checked
// and stored in about twice its size of memory). CheckUsersCsv applies every rule and returns the
// number of rows, or the error ParseUsersCsv would return. ForEachUsersCsvBatch then hands the
// rows ParseUsersCsv would return to `visit`, in file order, in consecutive batches of at most
// `batch_rows`, and stops at the first error `visit` returns; it repeats the per-row checks but
// not the overlap rule, so call it on content CheckUsersCsv accepted. It may be called again.
Result<size_t> CheckUsersCsv(std::string_view content, std::string_view file_name,
                             const model::UserNameRule& rule = {});
Status ForEachUsersCsvBatch(
    std::string_view content, std::string_view file_name, const model::UserNameRule& rule,
    size_t batch_rows, const std::function<Status(std::span<const model::UserDirection>)>& visit);

// Columns direction, date, count. direction non-empty; date YYYY-MM-DD; count a non-negative
// integer written with digits only; (direction, date) unique in the file.
Result<std::vector<model::WorkstationCount>> ParseWorkstationsCsv(std::string_view content,
                                                                  std::string_view file_name);

// ParseWorkstationsCsv in two steps, as CheckUsersCsv and ForEachUsersCsvBatch above: the number
// of rows or ParseWorkstationsCsv's error, then the rows of an accepted file in batches.
Result<size_t> CheckWorkstationsCsv(std::string_view content, std::string_view file_name);
Status ForEachWorkstationsCsvBatch(
    std::string_view content, std::string_view file_name, size_t batch_rows,
    const std::function<Status(std::span<const model::WorkstationCount>)>& visit);

// Columns direction, email (`ramette import directions`). direction non-empty; email empty (the
// direction has no address: its report is written but not sent) or one or more addresses
// separated by spaces, ',' or ';' (quote the cell when it holds the file's separator), each
// passing IsPlausibleEmail. A direction may have several rows: their addresses are merged.
// One entry per direction, in order of first appearance, addresses sorted and unique.
Result<std::vector<model::DirectionContacts>> ParseDirectionsCsv(std::string_view content,
                                                                 std::string_view file_name);

// The most an import reads: 256 MiB (several million rows).
inline constexpr size_t kMaxImportBytes = size_t{256} << 20;

// The whole content of the file at `path`, bytes unchanged. IoError naming the path and the
// system's reason when it cannot be opened or read (a directory included); InvalidArgument when
// it holds more than `max_bytes` (a device such as /dev/zero or an endless standard input is
// read only that far).
Result<std::string> ReadFileContent(const std::string& path, size_t max_bytes = kMaxImportBytes);

}  // namespace ramette::aggregator::imports

#endif  // RAMETTE_AGGREGATOR_IMPORTS_CSV_IMPORT_H_
