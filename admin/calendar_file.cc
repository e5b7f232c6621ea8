#include "admin/calendar_file.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "admin/csv_reader.h"
#include "base/civil_date.h"
#include "protocol/limits.h"

namespace govbus::admin {

namespace {

constexpr size_t kMaxCalendarRows = 20'000;
constexpr std::array<std::string_view, 4> kColumns = {"date", "kind", "name_zh", "name_en"};
enum Column : size_t { kDate, kKind, kNameZh, kNameEn };
constexpr std::string_view kColumnList = "date,kind (and optionally name_zh,name_en)";

struct Day {
  DayNumber day = 0;
  bool holiday = false;
};

}  // namespace

CalendarFile parseCalendarCsv(std::string_view text) {
  CalendarFile file;
  auto fail = [&](size_t line, std::string field, std::string rule) {
    file.problems.push_back({line, 0, std::move(field), std::move(rule)});
  };
  auto records = readCsv(text, CsvLimits{kMaxCalendarRows + 1, 16});
  if (!records) {
    fail(0, "file", records.error().message);
    return file;
  }
  if (records->empty()) {
    fail(0, "file", "empty: the first line must name the columns " + std::string(kColumnList));
    return file;
  }

  const CsvRecord& header = records->front();
  std::array<size_t, kColumns.size()> at;
  at.fill(SIZE_MAX);
  if (!header.error.empty()) fail(header.line, "header", header.error);
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = lower(trim(header.fields[i]));
    auto known = std::find(kColumns.begin(), kColumns.end(), name);
    if (known == kColumns.end()) {
      fail(header.line, "header",
           "unknown column " + shown(header.fields[i]) + " (the columns are " +
               std::string(kColumnList) + ")");
      continue;
    }
    size_t c = static_cast<size_t>(known - kColumns.begin());
    if (at[c] != SIZE_MAX) {
      fail(header.line, "header", "column '" + name + "' appears twice");
    } else {
      at[c] = i;
    }
  }
  for (Column c : {kDate, kKind}) {
    if (at[c] == SIZE_MAX)
      fail(header.line, "header", "missing column '" + std::string(kColumns[c]) + "'");
  }
  if (!file.problems.empty()) return file;  // without the columns no row can be read

  std::map<DayNumber, size_t> seen;  // date → line of its first row
  std::map<int, std::vector<Day>> byYear;
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& rec = (*records)[r];
    if (!rec.error.empty()) {
      fail(rec.line, "row", rec.error);
      continue;
    }
    if (rec.fields.size() != header.fields.size()) {
      fail(rec.line, "row",
           "has " + std::to_string(rec.fields.size()) + " fields; the header has " +
               std::to_string(header.fields.size()) +
               " (a comma inside a field must be in double quotes)");
      continue;
    }
    const size_t before = file.problems.size();
    const std::string dateText = trim(rec.fields[at[kDate]]);
    const std::string kindText = lower(trim(rec.fields[at[kKind]]));
    std::optional<DayNumber> day = parseIsoDate(dateText);
    if (!day) {
      fail(rec.line, "date",
           dateText.empty() ? "required: a date of the form YYYY-MM-DD"
                            : shown(dateText) + " is not a date of the form YYYY-MM-DD from " +
                                  std::to_string(kFirstCalendarYear) + " to " +
                                  std::to_string(kLastCalendarYear));
    } else if (auto [it, inserted] = seen.emplace(*day, rec.line); !inserted) {
      fail(rec.line, "date",
           dateText + " is also on line " + std::to_string(it->second) +
               " (each date at most once)");
    }
    bool holiday = kindText == "holiday";
    if (!holiday && kindText != "workday") {
      fail(rec.line, "kind",
           kindText.empty() ? "required: holiday or workday"
                            : shown(kindText) + " is not holiday or workday");
    } else if (!holiday && day && weekdayOf(*day) <= 5) {
      fail(rec.line, "kind",
           dateText +
               " is a weekday: only a Saturday or Sunday can be an adjusted working day "
               "(调休上班)");
    }
    for (Column c : {kNameZh, kNameEn}) {
      if (at[c] == SIZE_MAX) continue;
      const std::string name = trim(rec.fields[at[c]]);
      if (!isValidUtf8(name) || hasControl(name) || name.size() > kMaxTextBytes)
        fail(rec.line, std::string(kColumns[c]), shown(name) + " is not one line of UTF-8 text");
    }
    if (file.problems.size() == before) byYear[civilDateOf(*day).year].push_back({*day, holiday});
  }
  if (!file.problems.empty()) return file;
  if (byYear.empty()) {
    fail(0, "file", "has a header but no dates");
    return file;
  }
  for (auto& [year, days] : byYear) {
    std::sort(days.begin(), days.end(), [](const Day& a, const Day& b) { return a.day < b.day; });
    WorkingCalendar w;
    w.year = static_cast<uint16_t>(year);
    for (const Day& d : days) (d.holiday ? w.holidays : w.workdays).push_back(isoDate(d.day));
    if (w.holidays.size() > kMaxCalendarDays || w.workdays.size() > kMaxCalendarDays) {
      fail(0, "file", std::to_string(year) + " lists more days than a year has");
      continue;
    }
    file.years.push_back(std::move(w));
  }
  return file;
}

Result<CalendarFile> readCalendarFile(const std::filesystem::path& file) {
  if (lower(file.extension().string()) != ".csv") {
    return makeError(ErrorCode::kInvalidArgument,
                     file.string() + ": a calendar file must be a .csv file");
  }
  GOVBUS_ASSIGN_OR_RETURN(std::string text,
                          readSmallFile(file, kMaxCalendarFileBytes, "a calendar file"));
  return parseCalendarCsv(text);
}

}  // namespace govbus::admin
