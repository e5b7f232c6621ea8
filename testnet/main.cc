// govbus-testnet: run a whole GovBus network with faults and check that it converges and loses
// nothing. `--sim` runs the deterministic single-process simulation; `--procs` runs real
// govbus-node processes on loopback (testnet/procs.h). `--generate-store DIR --records N` writes a
// province's store of N records instead (testnet/generate_store.h).
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "govbus_version.h"
#include "testnet/generate_store.h"
#include "testnet/procs.h"
#include "testnet/simulation.h"

#ifndef GOVBUS_DATA_DIR
#define GOVBUS_DATA_DIR "data"
#endif

namespace {

// The data/ folder: the source tree's when it is there (a build), else the installed copy beside
// this program (the .deb: /usr/bin/govbus-testnet -> /usr/share/govbus/data).
std::string defaultDataDir() {
  std::error_code ec;
  if (std::filesystem::is_directory(GOVBUS_DATA_DIR, ec)) return GOVBUS_DATA_DIR;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path installed = self.parent_path().parent_path() / "share/govbus/data";
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return GOVBUS_DATA_DIR;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace govbus::testnet;
  CLI::App app{
      "govbus-testnet: run a GovBus network with faults, simulated or as real processes, and check "
      "the invariants of DESIGN §10",
      "govbus-testnet"};
  app.footer(
      "Examples:\n"
      "  govbus-testnet --sim --topology small --seed 7\n"
      "  govbus-testnet --sim --province 43 --faults all --duration 300\n"
      "  govbus-testnet --procs --topology small --seed 7 --duration 30\n"
      "  govbus-testnet --generate-store /srv/sizing --records 2000000\n"
      "Exit status: 0 when every invariant holds (or the store was written), 1 when one fails, 2 "
      "on a usage or setup error.");
  app.set_version_flag("--version", govbus::versionLine("govbus-testnet"),
                       "print the version and the commit, then exit");
  bool sim = false, procs = false, keep = false;
  std::string binDir;
  // No report file unless --report names one: a run never leaves files where nobody asked.
  std::string topologyName = "small", province, faults = "all", report, dataDir = defaultDataDir();
  uint64_t seed = 1;
  double durationS = 120, rate = 4;
  bool quiet = false;
  auto* simFlag = app.add_flag(
      "--sim", sim, "deterministic single-process simulation (virtual time and network)");
  app.add_flag(
         "--procs", procs,
         "real govbus-node processes on loopback: ZeroMQ, LMDB; kill -9, SIGSTOP, link cuts and "
         "partitions (loopback proxies), a rogue peer")
      ->excludes(simFlag);
  app.add_option("--bin-dir", binDir,
                 "--procs: where govbus-node and govbus-admin are (default: next to this program)");
  app.add_flag("--keep", keep, "--procs: keep the node directories and logs (else removed)");
  app.add_option("--topology", topologyName, "small | country")
      ->check(CLI::IsMember({"small", "country"}));
  app.add_option("--province", province, "a real province by its 2-digit code, e.g. 43 (湖南省)");
  app.add_option("--seed", seed,
                 "the same seed replays the same run (--procs: the same fault schedule and "
                 "workload choices; timing is real)");
  app.add_option("--faults", faults, "all | none")->check(CLI::IsMember({"all", "none"}));
  app.add_option("--duration", durationS,
                 "seconds of workload with faults: virtual with --sim (default 120), wall with "
                 "--procs (default 30)");
  app.add_option("--rate", rate, "new cases per second (virtual with --sim), over all counties");
  app.add_option(
      "--report", report,
      "also write REPORT.txt and REPORT.svg (latency and lag plot); without it, only the "
      "text on stdout");
  app.add_option("--data", dataDir,
                 "the repository's data/ folder (division tables, sample catalog)");
  app.add_flag("--quiet", quiet, "no progress line");
  std::string generateDir;
  uint64_t records = 1'000'000;
  size_t threads = 0;
  auto* generateOpt = app.add_option(
      "--generate-store", generateDir,
      "instead: write a province's store (province 43 unless --province) of --records records "
      "of the bench's realistic mix into this new directory, valid signatures throughout");
  generateOpt->excludes(simFlag);
  app.add_option("--records", records,
                 "--generate-store: records after the setup (default 1000000)");
  app.add_option("--threads", threads,
                 "--generate-store: signature checks on this many threads (default: one per CPU)");
  CLI11_PARSE(app, argc, argv);
  if (!generateDir.empty()) {
    if (procs) {
      std::fprintf(stderr, "govbus-testnet: --generate-store runs alone (see --help)\n");
      return 2;
    }
    GenerateOptions g;
    g.dir = generateDir;
    g.records = records;
    g.seed = seed;
    g.dataDir = dataDir;
    g.threads = threads;
    if (!province.empty()) g.province = province;
    const bool tty = !quiet && ::isatty(STDERR_FILENO);
    const auto started = std::chrono::steady_clock::now();
    g.progress = [&](uint64_t done, uint64_t total) {
      if (!tty) return;
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "\rgenerate: %llu of %llu records (%.0f records/s)\033[K",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                   s > 0 ? static_cast<double>(done) / s : 0.0);
    };
    auto generated = generateStore(g);
    if (tty) std::fprintf(stderr, "\r\033[K");
    if (!generated) {
      std::fprintf(stderr, "govbus-testnet: %s\n", generated.error().message.c_str());
      return 2;
    }
    std::printf("%s", generated->summary.c_str());
    return 0;
  }
  if (!sim && !procs) {
    std::fprintf(stderr,
                 "govbus-testnet: choose --sim, --procs or --generate-store (see --help)\n");
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
  bool tty = !quiet && ::isatty(STDERR_FILENO);
  auto started = std::chrono::steady_clock::now();
  govbus::Result<SimReport> result = govbus::makeError(govbus::ErrorCode::kInvalidArgument, "");
  if (procs) {
    ProcsOptions options;
    options.seed = seed;
    options.workloadMs = static_cast<int64_t>((app.count("--duration") ? durationS : 30) * 1000);
    options.casesPerSecond = rate;
    options.faults = faults == "all";
    options.dataDir = dataDir;
    options.keep = keep;
    std::error_code ec;
    options.binDir = binDir.empty()
                         ? std::filesystem::read_symlink("/proc/self/exe", ec).parent_path()
                         : std::filesystem::path(binDir);
    result = runProcs(*topology, options, [&](int64_t, const char* line) {
      // Erase to the end of the line: names in Chinese make byte widths useless for padding.
      if (tty) std::fprintf(stderr, "\r%.100s\033[K", line);
    });
  } else {
    SimOptions options;
    options.seed = seed;
    options.workloadMs = static_cast<int64_t>(durationS * 1000);
    options.casesPerSecond = rate;
    options.faults = faults == "all" ? FaultOptions::all() : FaultOptions::none();
    options.dataDir = dataDir;
    result = runSimulation(*topology, options, [&](int64_t ms, const char* phase) {
      if (tty)
        std::fprintf(stderr, "\r%-10s %7.1f s virtual", phase, static_cast<double>(ms) / 1000);
    });
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!result) {
    std::fprintf(stderr, "govbus-testnet: %s\n", result.error().message.c_str());
    return 2;
  }
  double wallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string text = formatReport(*result);
  std::printf("%s", text.c_str());
  if (procs) {
    std::printf("wall time %.1f s including setup and shutdown\n", wallS);
  } else {
    std::printf("wall time %.1f s for %.1f s simulated\n", wallS,
                static_cast<double>(result->simulatedMs) / 1000);
  }
  if (!report.empty()) {
    std::ofstream(report + ".txt") << text;
    std::ofstream(report + ".svg") << renderSvg(*result);
    std::printf("report: %s.txt, plot: %s.svg\n", report.c_str(), report.c_str());
  }
  return result->allPass() ? 0 : 1;
}
