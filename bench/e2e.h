// E2e: county → city → province propagation with real govbus-node processes (`govbus-bench
// --e2e`, `make bench-e2e`).
//
// Three nodes on 127.0.0.1 — 430000 湖南省, 430100 长沙市, 430102 芙蓉区 — set up as an operator
// does it (govbus-admin init, anchor, enroll through the running parent's API; testnet/procs_node.h
// runs the processes), with the default sync timings. The province publishes one county-level
// catalog item; then the bench files `received` case events at the county's API:
//   ceiling   closed loop: `writers` keep-alive connections, each posting its next write as soon
//             as the previous one is acknowledged — the county API's own commit rate, with
//             replication running, measured in the same run as the rest;
//   latency   open loop at `latencyRate` writes/s for `latencySeconds`: each write is due at
//             t0 + i / rate and sent by the next free writer; propagation latency per record is
//             from the county API's 201 (received by the bench) to the first poll of the
//             province's store that holds it;
//   steps     the same at each rate of `stepRates` for `stepSeconds`, until one is not sustained.
// The province's store is polled every kPollIntervalUs by opening its LMDB environment read-only
// from this process (LmdbStore; LMDB allows readers in other processes): one read transaction and
// one key lookup per poll, so polling at sub-millisecond granularity costs the province's threads
// nothing, whereas an HTTP poll would run on the province's own API threads and CPU at 500+
// requests a second. A record counts as arrived when the transaction that stored it has committed.
//
// A rate is sustained when the achieved write rate is at least kSustainedFraction of the offered
// one and, when the last write of the step is acknowledged, the province lags by at most
// kSustainedEndLagMs (the age of the oldest acknowledged record it does not hold yet): a backlog
// that grows during the step shows there, a bounded one does not. After each step the bench waits
// until the province holds every acknowledged record (drain time), so steps do not overlap.
//
// Thread safety: runE2e blocks its calling thread, which must live until it returns (the nodes are
// its children); it starts writer and poller threads of its own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "base/result.h"

namespace govbus::bench {

inline constexpr int64_t kPollIntervalUs = 500;
inline constexpr double kSustainedFraction = 0.95;
inline constexpr int64_t kSustainedEndLagMs = 500;

struct E2eOptions {
  std::filesystem::path binDir;  // govbus-node and govbus-admin
  int writers = 32;              // keep-alive HTTP connections to the county API
  double ceilingSeconds = 5;
  double latencyRate = 1000;
  double latencySeconds = 15;
  std::vector<double> stepRates = {500, 1000, 1500, 2000, 3000, 4000, 6000, 8000};
  double stepSeconds = 8;
  bool keep = false;  // keep the node directories (printed) for inspection
};

// Runs everything and prints the tables; an error when the network could not be set up or a
// write failed.
Status runE2e(const E2eOptions& options);

// Catch-up (`govbus-bench --catch-up`): the same three nodes; the city goes down, the county takes
// `records` writes through its API meanwhile (offline from the province), the city comes back,
// and the bench times how long until the province holds them all — from the city's restart, and
// from the first record reaching the city (without the start and the county's reconnect backoff)
// — and prints it as a ratio to the single-core verify limit for as many records (one thread's
// Ed25519 verify rate, measured in the same run). Each hop verifies every record on every core.
Status runCatchUp(const E2eOptions& options, size_t records);

}  // namespace govbus::bench
