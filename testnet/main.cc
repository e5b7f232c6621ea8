// govbus-testnet: run a whole GovBus network with faults and check that it converges and loses
// nothing. `--sim` runs the deterministic single-process simulation.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "testnet/simulation.h"

#ifndef GOVBUS_DATA_DIR
#define GOVBUS_DATA_DIR "data"
#endif

int main(int argc, char** argv) {
  using namespace govbus::testnet;
  CLI::App app{
      "govbus-testnet: simulate a GovBus network with faults and check the invariants of DESIGN "
      "§10",
      "govbus-testnet"};
  app.footer(
      "Examples:\n"
      "  govbus-testnet --sim --topology small --seed 7\n"
      "  govbus-testnet --sim --province 43 --faults all --duration 300\n"
      "Exit status: 0 when every invariant holds, 1 when one fails, 2 on a usage or setup error.");
  bool sim = false;
  std::string topologyName = "small", province, faults = "all", report = "testnet-report",
              dataDir = GOVBUS_DATA_DIR;
  uint64_t seed = 1;
  double durationS = 120, rate = 4;
  bool quiet = false;
  app.add_flag("--sim", sim, "deterministic single-process simulation (virtual time and network)");
  app.add_option("--topology", topologyName, "small | country")
      ->check(CLI::IsMember({"small", "country"}));
  app.add_option("--province", province, "a real province by its 2-digit code, e.g. 43 (湖南省)");
  app.add_option("--seed", seed, "the same seed replays the same run");
  app.add_option("--faults", faults, "all | none")->check(CLI::IsMember({"all", "none"}));
  app.add_option("--duration", durationS, "virtual seconds of workload with faults");
  app.add_option("--rate", rate, "new cases per virtual second");
  app.add_option("--report", report, "write REPORT.txt and REPORT.svg (latency and lag plot)");
  app.add_option("--data", dataDir,
                 "the repository's data/ folder (division tables, sample catalog)");
  app.add_flag("--quiet", quiet, "no progress line");
  CLI11_PARSE(app, argc, argv);
  if (!sim) {
    std::fprintf(stderr, "govbus-testnet: only --sim is available in this build; add --sim\n");
    return 2;
  }
  govbus::Result<Topology> topology = smallTopology();
  if (!province.empty()) {
    topology = provinceTopology(dataDir, province);
  } else if (topologyName == "country") {
    topology = countryTopology(dataDir);
  }
  if (!topology) {
    std::fprintf(stderr, "govbus-testnet: %s\n", topology.error().message.c_str());
    return 2;
  }
  SimOptions options;
  options.seed = seed;
  options.workloadMs = static_cast<int64_t>(durationS * 1000);
  options.casesPerSecond = rate;
  options.faults = faults == "all" ? FaultOptions::all() : FaultOptions::none();
  options.dataDir = dataDir;
  bool tty = !quiet && ::isatty(STDERR_FILENO);
  auto started = std::chrono::steady_clock::now();
  auto result = runSimulation(*topology, options, [&](int64_t ms, const char* phase) {
    if (tty) std::fprintf(stderr, "\r%-10s %7.1f s virtual", phase, static_cast<double>(ms) / 1000);
  });
  if (tty) std::fprintf(stderr, "\r%40s\r", "");
  if (!result) {
    std::fprintf(stderr, "govbus-testnet: %s\n", result.error().message.c_str());
    return 2;
  }
  double wallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string text = formatReport(*result);
  std::printf("%s", text.c_str());
  std::printf("wall time %.1f s for %.1f s simulated\n", wallS,
              static_cast<double>(result->simulatedMs) / 1000);
  std::ofstream(report + ".txt") << text;
  std::ofstream(report + ".svg") << renderSvg(*result);
  std::printf("report: %s.txt, plot: %s.svg\n", report.c_str(), report.c_str());
  return result->allPass() ? 0 : 1;
}
