// Tests of the purchases and meters imports: both separators, quotes and decimal commas, and the
// FILE:LINE error of every column, the counter going down included.
#include "aggregator/imports/paper_source_import.h"

#include <set>
#include <span>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ramette::aggregator::imports {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

template <typename T>
std::string ErrorOf(const Result<T>& r) {
  return r.ok() ? std::string("<ok>") : r.status().message();
}

Day D(int y, int m, int d) { return DaysFromCivil(y, m, d); }

const std::set<std::string> kPapers = {"A4-80", "A4-REC", "Écolo"};
constexpr char kPurchaseHeader[] =
    "date,direction,paper_id,format,quantity,unit,amount_eur_ht,use\n";

TEST(ParsePurchasesCsvTest, BothSeparatorsQuotesDecimalCommasAndDefaults) {
  auto r = ParsePurchasesCsv(
      "date;direction;paper_id;format;quantity;unit;amount_eur_ht;use\n"
      "2018-03-01;Direction des Études;Écolo;;10;reams;\"1 234\";\n"
      "2018-03-02;;A4-80;A3;2,5;KG;12,3;print_shop\n"
      "2018-03-03;DRH;A4-REC;iso_a5_148x210mm;1000;sheets;;office\n",
      "purchases.csv", kPapers);
  // "1 234" is not a number: the whole file fails on line 2.
  EXPECT_THAT(ErrorOf(r), StartsWith("purchases.csv:2: invalid amount '1 234'"));
  r = ParsePurchasesCsv(
      "date;direction;paper_id;format;quantity;unit;amount_eur_ht;use\n"
      "2018-03-01;Direction des Études;Écolo;;10;reams;\"1234,5\";\n"
      "2018-03-02;;A4-80;A3;2,5;KG;12,3;print_shop\n"
      "2018-03-03;DRH;A4-REC;iso_a5_148x210mm;1000;sheets;;office\n",
      "purchases.csv", kPapers);
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 3u);
  const model::Purchase& a = (*r)[0];
  EXPECT_EQ(a.date, D(2018, 3, 1));
  EXPECT_EQ(a.direction, "Direction des Études");
  EXPECT_EQ(a.paper_id, "Écolo");
  EXPECT_EQ(a.format, "");
  EXPECT_EQ(a.quantity, 10);
  EXPECT_EQ(a.unit, model::PurchaseUnit::kReams);
  EXPECT_EQ(a.amount_cents, 123450);
  EXPECT_EQ(a.use, model::PaperUse::kOffice);
  const model::Purchase& b = (*r)[1];
  EXPECT_EQ(b.direction, "");
  EXPECT_EQ(b.format, "A3");
  EXPECT_EQ(b.quantity, 2.5);
  EXPECT_EQ(b.unit, model::PurchaseUnit::kKg);
  EXPECT_EQ(b.amount_cents, 1230);
  EXPECT_EQ(b.use, model::PaperUse::kPrintShop);
  EXPECT_FALSE((*r)[2].amount_cents.has_value());
  EXPECT_EQ((*r)[2].unit, model::PurchaseUnit::kSheets);

  auto comma = ParsePurchasesCsv(
      std::string(kPurchaseHeader) + "2018-01-05,DRH,A4-80,A4,\"3,5\",reams,\"10,00\",office\n",
      "p.csv", kPapers);
  ASSERT_TRUE(comma.ok()) << ErrorOf(comma);
  EXPECT_EQ((*comma)[0].quantity, 3.5);
  EXPECT_EQ((*comma)[0].amount_cents, 1000);
}

TEST(ParsePurchasesCsvTest, EveryColumnFailsTheWholeFileWithItsLine) {
  struct Case {
    std::string row;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"2018-02-30,DRH,A4-80,,1,reams,1,office", "p.csv:3: invalid date '2018-02-30'"},
      {",DRH,A4-80,,1,reams,1,office", "p.csv:3: missing date (column date)"},
      {"2018-01-01,organisation,A4-80,,1,reams,1,office", "(column direction)"},
      {"2018-01-01,DRH,A4-90,,1,reams,1,office",
       "p.csv:3: unknown paper id 'A4-90' (import it with `ramette import papers` first) "
       "(column paper_id)"},
      {"2018-01-01,DRH,,,1,reams,1,office", "p.csv:3: missing value (column paper_id)"},
      {"2018-01-01,DRH,A4-80,B52,1,reams,1,office", "p.csv:3: unknown format 'B52'"},
      {"2018-01-01,DRH,A4-80,,-3,reams,1,office",
       "p.csv:3: invalid quantity '-3', expected a number 0 or more (column quantity)"},
      {"2018-01-01,DRH,A4-80,,,reams,1,office", "p.csv:3: invalid quantity ''"},
      {"2018-01-01,DRH,A4-80,,1,boxes,1,office",
       "p.csv:3: invalid unit 'boxes', expected reams, sheets or kg (column unit)"},
      {"2018-01-01,DRH,A4-80,,1,reams,-1,office", "p.csv:3: invalid amount '-1'"},
      {"2018-01-01,DRH,A4-80,,1,reams,1.234,office", "(column amount_eur_ht)"},
      {"2018-01-01,DRH,A4-80,,1,reams,1,home",
       "p.csv:3: invalid use 'home', expected office or print_shop (column use)"},
      {"2018-01-01,DRH,A4-80,,1,reams,1", "p.csv:3: expected 8 columns"},
  };
  for (const Case& c : cases) {
    auto r = ParsePurchasesCsv(
        std::string(kPurchaseHeader) + "2018-01-01,DRH,A4-80,,1,reams,1,office\n" + c.row + "\n",
        "p.csv", kPapers);
    EXPECT_THAT(ErrorOf(r), HasSubstr(c.error)) << c.row;
    EXPECT_THAT(ErrorOf(r), StartsWith("p.csv:3: ")) << c.row;
  }
}

TEST(ParsePurchasesCsvTest, MissingColumnIsAHeaderError) {
  auto r =
      ParsePurchasesCsv("date,direction,paper_id,format,quantity,unit,use\n", "p.csv", kPapers);
  EXPECT_THAT(ErrorOf(r), StartsWith("p.csv:1: missing column 'amount_eur_ht'"));
}

TEST(ForEachPurchasesCsvBatchTest, CheckedRowsComeInBatchesInFileOrder) {
  const std::string csv = std::string(kPurchaseHeader) +
                          "2018-03-01,DRH,A4-80,A3,2,reams,10,print_shop\n"
                          "2019-01-05,,Écolo,,\"2,5\",kg,,\n"
                          "2018-12-31,DAF,A4-REC,,100,sheets,\"1,5\",office\n";
  Result<size_t> count = CheckPurchasesCsv(csv, "p.csv", kPapers);
  ASSERT_TRUE(count.ok()) << ErrorOf(count);
  EXPECT_EQ(*count, 3u);
  auto parsed = ParsePurchasesCsv(csv, "p.csv", kPapers);
  ASSERT_TRUE(parsed.ok()) << ErrorOf(parsed);
  model::Purchase a{D(2018, 3, 1),
                    "DRH",
                    "A4-80",
                    "A3",
                    2,
                    model::PurchaseUnit::kReams,
                    1000,
                    model::PaperUse::kPrintShop};
  model::Purchase b{
      D(2019, 1, 5),           "", "Écolo", "", 2.5, model::PurchaseUnit::kKg, std::nullopt,
      model::PaperUse::kOffice};
  model::Purchase c{
      D(2018, 12, 31),         "DAF", "A4-REC", "", 100, model::PurchaseUnit::kSheets, 150,
      model::PaperUse::kOffice};
  EXPECT_EQ(*parsed, (std::vector<model::Purchase>{a, b, c}));
  std::vector<std::vector<model::Purchase>> batches;
  ASSERT_TRUE(ForEachPurchasesCsvBatch(csv, "p.csv", kPapers, 2,
                                       [&](std::span<const model::Purchase> batch) {
                                         batches.emplace_back(batch.begin(), batch.end());
                                         return Status::Ok();
                                       })
                  .ok());
  EXPECT_EQ(batches, (std::vector<std::vector<model::Purchase>>{{a, b}, {c}}));
  // Check refuses what Parse refuses, with the same message.
  const std::string bad = csv + "2018-01-01,DRH,A4-80,,1,reams,1,home\n";
  EXPECT_THAT(ErrorOf(CheckPurchasesCsv(bad, "p.csv", kPapers)),
              StartsWith("p.csv:5: invalid use 'home'"));
  EXPECT_EQ(ErrorOf(CheckPurchasesCsv(bad, "p.csv", kPapers)),
            ErrorOf(ParsePurchasesCsv(bad, "p.csv", kPapers)));
}

constexpr char kMeterHeader[] = "server,queue,date,total_impressions\n";

TEST(ParseMetersCsvTest, ReadsRowsInFileOrder) {
  auto r = ParseMetersCsv(std::string("server;queue;date;total_impressions\n") +
                              "copieurs;Copieur-Étage-2;2018-01-31;1000\n"
                              "copieurs;Copieur-Étage-2;2018-12-31;\"25000\"\n",
                          "m.csv", {});
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].queue, "Copieur-Étage-2");
  EXPECT_EQ((*r)[1].date, D(2018, 12, 31));
  EXPECT_EQ((*r)[1].total_impressions, 25000);
}

TEST(ParseMetersCsvTest, EveryColumnFailsWithItsLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {",q,2018-01-01,5", "m.csv:3: missing value (column server)"},
      {"s,,2018-01-01,5", "m.csv:3: missing value (column queue)"},
      {"s,q,2018-13-01,5", "m.csv:3: invalid date '2018-13-01'"},
      {"s,q,2018-01-01,-5", "m.csv:3: invalid counter '-5'"},
      {"s,q,2018-01-01,5.5", "(column total_impressions)"},
      {"s,q,2017-12-01,7", "m.csv:3: duplicate reading for s/q on 2017-12-01, already on line 2"},
  };
  for (const auto& [row, error] : cases) {
    auto r =
        ParseMetersCsv(std::string(kMeterHeader) + "s,q,2017-12-01,1\n" + row + "\n", "m.csv", {});
    EXPECT_THAT(ErrorOf(r), HasSubstr(error)) << row;
  }
}

TEST(ParseMetersCsvTest, CounterGoingDownIsAnErrorUnlessANewServicePeriodBegins) {
  const std::string file = std::string(kMeterHeader) +
                           "s,copier,2018-06-30,900\n"   // line 2, out of date order
                           "s,copier,2018-01-31,1000\n"  // line 3
                           "s,other,2018-01-31,10\n";
  auto r = ParseMetersCsv(file, "m.csv", {});
  EXPECT_THAT(ErrorOf(r), StartsWith("m.csv:2: counter of s/copier goes down from 1000 on "
                                     "2018-01-31 to 900 on 2018-06-30"));

  model::Device before, after;
  before.server = after.server = "s";
  before.queue = after.queue = "copier";
  before.in_service = D(2015, 1, 1);
  before.out_of_service = after.in_service = D(2018, 3, 1);
  auto replaced = ParseMetersCsv(file, "m.csv", {before, after});
  EXPECT_TRUE(replaced.ok()) << ErrorOf(replaced);

  // Against the stored readings: the file's row is named; a stored row the file replaces is not
  // compared.
  const std::vector<model::MeterReading> stored = {{"s", "q", D(2018, 1, 31), 5000}};
  auto down =
      ParseMetersCsv(std::string(kMeterHeader) + "s,q,2018-02-28,4000\n", "m.csv", {}, stored);
  EXPECT_THAT(ErrorOf(down), StartsWith("m.csv:2: counter of s/q goes down"));
  auto corrected =
      ParseMetersCsv(std::string(kMeterHeader) + "s,q,2018-02-28,4000\ns,q,2018-01-31,3000\n",
                     "m.csv", {}, stored);
  EXPECT_TRUE(corrected.ok()) << ErrorOf(corrected);
}

// The import's batches hold what CountedMeterReadings returns for the file's rows and the stored
// readings: every reading of the named devices, counted, in (server, queue, date) order.
TEST(CheckMetersCsvTest, CountedBatchesAreTheCountedMeterReadings) {
  model::Device before, after;
  before.server = after.server = "s";
  before.queue = after.queue = "copier";
  before.in_service = D(2015, 1, 1);
  before.out_of_service = after.in_service = D(2018, 3, 1);
  const std::vector<model::Device> devices = {before, after};
  const std::vector<model::MeterReading> stored = {
      {"a", "z", D(2017, 1, 1), 7, 0},           // a device the file does not name
      {"s", "copier", D(2017, 12, 31), 800, 0},  // kept, counted again
      {"s", "copier", D(2018, 1, 31), 5000, 0},  // replaced by the file's row
      {"s", "q", D(2019, 1, 1), 3, 0},
  };
  const std::string csv = std::string(kMeterHeader) +
                          "s,copier,2018-06-30,900\n"  // after a replacement: counts again
                          "s,Étage,2018-01-31,10\n"
                          "s,copier,2018-01-31,1000\n"
                          "s,copier,2018-12-31,1900\n"
                          "\"s\",Étage,2018-02-28,15\n"
                          "r,copier,2018-02-28,4\n"
                          "s,q,2018-12-31,1\n";
  auto parsed = ParseMetersCsv(csv, "m.csv", devices, stored);
  ASSERT_TRUE(parsed.ok()) << ErrorOf(parsed);
  ASSERT_EQ(parsed->size(), 7u);
  EXPECT_EQ((*parsed)[0], (model::MeterReading{"s", "copier", D(2018, 6, 30), 900, 0}));
  EXPECT_EQ((*parsed)[6], (model::MeterReading{"s", "q", D(2018, 12, 31), 1, 0}));
  const std::vector<model::MeterReading> expected =
      model::CountedMeterReadings(*parsed, stored, devices);
  ASSERT_EQ(expected.size(), 9u);

  auto checked = CheckMetersCsv(csv, "m.csv", devices, stored);
  ASSERT_TRUE(checked.ok()) << ErrorOf(checked);
  EXPECT_EQ(checked->file_rows(), 7u);
  EXPECT_EQ(checked->FileRows(), *parsed);
  for (size_t batch_rows : {1, 2, 4, 100}) {
    std::vector<model::MeterReading> all;
    size_t batches = 0;
    ASSERT_TRUE(checked
                    ->ForEachCountedBatch(devices, batch_rows,
                                          [&](std::span<const model::MeterReading> batch) {
                                            EXPECT_LE(batch.size(), batch_rows);
                                            ++batches;
                                            all.insert(all.end(), batch.begin(), batch.end());
                                            return Status::Ok();
                                          })
                    .ok());
    EXPECT_EQ(all, expected) << batch_rows;
    EXPECT_EQ(batches, (expected.size() + batch_rows - 1) / batch_rows);
  }
  // The visitor's error stops the batches.
  int calls = 0;
  Status st = checked->ForEachCountedBatch(devices, 2, [&](auto) {
    ++calls;
    return Status::IoError("disk full");
  });
  EXPECT_EQ(st.message(), "disk full");
  EXPECT_EQ(calls, 1);
}

TEST(CheckMetersCsvTest, ABadRowWinsOverAnEarlierDuplicateAsParseMetersCsvDid) {
  // A duplicate on line 3 and a bad counter on line 4: the row's own error, as before.
  const std::string csv =
      std::string(kMeterHeader) + "s,q,2018-01-01,1\ns,q,2018-01-01,2\ns,q,2018-01-02,x\n";
  EXPECT_THAT(ErrorOf(CheckMetersCsv(csv, "m.csv", {})), StartsWith("m.csv:4: invalid counter"));
  // The first of several errors across devices in file order.
  const std::string two = std::string(kMeterHeader) +
                          "t,q,2018-01-01,5\n"
                          "s,q,2018-01-01,5\n"
                          "t,q,2018-02-01,4\n"   // line 4: t/q goes down
                          "s,q,2018-01-01,6\n";  // line 5: duplicate of line 3
  EXPECT_THAT(ErrorOf(CheckMetersCsv(two, "m.csv", {})),
              StartsWith("m.csv:4: counter of t/q goes down from 5 on 2018-01-01 to 4"));
  EXPECT_EQ(ErrorOf(ParseMetersCsv(two, "m.csv", {})), ErrorOf(CheckMetersCsv(two, "m.csv", {})));
}

}  // namespace
}  // namespace ramette::aggregator::imports
