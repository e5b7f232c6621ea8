#include "sync/replay.h"

#include <algorithm>

#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"
#include "sync/ingest.h"

namespace govbus {

namespace {

std::string where(const std::string& author, uint64_t seq) {
  return author + "#" + std::to_string(seq);
}

// A write transaction seen as if the store held only the records replayed so far: feed heads come
// from `heads`, records and ids from `feeds` up to those heads, the derived state from `state`.
// What the integrity check would store beside a record (certificates, revocations, evidence,
// buffered records) is already in the source, so it is not written again.
class ReplayTxn final : public FeedTxn {
 public:
  ReplayTxn(FeedReader& feeds, FeedTxn& state, std::map<std::string, FeedHead>& heads)
      : feeds_(feeds), state_(state), heads_(heads) {}

  Result<std::optional<FeedHead>> head(std::string_view author) override {
    auto it = heads_.find(std::string(author));
    return it == heads_.end() ? std::optional<FeedHead>() : std::optional<FeedHead>(it->second);
  }
  Result<std::vector<std::pair<std::string, FeedHead>>> heads() override {
    return std::vector<std::pair<std::string, FeedHead>>(heads_.begin(), heads_.end());
  }
  Result<std::optional<Hash256>> recordId(std::string_view author, uint64_t seq) override {
    if (!replayed(author, seq)) return std::optional<Hash256>();
    return feeds_.recordId(author, seq);
  }
  Result<std::optional<ByteView>> record(std::string_view author, uint64_t seq) override {
    if (!replayed(author, seq)) return std::optional<ByteView>();
    return feeds_.record(author, seq);
  }
  Result<uint64_t> maxLamport() override {
    uint64_t m = 0;
    for (const auto& [author, h] : heads_) m = std::max(m, h.lamport);
    return m;
  }
  Result<uint64_t> pendingCount() override { return uint64_t{0}; }
  Status scanPending(std::string_view,
                     const std::function<bool(std::string_view, uint64_t, ByteView)>&) override {
    return Status::Ok();
  }
  Result<std::vector<ForkEvidence>> forks() override { return feeds_.forks(); }
  Result<std::optional<Frontier>> peerPosition(std::string_view peer) override {
    return feeds_.peerPosition(peer);
  }
  Result<std::vector<Bytes>> certificates() override { return feeds_.certificates(); }
  Result<std::vector<std::pair<std::string, KeyRevocation>>> revocations() override {
    return feeds_.revocations();
  }
  Result<std::optional<Bytes>> stateGet(ByteView key) override { return state_.stateGet(key); }
  Status stateScan(ByteView prefix, const std::function<bool(ByteView, ByteView)>& visit) override {
    return state_.stateScan(prefix, visit);
  }
  Status stateScanFrom(ByteView from, ByteView prefix,
                       const std::function<bool(ByteView, ByteView)>& visit) override {
    return state_.stateScanFrom(from, prefix, visit);
  }

  Status append(std::string_view author, const FeedHead& newHead, ByteView) override {
    FeedHead& h = heads_[std::string(author)];
    if (newHead.seq != h.seq + 1) {
      return makeError(ErrorCode::kStorage, "replay appended " +
                                                where(std::string(author), newHead.seq) +
                                                " after seq " + std::to_string(h.seq));
    }
    h = newHead;
    return Status::Ok();
  }
  // Feed order has no gaps; a record whose predecessor failed waits for nothing here.
  Status putPending(std::string_view, uint64_t, ByteView) override { return Status::Ok(); }
  Result<std::optional<Bytes>> takePending(std::string_view, uint64_t) override {
    return std::optional<Bytes>();
  }
  Result<std::optional<Bytes>> peekPending(std::string_view, uint64_t) override {
    return std::optional<Bytes>();
  }
  Status putForkEvidence(const ForkEvidence&) override { return Status::Ok(); }
  Status putPeerPosition(std::string_view, const Frontier&) override { return Status::Ok(); }
  Status putCertificate(std::string_view, uint32_t, ByteView) override { return Status::Ok(); }
  Status putRevocation(std::string_view, const KeyRevocation&) override { return Status::Ok(); }
  Status statePut(ByteView key, ByteView value) override { return state_.statePut(key, value); }
  Status stateDel(ByteView key) override { return state_.stateDel(key); }
  Status stateClear() override { return state_.stateClear(); }
  Status commit() override {
    return makeError(ErrorCode::kInvalidArgument,
                     "a replay transaction is committed by its driver");
  }

 private:
  bool replayed(std::string_view author, uint64_t seq) const {
    auto it = heads_.find(std::string(author));
    return it != heads_.end() && seq >= 1 && seq <= it->second.seq;
  }

  FeedReader& feeds_;
  FeedTxn& state_;
  std::map<std::string, FeedHead>& heads_;
};

// After each batch: progress, and a commit every `recordsPerCommit` records (so that one
// transaction's dirty pages stay bounded), the next transaction begun on `store`.
Status afterBatch(FeedStore& store, std::unique_ptr<FeedTxn>& txn, const ReplayOptions& options,
                  size_t batch, uint64_t done, uint64_t total, size_t& sinceCommit) {
  if (options.progress) options.progress(done, total);
  sinceCommit += batch;
  if (sinceCommit < options.recordsPerCommit) return Status::Ok();
  GOVBUS_TRY(txn->commit());
  GOVBUS_ASSIGN_OR_RETURN(txn, store.beginWrite());
  sinceCommit = 0;
  return Status::Ok();
}

std::vector<Result<SignedRecord>> decodeAll(const std::vector<FeedOrder::Item>& items) {
  std::vector<Result<SignedRecord>> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(decodeSignedRecord(item.stored));
  return out;
}

}  // namespace

// --- FeedOrder ---

Result<FeedOrder> FeedOrder::start(FeedReader& view, Problem problem) {
  FeedOrder order;
  order.problem_ = std::move(problem);
  GOVBUS_ASSIGN_OR_RETURN(auto heads, view.heads());
  for (auto& [author, head] : heads) {
    order.total_ += head.seq;
    order.heads_.emplace(author, head);
    if (head.seq > 0) GOVBUS_TRY(order.push(view, author, 1));
  }
  return order;
}

Status FeedOrder::push(FeedReader& view, const std::string& author, uint64_t seq) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view.record(author, seq));
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Hash256> id, view.recordId(author, seq));
  if (!raw || !id) {
    problem_("feed " + author + " lacks record " + std::to_string(seq) + " below its head");
    return Status::Ok();
  }
  auto sr = decodeSignedRecord(*raw);
  auto env = sr ? decodeEnvelope(sr->body) : Result<Envelope>(sr.error());
  if (!env) {
    problem_("record " + where(author, seq) + " does not decode: " + env.error().message);
    return Status::Ok();
  }
  if (env->author != author || env->seq != seq) {
    problem_("record stored as " + where(author, seq) + " says it is " +
             where(env->author, env->seq));
    return Status::Ok();
  }
  next_.push(Cursor{env->lamport, author, seq, Item{author, seq, toBytes(*raw), *id}});
  return Status::Ok();
}

Result<std::vector<FeedOrder::Item>> FeedOrder::take(FeedReader& view, size_t max) {
  std::vector<Item> out;
  while (!next_.empty() && out.size() < max) {
    Cursor c = next_.top();
    next_.pop();
    out.push_back(std::move(c.item));
    if (c.seq < heads_.at(c.author).seq) GOVBUS_TRY(push(view, c.author, c.seq + 1));
  }
  return out;
}

// --- verify ---

Result<ReplayResult> replayForVerify(FeedReader& source, FeedStore& scratch, TrustStore trust,
                                     const ReplayOptions& options,
                                     const FeedOrder::Problem& problem) {
  Serial serial;
  Parallel& parallel = options.parallel ? *options.parallel : serial;
  StateEngine engine(trust.anchor().subject);
  GOVBUS_ASSIGN_OR_RETURN(FeedOrder order, FeedOrder::start(source, problem));
  ReplayResult out;
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, scratch.beginWrite());
  size_t sinceCommit = 0;
  while (true) {
    GOVBUS_ASSIGN_OR_RETURN(std::vector<FeedOrder::Item> items,
                            order.take(source, options.batchRecords));
    if (items.empty()) break;
    std::vector<Result<CheckedRecord>> checked = checkRecords(decodeAll(items), trust, parallel);
    ReplayTxn overlay(source, *txn, out.heads);
    Ingestor ingestor(trust);
    std::vector<CheckedRecord> appended;
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string at = where(items[i].author, items[i].seq);
      Result<CheckedRecord>& c = checked[i];
      if (!c) {
        problem("record " + at + ": " + c.error().message);
        continue;
      }
      // The id stored beside the record must be the hash of the body it keeps.
      if (c->id != items[i].id)
        problem("record " + at + ": the stored id is not the hash of its body");
      // A certificate earlier in feed order may make an unknown signer known now.
      if (!c->signature && c->signature.error().code == ErrorCode::kUnknownSigner) {
        c->signature = trust.verifyRecordSignature(c->record.envelope, c->signedRecord.body,
                                                   c->signedRecord.signature);
      }
      GOVBUS_ASSIGN_OR_RETURN(IngestResult r,
                              ingestor.apply(overlay, std::move(c).value(), appended));
      if (r.outcome != IngestOutcome::kAppended) {
        problem("record " + at + ": " + ingestOutcomeName(r.outcome) +
                (r.error ? ": " + r.error->message : std::string()));
      }
    }
    GOVBUS_TRY(engine.apply(overlay, appended));
    out.records += items.size();
    GOVBUS_TRY(
        afterBatch(scratch, txn, options, items.size(), out.records, order.total(), sinceCommit));
  }
  GOVBUS_TRY(txn->commit());
  txn.reset();
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, scratch.beginRead());
  GOVBUS_ASSIGN_OR_RETURN(out.digest, StateEngine::digest(*view));
  return out;
}

// --- rebuild ---

Result<ReplayResult> rebuildState(FeedStore& store, StateEngine& engine,
                                  const SignedCertificate& anchor, const ReplayOptions& options) {
  Serial serial;
  Parallel& parallel = options.parallel ? *options.parallel : serial;
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, store.beginWrite());
  // Every certificate the node admitted, and none of its key revocations (see replay.h).
  GOVBUS_ASSIGN_OR_RETURN(TrustStore trust, TrustStore::create(anchor));
  {
    GOVBUS_ASSIGN_OR_RETURN(std::vector<Bytes> raw, txn->certificates());
    std::vector<SignedCertificate> certs;
    for (const Bytes& b : raw) {
      GOVBUS_ASSIGN_OR_RETURN(SignedCertificate c, decodeSignedCertificate(b));
      certs.push_back(std::move(c));
    }
    (void)trust.admitAll(certs);  // one that never chained was never used to admit a record
  }
  std::string damaged;
  GOVBUS_ASSIGN_OR_RETURN(FeedOrder order, FeedOrder::start(*txn, [&](const std::string& p) {
                            if (damaged.empty()) damaged = p;
                          }));
  auto fail = [&](const std::string& what) {
    return makeError(ErrorCode::kStorage,
                     "cannot rebuild the derived state: " + what +
                         "; the store is damaged: run govbus-admin verify, and restore a backup "
                         "that verifies");
  };
  GOVBUS_TRY(engine.reset(*txn));
  ReplayResult out;
  size_t sinceCommit = 0;
  while (true) {
    GOVBUS_ASSIGN_OR_RETURN(std::vector<FeedOrder::Item> items,
                            order.take(*txn, options.batchRecords));
    if (!damaged.empty()) return fail(damaged);
    if (items.empty()) break;
    std::vector<Result<CheckedRecord>> checked = checkRecords(decodeAll(items), trust, parallel);
    ReplayTxn overlay(*txn, *txn, out.heads);
    std::vector<CheckedRecord> appended;
    appended.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string at = where(items[i].author, items[i].seq);
      Result<CheckedRecord>& c = checked[i];
      if (!c) return fail("record " + at + ": " + c.error().message);
      if (!c->signature) return fail("record " + at + ": " + c->signature.error().message);
      if (c->id != items[i].id)
        return fail("record " + at + ": its id is not the hash of its body");
      const Envelope& env = c->record.envelope;
      auto h = out.heads.find(env.author);
      const bool linked = h == out.heads.end()
                              ? env.prevHash.empty()
                              : std::equal(env.prevHash.begin(), env.prevHash.end(),
                                           h->second.id.begin(), h->second.id.end());
      if (!linked) return fail("record " + at + " does not link to its predecessor");
      GOVBUS_TRY(overlay.append(env.author, FeedHead{env.seq, c->id, env.lamport}, {}));
      appended.push_back(std::move(c).value());
    }
    GOVBUS_TRY(engine.apply(overlay, appended));
    out.records += items.size();
    GOVBUS_TRY(
        afterBatch(store, txn, options, items.size(), out.records, order.total(), sinceCommit));
  }
  GOVBUS_TRY(engine.finishRebuild(*txn));
  GOVBUS_ASSIGN_OR_RETURN(out.digest, StateEngine::digest(*txn));
  GOVBUS_TRY(txn->commit());
  return out;
}

}  // namespace govbus
