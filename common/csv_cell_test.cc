// CSV text cells: each formula-starting character is neutralised, other text is quoted only
// when RFC 4180 needs it.
#include "common/csv_cell.h"

#include <gtest/gtest.h>

namespace ramette {
namespace {

TEST(CsvTextCellTest, NeutralisesEachFormulaStartingCharacter) {
  EXPECT_EQ(CsvTextCell("=cmd|' /C calc'!A0", ','), "\"'=cmd|' /C calc'!A0\"");
  EXPECT_EQ(CsvTextCell("+cmd", ','), "\"'+cmd\"");
  EXPECT_EQ(CsvTextCell("-2+3", ','), "\"'-2+3\"");
  EXPECT_EQ(CsvTextCell("@SUM(1+1)", ';'), "\"'@SUM(1+1)\"");
  EXPECT_EQ(CsvTextCell("\tx", ','), "\"'\tx\"");
  EXPECT_EQ(CsvTextCell("\rx", ','), "\"'\rx\"");
  EXPECT_EQ(CsvTextCell("=HYPERLINK(\"http://x\",\"a;b\")", ';'),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"a;b\"\")\"");
  EXPECT_EQ(CsvTextCell("=", ','), "\"'=\"");
}

TEST(CsvTextCellTest, BenignTextIsLeftAsIs) {
  EXPECT_EQ(CsvTextCell("Direction de l'Économie", ','), "Direction de l'Économie");
  EXPECT_EQ(CsvTextCell("R&D <Lab> = 1", ','), "R&D <Lab> = 1");  // '=' not first
  EXPECT_EQ(CsvTextCell(" =x", ','), " =x");
  EXPECT_EQ(CsvTextCell("", ','), "");
  EXPECT_EQ(CsvTextCell("'quoted", ','), "'quoted");
}

TEST(CsvTextCellTest, QuotesSeparatorsQuotesAndLineBreaks) {
  EXPECT_EQ(CsvTextCell("a;b", ';'), "\"a;b\"");
  EXPECT_EQ(CsvTextCell("a;b", ','), "a;b");
  EXPECT_EQ(CsvTextCell("a,b", ','), "\"a,b\"");
  EXPECT_EQ(CsvTextCell("say \"hi\"", ','), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvTextCell("two\nlines", ','), "\"two\nlines\"");
  EXPECT_EQ(CsvTextCell("Achats; \"Logistique\"", ';'), "\"Achats; \"\"Logistique\"\"\"");
}

TEST(CsvTextCellTest, NumbersAreNotTextCells) {
  // Numbers are written by the number formatters, never through CsvTextCell; this shows why:
  // as text, "-2.5" would become a quoted string.
  EXPECT_EQ(CsvTextCell("-2.5", ','), "\"'-2.5\"");
  EXPECT_EQ(CsvTextCell("12,3", ','), "\"12,3\"");
  EXPECT_EQ(CsvTextCell("12.5", ','), "12.5");
}

}  // namespace
}  // namespace ramette
