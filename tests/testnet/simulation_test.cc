// The simulator as developers and CI use it: runs pass with every fault kind, replay by seed, and
// a planted bug is caught by the invariant checks.
#include "testnet/simulation.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace govbus::testnet {
namespace {

SimOptions options(uint64_t seed, FaultOptions faults = FaultOptions::all()) {
  SimOptions o;
  o.seed = seed;
  o.workloadMs = 60'000;
  o.faults = faults;
  o.dataDir = GOVBUS_TEST_DATA_DIR;
  return o;
}

std::string failures(const SimReport& r) {
  std::string out;
  for (const auto& i : r.invariants) {
    if (!i.pass) out += i.name + ": " + i.figure + "\n";
  }
  return out;
}

TEST(SimulationTest, SmallProvinceWithEveryFaultKindKeepsEveryInvariant) {
  for (uint64_t seed : {11u, 12u, 13u}) {
    auto r = runSimulation(smallTopology(), options(seed));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->allPass()) << "seed " << seed << "\n" << failures(*r) << formatReport(*r);
    EXPECT_GT(r->crashes + r->partitions + r->drops, 0u) << "faults were injected";
    EXPECT_GT(r->forgeriesInjected, 0u);
    EXPECT_EQ(r->forks, 1u);
    EXPECT_GT(r->recordsAuthored, 100u);
  }
}

TEST(SimulationTest, SameSeedReplaysTheSameRunAndAnotherSeedDoesNot) {
  auto a = runSimulation(smallTopology(), options(7));
  auto b = runSimulation(smallTopology(), options(7));
  auto c = runSimulation(smallTopology(), options(8));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->fingerprint, b->fingerprint);
  EXPECT_EQ(a->events, b->events);
  EXPECT_EQ(a->rootDigest, b->rootDigest);
  EXPECT_NE(a->fingerprint, c->fingerprint);
}

TEST(SimulationTest, AckingBeforeCommitIsCaughtAsLostRecords) {
  SimOptions o = options(21, FaultOptions::none());
  o.bug = PlantedBug::kAckBeforeCommit;
  o.convergeLimitMs = 20'000;
  auto r = runSimulation(smallTopology(), o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->allPass()) << "the planted bug went unnoticed:\n" << formatReport(*r);
  auto noLoss = std::find_if(r->invariants.begin(), r->invariants.end(),
                             [](const Invariant& i) { return i.name == "2 no loss"; });
  ASSERT_NE(noLoss, r->invariants.end());
  EXPECT_FALSE(noLoss->pass) << noLoss->figure;
}

TEST(SimulationTest, ReportAndPlotAreWritten) {
  auto r = runSimulation(smallTopology(), options(3, FaultOptions::none()));
  ASSERT_TRUE(r.ok());
  std::string text = formatReport(*r);
  EXPECT_NE(text.find("PASS  1 convergence"), std::string::npos) << text;
  EXPECT_NE(text.find("RESULT: PASS"), std::string::npos);
  std::string svg = renderSvg(*r);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("polyline"), std::string::npos);
}

}  // namespace
}  // namespace govbus::testnet
