// Strict UTF-8 validation (RFC 3629 table of well-formed byte sequences).
#include "common/utf8.h"

#include <cstdint>

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

}  // namespace ramette
