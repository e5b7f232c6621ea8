#include "admin/csv_reader.h"

namespace govbus::admin {

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

enum class FieldState { kStart, kUnquoted, kQuoted, kAfterQuote };

}  // namespace

Result<std::vector<CsvRecord>> readCsv(std::string_view text, const CsvLimits& limits) {
  std::vector<CsvRecord> out;
  size_t pos = text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0;
  size_t line = 1;
  auto isBreak = [&](size_t p) { return text[p] == '\n' || text[p] == '\r'; };
  // Steps over one line break (CRLF counts as one).
  auto skipBreak = [&] {
    if (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
    ++pos;
    ++line;
  };

  while (pos < text.size()) {
    if (isBreak(pos)) {  // a blank line
      skipBreak();
      continue;
    }
    if (out.size() == limits.maxRecords) {
      return makeError(ErrorCode::kTooLarge, "line " + std::to_string(line) + ": more than " +
                                                 std::to_string(limits.maxRecords) +
                                                 " records; split the file");
    }
    CsvRecord record;
    record.line = line;
    std::string field;
    size_t quoteLine = 0;
    FieldState state = FieldState::kStart;
    auto fail = [&](std::string message) {
      if (record.error.empty()) record.error = std::move(message);
    };
    auto endField = [&] {
      if (record.fields.size() < limits.maxFields) {
        record.fields.push_back(std::move(field));
      } else {
        fail("more than " + std::to_string(limits.maxFields) + " fields");
      }
      field.clear();
      state = FieldState::kStart;
    };

    bool recordDone = false;
    while (!recordDone) {
      if (pos >= text.size()) {
        if (state == FieldState::kQuoted) {
          fail("the quote opened on line " + std::to_string(quoteLine) +
               " is never closed (everything after it was read as one field)");
        }
        endField();
        break;
      }
      const char c = text[pos];
      switch (state) {
        case FieldState::kStart:
        case FieldState::kUnquoted:
          if (c == ',') {
            endField();
            ++pos;
          } else if (isBreak(pos)) {
            endField();
            skipBreak();
            recordDone = true;
          } else if (c == '"' && state == FieldState::kStart) {
            state = FieldState::kQuoted;
            quoteLine = line;
            ++pos;
          } else {
            if (c == '"') {
              fail(
                  "a quote inside an unquoted field (quote the whole field and double the "
                  "quote: \"a \"\"b\"\"\")");
            }
            field += c;
            state = FieldState::kUnquoted;
            ++pos;
          }
          break;
        case FieldState::kQuoted:
          if (c == '"') {
            if (pos + 1 < text.size() && text[pos + 1] == '"') {
              field += '"';
              pos += 2;
            } else {
              state = FieldState::kAfterQuote;
              ++pos;
            }
          } else {
            // A line break inside quotes is text; count it so later line numbers stay right.
            if (c == '\n' || (c == '\r' && !(pos + 1 < text.size() && text[pos + 1] == '\n'))) {
              ++line;
            }
            field += c;
            ++pos;
          }
          break;
        case FieldState::kAfterQuote:
          if (c == ',') {
            endField();
            ++pos;
          } else if (isBreak(pos)) {
            endField();
            skipBreak();
            recordDone = true;
          } else {
            if (quoteLine != line) {
              fail("the quote opened on line " + std::to_string(quoteLine) + " closes on line " +
                   std::to_string(line) +
                   " and text follows it: is a closing quote missing on line " +
                   std::to_string(quoteLine) + "? (lines " + std::to_string(quoteLine) + "-" +
                   std::to_string(line) + " were read as one record)");
            } else {
              fail("text after a closing quote (a quoted field must end at the quote)");
            }
            field += c;
            ++pos;
          }
          break;
      }
    }
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace govbus::admin
