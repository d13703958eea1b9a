// The private helpers of the CSV imports (csv_rows.h).
#include "aggregator/imports/csv_rows.h"

namespace ramette::aggregator::imports::csv_rows {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Quote(std::string_view v) {
  std::string out = "'";
  out += v;
  out += '\'';
  return out;
}

std::string ColumnList(std::span<const Column> columns) {
  std::string out;
  for (const Column& c : columns) {
    if (!out.empty()) out += ", ";
    out += c.name;
    if (!c.required) out += " (optional)";
  }
  return out;
}

std::string FormatBound(const std::optional<Day>& d) {
  return d ? FormatIsoDate(*d) : std::string("unbounded");
}

Result<Table> TableOfHeader(const CsvRecord& header, std::string_view file_name,
                            std::span<const Column> columns) {
  Table table;
  table.index.assign(columns.size(), -1);
  table.width = header.fields.size();
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string_view written = TrimSpaces(header.fields[i]);
    std::string name = AsciiLower(written);
    if (name.empty()) {
      return CsvError(file_name, header.line,
                      "empty column name in the header (field " + std::to_string(i + 1) + ")");
    }
    size_t c = 0;
    while (c < columns.size() && columns[c].name != name) ++c;
    if (c == columns.size()) {
      return CsvError(file_name, header.line,
                      "unknown column " + Quote(written) + " in the header (expected " +
                          ColumnList(columns) + ")");
    }
    if (table.index[c] != -1) {
      return CsvError(file_name, header.line,
                      "duplicate column " + Quote(written) + " in the header");
    }
    table.index[c] = static_cast<int>(i);
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].required && table.index[c] == -1) {
      return CsvError(file_name, header.line,
                      "missing column " + Quote(columns[c].name) + " in the header (expected " +
                          ColumnList(columns) + ")");
    }
  }
  return table;
}

Status ForEachRow(std::string_view content, std::string_view file_name,
                  std::span<const Column> columns, const std::function<Status(const Row&)>& visit) {
  std::optional<Table> table;
  Status st = ForEachCsvRecord(content, file_name, [&](const CsvRecord& record) -> Status {
    if (!table) {
      Result<Table> header = TableOfHeader(record, file_name, columns);
      if (!header.ok()) return header.status();
      table = std::move(header).value();
      return Status::Ok();
    }
    return visit(Row(file_name, *table, columns, record));
  });
  if (!st.ok()) return st;
  if (!table) {
    return CsvError(file_name, 1,
                    "empty file: a header row is required (" + ColumnList(columns) + ")");
  }
  return Status::Ok();
}

std::optional<double> ParseDecimal(std::string_view s) {
  std::string normalized;
  size_t before = 0, after = 0;
  bool mark = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      normalized += c;
      ++(mark ? after : before);
    } else if ((c == '.' || c == ',') && !mark) {
      mark = true;
      normalized += '.';
    } else {
      return std::nullopt;
    }
  }
  if (before == 0 || (mark && after == 0)) return std::nullopt;
  double value = 0;
  const char* end = normalized.data() + normalized.size();
  auto [ptr, ec] = std::from_chars(normalized.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace ramette::aggregator::imports::csv_rows
