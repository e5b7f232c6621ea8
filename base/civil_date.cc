#include "base/civil_date.h"

#include <algorithm>
#include <cstdio>

namespace govbus {

namespace {

// Floor division: day numbers before 1970 and instants before the epoch round down.
int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days from 1970-01-01 to a proleptic Gregorian date (the well-known era-based algorithm).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = floorDiv(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

DayNumber dayOf(int64_t unixMs) {
  // Times come from outside (a record's claimed wall clock): saturate instead of overflowing.
  // Day numbers stay within ±2^31 days, and every real date is far inside that.
  constexpr int64_t kLimitMs = int64_t{1} << 52;  // about 142,000 years either way
  unixMs = std::clamp(unixMs, -kLimitMs, kLimitMs);
  return static_cast<DayNumber>(floorDiv(unixMs + kChinaUtcOffsetMs, kDayMs));
}

int64_t dayStartMs(DayNumber day) { return int64_t{day} * kDayMs - kChinaUtcOffsetMs; }

int weekdayOf(DayNumber day) {
  // 1970-01-01 was a Thursday (4).
  const int64_t shifted = int64_t{day} + 3;
  return static_cast<int>(shifted - floorDiv(shifted, 7) * 7) + 1;
}

CivilDate civilDateOf(DayNumber day) {
  int64_t z = int64_t{day} + 719468;
  const int64_t era = floorDiv(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return CivilDate{static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

std::optional<DayNumber> dayFromCivil(const CivilDate& date) {
  if (date.year < kFirstCalendarYear || date.year > kLastCalendarYear || date.month < 1 ||
      date.month > 12 || date.day < 1 || date.day > 31)
    return std::nullopt;
  auto n = static_cast<DayNumber>(
      daysFromCivil(date.year, static_cast<unsigned>(date.month), static_cast<unsigned>(date.day)));
  if (civilDateOf(n) != date) return std::nullopt;  // 2026-02-30 and the like
  return n;
}

std::optional<DayNumber> parseIsoDate(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, widths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (size_t i = 0; i < widths[f]; ++i) {
      char c = t[starts[f] + i];
      if (c < '0' || c > '9') return std::nullopt;
      v[f] = v[f] * 10 + (c - '0');
    }
  }
  return dayFromCivil({v[0], v[1], v[2]});
}

std::string isoDate(DayNumber day) {
  CivilDate c = civilDateOf(day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

}  // namespace govbus
