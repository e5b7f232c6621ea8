#include <algorithm>
#include <cstdio>
#include <sstream>

#include "testnet/simulation.h"

namespace govbus::testnet {

namespace {

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// The lines that differ between the simulator and --procs: what ran, what faults it met.
void formatRun(const SimReport& r, std::ostringstream& o) {
  char line[256];
  if (!r.processes) {
    o << "govbus-testnet: topology " << r.topology << ", " << r.nodes << " nodes, seed " << r.seed
      << "\n";
    std::snprintf(
        line, sizeof line,
        "simulated %.1f s; %llu events, %llu messages, %llu records authored, %llu records moved\n",
        static_cast<double>(r.simulatedMs) / 1000, ull(r.events), ull(r.messages),
        ull(r.recordsAuthored), ull(r.recordsMoved));
    o << line;
    std::snprintf(line, sizeof line,
                  "faults: %llu crashes, %llu partitions, %llu drops, %llu duplicates, %llu "
                  "forgeries, %llu forks\n",
                  ull(r.crashes), ull(r.partitions), ull(r.drops), ull(r.duplicates),
                  ull(r.forgeriesInjected), ull(r.forks));
    o << line;
    std::snprintf(line, sizeof line,
                  "county → root propagation (virtual ms): p50 %lld, p90 %lld, p99 %lld\n",
                  static_cast<long long>(r.latencyP50Ms), static_cast<long long>(r.latencyP90Ms),
                  static_cast<long long>(r.latencyP99Ms));
    o << line;
    return;
  }
  o << "govbus-testnet --procs: topology " << r.topology << ", " << r.nodes
    << " govbus-node processes on loopback, seed " << r.seed << "\n";
  std::snprintf(line, sizeof line,
                "ran %.1f s (wall) with %.1f s of workload; %llu cases, %llu API writes "
                "acknowledged, %llu unanswered or 5xx, %llu refused (4xx)\n",
                static_cast<double>(r.simulatedMs) / 1000, static_cast<double>(r.workloadMs) / 1000,
                ull(r.cases), ull(r.recordsAuthored), ull(r.writesUnanswered),
                ull(r.writesRefused));
  o << line;
  std::snprintf(line, sizeof line,
                "faults: %llu kill -9, %llu pauses (SIGSTOP/SIGCONT), %llu link cuts, %llu "
                "partitions, %llu forgeries injected, %llu nodes holding the planted fork\n",
                ull(r.crashes), ull(r.pauses), ull(r.linkCuts), ull(r.partitions),
                ull(r.forgeriesInjected), ull(r.forks));
  o << line;
  std::snprintf(line, sizeof line,
                "workload: %llu delegations and %llu revocations during the run; %llu TCP "
                "connections through the link proxies\n",
                ull(r.delegations), ull(r.revocations), ull(r.proxiedConnections));
  o << line;
  for (const FaultSpan& f : r.faults) {
    std::snprintf(line, sizeof line, "  %6.1f s  %-9s %-6s for %.1f s\n",
                  static_cast<double>(f.startMs) / 1000, f.kind.c_str(), f.node.c_str(),
                  static_cast<double>(f.endMs - f.startMs) / 1000);
    o << line;
  }
  std::snprintf(line, sizeof line,
                "county → province propagation (wall ms, acknowledged by the county API → seen "
                "in the province's feed heads): p50 %lld, p90 %lld, p99 %lld over %zu records\n",
                static_cast<long long>(r.latencyP50Ms), static_cast<long long>(r.latencyP90Ms),
                static_cast<long long>(r.latencyP99Ms), r.latencySeries.size());
  o << line;
}

}  // namespace

std::string formatReport(const SimReport& r) {
  std::ostringstream o;
  formatRun(r, o);
  o << "\ninvariants (DESIGN §10):\n";
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
  if (!r.processes) o << "fingerprint " << r.fingerprint << "\n";
  for (const std::string& n : r.notes) o << "note: " << n << "\n";
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
    << tMax / 1000 << (r.processes ? " s (wall)" : " s (virtual)") << "</text>\n";
  // Faults as bands behind the data, labelled with the node: process faults (kill -9, SIGSTOP) in
  // the upper half, link faults (link cut, partition) in the lower half, as they may overlap.
  const double plotH = height - top - bottom;
  for (size_t i = 0; i < r.faults.size(); ++i) {
    const FaultSpan& f = r.faults[i];
    const bool process = f.kind == "kill -9" || f.kind == "SIGSTOP";
    const bool link = f.kind == "link cut" || f.kind == "partition";
    const char* fill = f.kind == "kill -9"     ? "#f4a6a6"
                       : f.kind == "SIGSTOP"   ? "#f6dc8c"
                       : f.kind == "link cut"  ? "#a6d4f4"
                       : f.kind == "partition" ? "#9ed9a8"
                                               : "#c6b3e6";
    double x0 = x(f.startMs), x1 = std::max(x0 + 1, x(f.endMs));
    double y0 = link ? top + plotH / 2 : top;
    double h = process || link ? plotH / 2 : plotH;
    o << "<rect x='" << x0 << "' y='" << y0 << "' width='" << x1 - x0 << "' height='" << h
      << "' fill='" << fill << "' fill-opacity='0.6'><title>" << f.kind << " " << f.node
      << "</title></rect>\n";
    double ly = process ? top + 11 + 11 * static_cast<int>(i % 2)
                        : height - bottom - 4 - 11 * static_cast<int>(i % 2);
    o << "<text x='" << x0 + 2 << "' y='" << ly << "' font-size='9'>" << f.kind << " " << f.node
      << "</text>\n";
  }
  for (const auto& [t, v] : r.latencySeries) {
    o << "<circle cx='" << x(t) << "' cy='" << y(v, latMax) << "' r='1.5' fill='steelblue'/>\n";
  }
  o << "<polyline fill='none' stroke='firebrick' stroke-width='1.5' points='";
  for (const auto& [t, v] : r.lagSeries) o << x(t) << "," << y(v, lagMax) << " ";
  o << "'/>\n</svg>\n";
  return o.str();
}

}  // namespace govbus::testnet
