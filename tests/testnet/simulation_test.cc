// The simulator as developers and CI use it: runs pass with every fault kind, replay by seed, and
// each invariant catches a bug planted for it.
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

// Each invariant catches the bug planted for it (PlantedBug, compiled only into this test's build
// of the simulator): the run reports that invariant as failing.
struct Planted {
  PlantedBug bug;
  std::string invariant;
  FaultOptions faults;
};

class PlantedBugTest : public ::testing::TestWithParam<Planted> {};

TEST_P(PlantedBugTest, TheInvariantCatchesItsPlantedBug) {
  const Planted& p = GetParam();
  ASSERT_TRUE(plantedBugsCompiled());
  SimOptions o = options(21, p.faults);
  o.workloadMs = 30'000;
  o.bug = p.bug;
  o.convergeLimitMs = 20'000;
  auto r = runSimulation(smallTopology(), o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto it = std::find_if(r->invariants.begin(), r->invariants.end(),
                         [&](const Invariant& i) { return i.name == p.invariant; });
  ASSERT_NE(it, r->invariants.end()) << p.invariant;
  EXPECT_FALSE(it->pass) << "the planted bug went unnoticed:\n" << formatReport(*r);
  EXPECT_FALSE(r->allPass());
}

FaultOptions only(void (*set)(FaultOptions&)) {
  FaultOptions f = FaultOptions::none();
  set(f);
  return f;
}

INSTANTIATE_TEST_SUITE_P(
    EveryInvariant, PlantedBugTest,
    ::testing::Values(
        Planted{PlantedBug::kDropBatchesToACounty, "1 convergence", FaultOptions::none()},
        Planted{PlantedBug::kAckBeforeCommit, "2 no loss", FaultOptions::none()},
        Planted{PlantedBug::kStoreAForgery, "3 integrity",
                only([](FaultOptions& f) { f.forgeries = true; })},
        Planted{PlantedBug::kLoseAVerdictUpdate, "4 order independence", FaultOptions::none()},
        Planted{PlantedBug::kAcceptWithoutAuthority, "5 authority safety", FaultOptions::none()},
        Planted{PlantedBug::kLoseForkEvidence, "6 forks detected",
                only([](FaultOptions& f) { f.equivocation = true; })},
        Planted{PlantedBug::kMiscountAnOverdueCase, "7 overdue sums", FaultOptions::none()}),
    [](const ::testing::TestParamInfo<Planted>& info) {
      std::string name = info.param.invariant.substr(2);
      std::replace(name.begin(), name.end(), ' ', '_');
      return name;
    });

TEST(SimulationTest, WithoutAPlantedBugTheSameShortRunsPassEveryInvariant) {
  for (const FaultOptions& f :
       {FaultOptions::none(), only([](FaultOptions& o) { o.forgeries = true; }),
        only([](FaultOptions& o) { o.equivocation = true; })}) {
    SimOptions o = options(21, f);
    o.workloadMs = 30'000;
    o.convergeLimitMs = 20'000;
    auto r = runSimulation(smallTopology(), o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->allPass()) << failures(*r);
  }
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
