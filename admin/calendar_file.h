// CalendarFile: the province's working-day calendar (节假日安排) read from a CSV file and checked
// row by row before anything is published, so that an operator sees every bad row at once and a
// file with any bad row publishes nothing.
//
// CSV (data/calendar/cn-public-holidays.csv): a header naming the columns, in any order —
//   date,kind            required
//   name_zh,name_en      optional, informational (the holiday's name; not published)
// then one row per date:
//   date   YYYY-MM-DD, a real date from 2000 to 2199; each date at most once in the file
//   kind   holiday  — a day off (statutory holiday), weekday or not
//          workday  — a Saturday or Sunday worked by adjustment (调休上班)
// Every other Monday–Friday is a working day and every other weekend day is not, so a year's
// calendar lists only its exceptions. The rows are grouped by year into one WorkingCalendar record
// per year, in year order. The file is at most 1 MiB.
//
// Thread safety: free functions over values.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

#include "admin/file_text.h"
#include "base/result.h"
#include "protocol/record.h"

namespace govbus::admin {

inline constexpr size_t kMaxCalendarFileBytes = 1024 * 1024;

struct CalendarFile {
  std::vector<WorkingCalendar> years;  // one per year in the file, in year order
  std::vector<FileProblem> problems;   // every problem, in file order
  bool ok() const { return problems.empty(); }
};

CalendarFile parseCalendarCsv(std::string_view text);
// Reads FILE.csv and parses it. An error is a file that cannot be read at all (missing, too large,
// not .csv); bad rows are problems.
Result<CalendarFile> readCalendarFile(const std::filesystem::path& file);

}  // namespace govbus::admin
