// Civil dates in China Standard Time (UTC+8, no daylight saving), the calendar every deadline,
// holiday and report date in GovBus is counted in.
//
// A date is a DayNumber: days since 1970-01-01 (proleptic Gregorian). Dates that records and files
// carry are limited to the years kFirstCalendarYear..kLastCalendarYear, far beyond any real case
// and near enough that day numbers and millisecond times never overflow.
//
// Thread safety: pure functions.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace govbus {

inline constexpr int64_t kDayMs = 24LL * 3600 * 1000;
inline constexpr int64_t kChinaUtcOffsetMs = 8LL * 3600 * 1000;
inline constexpr int kFirstCalendarYear = 2000;
inline constexpr int kLastCalendarYear = 2199;

using DayNumber = int32_t;

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

DayNumber dayOf(int64_t unixMs);       // the UTC+8 date containing the instant
int64_t dayStartMs(DayNumber day);     // 00:00 UTC+8 of that date, in Unix milliseconds
int weekdayOf(DayNumber day);          // 1 = Monday … 7 = Sunday
CivilDate civilDateOf(DayNumber day);  // proleptic Gregorian
// Empty when the date does not exist (2026-02-30) or lies outside the calendar years.
std::optional<DayNumber> dayFromCivil(const CivilDate& date);
// Exactly "YYYY-MM-DD"; empty when malformed, not a date, or outside the calendar years.
std::optional<DayNumber> parseIsoDate(std::string_view text);
std::string isoDate(DayNumber day);

}  // namespace govbus
