// libFuzzer target: a catalog file as govbus-admin reads it (admin/catalog_file.h), as CSV and as
// JSON, with the CSV reader underneath.
//
// Oracles beyond "no crash": every row that passes obeys the rules it was checked against (level,
// day ranges, promised ≤ ⌊2/3 × legal⌋, code alphabet, unique codes); every problem names its field
// and rule; a file either yields rows or says why not; CSV line numbers never go backwards.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "admin/catalog_file.h"
#include "admin/csv_reader.h"

namespace {

void check(const govbus::admin::CatalogFile& f) {
  using namespace govbus::admin;
  if (f.rows.empty() && f.problems.empty()) std::abort();
  for (const CatalogProblem& p : f.problems) {
    if (p.field.empty() || p.rule.empty()) std::abort();
  }
  std::set<std::string> codes;
  for (const CatalogRow& r : f.rows) {
    const govbus::CatalogItem& i = r.item;
    if (i.statutoryDepth < 1 || i.statutoryDepth > 3) std::abort();
    if (i.legalDays == 0 || i.promisedDays == 0 || i.promisedDays > (2 * i.legalDays) / 3)
      std::abort();
    if (i.code.empty() || i.code.size() > kMaxItemCodeChars || i.name.empty()) std::abort();
    if (!codes.insert(i.code).second) std::abort();
    for (const std::string& m : i.materials) {
      if (m.empty()) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace govbus::admin;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto records = readCsv(text);
  if (records) {
    size_t line = 0;
    for (const CsvRecord& r : *records) {
      if (r.line <= line) std::abort();
      line = r.line;
    }
  }
  check(parseCatalogCsv(text));
  check(parseCatalogJson(text));
  return 0;
}
