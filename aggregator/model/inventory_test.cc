// Device classes and the in-service rule on its boundaries.
#include "aggregator/model/inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ramette::aggregator::model {
namespace {

TEST(InventoryTest, InServiceBoundaries) {
  Device d;
  d.in_service = DaysFromCivil(2017, 3, 1);
  d.out_of_service = DaysFromCivil(2018, 12, 31);
  EXPECT_FALSE(InServiceOn(d, DaysFromCivil(2017, 2, 28)));
  EXPECT_TRUE(InServiceOn(d, DaysFromCivil(2017, 3, 1)));  // in_service <= date
  EXPECT_TRUE(InServiceOn(d, DaysFromCivil(2018, 12, 30)));
  EXPECT_FALSE(InServiceOn(d, DaysFromCivil(2018, 12, 31)));  // retired on the last day
  d.out_of_service.reset();
  EXPECT_TRUE(InServiceOn(d, DaysFromCivil(2030, 1, 1)));
  Device undated;
  EXPECT_FALSE(InServiceOn(undated, DaysFromCivil(2018, 12, 31)));
}

TEST(InventoryTest, DevicePeriodOnDate) {
  Device first, second;
  first.in_service = DaysFromCivil(2016, 1, 1);
  first.out_of_service = DaysFromCivil(2017, 7, 1);
  second.in_service = DaysFromCivil(2017, 9, 1);  // a two-month gap between the printers
  std::vector<const Device*> periods = {&second, &first};
  EXPECT_EQ(DevicePeriodOn(periods, DaysFromCivil(2016, 5, 5)), 1u);
  EXPECT_EQ(DevicePeriodOn(periods, DaysFromCivil(2017, 6, 30)), 1u);
  EXPECT_EQ(DevicePeriodOn(periods, DaysFromCivil(2017, 7, 1)), 1u);  // gap: latest started
  EXPECT_EQ(DevicePeriodOn(periods, DaysFromCivil(2017, 9, 1)), 0u);
  EXPECT_EQ(DevicePeriodOn(periods, DaysFromCivil(2015, 1, 1)), 1u);  // before all: earliest
  EXPECT_EQ(DevicePeriodOn(periods, DaysFromCivil(2030, 1, 1)), 0u);
}

TEST(InventoryTest, ReservedDirectionNames) {
  for (const char* name : {"organisation", "Organisation", " ORGANIZATION ", "Unassigned",
                           " unassigned", "unassigned "}) {
    EXPECT_TRUE(ReservedDirectionProblem(name).has_value()) << name;
  }
  EXPECT_THAT(*ReservedDirectionProblem("Organisation"),
              ::testing::HasSubstr("\"Organisation\" is reserved"));
  for (const char* name : {"unassigned", "DAF", "Organisation des services", "", "unassigned2"}) {
    EXPECT_FALSE(ReservedDirectionProblem(name).has_value()) << name;
  }
}

TEST(InventoryTest, ClassNamesRoundTrip) {
  for (DeviceClass c : {DeviceClass::kDesktopPrinter, DeviceClass::kMfp, DeviceClass::kPrintShop,
                        DeviceClass::kOther}) {
    EXPECT_EQ(ParseDeviceClass(DeviceClassName(c)), c);
  }
  EXPECT_FALSE(ParseDeviceClass("printer").has_value());
  EXPECT_FALSE(ParseDeviceClass("MFP").has_value());
}

TEST(InventoryTest, DirectionNamesAreThoseOfClassifiedDevicesUsersAndWorkstations) {
  Inventory inv;
  Device classified;
  classified.classified = true;
  classified.direction = "DSI";
  Device unclassified;
  unclassified.direction = "Ghost";
  Device no_direction;
  no_direction.classified = true;
  inv.devices = {classified, unclassified, no_direction};
  inv.users = {{"ann", "Études", std::nullopt, std::nullopt},
               {"bob", "DAF", std::nullopt, std::nullopt},
               {"eve", "unassigned", std::nullopt, std::nullopt}};
  inv.workstations = {{"DAF", 1, 3}, {"DRH", 1, 4}};
  inv.has_purchases = true;  // purchases do not name attribution directions
  EXPECT_EQ(DirectionNames(inv),
            (std::vector<std::string>{"DAF", "DRH", "DSI", "unassigned", "Études"}));
  EXPECT_TRUE(DirectionNames(Inventory{}).empty());
}

// What the fakes' LoadPurchases returns: both ends in, by date, equal dates in import order.
TEST(InventoryTest, PurchasesDuringKeepsBothEndsByDateThenImportOrder) {
  auto buy = [](Day date, const char* direction) {
    Purchase p;
    p.date = date;
    p.direction = direction;
    return p;
  };
  const Day jan1 = DaysFromCivil(2018, 1, 1), dec31 = DaysFromCivil(2018, 12, 31);
  const std::vector<Purchase> stored = {buy(dec31, "last"),       buy(jan1 - 1, "before"),
                                        buy(jan1, "first"),       buy(dec31 + 1, "after"),
                                        buy(dec31, "last again"), buy(jan1 + 40, "middle")};
  std::vector<std::string> got;
  for (const Purchase& p : PurchasesDuring(stored, jan1, dec31)) got.push_back(p.direction);
  EXPECT_EQ(got, (std::vector<std::string>{"first", "middle", "last", "last again"}));
  EXPECT_TRUE(PurchasesDuring(stored, dec31 + 2, dec31 + 9).empty());
}

// ServicePeriodsCheck, which CheckServicePeriods runs, reports what CheckServicePeriods did before
// it kept 28 bytes a row: the first queue in (server, queue) order, a queue's periods in the
// order given, wherever its rows are.
TEST(ServicePeriodsCheckTest, FirstQueueInOrderAndItsFirstPair) {
  auto period = [](std::string server, std::string queue, std::optional<Day> in,
                   std::optional<Day> out) {
    Device d;
    d.server = std::move(server);
    d.queue = std::move(queue);
    d.in_service = in;
    d.out_of_service = out;
    return d;
  };
  const Day y2015 = DaysFromCivil(2015, 1, 1), y2016 = DaysFromCivil(2016, 1, 1),
            y2017 = DaysFromCivil(2017, 1, 1);
  const std::vector<Device> rows = {
      period("z", "q", y2015, std::nullopt), period("b", "q", y2015, y2016),
      period("z", "q", y2016, std::nullopt), period("b", "q", y2016, std::nullopt),
      period("b", "q", y2015, y2017),  // overlaps both earlier b/q periods
  };
  Status st = CheckServicePeriods(rows);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "device b/q: the service periods [2015-01-01, 2016-01-01) and [2015-01-01, "
            "2017-01-01) overlap");
  ServicePeriodsCheck check;
  for (const Device& d : rows) check.Add(d);
  EXPECT_EQ(check.Check().message(), st.message());
  // Without b/q's last row, z/q's overlap; with a row of b/q without in_service, that first.
  std::vector<Device> z_only(rows.begin(), rows.begin() + 4);
  EXPECT_EQ(CheckServicePeriods(z_only).message(),
            "device z/q: the service periods [2015-01-01, open) and [2016-01-01, open) overlap");
  z_only.push_back(period("b", "q", std::nullopt, std::nullopt));
  EXPECT_EQ(CheckServicePeriods(z_only).message(),
            "device b/q has several service periods, one without in_service date");
  // One period without in_service is fine; so are the same dates on other queues.
  EXPECT_TRUE(CheckServicePeriods({period("a", "q", std::nullopt, std::nullopt),
                                   period("a", "r", y2015, std::nullopt),
                                   period("b", "r", y2015, std::nullopt)})
                  .ok());
}

}  // namespace
}  // namespace ramette::aggregator::model
