// Engine: the node's writer thread — the one owner of the Replica and of every ReplicationLink.
//
// Everything that changes the store goes through this thread, in the order it was queued:
//   - sync messages the transport received (Hello, RecordsBatch, Ack), already decoded and
//     structurally checked on the I/O thread; signatures are verified here, inside Replica::ingest,
//     so the I/O thread never waits on cryptography or fsync;
//   - records the API asks the node to author (the caller waits on a future); every API write
//     taken in one turn of the loop is authored in one durable transaction (Replica::authorAll:
//     group commit, so concurrent writers share an fsync), each caller getting its own outcome;
//   - connection events (a dialled upstream opened, a connection closed).
// A downstream connection that sends records or acks without a link here (its link was dropped,
// or its hello refused) is closed at the transport, which then answers it with Reconnect
// (transport.h), so the peer greets again instead of waiting for its ack timeout.
// Consecutive record batches, from any peers, are ingested together in one durable transaction
// (group commit, at most kMaxRecordsPerCommit records), then each batch is acked in its own order
// with ReplicationLink::ackFor. After anything commits, and whenever an ack frees window, every
// ready link is asked for its next batch, so new records are pushed as they commit.
//
// Bounds (backpressure instead of unbounded queues; node/memory_budget.h):
//   - per peer, at most kMaxQueuedMessagesPerPeer messages and kMaxQueuedBytesPerPeer bytes wait
//     here; all peers together at most kMaxQueuedBytesTotal. Every message kind counts. A batch
//     over the byte bounds is not queued: the peer gets an ack of our current heads instead, and
//     its link resends those feeds after its stalled-retry pause; a hello or an ack over them is
//     dropped (counted as backpressure): the peer's timeouts recover it. A well-behaved peer never
//     reaches these bounds, because its own window (kMaxInflightRecordsPerLink records,
//     kMaxInflightBytesPerLink bytes) is smaller.
//   - per link, at most kMaxInflightRecordsPerLink records and kMaxInflightBytesPerLink bytes sent
//     and not yet acknowledged;
//   - at most kMaxPendingApiWrites API writes wait; more are refused (HTTP 503).
// Own feed first: a node that starts with an empty own feed (its first start — or a lost disk) may
// not author anything until an upstream has said how far that feed already goes and the node holds
// it that far; otherwise it would sign a second record #1 and fork its own feed. API writes wait
// (at most kOwnFeedWaitMs) instead of failing. The root has no upstream and is exempt.
// Readers (the API) see the authority state through a copy, published at once after API writes
// and, while a backlog of peer batches lasts, at most every kAuthoritySnapshotMs after records
// from peers (at once when the backlog is drained).
// Acked positions are persisted (FeedTxn::putPeerPosition) at most every kPositionFlushMs and on
// stop: the Hello exchange re-establishes them anyway, so a lost second costs a few resent records.
// Storage housekeeping (issue 13, item 6), at start and then every kStoreCheckMs: records that have
// waited in the out-of-order buffer longer than kMaxPendingAgeMs are dropped (counted as
// records_rejected{reason="buffer_expired"}, logged), and from kStoreMapWarnRatio of the LMDB map
// in use the node logs a warning that names the setting to raise.
//
// Thread safety: the public methods may be called from any thread; everything else runs on the
// engine's own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "node/memory_budget.h"
#include "node/metrics.h"
#include "node/node_config.h"
#include "node/node_identity.h"
#include "node/outbox.h"
#include "node/peer_keys.h"
#include "node/rate_limited_log.h"
#include "sync/replica.h"
#include "sync/replication_link.h"
#include "sync/witness_schedule.h"

namespace govbus {

inline constexpr size_t kMaxRecordsPerCommit = 8192;
inline constexpr size_t kMaxPendingApiWrites = 1024;
inline constexpr size_t kMaxLinks = kMaxDownstreamConnections + kUpstreamConnections;
inline constexpr int64_t kEngineTickMs = 50;
inline constexpr int64_t kPumpIntervalMs = 250;
inline constexpr int64_t kPositionFlushMs = 1000;
inline constexpr int64_t kLinkInfoRefreshMs = 1000;
inline constexpr int64_t kAuthoritySnapshotMs = 1000;
inline constexpr int64_t kApiWriteTimeoutMs = 30'000;
inline constexpr int64_t kOwnFeedWaitMs = 20'000;
inline constexpr int64_t kStoreCheckMs = 60'000;
inline constexpr double kStoreMapWarnRatio = 0.8;
static_assert(kStoreCheckMs <= kMaxPendingAgeMs / 10,
              "a buffered record outlives its age by little");
static_assert(kOwnFeedWaitMs < kApiWriteTimeoutMs,
              "a parked write gets its specific error before the API gives up");
// An ack-only reply (a batch over quota) is charged this much against the peer's byte quota.
inline constexpr size_t kAckOnlyChargeBytes = 256;

static_assert(kMaxRecordsPerCommit >= kMaxRecordsPerSyncBatch, "one whole batch fits one commit");

// The warning the node logs when `usedRatio` of its LMDB map is in use (none below
// kStoreMapWarnRatio): what happens at 100% and what to raise.
std::optional<std::string> storeMapWarning(double usedRatio, uint64_t mapSizeMb);

// One decoded message from a peer, as the transport hands it over.
struct PeerMessage {
  std::string peerKey;
  std::string code;  // authenticated: the ZAP User-Id, or the upstream we dialled
  PeerDirection direction = PeerDirection::kDownstream;
  SyncMessage message;
  size_t frameBytes = 0;
};

// What /v1/peers and /metrics show about one link.
struct LinkInfo {
  std::string code;
  PeerDirection direction = PeerDirection::kDownstream;
  bool connected = false;  // a connection exists (upstream: dialled; downstream: it spoke)
  bool ready = false;      // hellos exchanged, records flow
  uint64_t inflightRecords = 0;
  uint64_t lagRecords = 0;    // records in the peer's scope it is not known to hold
  int64_t behindSinceMs = 0;  // wall time of the oldest record the peer lacks (0: in sync)
  int64_t connectedAtMs = 0;
  int64_t lastAckMs = 0;
  uint64_t recordsSent = 0;      // on this connection
  uint64_t batchesReceived = 0;  // on this connection
};

class Engine {
 public:
  Engine(Replica& replica, const NodeIdentity& identity, Outbox& outbox, PeerKeysSnapshot& keys,
         Metrics& metrics, SyncTimings timings, std::function<void(const std::string&)> onFatal);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- before start() (issue #5: test clock, restored store) ---
  // Added to the wall clock for everything this node stamps and judges; config [testing] only.
  void setClockOffsetMs(int64_t offsetMs) { clockOffsetMs_ = offsetMs; }
  // The store was restored from a backup: the own feed may lack records this node signed after
  // the backup, so writes wait as they do for an empty own feed, until an upstream (for a restored
  // root: a child) has announced the feed's head and the node holds it. `confirmed` runs then, on
  // the writer thread (the daemon removes the restore marker).
  void requireOwnFeedConfirmation(std::function<void()> confirmed) {
    restored_ = true;
    onOwnFeedConfirmed_ = std::move(confirmed);
  }

  // How full the store's LMDB map is (0..1), and its size: the daemon passes LmdbStore::size();
  // without it /metrics has no govbus_store_map_used_ratio and nothing warns. Called from the
  // engine's thread and from API threads.
  struct MapUsage {
    double usedRatio = 0;
    uint64_t mapSizeMb = 0;
  };
  void setStoreUsage(std::function<std::optional<MapUsage>()> usage) {
    storeUsage_ = std::move(usage);
  }

  // Publishes the first snapshots (authority, peer keys) synchronously, then starts the thread.
  Status start();
  // Processes everything already queued, persists positions, and joins the thread.
  void stop();

  // --- from the transport thread ---
  void deliver(PeerMessage message);
  void peerOpened(const std::string& peerKey, const std::string& code, PeerDirection direction);
  void peerClosed(const std::string& peerKey);

  // --- from API threads ---
  // Authors `payload` as this node's next record; the future is ready once it is committed (or
  // refused). Refuses at once with kBufferFull when kMaxPendingApiWrites are waiting.
  std::future<Result<RecordRef>> author(Payload payload);

  // --- snapshots, any thread ---
  std::shared_ptr<const AuthorityState> authority() const;
  std::vector<LinkInfo> links() const;
  // Whether API writes are taken now. Closed while this node's own feed waits for its upstream
  // (first start, lost or restored store); /v1/status and `govbus-admin status` say so.
  struct WriteGate {
    bool open = false;
    bool restored = false;       // the store was restored from a backup
    bool upstreamHeard = false;  // the upstream announced our feed's head
    uint64_t ownFeedTarget = 0;  // that head
  };
  WriteGate writeGate() const;
  int64_t lastLoopSteadyMs() const { return lastLoopMs_.load(); }
  FeedStore& store() { return replica_.store(); }
  std::optional<MapUsage> storeUsage() const { return storeUsage_ ? storeUsage_() : std::nullopt; }
  const std::string& code() const { return identity_.code; }

 private:
  struct CmdMessage {
    PeerMessage m;
  };
  struct CmdAckOnly {
    std::string peerKey;
    std::vector<std::string> authors;
  };
  struct CmdOpened {
    std::string peerKey;
    std::string code;
    PeerDirection direction;
  };
  struct CmdClosed {
    std::string peerKey;
  };
  struct CmdAuthor {
    Payload payload;
    std::promise<Result<RecordRef>> done;
  };
  using Command = std::variant<CmdMessage, CmdAckOnly, CmdOpened, CmdClosed, CmdAuthor>;
  struct Queued {
    Command command;
    std::string chargedPeer;  // empty: not charged to a peer quota
    size_t chargedBytes = 0;
    size_t records = 0;
  };
  struct Quota {
    size_t bytes = 0;
    size_t messages = 0;
  };
  struct Link {
    std::string code;
    PeerDirection direction;
    ReplicationLink link;
    bool ready = false;
    std::deque<size_t> inflightBytes;  // encoded size of each unacknowledged batch, oldest first
    uint64_t inflightBytesTotal = 0;
    int64_t connectedAtMs = 0;
    int64_t lastAckMs = 0;
    int64_t oldestUnackedSinceMs = 0;  // steady ms when the window last went from empty to busy
    int64_t behindSinceMs = 0;
    uint64_t lag = 0;
    uint64_t recordsSent = 0;
    uint64_t batchesReceived = 0;
  };
  struct Parked {
    CmdAuthor command;
    int64_t sinceMs = 0;  // steady
  };
  struct GroupEntry {
    std::string peerKey;
    RecordsBatch batch;  // empty records: an ack-only entry
    std::vector<std::string> ackAuthors;
  };

  void run();
  void process(std::deque<Queued>& commands);
  void handleOpened(const CmdOpened& c);
  void handleClosed(const std::string& peerKey);
  void handleHello(const PeerMessage& m, const Hello& hello);
  void handleAck(const PeerMessage& m, const Ack& ack);
  // A downstream connection spoke without a link here: have the transport forget it.
  void forgetConnection(const PeerMessage& m);
  // Authors the payloads of every API write taken in this turn in one transaction (group commit),
  // answers each caller, then pushes the new records to the peers.
  void handleAuthors(const std::vector<CmdAuthor*>& commands);
  void flushGroup(std::vector<GroupEntry>& group);
  void checkOwnFeed();
  void afterCommit(const std::vector<CheckedRecord>& appended, size_t trustSizeBefore);
  void pump(const std::string& peerKey, Link& link);
  void pumpAll();
  void tick();
  void flushPositions();
  // Expires old buffered records and warns about a filling map (see the top of this file).
  void checkStore();
  // Witnessed time (DESIGN §6): states how far the children's feeds are stored, at most once per
  // witness interval; reports an upstream outage once the link is back.
  void witnessChildren(bool stopping = false);
  void authorOwn(Payload payload);
  void refreshLinkInfo();
  void publishAuthority(bool now);
  void refreshPeerKeys();
  void sendHello(const std::string& peerKey);
  void send(const std::string& peerKey, const SyncMessage& message, const char* kind);
  void reject(const std::string& reason, const std::string& peer, const std::string& detail);
  int64_t nowMs() const;

  Replica& replica_;
  const NodeIdentity& identity_;
  Outbox& outbox_;
  PeerKeysSnapshot& keys_;
  Metrics& metrics_;
  SyncTimings timings_;
  std::function<void(const std::string&)> onFatal_;

  // Queue shared with the producers.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  std::map<std::string, Quota> quotas_;
  size_t queuedBytes_ = 0;
  size_t pendingApiWrites_ = 0;
  bool stopping_ = false;

  // Snapshots for readers.
  mutable std::mutex snapMu_;
  std::shared_ptr<const AuthorityState> authority_;
  std::vector<LinkInfo> linkInfo_;

  // Engine-thread state.
  std::map<std::string, Link> links_;  // by peer key
  std::map<std::string, std::map<std::string, uint64_t>>
      dirtyPositions_;                         // peer code → author → seq
  std::map<std::string, int64_t> lastSeenMs_;  // peer code → wall time of its last ack or batch
  RateLimiter limiter_;
  int64_t lastPumpMs_ = 0;
  int64_t lastPositionFlushMs_ = 0;
  int64_t lastStoreCheckMs_ = 0;
  std::function<std::optional<MapUsage>()> storeUsage_;
  int64_t lastInfoMs_ = 0;
  int64_t lastPeerKeysMs_ = 0;
  int64_t lastAuthoritySnapshotMs_ = 0;
  bool authorityDirty_ = false;
  bool peerKeysDirty_ = false;
  int64_t peerKeysStaleAtMs_ = INT64_MAX;  // node clock: a certificate's validity changes then
  bool ownFeedConfirmed_ = false;
  bool upstreamHeard_ = false;
  uint64_t ownFeedTarget_ = 0;  // our feed's head as the upstream announced it
  std::deque<Parked> parked_;   // API writes waiting for ownFeedConfirmed_
  std::atomic<int64_t> lastLoopMs_{0};
  // Mirrors of ownFeedConfirmed_, upstreamHeard_ and ownFeedTarget_ for writeGate().
  std::atomic<bool> gateOpen_{false};
  std::atomic<bool> gateHeard_{false};
  std::atomic<uint64_t> gateTarget_{0};
  int64_t clockOffsetMs_ = 0;
  WitnessSchedule witnessSchedule_;
  OutageTracker upstreamOutage_;
  bool restored_ = false;
  std::function<void()> onOwnFeedConfirmed_;
  std::thread thread_;
};

}  // namespace govbus
