// Sheet sizes from a job's `media` value: PWG self-describing names (iso_a4_210x297mm,
// na_letter_8.5x11in) and the legacy names A4, A3, A5, Letter, Legal (DESIGN.md mass rule).
#ifndef RAMETTE_AGGREGATOR_INGEST_MEDIA_H_
#define RAMETTE_AGGREGATOR_INGEST_MEDIA_H_

#include <cstdint>
#include <string_view>

namespace ramette::aggregator::ingest {

inline constexpr int64_t kA4WidthUm = 210000;
inline constexpr int64_t kA4HeightUm = 297000;

struct MediaSize {
  int64_t width_um = kA4WidthUm;
  int64_t height_um = kA4HeightUm;
  bool known = false;  // false: missing or unrecognised media, counted as A4
  int64_t area_um2() const { return width_um * height_um; }
};

// Never fails: anything it does not recognise is A4 with known == false.
MediaSize ParseMediaSize(std::string_view media);

}  // namespace ramette::aggregator::ingest

#endif  // RAMETTE_AGGREGATOR_INGEST_MEDIA_H_
