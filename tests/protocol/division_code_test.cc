#include "protocol/division_code.h"

#include <gtest/gtest.h>

namespace govbus {
namespace {

DivisionCode code(std::string_view s) {
  auto c = DivisionCode::parse(s);
  EXPECT_TRUE(c.ok()) << s;
  return *c;
}

TEST(DivisionCodeTest, DepthFollowsTheSignificantSegments) {
  EXPECT_EQ(code("430000").depth(), 1);
  EXPECT_EQ(code("430100").depth(), 2);
  EXPECT_EQ(code("430102").depth(), 3);
  EXPECT_EQ(code("000000").depth(), 0) << "a national level above the provinces";
  EXPECT_EQ(code("430102001").depth(), 4) << "a township below the counties";
  EXPECT_EQ(code("430102001002").depth(), 5);
}

TEST(DivisionCodeTest, RegionContainsExactlyTheCodesBelowIt) {
  EXPECT_TRUE(code("430000").strictlyContains(code("430100")));
  EXPECT_TRUE(code("430000").strictlyContains(code("430102")));
  EXPECT_TRUE(code("430100").strictlyContains(code("430102")));
  EXPECT_FALSE(code("430200").strictlyContains(code("430102")));
  EXPECT_FALSE(code("430100").strictlyContains(code("430100")));
  EXPECT_FALSE(code("430102").strictlyContains(code("430100")));
  EXPECT_FALSE(code("430000").strictlyContains(code("420100")));
  EXPECT_TRUE(code("420000").strictlyContains(code("429004"))) << "省直管县 under Hubei";
  EXPECT_TRUE(code("000000").strictlyContains(code("430000")));
  EXPECT_TRUE(code("430102").strictlyContains(code("430102001")));
  // containsOrEquals (the API's "cases within a region") also holds for the region itself.
  EXPECT_TRUE(code("430100").containsOrEquals(code("430100")));
  EXPECT_TRUE(code("430100").containsOrEquals(code("430102")));
  EXPECT_FALSE(code("430102").containsOrEquals(code("430100")));
  EXPECT_FALSE(code("430100").containsOrEquals(code("430200")));
}

TEST(DivisionCodeTest, MalformedCodesAreRejectedWithTheRule) {
  for (std::string_view bad : {"", "43", "4301020", "430102 ", "43010200000000"}) {
    auto c = DivisionCode::parse(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(c.error().message,
              "division code '" + std::string(bad) + "' must have 6, 9 or 12 digits");
  }
  for (std::string_view bad : {"43010a", "-43010", "43 102", "４３0102"}) {
    auto c = DivisionCode::parse(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message.find("must"), std::string::npos) << c.error().message;
  }
  EXPECT_EQ(DivisionCode::parse("43010a").error().message,
            "division code '43010a' must contain digits only");
  // A long input is quoted up to 16 characters, no more.
  EXPECT_EQ(DivisionCode::parse(std::string(40, '4')).error().message,
            "division code '4444444444444444' must have 6, 9 or 12 digits");
}

TEST(DivisionCodeTest, LevelNamesMapToDepths) {
  EXPECT_EQ(*depthFromLevelName("province"), 1);
  EXPECT_EQ(*depthFromLevelName("city"), 2);
  EXPECT_EQ(*depthFromLevelName("county"), 3);
  EXPECT_EQ(levelNameFromDepth(1), "province");
  EXPECT_EQ(levelNameFromDepth(3), "county");
  EXPECT_EQ(levelNameFromDepth(4), "township");
  EXPECT_FALSE(depthFromLevelName("township-ish").ok());
  EXPECT_EQ(levelNameFromDepth(2), "city");
}

}  // namespace
}  // namespace govbus
