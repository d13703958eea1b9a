// The two imports of what the law measures (DESIGN.md): paper purchases and copier meter readings,
// checked row by row through csv_rows.h; meter readings checked compactly (CheckedMeters).
#include "aggregator/imports/paper_source_import.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
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

namespace ramette::aggregator::imports {

namespace {

// csv_rows.h
using csv_rows::AsciiLower;
using csv_rows::Column;
using csv_rows::ForEachBatchOf;
using csv_rows::ForEachRow;
using csv_rows::ParseDecimal;
using csv_rows::Quote;
using csv_rows::Row;
using csv_rows::TrimSpaces;

}  // namespace

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
