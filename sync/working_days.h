// Working days (工作日) and the counting rule for time limits (DESIGN §6; 行政许可法 arts. 42, 82).
//
// Dates are civil days in UTC+8 (base/civil_date.h). A limit of N days counts forward from the day
// of acceptance, which is not counted (期间开始的当日不计入); the deadline is the end (24:00 UTC+8)
// of the Nth counted day. Counted days are working days for items counted in working days (the
// default) or every day for items counted in calendar days. A day on which the clock is paused at
// its start (00:00 UTC+8) — materials requested and not yet supplied, or the case suspended — is
// not counted: a pause removes the days it covers, and the day a pause ends is not counted, as with
// acceptance.
//
// Which days are working days comes from the province's published calendar for each year
// (HolidayCalendar, built from signed calendar records). For a year without a calendar, Monday to
// Friday are working days and every result that relied on such a year is flagged provisional.
//
// Thread safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "base/civil_date.h"
#include "protocol/record.h"

namespace govbus {

// LimitUnit (protocol/record.h): how an item's limits are counted.
std::string_view limitUnitName(LimitUnit unit);  // "working_days", "calendar_days"
std::optional<LimitUnit> parseLimitUnit(std::string_view name);

// One year's published calendar: the days off (holidays, weekday or not) and the weekend days that
// are working days by adjustment (调休上班). Every other Monday–Friday works; every other weekend
// day does not.
struct YearCalendar {
  int year = 0;
  std::set<DayNumber> holidays;
  std::set<DayNumber> workdays;
  friend bool operator==(const YearCalendar&, const YearCalendar&) = default;
};

// The days of a published calendar record (its dates were checked when it was decoded).
YearCalendar yearCalendarOf(const WorkingCalendar& record);

class HolidayCalendar {
 public:
  // Puts the calendar in force for its year, replacing an earlier one for that year.
  void set(YearCalendar year);
  void erase(int year) { years_.erase(year); }
  bool hasYear(int year) const { return years_.contains(year); }
  const YearCalendar* year(int year) const;
  std::vector<int> years() const;

  // Whether the day is a working day. Sets *provisional when the day's year has no calendar and
  // Monday–Friday was assumed.
  bool isWorkingDay(DayNumber day, bool* provisional) const;

 private:
  std::map<int, YearCalendar> years_;
};

// A span of real time during which the deadline clock is paused; untilMs = 0 while it lasts.
struct ClockPause {
  int64_t fromMs = 0;
  int64_t untilMs = 0;
  friend bool operator==(const ClockPause&, const ClockPause&) = default;
};

// How a case's limit runs: when its clock started, in which unit it counts, and its pauses in
// time order.
struct LimitClock {
  int64_t acceptedAtMs = 0;
  LimitUnit unit = LimitUnit::kWorkingDays;
  std::vector<ClockPause> pauses;
};

struct DueDate {
  int64_t dueAtMs = 0;       // 24:00 UTC+8 of the last counted day; 0 while the clock is paused
  bool provisional = false;  // a year without a calendar was assumed on the way
};

// The instant a limit of `days` runs out.
DueDate dueDate(const LimitClock& clock, int days, const HolidayCalendar& calendar);

struct DaysUsed {
  // Whole counted days passed, times kDayMs, plus the time elapsed in the current counted day: an
  // exact integer, so that "used up" at the due instant compares equal to the limit.
  int64_t ms = 0;
  bool provisional = false;
  double days() const { return static_cast<double>(ms) / static_cast<double>(kDayMs); }
};

// How many counted days of the limit are used at `atMs`.
DaysUsed daysUsed(const LimitClock& clock, int64_t atMs, const HolidayCalendar& calendar);

}  // namespace govbus
