// Device classes and the in-service rule.
#include "aggregator/model/inventory.h"

#include <algorithm>
#include <climits>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <utility>

namespace ramette::aggregator::model {

std::optional<std::string> ReservedDirectionProblem(std::string_view name) {
  size_t first = name.find_first_not_of(' ');
  size_t last = name.find_last_not_of(' ');
  std::string folded;
  if (first != std::string_view::npos) {
    for (char c : name.substr(first, last - first + 1)) {
      folded += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  if (folded == "organisation" || folded == "organization") {
    return "the direction name \"" + std::string(name) +
           "\" is reserved: \"organisation\" labels the totals";
  }
  if (folded == kUnassignedDirection && name != kUnassignedDirection) {
    return "the direction name \"" + std::string(name) +
           "\" is reserved: write it \"unassigned\" to mean jobs without a direction";
  }
  return std::nullopt;
}

std::string_view DeviceClassName(DeviceClass c) {
  switch (c) {
    case DeviceClass::kDesktopPrinter:
      return "desktop_printer";
    case DeviceClass::kMfp:
      return "mfp";
    case DeviceClass::kPrintShop:
      return "print_shop";
    case DeviceClass::kOther:
      return "other";
  }
  return "other";
}

std::optional<DeviceClass> ParseDeviceClass(std::string_view n) {
  if (n == "desktop_printer") return DeviceClass::kDesktopPrinter;
  if (n == "mfp") return DeviceClass::kMfp;
  if (n == "print_shop") return DeviceClass::kPrintShop;
  if (n == "other") return DeviceClass::kOther;
  return std::nullopt;
}

std::string_view PurchaseUnitName(PurchaseUnit u) {
  switch (u) {
    case PurchaseUnit::kReams:
      return "reams";
    case PurchaseUnit::kSheets:
      return "sheets";
    case PurchaseUnit::kKg:
      return "kg";
  }
  return "reams";
}

std::optional<PurchaseUnit> ParsePurchaseUnit(std::string_view n) {
  if (n == "reams") return PurchaseUnit::kReams;
  if (n == "sheets") return PurchaseUnit::kSheets;
  if (n == "kg") return PurchaseUnit::kKg;
  return std::nullopt;
}

std::string_view PaperUseName(PaperUse u) {
  return u == PaperUse::kPrintShop ? "print_shop" : "office";
}

std::optional<PaperUse> ParsePaperUse(std::string_view n) {
  if (n == "office") return PaperUse::kOffice;
  if (n == "print_shop") return PaperUse::kPrintShop;
  return std::nullopt;
}

std::vector<int> PurchaseYears(std::span<const Purchase> rows) {
  std::vector<int> years;
  for (const Purchase& p : rows) years.push_back(CivilFromDays(p.date).year);
  std::sort(years.begin(), years.end());
  years.erase(std::unique(years.begin(), years.end()), years.end());
  return years;
}

std::vector<Purchase> SortedByDate(std::vector<Purchase> in_import_order) {
  // Sorts (date, position) pairs and moves each row once: sorting the rows themselves moves
  // their three strings at every merge step.
  std::vector<std::pair<Day, size_t>> keys;
  keys.reserve(in_import_order.size());
  for (size_t i = 0; i < in_import_order.size(); ++i) keys.emplace_back(in_import_order[i].date, i);
  std::sort(keys.begin(), keys.end());
  std::vector<Purchase> out;
  out.reserve(in_import_order.size());
  for (const auto& [date, i] : keys) out.push_back(std::move(in_import_order[i]));
  return out;
}

std::vector<Purchase> PurchasesDuring(const std::vector<Purchase>& in_import_order, Day first_day,
                                      Day last_day) {
  std::vector<Purchase> out;
  for (const Purchase& p : in_import_order) {
    if (p.date >= first_day && p.date <= last_day) out.push_back(p);
  }
  return SortedByDate(std::move(out));
}

bool ServicePeriodStartsBetween(const std::vector<Device>& devices, std::string_view server,
                                std::string_view queue, Day after, Day on_or_before) {
  for (const Device& d : devices) {
    if (d.server == server && d.queue == queue && d.in_service && *d.in_service > after &&
        *d.in_service <= on_or_before) {
      return true;
    }
  }
  return false;
}

void SetMeterCounters(const std::vector<MeterReading*>& readings,
                      const std::vector<Device>& devices) {
  for (size_t i = 0; i < readings.size(); ++i) {
    MeterReading& b = *readings[i];
    if (i == 0) {
      b.counter = 0;
      continue;
    }
    const MeterReading& a = *readings[i - 1];
    b.counter = a.counter + MeterImpressionsBetween(a, b, devices);
  }
}

int64_t MeterImpressionsBetween(const MeterReading& a, const MeterReading& b,
                                const std::vector<Device>& devices) {
  if (b.total_impressions >= a.total_impressions) {
    return b.total_impressions - a.total_impressions;
  }
  if (ServicePeriodStartsBetween(devices, b.server, b.queue, a.date, b.date)) {
    return b.total_impressions;  // a replaced device's counter starts again
  }
  return 0;
}

std::vector<MeterReading> CountedMeterReadings(std::vector<MeterReading> file_rows,
                                               const std::vector<MeterReading>& stored,
                                               const std::vector<Device>& devices) {
  auto key_less = [](const MeterReading& a, const MeterReading& b) {
    return std::tie(a.server, a.queue, a.date) < std::tie(b.server, b.queue, b.date);
  };
  std::vector<MeterReading> out = std::move(file_rows);
  std::sort(out.begin(), out.end(), key_less);
  // The stored readings of the devices the file names, unless the file has their date.
  std::vector<MeterReading> kept;
  for (const MeterReading& m : stored) {
    auto it = std::lower_bound(out.begin(), out.end(), m, key_less);
    const bool device_named =
        (it != out.end() && it->server == m.server && it->queue == m.queue) ||
        (it != out.begin() && std::prev(it)->server == m.server && std::prev(it)->queue == m.queue);
    const bool replaced = it != out.end() && !key_less(m, *it);
    if (device_named && !replaced) kept.push_back(m);
  }
  out.insert(out.end(), kept.begin(), kept.end());
  std::sort(out.begin(), out.end(), key_less);
  size_t i = 0;
  while (i < out.size()) {
    std::vector<MeterReading*> device;
    size_t j = i;
    for (; j < out.size() && out[j].server == out[i].server && out[j].queue == out[i].queue; ++j) {
      device.push_back(&out[j]);
    }
    SetMeterCounters(device, devices);
    i = j;
  }
  return out;
}

std::vector<MeterCounters> MeterCountersOver(const std::vector<MeterReading>& readings, Day start,
                                             Day end) {
  std::vector<MeterCounters> out;
  size_t i = 0;
  while (i < readings.size()) {
    const MeterReading* at_start = nullptr;
    const MeterReading* at_end = nullptr;
    size_t j = i;
    for (; j < readings.size() && readings[j].server == readings[i].server &&
           readings[j].queue == readings[i].queue;
         ++j) {
      if (readings[j].date <= start) at_start = &readings[j];
      if (readings[j].date <= end) at_end = &readings[j];
    }
    if (at_end != nullptr) {
      MeterCounters& c = out.emplace_back();
      c.server = at_end->server;
      c.queue = at_end->queue;
      if (at_start != nullptr) c.at_start = at_start->counter;
      c.at_end = at_end->counter;
    }
    i = j;
  }
  return out;
}

std::vector<std::string> DirectionNames(const Inventory& inventory) {
  std::vector<std::string> names;
  auto add = [&](const std::string& name) {
    if (!name.empty()) names.push_back(name);
  };
  for (const Device& d : inventory.devices) {
    if (d.classified) add(d.direction);
  }
  for (const UserDirection& u : inventory.users) add(u.direction);
  for (const WorkstationCount& w : inventory.workstations) add(w.direction);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool InServiceOn(const Device& d, Day date) {
  if (!d.in_service || *d.in_service > date) return false;
  return !d.out_of_service || date < *d.out_of_service;
}

size_t DevicePeriodOn(const std::vector<const Device*>& periods, Day date) {
  std::optional<size_t> latest_started, earliest;
  for (size_t i = 0; i < periods.size(); ++i) {
    const Device& d = *periods[i];
    if (InServiceOn(d, date)) return i;
    const Day start = d.in_service.value_or(INT32_MIN);
    if (start <= date &&
        (!latest_started || start > periods[*latest_started]->in_service.value_or(INT32_MIN))) {
      latest_started = i;
    }
    if (!earliest || start < periods[*earliest]->in_service.value_or(INT32_MIN)) earliest = i;
  }
  return latest_started ? *latest_started : earliest.value_or(0);
}

bool IntervalsOverlap(const std::optional<Day>& a_from, const std::optional<Day>& a_to,
                      const std::optional<Day>& b_from, const std::optional<Day>& b_to) {
  const bool a_starts_before_b_ends = !a_from || !b_to || *a_from < *b_to;
  const bool b_starts_before_a_ends = !b_from || !a_to || *b_from < *a_to;
  return a_starts_before_b_ends && b_starts_before_a_ends;
}

namespace {

std::string FormatPeriod(const Device& d) {
  return "[" + (d.in_service ? FormatIsoDate(*d.in_service) : std::string("?")) + ", " +
         (d.out_of_service ? FormatIsoDate(*d.out_of_service) : std::string("open")) + ")";
}

}  // namespace

Status CheckServicePeriods(const std::vector<Device>& devices) {
  ServicePeriodsCheck check;
  for (const Device& d : devices) check.Add(d);
  return check.Check();
}

void ServicePeriodsCheck::Add(const Device& d) {
  Period p{};
  const Period* last = periods_.empty() ? nullptr : &periods_.back();
  if (last != nullptr && last->server_size == d.server.size() &&
      last->queue_size == d.queue.size() &&
      std::string_view(names_).substr(last->offset, last->server_size) == d.server &&
      std::string_view(names_).substr(last->offset + last->server_size, last->queue_size) ==
          d.queue) {
    p.offset = last->offset;  // the same queue as the row before: its name once
  } else {
    p.offset = static_cast<uint32_t>(names_.size());
    names_ += d.server;
    names_ += d.queue;
  }
  p.server_size = static_cast<uint32_t>(d.server.size());
  p.queue_size = static_cast<uint32_t>(d.queue.size());
  p.index = static_cast<uint32_t>(periods_.size());
  p.has_in_service = d.in_service.has_value();
  p.in_service = d.in_service.value_or(0);
  p.has_out_of_service = d.out_of_service.has_value();
  p.out_of_service = d.out_of_service.value_or(0);
  periods_.push_back(p);
}

Status ServicePeriodsCheck::Check() {
  const std::string_view names(names_);
  auto server = [&](const Period& p) { return names.substr(p.offset, p.server_size); };
  auto queue = [&](const Period& p) {
    return names.substr(p.offset + p.server_size, p.queue_size);
  };
  auto device = [](const Period& p) {
    Device d;
    if (p.has_in_service) d.in_service = p.in_service;
    if (p.has_out_of_service) d.out_of_service = p.out_of_service;
    return d;
  };
  // Each queue's periods together, queues in (server, queue) order, a queue's periods in the
  // order added: the order CheckServicePeriods reads them in.
  std::sort(periods_.begin(), periods_.end(), [&](const Period& a, const Period& b) {
    if (int c = server(a).compare(server(b)); c != 0) return c < 0;
    if (int c = queue(a).compare(queue(b)); c != 0) return c < 0;
    return a.index < b.index;
  });
  Status result = Status::Ok();
  for (size_t begin = 0, end = 0; begin < periods_.size() && result.ok(); begin = end) {
    end = begin + 1;
    while (end < periods_.size() && server(periods_[end]) == server(periods_[begin]) &&
           queue(periods_[end]) == queue(periods_[begin])) {
      ++end;
    }
    if (end - begin < 2) continue;
    const std::string name =
        std::string(server(periods_[begin])) + "/" + std::string(queue(periods_[begin]));
    for (size_t i = begin; i < end && result.ok(); ++i) {
      if (!periods_[i].has_in_service) {
        result = Status::InvalidArgument("device " + name +
                                         " has several service periods, one without in_service "
                                         "date");
      }
    }
    for (size_t i = begin; i < end && result.ok(); ++i) {
      for (size_t j = i + 1; j < end && result.ok(); ++j) {
        const Device a = device(periods_[i]);
        const Device b = device(periods_[j]);
        if (IntervalsOverlap(a.in_service, a.out_of_service, b.in_service, b.out_of_service)) {
          result =
              Status::InvalidArgument("device " + name + ": the service periods " +
                                      FormatPeriod(a) + " and " + FormatPeriod(b) + " overlap");
        }
      }
    }
  }
  // Back in the order added, so that more rows may be added and checked again.
  std::sort(periods_.begin(), periods_.end(),
            [](const Period& a, const Period& b) { return a.index < b.index; });
  return result;
}

}  // namespace ramette::aggregator::model
