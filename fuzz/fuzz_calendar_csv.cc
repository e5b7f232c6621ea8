// libFuzzer target: a working-day calendar file as govbus-admin reads it (admin/calendar_file.h).
//
// Oracles beyond "no crash": a file either yields calendars or says why not; every problem names
// its field and rule; every calendar it yields would pass the record decoder's rules (a year in
// range, its dates real, in that year, ascending, no date both a holiday and a working day, and a
// working day always a weekend day).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "admin/calendar_file.h"
#include "base/civil_date.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace govbus;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  admin::CalendarFile f = admin::parseCalendarCsv(text);
  if (f.years.empty() && f.problems.empty()) std::abort();
  if (!f.problems.empty() && !f.years.empty()) std::abort();  // nothing publishable from a bad file
  for (const admin::FileProblem& p : f.problems) {
    if (p.field.empty() || p.rule.empty()) std::abort();
  }
  int lastYear = 0;
  for (const WorkingCalendar& y : f.years) {
    if (y.year <= lastYear || y.year < kFirstCalendarYear || y.year > kLastCalendarYear)
      std::abort();
    lastYear = y.year;
    for (const auto* list : {&y.holidays, &y.workdays}) {
      DayNumber previous = 0;
      for (const std::string& d : *list) {
        auto day = parseIsoDate(d);
        if (!day || civilDateOf(*day).year != y.year || (previous != 0 && *day <= previous))
          std::abort();
        if (list == &y.workdays && weekdayOf(*day) <= 5) std::abort();
        previous = *day;
      }
    }
  }
  return 0;
}
