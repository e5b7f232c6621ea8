// ReplicationLink: one side of a link between two nodes, as a pure state machine (DESIGN §7).
//
// It decides what to send and what an incoming message means; the caller moves bytes (ZeroMQ in
// the daemon, a simulated network in the testnet), ingests batches through its Replica, and passes
// the time in. Protocol, per connection:
//   1. both sides send Hello (certificate chain, frontier of every feed held);
//   2. each side sends the records the other lacks within the other's replication scope, in
//      batches, with the certificates of their authors attached once per connection;
//   3. the receiver ingests a batch in one durable transaction, then acks the heads of the feeds
//      the batch carried; acks come back in batch order;
//   4. new records are sent as they commit (the caller calls nextBatch again).
// Scope: a feed F goes to peer Q when Q stores it — F is Q itself or one of Q's ancestors
// (downward: certificates, catalog, delegations, orders) or Q is an ancestor of F (upward: cases,
// complaints). The peer's own feed is included, so a node restored from an old backup gets back
// what it had authored.
// Flow control: at most `maxInflightRecords` unacknowledged records per link; a feed whose records
// the peer did not take (head short of what was sent) is retried after `stalledRetryMs`, from the
// peer's acknowledged head.
//
// Thread safety: none; one owner per link.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/sync_codec.h"
#include "sync/feed_store.h"
#include "sync/trust_store.h"

namespace govbus {

inline constexpr uint64_t kMaxInflightRecordsPerLink = 4096;
inline constexpr size_t kMaxRecordsPerSyncBatch = 512;
inline constexpr size_t kMaxSyncBatchBytes = 4 * 1024 * 1024;
inline constexpr int64_t kStalledFeedRetryMs = 2000;

struct LinkLimits {
  uint64_t maxInflightRecords = kMaxInflightRecordsPerLink;
  size_t maxBatchRecords = kMaxRecordsPerSyncBatch;
  size_t maxBatchBytes = kMaxSyncBatchBytes;
  int64_t stalledRetryMs = kStalledFeedRetryMs;
};

class ReplicationLink {
 public:
  explicit ReplicationLink(std::string self, LinkLimits limits = {})
      : self_(std::move(self)), limits_(limits) {}

  // Forgets everything about the peer: call when a connection (re)starts.
  void reset();

  // Our Hello: our chain and the heads of every feed we hold.
  static Result<Hello> makeHello(const std::string& self, FeedReader& view,
                                 const TrustStore& trust);

  // The peer's Hello. Verifies its chain to our anchor at `nowMs`; an error means: drop the peer.
  // `expectedPeer`, when set, is the code the transport authenticated (its CurveZMQ key).
  Status onHello(const Hello& hello, const TrustStore& trust, int64_t nowMs,
                 const std::optional<std::string>& expectedPeer = std::nullopt);

  bool ready() const { return peer_.has_value(); }
  const std::string& peer() const { return *peer_; }

  // The next batch to send, if the window allows and the peer lacks something in its scope.
  Result<std::optional<RecordsBatch>> nextBatch(FeedReader& view, const TrustStore& trust,
                                                int64_t nowMs);

  // The peer acknowledged the oldest batch in flight. Returns the peer's new heads, to persist as
  // its position.
  Frontier onAck(const Ack& ack, int64_t nowMs);

  // What we ack after ingesting `batch` from the peer: our heads of the feeds it carried.
  static Result<Ack> ackFor(FeedReader& view, const RecordsBatch& batch);

  // The peer sent us a record of `author`'s feed at `seq` that passed our integrity check. A node
  // holds feeds without gaps, so it holds that feed at least that far: nextBatch will not offer
  // those records back (without this, every record climbing the tree echoes back down once).
  // The window is unaffected: in-flight batches are ours.
  void notePeerHas(const std::string& author, uint64_t seq);

  uint64_t inflightRecords() const { return inflight_; }
  // Records in the peer's scope that it is not known to hold (sync lag, in records).
  Result<uint64_t> lagRecords(FeedReader& view, const TrustStore& trust);
  // Wall time of the oldest record in the peer's scope that it is not known to hold (sync lag in
  // time); nullopt when it holds everything.
  Result<std::optional<int64_t>> oldestLackingWallTimeMs(FeedReader& view, const TrustStore& trust);
  // Heads the peer has acknowledged or announced.
  const std::map<std::string, uint64_t>& peerHeads() const { return peerHas_; }

 private:
  bool inScope(const std::string& author, const TrustStore& trust);

  std::string self_;
  LinkLimits limits_;
  std::optional<std::string> peer_;
  std::set<std::string> peerAncestors_;
  std::map<std::string, uint64_t> peerHas_;   // acknowledged or announced heads
  std::map<std::string, uint64_t> sentUpTo_;  // highest seq sent per feed on this connection
  std::map<std::string, int64_t> stalledUntil_;
  std::map<std::string, bool> scopeCache_;
  std::set<std::pair<std::string, uint32_t>> certificatesSent_;
  struct InFlight {
    std::map<std::string, uint64_t> lastSeq;  // per feed, the last seq this batch carried
    uint64_t records = 0;
  };
  std::deque<InFlight> inflightBatches_;
  uint64_t inflight_ = 0;
  size_t cursor_ = 0;  // round-robin start over feeds, so one busy feed cannot starve the others
};

}  // namespace govbus
