#include "testnet/topology.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "protocol/division_code.h"

namespace govbus::testnet {

namespace {

Result<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return makeError(ErrorCode::kIo,
                     "cannot read " + path.string() +
                         " (pass --data DIR pointing at the repository's data/ folder)");
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Tables {
  std::vector<std::vector<std::string>> provinces, cities, areas;
};

Result<Tables> loadTables(const std::filesystem::path& dir) {
  Tables t;
  GOVBUS_ASSIGN_OR_RETURN(std::string p, readFile(dir / "divisions" / "provinces.csv"));
  GOVBUS_ASSIGN_OR_RETURN(std::string c, readFile(dir / "divisions" / "cities.csv"));
  GOVBUS_ASSIGN_OR_RETURN(std::string a, readFile(dir / "divisions" / "areas.csv"));
  GOVBUS_ASSIGN_OR_RETURN(t.provinces, parseCsv(p, 2));
  GOVBUS_ASSIGN_OR_RETURN(t.cities, parseCsv(c, 3));
  GOVBUS_ASSIGN_OR_RETURN(t.areas, parseCsv(a, 4));
  return t;
}

Status addNode(Topology& t, std::set<std::string>& seen, std::string code, std::string name,
               std::string parent) {
  auto parsed = DivisionCode::parse(code);
  if (!parsed) return parsed.error();
  if (!seen.insert(code).second) return Status::Ok();  // municipalities repeat codes
  t.nodes.push_back({std::move(code), std::move(name), std::move(parent)});
  return Status::Ok();
}

Status addProvince(Topology& t, std::set<std::string>& seen, const Tables& tables,
                   const std::string& prov, const std::string& provName,
                   const std::string& parent) {
  std::string provCode = prov + "0000";
  GOVBUS_TRY(addNode(t, seen, provCode, provName, parent));
  std::set<std::string> realCities;
  for (const auto& row : tables.cities) {
    if (row[2] != prov) continue;
    // "省直辖县级行政区划" is a grouping, not a city: its counties answer to the province
    // (省直管县).
    if (row[1].find("直辖县级行政区划") != std::string::npos) continue;
    realCities.insert(row[0]);
    GOVBUS_TRY(addNode(t, seen, row[0] + "00", row[1], provCode));
  }
  for (const auto& row : tables.areas) {
    if (row[3] != prov) continue;
    std::string parentCode = realCities.contains(row[2]) ? row[2] + "00" : provCode;
    GOVBUS_TRY(addNode(t, seen, row[0], row[1], parentCode));
  }
  return Status::Ok();
}

}  // namespace

size_t Topology::countAtDepth(int depth) const {
  size_t n = 0;
  for (const auto& node : nodes) {
    auto c = DivisionCode::parse(node.code);
    if (c && c->depth() == depth) ++n;
  }
  return n;
}

Result<std::vector<std::vector<std::string>>> parseCsv(std::string_view text,
                                                       size_t expectedColumnsMin) {
  std::vector<std::vector<std::string>> rows;
  size_t line = 0;
  size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    ++line;
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false, wasQuoted = false;
    for (;; ++pos) {
      if (pos >= text.size()) {
        if (quoted)
          return makeError(ErrorCode::kMalformed,
                           "csv line " + std::to_string(line) + ": unterminated quote");
        break;
      }
      char ch = text[pos];
      if (quoted) {
        if (ch == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
          field += '"';
          ++pos;
        } else if (ch == '"') {
          quoted = false;
        } else {
          field += ch;
        }
      } else if (ch == '"' && field.empty() && !wasQuoted) {
        quoted = wasQuoted = true;
      } else if (ch == ',') {
        fields.push_back(std::move(field));
        field.clear();
        wasQuoted = false;
      } else if (ch == '\n' || ch == '\r') {
        if (ch == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
        ++pos;
        break;
      } else if (wasQuoted) {
        return makeError(ErrorCode::kMalformed,
                         "csv line " + std::to_string(line) + ": text after a closing quote");
      } else {
        field += ch;
      }
    }
    fields.push_back(std::move(field));
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (header) {
      header = false;
      continue;
    }
    if (fields.size() < expectedColumnsMin) {
      return makeError(ErrorCode::kMalformed,
                       "csv line " + std::to_string(line) + ": " + std::to_string(fields.size()) +
                           " fields, expected at least " + std::to_string(expectedColumnsMin));
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

Topology smallTopology() {
  Topology t;
  t.name = "small";
  t.nodes = {{"430000", "湖南省", ""},       {"430100", "长沙市", "430000"},
             {"430200", "株洲市", "430000"}, {"430102", "芙蓉区", "430100"},
             {"430103", "天心区", "430100"}, {"430202", "荷塘区", "430200"},
             {"430211", "天元区", "430200"}};
  return t;
}

Result<Topology> provinceTopology(const std::filesystem::path& dataDir,
                                  std::string_view provinceCode) {
  GOVBUS_ASSIGN_OR_RETURN(Tables tables, loadTables(dataDir));
  for (const auto& row : tables.provinces) {
    if (row[0] != provinceCode) continue;
    Topology t;
    t.name = "province-" + std::string(provinceCode);
    std::set<std::string> seen;
    GOVBUS_TRY(addProvince(t, seen, tables, row[0], row[1], ""));
    return t;
  }
  return makeError(ErrorCode::kNotFound,
                   "no province with code " + std::string(provinceCode) + " in provinces.csv");
}

Result<Topology> countryTopology(const std::filesystem::path& dataDir) {
  GOVBUS_ASSIGN_OR_RETURN(Tables tables, loadTables(dataDir));
  Topology t;
  t.name = "country";
  std::set<std::string> seen;
  t.nodes.push_back({"000000", "全国", ""});
  seen.insert("000000");
  for (const auto& row : tables.provinces)
    GOVBUS_TRY(addProvince(t, seen, tables, row[0], row[1], "000000"));
  return t;
}

}  // namespace govbus::testnet
