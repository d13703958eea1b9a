// The organisation's reference data as imported from CSV (DESIGN.md "CSV imports"): paper
// stocks, devices, the users' effective-dated directions and workstation counts.
#ifndef RAMETTE_AGGREGATOR_MODEL_INVENTORY_H_
#define RAMETTE_AGGREGATOR_MODEL_INVENTORY_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator/model/user_names.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::model {

// The paper stock a queue reports when no device row classifies it: 80 g/m², not recycled.
inline constexpr double kDefaultGrammageGsm = 80.0;
// The direction of jobs that neither their user nor their device attributes.
inline constexpr std::string_view kUnassignedDirection = "unassigned";

// Why `name` cannot be a direction's name, or nullopt when it can. "organisation" (any case,
// either spelling, surrounding spaces ignored) labels the totals in every output. The exact
// name `unassigned` is the bucket of jobs that nothing attributes: naming a device's or user's
// direction `unassigned` puts it there on purpose; any other spelling of it ("Unassigned",
// " unassigned") would look like that bucket while being another direction, so it is refused.
// Imports and the directory sync call this.
std::optional<std::string> ReservedDirectionProblem(std::string_view name);

struct Paper {
  std::string paper_id;
  bool recycled = false;
  double grammage_gsm = kDefaultGrammageGsm;
};

enum class DeviceClass { kDesktopPrinter, kMfp, kPrintShop, kOther };
// "desktop_printer", "mfp", "print_shop", "other".
std::string_view DeviceClassName(DeviceClass c);
std::optional<DeviceClass> ParseDeviceClass(std::string_view name);

// A print queue, identified by (server, queue), during one service period. The devices file may
// give a queue several rows whose periods [in_service, out_of_service) do not overlap (a printer
// replaced behind the same queue, a change of paper stock, class or direction): each row is one
// Device with the same id. Rows created because an agent reported the queue are unclassified
// (classified == false) until the devices import lists them.
//
// The row that applies to a job is the one in service on the job's local date; when none is
// (a job before the first in_service date, after the last out_of_service or in a gap), the row
// with the latest in_service on or before that date, or else the earliest row
// (see DevicePeriodOn).
struct Device {
  int64_t id = 0;  // store id; 0 before the device is stored
  std::string server;
  std::string queue;
  bool classified = false;
  DeviceClass device_class = DeviceClass::kOther;
  std::string direction;  // empty: none
  std::string paper_id;   // empty: the default stock
  std::optional<Day> in_service;
  std::optional<Day> out_of_service;  // empty while in service
};

// DESIGN.md: in service on `date` when in_service <= date and (no out_of_service or
// date < out_of_service). A device without in_service date is never in service.
bool InServiceOn(const Device& d, Day date);

// The index in `periods` (the rows of one queue, any order, not empty) that applies on `date`
// per the rule above. Ties cannot happen when periods do not overlap.
size_t DevicePeriodOn(const std::vector<const Device*>& periods, Day date);

// One row of the users' directory: `user` belongs to `direction` from valid_from (inclusive)
// to valid_to (exclusive); an empty bound is unbounded.
struct UserDirection {
  std::string user;
  std::string direction;
  std::optional<Day> valid_from;
  std::optional<Day> valid_to;

  bool operator==(const UserDirection&) const = default;
};

struct WorkstationCount {
  std::string direction;
  Day date = 0;
  int64_t count = 0;
};

// The period-overlap rule, once: half-open intervals [from, to), an empty bound unbounded,
// overlap when they share a day. Used for device service periods and users' validity.
bool IntervalsOverlap(const std::optional<Day>& a_from, const std::optional<Day>& a_to,
                      const std::optional<Day>& b_from, const std::optional<Day>& b_to);

// What a store accepts as the periods of the queues named in `devices`: per (server, queue),
// no two periods overlap, and when a queue has several each has an in_service date
// (DevicePeriodOn relies on both). InvalidArgument naming the queue and the periods otherwise.
Status CheckServicePeriods(const std::vector<Device>& devices);

// CheckServicePeriods over rows handed over one at a time (an import's batches): Add every row,
// then Check returns what CheckServicePeriods would for all of them. Keeps 28 bytes a row and
// the row's (server, queue) when it differs from the previous row's.
class ServicePeriodsCheck {
 public:
  void Add(const Device& d);
  Status Check();

 private:
  struct Period {
    uint32_t offset;  // of server then queue in names_
    uint32_t server_size;
    uint32_t queue_size;
    uint32_t index;  // in the order added
    Day in_service;
    Day out_of_service;
    bool has_in_service;
    bool has_out_of_service;
  };
  std::string names_;
  std::deque<Period> periods_;  // grows by blocks: never twice its size while it moves
};

// How a purchase row counts its quantity (DESIGN.md "What the law measures").
enum class PurchaseUnit { kReams, kSheets, kKg };
// "reams", "sheets", "kg".
std::string_view PurchaseUnitName(PurchaseUnit u);
std::optional<PurchaseUnit> ParsePurchaseUnit(std::string_view name);
inline constexpr int64_t kSheetsPerReam = 500;

// What bought paper is for: office paper (I1's base) or the print shop (I2 only).
enum class PaperUse { kOffice, kPrintShop };
// "office", "print_shop".
std::string_view PaperUseName(PaperUse u);
std::optional<PaperUse> ParsePaperUse(std::string_view name);

// One row of `ramette import purchases`: paper bought on `date` (it counts for that year).
struct Purchase {
  Day date = 0;
  std::string direction;  // empty: the organisation only
  std::string paper_id;   // a stored paper stock
  std::string format;     // as written; empty is A4 (else A3, A5 or a PWG media name)
  double quantity = 0;    // >= 0, in `unit`
  PurchaseUnit unit = PurchaseUnit::kReams;
  std::optional<int64_t> amount_cents;  // euros excluding tax x 100; empty: no amount given
  PaperUse use = PaperUse::kOffice;

  bool operator==(const Purchase&) const = default;
};

// One reading of a device's lifetime impression counter (`ramette import meters`), identified
// by (server, queue, date).
struct MeterReading {
  std::string server;
  std::string queue;
  Day date = 0;
  int64_t total_impressions = 0;
  // Derived, stored with the reading (schema v14): the impressions the device made from its first
  // reading to this one, replacements included (SetMeterCounters). 0 until set.
  int64_t counter = 0;

  bool operator==(const MeterReading&) const = default;
};

// The impressions a device made from reading `a` to the next one `b` (same device, a later
// date), the meter rule of DESIGN.md in one place: the difference of the totals, or, where the
// total goes down across the start of one of the queue's service periods in `devices`
// (ServicePeriodStartsBetween: the device was replaced), b's whole total (the new counter started
// from 0). A drop without a new period adds nothing (the import refuses it).
int64_t MeterImpressionsBetween(const MeterReading& a, const MeterReading& b,
                                const std::vector<Device>& devices);

// Sets `counter` of the readings of one device (`readings`, sorted by date): the first reading's
// counter is 0; each next one adds MeterImpressionsBetween the one before and it. A device's
// impressions over [start, end] are then the counter of its last reading on or before `end`
// minus that of its last reading on or before `start`.
void SetMeterCounters(const std::vector<MeterReading*>& readings,
                      const std::vector<Device>& devices);

// The readings to store for an import of `file_rows` (already checked, imports::ParseMetersCsv):
// every reading of each device the file names, `stored` ones included (a file row replaces a
// stored one of the same date), with their counters set, sorted by (server, queue, date).
std::vector<MeterReading> CountedMeterReadings(std::vector<MeterReading> file_rows,
                                               const std::vector<MeterReading>& stored,
                                               const std::vector<Device>& devices);

// One device's counter (MeterReading::counter) at both ends of a period [start, end]
// (UsageSource::LoadMeterCounters): `at_end` that of its last reading on or before `end`,
// `at_start` that of its last reading on or before `start`, none when its first reading comes
// after `start` (its impressions over the period are then unknown).
struct MeterCounters {
  std::string server;
  std::string queue;
  std::optional<int64_t> at_start;
  int64_t at_end = 0;

  bool operator==(const MeterCounters&) const = default;
};

// The MeterCounters over [start, end] of every device of `readings` (sorted by (server, queue,
// date), counters set) with a reading on or before `end`, sorted by (server, queue). The fakes'
// reader; the engines run the same selection in SQL.
std::vector<MeterCounters> MeterCountersOver(const std::vector<MeterReading>& readings, Day start,
                                             Day end);

// Whether a service period of the queue (server, queue) in `devices` begins on a day in
// (after, on_or_before]: a meter counter may go down across it (the device was replaced).
bool ServicePeriodStartsBetween(const std::vector<Device>& devices, std::string_view server,
                                std::string_view queue, Day after, Day on_or_before);

// The purchases' identity (README "Paper purchases"): an import replaces every stored purchase
// of the years its rows are dated in. Those years, sorted and unique.
std::vector<int> PurchaseYears(std::span<const Purchase> rows);

// `in_import_order` by date, then in import order (a stable sort by date).
std::vector<Purchase> SortedByDate(std::vector<Purchase> in_import_order);

// The rows of `in_import_order` dated in [first_day, last_day], by date, then in import order:
// what UsageSource::LoadPurchases returns (the fakes' implementation of it).
std::vector<Purchase> PurchasesDuring(const std::vector<Purchase>& in_import_order, Day first_day,
                                      Day last_day);

struct Inventory {
  std::vector<Paper> papers;
  std::vector<Device> devices;
  std::vector<UserDirection> users;
  std::vector<WorkstationCount> workstations;
  // Whether any purchase is stored (schema v11). The rows themselves are read per period
  // (UsageSource::LoadPurchases): a year's figures need two years of rows, not every year's.
  bool has_purchases = false;
  // Whether any meter reading is stored (schema v11). The readings themselves are read per
  // period (UsageSource::LoadMeterCounters) or whole (UsageSource::LoadMeterReadings).
  bool has_meter_readings = false;
  // The user-name normalisation recorded with the data ([users]): directory rows and job users
  // are compared after it.
  model::UserNameRule user_name_rule = {};
};

// The directions `inventory` names, which the indicators attribute usage to: those of the
// classified devices, the directory rows and the workstation counts, sorted by byte order,
// each once, empty names left out (kUnassignedDirection included when a row names it).
// `ramette user add` checks a direction account's direction against it.
std::vector<std::string> DirectionNames(const Inventory& inventory);

}  // namespace ramette::aggregator::model

#endif  // RAMETTE_AGGREGATOR_MODEL_INVENTORY_H_
