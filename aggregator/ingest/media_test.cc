// Media sizes: PWG self-describing names, legacy names, and the unknown-media fallback to A4.
#include "aggregator/ingest/media.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::ingest {
namespace {

TEST(MediaTest, PwgNames) {
  MediaSize a4 = ParseMediaSize("iso_a4_210x297mm");
  EXPECT_TRUE(a4.known);
  EXPECT_EQ(a4.width_um, 210000);
  EXPECT_EQ(a4.height_um, 297000);
  EXPECT_EQ(a4.area_um2(), 62370000000);  // 0.210 m x 0.297 m = 0.06237 m²
  MediaSize letter = ParseMediaSize("na_letter_8.5x11in");
  EXPECT_TRUE(letter.known);
  EXPECT_EQ(letter.width_um, 215900);  // 8.5 x 25.4 mm
  EXPECT_EQ(letter.height_um, 279400);
  MediaSize a3 = ParseMediaSize("iso_a3_297x420mm");
  EXPECT_EQ(a3.area_um2(), 2 * 62370000000 + 0 * 1);  // A3 is two A4s: 297 x 420 = 2 x 210 x 297
  MediaSize custom = ParseMediaSize("custom_foo_100.5x200mm");
  EXPECT_EQ(custom.width_um, 100500);
}

TEST(MediaTest, LegacyNames) {
  EXPECT_EQ(ParseMediaSize("A4").area_um2(), 210000LL * 297000);
  EXPECT_EQ(ParseMediaSize("a3").area_um2(), 297000LL * 420000);
  EXPECT_EQ(ParseMediaSize("A5").area_um2(), 148000LL * 210000);
  EXPECT_EQ(ParseMediaSize("Letter").area_um2(), 215900LL * 279400);
  EXPECT_EQ(ParseMediaSize("Legal").area_um2(), 215900LL * 355600);
  EXPECT_TRUE(ParseMediaSize("A4.Borderless").known);
}

TEST(MediaTest, UnknownIsA4AndFlagged) {
  for (const char* m : {"", "tabloid", "iso_a4", "na_x_0x0in", "foo_12xmm", "A6"}) {
    MediaSize s = ParseMediaSize(m);
    EXPECT_FALSE(s.known) << m;
    EXPECT_EQ(s.area_um2(), 62370000000) << m;
  }
}

}  // namespace
}  // namespace ramette::aggregator::ingest
