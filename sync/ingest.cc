#include "sync/ingest.h"

#include <algorithm>
#include <array>

#include "crypto/hash.h"
#include "protocol/limits.h"
#include "protocol/record_codec.h"

namespace govbus {

namespace {

IngestResult resultFor(const Envelope& env, IngestOutcome outcome,
                       std::optional<Error> error = {}) {
  return IngestResult{outcome, env.author, env.seq, std::move(error)};
}

std::string where(const Envelope& env) { return env.author + "#" + std::to_string(env.seq); }

// A buffered record is stored as "GBP1", its arrival time (8 bytes, big-endian), then the
// SignedRecord message. A value without the tag (written before it existed) has arrival 0.
constexpr std::array<uint8_t, 4> kPendingTag = {'G', 'B', 'P', '1'};
constexpr size_t kPendingHeaderBytes = kPendingTag.size() + 8;

Bytes encodePending(int64_t arrivalMs, ByteView record) {
  Bytes out(kPendingTag.begin(), kPendingTag.end());
  out.resize(kPendingHeaderBytes);
  putBigEndian64(static_cast<uint64_t>(arrivalMs), out.data() + kPendingTag.size());
  out.insert(out.end(), record.begin(), record.end());
  return out;
}

struct PendingValue {
  int64_t arrivalMs = 0;
  ByteView record;
};

PendingValue decodePending(ByteView value) {
  if (value.size() >= kPendingHeaderBytes &&
      std::equal(kPendingTag.begin(), kPendingTag.end(), value.begin())) {
    return PendingValue{static_cast<int64_t>(getBigEndian64(value.data() + kPendingTag.size())),
                        value.subspan(kPendingHeaderBytes)};
  }
  return PendingValue{0, value};
}

}  // namespace

std::optional<Error> clockViolation(const Envelope& next, std::optional<uint64_t> prevLamport,
                                    std::optional<int64_t> prevWallTimeMs) {
  const uint64_t floor = prevLamport.value_or(0);
  // Saturating: the sum must not wrap into a small ceiling.
  const uint64_t ceiling =
      floor > UINT64_MAX - kMaxLamportJump ? UINT64_MAX : floor + kMaxLamportJump;
  if (next.lamport <= floor || next.lamport > ceiling) {
    return makeError(
        ErrorCode::kBadClock,
        where(next) + ": Lamport clock " + std::to_string(next.lamport) +
            (prevLamport
                 ? " must be above its predecessor's " + std::to_string(*prevLamport) +
                       " and at most " + std::to_string(kMaxLamportJump) + " above it"
                 : " of a feed's first record must be at most " + std::to_string(kMaxLamportJump)));
  }
  if (prevWallTimeMs && next.wallTimeMs < *prevWallTimeMs) {
    return makeError(ErrorCode::kBadClock,
                     where(next) + ": wall time " + std::to_string(next.wallTimeMs) +
                         " ms is before its predecessor's " + std::to_string(*prevWallTimeMs));
  }
  return std::nullopt;
}

const char* ingestOutcomeName(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::kAppended:
      return "appended";
    case IngestOutcome::kDuplicate:
      return "duplicate";
    case IngestOutcome::kBuffered:
      return "buffered";
    case IngestOutcome::kFork:
      return "fork";
    case IngestOutcome::kRejected:
      return "rejected";
  }
  return "unknown";
}

Result<CheckedRecord> checkRecord(SignedRecord signedRecord, const TrustStore& trust) {
  CheckedRecord c;
  GOVBUS_ASSIGN_OR_RETURN(c.record, decodeRecordBody(signedRecord.body));
  c.id = blake2b256(signedRecord.body);
  c.signature =
      trust.verifyRecordSignature(c.record.envelope, signedRecord.body, signedRecord.signature);
  c.stored = encodeSignedRecord(signedRecord);
  c.signedRecord = std::move(signedRecord);
  return c;
}

Result<CheckedRecord> checkRecord(ByteView signedRecordBytes, const TrustStore& trust) {
  GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(signedRecordBytes));
  return checkRecord(std::move(sr), trust);
}

namespace {

template <typename Check>
std::vector<Result<CheckedRecord>> checkAll(size_t n, Parallel& parallel, Check&& check) {
  std::vector<std::optional<Result<CheckedRecord>>> slots(n);
  parallel.forEach(n, [&](size_t i) { slots[i].emplace(check(i)); });
  std::vector<Result<CheckedRecord>> out;
  out.reserve(n);
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace

std::vector<Result<CheckedRecord>> checkRecords(std::vector<Result<SignedRecord>> records,
                                                const TrustStore& trust, Parallel& parallel) {
  return checkAll(records.size(), parallel, [&](size_t i) -> Result<CheckedRecord> {
    if (!records[i]) return records[i].error();
    return checkRecord(std::move(records[i]).value(), trust);
  });
}

std::vector<Result<CheckedRecord>> checkRecords(std::span<const Bytes> signedRecords,
                                                const TrustStore& trust, Parallel& parallel) {
  return checkAll(signedRecords.size(), parallel,
                  [&](size_t i) { return checkRecord(ByteView(signedRecords[i]), trust); });
}

Result<IngestResult> Ingestor::apply(FeedTxn& txn, CheckedRecord record,
                                     std::vector<CheckedRecord>& appended) {
  const Envelope& env = record.record.envelope;
  GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> head, txn.head(env.author));
  uint64_t headSeq = head ? head->seq : 0;

  if (env.seq <= headSeq) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<Hash256> storedId, txn.recordId(env.author, env.seq));
    if (storedId && *storedId == record.id) return resultFor(env, IngestOutcome::kDuplicate);
    if (!record.signature)
      return resultFor(env, IngestOutcome::kRejected, record.signature.error());
    GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> stored, txn.record(env.author, env.seq));
    if (!stored) {
      return makeError(ErrorCode::kStorage, "feed " + env.author + " has a head at " +
                                                std::to_string(headSeq) + " but no record at " +
                                                std::to_string(env.seq));
    }
    GOVBUS_TRY(
        txn.putForkEvidence(ForkEvidence{env.author, env.seq, toBytes(*stored), record.stored}));
    return resultFor(env, IngestOutcome::kFork,
                     makeError(ErrorCode::kForked,
                               where(env) + ": two different records signed at one sequence"));
  }

  if (!record.signature) return resultFor(env, IngestOutcome::kRejected, record.signature.error());
  // Trust may have changed since phase 1 (a revocation earlier in this batch).
  if (auto signer = trust_.signerFor(env); !signer) {
    return resultFor(env, IngestOutcome::kRejected, signer.error());
  }

  if (env.seq == headSeq + 1) return applyNext(txn, std::move(record), head, appended);

  // A gap: wait for the predecessor, within bounds.
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> waitingValue, txn.peekPending(env.author, env.seq));
  if (waitingValue) {
    const ByteView waiting = decodePending(*waitingValue).record;
    if (std::equal(waiting.begin(), waiting.end(), record.stored.begin(), record.stored.end()))
      return resultFor(env, IngestOutcome::kDuplicate);
    GOVBUS_ASSIGN_OR_RETURN(SignedRecord other, decodeSignedRecord(waiting));
    if (blake2b256(other.body) == record.id) return resultFor(env, IngestOutcome::kDuplicate);
    // Both carry valid signatures by the author at one sequence: that is equivocation.
    GOVBUS_TRY(
        txn.putForkEvidence(ForkEvidence{env.author, env.seq, toBytes(waiting), record.stored}));
    return resultFor(env, IngestOutcome::kFork,
                     makeError(ErrorCode::kForked,
                               where(env) + ": two different records signed at one sequence"));
  }
  if (env.seq > headSeq + limits_.maxPendingAheadPerFeed) {
    return resultFor(
        env, IngestOutcome::kRejected,
        makeError(ErrorCode::kBufferFull,
                  where(env) + " is more than " + std::to_string(limits_.maxPendingAheadPerFeed) +
                      " ahead of the feed's head " + std::to_string(headSeq)));
  }
  GOVBUS_ASSIGN_OR_RETURN(uint64_t pending, txn.pendingCount());
  if (pending >= limits_.maxPendingRecords) {
    return resultFor(env, IngestOutcome::kRejected,
                     makeError(ErrorCode::kBufferFull, "out-of-order buffer is full (" +
                                                           std::to_string(pending) + " records)"));
  }
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Error> over,
                          overQuota(txn, env, head, record.stored.size()));
  if (over) return resultFor(env, IngestOutcome::kRejected, std::move(over));
  GOVBUS_TRY(txn.putPending(env.author, env.seq, encodePending(limits_.nowMs, record.stored)));
  GOVBUS_ASSIGN_OR_RETURN(uint64_t * waitingBytes, pendingBytes(txn, env.author));
  *waitingBytes += record.stored.size();
  return resultFor(env, IngestOutcome::kBuffered);
}

Result<IngestResult> Ingestor::applyNext(FeedTxn& txn, CheckedRecord record,
                                         const std::optional<FeedHead>& head,
                                         std::vector<CheckedRecord>& appended) {
  const Envelope env = record.record.envelope;
  bool linked = head ? (env.prevHash.size() == kHashBytes &&
                        std::equal(env.prevHash.begin(), env.prevHash.end(), head->id.begin()))
                     : env.prevHash.empty();
  if (!linked) {
    return resultFor(env, IngestOutcome::kRejected,
                     makeError(ErrorCode::kBrokenLink,
                               where(env) + ": previous-hash does not match the stored record " +
                                   std::to_string(env.seq - 1)));
  }
  GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedClock> prev, clockAt(txn, env.author, head));
  if (auto bad = clockViolation(env, prev ? std::optional(prev->lamport) : std::nullopt,
                                prev ? std::optional(prev->wallTimeMs) : std::nullopt)) {
    return resultFor(env, IngestOutcome::kRejected, std::move(bad));
  }
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Error> over,
                          overQuota(txn, env, head, record.stored.size()));
  if (over) return resultFor(env, IngestOutcome::kRejected, std::move(over));
  GOVBUS_TRY(appendOne(txn, record, appended));

  // Release buffered successors; each is checked like a fresh arrival (link, clock, trust), but
  // its signature was verified before it was buffered.
  Hash256 prevId = record.id;
  FeedClock prevClock{env.lamport, env.wallTimeMs};
  uint64_t dropped = 0;
  for (uint64_t seq = env.seq + 1;; ++seq) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> nextValue, txn.takePending(env.author, seq));
    if (!nextValue) break;
    ++dropped;  // until it is appended below
    Bytes next = toBytes(decodePending(*nextValue).record);
    // Taken from the buffer: appended below (the head counts it) or dropped.
    GOVBUS_ASSIGN_OR_RETURN(uint64_t * waitingBytes, pendingBytes(txn, env.author));
    *waitingBytes -= std::min(*waitingBytes, uint64_t{next.size()});
    auto sr = decodeSignedRecord(next);
    if (!sr) break;  // cannot happen: we stored it; dropping it loses nothing acknowledged
    CheckedRecord c;
    auto rec = decodeRecordBody(sr->body);
    if (!rec) break;
    c.record = std::move(*rec);
    c.id = blake2b256(sr->body);
    c.stored = std::move(next);
    c.signedRecord = std::move(*sr);
    const Envelope& e = c.record.envelope;
    bool ok = e.prevHash.size() == kHashBytes &&
              std::equal(e.prevHash.begin(), e.prevHash.end(), prevId.begin()) &&
              !clockViolation(e, prevClock.lamport, prevClock.wallTimeMs) &&
              trust_.signerFor(e).ok();
    if (!ok) break;  // the waiting record does not fit: dropped, never stored in the feed
    prevId = c.id;
    prevClock = FeedClock{e.lamport, e.wallTimeMs};
    GOVBUS_TRY(appendOne(txn, c, appended));
    --dropped;
  }
  IngestResult result = resultFor(env, IngestOutcome::kAppended);
  result.droppedOnRelease = dropped;
  return result;
}

Result<std::optional<Ingestor::FeedClock>> Ingestor::clockAt(FeedTxn& txn,
                                                             const std::string& author,
                                                             const std::optional<FeedHead>& head) {
  if (!head) return std::optional<FeedClock>();
  if (auto it = lastAppended_.find(author); it != lastAppended_.end())
    return std::optional<FeedClock>(it->second);
  GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> stored, txn.record(author, head->seq));
  if (!stored) {
    return makeError(ErrorCode::kStorage, "feed " + author + " has a head at " +
                                              std::to_string(head->seq) + " but no record there");
  }
  GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*stored));
  GOVBUS_ASSIGN_OR_RETURN(Envelope e, decodeEnvelope(sr.body));
  return std::optional<FeedClock>(FeedClock{head->lamport, e.wallTimeMs});
}

Result<uint64_t*> Ingestor::pendingBytes(FeedTxn& txn, const std::string& author) {
  auto it = pendingBytes_.find(author);
  if (it == pendingBytes_.end()) {
    // One scan of the author's buffered records per transaction; this ingestor keeps the sum as
    // it buffers and releases them, so a batch costs no more than one scan per author.
    uint64_t sum = 0;
    GOVBUS_ASSIGN_OR_RETURN(uint64_t anyPending, txn.pendingCount());
    if (anyPending > 0) {
      GOVBUS_TRY(txn.scanPending(author, [&](std::string_view, uint64_t, ByteView value) {
        sum += decodePending(value).record.size();
        return true;
      }));
    }
    it = pendingBytes_.emplace(author, sum).first;
  }
  return &it->second;
}

Result<std::optional<Error>> Ingestor::overQuota(FeedTxn& txn, const Envelope& env,
                                                 const std::optional<FeedHead>& head,
                                                 uint64_t extra) {
  if (limits_.maxBytesPerAuthor == 0 || limits_.exemptAuthors.contains(env.author))
    return std::optional<Error>();
  GOVBUS_ASSIGN_OR_RETURN(uint64_t * waiting, pendingBytes(txn, env.author));
  const uint64_t held = (head ? head->bytes : 0) + *waiting;
  if (held + extra <= limits_.maxBytesPerAuthor) return std::optional<Error>();
  return std::optional<Error>(
      makeError(ErrorCode::kQuotaExceeded,
                where(env) + ": feed " + env.author + " already takes " + std::to_string(held) +
                    " bytes of this store (stored and buffered records), and this record's " +
                    std::to_string(extra) + " would take it over its quota of " +
                    std::to_string(limits_.maxBytesPerAuthor) +
                    " bytes; raise [store] author_quota_mb in this node's config if " + env.author +
                    " really writes that much"));
}

Status Ingestor::appendOne(FeedTxn& txn, CheckedRecord& record,
                           std::vector<CheckedRecord>& appended) {
  const Envelope& env = record.record.envelope;
  GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> before, txn.head(env.author));
  const uint64_t bytes = (before ? before->bytes : 0) + record.stored.size();
  GOVBUS_TRY(
      txn.append(env.author, FeedHead{env.seq, record.id, env.lamport, bytes}, record.stored));
  lastAppended_[env.author] = FeedClock{env.lamport, env.wallTimeMs};
  // Trust carried by the record applies to what follows it.
  if (auto* cert = std::get_if<SignedCertificate>(&record.record.payload)) {
    if (auto admitted = trust_.admit(*cert, &env); admitted.ok() && *admitted) {
      GOVBUS_ASSIGN_OR_RETURN(Certificate c, decodeCertificateBody(cert->body));
      GOVBUS_TRY(txn.putCertificate(c.subject, c.serial, encodeSignedCertificate(*cert)));
    }
  } else if (auto* revocation = std::get_if<KeyRevocation>(&record.record.payload)) {
    if (trust_.revoke(env.author, *revocation).ok())
      GOVBUS_TRY(txn.putRevocation(env.author, *revocation));
  }
  appended.push_back(std::move(record));
  return Status::Ok();
}

Result<uint64_t> expirePending(FeedTxn& txn, int64_t olderThanMs) {
  std::vector<std::pair<std::string, uint64_t>> expired;
  GOVBUS_TRY(txn.scanPending("", [&](std::string_view author, uint64_t seq, ByteView value) {
    if (decodePending(value).arrivalMs < olderThanMs) expired.emplace_back(author, seq);
    return true;
  }));
  for (const auto& [author, seq] : expired) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> gone, txn.takePending(author, seq));
    (void)gone;
  }
  return static_cast<uint64_t>(expired.size());
}

Result<BatchResult> ingestBatch(FeedStore& store, TrustStore& trust,
                                std::span<const Bytes> signedRecords, IngestLimits limits,
                                Parallel* parallel) {
  BatchResult out;
  out.results.reserve(signedRecords.size());
  std::vector<std::optional<CheckedRecord>> checked;
  checked.reserve(signedRecords.size());
  Serial serial;
  for (auto& c : checkRecords(signedRecords, trust, parallel ? *parallel : serial)) {
    if (c) {
      checked.emplace_back(std::move(*c));
    } else {
      checked.emplace_back();
      out.results.push_back(IngestResult{IngestOutcome::kRejected, "", 0, c.error()});
    }
  }
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, store.beginWrite());
  Ingestor ingestor(trust, limits);
  std::vector<IngestResult> ordered;
  ordered.reserve(signedRecords.size());
  size_t rejectedAtDecode = 0;
  for (auto& c : checked) {
    if (!c) {
      ordered.push_back(std::move(out.results[rejectedAtDecode++]));
      continue;
    }
    // A certificate that arrived in this batch may make a phase-1 "unknown signer" verifiable now.
    if (!c->signature && c->signature.error().code == ErrorCode::kUnknownSigner) {
      c->signature = trust.verifyRecordSignature(c->record.envelope, c->signedRecord.body,
                                                 c->signedRecord.signature);
    }
    GOVBUS_ASSIGN_OR_RETURN(IngestResult r, ingestor.apply(*txn, std::move(*c), out.appended));
    ordered.push_back(std::move(r));
  }
  GOVBUS_TRY(txn->commit());
  out.results = std::move(ordered);
  return out;
}

}  // namespace govbus
