// Private to the CSV imports (csv_import.cc, paper_source_import.cc): the header mapped to the
// expected columns, typed access to a row's fields with messages naming the file, line and
// column, and the row and batch loops every import runs.
#ifndef RAMETTE_AGGREGATOR_IMPORTS_CSV_ROWS_H_
#define RAMETTE_AGGREGATOR_IMPORTS_CSV_ROWS_H_

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "aggregator/imports/csv_reader.h"
#include "aggregator/model/inventory.h"
#include "common/civil_time.h"
#include "common/status.h"
#include "common/utf8.h"

namespace ramette::aggregator::imports::csv_rows {

// One expected column of an import.
struct Column {
  std::string_view name;  // lower case
  bool required;
};

std::string_view TrimSpaces(std::string_view s);

std::string AsciiLower(std::string_view s);

// 'value', as values are shown in messages.
std::string Quote(std::string_view v);

std::string ColumnList(std::span<const Column> columns);

std::string FormatBound(const std::optional<Day>& d);

// A file's header checked against its expected columns: where each column is.
struct Table {
  std::vector<int> index;  // per expected column, its position in the file, -1 when absent
  size_t width = 0;        // number of header fields
};

Result<Table> TableOfHeader(const CsvRecord& header, std::string_view file_name,
                            std::span<const Column> columns);

// The longest text value a row may hold (as ingest caps the agents' strings).
inline constexpr size_t kMaxFieldBytes = 1024;

// Typed access to the fields of one data row, with messages naming the file, line and column.
class Row {
 public:
  Row(std::string_view file_name, const Table& table, std::span<const Column> columns,
      const CsvRecord& record)
      : file_name_(file_name), table_(table), columns_(columns), record_(record) {}

  int line() const { return record_.line; }

  // The row has the header's width, and every expected field is printable text of at most
  // kMaxFieldBytes (a NUL, a line break or a control character in a name would show, or hide,
  // in reports and logs).
  Status CheckWidth() const {
    if (record_.fields.size() != table_.width) {
      return Error("expected " + std::to_string(table_.width) +
                   " columns as in the header, found " + std::to_string(record_.fields.size()));
    }
    for (size_t col = 0; col < columns_.size(); ++col) {
      std::string_view v = Raw(static_cast<int>(col));
      if (v.size() > kMaxFieldBytes) {
        return Error(static_cast<int>(col),
                     "value longer than " + std::to_string(kMaxFieldBytes) + " bytes");
      }
      std::string control = ControlCharacterProblem(v);
      if (!control.empty()) return Error(static_cast<int>(col), control);
    }
    return Status::Ok();
  }

  // The field as written; empty when the optional column is absent from the file.
  std::string_view Raw(int col) const {
    int i = table_.index[col];
    return i < 0 ? std::string_view() : std::string_view(record_.fields[i]);
  }

  Status Error(std::string_view what) const { return CsvError(file_name_, line(), what); }
  Status Error(int col, std::string_view what) const {
    std::string m(what);
    m += " (column ";
    m += columns_[col].name;
    m += ')';
    return Error(m);
  }

  // A direction name: a required text value (optional when `required` is false) that is not
  // reserved (model::ReservedDirectionProblem).
  Result<std::string> Direction(int col, bool required = true) const {
    std::string_view v = Raw(col);
    if (required && TrimSpaces(v).empty()) return Error(col, "missing value");
    if (std::optional<std::string> problem = model::ReservedDirectionProblem(v)) {
      return Error(col, *problem);
    }
    return std::string(v);
  }

  // A required text value, byte for byte.
  Result<std::string> Text(int col) const {
    std::string_view v = Raw(col);
    if (TrimSpaces(v).empty()) return Error(col, "missing value");
    return std::string(v);
  }

  // Empty (nullopt) or a YYYY-MM-DD calendar date.
  Result<std::optional<Day>> OptionalDate(int col) const {
    std::string_view v = TrimSpaces(Raw(col));
    if (v.empty()) return std::optional<Day>();
    Result<Day> d = ParseIsoDate(v);
    if (!d.ok()) {
      return Error(col, "invalid date " + Quote(v) + ", expected a real YYYY-MM-DD date");
    }
    return std::optional<Day>(*d);
  }

  Result<Day> Date(int col) const {
    Result<std::optional<Day>> d = OptionalDate(col);
    if (!d.ok()) return d.status();
    if (!d->has_value()) return Error(col, "missing date");
    return **d;
  }

  // Digits only (no sign, no decimal separator), fitting in 64 bits: a count of `unit`, named
  // `name` in the error ("invalid NAME "X", expected a whole number of UNIT (0 or more)").
  Result<int64_t> WholeNumber(int col, std::string_view name, std::string_view unit) const {
    std::string_view text = TrimSpaces(Raw(col));
    bool digits_only = !text.empty();
    for (char c : text) digits_only = digits_only && c >= '0' && c <= '9';
    const char* end = text.data() + text.size();
    int64_t value = 0;
    std::from_chars_result parsed{};
    if (digits_only) parsed = std::from_chars(text.data(), end, value);
    if (!digits_only || parsed.ec != std::errc() || parsed.ptr != end) {
      return Error(col, "invalid " + std::string(name) + " " + Quote(text) +
                            ", expected a whole number of " + std::string(unit) + " (0 or more)");
    }
    return value;
  }

 private:
  std::string_view file_name_;
  const Table& table_;
  std::span<const Column> columns_;
  const CsvRecord& record_;
};

// Calls `visit` with each data row of the file in file order, once its header was checked
// against `columns`. The rows are read one at a time (ForEachCsvRecord): only what the import
// keeps of a row stays in memory.
Status ForEachRow(std::string_view content, std::string_view file_name,
                  std::span<const Column> columns, const std::function<Status(const Row&)>& visit);

// Calls `visit` with the rows of the file in file order, converted by `row_of` (Status(const Row&,
// T*)), `batch_rows` at a time (at least one): the imports that store in batches keep one batch
// of converted rows in memory, not the whole file.
template <typename T, typename RowOf>
Status ForEachBatchOf(std::string_view content, std::string_view file_name,
                      std::span<const Column> columns, size_t batch_rows, const RowOf& row_of,
                      const std::function<Status(std::span<const T>)>& visit) {
  std::vector<T> batch;
  batch.reserve(std::max<size_t>(batch_rows, 1));
  Status rows = ForEachRow(content, file_name, columns, [&](const Row& row) -> Status {
    if (batch.size() >= batch_rows && !batch.empty()) {
      RAMETTE_RETURN_IF_ERROR(visit(batch));
      batch.clear();
    }
    batch.emplace_back();
    return row_of(row, &batch.back());
  });
  if (!rows.ok()) return rows;
  if (!batch.empty()) return visit(batch);
  return Status::Ok();
}

// Digits with at most one `.` or `,` decimal mark between digits.
std::optional<double> ParseDecimal(std::string_view s);

}  // namespace ramette::aggregator::imports::csv_rows

#endif  // RAMETTE_AGGREGATOR_IMPORTS_CSV_ROWS_H_
