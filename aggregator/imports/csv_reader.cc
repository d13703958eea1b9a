// A single-pass CSV tokenizer over an in-memory file, counting physical lines as it goes.
#include "aggregator/imports/csv_reader.h"

#include <cstddef>
#include <functional>
#include <utility>

#include "common/utf8.h"

namespace ramette::aggregator::imports {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The first line of `text` (LF-separated) that is not valid UTF-8, or 0 when all are. UTF-8
// multi-byte sequences never contain a LF byte, so checking line by line is exact.
int FirstInvalidUtf8Line(std::string_view text) {
  int line = 1;
  while (true) {
    size_t nl = text.find('\n');
    if (!IsValidUtf8(text.substr(0, nl))) return line;
    if (nl == std::string_view::npos) return 0;
    text.remove_prefix(nl + 1);
    ++line;
  }
}

// `;` when the first non-blank line of `text` has a `;` outside quotes, `,` otherwise. A
// quoted line break does not end that line.
char DetectSeparator(std::string_view text) {
  size_t pos = 0;
  // Skip the lines made of spaces and tabs only, as the parser does.
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!TrimSpaces(line).empty()) break;
    if (nl == std::string_view::npos) return ',';
    pos = nl + 1;
  }
  bool in_quotes = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '"') {
      in_quotes = !in_quotes;  // "" inside quotes toggles twice: no change
    } else if (!in_quotes && c == '\n') {
      break;
    } else if (!in_quotes && c == ';') {
      return ';';
    }
  }
  return ',';
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view file_name, char separator)
      : text_(text), file_name_(file_name), separator_(separator) {}

  // Calls `visit` with each record in file order; the record is reused between calls.
  Status Run(const std::function<Status(const CsvRecord&)>& visit) {
    CsvRecord record;
    while (pos_ < text_.size()) {
      record.fields.clear();
      record.line = line_;
      bool any_quoted = false;
      while (true) {
        std::string field;
        bool quoted = false;
        RAMETTE_RETURN_IF_ERROR(ParseField(record.fields.size() + 1, &field, &quoted));
        any_quoted = any_quoted || quoted;
        record.fields.push_back(std::move(field));
        if (pos_ < text_.size() && text_[pos_] == separator_) {
          ++pos_;
          continue;
        }
        ConsumeLineEnd();  // ParseField stops only at a separator or a line end
        break;
      }
      bool blank = record.fields.size() == 1 && !any_quoted && record.fields[0].empty();
      if (!blank) RAMETTE_RETURN_IF_ERROR(visit(record));
    }
    return Status::Ok();
  }

 private:
  // True at the end of a physical line: LF, CRLF, a CR that ends the text, or the end itself.
  bool AtLineEnd() const {
    if (pos_ >= text_.size()) return true;
    char c = text_[pos_];
    if (c == '\n') return true;
    return c == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n');
  }

  void ConsumeLineEnd() {
    if (pos_ >= text_.size()) return;
    if (text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
  }

  // Reads field number `index` (1-based, for messages) of the current record into `out` and
  // stops at the separator or line end that follows it.
  Status ParseField(size_t index, std::string* out, bool* quoted) {
    size_t start = pos_;
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      *quoted = true;
      return ParseQuoted(index, out);
    }
    pos_ = start;
    while (!AtLineEnd() && text_[pos_] != separator_) ++pos_;
    out->assign(TrimSpaces(text_.substr(start, pos_ - start)));
    return Status::Ok();
  }

  // At the opening quote of field `index`.
  Status ParseQuoted(size_t index, std::string* out) {
    const int open_line = line_;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) {
        return CsvError(file_name_, open_line,
                        "unterminated quoted field: the quote opened in field " +
                            std::to_string(index) + " is never closed");
      }
      char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          out->push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        out->push_back('\n');
        pos_ += 2;
        ++line_;
        continue;
      }
      if (c == '\n') ++line_;
      out->push_back(c);
      ++pos_;
    }
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] != separator_ && !AtLineEnd()) {
      return CsvError(file_name_, line_,
                      "unexpected text after the closing quote of field " + std::to_string(index) +
                          " (write \"\" for a quote inside a quoted field)");
    }
    return Status::Ok();
  }

  std::string_view text_;
  std::string_view file_name_;
  char separator_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

Status CsvError(std::string_view file_name, int line, std::string_view message) {
  std::string m(file_name);
  m += ':';
  m += std::to_string(line);
  m += ": ";
  m += message;
  return Status::InvalidArgument(std::move(m));
}

Status ForEachCsvRecord(std::string_view content, std::string_view file_name,
                        const std::function<Status(const CsvRecord&)>& visit) {
  if (content.starts_with(kUtf8Bom)) content.remove_prefix(kUtf8Bom.size());
  if (int bad_line = FirstInvalidUtf8Line(content); bad_line != 0) {
    return CsvError(file_name, bad_line, "invalid UTF-8 text (save the file as \"CSV UTF-8\")");
  }
  return Parser(content, file_name, DetectSeparator(content)).Run(visit);
}

Result<CsvDocument> ReadCsv(std::string_view content, std::string_view file_name) {
  CsvDocument doc;
  std::string_view text = content.starts_with(kUtf8Bom) ? content.substr(kUtf8Bom.size()) : content;
  doc.separator = DetectSeparator(text);
  Status st = ForEachCsvRecord(content, file_name, [&](const CsvRecord& record) {
    doc.records.push_back(record);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return doc;
}

}  // namespace ramette::aggregator::imports
