// Device classes and the in-service rule on its boundaries.
#include "aggregator/model/inventory.h"

#include <gtest/gtest.h>

namespace ramette::aggregator {
namespace {

TEST(InventoryTest, InServiceBoundaries) {
  Device d;
  d.in_service = DaysFromCivil(2017, 3, 1);
  d.out_of_service = DaysFromCivil(2018, 12, 31);
  EXPECT_FALSE(InServiceOn(d, DaysFromCivil(2017, 2, 28)));
  EXPECT_TRUE(InServiceOn(d, DaysFromCivil(2017, 3, 1)));   // in_service <= date
  EXPECT_TRUE(InServiceOn(d, DaysFromCivil(2018, 12, 30)));
  EXPECT_FALSE(InServiceOn(d, DaysFromCivil(2018, 12, 31)));  // retired on the last day
  d.out_of_service.reset();
  EXPECT_TRUE(InServiceOn(d, DaysFromCivil(2030, 1, 1)));
  Device undated;
  EXPECT_FALSE(InServiceOn(undated, DaysFromCivil(2018, 12, 31)));
}

TEST(InventoryTest, ClassNamesRoundTrip) {
  for (DeviceClass c : {DeviceClass::kDesktopPrinter, DeviceClass::kMfp, DeviceClass::kPrintShop,
                        DeviceClass::kOther}) {
    EXPECT_EQ(ParseDeviceClass(DeviceClassName(c)), c);
  }
  EXPECT_FALSE(ParseDeviceClass("printer").has_value());
  EXPECT_FALSE(ParseDeviceClass("MFP").has_value());
}

}  // namespace
}  // namespace ramette::aggregator
