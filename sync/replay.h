// Replay: a store's records fed again, in feed order and with bounded memory, to recompute the
// derived state — `govbus-admin verify` (every record through the integrity check into a scratch
// store's state table) and rebuild (the store's own state, recomputed in place).
//
// Feed order: the feeds merged by Lamport clock (ties by author, then seq), each feed in its own
// order — the causal order in which a node could have learned them. FeedOrder holds one record per
// feed, so memory does not grow with the store. Phase 1 of each batch (decode, hash, signature:
// checkRecords) runs on the shell's Parallel; everything after it runs in input order, so the
// result never depends on thread timing.
//
// Records are read through an overlay transaction whose feed heads are those replayed so far: the
// state engine sees exactly the records fed to it, as a node that received them in this order
// would have. The derived state is written in transactions of at most recordsPerCommit records.
//
// Thread safety: one thread drives a replay; only Parallel::forEach fans out.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "base/result.h"
#include "sync/feed_store.h"
#include "sync/parallel.h"
#include "sync/state_engine.h"
#include "sync/trust_store.h"

namespace govbus {

inline constexpr size_t kReplayBatchRecords = 1024;
inline constexpr size_t kReplayRecordsPerCommit = 16384;
static_assert(kReplayBatchRecords <= kReplayRecordsPerCommit);

// Every record of the feeds present when it started, once, in feed order.
class FeedOrder {
 public:
  struct Item {
    std::string author;
    uint64_t seq = 0;
    Bytes stored;  // the SignedRecord message as stored
    Hash256 id{};  // the id stored beside it
  };
  // A feed that cannot be walked on (a record missing below its head, one whose envelope does not
  // decode or names another place) stops there; `problem` hears why.
  using Problem = std::function<void(const std::string&)>;

  static Result<FeedOrder> start(FeedReader& view, Problem problem);
  // Up to `max` next records; empty when every feed is done.
  Result<std::vector<Item>> take(FeedReader& view, size_t max);
  uint64_t total() const { return total_; }
  const std::map<std::string, FeedHead>& heads() const { return heads_; }  // as at start()

 private:
  struct Cursor {
    uint64_t lamport;
    std::string author;
    uint64_t seq;
    Item item;
    bool operator>(const Cursor& o) const {
      return std::tie(lamport, author, seq) > std::tie(o.lamport, o.author, o.seq);
    }
  };
  Status push(FeedReader& view, const std::string& author, uint64_t seq);

  Problem problem_;
  std::map<std::string, FeedHead> heads_;
  std::priority_queue<Cursor, std::vector<Cursor>, std::greater<>> next_;
  uint64_t total_ = 0;
};

struct ReplayOptions {
  Parallel* parallel = nullptr;  // serial when null
  size_t batchRecords = kReplayBatchRecords;
  size_t recordsPerCommit = kReplayRecordsPerCommit;
  // After each batch: records done so far and in all.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct ReplayResult {
  uint64_t records = 0;                   // records fed
  std::map<std::string, FeedHead> heads;  // the heads the replay reached
  Hash256 digest{};                       // of the recomputed state
};

// Verify: every record of `source` through the integrity check at the door (signature, key,
// certificate chain, hash link, sequence; key revocations act on what follows them in feed order)
// with `trust` (the anchor and the stored certificates), and every record that passes through the
// state engine, whose state goes into `scratch` (a fresh, empty store; nothing else of it is used).
// Each record that does not pass, or whose stored id is not the hash of its body, is a problem.
Result<ReplayResult> replayForVerify(FeedReader& source, FeedStore& scratch, TrustStore trust,
                                     const ReplayOptions& options,
                                     const FeedOrder::Problem& problem);

// Rebuild: drops `store`'s derived state and recomputes it from every stored record with
// `engine`, in place. Signatures are checked again under the anchor and the stored certificates
// (key revocations are not applied: a record the node stored before its key was revoked stays in
// the feed and in the state), and so are hash links and sequences; a record that fails stops the
// rebuild, leaving the state marked incomplete (StateEngine::load then asks for a rebuild).
Result<ReplayResult> rebuildState(FeedStore& store, StateEngine& engine,
                                  const SignedCertificate& anchor, const ReplayOptions& options);

}  // namespace govbus
