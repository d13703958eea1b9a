// Strict UTF-8 validation (RFC 3629 table of well-formed byte sequences).
#include "common/utf8.h"

#include <cstdint>
#include <cstdio>

namespace ramette {

namespace {

// The length of the well-formed UTF-8 sequence at p (1 to 4), 0 when there is none.
size_t SequenceLength(const uint8_t* p, const uint8_t* end) {
  const uint8_t c = *p;
  if (c < 0x80) return 1;
  int n;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (end - p < n + 1) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (int i = 2; i <= n; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return static_cast<size_t>(n + 1);
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const size_t n = SequenceLength(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

std::string ForLog(std::string_view s, size_t max_bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  std::string out;
  auto hex = [&](uint8_t c) {
    static constexpr char kDigits[] = "0123456789abcdef";
    out += "\\x";
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  };
  while (p < end) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    const size_t n = SequenceLength(p, end);
    if (n == 0 || *p < 0x20 || *p == 0x7f || *p == '\\') {
      hex(*p);
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    }
  }
  return out;
}

namespace {

// U+00C0..U+00FF and U+0100..U+017F, one ASCII letter each; '?' where it takes two or none.
constexpr char kLatin1[] = "AAAAAA?CEEEEIIIIDNOOOOO?OUUUUY??aaaaaa?ceeeeiiiidnooooo?ouuuuy?y";
constexpr char kLatinExtendedA[] =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSs"
    "SsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
static_assert(sizeof(kLatin1) == 64 + 1 && sizeof(kLatinExtendedA) == 128 + 1);

const char* TwoLetters(uint32_t cp) {
  switch (cp) {
    case 0xC6:
      return "AE";
    case 0xDE:
      return "TH";
    case 0xDF:
      return "ss";
    case 0xE6:
      return "ae";
    case 0xFE:
      return "th";
    case 0x132:
      return "IJ";
    case 0x133:
      return "ij";
    case 0x152:
      return "OE";
    case 0x153:
      return "oe";
    default:
      return nullptr;
  }
}

}  // namespace

std::string ControlCharacterProblem(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return std::string("control character ") + hex;
    }
  }
  return "";
}

std::string AsciiTransliteration(std::string_view s, char replacement) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  std::string out;
  while (p < end) {
    const size_t n = SequenceLength(p, end);
    if (n == 0) {
      out += replacement;
      ++p;
      continue;
    }
    uint32_t cp = n == 1 ? p[0] : p[0] & (0xFF >> (n + 1));
    for (size_t i = 1; i < n; ++i) cp = (cp << 6) | (p[i] & 0x3F);
    p += n;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (const char* two = TwoLetters(cp)) {
      out += two;
    } else if (cp >= 0xC0 && cp <= 0xFF && kLatin1[cp - 0xC0] != '?') {
      out += kLatin1[cp - 0xC0];
    } else if (cp >= 0x100 && cp <= 0x17F && kLatinExtendedA[cp - 0x100] != '?') {
      out += kLatinExtendedA[cp - 0x100];
    } else {
      out += replacement;
    }
  }
  return out;
}

}  // namespace ramette
