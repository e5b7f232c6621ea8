// Store checks: the invariants of DESIGN §10 that are decided by what nodes stored, computed from
// read snapshots of their stores. One checker for both modes: the simulator hands in its
// MemoryStores, `govbus-testnet --procs` each node's LMDB store opened after the nodes stopped.
//   4 order independence  each node's state digest equals the digest the real core computes when
//                         the root's records of that node's scope are applied to a fresh store in
//                         feed order and in `shuffles` seeded interleavings (each feed's own order
//                         kept, batches of 1–8: the orders links may deliver in).
//   5 authority safety    no case acceptance a node judges valid was by a node lacking the item
//                         as its frontier had seen things, recomputed from the node's raw records
//                         by a separate reference (testnet/reference.h); and every record two
//                         nodes both hold, with what it is about in both their scopes, has the
//                         same verdict at both
//                         (void everywhere, for the same reason).
//   forks                 fork evidence per node (for 3: none but the planted one) and whether the
//                         root holds it and judges the author forked (6).
//
// Thread safety: free functions over snapshots the caller owns; single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "sync/feed_store.h"
#include "testnet/simulation.h"

namespace govbus::testnet {

struct StoreUnderCheck {
  std::string code;
  FeedReader* view = nullptr;  // a read snapshot, open for the whole check
};

// Whether `node` stores `feed` (its own, its ancestors', its descendants').
using ScopeFn = std::function<bool(const std::string& node, const std::string& feed)>;

// 4. `root` is the node holding every feed (also in `nodes`); `certificates` every certificate of
// the network (sorted parents first by the callee).
Result<Invariant> checkOrderIndependence(FeedReader& root, const SignedCertificate& anchor,
                                         std::vector<SignedCertificate> certificates,
                                         std::span<const StoreUnderCheck> nodes,
                                         const ScopeFn& inScope, uint64_t seed, int shuffles);

// 5. `rootCode` names the province (for the authority state of each node); `root` is its store,
// which tells what each void record is about. Verdicts are compared between two nodes holding a
// record when both hold what it is about (`inScope` of its case's region, a complaint's target, a
// delegation's grantee, …): a node outside that scope lacks the records the verdict depends on.
Result<Invariant> checkAuthoritySafety(const std::string& rootCode, FeedReader& root,
                                       std::span<const StoreUnderCheck> nodes,
                                       const ScopeFn& inScope);

struct ForkFinding {
  std::string node;    // where the evidence is stored
  std::string author;  // who equivocated
  uint64_t seq = 0;
};

// Every fork evidence stored at any of `nodes`.
Result<std::vector<ForkFinding>> findForks(std::span<const StoreUnderCheck> nodes);

// Authors of the valid fork reports in `view` about `author` (reports by other nodes that reached
// this one, and its own).
Result<std::set<std::string>> forkReportersAbout(FeedReader& view, const std::string& author);

// Every certificate a store holds, decoded.
Result<std::vector<SignedCertificate>> storedCertificates(FeedReader& view);

}  // namespace govbus::testnet
