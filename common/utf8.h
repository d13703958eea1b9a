// UTF-8 validation for text that arrives from agents and CSV files.
#ifndef RAMETTE_COMMON_UTF8_H_
#define RAMETTE_COMMON_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace ramette {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `s` as it may go into a log line: control characters, backslashes and bytes that are not
// UTF-8 as \xNN, cut after about `max_bytes` with "..." (a value from the network must not forge
// a line or flood the log).
std::string ForLog(std::string_view s, size_t max_bytes = 256);

// "control character 0xNN" for the first C0 control character or DEL in `s`, "" when there is
// none. Names and other identifying text (CSV cells, directions, users, queues) must have none:
// a NUL, a line break or an escape would hide or forge text in reports and logs.
std::string ControlCharacterProblem(std::string_view s);

// `s` in ASCII for a file name: the Latin letters of Latin-1 and Latin Extended-A lose their
// accents ("É" -> "E", "ç" -> "c", "œ" -> "oe", "ß" -> "ss"), ASCII stays as it is, and every
// other character (or byte that is not UTF-8) becomes `replacement`.
std::string AsciiTransliteration(std::string_view s, char replacement);

}  // namespace ramette

#endif  // RAMETTE_COMMON_UTF8_H_
