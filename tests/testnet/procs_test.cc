// govbus-testnet --procs as CI runs it: the small province as real govbus-node processes, a short
// seeded workload (cases, orders, complaints, a delegation and revocations) with at least one
// kill -9, one SIGSTOP pause, one cut link and one partition through the link proxies, and the
// rogue's forgeries and equivocation; every invariant of DESIGN §10 must hold, the exit status must
// say so, and the report and plot must be written.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing/test_network.h"

extern char** environ;

namespace govbus::testnet {
namespace {

struct TestnetRun {
  int exitCode = -1;
  std::string output;
};

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TestnetRun runTestnet(const std::vector<std::string>& args, const std::filesystem::path& outFile,
                      const std::filesystem::path& cwd = {}) {
  std::vector<std::string> argv = {GOVBUS_TESTNET_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outFile.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = -1;
  TestnetRun r;
  if (posix_spawn(&pid, raw[0], &actions, nullptr, raw.data(), environ) == 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  r.output = readFile(outFile);
  return r;
}

TEST(ProcsTest, SmallProvinceWithKillsPausesCutsAndPartitionsKeepsEveryInvariant) {
  testing::TempDir dir;
  const std::filesystem::path report = dir.path() / "report";
  TestnetRun r = runTestnet({"--procs", "--topology", "small", "--seed", "5", "--duration", "12",
                             "--report", report.string(), "--quiet"},
                            dir.path() / "output");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  for (const char* line :
       {"PASS  1 convergence", "PASS  2 no loss", "PASS  3 integrity", "PASS  4 order independence",
        "PASS  5 authority safety", "PASS  6 forks detected", "PASS  7 overdue sums",
        "PASS  node processes", "RESULT: PASS"}) {
    EXPECT_NE(r.output.find(line), std::string::npos) << "no '" << line << "' in:\n" << r.output;
  }
  EXPECT_EQ(r.output.find("FAIL"), std::string::npos) << r.output;

  unsigned long long kills = 0, pauses = 0, cuts = 0, partitions = 0, forgeries = 0, forkNodes = 0;
  size_t at = r.output.find("faults: ");
  ASSERT_NE(at, std::string::npos) << r.output;
  ASSERT_EQ(std::sscanf(r.output.c_str() + at,
                        "faults: %llu kill -9, %llu pauses (SIGSTOP/SIGCONT), %llu link cuts, %llu "
                        "partitions, %llu forgeries injected, %llu nodes",
                        &kills, &pauses, &cuts, &partitions, &forgeries, &forkNodes),
            6)
      << r.output;
  EXPECT_GE(kills, 1u);
  EXPECT_GE(pauses, 1u);
  EXPECT_GE(cuts, 1u);
  EXPECT_GE(partitions, 1u);
  EXPECT_GT(forgeries, 0u);
  // The rogue's two records at one sequence: detected at its parent and at the province.
  EXPECT_EQ(forkNodes, 2u);
  EXPECT_NE(r.output.find("valid fork reports at the province by"), std::string::npos);

  unsigned long long delegations = 0, revocations = 0;
  at = r.output.find("workload: ");
  ASSERT_NE(at, std::string::npos) << r.output;
  ASSERT_EQ(std::sscanf(r.output.c_str() + at, "workload: %llu delegations and %llu revocations",
                        &delegations, &revocations),
            2)
      << r.output;
  EXPECT_GE(delegations, 1u);
  EXPECT_GE(revocations, 1u);
  EXPECT_NE(r.output.find("API writes acknowledged"), std::string::npos);

  std::string svg = readFile(report.string() + ".svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u) << "no plot at " << report << ".svg";
  EXPECT_NE(svg.find("polyline"), std::string::npos);
  for (const char* fault : {"kill -9", "SIGSTOP", "link cut", "partition", "forgeries"})
    EXPECT_NE(svg.find(fault), std::string::npos) << fault << " is not marked on the plot";
  EXPECT_EQ(readFile(report.string() + ".txt").find("govbus-testnet --procs"), 0u);
}

// A run without --report prints its report and leaves no file behind in the current directory.
TEST(ProcsTest, ARunWithoutReportWritesNoFileIntoTheCurrentDirectory) {
  testing::TempDir out;
  testing::TempDir cwd;
  TestnetRun r = runTestnet({"--sim", "--topology", "small", "--seed", "1", "--faults", "none",
                             "--duration", "5", "--quiet"},
                            out.path() / "output", cwd.path());
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("RESULT: PASS"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("report:"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::is_empty(cwd.path()))
      << "govbus-testnet wrote into " << cwd.path() << " without --report";
}

}  // namespace
}  // namespace govbus::testnet
