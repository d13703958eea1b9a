// Hand-computed cases for the purchase and meter figures (DESIGN.md "What the law measures"):
// each expected figure is derived in a comment. A4 = 0.06237 m², A3 = 0.12474 m².
#include "aggregator/indicators/paper_sources.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_usage_source.h"

namespace ramette::aggregator::indicators {
namespace {

using ramette::testing::FakeJob;
using ramette::testing::FakeUsageSource;
using ::testing::HasSubstr;

constexpr double kEps = 1e-9;

Day D(int y, int m, int d) { return DaysFromCivil(y, m, d); }

model::Purchase Buy(Day date, std::string paper, double quantity, model::PurchaseUnit unit,
                    std::string format = "", std::optional<int64_t> cents = std::nullopt,
                    model::PaperUse use = model::PaperUse::kOffice, std::string direction = "") {
  model::Purchase p;
  p.date = date;
  p.paper_id = std::move(paper);
  p.quantity = quantity;
  p.unit = unit;
  p.format = std::move(format);
  p.amount_cents = cents;
  p.use = use;
  p.direction = std::move(direction);
  return p;
}

constexpr auto kReams = model::PurchaseUnit::kReams;
constexpr auto kSheets = model::PurchaseUnit::kSheets;
constexpr auto kKg = model::PurchaseUnit::kKg;
constexpr auto kShop = model::PaperUse::kPrintShop;

const std::vector<model::Paper> kPapers = {
    {"STD80", false, 80}, {"STD90", false, 90}, {"REC75", true, 75}};

TEST(PurchasedKgTest, ReamsSheetsAndKgOnA4AndA3At75_80_90) {
  // 10 reams of A4 at 80 g/m²: 5000 x 0.06237 x 80 g = 24,948 g.
  EXPECT_NEAR(PurchasedKg(Buy(0, "STD80", 10, kReams), &kPapers[0]), 24.948, kEps);
  // 2000 sheets of A3 at 90 g/m²: 2000 x 0.12474 x 90 g = 22,453.2 g.
  EXPECT_NEAR(PurchasedKg(Buy(0, "STD90", 2000, kSheets, "A3"), &kPapers[1]), 22.4532, kEps);
  // The same with a PWG name.
  EXPECT_NEAR(PurchasedKg(Buy(0, "STD90", 2000, kSheets, "iso_a3_297x420mm"), &kPapers[1]), 22.4532,
              kEps);
  // 1 ream of A4 at 75 g/m²: 500 x 0.06237 x 75 g = 2,338.875 g.
  EXPECT_NEAR(PurchasedKg(Buy(0, "REC75", 1, kReams, "A4"), &kPapers[2]), 2.338875, kEps);
  // kg as is, whatever the format and stock.
  EXPECT_EQ(PurchasedKg(Buy(0, "REC75", 12.5, kKg, "A3"), &kPapers[2]), 12.5);
  // An unknown stock is the default 80 g/m²: 2.5 reams of A5 = 1250 x 0.031080 x 80 g = 3,108 g.
  EXPECT_NEAR(PurchasedKg(Buy(0, "?", 2.5, kReams, "A5"), nullptr), 3.108, kEps);
}

std::vector<const model::Purchase*> Ptrs(const std::vector<model::Purchase>& v) {
  std::vector<const model::Purchase*> out;
  for (const auto& p : v) out.push_back(&p);
  return out;
}

TEST(PurchaseFiguresTest, HandComputedYear) {
  const std::vector<model::Purchase> rows = {
      // 2018: a 24.948 kg office 30 €, b 22.4532 kg print shop 50 €, c 12.5 kg recycled office
      // 20 €, d 2.338875 kg recycled office without amount.
      Buy(D(2018, 1, 10), "STD80", 10, kReams, "", 3000),
      Buy(D(2018, 2, 1), "STD90", 2000, kSheets, "A3", 5000, kShop),
      Buy(D(2018, 6, 1), "REC75", 12.5, kKg, "", 2000),
      Buy(D(2018, 12, 31), "REC75", 1, kReams),
      // 2017: office 20 reams A4 80 = 49.896 kg; print shop excluded from I1.
      Buy(D(2017, 5, 1), "STD80", 20, kReams),
      Buy(D(2017, 5, 1), "STD80", 1000, kSheets, "", std::nullopt, kShop),
      // 2016: not read for 2018.
      Buy(D(2016, 5, 1), "STD80", 999, kReams),
  };
  const PurchaseFigures f = ComputePurchaseFigures(Ptrs(rows), kPapers, 2018, 70.0);
  EXPECT_EQ(f.rows, 4);
  // All uses: 24.948 + 22.4532 + 12.5 + 2.338875 = 62.240075 kg.
  EXPECT_NEAR(*f.paper_kg, 62.240075, kEps);
  // Office (the print shop excluded): 24.948 + 12.5 + 2.338875 = 39.786875 kg.
  EXPECT_NEAR(*f.paper_kg_office, 39.786875, kEps);
  // I1 = (39.786875 - 49.896) / 49.896 = -20.260 %.
  EXPECT_NEAR(*f.paper_change_pct, (39.786875 - 49.896) / 49.896 * 100, kEps);
  // I2 = 14.838875 / 62.240075 = 23.841 %, the print shop included.
  EXPECT_NEAR(*f.recycled_share_pct, 14.838875 / 62.240075 * 100, kEps);
  // Spend: 20 € recycled over 100 € of rows with an amount; d has none: 20 %.
  EXPECT_NEAR(*f.recycled_spend_share_pct, 20.0, kEps);
  // Coverage: 70 kg printed / 62.240075 kg bought = 112.47 %, shown as it is.
  EXPECT_NEAR(*f.coverage_pct, 70.0 / 62.240075 * 100, kEps);
  EXPECT_GT(*f.coverage_pct, 100.0);
}

TEST(PurchaseFiguresTest, ZeroAndMissingBasesAreNull) {
  // No purchase in the year: every value null (missing base).
  PurchaseFigures none =
      ComputePurchaseFigures(Ptrs({Buy(D(2017, 1, 1), "STD80", 1, kReams)}), kPapers, 2018, 5);
  EXPECT_EQ(none.rows, 0);
  EXPECT_FALSE(none.paper_kg || none.paper_kg_office || none.paper_change_pct ||
               none.recycled_share_pct || none.recycled_spend_share_pct || none.coverage_pct);
  // No office purchase in N-1 (missing base) and no amount at all.
  const std::vector<model::Purchase> only_n = {Buy(D(2018, 1, 1), "STD80", 1, kReams)};
  PurchaseFigures n = ComputePurchaseFigures(Ptrs(only_n), kPapers, 2018, 0);
  EXPECT_NEAR(*n.paper_kg, 2.4948, kEps);
  EXPECT_FALSE(n.paper_change_pct.has_value());
  EXPECT_FALSE(n.recycled_spend_share_pct.has_value());
  EXPECT_EQ(*n.recycled_share_pct, 0.0);
  EXPECT_EQ(*n.coverage_pct, 0.0);
  // Zero bases: N-1 office mass 0, N mass 0, amounts summing to 0.
  const std::vector<model::Purchase> zero = {Buy(D(2017, 1, 1), "STD80", 0, kReams),
                                             Buy(D(2018, 1, 1), "STD80", 0, kKg, "", 0)};
  PurchaseFigures z = ComputePurchaseFigures(Ptrs(zero), kPapers, 2018, 3);
  EXPECT_EQ(*z.paper_kg, 0.0);
  EXPECT_FALSE(z.paper_change_pct.has_value());
  EXPECT_FALSE(z.recycled_share_pct.has_value());
  EXPECT_FALSE(z.recycled_spend_share_pct.has_value());
  EXPECT_FALSE(z.coverage_pct.has_value());
}

// A device's meter impressions over [start, end] as the indicators take them: its readings
// counted as `ramette import meters` counts them, then the engines' selection of two counters.
std::optional<int64_t> MeterImpressions(std::vector<model::MeterReading> readings,
                                        const std::vector<model::Device>& devices, Day start,
                                        Day end) {
  const std::vector<model::MeterCounters> c = model::MeterCountersOver(
      model::CountedMeterReadings(std::move(readings), {}, devices), start, end);
  if (c.size() != 1 || !c[0].at_start) return std::nullopt;
  return c[0].at_end - *c[0].at_start;
}

TEST(MeterImpressionsTest, LastReadingOnOrBeforeEndMinusOnOrBeforeStart) {
  const Day start = D(2018, 1, 1), end = D(2018, 12, 31);
  // Two readings in the year, the start taken from 2017: 9000 - 1000.
  const std::vector<model::MeterReading> a = {{"s", "a", D(2017, 12, 31), 1000},
                                              {"s", "a", D(2018, 6, 30), 5000},
                                              {"s", "a", D(2018, 12, 31), 9000},
                                              {"s", "a", D(2019, 1, 31), 99999}};
  EXPECT_EQ(MeterImpressions(a, {}, start, end), 8000);
  // A reading on the start day is the start.
  const std::vector<model::MeterReading> b = {{"s", "b", D(2018, 1, 1), 300},
                                              {"s", "b", D(2018, 7, 1), 800}};
  EXPECT_EQ(MeterImpressions(b, {}, start, end), 500);
  // First reading inside the year: left out.
  const std::vector<model::MeterReading> c = {{"s", "c", D(2018, 3, 1), 100},
                                              {"s", "c", D(2018, 12, 1), 900}};
  EXPECT_EQ(MeterImpressions(c, {}, start, end), std::nullopt);
  // A replaced device: a new service period begins on 15 May; its counter starts again:
  // (0 before the change) + 300 + (800 - 300).
  model::Device before, after;
  before.server = after.server = "s";
  before.queue = after.queue = "r";
  before.in_service = D(2010, 1, 1);
  before.out_of_service = after.in_service = D(2018, 5, 15);
  const std::vector<model::MeterReading> r = {{"s", "r", D(2018, 1, 1), 5000},
                                              {"s", "r", D(2018, 6, 1), 300},
                                              {"s", "r", D(2018, 12, 31), 800}};
  EXPECT_EQ(MeterImpressions(r, {before, after}, start, end), 800);
  // Without the new period the drop adds nothing (the import refuses it): 800 - 300.
  EXPECT_EQ(MeterImpressions(r, {}, start, end), 500);
}

TEST(MeterCountersTest, CountedFromTheFirstReadingReplacementsIncluded) {
  model::Device before, after;
  before.server = after.server = "s";
  before.queue = after.queue = "r";
  before.in_service = D(2010, 1, 1);
  before.out_of_service = after.in_service = D(2018, 5, 15);
  // Out of order on purpose; counters: 0, 300 (new device from 0), 800.
  const std::vector<model::MeterReading> counted =
      model::CountedMeterReadings({{"s", "r", D(2018, 12, 31), 800},
                                   {"s", "r", D(2018, 1, 1), 5000},
                                   {"s", "r", D(2018, 6, 1), 300}},
                                  {}, {before, after});
  ASSERT_EQ(counted.size(), 3u);
  EXPECT_EQ(counted[0].date, D(2018, 1, 1));
  EXPECT_EQ(counted[0].counter, 0);
  EXPECT_EQ(counted[1].counter, 300);
  EXPECT_EQ(counted[2].counter, 800);
}

TEST(MeterCountersTest, AnImportRecountsTheStoredReadingsOfTheDevicesItNames) {
  // Stored: a 1000 -> 3000 -> 4000 (counters 0, 2000, 3000); b 50 -> 70.
  std::vector<model::MeterReading> stored =
      model::CountedMeterReadings({{"s", "a", D(2018, 1, 1), 1000},
                                   {"s", "a", D(2018, 3, 1), 3000},
                                   {"s", "a", D(2018, 4, 1), 4000},
                                   {"s", "b", D(2018, 1, 1), 50},
                                   {"s", "b", D(2018, 2, 1), 70}},
                                  {}, {});
  // The file adds a reading of a before the others and replaces the one of 1 April.
  const std::vector<model::MeterReading> out = model::CountedMeterReadings(
      {{"s", "a", D(2018, 4, 1), 4500}, {"s", "a", D(2017, 12, 1), 400}}, stored, {});
  // a only (b is not named), sorted: 400, 1000, 3000, 4500 -> counters 0, 600, 2600, 4100.
  ASSERT_EQ(out.size(), 4u);
  const int64_t want[] = {0, 600, 2600, 4100};
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].queue, "a");
    EXPECT_EQ(out[i].counter, want[i]) << i;
  }
  EXPECT_EQ(out[3].total_impressions, 4500);
}

TEST(MeterCountersTest, TheSelectionOfAPeriod) {
  const std::vector<model::MeterReading> all =
      model::CountedMeterReadings({{"s", "early", D(2017, 12, 31), 10},
                                   {"s", "early", D(2018, 6, 30), 60},
                                   {"s", "inside", D(2018, 3, 1), 5},
                                   {"s", "inside", D(2019, 2, 1), 9},
                                   {"s", "later", D(2019, 1, 1), 1}},
                                  {}, {});
  const std::vector<model::MeterCounters> c =
      model::MeterCountersOver(all, D(2018, 1, 1), D(2018, 12, 31));
  // "later" has no reading up to the end: not listed. "inside" has none up to the start.
  EXPECT_EQ(c, (std::vector<model::MeterCounters>{{"s", "early", 0, 50},
                                                  {"s", "inside", std::nullopt, 0}}));
}

TEST(MeterFiguresTest, UncapturedMassUsesTheCapturedSheetsPerImpression) {
  model::UsageSums captured;
  captured.sheets = 3000;
  captured.impressions = 6000;  // two-sided: 0.5 sheet per impression
  // 8000 - 6000 = 2000 uncaptured impressions x 0.5 = 1000 A4 sheets at 80 g = 4.9896 kg.
  MeterFigures f = DeviceMeterFigures(8000, captured, 80);
  EXPECT_EQ(f.meter_impressions, 8000);
  EXPECT_EQ(f.captured_impressions, 6000);
  EXPECT_EQ(f.uncaptured_impressions, 2000);
  EXPECT_NEAR(*f.uncaptured_kg_estimate, 4.9896, kEps);
  // No captured job: 1 sheet per impression; 8000 A4 sheets at 90 g = 44.9064 kg.
  MeterFigures walk_up = DeviceMeterFigures(8000, model::UsageSums{}, 90);
  EXPECT_EQ(walk_up.captured_impressions, 0);
  EXPECT_NEAR(*walk_up.uncaptured_kg_estimate, 44.9064, kEps);
}

FakeJob Job(int64_t device, Day day, int64_t sheets, int64_t impressions = -1) {
  FakeJob j;
  j.device_id = device;
  j.day = day;
  j.sheets = sheets;
  j.impressions = impressions;
  return j;
}

TEST(PaperSourcesIndicatorsTest, ScopesJsonAndTable) {
  FakeUsageSource src;
  src.AddPaper("STD80", false, 80);
  src.AddPaper("REC80", true, 80);
  const int64_t mfp = src.AddClassifiedDevice(model::DeviceClass::kMfp, "DRH", "STD80");
  // 2018: 1000 sheets, 2000 impressions on the MFP (srv/q<mfp>) = 1000 x 4.9896 g = 4.9896 kg.
  src.AddJob(Job(mfp, D(2018, 3, 1), 1000, 2000));
  // DRH buys 1 ream of recycled (2.4948 kg, 10 €); the organisation 1 ream standard (5 €);
  // "Achats" is named only by purchases. "Archives" bought only on 31 Dec 2016, before N-1: no
  // scope of its own, and nothing in the organisation's figures.
  src.purchases() = {
      Buy(D(2016, 12, 31), "REC80", 7, kReams, "", 700, model::PaperUse::kOffice, "Archives"),
      Buy(D(2018, 1, 1), "REC80", 1, kReams, "", 1000, model::PaperUse::kOffice, "DRH"),
      Buy(D(2018, 1, 2), "STD80", 1, kReams, "", 500),
      Buy(D(2018, 1, 3), "STD80", 2, kReams, "", std::nullopt, model::PaperUse::kOffice, "Achats")};
  // The MFP's meter: 10,000 -> 15,000 over 2018; a walk-up copier unknown to CUPS: 100 -> 600;
  // a device whose first reading is inside the year.
  const std::string q = "q" + std::to_string(mfp);
  src.meter_readings() = {{"srv", "copier", D(2017, 12, 31), 100},
                          {"srv", "copier", D(2018, 12, 31), 600},
                          {"srv", "late", D(2018, 6, 1), 10},
                          {"srv", q, D(2017, 12, 31), 10000},
                          {"srv", q, D(2018, 12, 31), 15000}};
  Result<IndicatorReport> r = ComputeIndicators(src, 2018);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ScopeFigures& org = r->organisation;
  // Organisation: 1 + 1 + 2 reams = 4 x 2.4948 = 9.9792 kg; recycled 25 %; spend 10 / 15.
  EXPECT_NEAR(*org.purchases.paper_kg, 9.9792, kEps);
  EXPECT_NEAR(*org.purchases.recycled_share_pct, 25.0, kEps);
  EXPECT_NEAR(*org.purchases.recycled_spend_share_pct, 1000.0 / 1500 * 100, kEps);
  // Coverage: 4.9896 kg printed / 9.9792 kg bought = 50 %.
  EXPECT_NEAR(*org.purchases.coverage_pct, 50.0, kEps);
  // The printing figures do not move: I2 from printing is 0 %.
  EXPECT_EQ(*org.recycled_share_pct, 0.0);
  ASSERT_EQ(r->directions.size(), 2u);  // Achats (purchases only), then DRH
  EXPECT_EQ(r->directions[0].direction, "Achats");
  EXPECT_NEAR(*r->directions[0].purchases.paper_kg, 4.9896, kEps);
  EXPECT_FALSE(r->directions[0].purchases.coverage_pct == std::nullopt);
  EXPECT_EQ(*r->directions[0].purchases.coverage_pct, 0.0);
  const ScopeFigures& drh = r->directions[1];
  EXPECT_EQ(drh.direction, "DRH");
  EXPECT_NEAR(*drh.purchases.recycled_share_pct, 100.0, kEps);
  // DRH's coverage: 4.9896 / 2.4948 = 200 %, not clamped.
  EXPECT_NEAR(*drh.purchases.coverage_pct, 200.0, kEps);
  // Meters. MFP: 5000 counted, 2000 captured, 3000 uncaptured x 0.5 sheet = 1500 x 4.9896 g
  // = 7.4844 kg. Copier: 500 counted, none captured: 500 sheets = 2.4948 kg, organisation only.
  EXPECT_EQ(drh.meters.meter_impressions, 5000);
  EXPECT_EQ(drh.meters.captured_impressions, 2000);
  EXPECT_EQ(drh.meters.uncaptured_impressions, 3000);
  EXPECT_NEAR(*drh.meters.uncaptured_kg_estimate, 7.4844, kEps);
  EXPECT_EQ(org.meters.meter_impressions, 5500);
  EXPECT_EQ(org.meters.captured_impressions, 2000);
  EXPECT_EQ(org.meters.uncaptured_impressions, 3500);
  EXPECT_NEAR(*org.meters.uncaptured_kg_estimate, 7.4844 + 2.4948, kEps);
  EXPECT_EQ(org.meters.devices, 2);
  EXPECT_EQ(org.meters.devices_without_start_reading, 1);
  EXPECT_FALSE(r->directions[0].meters.meter_impressions.has_value());

  const std::string json = FormatIndicatorsJson(*r);
  EXPECT_THAT(json, HasSubstr("\"meters\":{\"meter_impressions\":5500,\"captured_impressions\":"
                              "2000,\"uncaptured_impressions\":3500,"));
  EXPECT_THAT(json, HasSubstr("\"paper_source\":\"printing\"}"));
  const std::string table = FormatIndicatorsTable(*r);
  EXPECT_THAT(table, HasSubstr("Paper source: printing (I1 and I2 measure the paper printed"));
  EXPECT_THAT(table, HasSubstr("Purchases 2018: 9.98 kg bought (9.98 kg office), I1 — %, I2 25.0 "
                               "% recycled, 66.7 % of spend on recycled paper, coverage 50.0 %"));
  EXPECT_THAT(table, HasSubstr("Meters 2018: 5500 impressions counted by device meters, 2000 "
                               "captured from CUPS, 3500 uncaptured (about 9.98 kg), on 2 "
                               "devices; 1 devices left out"));
}

// The published 2018 row (indicators_test.cc's ReproducesPublished2018Row) with purchases that
// match it: with paper_source = "purchases", I1 and I2 come from the purchases alone; the
// printing figures stay as they are.
void AddPublishedPrinting(FakeUsageSource& src) {
  constexpr model::DeviceClass kDesktop = model::DeviceClass::kDesktopPrinter;
  constexpr model::DeviceClass kMfp = model::DeviceClass::kMfp;
  src.AddPaper("REC80", true, 80);
  src.AddPaper("STD80", false, 80);
  for (int i = 0; i < 819; ++i) {
    src.AddClassifiedDevice(kDesktop, i % 2 ? "DATM" : "DRH", "STD80", D(2012, 1, 1),
                            i < 15 ? std::optional<Day>(D(2018, 5, 1)) : std::nullopt);
  }
  for (int i = 0; i < 226; ++i) {
    src.AddClassifiedDevice(kMfp, "DATM", "STD80", i < 223 ? D(2012, 1, 1) : D(2018, 9, 1));
  }
  const int64_t office = src.AddClassifiedDevice(model::DeviceClass::kOther, "DATM", "STD80");
  const int64_t office_rec = src.AddClassifiedDevice(model::DeviceClass::kOther, "DRH", "REC80");
  const int64_t shop = src.AddClassifiedDevice(model::DeviceClass::kPrintShop, "DATM", "STD80");
  src.AddWorkstations("DATM", D(2016, 1, 1), 200);
  src.AddWorkstations("DRH", D(2018, 1, 1), 149);
  src.AddJob(Job(office, D(2017, 4, 1), 1643884));
  src.AddJob(Job(shop, D(2017, 4, 1), 250000));
  src.AddJob(Job(office, D(2018, 4, 1), 1117633));
  src.AddJob(Job(office_rec, D(2018, 4, 1), 312053));
  src.AddJob(Job(shop, D(2018, 4, 1), 303940));
}

double RoundTo(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

TEST(PaperSourcesIndicatorsTest, ReproducesPublished2018RowFromPurchases) {
  FakeUsageSource src;
  AddPublishedPrinting(src);
  // Paper bought, 2016-2018. 2017 office: 3287 reams + 384 sheets = 1,643,884 sheets.
  // 2018 office: 2235 reams + 133 sheets of standard = 1,117,633, 312,053 sheets of recycled;
  // print shop 303,940 sheets. 2016 is there and is not read for 2018.
  src.purchases() = {
      Buy(D(2016, 3, 1), "STD80", 3500, kReams, "A4", 1050000),
      Buy(D(2017, 3, 1), "STD80", 3287, kReams, "", 986100),
      Buy(D(2017, 9, 1), "STD80", 384, kSheets),
      Buy(D(2017, 9, 1), "STD80", 500, kReams, "", std::nullopt, kShop),
      Buy(D(2018, 2, 1), "STD80", 2235, kReams, "A4", 670500, model::PaperUse::kOffice, "DATM"),
      Buy(D(2018, 2, 1), "STD80", 133, kSheets, "", std::nullopt, model::PaperUse::kOffice, "DATM"),
      Buy(D(2018, 3, 1), "REC80", 312053, kSheets, "", 190000, model::PaperUse::kOffice, "DRH"),
      Buy(D(2018, 4, 1), "STD80", 303940, kSheets, "", std::nullopt, kShop, "DATM"),
  };
  Result<IndicatorReport> printing = ComputeIndicators(src, 2018);
  ASSERT_TRUE(printing.ok());
  IndicatorOptions options;
  options.paper_source = PaperSource::kPurchases;
  Result<IndicatorReport> bought = ComputeIndicators(src, 2018, options);
  ASSERT_TRUE(bought.ok());
  for (const IndicatorReport* r : {&*printing, &*bought}) {
    const ScopeFigures& org = r->organisation;
    // The published row: I1 -13.03 %, I2 18.0 %, I3 -1.83 %, I4 +1.35 %, I5 20.44 kg.
    EXPECT_EQ(RoundTo(*org.paper_change_pct, 2), -13.03);
    EXPECT_EQ(RoundTo(*org.recycled_share_pct, 1), 18.0);
    EXPECT_EQ(RoundTo(*org.desktop_printers_change_pct, 2), -1.83);
    EXPECT_EQ(RoundTo(*org.mfp_change_pct, 2), 1.35);
    EXPECT_EQ(RoundTo(*org.kg_per_workstation, 2), 20.44);
    // Printing-based supporting figures as today.
    EXPECT_EQ(RoundTo(org.paper_kg, 2), 7133.56);
    EXPECT_EQ(RoundTo(org.paper_kg_all_devices, 2), 8650.10);
    EXPECT_EQ(org.sheets, 1429686);
    // Purchases: the same sheets, so the same masses: office 7133.56 kg, all 8650.10 kg.
    EXPECT_EQ(RoundTo(*org.purchases.paper_kg_office, 2), 7133.56);
    EXPECT_EQ(RoundTo(*org.purchases.paper_kg, 2), 8650.10);
    EXPECT_EQ(RoundTo(*org.purchases.paper_change_pct, 2), -13.03);
    EXPECT_EQ(RoundTo(*org.purchases.recycled_share_pct, 1), 18.0);
    // Spend: 1900 € recycled / (6705 + 1900) € = 22.08 %; coverage 100 %.
    EXPECT_NEAR(*org.purchases.recycled_spend_share_pct, 190000.0 / 860500 * 100, kEps);
    EXPECT_NEAR(*org.purchases.coverage_pct, 100.0, kEps);
  }
  // With purchases, I1 and I2 are exactly the purchase values; the rest is identical.
  EXPECT_EQ(bought->organisation.paper_change_pct, bought->organisation.purchases.paper_change_pct);
  EXPECT_EQ(bought->organisation.recycled_share_pct,
            bought->organisation.purchases.recycled_share_pct);
  EXPECT_EQ(bought->paper_source, PaperSource::kPurchases);
  EXPECT_THAT(FormatIndicatorsJson(*bought), HasSubstr("\"paper_source\":\"purchases\"}"));
  EXPECT_THAT(FormatIndicatorsTable(*bought), HasSubstr("Paper source: purchases"));

  // Without purchases the printing report is what it was (no purchases, no extra table line).
  FakeUsageSource plain;
  AddPublishedPrinting(plain);
  Result<IndicatorReport> before = ComputeIndicators(plain, 2018);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->organisation.paper_change_pct, printing->organisation.paper_change_pct);
  EXPECT_EQ(before->organisation.recycled_share_pct, printing->organisation.recycled_share_pct);
  EXPECT_EQ(before->organisation.paper_kg, printing->organisation.paper_kg);
  EXPECT_EQ(FormatIndicatorsTable(*before).find("Paper source"), std::string::npos);
}

}  // namespace
}  // namespace ramette::aggregator::indicators
