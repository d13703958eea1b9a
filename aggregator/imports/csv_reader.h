// An RFC 4180-style CSV reader for the imports: BOM, `,` or `;` separator detected from the
// header line, quoted fields, CRLF or LF, blank lines skipped, physical line numbers kept.
#ifndef RAMETTE_AGGREGATOR_IMPORTS_CSV_READER_H_
#define RAMETTE_AGGREGATOR_IMPORTS_CSV_READER_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ramette::aggregator::imports {

// One record: its fields and the 1-based physical line on which it starts (a quoted field may
// span several lines; the next record's line accounts for them).
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

// A whole file: the separator detected from its first non-blank line and its records in file
// order (the header, when the file has one, is records[0]). Empty input gives no records.
struct CsvDocument {
  char separator = ',';
  std::vector<CsvRecord> records;
};

// Parses `content` as UTF-8 CSV. A leading UTF-8 BOM is dropped. The separator is `;` when the
// first non-blank line has a `;` outside quotes, `,` otherwise. Fields are separated by it;
// records end at LF or CRLF. A field that starts (after optional spaces) with `"` is quoted:
// `""` stands for one quote, separators and line breaks are data (a CRLF inside becomes LF),
// and only spaces or tabs may follow the closing quote. Unquoted fields lose their surrounding
// spaces and tabs, and a `"` inside them is an ordinary character. Lines holding nothing but
// spaces or tabs are skipped. Errors are InvalidArgument "FILE:LINE: message" with `file_name`
// and the physical line of the problem: invalid UTF-8, an unterminated quoted field (the line
// of its opening quote), text after a closing quote.
Result<CsvDocument> ReadCsv(std::string_view content, std::string_view file_name);

// ReadCsv without keeping the records: calls `visit` with each record in file order (the same
// CsvRecord object, refilled), and stops at the first error, its own or one `visit` returns.
// The imports use it so that a file's fields are never all in memory at once.
Status ForEachCsvRecord(std::string_view content, std::string_view file_name,
                        const std::function<Status(const CsvRecord&)>& visit);

// InvalidArgument "FILE:LINE: message", the form of every CSV error shown to a person.
Status CsvError(std::string_view file_name, int line, std::string_view message);

}  // namespace ramette::aggregator::imports

#endif  // RAMETTE_AGGREGATOR_IMPORTS_CSV_READER_H_
