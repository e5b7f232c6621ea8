// Ingest: the integrity check of DESIGN §4 and the append of records to feeds.
//
// Two phases, so that the expensive part runs outside the single write transaction:
//   1. checkRecord (any thread, no store): decode within limits, compute the id (BLAKE2b-256 of the
//      signed body), verify the signature under the author's enrolled key.
//   2. Ingestor::apply (inside a FeedTxn): compare with the author's feed and decide:
//        seq <= head, same id        → duplicate, a no-op (whatever the signature bytes are);
//        seq <= head, different id   → fork: both records kept as evidence, nothing appended;
//        seq == head + 1, link ok    → appended; buffered successors are appended after it;
//        seq == head + 1, bad link   → rejected (kBrokenLink);
//        seq == head + 1, bad clock  → rejected (kBadClock): the Lamport clock must be above the
//                                      predecessor's and at most kMaxLamportJump above it (at
//                                      most kMaxLamportJump at seq 1), and the wall time not
//                                      before the predecessor's — rules of the feed alone, so
//                                      every node judges a record the same;
//        seq >  head + 1             → buffered until the gap fills (bounded), or rejected when
//        full; a buffered record expires after kMaxPendingAgeMs (expirePending).
//      A record that would take its author over its quota (IngestLimits::maxBytesPerAuthor, the
//      author's stored and buffered bytes) is rejected (kQuotaExceeded).
//      A record whose signature failed in phase 1 is rejected unless it is a duplicate.
// A rejected record is never stored. Trust changes carried by appended records (certificates, key
// revocations) take effect for the records after them, also within one batch.
//
// Thread safety: checkRecord is reentrant given a const TrustStore (checkRecords runs it on the
// shell's worker pool); an Ingestor belongs to the thread that owns the write transaction.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/record.h"
#include "sync/feed_store.h"
#include "sync/parallel.h"
#include "sync/trust_store.h"

namespace govbus {

// Out-of-order buffer bounds: total records waiting, and how far ahead of a feed's head a record
// may be to wait at all (further ahead, the sender must resend it later).
inline constexpr uint64_t kMaxPendingRecords = 65536;
inline constexpr uint64_t kMaxPendingAheadPerFeed = 4096;
static_assert(kMaxPendingAheadPerFeed <= kMaxPendingRecords);
// A buffered record whose gap has not filled for this long is dropped (expirePending): its
// predecessor is not coming (it was refused, or the sender has moved on), and a sender resends
// what its peer lacks anyway.
inline constexpr int64_t kMaxPendingAgeMs = 60LL * 60 * 1000;

struct CheckedRecord {
  Bytes stored;  // the SignedRecord message, exactly as it will be stored
  SignedRecord signedRecord;
  Record record;
  Hash256 id{};
  Status signature;  // phase-1 verdict, applied in phase 2 unless the record is a duplicate
};

// Phase 1 from a SignedRecord message.
Result<CheckedRecord> checkRecord(ByteView signedRecordBytes, const TrustStore& trust);
// Phase 1 from the parts of a SignedRecord (as found inside a batch message).
Result<CheckedRecord> checkRecord(SignedRecord signedRecord, const TrustStore& trust);
// Phase 1 for a batch, spread over `parallel` (sync/parallel.h); results in input order, the same
// whatever the parallelism. `trust` must not change until it returns.
std::vector<Result<CheckedRecord>> checkRecords(std::vector<Result<SignedRecord>> records,
                                                const TrustStore& trust, Parallel& parallel);
std::vector<Result<CheckedRecord>> checkRecords(std::span<const Bytes> signedRecords,
                                                const TrustStore& trust, Parallel& parallel);

enum class IngestOutcome { kAppended, kDuplicate, kBuffered, kFork, kRejected };
const char* ingestOutcomeName(IngestOutcome outcome);

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::kRejected;
  std::string author;
  uint64_t seq = 0;
  std::optional<Error> error;  // why it was rejected, or what the fork was
  // Buffered successors this record released that no longer fit (their hash link or signer no
  // longer holds, e.g. they follow the other branch of a fork): dropped, never stored; counted so
  // that the node can report them.
  uint64_t droppedOnRelease = 0;
};

struct IngestLimits {
  uint64_t maxPendingRecords = kMaxPendingRecords;
  uint64_t maxPendingAheadPerFeed = kMaxPendingAheadPerFeed;
  // Per-author quota: the bytes of an author's stored records plus those it has waiting in the
  // out-of-order buffer (0: none). A record that would take its author over it is refused
  // (kQuotaExceeded), so no single enrolled node can fill the store. `exemptAuthors` have none:
  // the node itself (its own writes come through its API) and its ancestors (who outrank it and
  // could revoke it anyway; a county must keep taking its province's catalog and witnesses).
  // Which records a node stores is its own policy, not a rule every node shares (PROTOCOL §9).
  uint64_t maxBytesPerAuthor = 0;
  std::set<std::string, std::less<>> exemptAuthors;
  // The node's clock, stamped on buffered records so that they can expire (node clock, not part
  // of any verdict or digest).
  int64_t nowMs = 0;
};

// Drops buffered records that arrived before `olderThanMs`; returns how many.
Result<uint64_t> expirePending(FeedTxn& txn, int64_t olderThanMs);

class Ingestor {
 public:
  explicit Ingestor(TrustStore& trust, IngestLimits limits = {}) : trust_(trust), limits_(limits) {}

  // Phase 2 for one record. Every record appended to a feed, this one and buffered successors it
  // released, is pushed onto `appended` in feed order (the state layer applies them next).
  Result<IngestResult> apply(FeedTxn& txn, CheckedRecord record,
                             std::vector<CheckedRecord>& appended);

 private:
  Result<IngestResult> applyNext(FeedTxn& txn, CheckedRecord record,
                                 const std::optional<FeedHead>& head,
                                 std::vector<CheckedRecord>& appended);
  Status appendOne(FeedTxn& txn, CheckedRecord& record, std::vector<CheckedRecord>& appended);
  // The bytes `author` has waiting in the out-of-order buffer, scanned once per ingestor and then
  // kept up to date as it buffers and releases records.
  Result<uint64_t*> pendingBytes(FeedTxn& txn, const std::string& author);
  // kQuotaExceeded when `extra` more bytes would take the author over its quota.
  Result<std::optional<Error>> overQuota(FeedTxn& txn, const Envelope& env,
                                         const std::optional<FeedHead>& head, uint64_t extra);
  struct FeedClock {
    uint64_t lamport = 0;
    int64_t wallTimeMs = 0;
  };
  // The clock of the record at `head` (read from the store unless this ingestor appended it).
  Result<std::optional<FeedClock>> clockAt(FeedTxn& txn, const std::string& author,
                                           const std::optional<FeedHead>& head);

  TrustStore& trust_;
  IngestLimits limits_;
  std::map<std::string, FeedClock, std::less<>> lastAppended_;  // per feed, by this ingestor
  std::map<std::string, uint64_t, std::less<>> pendingBytes_;   // per feed, see pendingBytes()
};

// The clock rules of the door (see above): why `next` may not follow a record with clock `prev`
// (none: `next` is a feed's first record), or nothing when it may.
std::optional<Error> clockViolation(const Envelope& next, std::optional<uint64_t> prevLamport,
                                    std::optional<int64_t> prevWallTimeMs);

// Phase 1 and 2 for a batch in one write transaction, committed before returning: the whole batch
// is durable, or (on a storage error) none of it is and the error says why. On a storage error the
// caller must rebuild `trust` from the store, since trust changes may have been applied.
struct BatchResult {
  std::vector<IngestResult> results;  // one per input, in input order
  std::vector<CheckedRecord> appended;
};
Result<BatchResult> ingestBatch(FeedStore& store, TrustStore& trust,
                                std::span<const Bytes> signedRecords, IngestLimits limits = {},
                                Parallel* parallel = nullptr);

}  // namespace govbus
