// Tests of the CSV reader: separators, quoting, BOM, line ends, blank lines, line numbers and
// the error messages.
#include "aggregator/imports/csv_reader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ramette::aggregator::imports {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using Fields = std::vector<std::string>;

std::string ErrorOf(const Result<CsvDocument>& r) {
  return r.ok() ? std::string("<ok>") : r.status().message();
}

TEST(CsvReaderTest, CommaSeparated) {
  Result<CsvDocument> doc = ReadCsv("a,b,c\n1,2,3\n4,5,6\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->separator, ',');
  ASSERT_EQ(doc->records.size(), 3u);
  EXPECT_EQ(doc->records[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(doc->records[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(doc->records[2].fields, (Fields{"4", "5", "6"}));
  EXPECT_EQ(doc->records[0].line, 1);
  EXPECT_EQ(doc->records[1].line, 2);
  EXPECT_EQ(doc->records[2].line, 3);
}

TEST(CsvReaderTest, SemicolonDetectedFromHeader) {
  Result<CsvDocument> doc = ReadCsv("a;b;c\n1,5;2;3\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->separator, ';');
  ASSERT_EQ(doc->records.size(), 2u);
  EXPECT_EQ(doc->records[1].fields, (Fields{"1,5", "2", "3"}));
}

TEST(CsvReaderTest, SemicolonInsideQuotesDoesNotSelectIt) {
  Result<CsvDocument> doc = ReadCsv("\"a;b\",c\n1;2,3\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->separator, ',');
  EXPECT_EQ(doc->records[0].fields, (Fields{"a;b", "c"}));
  EXPECT_EQ(doc->records[1].fields, (Fields{"1;2", "3"}));
}

TEST(CsvReaderTest, SeparatorDetectedOnFirstNonBlankLine) {
  Result<CsvDocument> doc = ReadCsv("\n  \r\na;b\n1;2\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->separator, ';');
  ASSERT_EQ(doc->records.size(), 2u);
  EXPECT_EQ(doc->records[0].line, 3);
  EXPECT_EQ(doc->records[1].line, 4);
}

TEST(CsvReaderTest, SemicolonOnlyInDataDoesNotSelectIt) {
  Result<CsvDocument> doc = ReadCsv("a,b\n1;2,3\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->separator, ',');
  EXPECT_EQ(doc->records[1].fields, (Fields{"1;2", "3"}));
}

TEST(CsvReaderTest, StripsUtf8Bom) {
  Result<CsvDocument> doc = ReadCsv("\xEF\xBB\xBFuser;direction\nbob;DAF\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->separator, ';');
  EXPECT_EQ(doc->records[0].fields, (Fields{"user", "direction"}));
  EXPECT_EQ(doc->records[0].line, 1);
}

TEST(CsvReaderTest, CrlfLineEnds) {
  Result<CsvDocument> doc = ReadCsv("a,b\r\n1,2\r\n3,\r\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  ASSERT_EQ(doc->records.size(), 3u);
  EXPECT_EQ(doc->records[1].fields, (Fields{"1", "2"}));
  EXPECT_EQ(doc->records[2].fields, (Fields{"3", ""}));
  EXPECT_EQ(doc->records[2].line, 3);
}

TEST(CsvReaderTest, LastRecordWithoutLineEnd) {
  Result<CsvDocument> doc = ReadCsv("a,b\n1,2", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  ASSERT_EQ(doc->records.size(), 2u);
  EXPECT_EQ(doc->records[1].fields, (Fields{"1", "2"}));
}

TEST(CsvReaderTest, EmptyFieldsAreKept) {
  Result<CsvDocument> doc = ReadCsv("a,b,c\n,,\n1,,\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  ASSERT_EQ(doc->records.size(), 3u);
  EXPECT_EQ(doc->records[1].fields, (Fields{"", "", ""}));
  EXPECT_EQ(doc->records[2].fields, (Fields{"1", "", ""}));
}

TEST(CsvReaderTest, QuotedFieldsWithSeparatorsQuotesAndNewlines) {
  const std::string csv =
      "name,comment,n\n"
      "\"Dupont, Jean\",\"he said \"\"hi\"\"\",1\n"
      "x,\"two\nlines\",2\n"
      "y,\"\",3\n";
  Result<CsvDocument> doc = ReadCsv(csv, "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  ASSERT_EQ(doc->records.size(), 4u);
  EXPECT_EQ(doc->records[1].fields, (Fields{"Dupont, Jean", "he said \"hi\"", "1"}));
  EXPECT_EQ(doc->records[2].fields, (Fields{"x", "two\nlines", "2"}));
  EXPECT_EQ(doc->records[3].fields, (Fields{"y", "", "3"}));
  EXPECT_EQ(doc->records[1].line, 2);
  EXPECT_EQ(doc->records[2].line, 3);
  EXPECT_EQ(doc->records[3].line, 5);  // the quoted field of line 3 ends on line 4
}

TEST(CsvReaderTest, CrlfInsideQuotedFieldBecomesLf) {
  Result<CsvDocument> doc = ReadCsv("a;b\r\n\"l1\r\nl2\r\nl3\";z\r\nq;r\r\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  ASSERT_EQ(doc->records.size(), 3u);
  EXPECT_EQ(doc->records[1].fields, (Fields{"l1\nl2\nl3", "z"}));
  EXPECT_EQ(doc->records[1].line, 2);
  EXPECT_EQ(doc->records[2].line, 5);
}

TEST(CsvReaderTest, TrimsUnquotedFieldsKeepsQuotedSpaces) {
  Result<CsvDocument> doc = ReadCsv("a , b\t,c\n  1 ,  \" 2 \"  ,\t3\t\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->records[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(doc->records[1].fields, (Fields{"1", " 2 ", "3"}));
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsData) {
  Result<CsvDocument> doc = ReadCsv("a,b\n12\" wide,x\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->records[1].fields, (Fields{"12\" wide", "x"}));
}

TEST(CsvReaderTest, BlankLinesSkippedButCounted) {
  Result<CsvDocument> doc = ReadCsv("a,b\n\n1,2\n   \n\t\r\n3,4\n\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  ASSERT_EQ(doc->records.size(), 3u);
  EXPECT_EQ(doc->records[1].line, 3);
  EXPECT_EQ(doc->records[2].line, 6);
  EXPECT_EQ(doc->records[2].fields, (Fields{"3", "4"}));
}

TEST(CsvReaderTest, QuotedEmptyLineIsARecord) {
  Result<CsvDocument> doc = ReadCsv("a\n\"\"\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  ASSERT_EQ(doc->records.size(), 2u);
  EXPECT_EQ(doc->records[1].fields, (Fields{""}));
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) {
  for (const char* csv : {"", "\xEF\xBB\xBF", "\n\r\n  \n"}) {
    Result<CsvDocument> doc = ReadCsv(csv, "f.csv");
    ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
    EXPECT_TRUE(doc->records.empty());
  }
}

TEST(CsvReaderTest, AccentsKeptByteExact) {
  Result<CsvDocument> doc = ReadCsv(
      "user;direction\n"
      "élodie.lefèvre;Direction des Achats et de l'Équipement\n",
      "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->records[1].fields, (Fields{"\xC3\xA9lodie.lef\xC3\xA8vre",
                                            "Direction des Achats et de l'\xC3\x89quipement"}));
}

TEST(CsvReaderTest, UnterminatedQuoteReportsItsOpeningLine) {
  Result<CsvDocument> doc = ReadCsv("a,b\n1,2\n3,\"never\nclosed\n", "users.csv");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(ErrorOf(doc), StartsWith("users.csv:3: "));
  EXPECT_THAT(ErrorOf(doc), HasSubstr("unterminated quoted field"));
  EXPECT_THAT(ErrorOf(doc), HasSubstr("field 2"));
}

TEST(CsvReaderTest, TextAfterClosingQuote) {
  Result<CsvDocument> doc = ReadCsv("a,b\n\"x\ny\"z,2\n", "f.csv");
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(ErrorOf(doc), StartsWith("f.csv:3: "));  // the closing quote is on line 3
  EXPECT_THAT(ErrorOf(doc), HasSubstr("after the closing quote of field 1"));
}

TEST(CsvReaderTest, SpacesAfterClosingQuoteAreAllowed) {
  Result<CsvDocument> doc = ReadCsv("a,b\n\"x\"  ,\"y\" \t\r\n", "f.csv");
  ASSERT_TRUE(doc.ok()) << ErrorOf(doc);
  EXPECT_EQ(doc->records[1].fields, (Fields{"x", "y"}));
}

TEST(CsvReaderTest, InvalidUtf8ReportsItsLine) {
  // "é" in Latin-1 (0xE9), as a spreadsheet saving in Windows-1252 would write it.
  Result<CsvDocument> doc =
      ReadCsv("user,direction\nbob,DAF\n\"multi\nline\",x\n\xE9lodie,DAF\n", "users.csv");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(ErrorOf(doc), StartsWith("users.csv:5: "));
  EXPECT_THAT(ErrorOf(doc), HasSubstr("UTF-8"));
}

TEST(CsvReaderTest, CsvErrorFormat) {
  Status st = CsvError("papers.csv", 12, "something is wrong");
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "papers.csv:12: something is wrong");
}

}  // namespace
}  // namespace ramette::aggregator::imports
