#include "sync/replica.h"

#include <algorithm>

#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"

namespace govbus {

Replica::Replica(FeedStore& store, TrustStore trust, std::string root,
                 std::optional<Identity> identity, IngestLimits limits)
    : store_(store),
      trust_(std::move(trust)),
      engine_(std::move(root)),
      identity_(std::move(identity)),
      limits_(limits) {}

namespace {

bool changesTrust(const Payload& p) {
  return std::holds_alternative<SignedCertificate>(p) || std::holds_alternative<KeyRevocation>(p);
}

// Keeps memory in step with one write transaction: unless committed() is called once the
// transaction has committed, the authority state's journal is rolled back and trust is restored
// from the copy taken before anything changed it (taken only when the transaction can change it).
class MemoryGuard {
 public:
  MemoryGuard(StateEngine& engine, std::optional<TrustStore>& trust,
              std::optional<TrustStore> savedTrust)
      : engine_(engine), trust_(trust), saved_(std::move(savedTrust)) {
    engine_.begin();
  }
  ~MemoryGuard() {
    if (done_) return;
    engine_.rolledBack();
    if (saved_) trust_ = std::move(*saved_);
  }
  MemoryGuard(const MemoryGuard&) = delete;
  MemoryGuard& operator=(const MemoryGuard&) = delete;
  void committed() {
    engine_.committed();
    done_ = true;
  }

 private:
  StateEngine& engine_;
  std::optional<TrustStore>& trust_;
  std::optional<TrustStore> saved_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<Replica>> Replica::open(FeedStore& store, const SignedCertificate& anchor,
                                               std::optional<Identity> identity,
                                               IngestLimits limits, Parallel* parallel) {
  GOVBUS_ASSIGN_OR_RETURN(TrustStore trust, TrustStore::create(anchor));
  std::string root = trust.anchor().subject;
  if (identity && (identity->key == nullptr || identity->code.empty())) {
    return makeError(ErrorCode::kInvalidArgument, "identity needs a code and a key");
  }
  std::unique_ptr<Replica> r(
      new Replica(store, std::move(trust), std::move(root), std::move(identity), limits));
  r->anchor_ = anchor;
  r->parallel_ = parallel;
  GOVBUS_TRY(r->load());
  return r;
}

Status Replica::load() {
  GOVBUS_ASSIGN_OR_RETURN(TrustStore fresh, TrustStore::create(anchor_));
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, store_.beginRead());
  GOVBUS_ASSIGN_OR_RETURN(std::vector<Bytes> certs, view->certificates());
  std::vector<SignedCertificate> decoded;
  for (const Bytes& c : certs) {
    GOVBUS_ASSIGN_OR_RETURN(SignedCertificate sc, decodeSignedCertificate(c));
    decoded.push_back(std::move(sc));
  }
  (void)fresh.admitAll(decoded);  // a stored certificate was admitted once; any left out stay out
  GOVBUS_ASSIGN_OR_RETURN(auto revocations, view->revocations());
  for (const auto& [revoker, revocation] : revocations) (void)fresh.revoke(revoker, revocation);
  trust_ = std::move(fresh);
  GOVBUS_ASSIGN_OR_RETURN(StateEngine::Loaded loaded, engine_.load(*view));
  if (!loaded.needsRebuild) return Status::Ok();
  view.reset();  // the rebuild writes
  auto rebuilt = rebuild();
  if (!rebuilt) {
    return makeError(rebuilt.error().code,
                     loaded.why + ", and rebuilding it failed: " + rebuilt.error().message);
  }
  return Status::Ok();
}

Result<uint64_t> Replica::expireBuffered(int64_t nowMs) {
  {
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, store_.beginRead());
    GOVBUS_ASSIGN_OR_RETURN(uint64_t waiting, view->pendingCount());
    if (waiting == 0) return uint64_t{0};
  }
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, store_.beginWrite());
  GOVBUS_ASSIGN_OR_RETURN(uint64_t expired, expirePending(*txn, nowMs - kMaxPendingAgeMs));
  if (expired == 0) return uint64_t{0};  // rolled back: nothing to make durable
  GOVBUS_TRY(txn->commit());
  return expired;
}

Result<BatchResult> Replica::ingest(std::span<const Bytes> signedRecords,
                                    std::span<const SignedCertificate> certificates) {
  std::vector<Result<SignedRecord>> decoded;
  decoded.reserve(signedRecords.size());
  for (const Bytes& raw : signedRecords) decoded.push_back(decodeSignedRecord(raw));
  return ingestDecoded(std::move(decoded), certificates);
}

Result<BatchResult> Replica::ingest(std::vector<SignedRecord> records,
                                    std::span<const SignedCertificate> certificates) {
  std::vector<Result<SignedRecord>> decoded;
  decoded.reserve(records.size());
  for (auto& r : records) decoded.emplace_back(std::move(r));
  return ingestDecoded(std::move(decoded), certificates);
}

Result<BatchResult> Replica::ingestDecoded(std::vector<Result<SignedRecord>> records,
                                           std::span<const SignedCertificate> certificates) {
  if (broken_) return *broken_;
  // Trust is copied before anything can change it, so that a failed transaction restores it.
  std::optional<TrustStore> savedTrust;
  if (std::any_of(certificates.begin(), certificates.end(),
                  [&](const SignedCertificate& c) { return !trust_->alreadyHolds(c); })) {
    savedTrust = *trust_;
  }
  // Certificates verify against the anchor on their own; admitting them is safe before the
  // transaction, and they are persisted with the batch.
  std::vector<SignedCertificate> admitted;
  for (const auto& c : certificates) {
    if (auto r = trust_->admit(c); r.ok() && *r) admitted.push_back(c);
  }
  // Phase 1 on every core; from here on, input order.
  Serial serial;
  std::vector<Result<CheckedRecord>> checks =
      checkRecords(std::move(records), *trust_, parallel_ ? *parallel_ : serial);
  BatchResult out;
  std::vector<std::optional<CheckedRecord>> checked;
  checked.reserve(checks.size());
  for (auto& c : checks) {
    if (c) {
      if (!savedTrust && changesTrust(c->record.payload)) savedTrust = *trust_;
      checked.emplace_back(std::move(c).value());
    } else {
      checked.emplace_back();
      out.results.push_back(IngestResult{IngestOutcome::kRejected, "", 0, c.error()});
    }
  }
  MemoryGuard memory(engine_, trust_, std::move(savedTrust));
  auto run = [&]() -> Status {
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, store_.beginWrite());
    for (const auto& c : admitted) {
      GOVBUS_ASSIGN_OR_RETURN(Certificate cert, decodeCertificateBody(c.body));
      GOVBUS_TRY(txn->putCertificate(cert.subject, cert.serial, encodeSignedCertificate(c)));
    }
    Ingestor ingestor(*trust_, limitsNow());
    std::vector<IngestResult> ordered;
    size_t rejectedAtDecode = 0;
    for (auto& c : checked) {
      if (!c) {
        ordered.push_back(std::move(out.results[rejectedAtDecode++]));
        continue;
      }
      if (!c->signature && c->signature.error().code == ErrorCode::kUnknownSigner) {
        c->signature = trust_->verifyRecordSignature(c->record.envelope, c->signedRecord.body,
                                                     c->signedRecord.signature);
      }
      GOVBUS_ASSIGN_OR_RETURN(IngestResult r, ingestor.apply(*txn, std::move(*c), out.appended));
      ordered.push_back(std::move(r));
    }
    GOVBUS_TRY(engine_.apply(*txn, out.appended));
    GOVBUS_TRY(txn->commit());
    out.results = std::move(ordered);
    return Status::Ok();
  };
  if (Status s = run(); !s) return s.error();  // memory rolls back with the transaction
  memory.committed();
  // Equivocation seen here is reported in our own feed, so the evidence replicates (DESIGN §4).
  if (identity_) {
    for (const IngestResult& r : out.results) {
      if (r.outcome == IngestOutcome::kFork)
        GOVBUS_TRY(reportFork(r.author, r.seq, nowForReports_));
    }
  }
  return out;
}

Status Replica::reportFork(const std::string& author, uint64_t seq, int64_t wallTimeMs) {
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, store_.beginRead());
  GOVBUS_ASSIGN_OR_RETURN(std::vector<ForkEvidence> forks, view->forks());
  view.reset();
  for (const ForkEvidence& f : forks) {
    if (f.author != author || f.seq != seq) continue;
    GOVBUS_ASSIGN_OR_RETURN(SignedRecord first, decodeSignedRecord(f.first));
    GOVBUS_ASSIGN_OR_RETURN(SignedRecord second, decodeSignedRecord(f.second));
    // Never earlier than the evidence itself: a node whose clock was not set still reports.
    if (auto env = decodeEnvelope(second.body); env)
      wallTimeMs = std::max(wallTimeMs, env->wallTimeMs);
    auto authored =
        author_(ForkReport{author, seq, std::move(first), std::move(second)}, wallTimeMs);
    // Already reported (by us or an ancestor) is not an error worth failing a batch for.
    if (!authored && authored.error().code == ErrorCode::kStorage) return authored.error();
    return Status::Ok();
  }
  return Status::Ok();
}

Result<std::pair<RecordRef, VoidReason>> Replica::authorInTxn(FeedTxn& txn, Payload payload,
                                                              int64_t wallTimeMs) {
  const Identity& id = *identity_;
  // Never publish a certificate this node's own trust store refuses (a takeover of a node enrolled
  // under another parent, a second certificate for a serial): its record would be stored, but the
  // enrolment would not hold.
  if (const auto* cert = std::get_if<SignedCertificate>(&payload)) {
    if (auto verdict = trust_->check(*cert); !verdict) {
      return makeError(ErrorCode::kInvalidArgument,
                       "this certificate cannot be published: " + verdict.error().message);
    }
  }
  // A revocation also records how far it had seen the grantee's feed, so that an acceptance the
  // revoker had already seen is told apart from one made concurrently (only the latter is a
  // conflict). The grantee is below the author, so this node stores that feed.
  std::vector<std::string> seenFeeds = id.ancestors;
  if (const auto* rv = std::get_if<DelegationRevocation>(&payload)) {
    if (const AuthorityRecord* target = engine_.authority().find(rv->delegation)) {
      if (const auto* d = std::get_if<Delegation>(&target->payload)) {
        if (d->grantee != id.code) seenFeeds.push_back(d->grantee);
      }
    }
  }
  FeedAuthor author(id.code, id.keySerial, *id.key, std::move(seenFeeds));
  GOVBUS_ASSIGN_OR_RETURN(SignedRecord signedRecord,
                          author.sign(txn, std::move(payload), wallTimeMs));
  GOVBUS_ASSIGN_OR_RETURN(CheckedRecord checked, checkRecord(std::move(signedRecord), *trust_));
  RecordRef ref{checked.record.envelope.author, checked.record.envelope.seq};
  Ingestor ingestor(*trust_, limitsNow());
  std::vector<CheckedRecord> appended;
  GOVBUS_ASSIGN_OR_RETURN(IngestResult r, ingestor.apply(txn, std::move(checked), appended));
  if (r.outcome != IngestOutcome::kAppended) {
    return makeError(r.error ? r.error->code : ErrorCode::kInvalidArgument,
                     "cannot author " + ref.author + "#" + std::to_string(ref.seq) + ": " +
                         (r.error ? r.error->message : ingestOutcomeName(r.outcome)));
  }
  GOVBUS_TRY(engine_.apply(txn, appended));
  GOVBUS_ASSIGN_OR_RETURN(VoidReason v, StateEngine::verdict(txn, ref));
  return std::make_pair(ref, v);
}

Result<RecordRef> Replica::author(Payload payload, int64_t wallTimeMs) {
  return author_(std::move(payload), wallTimeMs);
}

Result<RecordRef> Replica::author_(Payload payload, int64_t wallTimeMs) {
  if (!identity_)
    return makeError(ErrorCode::kInvalidArgument, "this replica has no signing identity");
  if (broken_) return *broken_;
  std::string kind = payloadKindName(payload);
  std::optional<TrustStore> savedTrust;
  if (changesTrust(payload)) savedTrust = *trust_;
  MemoryGuard memory(engine_, trust_, std::move(savedTrust));
  auto run = [&]() -> Result<RecordRef> {
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, store_.beginWrite());
    GOVBUS_ASSIGN_OR_RETURN(auto authored, authorInTxn(*txn, std::move(payload), wallTimeMs));
    if (authored.second != VoidReason::kNone) {
      return makeError(
          ErrorCode::kInvalidArgument,
          "this " + kind + " would be void (" + std::string(voidReasonName(authored.second)) + ")");
    }
    GOVBUS_TRY(txn->commit());
    return authored.first;
  };
  auto result = run();
  if (result) memory.committed();  // otherwise memory rolls back with the transaction
  return result;
}

std::vector<Result<RecordRef>> Replica::authorAll(std::vector<Payload> payloads,
                                                  int64_t wallTimeMs) {
  const size_t n = payloads.size();
  std::vector<std::optional<Result<RecordRef>>> out(n);
  if (!identity_ || broken_) {
    Error e = broken_
                  ? *broken_
                  : makeError(ErrorCode::kInvalidArgument, "this replica has no signing identity");
    for (auto& o : out) o = e;
  }
  size_t from = 0;
  while (from < n) {
    if (out[from]) {  // refused in an earlier pass
      ++from;
      continue;
    }
    size_t end = from;
    while (end < n && !out[end]) ++end;
    std::optional<TrustStore> savedTrust;
    if (std::any_of(payloads.begin() + static_cast<ptrdiff_t>(from),
                    payloads.begin() + static_cast<ptrdiff_t>(end), changesTrust)) {
      savedTrust = *trust_;
    }
    MemoryGuard memory(engine_, trust_, std::move(savedTrust));
    auto txn = store_.beginWrite();
    if (!txn) {
      for (size_t i = from; i < n; ++i) {
        if (!out[i]) out[i] = txn.error();
      }
      break;
    }
    std::vector<RecordRef> refs;
    std::optional<std::pair<size_t, Error>> refused;
    for (size_t i = from; i < end && !refused; ++i) {
      auto authored = authorInTxn(**txn, payloads[i], wallTimeMs);
      if (!authored) {
        refused.emplace(i, authored.error());
      } else if (authored->second != VoidReason::kNone) {
        refused.emplace(
            i, makeError(ErrorCode::kInvalidArgument,
                         "this " + std::string(payloadKindName(payloads[i])) + " would be void (" +
                             std::string(voidReasonName(authored->second)) + ")"));
      } else {
        refs.push_back(authored->first);
      }
    }
    if (!refused) {
      Status committed = (*txn)->commit();
      for (size_t k = 0; k < refs.size(); ++k) {
        out[from + k] =
            committed ? Result<RecordRef>(refs[k]) : Result<RecordRef>(committed.error());
      }
      if (committed) memory.committed();  // otherwise memory rolls back with it
      from = end;
      continue;
    }
    txn->reset();  // rolled back, and memory with it when `memory` goes
    out[refused->first] = std::move(refused->second);
    // The next pass commits what preceded the refusal (known good), then goes on after it.
  }
  std::vector<Result<RecordRef>> results;
  results.reserve(n);
  for (auto& o : out) results.push_back(std::move(*o));
  return results;
}

Result<VoidReason> Replica::wouldBeVoid(const Payload& payload, int64_t wallTimeMs) {
  if (!identity_)
    return makeError(ErrorCode::kInvalidArgument, "this replica has no signing identity");
  if (broken_) return *broken_;
  std::optional<TrustStore> savedTrust;
  if (changesTrust(payload)) savedTrust = *trust_;
  MemoryGuard memory(engine_, trust_, std::move(savedTrust));  // never committed: all rolled back
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, store_.beginWrite());
  GOVBUS_ASSIGN_OR_RETURN(auto authored, authorInTxn(*txn, payload, wallTimeMs));
  return authored.second;
}

Result<ReplayResult> Replica::rebuild(const ReplayOptions& options) {
  ReplayOptions o = options;
  if (!o.parallel) o.parallel = parallel_;
  auto rebuilt = rebuildState(store_, engine_, anchor_, o);
  // Half rebuilt, memory matches nothing stored: no more writes until the store is opened again
  // (which rebuilds, the state being marked incomplete).
  if (!rebuilt) broken_ = rebuilt.error();
  return rebuilt;
}

Result<Hash256> Replica::digest() {
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, store_.beginRead());
  return StateEngine::digest(*view);
}

}  // namespace govbus
