#include <algorithm>
#include <cstdio>
#include <sstream>

#include "testnet/simulation.h"

namespace govbus::testnet {

std::string formatReport(const SimReport& r) {
  std::ostringstream o;
  char line[256];
  o << "govbus-testnet: topology " << r.topology << ", " << r.nodes << " nodes, seed " << r.seed
    << "\n";
  std::snprintf(
      line, sizeof line,
      "simulated %.1f s; %llu events, %llu messages, %llu records authored, %llu records moved\n",
      static_cast<double>(r.simulatedMs) / 1000, static_cast<unsigned long long>(r.events),
      static_cast<unsigned long long>(r.messages),
      static_cast<unsigned long long>(r.recordsAuthored),
      static_cast<unsigned long long>(r.recordsMoved));
  o << line;
  std::snprintf(
      line, sizeof line,
      "faults: %llu crashes, %llu partitions, %llu drops, %llu duplicates, %llu forgeries, %llu "
      "forks\n",
      static_cast<unsigned long long>(r.crashes), static_cast<unsigned long long>(r.partitions),
      static_cast<unsigned long long>(r.drops), static_cast<unsigned long long>(r.duplicates),
      static_cast<unsigned long long>(r.forgeriesInjected),
      static_cast<unsigned long long>(r.forks));
  o << line;
  std::snprintf(line, sizeof line,
                "county → root propagation (virtual ms): p50 %lld, p90 %lld, p99 %lld\n",
                static_cast<long long>(r.latencyP50Ms), static_cast<long long>(r.latencyP90Ms),
                static_cast<long long>(r.latencyP99Ms));
  o << line << "\ninvariants (DESIGN §10):\n";
  for (const Invariant& i : r.invariants)
    o << "  " << (i.pass ? "PASS" : "FAIL") << "  " << i.name << ": " << i.figure << "\n";
  o << "\nprovince board (省级电子监察): " << r.rootBoard.open << " open cases, "
    << r.rootBoard.green << " green, " << r.rootBoard.yellow << " yellow (黄牌), "
    << r.rootBoard.red << " red (红牌), " << r.rootBoard.pastLegal << " past the legal limit, "
    << r.rootBoard.authorityConflicts << " authority conflicts, " << r.rootBoard.openComplaints
    << " open complaints\n";
  if (!r.voidsByReason.empty()) {
    o << "void records at the root:";
    for (const auto& [reason, n] : r.voidsByReason) o << " " << reason << "=" << n;
    o << "\n";
  }
  o << "root digest " << r.rootDigest.substr(0, 16) << "…\n";
  o << "fingerprint " << r.fingerprint << "\n";
  o << (r.allPass() ? "RESULT: PASS\n" : "RESULT: FAIL\n");
  return o.str();
}

std::string renderSvg(const SimReport& r) {
  const int width = 800, height = 360, left = 60, right = 60, top = 30, bottom = 40;
  int64_t tMax = std::max<int64_t>(1, r.simulatedMs);
  int64_t latMax = 1, lagMax = 1;
  for (const auto& [t, v] : r.latencySeries) latMax = std::max(latMax, v);
  for (const auto& [t, v] : r.lagSeries) lagMax = std::max(lagMax, v);
  auto x = [&](int64_t t) {
    return left + static_cast<double>(t) * (width - left - right) / static_cast<double>(tMax);
  };
  auto y = [&](int64_t v, int64_t max) {
    return height - bottom -
           static_cast<double>(v) * (height - top - bottom) / static_cast<double>(max);
  };
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
    << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' "
       "fill='white'/>\n";
  o << "<text x='" << left << "' y='18'>" << r.topology << " seed " << r.seed
    << ": county→root latency (dots, left axis, ms) and records not yet at the root (line, right "
       "axis)</text>\n";
  o << "<line x1='" << left << "' y1='" << height - bottom << "' x2='" << width - right << "' y2='"
    << height - bottom << "' stroke='black'/>\n";
  o << "<line x1='" << left << "' y1='" << top << "' x2='" << left << "' y2='" << height - bottom
    << "' stroke='black'/>\n";
  o << "<text x='" << left - 5 << "' y='" << top + 4 << "' text-anchor='end'>" << latMax
    << "</text>\n";
  o << "<text x='" << width - right + 5 << "' y='" << top + 4 << "'>" << lagMax << "</text>\n";
  o << "<text x='" << width - right << "' y='" << height - 10 << "' text-anchor='end'>"
    << tMax / 1000 << " s (virtual)</text>\n";
  for (const auto& [t, v] : r.latencySeries) {
    o << "<circle cx='" << x(t) << "' cy='" << y(v, latMax) << "' r='1.5' fill='steelblue'/>\n";
  }
  o << "<polyline fill='none' stroke='firebrick' stroke-width='1.5' points='";
  for (const auto& [t, v] : r.lagSeries) o << x(t) << "," << y(v, lagMax) << " ";
  o << "'/>\n</svg>\n";
  return o.str();
}

}  // namespace govbus::testnet
