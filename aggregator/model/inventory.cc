// Device classes and the in-service rule.
#include "aggregator/model/inventory.h"

namespace ramette::aggregator {

std::string_view DeviceClassName(DeviceClass c) {
  switch (c) {
    case DeviceClass::kDesktopPrinter: return "desktop_printer";
    case DeviceClass::kMfp: return "mfp";
    case DeviceClass::kPrintShop: return "print_shop";
    case DeviceClass::kOther: return "other";
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

}  // namespace ramette::aggregator
