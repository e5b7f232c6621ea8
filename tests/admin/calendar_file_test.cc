// The working-day calendar file (admin/calendar_file.h): outside data, so mostly malformed input.
// Every bad row is reported with its line and field, and a file with any bad row yields nothing
// that could be published.
#include "admin/calendar_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/test_network.h"

namespace govbus::admin {
namespace {

std::vector<std::string> where(const CalendarFile& f) {
  std::vector<std::string> out;
  for (const FileProblem& p : f.problems) out.push_back(p.location() + ":" + p.field);
  return out;
}

std::filesystem::path shippedCalendar() {
  return std::filesystem::path(GOVBUS_TEST_DATA_DIR) / "calendar" / "cn-public-holidays.csv";
}

TEST(CalendarFileTest, TheShippedFileGivesOneCalendarPerYearWithItsHolidaysAndWorkdays) {
  auto f = readCalendarFile(shippedCalendar());
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_TRUE(f->ok()) << f->problems.front().location() << ": " << f->problems.front().rule;
  ASSERT_EQ(f->years.size(), 3u);
  EXPECT_EQ(f->years[0].year, 2024);
  EXPECT_EQ(f->years[2].year, 2026);
  const WorkingCalendar& y2026 = f->years[2];
  EXPECT_EQ(y2026.holidays.front(), "2026-01-01");
  EXPECT_EQ(y2026.workdays, (std::vector<std::string>{"2026-01-04", "2026-02-14", "2026-02-28",
                                                      "2026-05-09", "2026-09-20", "2026-10-10"}));
  EXPECT_EQ(y2026.holidays.size(), 33u);
}

TEST(CalendarFileTest, RowsInAnyOrderAreSortedWithinTheirYear) {
  auto f = parseCalendarCsv(
      "kind,date\nholiday,2026-10-02\nholiday,2026-10-01\nworkday,2026-09-20\nholiday,2025-01-"
      "01\n");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f.years.size(), 2u);
  EXPECT_EQ(f.years[1].holidays, (std::vector<std::string>{"2026-10-01", "2026-10-02"}));
  EXPECT_EQ(f.years[1].workdays, (std::vector<std::string>{"2026-09-20"}));
}

TEST(CalendarFileTest, EveryBadRowIsReportedWithItsLineAndFieldAndNothingIsReturned) {
  auto f = parseCalendarCsv(
      "date,kind,name_zh\n"
      "2026-02-30,holiday,春节\n"  // no such date
      "2026-10-01,holiday,国庆\n"
      "2026-10-01,holiday,国庆\n"  // repeated
      "2026-10-09,workday,国庆\n"  // a Friday cannot be an adjusted working day
      "2026-10-11,day off,国庆\n"  // unknown kind
      "26-10-12,holiday,国庆\n"    // not YYYY-MM-DD
      "2260-01-01,holiday,x\n"     // outside the calendar years
      "2026-10-13,holiday\n");     // too few fields
  EXPECT_TRUE(f.years.empty());
  EXPECT_EQ(where(f),
            (std::vector<std::string>{"line 2:date", "line 4:date", "line 5:kind", "line 6:kind",
                                      "line 7:date", "line 8:date", "line 9:row"}));
  EXPECT_NE(f.problems[1].rule.find("also on line 3"), std::string::npos) << f.problems[1].rule;
  EXPECT_NE(f.problems[2].rule.find("weekday"), std::string::npos) << f.problems[2].rule;
}

TEST(CalendarFileTest, AHeaderWithoutDateOrKindOrWithAnUnknownColumnIsRefusedAsAWhole) {
  EXPECT_EQ(where(parseCalendarCsv("date,name_zh\n2026-01-01,元旦\n")),
            (std::vector<std::string>{"line 1:header"}));
  auto unknown = parseCalendarCsv("date,kind,region\n2026-01-01,holiday,43\n");
  ASSERT_EQ(unknown.problems.size(), 1u);
  EXPECT_NE(unknown.problems[0].rule.find("unknown column 'region'"), std::string::npos);
  EXPECT_EQ(where(parseCalendarCsv("date,kind,date\n")),
            (std::vector<std::string>{"line 1:header"}));
}

TEST(CalendarFileTest, EmptyFilesAndHeaderOnlyFilesSayWhatIsMissing) {
  EXPECT_EQ(where(parseCalendarCsv("")), (std::vector<std::string>{"file:file"}));
  EXPECT_EQ(where(parseCalendarCsv("date,kind\n")), (std::vector<std::string>{"file:file"}));
}

TEST(CalendarFileTest, ANonUtf8NameIsReportedNotCopied) {
  auto f = parseCalendarCsv("date,kind,name_en\n2026-01-01,holiday,\xff\xfe\n");
  EXPECT_EQ(where(f), (std::vector<std::string>{"line 2:name_en"}));
}

TEST(CalendarFileTest, AMissingOrWrongKindOfFileIsAnErrorNotAProblemList) {
  testing::TempDir dir;
  auto missing = readCalendarFile(dir.path() / "none.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto json = readCalendarFile(dir.path() / "calendar.json");
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.error().message.find("must be a .csv file"), std::string::npos);
}

}  // namespace
}  // namespace govbus::admin
