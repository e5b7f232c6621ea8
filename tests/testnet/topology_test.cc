#include "testnet/topology.h"

#include <gtest/gtest.h>

#include <set>

namespace govbus::testnet {
namespace {

TEST(TopologyTest, HunanHasItsCitiesAndCounties) {
  auto t = provinceTopology(GOVBUS_TEST_DATA_DIR, "43");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->root(), "430000");
  EXPECT_EQ(t->countAtDepth(2), 14u);
  EXPECT_EQ(t->countAtDepth(3), t->nodes.size() - 15);
  EXPECT_GT(t->countAtDepth(3), 100u);
  for (const auto& n : t->nodes) {
    if (n.code != "430000") {
      EXPECT_FALSE(n.parent.empty()) << n.code;
    }
  }
}

TEST(TopologyTest, ProvinceAdministeredCountiesAreChildrenOfTheProvince) {
  auto t = provinceTopology(GOVBUS_TEST_DATA_DIR, "42");
  ASSERT_TRUE(t.ok());
  auto xiantao = std::find_if(t->nodes.begin(), t->nodes.end(),
                              [](const TopologyNode& n) { return n.code == "429004"; });
  ASSERT_NE(xiantao, t->nodes.end()) << "仙桃市 429004";
  EXPECT_EQ(xiantao->parent, "420000");
}

TEST(TopologyTest, CountryHasANationalRootAndEveryProvince) {
  auto t = countryTopology(GOVBUS_TEST_DATA_DIR);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->root(), "000000");
  EXPECT_EQ(t->countAtDepth(1), 31u);
  EXPECT_GT(t->nodes.size(), 3000u);
  // Parents always come first.
  std::set<std::string> seen;
  for (const auto& n : t->nodes) {
    if (!n.parent.empty()) {
      EXPECT_TRUE(seen.contains(n.parent)) << n.code;
    }
    seen.insert(n.code);
  }
}

TEST(TopologyTest, UnknownProvinceAndMissingDataAreClearErrors) {
  EXPECT_EQ(provinceTopology(GOVBUS_TEST_DATA_DIR, "99").error().code, ErrorCode::kNotFound);
  auto missing = provinceTopology("/nonexistent", "43");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("--data"), std::string::npos);
}

TEST(CsvTest, QuotedFieldsAndEscapedQuotes) {
  auto rows = parseCsv("a,b\n1,\"x, \"\"y\"\"\"\n\n2,z\r\n", 2);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0][1], "x, \"y\"");
  EXPECT_EQ((*rows)[1][1], "z");
}

TEST(CsvTest, MalformedLinesAreRejectedWithTheLineNumber) {
  auto unterminated = parseCsv("a,b\n1,\"open\n", 2);
  ASSERT_FALSE(unterminated.ok());
  EXPECT_NE(unterminated.error().message.find("line 2"), std::string::npos);
  auto trailing = parseCsv("a,b\n1,\"x\"y\n", 2);
  ASSERT_FALSE(trailing.ok());
  auto shortRow = parseCsv("a,b,c\n1,2\n", 3);
  ASSERT_FALSE(shortRow.ok());
  EXPECT_NE(shortRow.error().message.find("expected at least 3"), std::string::npos);
}

}  // namespace
}  // namespace govbus::testnet
