// Header mapping, per-row value checks and the cross-row rules (duplicates, overlapping user
// intervals and device service periods) of the four CSV imports. Rows are checked in file order so
// the first error wins.
#include "aggregator/imports/csv_import.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "aggregator/imports/csv_reader.h"
#include "aggregator/ingest/media.h"
#include "common/civil_time.h"
#include "common/utf8.h"

namespace ramette::aggregator::imports {

namespace {

// One expected column of an import.
struct Column {
  std::string_view name;  // lower case
  bool required;
};

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

// 'value', as values are shown in messages.
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

// A file's header checked against its expected columns: where each column is.
struct Table {
  std::vector<int> index;  // per expected column, its position in the file, -1 when absent
  size_t width = 0;        // number of header fields
};

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

// The longest text value a row may hold (as ingest caps the agents' strings).
constexpr size_t kMaxFieldBytes = 1024;

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

// Digits with at most one `.` or `,` decimal mark between digits.
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

// ---- papers ----

enum PaperColumn { kPaperId, kPaperRecycled, kPaperGrammage };
constexpr Column kPaperColumns[] = {{"paper_id", true}, {"recycled", true}, {"grammage_gsm", true}};

// ---- devices ----

enum DeviceColumn {
  kDevServer,
  kDevQueue,
  kDevClass,
  kDevDirection,
  kDevPaperId,
  kDevInService,
  kDevOutOfService
};
constexpr Column kDeviceColumns[] = {
    {"server", true},   {"queue", true},      {"class", true},         {"direction", true},
    {"paper_id", true}, {"in_service", true}, {"out_of_service", true}};

// Service periods [in_service, out_of_service) of two rows of one queue; a missing
// out_of_service is unbounded (in_service is always set by the parser).
bool Overlap(const model::Device& a, const model::Device& b) {
  return model::IntervalsOverlap(a.in_service, a.out_of_service, b.in_service, b.out_of_service);
}

std::string FormatServicePeriod(const model::Device& d) {
  return "[" + FormatBound(d.in_service) + ", " + FormatBound(d.out_of_service) + ")";
}

// ---- users ----

enum UserColumn { kUserName, kUserDirection, kUserValidFrom, kUserValidTo };
constexpr Column kUserColumns[] = {
    {"user", true}, {"direction", true}, {"valid_from", false}, {"valid_to", false}};

// ---- workstations ----

enum WorkstationColumn { kWsDirection, kWsDate, kWsCount };
constexpr Column kWorkstationColumns[] = {{"direction", true}, {"date", true}, {"count", true}};

}  // namespace

Result<std::vector<model::Paper>> ParsePapersCsv(std::string_view content,
                                                 std::string_view file_name) {
  std::vector<model::Paper> papers;
  std::unordered_map<std::string, int> line_of_id;
  Status rows = ForEachRow(content, file_name, kPaperColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
    model::Paper paper;

    Result<std::string> id = row.Text(kPaperId);
    if (!id.ok()) return id.status();
    paper.paper_id = std::move(id).value();

    std::string_view recycled_text = TrimSpaces(row.Raw(kPaperRecycled));
    std::string recycled = AsciiLower(recycled_text);
    if (recycled == "yes" || recycled == "oui") {
      paper.recycled = true;
    } else if (recycled == "no" || recycled == "non") {
      paper.recycled = false;
    } else {
      return row.Error(kPaperRecycled,
                       "invalid value " + Quote(recycled_text) + ", expected yes or no");
    }

    std::string_view grammage_text = TrimSpaces(row.Raw(kPaperGrammage));
    std::optional<double> grammage = ParseDecimal(grammage_text);
    if (!grammage || *grammage < 1.0 || *grammage > 1000.0) {
      return row.Error(kPaperGrammage, "invalid grammage " + Quote(grammage_text) +
                                           ", expected a number of g/m² from 1 to 1000");
    }
    paper.grammage_gsm = *grammage;

    auto [it, inserted] = line_of_id.emplace(paper.paper_id, row.line());
    if (!inserted) {
      return row.Error(kPaperId, "duplicate paper id " + Quote(paper.paper_id) +
                                     ", already on line " + std::to_string(it->second));
    }
    papers.push_back(std::move(paper));
    return Status::Ok();
  });
  if (!rows.ok()) return rows;
  return papers;
}

Result<std::vector<model::Device>> ParseDevicesCsv(std::string_view content,
                                                   std::string_view file_name,
                                                   const std::set<std::string>& known_paper_ids) {
  std::vector<model::Device> devices;
  // Per (server, queue), the rows seen so far: their index in `devices` and line.
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<size_t, int>>> rows_of_key;
  Status rows = ForEachRow(content, file_name, kDeviceColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
    model::Device device;
    device.classified = true;

    Result<std::string> server = row.Text(kDevServer);
    if (!server.ok()) return server.status();
    device.server = std::move(server).value();
    Result<std::string> queue = row.Text(kDevQueue);
    if (!queue.ok()) return queue.status();
    device.queue = std::move(queue).value();

    std::string_view class_text = TrimSpaces(row.Raw(kDevClass));
    std::optional<model::DeviceClass> device_class =
        model::ParseDeviceClass(AsciiLower(class_text));
    if (!device_class) {
      return row.Error(kDevClass, "unknown class " + Quote(class_text) +
                                      ", expected desktop_printer, mfp, print_shop or other");
    }
    device.device_class = *device_class;

    Result<std::string> device_direction = row.Direction(kDevDirection, /*required=*/false);
    if (!device_direction.ok()) return device_direction.status();
    device.direction = std::move(device_direction).value();

    std::string_view paper_id = row.Raw(kDevPaperId);
    if (!TrimSpaces(paper_id).empty() && !known_paper_ids.contains(std::string(paper_id))) {
      return row.Error(kDevPaperId,
                       "unknown paper id " + Quote(paper_id) + ", not among the imported papers");
    }
    if (!TrimSpaces(paper_id).empty()) device.paper_id = std::string(paper_id);

    Result<Day> in_service = row.Date(kDevInService);
    if (!in_service.ok()) return in_service.status();
    device.in_service = *in_service;
    Result<std::optional<Day>> out_of_service = row.OptionalDate(kDevOutOfService);
    if (!out_of_service.ok()) return out_of_service.status();
    if (out_of_service->has_value() && **out_of_service <= *in_service) {
      return row.Error(kDevOutOfService,
                       "out_of_service " + Quote(FormatIsoDate(**out_of_service)) +
                           " is not after in_service " + Quote(FormatIsoDate(*in_service)));
    }
    device.out_of_service = *out_of_service;

    std::vector<std::pair<size_t, int>>& earlier = rows_of_key[{device.server, device.queue}];
    for (const auto& [index, line] : earlier) {
      if (Overlap(devices[index], device)) {
        return row.Error("device server " + Quote(device.server) + ", queue " +
                         Quote(device.queue) + ": service period " + FormatServicePeriod(device) +
                         " overlaps " + FormatServicePeriod(devices[index]) + " on line " +
                         std::to_string(line) + " (columns in_service, out_of_service)");
      }
    }
    earlier.emplace_back(devices.size(), row.line());
    devices.push_back(std::move(device));
    return Status::Ok();
  });
  if (!rows.ok()) return rows;
  return devices;
}

namespace {

// One users row converted and checked on its own (everything but the overlap rule).
Status UserRowOf(const Row& row, const model::UserNameRule& rule, model::UserDirection* user) {
  RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
  Result<std::string> name = row.Text(kUserName);
  if (!name.ok()) return name.status();
  user->user = model::NormalizeUserName(*name, rule);
  Result<std::string> direction = row.Direction(kUserDirection);
  if (!direction.ok()) return direction.status();
  user->direction = std::move(direction).value();

  Result<std::optional<Day>> from = row.OptionalDate(kUserValidFrom);
  if (!from.ok()) return from.status();
  user->valid_from = *from;
  Result<std::optional<Day>> to = row.OptionalDate(kUserValidTo);
  if (!to.ok()) return to.status();
  user->valid_to = *to;
  if (user->valid_from && user->valid_to && *user->valid_to <= *user->valid_from) {
    return row.Error(kUserValidTo, "valid_to " + Quote(FormatIsoDate(*user->valid_to)) +
                                       " is not after valid_from " +
                                       Quote(FormatIsoDate(*user->valid_from)));
  }
  return Status::Ok();
}

// What the overlap rule keeps of a users row: 20 bytes, its normalised name in a shared buffer.
// Unbounded dates are the extreme Day values (real dates are within years 0-9999).
struct UserSpan {
  uint32_t name_offset;
  uint32_t name_size;
  int32_t line;
  Day from;  // kNoFrom when unbounded
  Day to;    // kNoTo when unbounded

  static constexpr Day kNoFrom = std::numeric_limits<Day>::min();
  static constexpr Day kNoTo = std::numeric_limits<Day>::max();
  std::optional<Day> valid_from() const {
    return from == kNoFrom ? std::nullopt : std::optional(from);
  }
  std::optional<Day> valid_to() const { return to == kNoTo ? std::nullopt : std::optional(to); }
};

std::string FormatInterval(const UserSpan& s) {
  return "[" + FormatBound(s.valid_from()) + ", " + FormatBound(s.valid_to()) + ")";
}

}  // namespace

Result<size_t> CheckUsersCsv(std::string_view content, std::string_view file_name,
                             const model::UserNameRule& rule) {
  // The rows' names, one after the other: normalising never lengthens a name, so they fit in the
  // file's size, reserved once (pages never written are never resident).
  std::string names;
  names.reserve(content.size());
  std::vector<UserSpan> spans;
  spans.reserve(static_cast<size_t>(std::count(content.begin(), content.end(), '\n')) + 1);
  model::UserDirection user;
  Status rows = ForEachRow(content, file_name, kUserColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(UserRowOf(row, rule, &user));
    spans.push_back({static_cast<uint32_t>(names.size()), static_cast<uint32_t>(user.user.size()),
                     row.line(), user.valid_from.value_or(UserSpan::kNoFrom),
                     user.valid_to.value_or(UserSpan::kNoTo)});
    names += user.user;
    return Status::Ok();
  });
  // The rows before the first error (or all of them) were each valid: an overlap among them comes
  // first in file order. The first overlap is on the earliest row that overlaps an earlier row of
  // its user, with the first such earlier row: sorting by (name, line) groups each user's rows in
  // file order.
  auto name_of = [&names](const UserSpan& s) {
    return std::string_view(names).substr(s.name_offset, s.name_size);
  };
  std::sort(spans.begin(), spans.end(), [&](const UserSpan& a, const UserSpan& b) {
    if (int c = name_of(a).compare(name_of(b)); c != 0) return c < 0;
    return a.line < b.line;
  });
  auto overlap = [](const UserSpan& a, const UserSpan& b) {
    return model::IntervalsOverlap(a.valid_from(), a.valid_to(), b.valid_from(), b.valid_to());
  };
  const UserSpan* later = nullptr;    // the overlapping row that comes first in the file
  const UserSpan* earlier = nullptr;  // the first row of the same user it overlaps
  for (size_t begin = 0, end = 0; begin < spans.size(); begin = end) {
    end = begin + 1;
    while (end < spans.size() && name_of(spans[end]) == name_of(spans[begin])) ++end;
    // Rows in file order; a user's first overlapping row, checked against its earlier rows.
    for (size_t i = begin + 1; i < end && (later == nullptr || spans[i].line < later->line); ++i) {
      size_t j = begin;
      while (j < i && !overlap(spans[j], spans[i])) ++j;
      if (j < i) {
        later = &spans[i];
        earlier = &spans[j];
        break;
      }
    }
  }
  if (later != nullptr) {
    return CsvError(file_name, later->line,
                    "user " + Quote(name_of(*later)) + ": validity " + FormatInterval(*later) +
                        " overlaps " + FormatInterval(*earlier) + " on line " +
                        std::to_string(earlier->line) + " (columns valid_from, valid_to)");
  }
  if (!rows.ok()) return rows;
  return spans.size();
}

Status ForEachUsersCsvBatch(
    std::string_view content, std::string_view file_name, const model::UserNameRule& rule,
    size_t batch_rows, const std::function<Status(std::span<const model::UserDirection>)>& visit) {
  std::vector<model::UserDirection> batch;
  batch.reserve(std::max<size_t>(batch_rows, 1));
  Status rows = ForEachRow(content, file_name, kUserColumns, [&](const Row& row) -> Status {
    if (batch.size() >= batch_rows && !batch.empty()) {
      RAMETTE_RETURN_IF_ERROR(visit(batch));
      batch.clear();
    }
    batch.emplace_back();
    return UserRowOf(row, rule, &batch.back());
  });
  if (!rows.ok()) return rows;
  if (!batch.empty()) return visit(batch);
  return Status::Ok();
}

Result<std::vector<model::UserDirection>> ParseUsersCsv(std::string_view content,
                                                        std::string_view file_name,
                                                        const model::UserNameRule& rule) {
  Result<size_t> count = CheckUsersCsv(content, file_name, rule);
  if (!count.ok()) return count.status();
  std::vector<model::UserDirection> users;
  users.reserve(*count);
  Status rows = ForEachUsersCsvBatch(content, file_name, rule, *count,
                                     [&](std::span<const model::UserDirection> batch) {
                                       users.insert(users.end(), batch.begin(), batch.end());
                                       return Status::Ok();
                                     });
  if (!rows.ok()) return rows;
  return users;
}

namespace {

// One workstations row converted and checked on its own (everything but the duplicate rule).
Status WorkstationRowOf(const Row& row, model::WorkstationCount* count) {
  RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
  Result<std::string> direction = row.Direction(kWsDirection);
  if (!direction.ok()) return direction.status();
  count->direction = std::move(direction).value();
  Result<Day> date = row.Date(kWsDate);
  if (!date.ok()) return date.status();
  count->date = *date;

  std::string_view count_text = TrimSpaces(row.Raw(kWsCount));
  bool digits_only = !count_text.empty();
  for (char c : count_text) digits_only = digits_only && c >= '0' && c <= '9';
  const char* end = count_text.data() + count_text.size();
  std::from_chars_result parsed{};
  if (digits_only) parsed = std::from_chars(count_text.data(), end, count->count);
  if (!digits_only || parsed.ec != std::errc() || parsed.ptr != end) {
    return row.Error(kWsCount, "invalid count " + Quote(count_text) +
                                   ", expected a whole number of workstations (0 or more)");
  }
  return Status::Ok();
}

// What the duplicate rule keeps of a workstations row: 16 bytes, its direction in a shared buffer.
struct CountSpan {
  uint32_t name_offset;
  uint32_t name_size;
  int32_t line;
  Day date;
};

}  // namespace

Result<size_t> CheckWorkstationsCsv(std::string_view content, std::string_view file_name) {
  std::string names;  // as in CheckUsersCsv: the rows' directions, within the file's size
  names.reserve(content.size());
  std::vector<CountSpan> spans;
  spans.reserve(static_cast<size_t>(std::count(content.begin(), content.end(), '\n')) + 1);
  model::WorkstationCount count;
  Status rows = ForEachRow(content, file_name, kWorkstationColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(WorkstationRowOf(row, &count));
    spans.push_back({static_cast<uint32_t>(names.size()),
                     static_cast<uint32_t>(count.direction.size()), row.line(), count.date});
    names += count.direction;
    return Status::Ok();
  });
  // The rows before the first error were each valid: a duplicate among them comes first. The
  // first duplicate in file order is the second row of the (direction, date) whose second row
  // comes first; sorting by (direction, date, line) puts each key's rows together in file order.
  auto name_of = [&names](const CountSpan& s) {
    return std::string_view(names).substr(s.name_offset, s.name_size);
  };
  std::sort(spans.begin(), spans.end(), [&](const CountSpan& a, const CountSpan& b) {
    if (int c = name_of(a).compare(name_of(b)); c != 0) return c < 0;
    return std::tie(a.date, a.line) < std::tie(b.date, b.line);
  });
  const CountSpan* duplicate = nullptr;
  const CountSpan* first = nullptr;
  for (size_t i = 1; i < spans.size(); ++i) {
    const CountSpan& a = spans[i - 1];
    const CountSpan& b = spans[i];
    if (a.date != b.date || name_of(a) != name_of(b)) continue;
    // b is the second row of its key only when the row before a is of another key.
    const bool second =
        i == 1 || spans[i - 2].date != a.date || name_of(spans[i - 2]) != name_of(a);
    if (second && (duplicate == nullptr || b.line < duplicate->line)) {
      duplicate = &b;
      first = &a;
    }
  }
  if (duplicate != nullptr) {
    return CsvError(file_name, duplicate->line,
                    "duplicate count for direction " + Quote(name_of(*duplicate)) + " on " +
                        FormatIsoDate(duplicate->date) + ", already on line " +
                        std::to_string(first->line) + " (columns direction, date)");
  }
  if (!rows.ok()) return rows;
  return spans.size();
}

Status ForEachWorkstationsCsvBatch(
    std::string_view content, std::string_view file_name, size_t batch_rows,
    const std::function<Status(std::span<const model::WorkstationCount>)>& visit) {
  std::vector<model::WorkstationCount> batch;
  batch.reserve(std::max<size_t>(batch_rows, 1));
  Status rows = ForEachRow(content, file_name, kWorkstationColumns, [&](const Row& row) -> Status {
    if (batch.size() >= batch_rows && !batch.empty()) {
      RAMETTE_RETURN_IF_ERROR(visit(batch));
      batch.clear();
    }
    batch.emplace_back();
    return WorkstationRowOf(row, &batch.back());
  });
  if (!rows.ok()) return rows;
  if (!batch.empty()) return visit(batch);
  return Status::Ok();
}

Result<std::vector<model::WorkstationCount>> ParseWorkstationsCsv(std::string_view content,
                                                                  std::string_view file_name) {
  Result<size_t> count = CheckWorkstationsCsv(content, file_name);
  if (!count.ok()) return count.status();
  std::vector<model::WorkstationCount> counts;
  counts.reserve(*count);
  Status rows = ForEachWorkstationsCsvBatch(
      content, file_name, *count, [&](std::span<const model::WorkstationCount> batch) {
        counts.insert(counts.end(), batch.begin(), batch.end());
        return Status::Ok();
      });
  if (!rows.ok()) return rows;
  return counts;
}

enum DirectionColumn { kDirName, kDirEmail };
constexpr Column kDirectionColumns[] = {{"direction", true}, {"email", true}};

Result<std::vector<model::DirectionContacts>> ParseDirectionsCsv(std::string_view content,
                                                                 std::string_view file_name) {
  std::vector<model::DirectionContacts> out;
  std::map<std::string, size_t> index;
  Status rows = ForEachRow(content, file_name, kDirectionColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
    Result<std::string> direction = row.Direction(kDirName);
    if (!direction.ok()) return direction.status();
    auto [it, inserted] = index.emplace(*direction, out.size());
    if (inserted) out.push_back(model::DirectionContacts{*direction, {}});
    std::vector<std::string>& emails = out[it->second].emails;
    std::string_view cell = row.Raw(kDirEmail);
    size_t i = 0;
    while (i < cell.size()) {
      const size_t end = cell.find_first_of(" \t,;", i);
      const std::string_view address =
          cell.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      if (!address.empty()) {
        if (!model::IsPlausibleEmail(std::string(address))) {
          return row.Error(kDirEmail, "invalid e-mail address " + Quote(address));
        }
        emails.emplace_back(address);
      }
      if (end == std::string_view::npos) break;
      i = end + 1;
    }
    return Status::Ok();
  });
  if (!rows.ok()) return rows;
  for (model::DirectionContacts& d : out) {
    std::sort(d.emails.begin(), d.emails.end());
    d.emails.erase(std::unique(d.emails.begin(), d.emails.end()), d.emails.end());
  }
  return out;
}

Result<std::string> ReadFileContent(const std::string& path, size_t max_bytes) {
  auto fail = [&path](int err) {
    return Status::IoError("cannot read '" + path + "': " + std::strerror(err));
  };
  auto too_large = [&]() {
    return Status::InvalidArgument("'" + path + "' is larger than " +
                                   std::to_string(max_bytes >> 20) +
                                   " MiB, the most an import reads (split the file)");
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return fail(errno);
  std::string content;
  struct stat st;
  if (fstat(fileno(file.get()), &st) == 0 && S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
    content.reserve(static_cast<size_t>(st.st_size));  // one allocation of the file's size
  }
  // Devices, pipes and standard input have no size: read at most max_bytes + 1 bytes.
  char buffer[1 << 16];
  errno = 0;
  while (true) {
    size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
    if (content.size() + n > max_bytes) return too_large();
    content.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  if (std::ferror(file.get())) return fail(errno != 0 ? errno : EIO);
  return content;
}

// ---- purchases ----

namespace {

enum PurchaseColumn {
  kPurDate,
  kPurDirection,
  kPurPaperId,
  kPurFormat,
  kPurQuantity,
  kPurUnit,
  kPurAmount,
  kPurUse
};
constexpr Column kPurchaseColumns[] = {
    {"date", true},     {"direction", true}, {"paper_id", true},      {"format", true},
    {"quantity", true}, {"unit", true},      {"amount_eur_ht", true}, {"use", true}};

// Euros with at most two decimals (`.` or `,`) as whole cents, exactly.
std::optional<int64_t> ParseCents(std::string_view s) {
  if (!ParseDecimal(s)) return std::nullopt;
  int64_t cents = 0;
  int decimals = -1;
  for (char c : s) {
    if (c == '.' || c == ',') {
      decimals = 0;
      continue;
    }
    if (decimals >= 2) return std::nullopt;
    if (cents > (int64_t{1} << 53)) return std::nullopt;
    cents = cents * 10 + (c - '0');
    if (decimals >= 0) ++decimals;
  }
  for (int d = decimals < 0 ? 0 : decimals; d < 2; ++d) cents *= 10;
  return cents;
}

enum MeterColumn { kMetServer, kMetQueue, kMetDate, kMetTotal };
constexpr Column kMeterColumns[] = {
    {"server", true}, {"queue", true}, {"date", true}, {"total_impressions", true}};

}  // namespace

Result<std::vector<model::Purchase>> ParsePurchasesCsv(
    std::string_view content, std::string_view file_name,
    const std::set<std::string>& known_paper_ids) {
  std::vector<model::Purchase> out;
  Status rows = ForEachRow(content, file_name, kPurchaseColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
    model::Purchase p;
    Result<Day> date = row.Date(kPurDate);
    if (!date.ok()) return date.status();
    p.date = *date;
    Result<std::string> direction = row.Direction(kPurDirection, /*required=*/false);
    if (!direction.ok()) return direction.status();
    if (!TrimSpaces(*direction).empty()) p.direction = std::move(direction).value();

    Result<std::string> paper = row.Text(kPurPaperId);
    if (!paper.ok()) return paper.status();
    if (!known_paper_ids.contains(*paper)) {
      return row.Error(kPurPaperId, "unknown paper id " + Quote(*paper) +
                                        " (import it with `ramette import papers` first)");
    }
    p.paper_id = std::move(paper).value();

    std::string_view format = TrimSpaces(row.Raw(kPurFormat));
    if (!format.empty() && !ingest::ParseMediaSize(format).known) {
      return row.Error(kPurFormat, "unknown format " + Quote(format) +
                                       ", expected A4, A3, A5 or a PWG media name");
    }
    p.format = std::string(format);

    std::string_view quantity = TrimSpaces(row.Raw(kPurQuantity));
    std::optional<double> q = ParseDecimal(quantity);
    if (!q) {
      return row.Error(kPurQuantity,
                       "invalid quantity " + Quote(quantity) + ", expected a number 0 or more");
    }
    p.quantity = *q;

    std::string_view unit_text = TrimSpaces(row.Raw(kPurUnit));
    std::optional<model::PurchaseUnit> unit = model::ParsePurchaseUnit(AsciiLower(unit_text));
    if (!unit) {
      return row.Error(kPurUnit,
                       "invalid unit " + Quote(unit_text) + ", expected reams, sheets or kg");
    }
    p.unit = *unit;

    std::string_view amount = TrimSpaces(row.Raw(kPurAmount));
    if (!amount.empty()) {
      p.amount_cents = ParseCents(amount);
      if (!p.amount_cents) {
        return row.Error(kPurAmount,
                         "invalid amount " + Quote(amount) +
                             ", expected euros excluding tax, 0 or more, at most two decimals");
      }
    }

    std::string_view use_text = TrimSpaces(row.Raw(kPurUse));
    if (!use_text.empty()) {
      std::optional<model::PaperUse> use = model::ParsePaperUse(AsciiLower(use_text));
      if (!use) {
        return row.Error(kPurUse,
                         "invalid use " + Quote(use_text) + ", expected office or print_shop");
      }
      p.use = *use;
    }
    out.push_back(std::move(p));
    return Status::Ok();
  });
  if (!rows.ok()) return rows;
  return out;
}

Result<std::vector<model::MeterReading>> ParseMetersCsv(
    std::string_view content, std::string_view file_name, const std::vector<model::Device>& devices,
    const std::vector<model::MeterReading>& stored) {
  std::vector<model::MeterReading> out;
  std::vector<int> lines;
  Status rows = ForEachRow(content, file_name, kMeterColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
    model::MeterReading m;
    Result<std::string> server = row.Text(kMetServer);
    if (!server.ok()) return server.status();
    m.server = std::move(server).value();
    Result<std::string> queue = row.Text(kMetQueue);
    if (!queue.ok()) return queue.status();
    m.queue = std::move(queue).value();
    Result<Day> date = row.Date(kMetDate);
    if (!date.ok()) return date.status();
    m.date = *date;
    std::string_view total = TrimSpaces(row.Raw(kMetTotal));
    bool digits_only = !total.empty();
    for (char c : total) digits_only = digits_only && c >= '0' && c <= '9';
    const char* end = total.data() + total.size();
    std::from_chars_result parsed{};
    if (digits_only) parsed = std::from_chars(total.data(), end, m.total_impressions);
    if (!digits_only || parsed.ec != std::errc() || parsed.ptr != end) {
      return row.Error(kMetTotal, "invalid counter " + Quote(total) +
                                      ", expected a whole number of impressions (0 or more)");
    }
    out.push_back(std::move(m));
    lines.push_back(row.line());
    return Status::Ok();
  });
  if (!rows.ok()) return rows;

  // Every reading by (server, queue, date): the file's (their line) and the stored ones (line 0),
  // a file row before a stored one of the same identity, which it replaces. Sorting, not a map:
  // a million readings are checked in about a second.
  struct Entry {
    const model::MeterReading* reading;
    int line;
  };
  std::vector<Entry> all;
  all.reserve(out.size() + stored.size());
  for (size_t i = 0; i < out.size(); ++i) all.push_back({&out[i], lines[i]});
  for (const model::MeterReading& m : stored) all.push_back({&m, 0});
  auto key_less = [](const model::MeterReading& a, const model::MeterReading& b) {
    if (int c = a.server.compare(b.server); c != 0) return c < 0;
    if (int c = a.queue.compare(b.queue); c != 0) return c < 0;
    return a.date < b.date;
  };
  auto same_key = [](const model::MeterReading& a, const model::MeterReading& b) {
    return a.date == b.date && a.server == b.server && a.queue == b.queue;
  };
  std::sort(all.begin(), all.end(), [&](const Entry& a, const Entry& b) {
    if (key_less(*a.reading, *b.reading)) return true;
    if (key_less(*b.reading, *a.reading)) return false;
    // Same identity: file rows first, in file order.
    if ((a.line == 0) != (b.line == 0)) return a.line != 0;
    return a.line < b.line;
  });
  // The first error in file order: a duplicate in the file, or a counter going down.
  int error_line = 0;
  std::string error;
  auto report = [&](int line, std::string what) {
    if (line != 0 && (error_line == 0 || line < error_line)) {
      error_line = line;
      error = std::move(what);
    }
  };
  const Entry* previous = nullptr;
  for (size_t i = 0; i < all.size(); ++i) {
    const Entry& e = all[i];
    const model::MeterReading& m = *e.reading;
    if (previous != nullptr && same_key(*previous->reading, m)) {
      if (e.line != 0) {
        report(e.line, "duplicate reading for " + m.server + "/" + m.queue + " on " +
                           FormatIsoDate(m.date) + ", already on line " +
                           std::to_string(previous->line) + " (columns server, queue, date)");
      }
      continue;  // a stored reading the file replaces, or a duplicate
    }
    if (previous != nullptr && previous->reading->server == m.server &&
        previous->reading->queue == m.queue &&
        m.total_impressions < previous->reading->total_impressions &&
        !model::ServicePeriodStartsBetween(devices, m.server, m.queue, previous->reading->date,
                                           m.date)) {
      const model::MeterReading& p = *previous->reading;
      report(e.line != 0 ? e.line : previous->line,
             "counter of " + m.server + "/" + m.queue + " goes down from " +
                 std::to_string(p.total_impressions) + " on " + FormatIsoDate(p.date) + " to " +
                 std::to_string(m.total_impressions) + " on " + FormatIsoDate(m.date) +
                 " and no service period of the device begins in between (a replaced device "
                 "needs a new row in the devices import) (column total_impressions)");
    }
    previous = &e;
  }
  if (error_line != 0) return CsvError(file_name, error_line, error);
  return out;
}

}  // namespace ramette::aggregator::imports
