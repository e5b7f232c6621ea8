// DivisionCode: a node's name, a GB/T 2260 division code, and the region it stands for.
//
// A code is made of segments of widths 2,2,2 (province, city, county) and, for townships, 3,3.
// Its depth is the number of segments up to the last non-zero one ("430000" → 1, "430100" → 2,
// "430102" → 3, "000000" → 0 for a national level). Its region is every code that starts with its
// significant digits. Nothing here assumes three levels: depth is a number.
//
// Value type; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace govbus {

class DivisionCode {
 public:
  // Accepts 6, 9 or 12 ASCII digits. The error says which rule the text broke.
  static Result<DivisionCode> parse(std::string_view text);

  const std::string& str() const { return code_; }
  int depth() const { return depth_; }
  // The significant digits: "43" for 430000, "4301" for 430100, "" for 000000.
  std::string_view regionPrefix() const { return std::string_view(code_).substr(0, prefixLen_); }
  // True when `other` lies inside this region and is not this node itself.
  bool strictlyContains(const DivisionCode& other) const;
  bool containsOrEquals(const DivisionCode& other) const;

  friend bool operator==(const DivisionCode& a, const DivisionCode& b) {
    return a.code_ == b.code_;
  }
  friend auto operator<=>(const DivisionCode& a, const DivisionCode& b) {
    return a.code_ <=> b.code_;
  }

 private:
  DivisionCode(std::string code, int depth, size_t prefixLen)
      : code_(std::move(code)), depth_(depth), prefixLen_(prefixLen) {}
  std::string code_;
  int depth_;
  size_t prefixLen_;
};

// Level names used in catalogs and the CLI, mapped to tree depths.
Result<int> depthFromLevelName(std::string_view name);  // "province" → 1, "city" → 2, "county" → 3
std::string_view levelNameFromDepth(int depth);

}  // namespace govbus
