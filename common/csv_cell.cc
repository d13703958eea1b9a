// CSV text cells: quoting and formula neutralisation, written once for every CSV writer.
#include "common/csv_cell.h"

namespace ramette {

std::string CsvTextCell(std::string_view text, char separator) {
  const bool formula = !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' ||
                                         text[0] == '@' || text[0] == '\t' || text[0] == '\r');
  const bool needs_quotes =
      formula || text.find_first_of(std::string{separator, '"', '\n', '\r'}) != text.npos;
  if (!needs_quotes) return std::string(text);
  std::string out = formula ? "\"'" : "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace ramette
