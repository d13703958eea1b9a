// UTF-8 validation for text that arrives from agents and CSV files.
#ifndef RAMETTE_COMMON_UTF8_H_
#define RAMETTE_COMMON_UTF8_H_

#include <string_view>

namespace ramette {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace ramette

#endif  // RAMETTE_COMMON_UTF8_H_
