// CSV reader: comma-separated text from outside (a catalog exported from a spreadsheet), read as
// spreadsheets write it and checked strictly enough to name every problem with its line.
//
//   - fields are separated by ','; records end at LF, CRLF or a lone CR
//   - a field may be in double quotes; inside quotes "" is one quote, and commas and line breaks
//     are text (such a record spans several lines)
//   - a UTF-8 byte-order mark at the very start is skipped (Excel writes one)
//   - blank lines are skipped
// A malformed record (a quote inside an unquoted field, text after a closing quote, a quote never
// closed, too many fields) carries its own error and the reader goes on with the next record, so a
// caller can report every bad record at once. Only exceeding the record limit fails the whole read.
// Fields are returned as written: no trimming, no type conversion, no encoding check.
//
// Thread safety: a free function over values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace govbus::admin {

struct CsvLimits {
  size_t maxRecords = 20'000;  // records, the header included
  size_t maxFields = 32;       // fields in one record
};

struct CsvRecord {
  size_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
  std::string error;  // empty when the record is well-formed; else what is wrong (fields partial)
};

Result<std::vector<CsvRecord>> readCsv(std::string_view text, const CsvLimits& limits = {});

}  // namespace govbus::admin
