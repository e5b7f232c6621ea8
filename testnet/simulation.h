// Simulation: a whole GovBus network in one process, deterministic for a seed (DESIGN §9, §10).
//
// Every node runs the real core: a Replica over a MemoryStore, one ReplicationLink per connected
// peer, and every message goes through the real sync codec. Only the surroundings are simulated:
// virtual time (an event queue; nothing reads the system clock), a network with per-connection
// FIFO delivery and random latency, and faults:
//   crashes     a node stops (its links break; committed data survives) and restarts later;
//   partitions  a child–parent link is cut for a while; children fall back to the grandparent;
//   drops       a message is lost and its connection breaks (as a TCP reset would);
//   duplicates  a batch is delivered twice;
//   forgeries   forged and bit-flipped records are injected into nodes;
//   equivocation a county signs two different records at one sequence;
//   clock skew  each node's wall clock is off by up to ±5 minutes;
//   backdating  one county's clock runs three (case) days behind, so that every decision it signs
//               claims to be earlier than it was (the witnesses of its city must catch it).
// After the workload, faults stop and the network runs until every node holds the same records as
// the root for every feed in its scope; then the invariants of DESIGN §10 are checked.
// The same seed replays the same run event for event; the fingerprint (a hash over every event
// processed and the final state) proves it.
//
// Thread safety: none; single-threaded by design.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "sync/supervision.h"
#include "testnet/topology.h"

namespace govbus::testnet {

struct FaultOptions {
  bool crashes = false;
  bool partitions = false;
  double dropRate = 0;       // per message
  double duplicateRate = 0;  // per records batch
  bool forgeries = false;
  bool equivocation = false;
  bool clockSkew = false;
  bool backdating = false;
  static FaultOptions all();
  static FaultOptions none() { return {}; }
};

// Test-only switches that plant a real bug, one per invariant, so tests can show each invariant
// catches its bug. The bugs are compiled only into the test build of the simulator (the library
// govbus_testnet_planted, built with GOVBUS_PLANTED_BUGS); elsewhere a run asking for one fails.
enum class PlantedBug {
  kNone,
  kDropBatchesToACounty,  // 1: a county's link silently discards every batch sent to it
  kAckBeforeCommit,       // 2: the root acks a batch without ingesting it
  kStoreAForgery,         // 3: a forged record is written into a store past the door
  kLoseAVerdictUpdate,    // 4: one node's state misses a void verdict (its digest kept consistent)
  kAcceptWithoutAuthority,  // 5: a county's acceptance of an item it does not hold is judged valid
  kLoseForkEvidence,        // 6: the second branch of the equivocation never reaches anyone
  kMiscountAnOverdueCase,   // 7: the root's summary of one open case moves its acceptance back
};
// Whether this build of the simulator carries the planted bugs.
bool plantedBugsCompiled();

struct SimOptions {
  uint64_t seed = 1;
  int64_t workloadMs = 120'000;       // virtual time with workload and faults
  int64_t convergeLimitMs = 600'000;  // how long the network may take to converge afterwards
  double casesPerSecond = 4;          // new cases per virtual second, over all counties
  // Case time runs faster than network time so that deadlines (days) pass in a short run: one
  // virtual millisecond of network time is `caseTimeScale` milliseconds on the case clock (by
  // default one virtual second is four hours, so a two-minute run spans twenty days of casework).
  int64_t caseTimeScale = 14400;
  FaultOptions faults;
  PlantedBug bug = PlantedBug::kNone;
  std::filesystem::path dataDir;  // for the sample catalog
};

struct Invariant {
  std::string name;
  bool pass = false;
  std::string figure;
};

// A stretch of a run during which one fault was in force (drawn as a band on the plot).
struct FaultSpan {
  int64_t startMs = 0, endMs = 0;
  std::string kind;  // "kill -9", "SIGSTOP", "link cut", "partition", "forgeries"
  std::string node;
};

// What a run found. The simulator fills it in virtual time; `govbus-testnet --procs`
// (testnet/procs.h) fills the same fields from real processes in wall time, and the fields under
// "--procs only" instead of the fingerprint and the event and message counts.
struct SimReport {
  std::string topology;
  uint64_t seed = 0;
  size_t nodes = 0;
  std::vector<Invariant> invariants;
  bool allPass() const;
  std::string fingerprint;  // hex
  uint64_t events = 0;
  uint64_t messages = 0;
  uint64_t recordsAuthored = 0;
  uint64_t recordsMoved = 0;  // records carried in batches, all links
  uint64_t forgeriesInjected = 0;
  uint64_t forgeriesRejected = 0;
  uint64_t crashes = 0, partitions = 0, drops = 0, duplicates = 0, forks = 0;
  int64_t simulatedMs = 0;
  int64_t convergeMs = -1;
  // County record authored → committed at the root, virtual ms.
  int64_t latencyP50Ms = 0, latencyP90Ms = 0, latencyP99Ms = 0;
  std::vector<std::pair<int64_t, int64_t>> latencySeries;  // (virtual ms, latency ms)
  std::vector<std::pair<int64_t, int64_t>> lagSeries;      // (virtual ms, records not yet at root)
  std::map<std::string, uint64_t> voidsByReason;           // at the root
  CardCounts rootBoard;
  std::string rootDigest;  // hex
  // --procs only.
  bool processes = false;                     // real govbus-node processes, wall-clock milliseconds
  int64_t workloadMs = 0;                     // how long the workload and faults ran
  uint64_t cases = 0;                         // cases opened through county APIs
  uint64_t pauses = 0;                        // SIGSTOP … SIGCONT of a node
  uint64_t linkCuts = 0;                      // a node's link to its parent cut by the link proxy
  uint64_t proxiedConnections = 0;            // TCP connections the link proxies forwarded
  uint64_t delegations = 0, revocations = 0;  // written during the workload
  uint64_t writesUnanswered = 0;   // API writes without an answer, or a 5xx (node down, paused)
  uint64_t writesRefused = 0;      // API writes refused with a 4xx (void in the writer's view)
  std::vector<FaultSpan> faults;   // what happened when, in order
  std::vector<std::string> notes;  // anything an operator should read (unexpected exits, …)
};

using ProgressFn = std::function<void(int64_t virtualMs, const char* phase)>;

Result<SimReport> runSimulation(const Topology& topology, const SimOptions& options,
                                const ProgressFn& progress = {});

// Report as text (PASS/FAIL per invariant, figures) and as an SVG plot of latency and lag.
std::string formatReport(const SimReport& report);
std::string renderSvg(const SimReport& report);

}  // namespace govbus::testnet
