#include "protocol/division_code.h"

#include <array>

#include "protocol/limits.h"

namespace govbus {

namespace {
constexpr std::array<size_t, 5> kSegmentWidths = {2, 2, 2, 3, 3};
}

Result<DivisionCode> DivisionCode::parse(std::string_view text) {
  if (text.size() != 6 && text.size() != 9 && text.size() != 12) {
    return makeError(ErrorCode::kInvalidArgument,
                     "division code '" + std::string(text.substr(0, kMaxDivisionCodeChars + 4)) +
                         "' must have 6, 9 or 12 digits");
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return makeError(ErrorCode::kInvalidArgument,
                       "division code '" + std::string(text) + "' must contain digits only");
    }
  }
  int depth = 0;
  size_t prefixLen = 0;
  size_t offset = 0;
  for (size_t i = 0; i < kSegmentWidths.size() && offset < text.size(); ++i) {
    std::string_view segment = text.substr(offset, kSegmentWidths[i]);
    offset += kSegmentWidths[i];
    if (segment.find_first_not_of('0') != std::string_view::npos) {
      depth = static_cast<int>(i) + 1;
      prefixLen = offset;
    }
  }
  return DivisionCode(std::string(text), depth, prefixLen);
}

bool DivisionCode::containsOrEquals(const DivisionCode& other) const {
  return other.code_.starts_with(regionPrefix()) && other.depth_ >= depth_;
}

bool DivisionCode::strictlyContains(const DivisionCode& other) const {
  return containsOrEquals(other) && other.depth_ > depth_;
}

Result<int> depthFromLevelName(std::string_view name) {
  if (name == "province") return 1;
  if (name == "city") return 2;
  if (name == "county") return 3;
  return makeError(ErrorCode::kInvalidArgument,
                   "level '" + std::string(name) + "' must be one of province, city, county");
}

std::string_view levelNameFromDepth(int depth) {
  switch (depth) {
    case 0:
      return "national";
    case 1:
      return "province";
    case 2:
      return "city";
    case 3:
      return "county";
    default:
      return "township";
  }
}

}  // namespace govbus
