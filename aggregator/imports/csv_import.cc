// The per-row value checks and the cross-row rules (duplicates, overlapping user intervals and
// device service periods) of the reference-data CSV imports, over the row helpers of csv_rows.h.
// Rows are checked in file order so the first error wins.
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
#include "aggregator/imports/csv_rows.h"
#include "aggregator/ingest/media.h"
#include "common/civil_time.h"
#include "common/utf8.h"

namespace ramette::aggregator::imports {

namespace {

// csv_rows.h
using csv_rows::AsciiLower;
using csv_rows::Column;
using csv_rows::ForEachBatchOf;
using csv_rows::ForEachRow;
using csv_rows::FormatBound;
using csv_rows::ParseDecimal;
using csv_rows::Quote;
using csv_rows::Row;
using csv_rows::TrimSpaces;

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

}  // namespace ramette::aggregator::imports
