#include "admin/catalog_file.h"

#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "admin/csv_reader.h"
#include "admin/file_text.h"
#include "protocol/limits.h"

namespace govbus::admin {

namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 8> kColumns = {
    "item_code",     "name",      "statutory_level", "legal_days",
    "promised_days", "delegable", "materials",       "limit_unit"};
enum Column : size_t { kCode, kName, kLevel, kLegal, kPromised, kDelegable, kMaterials, kUnit };
// Columns a file may leave out, with the value every row then has.
constexpr bool optionalColumn(size_t c) { return c == kUnit; }

// Room left in a record body for the envelope and framing around an item's own text.
constexpr size_t kRecordOverheadBytes = 1024;
constexpr std::string_view kFullWidthSemicolon = "\xEF\xBC\x9B";  // ；

// Collects the problems of one row.
class RowCheck {
 public:
  RowCheck(CatalogFile& file, size_t line, size_t index)
      : file_(file), line_(line), index_(index), before_(file.problems.size()) {}
  void fail(std::string field, std::string rule) {
    file_.problems.push_back({line_, index_, std::move(field), std::move(rule)});
  }
  bool clean() const { return file_.problems.size() == before_; }

 private:
  CatalogFile& file_;
  size_t line_;
  size_t index_;
  size_t before_;
};

void checkCode(RowCheck& row, const std::string& field, const std::string& code) {
  if (code.empty()) return row.fail(field, "required: the item's code, e.g. XK-SL-001");
  if (code.size() > kMaxItemCodeChars) {
    return row.fail(field, shown(code) + " is longer than " + std::to_string(kMaxItemCodeChars) +
                               " characters");
  }
  for (char c : code) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return row.fail(field, shown(code) + " has a character other than A-Z a-z 0-9 - _ .");
    }
  }
}

void checkText(RowCheck& row, const std::string& field, const std::string& text, bool required,
               const std::string& what) {
  if (text.empty()) {
    if (required) row.fail(field, "required: " + what);
    return;
  }
  if (!isValidUtf8(text)) return row.fail(field, shown(text) + " is not valid UTF-8");
  if (hasControl(text)) return row.fail(field, shown(text) + " has a control character");
  if (text.size() > kMaxTextBytes) {
    row.fail(field, "is " + std::to_string(text.size()) + " bytes; at most " +
                        std::to_string(kMaxTextBytes));
  }
}

std::optional<uint8_t> parseLevel(RowCheck& row, const std::string& field,
                                  const std::string& text) {
  const std::string l = lower(text);
  if (l == "province") return 1;
  if (l == "city") return 2;
  if (l == "county") return 3;
  row.fail(field, text.empty() ? "required: province, city or county"
                               : shown(text) + " is not province, city or county");
  return std::nullopt;
}

std::optional<uint16_t> parseDaysText(RowCheck& row, const std::string& field,
                                      const std::string& text) {
  const std::string rule = "a whole number of days from 1 to 65535";
  if (text.empty()) {
    row.fail(field, "required: " + rule);
    return std::nullopt;
  }
  bool digits = text.size() <= 9 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    row.fail(field, shown(text) + " is not " + rule);
    return std::nullopt;
  }
  uint32_t v = static_cast<uint32_t>(std::stoul(text));
  if (v < 1 || v > 65535) {
    row.fail(field, text + " is out of range: " + rule);
    return std::nullopt;
  }
  return static_cast<uint16_t>(v);
}

// Empty means the default, working days.
std::optional<LimitUnit> parseUnitText(RowCheck& row, const std::string& field,
                                       const std::string& text) {
  const std::string l = lower(text);
  if (l.empty() || l == "working_days" || l == "工作日") return LimitUnit::kWorkingDays;
  if (l == "calendar_days" || l == "自然日") return LimitUnit::kCalendarDays;
  row.fail(field, shown(text) + " is not working_days (工作日) or calendar_days (自然日)");
  return std::nullopt;
}

std::optional<bool> parseDelegableText(RowCheck& row, const std::string& field,
                                       const std::string& text) {
  const std::string l = lower(text);
  if (l == "true" || l == "yes" || l == "1") return true;
  if (l == "false" || l == "no" || l == "0") return false;
  row.fail(field, text.empty() ? "required: true or false"
                               : shown(text) + " is not true or false (also yes/no, 1/0)");
  return std::nullopt;
}

void checkMaterials(RowCheck& row, const std::string& field,
                    const std::vector<std::string>& materials) {
  if (materials.size() > kMaxListItems) {
    return row.fail(field, std::to_string(materials.size()) + " materials; at most " +
                               std::to_string(kMaxListItems));
  }
  for (size_t i = 0; i < materials.size(); ++i) {
    const std::string& m = materials[i];
    std::string which = "material " + std::to_string(i + 1);
    // One problem per field: the first bad material.
    if (m.empty()) {
      return row.fail(field, which + " is empty (two separators in a row, or one at the end?)");
    }
    if (!isValidUtf8(m)) return row.fail(field, which + " " + shown(m) + " is not valid UTF-8");
    if (hasControl(m)) return row.fail(field, which + " " + shown(m) + " has a control character");
    if (m.size() > kMaxTextBytes) {
      return row.fail(field, which + " is " + std::to_string(m.size()) + " bytes; at most " +
                                 std::to_string(kMaxTextBytes));
    }
  }
}

std::vector<std::string> splitMaterials(const std::string& text) {
  std::vector<std::string> out;
  if (trim(text).empty()) return out;
  size_t start = 0;
  while (true) {
    size_t semi = text.find(';', start);
    size_t wide = text.find(kFullWidthSemicolon, start);
    size_t at = std::min(semi, wide);
    out.push_back(
        trim(text.substr(start, at == std::string::npos ? std::string::npos : at - start)));
    if (at == std::string::npos) break;
    start = at + (at == semi ? 1 : kFullWidthSemicolon.size());
    // Past the bound the list is refused anyway; stop splitting a hostile cell.
    if (out.size() > kMaxListItems) break;
  }
  return out;
}

// Checks that apply to a whole item once its fields parsed: the 2/3 rule and the record size.
void checkItem(RowCheck& row, const CatalogItem& item, const std::string& promisedField,
               const std::string& legalField) {
  if (item.legalDays > 0 && item.promisedDays > 0 && item.promisedDays > (2 * item.legalDays) / 3) {
    row.fail(promisedField, std::to_string(item.promisedDays) + " is more than ⌊2/3 × " +
                                legalField + " " + std::to_string(item.legalDays) +
                                "⌋ = " + std::to_string((2 * item.legalDays) / 3) +
                                " (promised days may be at most two thirds of the legal days)");
  }
  size_t bytes = item.code.size() + item.name.size();
  for (const std::string& m : item.materials) bytes += m.size() + 8;
  if (bytes > kMaxRecordBodyBytes - kRecordOverheadBytes) {
    row.fail("row", "the item's text is " + std::to_string(bytes) +
                        " bytes; one record holds at most " +
                        std::to_string(kMaxRecordBodyBytes - kRecordOverheadBytes));
  }
}

// Item codes seen so far and where: a later row with the same code is the bad one.
class SeenCodes {
 public:
  void check(RowCheck& row, const std::string& field, const std::string& code,
             const std::string& where) {
    if (code.empty()) return;
    auto [it, inserted] = first_.emplace(code, where);
    if (!inserted) {
      row.fail(field, shown(code) + " is also on " + it->second + " (item codes must be unique)");
    }
  }

 private:
  std::map<std::string, std::string> first_;
};

void sortProblems(CatalogFile& file) {
  std::stable_sort(file.problems.begin(), file.problems.end(),
                   [](const CatalogProblem& a, const CatalogProblem& b) {
                     return a.line != b.line ? a.line < b.line : a.index < b.index;
                   });
}

}  // namespace

CatalogFile parseCatalogCsv(std::string_view text) {
  CatalogFile file;
  auto records = readCsv(text, CsvLimits{kMaxCatalogItems + 1, 32});
  if (!records) {
    file.problems.push_back({0, 0, "file", records.error().message});
    return file;
  }
  if (records->empty()) {
    file.problems.push_back({0, 0, "file",
                             "empty: the first line must name the columns " +
                                 std::string("item_code,name,statutory_level,legal_days,") +
                                 "promised_days,delegable,materials"});
    return file;
  }

  // The header: every column exactly once, in any order.
  const CsvRecord& header = records->front();
  std::array<size_t, kColumns.size()> at;
  at.fill(SIZE_MAX);
  {
    RowCheck row(file, header.line, 0);
    if (!header.error.empty()) row.fail("header", header.error);
    for (size_t i = 0; i < header.fields.size(); ++i) {
      std::string name = lower(trim(header.fields[i]));
      auto known = std::find(kColumns.begin(), kColumns.end(), name);
      if (known == kColumns.end()) {
        row.fail("header", "unknown column " + shown(header.fields[i]) + " (the columns are " +
                               "item_code,name,statutory_level,legal_days,promised_days," +
                               "delegable,materials,limit_unit)");
        continue;
      }
      size_t c = static_cast<size_t>(known - kColumns.begin());
      if (at[c] != SIZE_MAX) {
        row.fail("header", "column '" + name + "' appears twice");
      } else {
        at[c] = i;
      }
    }
    for (size_t c = 0; c < kColumns.size(); ++c) {
      if (at[c] == SIZE_MAX && !optionalColumn(c))
        row.fail("header", "missing column '" + std::string(kColumns[c]) + "'");
    }
    if (!row.clean()) return file;  // without the columns no row can be read
  }

  SeenCodes seen;
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& rec = (*records)[r];
    RowCheck row(file, rec.line, 0);
    if (!rec.error.empty()) {
      row.fail("row", rec.error);
      continue;
    }
    if (rec.fields.size() != header.fields.size()) {
      row.fail("row", "has " + std::to_string(rec.fields.size()) + " fields; the header has " +
                          std::to_string(header.fields.size()) +
                          " (a comma inside a field must be in double quotes)");
      continue;
    }
    auto cell = [&](Column c) { return trim(rec.fields[at[c]]); };
    CatalogItem item;
    item.code = cell(kCode);
    checkCode(row, "item_code", item.code);
    seen.check(row, "item_code", item.code, "line " + std::to_string(rec.line));
    item.name = cell(kName);
    checkText(row, "name", item.name, true, "the item's name");
    auto level = parseLevel(row, "statutory_level", cell(kLevel));
    auto legal = parseDaysText(row, "legal_days", cell(kLegal));
    auto promised = parseDaysText(row, "promised_days", cell(kPromised));
    auto delegable = parseDelegableText(row, "delegable", cell(kDelegable));
    auto unit = parseUnitText(row, "limit_unit", at[kUnit] == SIZE_MAX ? "" : cell(kUnit));
    item.materials = splitMaterials(rec.fields[at[kMaterials]]);
    checkMaterials(row, "materials", item.materials);
    item.statutoryDepth = level.value_or(0);
    item.legalDays = legal.value_or(0);
    item.promisedDays = promised.value_or(0);
    item.delegable = delegable.value_or(false);
    item.limitUnit = unit.value_or(LimitUnit::kWorkingDays);
    checkItem(row, item, "promised_days", "legal_days");
    if (row.clean()) file.rows.push_back({rec.line, 0, std::move(item)});
  }
  if (file.rows.empty() && file.problems.empty()) {
    file.problems.push_back({0, 0, "file", "has a header but no items"});
  }
  sortProblems(file);
  return file;
}

CatalogFile parseCatalogJson(std::string_view text) {
  CatalogFile file;
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    file.problems.push_back({0, 0, "file", std::string("not valid JSON: ") + e.what()});
    return file;
  }
  const Json* list = &doc;
  if (doc.is_object()) {
    if (doc.size() != 1 || !doc.contains("items")) {
      file.problems.push_back(
          {0, 0, "file", "a JSON catalog is a list of items or an object {\"items\": [...]}"});
      return file;
    }
    list = &doc["items"];
  }
  if (!list->is_array()) {
    file.problems.push_back({0, 0, "file", "'items' must be a list of item objects"});
    return file;
  }
  if (list->size() > kMaxCatalogItems) {
    file.problems.push_back({0, 0, "file",
                             std::to_string(list->size()) + " items; at most " +
                                 std::to_string(kMaxCatalogItems) + " (split the file)"});
    return file;
  }

  SeenCodes seen;
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& e = (*list)[i];
    RowCheck row(file, 0, i);
    if (!e.is_object()) {
      row.fail("row",
               "must be an object with code, name, level, legal_days, promised_days, "
               "delegable, materials");
      continue;
    }
    // field name → value; the CSV names are aliases.
    static const std::map<std::string, std::string> kAliases = {{"item_code", "code"},
                                                                {"statutory_level", "level"}};
    std::map<std::string, const Json*> fields;
    for (auto it = e.begin(); it != e.end(); ++it) {
      std::string key = it.key();
      if (auto a = kAliases.find(key); a != kAliases.end()) key = a->second;
      static constexpr std::array<std::string_view, 8> kKnown = {
          "code",          "name",      "level",     "legal_days",
          "promised_days", "delegable", "materials", "limit_unit"};
      if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
        row.fail(keyName(it.key()),
                 "unknown field (the fields are code, name, level, legal_days, "
                 "promised_days, delegable, materials, limit_unit)");
        continue;
      }
      if (!fields.emplace(key, &it.value()).second) {
        row.fail(keyName(it.key()), "given twice (under its API name and its CSV name)");
      }
    }
    auto get = [&](const std::string& key) -> const Json* {
      auto it = fields.find(key);
      return it == fields.end() || it->second->is_null() ? nullptr : it->second;
    };
    auto string = [&](const std::string& key) -> std::optional<std::string> {
      const Json* v = get(key);
      if (!v) return std::string();
      if (!v->is_string()) {
        row.fail(key, "must be a string");
        return std::nullopt;
      }
      return trim(v->get<std::string>());
    };
    auto days = [&](const std::string& key) -> std::optional<uint16_t> {
      const Json* v = get(key);
      if (!v) {
        row.fail(key, "required: a whole number of days from 1 to 65535");
        return std::nullopt;
      }
      if (!v->is_number_integer() || v->get<int64_t>() < 1 || v->get<int64_t>() > 65535 ||
          (v->is_number_unsigned() && v->get<uint64_t>() > 65535)) {
        row.fail(key, shown(v->dump()) + " is not a whole number of days from 1 to 65535");
        return std::nullopt;
      }
      return static_cast<uint16_t>(v->get<int64_t>());
    };

    CatalogItem item;
    if (auto c = string("code")) {
      item.code = *c;
      checkCode(row, "code", item.code);
      seen.check(row, "code", item.code, "items[" + std::to_string(i) + "]");
    }
    if (auto n = string("name")) {
      item.name = *n;
      checkText(row, "name", item.name, true, "the item's name");
    }
    if (auto l = string("level")) {
      item.statutoryDepth = parseLevel(row, "level", *l).value_or(0);
    }
    item.legalDays = days("legal_days").value_or(0);
    item.promisedDays = days("promised_days").value_or(0);
    if (const Json* d = get("delegable"); !d) {
      row.fail("delegable", "required: true or false");
    } else if (!d->is_boolean()) {
      row.fail("delegable", "must be true or false");
    } else {
      item.delegable = d->get<bool>();
    }
    if (const Json* m = get("materials")) {
      if (!m->is_array() ||
          !std::all_of(m->begin(), m->end(), [](const Json& s) { return s.is_string(); })) {
        row.fail("materials", "must be a list of strings");
      } else if (m->size() > kMaxListItems) {
        checkMaterials(row, "materials", std::vector<std::string>(m->size()));
      } else {
        for (const Json& s : *m) item.materials.push_back(trim(s.get<std::string>()));
        checkMaterials(row, "materials", item.materials);
      }
    }
    if (auto u = string("limit_unit")) {
      item.limitUnit = parseUnitText(row, "limit_unit", *u).value_or(LimitUnit::kWorkingDays);
    }
    checkItem(row, item, "promised_days", "legal_days");
    if (row.clean()) file.rows.push_back({0, i, std::move(item)});
  }
  if (file.rows.empty() && file.problems.empty()) {
    file.problems.push_back({0, 0, "file", "has no items"});
  }
  sortProblems(file);
  return file;
}

Result<CatalogFile> readCatalogFile(const std::filesystem::path& file) {
  const std::string ext = lower(file.extension().string());
  if (ext != ".csv" && ext != ".json") {
    return makeError(ErrorCode::kInvalidArgument,
                     file.string() + ": a catalog file must end in .csv or .json");
  }
  GOVBUS_ASSIGN_OR_RETURN(std::string text,
                          readSmallFile(file, kMaxCatalogFileBytes, "a catalog file"));
  return ext == ".csv" ? parseCatalogCsv(text) : parseCatalogJson(text);
}

}  // namespace govbus::admin
