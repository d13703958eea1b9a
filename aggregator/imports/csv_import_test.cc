// Tests of the four CSV imports: good files in both separators and each rule that must fail a
// whole file with the file name and the exact line; and ReadFileContent on real files.
#include "aggregator/imports/csv_import.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

// ---------------------------------------------------------------- papers

TEST(ParsePapersCsvTest, CommaFile) {
  auto r = ParsePapersCsv(
      "paper_id,recycled,grammage_gsm\n"
      "A4-80,no,80\n"
      "A4-REC,yes,75.5\n"
      "A3-90,No,\"90,5\"\n",
      "papers.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].paper_id, "A4-80");
  EXPECT_FALSE((*r)[0].recycled);
  EXPECT_DOUBLE_EQ((*r)[0].grammage_gsm, 80.0);
  EXPECT_EQ((*r)[1].paper_id, "A4-REC");
  EXPECT_TRUE((*r)[1].recycled);
  EXPECT_DOUBLE_EQ((*r)[1].grammage_gsm, 75.5);
  EXPECT_FALSE((*r)[2].recycled);
  EXPECT_DOUBLE_EQ((*r)[2].grammage_gsm, 90.5);
}

TEST(ParsePapersCsvTest, SemicolonFileWithDecimalCommaFrenchWordsBomCrlf) {
  auto r = ParsePapersCsv(
      "\xEF\xBB\xBF"
      "Paper_ID ; Recycled ; Grammage_GSM\r\n"
      "Recyclé 80;OUI;80,0\r\n"
      "\r\n"
      "Blanc;non;1000\r\n",
      "papers.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].paper_id, "Recycl\xC3\xA9 80");
  EXPECT_TRUE((*r)[0].recycled);
  EXPECT_DOUBLE_EQ((*r)[0].grammage_gsm, 80.0);
  EXPECT_FALSE((*r)[1].recycled);
  EXPECT_DOUBLE_EQ((*r)[1].grammage_gsm, 1000.0);
}

TEST(ParsePapersCsvTest, ColumnsInAnyOrder) {
  auto r = ParsePapersCsv("grammage_gsm,paper_id,recycled\n90,P1,yes\n", "papers.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].paper_id, "P1");
  EXPECT_TRUE((*r)[0].recycled);
  EXPECT_DOUBLE_EQ((*r)[0].grammage_gsm, 90.0);
}

TEST(ParsePapersCsvTest, HeaderOnlyIsAnEmptyImport) {
  auto r = ParsePapersCsv("paper_id,recycled,grammage_gsm\n", "papers.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_TRUE(r->empty());
}

TEST(ParsePapersCsvTest, EmptyFileNeedsAHeader) {
  auto r = ParsePapersCsv("", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:1: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("header"));
}

TEST(ParsePapersCsvTest, BadRecycled) {
  auto r = ParsePapersCsv("paper_id,recycled,grammage_gsm\nA,yes,80\nB,maybe,80\n", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("'maybe'"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column recycled"));
}

TEST(ParsePapersCsvTest, BadGrammage) {
  for (const char* value :
       {"0", "0.5", "1000.5", "abc", "-80", "80.", ".5", "8,0,0", "", "80g", "1e2"}) {
    std::string csv = "paper_id;recycled;grammage_gsm\nA;yes;80\nB;no;" + std::string(value) + "\n";
    auto r = ParsePapersCsv(csv, "papers.csv");
    ASSERT_FALSE(r.ok()) << value;
    EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:3: ")) << value;
    EXPECT_THAT(ErrorOf(r), HasSubstr("'" + std::string(value) + "'"));
    EXPECT_THAT(ErrorOf(r), HasSubstr("column grammage_gsm"));
  }
}

TEST(ParsePapersCsvTest, GrammageBounds) {
  auto r = ParsePapersCsv("paper_id;recycled;grammage_gsm\nA;yes;1\nB;no;1000,0\n", "papers.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_DOUBLE_EQ((*r)[0].grammage_gsm, 1.0);
  EXPECT_DOUBLE_EQ((*r)[1].grammage_gsm, 1000.0);
}

TEST(ParsePapersCsvTest, EmptyPaperId) {
  auto r = ParsePapersCsv("paper_id,recycled,grammage_gsm\n  ,yes,80\n", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:2: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column paper_id"));
}

TEST(ParsePapersCsvTest, DuplicatePaperIdNamesBothLines) {
  auto r = ParsePapersCsv("paper_id,recycled,grammage_gsm\nA,yes,80\nB,no,80\n\nA,no,90\n",
                          "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:5: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("duplicate paper id 'A'"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("line 2"));
}

TEST(ParsePapersCsvTest, MissingHeaderColumn) {
  auto r = ParsePapersCsv("paper_id,recycled\nA,yes\n", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:1: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("missing column 'grammage_gsm'"));
}

TEST(ParsePapersCsvTest, UnknownHeaderColumn) {
  auto r = ParsePapersCsv("paper_id,recycled,grammage_gsm,Colour\nA,yes,80,white\n", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:1: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("unknown column 'Colour'"));
}

TEST(ParsePapersCsvTest, DuplicateHeaderColumn) {
  auto r = ParsePapersCsv("paper_id,recycled,grammage_gsm,PAPER_ID\nA,yes,80,A\n", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:1: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("duplicate column 'PAPER_ID'"));
}

TEST(ParsePapersCsvTest, EmptyHeaderColumn) {
  auto r = ParsePapersCsv("paper_id;recycled;grammage_gsm;\nA;yes;80;\n", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:1: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("empty column name"));
}

TEST(ParsePapersCsvTest, WrongColumnCount) {
  // An unquoted decimal comma in a comma-separated file splits the field.
  auto r = ParsePapersCsv("paper_id,recycled,grammage_gsm\nA,yes,80\nB,no,80,5\n", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("expected 3 columns"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("found 4"));
}

TEST(ParsePapersCsvTest, FirstErrorInFileOrderWins) {
  // Line 2 has a bad grammage, line 3 a wrong column count: line 2 is reported.
  auto r = ParsePapersCsv("paper_id,recycled,grammage_gsm\nA,yes,0\nB,no\n", "papers.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("papers.csv:2: "));
}

// ---------------------------------------------------------------- devices

const std::set<std::string> kKnownPapers = {"A4-80", "A4-REC", "Recyclé"};
constexpr char kDevicesHeader[] =
    "server,queue,class,direction,paper_id,in_service,out_of_service\n";

TEST(ParseDevicesCsvTest, CommaFile) {
  std::string csv = std::string(kDevicesHeader) +
                    "print1,hp-daf-2e,desktop_printer,DAF,A4-80,2015-03-01,\n"
                    "print1,\"copieur, RDC\",mfp,,,2014-01-01,2018-06-30\n"
                    "print2,repro,print_shop,Reprographie,A4-REC,2010-01-01,\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 3u);
  const model::Device& d0 = (*r)[0];
  EXPECT_EQ(d0.id, 0);
  EXPECT_EQ(d0.server, "print1");
  EXPECT_EQ(d0.queue, "hp-daf-2e");
  EXPECT_TRUE(d0.classified);
  EXPECT_EQ(d0.device_class, model::DeviceClass::kDesktopPrinter);
  EXPECT_EQ(d0.direction, "DAF");
  EXPECT_EQ(d0.paper_id, "A4-80");
  EXPECT_EQ(d0.in_service, D(2015, 3, 1));
  EXPECT_FALSE(d0.out_of_service.has_value());
  const model::Device& d1 = (*r)[1];
  EXPECT_EQ(d1.queue, "copieur, RDC");
  EXPECT_TRUE(d1.classified);
  EXPECT_EQ(d1.device_class, model::DeviceClass::kMfp);
  EXPECT_EQ(d1.direction, "");
  EXPECT_EQ(d1.paper_id, "");  // the default stock
  EXPECT_EQ(d1.in_service, D(2014, 1, 1));
  EXPECT_EQ(d1.out_of_service, D(2018, 6, 30));
  EXPECT_EQ((*r)[2].device_class, model::DeviceClass::kPrintShop);
  EXPECT_EQ((*r)[2].paper_id, "A4-REC");
}

TEST(ParseDevicesCsvTest, SemicolonFileWithAccentsBomCrlfAndReorderedColumns) {
  auto r = ParseDevicesCsv(
      "\xEF\xBB\xBF"
      "Queue;Server;In_Service;Out_Of_Service;Class;Paper_Id;Direction\r\n"
      "imprimante-élodie;srv-paris;2016-02-29;;Other;Recyclé;"
      "Direction des Achats et de l'Équipement\r\n",
      "devices.csv", kKnownPapers);
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 1u);
  const model::Device& d = (*r)[0];
  EXPECT_EQ(d.server, "srv-paris");
  EXPECT_EQ(d.queue, "imprimante-\xC3\xA9lodie");
  EXPECT_EQ(d.device_class, model::DeviceClass::kOther);
  EXPECT_EQ(d.paper_id, "Recycl\xC3\xA9");
  EXPECT_EQ(d.direction, "Direction des Achats et de l'\xC3\x89quipement");
  EXPECT_EQ(d.in_service, D(2016, 2, 29));
}

TEST(ParseDevicesCsvTest, UnknownClass) {
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q1,mfp,DAF,,2015-03-01,\n"
                    "print1,q2,printer,DAF,,2015-03-01,\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("unknown class 'printer'"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column class"));
}

TEST(ParseDevicesCsvTest, BadDate) {
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q1,mfp,DAF,,2015-03-01,\n"
                    "print1,q2,mfp,DAF,,2018-02-30,\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("'2018-02-30'"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column in_service"));
}

TEST(ParseDevicesCsvTest, BadDateFormats) {
  for (const char* value : {"2018-2-3", "03/02/2018", "2018-13-01", "20180301", "x"}) {
    std::string csv = std::string(kDevicesHeader) + "print1,q1,mfp,DAF,,2015-03-01," + value + "\n";
    auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
    ASSERT_FALSE(r.ok()) << value;
    EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:2: ")) << value;
    EXPECT_THAT(ErrorOf(r), HasSubstr("column out_of_service")) << value;
  }
}

TEST(ParseDevicesCsvTest, MissingInService) {
  std::string csv = std::string(kDevicesHeader) + "print1,q1,mfp,DAF,,,\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:2: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column in_service"));
}

TEST(ParseDevicesCsvTest, OutOfServiceMustBeAfterInService) {
  for (const char* out : {"2015-03-01", "2015-02-28"}) {
    std::string csv = std::string(kDevicesHeader) + "print1,q1,mfp,DAF,,2015-03-01," + out + "\n";
    auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
    ASSERT_FALSE(r.ok()) << out;
    EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:2: "));
    EXPECT_THAT(ErrorOf(r), HasSubstr("column out_of_service"));
  }
  std::string csv = std::string(kDevicesHeader) + "print1,q1,mfp,DAF,,2015-03-01,2015-03-02\n";
  EXPECT_TRUE(ParseDevicesCsv(csv, "devices.csv", kKnownPapers).ok());
}

TEST(ParseDevicesCsvTest, UnknownPaperId) {
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q1,mfp,DAF,A4-80,2015-03-01,\n"
                    "print1,q2,mfp,DAF,A4-90,2015-03-01,\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("unknown paper id 'A4-90'"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column paper_id"));
}

TEST(ParseDevicesCsvTest, EmptyServerOrQueue) {
  auto r = ParseDevicesCsv(std::string(kDevicesHeader) + ",q1,mfp,DAF,,2015-03-01,\n",
                           "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:2: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column server"));
  r = ParseDevicesCsv(std::string(kDevicesHeader) + "print1,\"\",mfp,DAF,,2015-03-01,\n",
                      "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:2: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column queue"));
}

TEST(ParseDevicesCsvTest, SeveralServicePeriodsOfOneQueue) {
  // The stock of print1/q1 changes on 2019-01-01 (the first row ends the day the second
  // begins), its class and direction on 2020-06-15; print2/q1 is another queue.
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q1,mfp,DAF,A4-80,2015-03-01,2019-01-01\n"
                    "print2,q1,mfp,DAF,,2015-03-01,\n"
                    "print1,q1,desktop_printer,DRH,A4-REC,2020-06-15,\n"
                    "print1,q1,mfp,DAF,A4-REC,2019-01-01,2020-06-15\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 4u);  // in file order
  EXPECT_EQ((*r)[0].paper_id, "A4-80");
  EXPECT_EQ((*r)[0].out_of_service, D(2019, 1, 1));
  EXPECT_EQ((*r)[2].queue, "q1");
  EXPECT_EQ((*r)[2].device_class, model::DeviceClass::kDesktopPrinter);
  EXPECT_EQ((*r)[2].direction, "DRH");
  EXPECT_EQ((*r)[2].in_service, D(2020, 6, 15));
  EXPECT_FALSE((*r)[2].out_of_service.has_value());
  EXPECT_EQ((*r)[3].in_service, D(2019, 1, 1));
  EXPECT_EQ((*r)[3].out_of_service, D(2020, 6, 15));
}

TEST(ParseDevicesCsvTest, OverlappingServicePeriodsNameBothLines) {
  // Line 5 starts on 2018-06-30, before line 3's period [2014-01-01, 2018-07-01) ends.
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q2,mfp,DAF,,2015-03-01,\n"
                    "print1,q1,mfp,DAF,,2014-01-01,2018-07-01\n"
                    "print2,q1,mfp,DAF,,2015-03-01,\n"
                    "print1,q1,other,DRH,,2018-06-30,\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ErrorOf(r),
            "devices.csv:5: device server 'print1', queue 'q1': service period "
            "[2018-06-30, unbounded) overlaps [2014-01-01, 2018-07-01) on line 3 "
            "(columns in_service, out_of_service)");
}

TEST(ParseDevicesCsvTest, RowStartingAfterAnUnboundedRowOverlapsIt) {
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q1,mfp,DAF,,2015-03-01,\n"
                    "print1,q1,mfp,DAF,,2019-01-01,2020-01-01\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("overlaps [2015-03-01, unbounded) on line 2"));
  // The same rows the other way round: an unbounded row may not start before a bounded one
  // ends either.
  csv = std::string(kDevicesHeader) +
        "print1,q1,mfp,DAF,,2019-01-01,2020-01-01\n"
        "print1,q1,mfp,DAF,,2015-03-01,\n";
  r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("overlaps [2019-01-01, 2020-01-01) on line 2"));
  // Ending before the unbounded row starts is fine.
  csv = std::string(kDevicesHeader) +
        "print1,q1,mfp,DAF,,2019-01-01,\n"
        "print1,q1,mfp,DAF,,2015-03-01,2019-01-01\n";
  EXPECT_TRUE(ParseDevicesCsv(csv, "devices.csv", kKnownPapers).ok());
}

TEST(ParseDevicesCsvTest, IdenticalRowsOverlap) {
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q1,mfp,DAF,,2015-03-01,2016-01-01\n"
                    "print1,q1,mfp,DAF,,2015-03-01,2016-01-01\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("[2015-03-01, 2016-01-01) overlaps [2015-03-01, 2016-01-01)"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("line 2"));
}

TEST(ParseDevicesCsvTest, FirstOverlapInFileOrderWinsAcrossQueuesAndBeforeABadRow) {
  // print2/q overlaps on line 4, print1/q (sorted first) on line 5: line 4.
  const std::string rows = std::string(kDevicesHeader) +
                           "print2,q,mfp,DAF,,2015-01-01,\n"
                           "print1,q,mfp,DAF,,2015-01-01,\n"
                           "print2,q,mfp,DAF,,2016-01-01,\n"
                           "print1,q,mfp,DAF,,2017-01-01,\n";
  auto r = ParseDevicesCsv(rows, "devices.csv", kKnownPapers);
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:4: device server 'print2', queue 'q'"));
  EXPECT_EQ(ErrorOf(CheckDevicesCsv(rows, "devices.csv", kKnownPapers)), ErrorOf(r));
  // A bad class after the overlaps: the overlap; before them: the bad class.
  r = ParseDevicesCsv(rows + "print3,q,printer,DAF,,2015-01-01,\n", "devices.csv", kKnownPapers);
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:4: device server 'print2'"));
  const std::string bad_first = std::string(kDevicesHeader) +
                                "print2,q,mfp,DAF,,2015-01-01,\n"
                                "print3,q,printer,DAF,,2015-01-01,\n"
                                "print2,q,mfp,DAF,,2016-01-01,\n";
  r = ParseDevicesCsv(bad_first, "devices.csv", kKnownPapers);
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:3: unknown class 'printer'"));
  EXPECT_EQ(ErrorOf(CheckDevicesCsv(bad_first, "devices.csv", kKnownPapers)), ErrorOf(r));
}

TEST(ForEachDevicesCsvBatchTest, CheckedRowsComeInBatchesInFileOrder) {
  // q1's periods are on both sides of a batch boundary, one row quoted.
  const std::string csv = std::string(kDevicesHeader) +
                          "print1,q1,mfp,DAF,A4-80,2014-01-01,2018-07-01\n"
                          "print1,q2,desktop_printer,,,2015-03-01,\n"
                          "\"print1\",q1,other,DRH,,2018-07-01,\n"
                          "print2,q1,print_shop,Repro,A4-REC,2010-01-01,2012-01-01\n"
                          "print2,q1,print_shop,Repro,,2012-01-01,\n";
  Result<size_t> count = CheckDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_TRUE(count.ok()) << ErrorOf(count);
  EXPECT_EQ(*count, 5u);
  auto parsed = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_TRUE(parsed.ok()) << ErrorOf(parsed);
  ASSERT_EQ(parsed->size(), 5u);
  // The rows as ParseDevicesCsv returned them before it was built on these two steps.
  EXPECT_EQ((*parsed)[2].server, "print1");
  EXPECT_EQ((*parsed)[2].device_class, model::DeviceClass::kOther);
  EXPECT_EQ((*parsed)[2].paper_id, "");
  EXPECT_EQ((*parsed)[3].paper_id, "A4-REC");
  EXPECT_EQ((*parsed)[4].paper_id, "");
  EXPECT_EQ((*parsed)[4].in_service, D(2012, 1, 1));
  EXPECT_FALSE((*parsed)[4].out_of_service.has_value());
  auto key = [](const model::Device& d) {
    return d.server + "/" + d.queue + " " + std::string(model::DeviceClassName(d.device_class)) +
           " " + d.direction + " " + d.paper_id + " " + FormatIsoDate(*d.in_service) + " " +
           (d.out_of_service ? FormatIsoDate(*d.out_of_service) : "-") +
           (d.classified ? " classified" : "") + " " + std::to_string(d.id);
  };
  std::vector<std::vector<std::string>> batches;
  auto collect = [&](std::span<const model::Device> batch) {
    auto& b = batches.emplace_back();
    for (const model::Device& d : batch) b.push_back(key(d));
    return Status::Ok();
  };
  ASSERT_TRUE(ForEachDevicesCsvBatch(csv, "devices.csv", kKnownPapers, 2, collect).ok());
  ASSERT_EQ(batches.size(), 3u);
  std::vector<std::string> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  std::vector<std::string> expected;
  for (const model::Device& d : *parsed) expected.push_back(key(d));
  EXPECT_EQ(all, expected);
  EXPECT_EQ(batches[2],
            (std::vector<std::string>{"print2/q1 print_shop Repro  2012-01-01 - classified 0"}));
  // The visitor's error stops the rows.
  int calls = 0;
  Status st = ForEachDevicesCsvBatch(csv, "devices.csv", kKnownPapers, 2, [&](auto) {
    ++calls;
    return Status::IoError("disk full");
  });
  EXPECT_EQ(st.message(), "disk full");
  EXPECT_EQ(calls, 1);
}

// A quoted field may span lines in CSV, but a name may not hold a line break: refused at the
// line its record starts on.
TEST(ParseDevicesCsvTest, MultiLineQuotedFieldIsRefused) {
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q1,mfp,\"Direction\ndes Achats\",,2015-03-01,\n"
                    "print1,q2,mfp,DAF,,2015-03-01\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorOf(r), "devices.csv:2: control character 0x0a (column direction)");
}

TEST(ParseDevicesCsvTest, UnterminatedQuote) {
  std::string csv = std::string(kDevicesHeader) +
                    "print1,q1,mfp,DAF,,2015-03-01,\n"
                    "print1,\"q2,mfp,DAF,,2015-03-01,\n"
                    "print1,q3,mfp,DAF,,2015-03-01,\n";
  auto r = ParseDevicesCsv(csv, "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("unterminated quoted field"));
}

TEST(ParseDevicesCsvTest, MissingHeaderColumn) {
  auto r = ParseDevicesCsv(
      "server,queue,class,direction,paper_id,in_service\nprint1,q1,mfp,DAF,,2015-03-01\n",
      "devices.csv", kKnownPapers);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("devices.csv:1: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("missing column 'out_of_service'"));
}

// ---------------------------------------------------------------- users

TEST(ParseUsersCsvTest, TwoColumnsOnly) {
  auto r = ParseUsersCsv(
      "user,direction\n"
      "jdupont,DAF\n"
      "élodie.lefèvre,\"Direction des Achats et de l'Équipement\"\n",
      "users.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].user, "jdupont");
  EXPECT_EQ((*r)[0].direction, "DAF");
  EXPECT_FALSE((*r)[0].valid_from.has_value());
  EXPECT_FALSE((*r)[0].valid_to.has_value());
  EXPECT_EQ((*r)[1].user, "\xC3\xA9lodie.lef\xC3\xA8vre");
  EXPECT_EQ((*r)[1].direction, "Direction des Achats et de l'\xC3\x89quipement");
}

TEST(ParseUsersCsvTest, EffectiveDatedRowsMayTouch) {
  auto r = ParseUsersCsv(
      "user;direction;valid_from;valid_to\n"
      "jdupont;DAF;;2017-01-01\n"
      "jdupont;DRH;2017-01-01;2018-07-01\n"
      "jdupont;DSI;2018-07-01;\n"
      "mmartin;DSI;2016-05-01;\n",
      "users.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 4u);
  EXPECT_FALSE((*r)[0].valid_from.has_value());
  EXPECT_EQ((*r)[0].valid_to, D(2017, 1, 1));
  EXPECT_EQ((*r)[1].valid_from, D(2017, 1, 1));
  EXPECT_EQ((*r)[1].valid_to, D(2018, 7, 1));
  EXPECT_EQ((*r)[2].valid_from, D(2018, 7, 1));
  EXPECT_FALSE((*r)[2].valid_to.has_value());
  EXPECT_EQ((*r)[3].user, "mmartin");
}

TEST(ParseUsersCsvTest, OptionalValidFromOnly) {
  auto r = ParseUsersCsv("valid_from,user,direction\n2018-01-01,bob,DAF\n", "users.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ((*r)[0].valid_from, D(2018, 1, 1));
  EXPECT_FALSE((*r)[0].valid_to.has_value());
}

TEST(ParseUsersCsvTest, OverlappingRowsNameBothLines) {
  auto r = ParseUsersCsv(
      "user,direction,valid_from,valid_to\n"
      "jdupont,DAF,2015-01-01,2017-01-01\n"
      "mmartin,DSI,,\n"
      "jdupont,DRH,2016-12-31,\n",
      "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:4: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("'jdupont'"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("line 2"));
}

TEST(ParseUsersCsvTest, UnboundedRowsOverlap) {
  auto r = ParseUsersCsv(
      "user,direction,valid_from,valid_to\n"
      "bob,DAF,,\n"
      "\n"
      "bob,DRH,2030-01-01,\n",
      "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:4: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("line 2"));
}

TEST(ParseUsersCsvTest, SameNameWithDifferentCaseIsAnotherUser) {
  auto r = ParseUsersCsv("user,direction\nbob,DAF\nBob,DRH\n", "users.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(r->size(), 2u);
}

TEST(ParseUsersCsvTest, NamesAreNormalisedByTheUsersRule) {
  const model::UserNameRule rule{.lower_case = true, .strip_domain = true};
  auto r = ParseUsersCsv(
      "user,direction,valid_from,valid_to\nEXAMPLE\\Bob,DAF,,2018-01-01\n"
      "alice@EXAMPLE.ORG,DRH,,\n",
      "users.csv", rule);
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].user, "bob");
  EXPECT_EQ((*r)[1].user, "alice");
  // Two spellings of one user are one user: their rows must not overlap.
  r = ParseUsersCsv("user,direction\nbob,DAF\nBob,DRH\n", "users.csv", rule);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("'bob'"));
}

TEST(ParseUsersCsvTest, FirstOverlapInFileOrderWinsAcrossUsers) {
  // zoe's overlap (line 5) comes before alice's (line 6) in the file, though 'alice' sorts first;
  // line 5 overlaps both line 2 and line 4: the first of them is named.
  auto r = ParseUsersCsv(
      "user,direction,valid_from,valid_to\n"
      "zoe,DAF,2018-01-01,2019-01-01\n"  // 2
      "alice,DRH,2018-01-01,\n"          // 3
      "zoe,DAF,2019-01-01,2020-01-01\n"  // 4
      "zoe,DSI,2018-06-01,2019-06-01\n"  // 5: overlaps 2 and 4
      "alice,DSI,2019-01-01,\n",         // 6: overlaps 3
      "users.csv");
  EXPECT_EQ(ErrorOf(r),
            "users.csv:5: user 'zoe': validity [2018-06-01, 2019-06-01) overlaps "
            "[2018-01-01, 2019-01-01) on line 2 (columns valid_from, valid_to)");
}

TEST(ParseUsersCsvTest, AnOverlapBeforeABadRowWinsAndAfterItLoses) {
  // Line 3 overlaps line 2; line 4 has a bad date: the overlap comes first.
  auto r = ParseUsersCsv(
      "user,direction,valid_from\nbob,DAF,2018-01-01\nbob,DRH,2019-01-01\nann,DAF,2018-13-01\n",
      "users.csv");
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:3: user 'bob'"));
  // The bad date on line 3, the overlap on line 4: the bad date.
  r = ParseUsersCsv(
      "user,direction,valid_from\nbob,DAF,2018-01-01\nann,DAF,2018-13-01\nbob,DRH,2019-01-01\n",
      "users.csv");
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:3: invalid date '2018-13-01'"));
  // Text after a closing quote on line 4 (a CSV error) comes after line 3's overlap.
  r = ParseUsersCsv(
      "user,direction,valid_from\nbob,DAF,2018-01-01\nbob,DRH,2019-01-01\n\"ann\"x,DAF,\n",
      "users.csv");
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:3: user 'bob'"));
}

TEST(ForEachUsersCsvBatchTest, CheckedRowsComeInBatchesInFileOrder) {
  const std::string csv =
      "user,direction,valid_from,valid_to\n"
      "EXAMPLE\\Bob,DAF,,2018-01-01\n"
      "ann,DRH,,\n"
      "\n"
      "bob,DSI,2018-01-01,\n"
      "carl,DAF,2017-05-02,\n"
      "dan,DRH,,\n";
  const model::UserNameRule rule{.lower_case = true, .strip_domain = true};
  Result<size_t> count = CheckUsersCsv(csv, "users.csv", rule);
  ASSERT_TRUE(count.ok()) << ErrorOf(count);
  EXPECT_EQ(*count, 5u);
  std::vector<std::vector<model::UserDirection>> batches;
  auto collect = [&](std::span<const model::UserDirection> batch) {
    batches.emplace_back(batch.begin(), batch.end());
    return Status::Ok();
  };
  ASSERT_TRUE(ForEachUsersCsvBatch(csv, "users.csv", rule, 2, collect).ok());
  ASSERT_EQ(batches.size(), 3u);
  ASSERT_EQ(batches[0].size(), 2u);
  ASSERT_EQ(batches[1].size(), 2u);
  ASSERT_EQ(batches[2].size(), 1u);
  EXPECT_EQ(batches[0][0], (model::UserDirection{"bob", "DAF", std::nullopt, D(2018, 1, 1)}));
  EXPECT_EQ(batches[0][1], (model::UserDirection{"ann", "DRH", std::nullopt, std::nullopt}));
  EXPECT_EQ(batches[1][0], (model::UserDirection{"bob", "DSI", D(2018, 1, 1), std::nullopt}));
  EXPECT_EQ(batches[1][1], (model::UserDirection{"carl", "DAF", D(2017, 5, 2), std::nullopt}));
  EXPECT_EQ(batches[2][0], (model::UserDirection{"dan", "DRH", std::nullopt, std::nullopt}));
  // The same rows as ParseUsersCsv, in one batch when it is large enough.
  auto parsed = ParseUsersCsv(csv, "users.csv", rule);
  ASSERT_TRUE(parsed.ok()) << ErrorOf(parsed);
  batches.clear();
  ASSERT_TRUE(ForEachUsersCsvBatch(csv, "users.csv", rule, 10, collect).ok());
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], *parsed);
  // The visitor's error stops the rows.
  int calls = 0;
  Status st = ForEachUsersCsvBatch(csv, "users.csv", rule, 2, [&](auto) {
    ++calls;
    return Status::IoError("disk full");
  });
  EXPECT_EQ(st.message(), "disk full");
  EXPECT_EQ(calls, 1);
}

TEST(ForEachUsersCsvBatchTest, CheckCountsRowsAndRefusesWhatParseRefuses) {
  Result<size_t> count = CheckUsersCsv("user,direction\n", "users.csv");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0u);
  count = CheckUsersCsv("user,direction\nbob,DAF\nbob,DRH\n", "users.csv");
  EXPECT_THAT(ErrorOf(count), StartsWith("users.csv:3: user 'bob': validity "
                                         "[unbounded, unbounded) overlaps"));
}

TEST(ParseUsersCsvTest, ValidToMustBeAfterValidFrom) {
  auto r = ParseUsersCsv("user,direction,valid_from,valid_to\nbob,DAF,2018-01-01,2018-01-01\n",
                         "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:2: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column valid_to"));
}

TEST(ParseUsersCsvTest, BadDate) {
  auto r = ParseUsersCsv("user,direction,valid_from\nbob,DAF,2018-02-30\n", "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:2: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("'2018-02-30'"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column valid_from"));
}

// NUL bytes, line breaks inside quotes and other control characters are refused with the line
// and column, as are values over 1 KiB; nothing of the file is imported.
TEST(ParseUsersCsvTest, ControlCharactersAndHugeValuesAreRefused) {
  auto r = ParseUsersCsv(std::string("user,direction\nbob,DA\0F\n", 24), "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorOf(r), "users.csv:2: control character 0x00 (column direction)");
  r = ParseUsersCsv("user,direction\nalice,DAF\n\"bob\nsmith\",DRH\n", "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:3: control character 0x0a (column user)"));
  r = ParseUsersCsv("user,direction\nbob,D\tA\n", "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), HasSubstr("control character 0x09"));
  r = ParseUsersCsv("user,direction\nbob," + std::string(1025, 'D') + "\n", "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorOf(r), "users.csv:2: value longer than 1024 bytes (column direction)");
  r = ParseUsersCsv("user,direction\nbob," + std::string(1024, 'D') + "\n", "users.csv");
  EXPECT_TRUE(r.ok()) << ErrorOf(r);
}

// "organisation" labels the totals in every output and `unassigned` is the bucket of jobs
// without a direction: no import may name a direction so that it looks like either.
TEST(ReservedDirectionNamesTest, RefusedInEveryImportWithFileLineAndColumn) {
  for (const std::string name : {"organisation", "Organisation", "ORGANIZATION", "organization",
                                 "Unassigned", "UNASSIGNED"}) {
    auto users = ParseUsersCsv("user,direction\nalice,DAF\nbob," + name + "\n", "users.csv");
    EXPECT_THAT(ErrorOf(users),
                StartsWith("users.csv:3: the direction name \"" + name + "\" is reserved"));
    EXPECT_THAT(ErrorOf(users), HasSubstr("(column direction)"));
    auto counts = ParseWorkstationsCsv("direction,date,count\n" + name + ",2018-12-31,3\n",
                                       "workstations.csv");
    EXPECT_THAT(ErrorOf(counts), StartsWith("workstations.csv:2: the direction name"));
    auto contacts =
        ParseDirectionsCsv("direction,email\n" + name + ",a@example.org\n", "directions.csv");
    EXPECT_THAT(ErrorOf(contacts), StartsWith("directions.csv:2: the direction name"));
    auto devices = ParseDevicesCsv(
        std::string(kDevicesHeader) + "print1,q1,mfp," + name + ",A4-80,2015-03-01,\n",
        "devices.csv", kKnownPapers);
    EXPECT_THAT(ErrorOf(devices), StartsWith("devices.csv:2: the direction name"));
  }
  // The exact name `unassigned` means "no direction" on purpose and stays accepted (the reader
  // trims unquoted spaces around it); so do names that only contain the reserved words.
  EXPECT_TRUE(ParseUsersCsv("user,direction\nbob, unassigned \n", "users.csv").ok());
  EXPECT_TRUE(ParseUsersCsv("user,direction\nbob,unassigned\n", "users.csv").ok());
  EXPECT_TRUE(ParseUsersCsv("user,direction\nbob,Organisation des services\n", "u.csv").ok());
}

TEST(ParseUsersCsvTest, EmptyUserOrDirection) {
  auto r = ParseUsersCsv("user,direction\nbob,DAF\n,DAF\n", "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column user"));
  r = ParseUsersCsv("user,direction\nbob,\n", "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:2: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column direction"));
}

TEST(ParseUsersCsvTest, MissingHeaderColumn) {
  auto r = ParseUsersCsv("\n\nuser,valid_from\nbob,2018-01-01\n", "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("missing column 'direction'"));
}

TEST(ParseUsersCsvTest, MultiLineQuotedFieldIsRefused) {
  auto r = ParseUsersCsv(
      "user,direction\n"
      "alice,\"Direction\r\ngénérale\r\ndes services\"\n"
      "bob,DAF,extra\n",
      "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorOf(r), "users.csv:2: control character 0x0a (column direction)");
}

TEST(ParseUsersCsvTest, InvalidUtf8) {
  auto r = ParseUsersCsv("user,direction\nbob,DAF\n\xE9lodie,DAF\n", "users.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("users.csv:3: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("UTF-8"));
}

// ---------------------------------------------------------------- workstations

TEST(ParseWorkstationsCsvTest, GoodFile) {
  auto r = ParseWorkstationsCsv(
      "direction;date;count\r\n"
      "DAF;2017-12-31;120\r\n"
      "DAF;2018-12-31;118\r\n"
      "Direction des Achats et de l'Équipement;2018-12-31;0\r\n",
      "workstations.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].direction, "DAF");
  EXPECT_EQ((*r)[0].date, D(2017, 12, 31));
  EXPECT_EQ((*r)[0].count, 120);
  EXPECT_EQ((*r)[1].count, 118);
  EXPECT_EQ((*r)[2].direction, "Direction des Achats et de l'\xC3\x89quipement");
  EXPECT_EQ((*r)[2].count, 0);
}

TEST(ParseWorkstationsCsvTest, BadCount) {
  for (const char* value : {"-3", "12.5", "abc", "", "+4", "1 000", "99999999999999999999"}) {
    std::string csv =
        "direction,date,count\nDAF,2018-12-31,10\nDRH,2018-12-31," + std::string(value) + "\n";
    auto r = ParseWorkstationsCsv(csv, "workstations.csv");
    ASSERT_FALSE(r.ok()) << value;
    EXPECT_THAT(ErrorOf(r), StartsWith("workstations.csv:3: ")) << value;
    EXPECT_THAT(ErrorOf(r), HasSubstr("column count")) << value;
  }
}

TEST(ParseWorkstationsCsvTest, DateRequired) {
  auto r = ParseWorkstationsCsv("direction,date,count\nDAF,,10\n", "workstations.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("workstations.csv:2: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("column date"));
}

TEST(ParseWorkstationsCsvTest, DuplicateDirectionDateNamesBothLines) {
  auto r = ParseWorkstationsCsv(
      "direction,date,count\n"
      "DAF,2018-12-31,10\n"
      "DAF,2017-12-31,10\n"
      "DRH,2018-12-31,10\n"
      "DAF,2018-12-31,12\n",
      "workstations.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("workstations.csv:5: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("duplicate"));
  EXPECT_THAT(ErrorOf(r), HasSubstr("line 2"));
}

TEST(ParseWorkstationsCsvTest, FirstDuplicateInFileOrderWinsAndNamesTheFirstRow) {
  // DSI on 2018-01-01 is on lines 2, 5 and 6; DAF on 2018-01-01 on lines 3 and 4 (DAF sorts
  // first, its repeat comes first in the file).
  auto r = ParseWorkstationsCsv(
      "direction,date,count\nDSI,2018-01-01,1\nDAF,2018-01-01,2\nDAF,2018-01-01,3\n"
      "DSI,2018-01-01,4\nDSI,2018-01-01,5\n",
      "workstations.csv");
  EXPECT_EQ(ErrorOf(r),
            "workstations.csv:4: duplicate count for direction 'DAF' on 2018-01-01, already on "
            "line 3 (columns direction, date)");
  r = ParseWorkstationsCsv(
      "direction,date,count\nDSI,2018-01-01,1\nDAF,2018-01-01,2\nDSI,2018-01-02,3\n"
      "DSI,2018-01-01,4\nDAF,2018-01-01,5\nDSI,2018-01-01,6\n",
      "workstations.csv");
  EXPECT_EQ(ErrorOf(r),
            "workstations.csv:5: duplicate count for direction 'DSI' on 2018-01-01, already on "
            "line 2 (columns direction, date)");
  // A bad count before the duplicate wins; after it, the duplicate does.
  r = ParseWorkstationsCsv(
      "direction,date,count\nDSI,2018-01-01,1\nDSI,2018-01-02,x\n"
      "DSI,2018-01-01,4\n",
      "workstations.csv");
  EXPECT_THAT(ErrorOf(r), StartsWith("workstations.csv:3: invalid count 'x'"));
  r = ParseWorkstationsCsv(
      "direction,date,count\nDSI,2018-01-01,1\nDSI,2018-01-01,x\n"
      "DSI,2018-01-01,4\n",
      "workstations.csv");
  EXPECT_THAT(ErrorOf(r), StartsWith("workstations.csv:3: invalid count 'x'"));
  r = ParseWorkstationsCsv(
      "direction,date,count\nDSI,2018-01-01,1\nDSI,2018-01-01,2\n"
      "DSI,2018-01-02,x\n",
      "workstations.csv");
  EXPECT_THAT(ErrorOf(r), StartsWith("workstations.csv:3: duplicate count"));
}

TEST(ForEachWorkstationsCsvBatchTest, CheckedRowsComeInBatchesInFileOrder) {
  const std::string csv =
      "direction,date,count\nDSI,2018-01-01,1\nDAF,2018-01-01,2\nDSI,2018-01-02,3\n";
  Result<size_t> count = CheckWorkstationsCsv(csv, "workstations.csv");
  ASSERT_TRUE(count.ok()) << ErrorOf(count);
  EXPECT_EQ(*count, 3u);
  std::vector<std::vector<std::string>> batches;
  ASSERT_TRUE(ForEachWorkstationsCsvBatch(csv, "workstations.csv", 2,
                                          [&](std::span<const model::WorkstationCount> batch) {
                                            auto& b = batches.emplace_back();
                                            for (const auto& c : batch) {
                                              b.push_back(c.direction + " " +
                                                          FormatIsoDate(c.date) + " " +
                                                          std::to_string(c.count));
                                            }
                                            return Status::Ok();
                                          })
                  .ok());
  EXPECT_EQ(batches, (std::vector<std::vector<std::string>>{
                         {"DSI 2018-01-01 1", "DAF 2018-01-01 2"}, {"DSI 2018-01-02 3"}}));
}

TEST(ParseWorkstationsCsvTest, UnknownHeaderColumn) {
  auto r = ParseWorkstationsCsv("direction,day,count\nDAF,2018-12-31,10\n", "workstations.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ErrorOf(r), StartsWith("workstations.csv:1: "));
  EXPECT_THAT(ErrorOf(r), HasSubstr("unknown column 'day'"));
}

// ---------------------------------------------------------------- ReadFileContent

class ReadFileContentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ramette_imports_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

TEST_F(ReadFileContentTest, ReadsBytesUnchanged) {
  const std::string bytes = std::string("\xEF\xBB\xBFuser;direction\r\n\xC3\xA9") +
                            std::string(1, '\0') + std::string(200000, 'x');
  std::filesystem::path path = dir_ / "users.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
  }
  Result<std::string> r = ReadFileContent(path.string());
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(*r, bytes);
}

TEST_F(ReadFileContentTest, EmptyFile) {
  std::filesystem::path path = dir_ / "empty.csv";
  { std::ofstream out(path, std::ios::binary); }
  Result<std::string> r = ReadFileContent(path.string());
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  EXPECT_EQ(*r, "");
}

TEST_F(ReadFileContentTest, MissingFileIsIoErrorNamingPath) {
  std::string path = (dir_ / "nope.csv").string();
  Result<std::string> r = ReadFileContent(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kIoError);
  EXPECT_THAT(ErrorOf(r), HasSubstr(path));
}

TEST_F(ReadFileContentTest, DirectoryIsIoError) {
  Result<std::string> r = ReadFileContent(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kIoError);
  EXPECT_THAT(ErrorOf(r), HasSubstr(dir_.string()));
}

// `import users /dev/zero` and an endless standard input once grew until std::bad_alloc at
// 2.1 GB. Reading stops one byte past the cap, with a clear error.
TEST_F(ReadFileContentTest, InputsLargerThanTheCapAreRefused) {
  Result<std::string> r = ReadFileContent("/dev/zero", size_t{1} << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ErrorOf(r),
            "'/dev/zero' is larger than 1 MiB, the most an import reads (split the file)");
  std::filesystem::path path = dir_ / "big.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string((size_t{1} << 20) + 1, 'x');
  }
  EXPECT_THAT(ErrorOf(ReadFileContent(path.string(), size_t{1} << 20)), HasSubstr("larger than"));
  Result<std::string> exact = ReadFileContent(path.string(), (size_t{1} << 20) + 1);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->size(), (size_t{1} << 20) + 1);
  EXPECT_EQ(kMaxImportBytes, size_t{256} << 20);
}

// ---------------------------------------------------------------- directions

TEST(DirectionsCsvTest, SeveralAddressesPerCellAndPerDirection) {
  auto r = ParseDirectionsCsv(
      "direction;email\n"
      "DAF;daf@example.org dir.daf@example.org\n"
      "DRH;\n"
      "DAF;\"b@example.org,daf@example.org\"\n",
      "dirs.csv");
  ASSERT_TRUE(r.ok()) << ErrorOf(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].direction, "DAF");
  EXPECT_EQ((*r)[0].emails,
            (std::vector<std::string>{"b@example.org", "daf@example.org", "dir.daf@example.org"}));
  EXPECT_EQ((*r)[1].direction, "DRH");
  EXPECT_TRUE((*r)[1].emails.empty());
}

TEST(DirectionsCsvTest, BadAddressFailsTheWholeFile) {
  auto r =
      ParseDirectionsCsv("direction,email\nDAF,daf@example.org\nDSI,not-an-address\n", "dirs.csv");
  EXPECT_THAT(ErrorOf(r), StartsWith("dirs.csv:3: invalid e-mail address 'not-an-address'"));
  EXPECT_THAT(ErrorOf(ParseDirectionsCsv("direction,email\n,a@b.fr\n", "d.csv")),
              HasSubstr("d.csv:2: missing value (column direction)"));
  EXPECT_THAT(ErrorOf(ParseDirectionsCsv("direction\nDAF\n", "d.csv")), HasSubstr("email"));
}

TEST(DirectionsCsvTest, PlausibleEmails) {
  EXPECT_TRUE(model::IsPlausibleEmail("jean.dupont@ministere.gouv.fr"));
  EXPECT_FALSE(model::IsPlausibleEmail("no-at-sign"));
  EXPECT_FALSE(model::IsPlausibleEmail("a@b"));
  EXPECT_FALSE(model::IsPlausibleEmail("a@b.fr\r\nBcc: x@y.z"));
  EXPECT_FALSE(model::IsPlausibleEmail("a b@c.fr"));
  EXPECT_FALSE(model::IsPlausibleEmail("<a@b.fr>"));
  EXPECT_FALSE(model::IsPlausibleEmail("a@@b.fr"));
}

}  // namespace
}  // namespace ramette::aggregator::imports
