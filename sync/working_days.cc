#include "sync/working_days.h"

#include <algorithm>

namespace govbus {

namespace {

const DayNumber kLastDay = *dayFromCivil({kLastCalendarYear, 12, 31});

bool isWeekday(DayNumber d) { return weekdayOf(d) <= 5; }

// Monday–Friday days in [from, to] (inclusive), by arithmetic.
int64_t weekdaysBetween(DayNumber from, DayNumber to) {
  if (to < from) return 0;
  const int64_t n = int64_t{to} - from + 1;
  int64_t count = n / 7 * 5;
  int wd = weekdayOf(from);
  for (int64_t i = 0; i < n % 7; ++i, wd = wd % 7 + 1) count += wd <= 5;
  return count;
}

// Days whose start (00:00 UTC+8) falls inside a pause, as an inclusive range; `last` is kLastDay
// for a pause that lasts.
struct DayRange {
  DayNumber first;
  DayNumber last;
};
DayRange pausedDays(const ClockPause& p) {
  DayNumber first = dayOf(p.fromMs);
  if (dayStartMs(first) != p.fromMs) ++first;
  DayNumber last = p.untilMs == 0 ? kLastDay : dayOf(p.untilMs - 1);
  return DayRange{first, last};
}

// The counted days of (start, ...) not removed by a pause, as inclusive day ranges in order.
std::vector<DayRange> openRanges(const LimitClock& clock) {
  std::vector<DayRange> out;
  DayNumber next = dayOf(clock.acceptedAtMs) + 1;  // the day of acceptance is not counted
  for (const ClockPause& p : clock.pauses) {
    DayRange removed = pausedDays(p);
    if (removed.last < removed.first) continue;  // paused and resumed within one day
    if (removed.first > next) out.push_back({next, removed.first - 1});
    next = std::max<DayNumber>(next, removed.last + 1);
    if (next > kLastDay) return out;
  }
  out.push_back({next, kLastDay});
  return out;
}

// Counted days in [from, to] in the clock's unit.
int64_t countedDays(LimitUnit unit, DayNumber from, DayNumber to, const HolidayCalendar& cal,
                    bool* provisional) {
  if (to < from) return 0;
  if (unit == LimitUnit::kCalendarDays) return int64_t{to} - from + 1;
  int64_t count = 0;
  for (int y = civilDateOf(from).year, last = civilDateOf(to).year; y <= last; ++y) {
    DayNumber a = std::max(from, *dayFromCivil({y, 1, 1}));
    DayNumber b = std::min(to, *dayFromCivil({y, 12, 31}));
    count += weekdaysBetween(a, b);
    const YearCalendar* yc = cal.year(y);
    if (!yc) {
      *provisional = true;
      continue;
    }
    for (auto it = yc->holidays.lower_bound(a); it != yc->holidays.end() && *it <= b; ++it)
      count -= isWeekday(*it);
    for (auto it = yc->workdays.lower_bound(a); it != yc->workdays.end() && *it <= b; ++it)
      count += !isWeekday(*it);
  }
  return count;
}

bool isCounted(LimitUnit unit, DayNumber d, const HolidayCalendar& cal, bool* provisional) {
  return unit == LimitUnit::kCalendarDays || cal.isWorkingDay(d, provisional);
}

}  // namespace

std::string_view limitUnitName(LimitUnit unit) {
  return unit == LimitUnit::kCalendarDays ? "calendar_days" : "working_days";
}

std::optional<LimitUnit> parseLimitUnit(std::string_view name) {
  if (name == "working_days") return LimitUnit::kWorkingDays;
  if (name == "calendar_days") return LimitUnit::kCalendarDays;
  return std::nullopt;
}

// --- HolidayCalendar ---

YearCalendar yearCalendarOf(const WorkingCalendar& record) {
  YearCalendar out;
  out.year = record.year;
  for (const std::string& d : record.holidays) {
    if (auto day = parseIsoDate(d)) out.holidays.insert(*day);
  }
  for (const std::string& d : record.workdays) {
    if (auto day = parseIsoDate(d)) out.workdays.insert(*day);
  }
  return out;
}

void HolidayCalendar::set(YearCalendar year) {
  int y = year.year;
  years_[y] = std::move(year);
}

const YearCalendar* HolidayCalendar::year(int y) const {
  auto it = years_.find(y);
  return it == years_.end() ? nullptr : &it->second;
}

std::vector<int> HolidayCalendar::years() const {
  std::vector<int> out;
  for (const auto& [y, c] : years_) out.push_back(y);
  return out;
}

bool HolidayCalendar::isWorkingDay(DayNumber day, bool* provisional) const {
  const YearCalendar* yc = year(civilDateOf(day).year);
  if (!yc) {
    *provisional = true;
    return isWeekday(day);
  }
  if (yc->holidays.contains(day)) return false;
  if (yc->workdays.contains(day)) return true;
  return isWeekday(day);
}

// --- the counting rule ---

DueDate dueDate(const LimitClock& clock, int days, const HolidayCalendar& cal) {
  DueDate out;
  if (days <= 0) {
    out.dueAtMs = dayStartMs(dayOf(clock.acceptedAtMs) + 1);
    return out;
  }
  int64_t counted = 0;
  for (const DayRange& r : openRanges(clock)) {
    const bool lasts = r.last == kLastDay;
    if (!lasts) {
      // A closed range counts whole, by arithmetic, unless the limit runs out inside it.
      bool provisional = false;
      int64_t n = countedDays(clock.unit, r.first, r.last, cal, &provisional);
      if (counted + n < days) {
        counted += n;
        out.provisional |= provisional;
        continue;
      }
    }
    // The limit runs out in this range (or the range runs on): walk it day by day.
    for (DayNumber d = r.first; d <= r.last; ++d) {
      if (!isCounted(clock.unit, d, cal, &out.provisional)) continue;
      if (++counted == days) {
        out.dueAtMs = dayStartMs(d + 1);
        return out;
      }
    }
  }
  // Paused before the limit ran out: the due date is not known until the clock runs again.
  out.dueAtMs = 0;
  return out;
}

DaysUsed daysUsed(const LimitClock& clock, int64_t atMs, const HolidayCalendar& cal) {
  DaysUsed out;
  const DayNumber today = dayOf(atMs);
  for (const DayRange& r : openRanges(clock)) {
    if (r.first > today) break;
    DayNumber lastWhole = std::min<DayNumber>(r.last, today - 1);
    out.ms += countedDays(clock.unit, r.first, lastWhole, cal, &out.provisional) * kDayMs;
    if (r.last >= today && isCounted(clock.unit, today, cal, &out.provisional))
      out.ms += atMs - dayStartMs(today);
  }
  return out;
}

}  // namespace govbus
