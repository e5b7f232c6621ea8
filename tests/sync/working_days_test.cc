// The counting rule for time limits (sync/working_days.h, DESIGN §6): working days by the
// province's calendar, the day of acceptance not counted, the deadline at 24:00 UTC+8 of the last
// counted day, pauses removing the days they cover, Monday–Friday (provisional) without a calendar.
#include "sync/working_days.h"

#include <gtest/gtest.h>

#include "admin/calendar_file.h"

namespace govbus {
namespace {

// 2026 as published (data/calendar/cn-public-holidays.csv).
HolidayCalendar calendar2026() {
  auto file = admin::readCalendarFile(std::filesystem::path(GOVBUS_TEST_DATA_DIR) / "calendar" /
                                      "cn-public-holidays.csv");
  EXPECT_TRUE(file.ok() && file->ok());
  HolidayCalendar cal;
  for (const WorkingCalendar& y : file->years) {
    if (y.year == 2026) cal.set(yearCalendarOf(y));
  }
  return cal;
}

// An instant in UTC+8.
int64_t at(int y, int m, int d, int hour = 10, int minute = 0) {
  return dayStartMs(*dayFromCivil({y, m, d})) + (hour * 60 + minute) * 60'000LL;
}

LimitClock clock(int64_t acceptedAtMs, LimitUnit unit = LimitUnit::kWorkingDays) {
  return LimitClock{acceptedAtMs, unit, {}};
}

TEST(CivilDateTest, DatesDaysAndWeekdaysRoundTripInUtcPlus8) {
  DayNumber d = *parseIsoDate("2026-09-23");
  EXPECT_EQ(isoDate(d), "2026-09-23");
  EXPECT_EQ(weekdayOf(d), 3) << "a Wednesday";
  EXPECT_EQ(weekdayOf(*parseIsoDate("2026-10-10")), 6) << "a Saturday";
  EXPECT_EQ(weekdayOf(0), 4) << "1970-01-01, a Thursday";
  // 23:30 UTC on the 22nd is already the 23rd in Beijing.
  EXPECT_EQ(dayOf(dayStartMs(d) - 1), d - 1);
  EXPECT_EQ(dayOf(dayStartMs(d)), d);
  EXPECT_EQ(dayStartMs(*parseIsoDate("2026-10-15")), 1791993600000);
  EXPECT_FALSE(parseIsoDate("2026-02-29")) << "2026 is not a leap year";
  EXPECT_TRUE(parseIsoDate("2028-02-29"));
  EXPECT_FALSE(parseIsoDate("2026-9-23"));
  EXPECT_FALSE(parseIsoDate("2026-09-23 "));
  EXPECT_FALSE(parseIsoDate("1999-12-31")) << "outside the calendar years";
  EXPECT_EQ(dayOf(INT64_MAX), dayOf(INT64_MAX - kDayMs * 1000)) << "saturates, no overflow";
}

TEST(WorkingDaysTest,
     TenWorkingDaysFromTheMidAutumnWeekSkipTheHolidaysAndCountTheAdjustedSaturday) {
  HolidayCalendar cal = calendar2026();
  DueDate due = dueDate(clock(at(2026, 9, 23)), 10, cal);
  EXPECT_EQ(due.dueAtMs, 1791993600000) << "end of Wed 2026-10-14";
  EXPECT_FALSE(due.provisional);
}

TEST(WorkingDaysTest, FiveWorkingDaysAcrossTheSpringFestivalCountTheAdjustedSaturday) {
  DueDate due = dueDate(clock(at(2026, 2, 12)), 5, calendar2026());
  EXPECT_EQ(due.dueAtMs, 1772121600000) << "end of Thu 2026-02-26";
  EXPECT_FALSE(due.provisional);
}

TEST(WorkingDaysTest, AYearWithoutACalendarCountsMondayToFridayAndIsProvisional) {
  DueDate due = dueDate(clock(at(2026, 12, 31)), 20, calendar2026());
  EXPECT_EQ(due.dueAtMs, 1801152000000) << "end of 2027-01-28";
  EXPECT_TRUE(due.provisional);
  // Within 2026 only, nothing is provisional.
  EXPECT_FALSE(dueDate(clock(at(2026, 12, 1)), 5, calendar2026()).provisional);
}

TEST(WorkingDaysTest, ACalendarDayItemCountsEveryDayFromTheDayAfterAcceptance) {
  DueDate due =
      dueDate(clock(at(2026, 9, 23, 23, 59), LimitUnit::kCalendarDays), 10, calendar2026());
  EXPECT_EQ(due.dueAtMs, dayStartMs(*parseIsoDate("2026-10-04"))) << "end of 2026-10-03";
  EXPECT_FALSE(due.provisional) << "calendar days need no calendar";
}

TEST(WorkingDaysTest, TheTimeOfDayOfAcceptanceDoesNotMatter) {
  HolidayCalendar cal = calendar2026();
  EXPECT_EQ(dueDate(clock(at(2026, 9, 23, 0, 0)), 10, cal).dueAtMs,
            dueDate(clock(at(2026, 9, 23, 23, 59)), 10, cal).dueAtMs);
}

TEST(WorkingDaysTest, APauseRemovesTheDaysItCoversAndTheDayItEnds) {
  HolidayCalendar cal = calendar2026();
  // Accepted Mon 2026-11-02; materials requested Wed 11-04 10:00, supplied Mon 11-09 15:00. Days
  // paused at their start: Thu 5, Fri 6, Sat 7, Sun 8, Mon 9 → three working days removed.
  LimitClock c = clock(at(2026, 11, 2));
  c.pauses.push_back({at(2026, 11, 4), at(2026, 11, 9, 15)});
  // Unpaused, 5 working days end Mon 11-09; with three removed, Thu 11-12.
  EXPECT_EQ(dueDate(clock(at(2026, 11, 2)), 5, cal).dueAtMs,
            dayStartMs(*parseIsoDate("2026-11-10")));
  EXPECT_EQ(dueDate(c, 5, cal).dueAtMs, dayStartMs(*parseIsoDate("2026-11-13")));
  // Requested and supplied the same day: nothing removed.
  LimitClock sameDay = clock(at(2026, 11, 2));
  sameDay.pauses.push_back({at(2026, 11, 4, 9), at(2026, 11, 4, 17)});
  EXPECT_EQ(dueDate(sameDay, 5, cal).dueAtMs, dayStartMs(*parseIsoDate("2026-11-10")));
}

TEST(WorkingDaysTest, WhilePausedTheDueDateIsUnknownUnlessTheLimitRanOutBefore) {
  HolidayCalendar cal = calendar2026();
  LimitClock c = clock(at(2026, 11, 2));
  c.pauses.push_back({at(2026, 11, 4), 0});
  EXPECT_EQ(dueDate(c, 5, cal).dueAtMs, 0);
  // 2 working days ran out at the end of Wed 11-04, before the pause began that night.
  LimitClock late = clock(at(2026, 11, 2));
  late.pauses.push_back({at(2026, 11, 4, 23), 0});
  EXPECT_EQ(dueDate(late, 2, cal).dueAtMs, dayStartMs(*parseIsoDate("2026-11-05")));
}

TEST(WorkingDaysTest, DaysUsedCountWholeCountedDaysAndTheShareOfTheCurrentOne) {
  HolidayCalendar cal = calendar2026();
  LimitClock c = clock(at(2026, 9, 23));
  EXPECT_DOUBLE_EQ(daysUsed(c, at(2026, 9, 23, 18), cal).days(), 0) << "the day of acceptance";
  EXPECT_DOUBLE_EQ(daysUsed(c, at(2026, 9, 24, 12), cal).days(), 0.5);
  EXPECT_DOUBLE_EQ(daysUsed(c, at(2026, 9, 27, 12), cal).days(), 1) << "holidays do not count";
  EXPECT_DOUBLE_EQ(daysUsed(c, at(2026, 10, 8, 0), cal).days(), 4);
  EXPECT_DOUBLE_EQ(daysUsed(c, at(2026, 10, 11, 0), cal).days(), 7) << "Saturday 10-10 worked";
  EXPECT_DOUBLE_EQ(daysUsed(c, 1791993600000, cal).days(), 10) << "used up at the due date";
  EXPECT_EQ(daysUsed(c, 1791993600000, cal).ms, 10 * kDayMs) << "exactly";
  EXPECT_GT(daysUsed(c, 1791993600000 + 1, cal).ms, 10 * kDayMs);
}

TEST(WorkingDaysTest, DaysUsedStopAtAPauseAndResumeAfterTheDayItEnds) {
  HolidayCalendar cal = calendar2026();
  LimitClock c = clock(at(2026, 11, 2));
  c.pauses.push_back({at(2026, 11, 4), at(2026, 11, 9, 15)});
  EXPECT_DOUBLE_EQ(daysUsed(c, at(2026, 11, 5, 0), cal).days(), 2) << "Tue and Wed";
  EXPECT_DOUBLE_EQ(daysUsed(c, at(2026, 11, 9, 23), cal).days(), 2) << "paused through Mon 9";
  EXPECT_DOUBLE_EQ(daysUsed(c, at(2026, 11, 10, 12), cal).days(), 2.5);
}

TEST(WorkingDaysTest, ALaterCalendarForTheSameYearReplacesTheEarlierOne) {
  HolidayCalendar cal = calendar2026();
  YearCalendar noHolidays{2026, {}, {}};
  cal.set(noHolidays);
  EXPECT_EQ(dueDate(clock(at(2026, 9, 23)), 10, cal).dueAtMs,
            dayStartMs(*parseIsoDate("2026-10-08")))
      << "Mon–Fri without the 国庆 holidays";
}

}  // namespace
}  // namespace govbus
