// Topology: which nodes a testnet runs and who is whose parent.
//
// Built from the GB/T 2260 tables in data/divisions (provinces.csv, cities.csv, areas.csv): a
// province is code + "0000", a city code + "00", a county its own code. A county whose city code is
// not a real city (Hubei's 4290: 省直管县) is a child of its province. // root (000000) above every
// province. The tables' pseudo-cities "省直辖县级行政区划" are groupings, not nodes: their counties
// are children of the province. `country` puts a national root (000000) above every province — the
// extra level is configuration, not code.
//
// Nodes are listed parents first. Value type.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace govbus::testnet {

struct TopologyNode {
  std::string code;
  std::string name;
  std::string parent;  // empty for the root
};

struct Topology {
  std::string name;
  std::vector<TopologyNode> nodes;  // root first; every parent before its children
  const std::string& root() const { return nodes.front().code; }
  size_t countAtDepth(int depth) const;
};

// 1 province (湖南省), 2 cities, 4 counties.
Topology smallTopology();
// One real province: "43" gives 湖南省 with its 14 cities and 122 county-level areas.
Result<Topology> provinceTopology(const std::filesystem::path& dataDir,
                                  std::string_view provinceCode);
// Every province, city and county under a national root.
Result<Topology> countryTopology(const std::filesystem::path& dataDir);

// A minimal CSV reader for the division tables: comma-separated, fields optionally in double
// quotes ("" inside quotes is a quote). Errors name the line.
Result<std::vector<std::vector<std::string>>> parseCsv(std::string_view text,
                                                       size_t expectedColumnsMin);

}  // namespace govbus::testnet
