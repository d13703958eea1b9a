// Media name parsing: the dimensions part of PWG 5101.1 self-describing names, then legacy names.
#include "aggregator/ingest/media.h"

#include <cctype>
#include <cmath>
#include <optional>
#include <string>

namespace ramette::aggregator::ingest {
namespace {

// Parses a decimal "210" or "8.5" in full; nullopt on anything else.
std::optional<double> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  double v = 0, scale = 0;
  bool digits = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits = true;
      if (scale == 0) {
        v = v * 10 + (c - '0');
      } else {
        v += (c - '0') * scale;
        scale /= 10;
      }
    } else if (c == '.' && scale == 0) {
      scale = 0.1;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return v;
}

// "210x297mm" or "8.5x11in".
std::optional<MediaSize> ParseDimensions(std::string_view dims) {
  double factor;
  if (dims.size() > 2 && dims.substr(dims.size() - 2) == "mm") {
    factor = 1000.0;
  } else if (dims.size() > 2 && dims.substr(dims.size() - 2) == "in") {
    factor = 25400.0;
  } else {
    return std::nullopt;
  }
  dims.remove_suffix(2);
  size_t x = dims.find('x');
  if (x == std::string_view::npos) return std::nullopt;
  auto w = ParseDecimal(dims.substr(0, x));
  auto h = ParseDecimal(dims.substr(x + 1));
  if (!w || !h) return std::nullopt;
  MediaSize m;
  m.width_um = std::llround(*w * factor);
  m.height_um = std::llround(*h * factor);
  m.known = true;
  // Nothing printable is smaller than a centimetre or larger than 10 m.
  if (m.width_um < 10000 || m.height_um < 10000 || m.width_um > 10000000 ||
      m.height_um > 10000000) {
    return std::nullopt;
  }
  return m;
}

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::optional<MediaSize> Legacy(std::string_view name) {
  struct Entry {
    const char* name;
    int64_t w, h;
  };
  static const Entry kLegacy[] = {
      {"a4", 210000, 297000},     {"a3", 297000, 420000},    {"a5", 148000, 210000},
      {"letter", 215900, 279400}, {"legal", 215900, 355600},
  };
  std::string l = Lower(name);
  for (const Entry& e : kLegacy) {
    if (l == e.name) return MediaSize{e.w, e.h, true};
  }
  return std::nullopt;
}

}  // namespace

MediaSize ParseMediaSize(std::string_view media) {
  // PWG self-describing: class_size-name_WxHunit; the dimensions are after the last '_'.
  size_t us = media.rfind('_');
  if (us != std::string_view::npos) {
    if (auto m = ParseDimensions(media.substr(us + 1))) return *m;
  }
  if (auto m = Legacy(media)) return *m;
  // CUPS legacy variants such as "A4.Borderless" or "Letter.Fullbleed".
  size_t dot = media.find('.');
  if (dot != std::string_view::npos) {
    if (auto m = Legacy(media.substr(0, dot))) return *m;
  }
  return MediaSize{};
}

}  // namespace ramette::aggregator::ingest
