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

namespace {

// One devices row converted and checked on its own (everything but the overlap rule).
Status DeviceRowOf(const Row& row, const std::set<std::string>& known_paper_ids,
                   model::Device* device) {
  *device = model::Device();
  device->classified = true;
  RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
  Result<std::string> server = row.Text(kDevServer);
  if (!server.ok()) return server.status();
  device->server = std::move(server).value();
  Result<std::string> queue = row.Text(kDevQueue);
  if (!queue.ok()) return queue.status();
  device->queue = std::move(queue).value();

  std::string_view class_text = TrimSpaces(row.Raw(kDevClass));
  std::optional<model::DeviceClass> device_class = model::ParseDeviceClass(AsciiLower(class_text));
  if (!device_class) {
    return row.Error(kDevClass, "unknown class " + Quote(class_text) +
                                    ", expected desktop_printer, mfp, print_shop or other");
  }
  device->device_class = *device_class;

  Result<std::string> device_direction = row.Direction(kDevDirection, /*required=*/false);
  if (!device_direction.ok()) return device_direction.status();
  device->direction = std::move(device_direction).value();

  std::string_view paper_id = row.Raw(kDevPaperId);
  if (!TrimSpaces(paper_id).empty() && !known_paper_ids.contains(std::string(paper_id))) {
    return row.Error(kDevPaperId,
                     "unknown paper id " + Quote(paper_id) + ", not among the imported papers");
  }
  if (!TrimSpaces(paper_id).empty()) device->paper_id = std::string(paper_id);

  Result<Day> in_service = row.Date(kDevInService);
  if (!in_service.ok()) return in_service.status();
  device->in_service = *in_service;
  Result<std::optional<Day>> out_of_service = row.OptionalDate(kDevOutOfService);
  if (!out_of_service.ok()) return out_of_service.status();
  if (out_of_service->has_value() && **out_of_service <= *in_service) {
    return row.Error(kDevOutOfService, "out_of_service " + Quote(FormatIsoDate(**out_of_service)) +
                                           " is not after in_service " +
                                           Quote(FormatIsoDate(*in_service)));
  }
  device->out_of_service = *out_of_service;
  return Status::Ok();
}

// What the overlap rule keeps of a devices row: 24 bytes, its server and queue in a shared buffer
// (once for consecutive rows of one queue). in_service is always set; an unbounded out_of_service
// is kNoEnd.
struct DeviceSpan {
  uint32_t offset;  // server, then queue
  uint32_t server_size;
  uint32_t queue_size;
  int32_t line;
  Day in_service;
  Day out_of_service;

  static constexpr Day kNoEnd = std::numeric_limits<Day>::max();
  model::Device Period() const {
    model::Device d;
    d.in_service = in_service;
    if (out_of_service != kNoEnd) d.out_of_service = out_of_service;
    return d;
  }
};

}  // namespace

Result<size_t> CheckDevicesCsv(std::string_view content, std::string_view file_name,
                               const std::set<std::string>& known_paper_ids) {
  std::string names;  // as in CheckUsersCsv: the rows' servers and queues, within the file's size
  names.reserve(content.size());
  std::vector<DeviceSpan> spans;
  spans.reserve(static_cast<size_t>(std::count(content.begin(), content.end(), '\n')) + 1);
  auto server_of = [&names](const DeviceSpan& s) {
    return std::string_view(names).substr(s.offset, s.server_size);
  };
  auto queue_of = [&names](const DeviceSpan& s) {
    return std::string_view(names).substr(s.offset + s.server_size, s.queue_size);
  };
  model::Device device;
  Status rows = ForEachRow(content, file_name, kDeviceColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(DeviceRowOf(row, known_paper_ids, &device));
    DeviceSpan span{static_cast<uint32_t>(names.size()),
                    static_cast<uint32_t>(device.server.size()),
                    static_cast<uint32_t>(device.queue.size()),
                    row.line(),
                    *device.in_service,
                    device.out_of_service.value_or(DeviceSpan::kNoEnd)};
    if (!spans.empty() && server_of(spans.back()) == device.server &&
        queue_of(spans.back()) == device.queue) {
      span.offset = spans.back().offset;
    } else {
      names += device.server;
      names += device.queue;
    }
    spans.push_back(span);
    return Status::Ok();
  });
  // As in CheckUsersCsv: the first overlap in file order among the rows before the first error
  // (or all of them) comes first; sorting by (server, queue, line) groups each queue's rows in
  // file order.
  auto same_queue = [&](const DeviceSpan& a, const DeviceSpan& b) {
    return server_of(a) == server_of(b) && queue_of(a) == queue_of(b);
  };
  std::sort(spans.begin(), spans.end(), [&](const DeviceSpan& a, const DeviceSpan& b) {
    if (int c = server_of(a).compare(server_of(b)); c != 0) return c < 0;
    if (int c = queue_of(a).compare(queue_of(b)); c != 0) return c < 0;
    return a.line < b.line;
  });
  auto overlap = [](const DeviceSpan& a, const DeviceSpan& b) {
    return model::IntervalsOverlap(a.in_service, a.Period().out_of_service, b.in_service,
                                   b.Period().out_of_service);
  };
  const DeviceSpan* later = nullptr;    // the overlapping row that comes first in the file
  const DeviceSpan* earlier = nullptr;  // the first row of the same queue it overlaps
  for (size_t begin = 0, end = 0; begin < spans.size(); begin = end) {
    end = begin + 1;
    while (end < spans.size() && same_queue(spans[end], spans[begin])) ++end;
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
                    "device server " + Quote(server_of(*later)) + ", queue " +
                        Quote(queue_of(*later)) + ": service period " +
                        FormatServicePeriod(later->Period()) + " overlaps " +
                        FormatServicePeriod(earlier->Period()) + " on line " +
                        std::to_string(earlier->line) + " (columns in_service, out_of_service)");
  }
  if (!rows.ok()) return rows;
  return spans.size();
}

Status ForEachDevicesCsvBatch(std::string_view content, std::string_view file_name,
                              const std::set<std::string>& known_paper_ids, size_t batch_rows,
                              const std::function<Status(std::span<const model::Device>)>& visit) {
  return ForEachBatchOf<model::Device>(
      content, file_name, kDeviceColumns, batch_rows,
      [&](const Row& row, model::Device* out) { return DeviceRowOf(row, known_paper_ids, out); },
      visit);
}

Result<std::vector<model::Device>> ParseDevicesCsv(std::string_view content,
                                                   std::string_view file_name,
                                                   const std::set<std::string>& known_paper_ids) {
  Result<size_t> count = CheckDevicesCsv(content, file_name, known_paper_ids);
  if (!count.ok()) return count.status();
  std::vector<model::Device> devices;
  devices.reserve(*count);
  Status rows = ForEachDevicesCsvBatch(content, file_name, known_paper_ids, *count,
                                       [&](std::span<const model::Device> batch) {
                                         devices.insert(devices.end(), batch.begin(), batch.end());
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
  return ForEachBatchOf<model::UserDirection>(
      content, file_name, kUserColumns, batch_rows,
      [&](const Row& row, model::UserDirection* out) { return UserRowOf(row, rule, out); }, visit);
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

  Result<int64_t> n = row.WholeNumber(kWsCount, "count", "workstations");
  if (!n.ok()) return n.status();
  count->count = *n;
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
  return ForEachBatchOf<model::WorkstationCount>(
      content, file_name, kWorkstationColumns, batch_rows,
      [](const Row& row, model::WorkstationCount* out) { return WorkstationRowOf(row, out); },
      visit);
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

// One meters row converted and checked on its own (everything but the duplicate and counter
// rules).
Status MeterRowOf(const Row& row, model::MeterReading* m) {
  RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
  Result<std::string> server = row.Text(kMetServer);
  if (!server.ok()) return server.status();
  m->server = std::move(server).value();
  Result<std::string> queue = row.Text(kMetQueue);
  if (!queue.ok()) return queue.status();
  m->queue = std::move(queue).value();
  Result<Day> date = row.Date(kMetDate);
  if (!date.ok()) return date.status();
  m->date = *date;
  Result<int64_t> total = row.WholeNumber(kMetTotal, "counter", "impressions");
  if (!total.ok()) return total.status();
  m->total_impressions = *total;
  return Status::Ok();
}

// Rows per batch when a Parse function collects them all.
constexpr size_t kParseBatchRows = 4096;

}  // namespace

namespace {

// One purchases row converted and checked (a purchase has no rule across rows).
Status PurchaseRowOf(const Row& row, const std::set<std::string>& known_paper_ids,
                     model::Purchase* p) {
  *p = model::Purchase();
  RAMETTE_RETURN_IF_ERROR(row.CheckWidth());
  Result<Day> date = row.Date(kPurDate);
  if (!date.ok()) return date.status();
  p->date = *date;
  Result<std::string> direction = row.Direction(kPurDirection, /*required=*/false);
  if (!direction.ok()) return direction.status();
  if (!TrimSpaces(*direction).empty()) p->direction = std::move(direction).value();

  Result<std::string> paper = row.Text(kPurPaperId);
  if (!paper.ok()) return paper.status();
  if (!known_paper_ids.contains(*paper)) {
    return row.Error(kPurPaperId, "unknown paper id " + Quote(*paper) +
                                      " (import it with `ramette import papers` first)");
  }
  p->paper_id = std::move(paper).value();

  std::string_view format = TrimSpaces(row.Raw(kPurFormat));
  if (!format.empty() && !ingest::ParseMediaSize(format).known) {
    return row.Error(kPurFormat, "unknown format " + Quote(format) +
                                     ", expected A4, A3, A5 or a PWG media name");
  }
  p->format = std::string(format);

  std::string_view quantity = TrimSpaces(row.Raw(kPurQuantity));
  std::optional<double> q = ParseDecimal(quantity);
  if (!q) {
    return row.Error(kPurQuantity,
                     "invalid quantity " + Quote(quantity) + ", expected a number 0 or more");
  }
  p->quantity = *q;

  std::string_view unit_text = TrimSpaces(row.Raw(kPurUnit));
  std::optional<model::PurchaseUnit> unit = model::ParsePurchaseUnit(AsciiLower(unit_text));
  if (!unit) {
    return row.Error(kPurUnit,
                     "invalid unit " + Quote(unit_text) + ", expected reams, sheets or kg");
  }
  p->unit = *unit;

  std::string_view amount = TrimSpaces(row.Raw(kPurAmount));
  if (!amount.empty()) {
    p->amount_cents = ParseCents(amount);
    if (!p->amount_cents) {
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
    p->use = *use;
  }
  return Status::Ok();
}

}  // namespace

Result<size_t> CheckPurchasesCsv(std::string_view content, std::string_view file_name,
                                 const std::set<std::string>& known_paper_ids) {
  size_t count = 0;
  model::Purchase purchase;
  Status rows = ForEachRow(content, file_name, kPurchaseColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(PurchaseRowOf(row, known_paper_ids, &purchase));
    ++count;
    return Status::Ok();
  });
  if (!rows.ok()) return rows;
  return count;
}

Status ForEachPurchasesCsvBatch(
    std::string_view content, std::string_view file_name,
    const std::set<std::string>& known_paper_ids, size_t batch_rows,
    const std::function<Status(std::span<const model::Purchase>)>& visit) {
  return ForEachBatchOf<model::Purchase>(
      content, file_name, kPurchaseColumns, batch_rows,
      [&](const Row& row, model::Purchase* out) {
        return PurchaseRowOf(row, known_paper_ids, out);
      },
      visit);
}

Result<std::vector<model::Purchase>> ParsePurchasesCsv(
    std::string_view content, std::string_view file_name,
    const std::set<std::string>& known_paper_ids) {
  std::vector<model::Purchase> out;
  Status rows = ForEachPurchasesCsvBatch(content, file_name, known_paper_ids, kParseBatchRows,
                                         [&](std::span<const model::Purchase> batch) {
                                           out.insert(out.end(), batch.begin(), batch.end());
                                           return Status::Ok();
                                         });
  if (!rows.ok()) return rows;
  return out;
}

// ---- meters ----

std::string_view CheckedMeters::Server(uint32_t device) const {
  const DeviceName& d = devices_[device];
  return std::string_view(names_).substr(d.offset, d.server_size);
}

std::string_view CheckedMeters::Queue(uint32_t device) const {
  const DeviceName& d = devices_[device];
  return std::string_view(names_).substr(d.offset + d.server_size + 1, d.queue_size);
}

Result<CheckedMeters> CheckedMeters::Check(std::string_view content, std::string_view file_name,
                                           const std::vector<model::Device>& devices,
                                           const std::vector<model::MeterReading>& stored) {
  CheckedMeters out;
  // Each device's key, server NUL queue (a name has no NUL: CheckWidth), once in names_, which
  // never moves (the keys fit in the file's size) so that `index` may view it.
  out.names_.reserve(content.size() + 1);
  std::unordered_map<std::string_view, uint32_t> index;
  std::string key;
  auto key_of = [&key](std::string_view server, std::string_view queue) -> std::string_view {
    key.assign(server);
    key += '\0';
    key += queue;
    return key;
  };
  std::vector<Reading>& readings = out.readings_;
  readings.reserve(static_cast<size_t>(std::count(content.begin(), content.end(), '\n')) + 1 +
                   stored.size());
  model::MeterReading m;
  Status rows = ForEachRow(content, file_name, kMeterColumns, [&](const Row& row) -> Status {
    RAMETTE_RETURN_IF_ERROR(MeterRowOf(row, &m));
    uint32_t device;
    if (!readings.empty() && out.Server(readings.back().device) == m.server &&
        out.Queue(readings.back().device) == m.queue) {
      device = readings.back().device;  // the device of the row before
    } else {
      std::string_view k = key_of(m.server, m.queue);
      auto it = index.find(k);
      if (it == index.end()) {
        const uint32_t offset = static_cast<uint32_t>(out.names_.size());
        out.names_ += k;
        out.devices_.push_back({offset, static_cast<uint32_t>(m.server.size()),
                                static_cast<uint32_t>(m.queue.size())});
        it = index
                 .emplace(std::string_view(out.names_).substr(offset, k.size()),
                          static_cast<uint32_t>(out.devices_.size() - 1))
                 .first;
      }
      device = it->second;
    }
    readings.push_back({device, m.date, row.line(), m.total_impressions});
    return Status::Ok();
  });
  if (!rows.ok()) return rows;
  out.file_rows_ = readings.size();

  // Devices numbered in (server, queue) order, so that readings sort as CountedMeterReadings's.
  std::vector<uint32_t> order(out.devices_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (int c = out.Server(a).compare(out.Server(b)); c != 0) return c < 0;
    return out.Queue(a) < out.Queue(b);
  });
  std::vector<uint32_t> rank(order.size());
  std::vector<DeviceName> sorted_devices(order.size());
  for (uint32_t r = 0; r < order.size(); ++r) {
    rank[order[r]] = r;
    sorted_devices[r] = out.devices_[order[r]];
  }
  out.devices_ = std::move(sorted_devices);
  for (Reading& r : readings) r.device = rank[r.device];
  for (auto& [k, device] : index) device = rank[device];
  // The stored readings of the devices the file names (line 0); the others are not read again.
  for (const model::MeterReading& s : stored) {
    auto it = index.find(key_of(s.server, s.queue));
    if (it != index.end()) readings.push_back({it->second, s.date, 0, s.total_impressions});
  }
  index = {};

  // Every reading by (server, queue, date): a file row before a stored one of the same identity,
  // which it replaces. Sorting, not a map: a million readings are checked in about a second.
  std::sort(readings.begin(), readings.end(), [](const Reading& a, const Reading& b) {
    if (a.device != b.device) return a.device < b.device;
    if (a.date != b.date) return a.date < b.date;
    // Same identity: file rows first, in file order.
    if ((a.line == 0) != (b.line == 0)) return a.line != 0;
    return a.line < b.line;
  });
  // The first error in file order: a duplicate in the file, or a counter going down.
  int error_line = 0;
  std::string error;
  auto better = [&](int line) { return line != 0 && (error_line == 0 || line < error_line); };
  const Reading* previous = nullptr;
  for (const Reading& e : readings) {
    const std::string_view server = out.Server(e.device), queue = out.Queue(e.device);
    if (previous != nullptr && previous->device == e.device && previous->date == e.date) {
      if (better(e.line)) {
        error_line = e.line;
        error = "duplicate reading for " + std::string(server) + "/" + std::string(queue) + " on " +
                FormatIsoDate(e.date) + ", already on line " + std::to_string(previous->line) +
                " (columns server, queue, date)";
      }
      continue;  // a stored reading the file replaces, or a duplicate
    }
    if (previous != nullptr && previous->device == e.device && e.total < previous->total &&
        better(e.line != 0 ? e.line : previous->line) &&
        !model::ServicePeriodStartsBetween(devices, server, queue, previous->date, e.date)) {
      error_line = e.line != 0 ? e.line : previous->line;
      error = "counter of " + std::string(server) + "/" + std::string(queue) + " goes down from " +
              std::to_string(previous->total) + " on " + FormatIsoDate(previous->date) + " to " +
              std::to_string(e.total) + " on " + FormatIsoDate(e.date) +
              " and no service period of the device begins in between (a replaced device "
              "needs a new row in the devices import) (column total_impressions)";
    }
    previous = &e;
  }
  if (error_line != 0) return CsvError(file_name, error_line, error);
  // What the store gets: one reading per identity, the file's where it has one.
  readings.erase(std::unique(readings.begin(), readings.end(),
                             [](const Reading& a, const Reading& b) {
                               return a.device == b.device && a.date == b.date;
                             }),
                 readings.end());
  readings.shrink_to_fit();
  out.names_.shrink_to_fit();
  return out;
}

std::vector<model::MeterReading> CheckedMeters::FileRows() const {
  std::vector<const Reading*> rows;
  rows.reserve(file_rows_);
  for (const Reading& r : readings_) {
    if (r.line != 0) rows.push_back(&r);
  }
  std::sort(rows.begin(), rows.end(),
            [](const Reading* a, const Reading* b) { return a->line < b->line; });
  std::vector<model::MeterReading> out;
  out.reserve(rows.size());
  for (const Reading* r : rows) {
    out.push_back(
        {std::string(Server(r->device)), std::string(Queue(r->device)), r->date, r->total, 0});
  }
  return out;
}

Status CheckedMeters::ForEachCountedBatch(
    const std::vector<model::Device>& devices, size_t batch_rows,
    const std::function<Status(std::span<const model::MeterReading>)>& visit) const {
  std::vector<model::MeterReading> batch;
  batch.reserve(std::min(std::max<size_t>(batch_rows, 1), readings_.size()));
  model::MeterReading carried;  // the last reading of the batch handed over
  const model::MeterReading* previous = nullptr;
  for (size_t i = 0; i < readings_.size(); ++i) {
    const Reading& r = readings_[i];
    if (batch.size() >= batch_rows && !batch.empty()) {
      RAMETTE_RETURN_IF_ERROR(visit(batch));
      carried = batch.back();
      previous = &carried;
      batch.clear();
    }
    model::MeterReading& m = batch.emplace_back();
    m.server = Server(r.device);
    m.queue = Queue(r.device);
    m.date = r.date;
    m.total_impressions = r.total;
    const bool same_device = i > 0 && readings_[i - 1].device == r.device;
    m.counter =
        same_device ? previous->counter + model::MeterImpressionsBetween(*previous, m, devices) : 0;
    previous = &m;
  }
  if (!batch.empty()) return visit(batch);
  return Status::Ok();
}

Result<CheckedMeters> CheckMetersCsv(std::string_view content, std::string_view file_name,
                                     const std::vector<model::Device>& devices,
                                     const std::vector<model::MeterReading>& stored) {
  return CheckedMeters::Check(content, file_name, devices, stored);
}

Result<std::vector<model::MeterReading>> ParseMetersCsv(
    std::string_view content, std::string_view file_name, const std::vector<model::Device>& devices,
    const std::vector<model::MeterReading>& stored) {
  Result<CheckedMeters> checked = CheckMetersCsv(content, file_name, devices, stored);
  if (!checked.ok()) return checked.status();
  return checked->FileRows();
}

}  // namespace ramette::aggregator::imports
