// CatalogFile: an approval-item catalog (职权目录) read from a CSV or JSON file and checked row by
// row before anything is published, so that an operator sees every bad row at once and a file with
// any bad row publishes nothing.
//
// CSV (data/sample-catalog.csv): a header naming these columns, in any order —
//   item_code,name,statutory_level,legal_days,promised_days,delegable,materials[,limit_unit]
// then one item per record; materials are separated by ';' (or the full-width '；').
// JSON: a list of item objects, or {"items": [...]}; an item has the API's fields (node/api_json.h)
//   code, name, level, legal_days, promised_days, delegable, materials (a list of strings),
//   limit_unit,
// and the CSV names item_code and statutory_level are accepted for code and level.
//
// Rules (each broken one is one CatalogProblem naming the row, the field and the rule):
//   item_code        required; 1–64 characters from A–Z a–z 0–9 - _ . ; unique in the file
//   name             required; at most 4096 bytes of UTF-8, no control characters
//   statutory_level  province | city | county
//   legal_days       a whole number from 1 to 65535
//   promised_days    a whole number from 1 to 65535, and ≤ ⌊2/3 × legal_days⌋ (DESIGN §5)
//   delegable        true | false (also yes/no, 1/0)
//   materials        optional; at most 256, each non-empty, at most 4096 bytes of UTF-8
//   limit_unit       optional column: working_days (工作日, the default when empty or absent) or
//                    calendar_days (自然日); how legal_days and promised_days are counted
// Text fields are trimmed of surrounding spaces and tabs. The file is at most 16 MiB and 20,000
// items.
//
// Thread safety: free functions over values.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "admin/file_text.h"
#include "base/result.h"
#include "protocol/record.h"

namespace govbus::admin {

inline constexpr size_t kMaxCatalogFileBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxCatalogItems = 20'000;
inline constexpr size_t kMaxItemCodeChars = 64;

using CatalogProblem = FileProblem;

struct CatalogRow {
  size_t line = 0;   // CSV: the line where the row starts; JSON: 0
  size_t index = 0;  // JSON: the item's position in the list; CSV: 0
  CatalogItem item;  // op is kInsert; whether it is an insert or an update is the publisher's call
};

struct CatalogFile {
  std::vector<CatalogRow> rows;          // the valid rows, in file order
  std::vector<CatalogProblem> problems;  // every problem, in file order
  bool ok() const { return problems.empty(); }
};

CatalogFile parseCatalogCsv(std::string_view text);
CatalogFile parseCatalogJson(std::string_view text);
// Reads FILE.csv or FILE.json (by extension, case-insensitive) and parses it. An error is a file
// that cannot be read at all (missing, too large, another extension); bad rows are problems.
Result<CatalogFile> readCatalogFile(const std::filesystem::path& file);

}  // namespace govbus::admin
