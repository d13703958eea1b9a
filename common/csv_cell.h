// The one rule for writing a text cell of a CSV file that people open in a spreadsheet:
// RFC 4180 quoting plus OWASP's CSV-injection neutralisation.
#ifndef RAMETTE_COMMON_CSV_CELL_H_
#define RAMETTE_COMMON_CSV_CELL_H_

#include <string>
#include <string_view>

namespace ramette {

// The CSV cell for the text `text` in a file whose separator is `separator`. Text that starts
// with '=', '+', '-', '@', tab or carriage return, which a spreadsheet would read as a formula,
// is prefixed with a single quote and always quoted ("'=cmd"), following OWASP's
// CSV-injection guidance. Other text is written as is unless it holds the separator, a double
// quote or a line break, in which case it is quoted (RFC 4180). Inside quotes, double quotes
// are doubled. Only for text (names, labels): numbers written by a number formatter ("-2,5")
// are cells as they are and must not go through this function. Never throws but bad_alloc.
std::string CsvTextCell(std::string_view text, char separator);

}  // namespace ramette

#endif  // RAMETTE_COMMON_CSV_CELL_H_
