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
  EXPECT_FALSE(IsValidUtf8("\xC3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ab\xE2\x82"));
}

}  // namespace
}  // namespace ramette
