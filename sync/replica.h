// Replica: one node's feeds, trust and derived state behind a single write path.
//
// Every write — a batch from a peer, or a record this node authors — goes through one write
// transaction: integrity check, append, state apply, commit. The node refuses to author a record
// that its own current state would judge void (DESIGN §4): the record is signed, applied inside
// the transaction, and if its verdict is void the transaction is rolled back and the caller gets
// an error naming the rule.
//
// In-memory state (trust, the authority state) moves with the transaction: a transaction that is
// refused or fails takes its in-memory effects with it (an undo journal, sync/authority.h), so a
// refused write costs what its judgement cost, and nothing is ever re-read from the store.
//
// A replica with an identity that detects equivocation while ingesting authors a fork report in
// its own feed, so that the evidence travels up to the province.
//
// Phase 1 of ingest (decode, hash, signature) runs on the Parallel given with setParallel() (the
// daemon's worker pool); serial otherwise.
//
// The same class runs under the daemon (LmdbStore) and the simulator (MemoryStore).
//
// Thread safety: one owner; callers serialize writes (the daemon's writer thread).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/keys.h"
#include "sync/feed_author.h"
#include "sync/feed_store.h"
#include "sync/ingest.h"
#include "sync/parallel.h"
#include "sync/replay.h"
#include "sync/state_engine.h"
#include "sync/trust_store.h"

namespace govbus {

struct Identity {
  std::string code;
  uint32_t keySerial = 1;
  const SigningKey* key = nullptr;     // borrowed; must outlive the Replica
  std::vector<std::string> ancestors;  // root first, parent last
};

class Replica {
 public:
  // Loads trust (anchor + stored certificates and revocations) and the derived state; rebuilds
  // the derived state first when it is of an older layout or a rebuild was interrupted.
  static Result<std::unique_ptr<Replica>> open(FeedStore& store, const SignedCertificate& anchor,
                                               std::optional<Identity> identity = std::nullopt,
                                               IngestLimits limits = {},
                                               Parallel* parallel = nullptr);

  // Where phase 1 of ingest runs from now on (borrowed; must outlive the Replica). Null: serial.
  void setParallel(Parallel* parallel) { parallel_ = parallel; }

  // Checks, appends and applies a batch of SignedRecord messages in one durable transaction.
  // Certificates are admitted first (a peer attaches the chains of the authors it sends).
  Result<BatchResult> ingest(std::span<const Bytes> signedRecords,
                             std::span<const SignedCertificate> certificates = {});
  // The same for records as a RecordsBatch carries them.
  Result<BatchResult> ingest(std::vector<SignedRecord> records,
                             std::span<const SignedCertificate> certificates = {});

  // Signs `payload` as this node's next record, applies and commits it; refuses (kInvalidArgument
  // naming the void reason) when the state would judge it void.
  Result<RecordRef> author(Payload payload, int64_t wallTimeMs);
  // The same for several payloads in order, committed together (group commit: one fsync for all),
  // with the same outcome per payload as authoring them one by one: a refused payload gets its
  // error and is not written, the others are; each sees the records before it. A refusal rolls the
  // transaction (and memory with it) back and redoes what preceded it, so refusals cost one extra
  // pass each.
  std::vector<Result<RecordRef>> authorAll(std::vector<Payload> payloads, int64_t wallTimeMs);

  // The reason `payload` would be void if authored now, without writing anything.
  Result<VoidReason> wouldBeVoid(const Payload& payload, int64_t wallTimeMs);

  // The wall time to stamp on records the replica authors by itself (fork reports); the daemon
  // and the simulator set it from their clocks before each ingest.
  void setClock(int64_t nowMs) { nowForReports_ = nowMs; }

  // Drops the records that have waited in the out-of-order buffer for longer than
  // kMaxPendingAgeMs by `nowMs` (sync/ingest.h, expirePending); returns how many. Buffered records
  // are in no derived state, so nothing else changes. Writes nothing when the buffer is empty.
  Result<uint64_t> expireBuffered(int64_t nowMs);

  // Recomputes the derived state from the feeds (sync/replay.h: streaming, in transactions of
  // bounded size). On failure the state is left marked incomplete.
  Result<ReplayResult> rebuild(const ReplayOptions& options = {});

  FeedStore& store() { return store_; }
  TrustStore& trust() { return *trust_; }
  const StateEngine& engine() const { return engine_; }
  const std::optional<Identity>& identity() const { return identity_; }
  Result<Hash256> digest();

 private:
  Replica(FeedStore& store, TrustStore trust, std::string root, std::optional<Identity> identity,
          IngestLimits limits);
  Status load();
  // The ingest limits with the replica's clock (buffered records are stamped with it).
  IngestLimits limitsNow() const {
    IngestLimits l = limits_;
    l.nowMs = nowForReports_;
    return l;
  }
  Status reportFork(const std::string& author, uint64_t seq, int64_t wallTimeMs);
  Result<RecordRef> author_(Payload payload, int64_t wallTimeMs);
  Result<BatchResult> ingestDecoded(std::vector<Result<SignedRecord>> records,
                                    std::span<const SignedCertificate> certificates);
  Result<std::pair<RecordRef, VoidReason>> authorInTxn(FeedTxn& txn, Payload payload,
                                                       int64_t wallTimeMs);

  FeedStore& store_;
  std::optional<TrustStore> trust_;
  SignedCertificate anchor_;
  StateEngine engine_;
  std::optional<Identity> identity_;
  IngestLimits limits_;
  Parallel* parallel_ = nullptr;
  int64_t nowForReports_ = 0;
  std::optional<Error> broken_;  // a rebuild failed: memory matches nothing stored
};

}  // namespace govbus
