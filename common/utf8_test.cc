// UTF-8 validation: accents pass; overlongs, surrogates and truncations fail.
#include "common/utf8.h"

#include <gtest/gtest.h>

namespace ramette {
namespace {

TEST(Utf8Test, Valid) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("Équipement élodie.lefèvre"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x96\xA8"));  // printer emoji
}

TEST(Utf8Test, Invalid) {
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ab\xE2\x82"));
}

TEST(Utf8Test, ForLogCannotForgeALine) {
  EXPECT_EQ(ForLog("prn-rdc"), "prn-rdc");
  EXPECT_EQ(ForLog("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");  // été: valid UTF-8 kept
  EXPECT_EQ(ForLog("a\n2026-12-02 critical forged"), "a\\x0a2026-12-02 critical forged");
  EXPECT_EQ(ForLog("a\rb\tc\x7f"), "a\\x0db\\x09c\\x7f");
  EXPECT_EQ(ForLog("a\\x0a"), "a\\x5cx0a");  // a literal backslash cannot fake an escape
  EXPECT_EQ(ForLog("bad\xff"), "bad\\xff");
  EXPECT_EQ(ForLog(std::string(1000, 'a'), 10), std::string(10, 'a') + "...");
}

TEST(AsciiTransliterationTest, LatinLettersLoseTheirAccents) {
  EXPECT_EQ(AsciiTransliteration("Éducation et Collèges", '_'), "Education et Colleges");
  EXPECT_EQ(AsciiTransliteration("Œuvres, cœur, Æsop, straße, Þór", '_'),
            "OEuvres, coeur, AEsop, strasse, THor");
  EXPECT_EQ(AsciiTransliteration("Łódź Ğ ÿ ſ", '_'), "Lodz G y s");
  // Characters without a Latin letter, and bytes that are not UTF-8, become the replacement.
  EXPECT_EQ(AsciiTransliteration("a×b ÷ 日本 €", '_'), "a_b _ __ _");
  EXPECT_EQ(AsciiTransliteration(std::string("x\xC3y\xFF"), '?'), "x?y?");
  EXPECT_EQ(AsciiTransliteration("", '_'), "");
}

}  // namespace
}  // namespace ramette
