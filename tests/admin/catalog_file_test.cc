// The catalog file parser (admin/catalog_file.h) and its CSV reader (admin/csv_reader.h): outside
// data, so mostly malformed input. Every bad row must be reported, with its line and field, and a
// file with any bad row must yield no problem-free subset that could be published by mistake.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "admin/catalog_file.h"
#include "admin/csv_reader.h"
#include "testing/test_network.h"

namespace govbus::admin {
namespace {

const std::string kHeader =
    "item_code,name,statutory_level,legal_days,promised_days,delegable,materials\n";

std::string csv(const std::string& rows) { return kHeader + rows; }

// "line:field" of every problem, in order.
std::vector<std::string> where(const CatalogFile& f) {
  std::vector<std::string> out;
  for (const CatalogProblem& p : f.problems) out.push_back(p.location() + ":" + p.field);
  return out;
}

std::string ruleAt(const CatalogFile& f, size_t line, const std::string& field) {
  for (const CatalogProblem& p : f.problems) {
    if (p.line == line && p.field == field) return p.rule;
  }
  return "";
}

// --- CSV reader -------------------------------------------------------------------------------

TEST(CsvReaderTest, QuotedFieldsKeepCommasQuotesAndLineBreaks) {
  auto r = readCsv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x,\n\nlast");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].fields, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  EXPECT_EQ((*r)[1].fields, (std::vector<std::string>{"two\nlines", "x", ""}));
  EXPECT_EQ((*r)[1].line, 2u);
  EXPECT_EQ((*r)[2].line, 5u) << "the line break inside quotes and the blank line both count";
  for (const CsvRecord& rec : *r) EXPECT_EQ(rec.error, "");
}

TEST(CsvReaderTest, ByteOrderMarkIsSkippedAndCrLfIsOneLineEnd) {
  auto r = readCsv("\xEF\xBB\xBFitem_code,name\r\nA,B\r\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].fields[0], "item_code");
  EXPECT_EQ((*r)[1].line, 2u);
  EXPECT_EQ((*r)[1].fields, (std::vector<std::string>{"A", "B"}));
}

TEST(CsvReaderTest, AQuoteInsideAnUnquotedFieldIsAnErrorOfThatRecordOnly) {
  auto r = readCsv("ok,1\nab\"c,2\nok,3\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].error, "");
  EXPECT_NE((*r)[1].error.find("quote inside an unquoted field"), std::string::npos);
  EXPECT_EQ((*r)[2].error, "");
  EXPECT_EQ((*r)[2].fields[1], "3");
}

TEST(CsvReaderTest, TextAfterAClosingQuoteNamesBothLinesWhenTheQuoteSpannedLines) {
  auto r = readCsv("a,\"open\nb,\"c\"d\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_NE(r->front().error.find("opened on line 1 closes on line 2"), std::string::npos)
      << r->front().error;
}

TEST(CsvReaderTest, AnUnterminatedQuoteIsReportedWithTheLineItOpenedOn) {
  auto r = readCsv("a,b\nc,\"never closed\nd,e\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].line, 2u);
  EXPECT_NE((*r)[1].error.find("opened on line 2 is never closed"), std::string::npos)
      << (*r)[1].error;
}

TEST(CsvReaderTest, TooManyFieldsAndTooManyRecordsAreBounded) {
  auto wide = readCsv(std::string(100, ','), CsvLimits{10, 8});
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->front().fields.size(), 8u);
  EXPECT_NE(wide->front().error.find("more than 8 fields"), std::string::npos);

  std::string many;
  for (int i = 0; i < 20; ++i) many += "x\n";
  auto tall = readCsv(many, CsvLimits{10, 8});
  ASSERT_FALSE(tall.ok());
  EXPECT_EQ(tall.error().code, ErrorCode::kTooLarge);
  EXPECT_NE(tall.error().message.find("line 11"), std::string::npos) << tall.error().message;
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) {
  auto r = readCsv("");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  auto blank = readCsv("\n\r\n\n");
  ASSERT_TRUE(blank.ok());
  EXPECT_TRUE(blank->empty());
}

// --- catalog CSV ------------------------------------------------------------------------------

TEST(CatalogFileTest, TheSampleCatalogIsValid) {
  auto f = readCatalogFile(std::filesystem::path(GOVBUS_TEST_DATA_DIR) / "sample-catalog.csv");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_TRUE(f->ok()) << (f->problems.empty() ? "" : f->problems.front().rule);
  ASSERT_EQ(f->rows.size(), 12u);
  const CatalogRow& sl = *std::find_if(f->rows.begin(), f->rows.end(), [](const CatalogRow& r) {
    return r.item.code == "XK-SL-001";
  });
  EXPECT_EQ(sl.item.statutoryDepth, 1);
  EXPECT_EQ(sl.item.legalDays, 45);
  EXPECT_EQ(sl.item.promisedDays, 30);
  EXPECT_TRUE(sl.item.delegable);
  EXPECT_EQ(sl.item.materials,
            (std::vector<std::string>{"申请书", "水资源论证报告", "取水工程说明"}));
  EXPECT_EQ(sl.line, 8u);
}

TEST(CatalogFileTest, EveryBadRowIsReportedWithItsLineAndField) {
  CatalogFile f =
      parseCatalogCsv(csv("XK-1,好,county,20,10,true,a;b\n"  // 2: fine
                          "XK 2,,town,abc,10,maybe,a;;b\n"   // 3: six problems
                          "XK-3,x,county,30,21,true,\n"      // 4: 21 > ⌊2/3 × 30⌋ = 20
                          "XK-1,dup,city,0,70000,false,\n"   // 5: duplicate, 0, 70000
                          "XK-5,too,few\n"                   // 6: field count
                          "XK-6,\"ok \"\"quoted\"\"\",province,45,30,yes,\"c;d\"\n"));  // 7: fine
  EXPECT_EQ(where(f),
            (std::vector<std::string>{"line 3:item_code", "line 3:name", "line 3:statutory_level",
                                      "line 3:legal_days", "line 3:delegable", "line 3:materials",
                                      "line 4:promised_days", "line 5:item_code",
                                      "line 5:legal_days", "line 5:promised_days", "line 6:row"}));
  EXPECT_NE(ruleAt(f, 4, "promised_days").find("⌊2/3 × legal_days 30⌋ = 20"), std::string::npos)
      << ruleAt(f, 4, "promised_days");
  EXPECT_NE(ruleAt(f, 5, "item_code").find("also on line 2"), std::string::npos);
  EXPECT_NE(ruleAt(f, 3, "statutory_level").find("'town'"), std::string::npos);
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.rows.size(), 2u) << "only the two good rows parsed; a caller publishes none of them";
}

TEST(CatalogFileTest, PromisedDaysAtExactlyTwoThirdsIsAllowed) {
  CatalogFile f = parseCatalogCsv(csv("A,a,county,30,20,true,\nB,b,county,1,1,true,\n"));
  EXPECT_EQ(where(f), (std::vector<std::string>{"line 3:promised_days"})) << "⌊2/3 × 1⌋ = 0 < 1";
}

TEST(CatalogFileTest, HeaderColumnsMayComeInAnyOrderButNoneMayBeMissingUnknownOrTwice) {
  CatalogFile ok = parseCatalogCsv(
      "materials,delegable,promised_days,legal_days,statutory_level,name,item_code\n"
      "x;y,false,10,20,city,名称,C-1\n");
  ASSERT_TRUE(ok.ok()) << ok.problems.front().rule;
  EXPECT_EQ(ok.rows.front().item.code, "C-1");
  EXPECT_EQ(ok.rows.front().item.statutoryDepth, 2);

  CatalogFile bad = parseCatalogCsv(
      "item_code,name,name,legal_days,promised,delegable,materials\nA,a,a,1,1,true,\n");
  EXPECT_EQ(where(bad), (std::vector<std::string>{"line 1:header", "line 1:header", "line 1:header",
                                                  "line 1:header"}));
  EXPECT_TRUE(bad.rows.empty()) << "without a good header no row is read";
}

TEST(CatalogFileTest, EmptyFilesAndHeaderOnlyFilesAreProblems) {
  EXPECT_EQ(where(parseCatalogCsv("")), (std::vector<std::string>{"file:file"}));
  EXPECT_EQ(where(parseCatalogCsv(kHeader)), (std::vector<std::string>{"file:file"}));
  EXPECT_EQ(where(parseCatalogCsv("\xEF\xBB\xBF" + kHeader + "\n\n")),
            (std::vector<std::string>{"file:file"}));
}

TEST(CatalogFileTest, NumbersMustBePlainWholeNumbersInRange) {
  CatalogFile f =
      parseCatalogCsv(csv("A,a,county,+20,10,true,\n"
                          "B,b,county,20.0,10,true,\n"
                          "C,c,county,99999999999999999999,10,true,\n"
                          "D,d,county,65535,43690,true,\n"
                          "E,e,county, 20 ,\t10,true,\n"
                          "F,f,county,-1,-1,true,\n"
                          "G,g,county,,,true,\n"));
  EXPECT_EQ(where(f),
            (std::vector<std::string>{"line 2:legal_days", "line 3:legal_days", "line 4:legal_days",
                                      "line 7:legal_days", "line 7:promised_days",
                                      "line 8:legal_days", "line 8:promised_days"}));
  EXPECT_EQ(f.rows.size(), 2u) << "65535/43690 and the padded 20/10 are valid";
}

TEST(CatalogFileTest, TextMustBeValidUtf8WithoutControlCharacters) {
  CatalogFile f =
      parseCatalogCsv(csv("A,\xC3\x28,county,20,10,true,\n"      // bad continuation
                          "B,\xE0\x80\xAF,county,20,10,true,\n"  // overlong
                          "C,\xED\xA0\x80,county,20,10,true,\n"  // surrogate
                          "D,\"tab\there\",county,20,10,true,\n"
                          "E,ok,county,20,10,true,\xFF;x\n"
                          "F,名称,county,20,10,true,材料一；材料二\n"));
  EXPECT_EQ(where(f), (std::vector<std::string>{"line 2:name", "line 3:name", "line 4:name",
                                                "line 5:name", "line 6:materials"}));
  EXPECT_NE(ruleAt(f, 2, "name").find("\\xC3"), std::string::npos)
      << "bad bytes are shown escaped, so the message itself is valid UTF-8";
  ASSERT_EQ(f.rows.size(), 1u);
  EXPECT_EQ(f.rows.front().item.materials, (std::vector<std::string>{"材料一", "材料二"}))
      << "the full-width semicolon separates materials too";
}

TEST(CatalogFileTest, ItemCodesAreShortAndPlain) {
  CatalogFile f = parseCatalogCsv(
      csv(std::string(65, 'A') + ",a,county,20,10,true,\n" + "A/B,a,county,20,10,true,\n" +
          "A.B_C-9,a,county,20,10,true,\n" + ",a,county,20,10,true,\n"));
  EXPECT_EQ(where(f),
            (std::vector<std::string>{"line 2:item_code", "line 3:item_code", "line 5:item_code"}));
}

TEST(CatalogFileTest, MaterialListsAreBoundedAndHaveNoEmptyEntries) {
  std::string many;
  for (int i = 0; i < 300; ++i) many += "m" + std::to_string(i) + ";";
  many.pop_back();
  CatalogFile f =
      parseCatalogCsv(csv("A,a,county,20,10,true," + many + "\n" + "B,b,county,20,10,true,x;\n" +
                          "C,c,county,20,10,true,;\n" + "D,d,county,20,10,true, \n"));
  EXPECT_EQ(where(f),
            (std::vector<std::string>{"line 2:materials", "line 3:materials", "line 4:materials"}));
  ASSERT_EQ(f.rows.size(), 1u);
  EXPECT_TRUE(f.rows.front().item.materials.empty()) << "a blank cell means no materials";
}

TEST(CatalogFileTest, ARowTooLargeForOneRecordIsRefused) {
  std::string big;
  for (int i = 0; i < 20; ++i) big += std::string(4000, 'm') + std::to_string(i) + ";";
  big.pop_back();
  CatalogFile f = parseCatalogCsv(csv("A,a,county,20,10,true," + big + "\n"));
  EXPECT_EQ(where(f), (std::vector<std::string>{"line 2:row"}));
}

// --- catalog JSON -----------------------------------------------------------------------------

TEST(CatalogFileTest, JsonCatalogsUseTheApiNamesOrTheCsvNames) {
  CatalogFile f = parseCatalogJson(R"({"items": [
      {"code": "A", "name": "甲", "level": "county", "legal_days": 20, "promised_days": 10,
       "delegable": true, "materials": ["申请书"]},
      {"item_code": "B", "name": "乙", "statutory_level": "province", "legal_days": 45,
       "promised_days": 30, "delegable": false}]})");
  ASSERT_TRUE(f.ok()) << f.problems.front().rule;
  ASSERT_EQ(f.rows.size(), 2u);
  EXPECT_EQ(f.rows[1].item.statutoryDepth, 1);
  EXPECT_EQ(f.rows[1].index, 1u);
  EXPECT_TRUE(parseCatalogJson(R"([{"code": "A", "name": "a", "level": "city", "legal_days": 3,
                                    "promised_days": 2, "delegable": true}])")
                  .ok());
}

TEST(CatalogFileTest, EveryBadJsonItemIsReportedByIndex) {
  CatalogFile f = parseCatalogJson(R"([
      {"code": "A", "name": "a", "level": "county", "legal_days": 20, "promised_days": 10,
       "delegable": true},
      {"code": "B", "name": 5, "level": "town", "legal_days": 20.5, "promised_days": "10",
       "delegable": "yes", "materials": "x", "extra": 1},
      {"code": "A", "item_code": "A", "name": "a", "level": "county", "legal_days": 30,
       "promised_days": 21, "delegable": true},
      7])");
  EXPECT_EQ(where(f),
            (std::vector<std::string>{
                "items[1]:extra", "items[1]:name", "items[1]:level", "items[1]:legal_days",
                "items[1]:promised_days", "items[1]:delegable", "items[1]:materials",
                "items[2]:item_code", "items[2]:code", "items[2]:promised_days", "items[3]:row"}));
}

TEST(CatalogFileTest, OddJsonKeysAreNamedQuoted) {
  CatalogFile f = parseCatalogJson(R"([{"": 1, "a\nb": 2, "code": "A", "name": "a",
      "level": "county", "legal_days": 20, "promised_days": 10, "delegable": true}])");
  EXPECT_EQ(where(f), (std::vector<std::string>{"items[0]:''", "items[0]:'a\\x0Ab'"}));
}

TEST(CatalogFileTest, MalformedJsonIsOneProblemOfTheFile) {
  for (const char* text : {"", "{", "[1,", "{\"items\": 3}", "{\"items\": [], \"x\": 1}", "\"s\"",
                           "[]", "{\"items\": []}", "[\"\xFF\"]"}) {
    CatalogFile f = parseCatalogJson(text);
    ASSERT_EQ(f.problems.size(), 1u) << text;
    EXPECT_EQ(f.problems.front().field, "file") << text;
    EXPECT_TRUE(f.rows.empty());
  }
}

TEST(CatalogFileTest, FilesAreChosenByExtensionAndBounded) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path() / name, std::ios::binary) << text;
    return dir.path() / name;
  };
  EXPECT_EQ(readCatalogFile(write("c.txt", kHeader)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(readCatalogFile(dir.path() / "missing.csv").error().code, ErrorCode::kNotFound);
  auto upper = readCatalogFile(write("C.JSON", "[]"));
  ASSERT_TRUE(upper.ok());
  EXPECT_FALSE(upper->ok());
  std::filesystem::path big = dir.path() / "big.csv";
  std::filesystem::resize_file(write("big.csv", ""), kMaxCatalogFileBytes + 1);
  EXPECT_EQ(readCatalogFile(big).error().code, ErrorCode::kTooLarge);
}

// Random bytes and random mutations of a valid file never crash, and every problem is located.
TEST(CatalogFileTest, MutatedFilesNeverCrashAndEveryProblemHasALocation) {
  const char* seedEnv = std::getenv("GOVBUS_SEED");
  const uint64_t seed = seedEnv ? std::strtoull(seedEnv, nullptr, 10) : 20260101;
  std::printf("mutated catalog files: GOVBUS_SEED=%llu\n", static_cast<unsigned long long>(seed));
  SCOPED_TRACE("GOVBUS_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::string csvBase = csv(
      "XK-1,\"名称, 甲\",county,20,10,true,a;b\nXK-2,乙,city,30,20,false,\nXK-3,丙,province,45,30,"
      "yes,\"c\"\"d\"\n");
  const std::string jsonBase =
      R"({"items": [{"code": "XK-1", "name": "名称, 甲", "level": "county", "legal_days": 20,)"
      R"( "promised_days": 10, "delegable": true, "materials": ["a", "b"]}, {"code": "XK-2",)"
      R"( "name": "乙", "level": "city", "legal_days": 30, "promised_days": 20,)"
      R"( "delegable": false}]})";
  ASSERT_TRUE(parseCatalogCsv(csvBase).ok());
  ASSERT_TRUE(parseCatalogJson(jsonBase).ok());
  const std::string alphabet = ",\";\r\n\xEF\xBC\x9B\xFF 0a{}[]:";
  for (int i = 0; i < 3000; ++i) {
    // Every other case edits the JSON catalog: both parsers see every kind of damage.
    const bool json = i % 2 == 0;
    std::string text = json ? jsonBase : csvBase;
    int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1 + rng() % 4);
          break;
        default:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    CatalogFile f = json ? parseCatalogJson(text) : parseCatalogCsv(text);
    for (const CatalogProblem& p : f.problems) {
      ASSERT_FALSE(p.field.empty()) << text;
      ASSERT_FALSE(p.rule.empty()) << text;
      // Located: the whole file, or a CSV line, or a JSON item by its index.
      const std::string where = p.location();
      const bool located = p.field == "file" ? where == "file"
                           : json            ? where == "items[" + std::to_string(p.index) + "]"
                                  : p.line > 0 && where == "line " + std::to_string(p.line);
      ASSERT_TRUE(located) << (json ? "json" : "csv") << " problem at '" << where << "' ("
                           << p.field << ": " << p.rule << ")\n"
                           << text;
    }
    for (const CatalogRow& r : f.rows) {
      ASSERT_LE(r.item.promisedDays, 2 * r.item.legalDays / 3);
      ASSERT_GE(r.item.statutoryDepth, 1);
      ASSERT_LE(r.item.statutoryDepth, 3);
    }
  }
}

}  // namespace
}  // namespace govbus::admin
