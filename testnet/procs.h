// Procs: a whole GovBus network as real govbus-node processes on loopback (`govbus-testnet
// --procs`).
//
// Where the simulator (testnet/simulation.h) runs the core in virtual time, this runs the shipped
// binaries: real ZeroMQ with CurveZMQ and ZAP, real LMDB, real HTTP. The steps:
//   setup     every node's directory with govbus-admin, as an operator would: `init` (key, token,
//             config), `anchor` at the province, `enroll` by the parent while the parent runs (so
//             the certificate is published through the parent's API); then the testnet edits each
//             config the way an operator may (every node lists its grandparent as a fallback
//             upstream; short sync timings; a small LMDB map) and starts the tree parents first.
//             Every upstream a node dials is a loopback port of a link proxy of the testnet
//             (testnet/procs_proxy.h) that forwards to the upstream's listen port.
//             The province publishes the sample catalog and delegates a province-level item to the
//             first city's subtree (POST /v1/catalog, /v1/delegations); the run waits until every
//             node holds every feed in its scope.
//   workload  for `workloadMs`: cases opened at the counties' APIs at a steady total rate
//             (received, accepted, further steps, each by the county that handles the item; each
//             county asks its API every few seconds which items it handles), urge orders from the
//             province and cities, complaints filed at counties and resolved by their city; a city
//             devolves an item to one of its counties and later revokes it, and the province
//             revokes its setup delegation (both transferring pending cases). A write is retried
//             only when it certainly did not arrive, or after reading the case back shows it was
//             not committed.
//   faults    two seeded tracks, each one fault at a time. Processes: kill -9 of a city or county
//             and a restart on the same data directory a few seconds later; SIGSTOP … SIGCONT of
//             any node. Links: a link cut (a node's link to its parent, so it falls back to its
//             grandparent) and a partition (every link from a subtree to the rest), healed a few
//             seconds later. Once, a rogue enrolled node (testnet/procs_rogue.h) sends garbage and
//             forged records to the province, then equivocates: two records at its sequence 1,
//             to its parent and to the province.
//   converge  faults stop (paused nodes continue, killed ones restart), the workload stops, and
//             the run waits (at most `convergeLimitMs`) until every node's feed heads (GET
//             /v1/feeds: sequence and record id per feed) equal the province's for every feed in
//             the node's scope (its own, its ancestors', its descendants').
//   check     the invariants of DESIGN §10, through the APIs while the nodes run: 1 convergence,
//             2 no loss (every record an API acknowledged with a 2xx is at the province, and every
//             case record in its case there), 3 integrity (every injected frame and record
//             rejected, none stored), 7 overdue sums (the province's board total equals the sum
//             over handling nodes, and equals the sum of what each node reports for itself); then
//             that no node exited unless killed and each stops with status 0 on SIGTERM; then, on
//             every node's LMDB store opened after the nodes stopped, with the simulator's checker
//             (testnet/store_checks.h): 3 no fork evidence anywhere but the planted fork, 4 order
//             independence (replays of the province's records of each node's scope, in feed order
//             and shuffled, give the node's digest), 5 authority safety (no valid acceptance
//             without authority; verdicts agree between nodes), 6 the planted fork detected at the
//             rogue's parent and the province, the parent's fork report valid at the province.
// Propagation latency is measured per county record: from the county API's 201 to the first poll
// (every kPollMs) of the province's GET /v1/feeds whose head for that county covers the record.
//
// The fault schedule and the workload's choices derive from the seed; timing does not, so two runs
// with one seed do the same things at the same offsets but are not identical event for event.
//
// Thread safety: runProcs blocks its calling thread, which must live until it returns (node
// processes are its children, see testnet/procs_node.h). It starts worker threads of its own, and
// sets SIGPIPE to be ignored in the calling process (a write to a node just killed must fail, not
// end govbus-testnet).
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/result.h"
#include "testnet/simulation.h"
#include "testnet/topology.h"

namespace govbus::testnet {

inline constexpr int64_t kPollMs = 100;

struct ProcsOptions {
  uint64_t seed = 1;
  int64_t workloadMs = 30'000;
  int64_t convergeLimitMs = 120'000;
  double casesPerSecond = 4;      // over all counties
  bool faults = true;             // kill -9, pauses, link cuts, partitions, the rogue
  std::filesystem::path binDir;   // govbus-node and govbus-admin
  std::filesystem::path dataDir;  // the repository's data/ (sample catalog)
  // Where the node directories go: empty for a new directory under $TMPDIR, removed at the end
  // unless `keep`.
  std::filesystem::path workDir;
  bool keep = false;
};

// `progress` gets the milliseconds since the workload started (0 during setup) and a one-line
// description of what is going on.
Result<SimReport> runProcs(const Topology& topology, const ProcsOptions& options,
                           const ProgressFn& progress = {});

}  // namespace govbus::testnet
