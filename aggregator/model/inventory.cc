// Device classes and the in-service rule.
#include "aggregator/model/inventory.h"

#include <climits>

namespace ramette::aggregator {

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

}  // namespace ramette::aggregator
