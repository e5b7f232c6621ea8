// TextTable: the plain-text tables govbus-bench prints, a name column then right-aligned cells.
//
// Thread safety: stateless apart from its widths; prints to stdout.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace govbus::bench {

struct TextTable {
  int nameWidth = 36;
  int cellWidth = 11;

  void row(const std::string& name, const std::vector<std::string>& cells) const {
    std::printf("%-*s", nameWidth, name.c_str());
    for (const auto& c : cells) std::printf(" %*s", cellWidth, c.c_str());
    std::printf("\n");
  }
  void rule(size_t cells) const {
    std::printf("%s\n",
                std::string(static_cast<size_t>(nameWidth) + (cellWidth + 1) * cells, '-').c_str());
  }
};

// `v` printed with `fmt` (one double conversion), or "-" when it is not a number.
inline std::string cellText(const char* fmt, double v) {
  if (std::isnan(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

}  // namespace govbus::bench
