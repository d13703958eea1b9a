// The organisation's reference data as imported from CSV (DESIGN.md "CSV imports"): paper
// stocks, devices, the users' effective-dated directions and workstation counts.
#ifndef RAMETTE_AGGREGATOR_MODEL_INVENTORY_H_
#define RAMETTE_AGGREGATOR_MODEL_INVENTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/civil_time.h"

namespace ramette::aggregator {

// The paper stock a queue reports when no device row classifies it: 80 g/m², not recycled.
inline constexpr double kDefaultGrammageGsm = 80.0;
// The direction of jobs that neither their user nor their device attributes.
inline constexpr std::string_view kUnassignedDirection = "unassigned";

struct Paper {
  std::string paper_id;
  bool recycled = false;
  double grammage_gsm = kDefaultGrammageGsm;
};

enum class DeviceClass { kDesktopPrinter, kMfp, kPrintShop, kOther };
// "desktop_printer", "mfp", "print_shop", "other".
std::string_view DeviceClassName(DeviceClass c);
std::optional<DeviceClass> ParseDeviceClass(std::string_view name);

// A print queue, identified by (server, queue). Rows created because an agent reported the
// queue are unclassified (classified == false) until the devices import lists them.
struct Device {
  int64_t id = 0;  // store id; 0 before the device is stored
  std::string server;
  std::string queue;
  bool classified = false;
  DeviceClass device_class = DeviceClass::kOther;
  std::string direction;        // empty: none
  std::string paper_id;         // empty: the default stock
  std::optional<Day> in_service;
  std::optional<Day> out_of_service;  // empty while in service
};

// DESIGN.md: in service on `date` when in_service <= date and (no out_of_service or
// date < out_of_service). A device without in_service date is never in service.
bool InServiceOn(const Device& d, Day date);

// One row of the users' directory: `user` belongs to `direction` from valid_from (inclusive)
// to valid_to (exclusive); an empty bound is unbounded.
struct UserDirection {
  std::string user;
  std::string direction;
  std::optional<Day> valid_from;
  std::optional<Day> valid_to;
};

struct WorkstationCount {
  std::string direction;
  Day date = 0;
  int64_t count = 0;
};

struct Inventory {
  std::vector<Paper> papers;
  std::vector<Device> devices;
  std::vector<UserDirection> users;
  std::vector<WorkstationCount> workstations;
};

}  // namespace ramette::aggregator

#endif  // RAMETTE_AGGREGATOR_MODEL_INVENTORY_H_
