#include "sync/witness_index.h"

#include <algorithm>

#include "base/binary.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"

namespace govbus::witness {

namespace {

constexpr char kStep = 'W', kLast = 'V', kOutage = 'O';

Bytes stepPrefix(std::string_view feed, std::string_view witness) {
  return BinaryWriter().u8(kStep).raw(feed).u8(0).raw(witness).u8(0).take();
}
Bytes stepKey(std::string_view feed, std::string_view witness, uint64_t n) {
  Bytes k = stepPrefix(feed, witness);
  BinaryWriter w;
  w.raw(k).u64(n);
  return w.take();
}
Bytes lastKey(std::string_view feed, std::string_view witness) {
  return BinaryWriter().u8(kLast).raw(feed).u8(0).raw(witness).take();
}

struct Step {
  uint64_t n = 0;
  int64_t atMs = 0;
  uint64_t seq = 0;  // the witness record
  uint32_t serial = 0;
};

std::optional<Step> decodeStep(ByteView key, ByteView value) {
  BinaryReader k(key.subspan(key.size() - 8));
  BinaryReader v(value);
  Step s;
  s.n = k.u64();
  s.atMs = v.i64();
  s.seq = v.u64();
  s.serial = v.u32();
  if (!v.ok() || !v.atEnd()) return std::nullopt;
  return s;
}

// The first step of (feed, witness) with N ≥ n.
Result<std::optional<Step>> firstStepFrom(FeedReader& view, std::string_view feed,
                                          std::string_view witness, uint64_t n) {
  std::optional<Step> out;
  Bytes prefix = stepPrefix(feed, witness);
  GOVBUS_TRY(view.stateScanFrom(stepKey(feed, witness, n), prefix, [&](ByteView k, ByteView v) {
    if (k.size() == prefix.size() + 8) out = decodeStep(k, v);
    return false;
  }));
  return out;
}

// The earliest of `ancestor`'s statements on (author, seq) into `best`, unless that witness
// record is forked.
Status takeEarlier(FeedReader& view, std::string_view author, const std::string& ancestor,
                   uint64_t seq, const AuthorityState& authority, int64_t& best) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Step> step, firstStepFrom(view, author, ancestor, seq));
  if (!step) return Status::Ok();
  Envelope witness;
  witness.author = ancestor;
  witness.seq = step->seq;
  witness.keySerial = step->serial;
  if (authority.isForked(witness)) return Status::Ok();
  if (best == 0 || step->atMs < best) best = step->atMs;
  return Status::Ok();
}

}  // namespace

bool namesOnlyDescendants(const Envelope& witness, const Witness& statements) {
  auto author = DivisionCode::parse(witness.author);
  if (!author) return false;
  return std::all_of(statements.feeds.begin(), statements.feeds.end(), [&](const FrontierEntry& e) {
    auto feed = DivisionCode::parse(e.author);
    return feed && author->strictlyContains(*feed);
  });
}

Status add(FeedTxn& txn, const Envelope& w, const Witness& statements,
           std::set<std::string>& dirtyCases) {
  for (const FrontierEntry& e : statements.feeds) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<Step> next,
                            firstStepFrom(txn, e.author, w.author, e.seq));
    if (next && next->atMs <= w.wallTimeMs) continue;  // an earlier statement covers as much
    Bytes value = BinaryWriter().i64(w.wallTimeMs).u64(w.seq).u32(w.keySerial).take();
    GOVBUS_TRY(txn.statePut(stepKey(e.author, w.author, e.seq), value));
    // Events of the feed this statement may witness earlier than before: those above the last
    // statement recorded (all of them when statements arrive out of step, which only a witness
    // whose clock went back can cause).
    GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> lastRaw,
                            txn.stateGet(lastKey(e.author, w.author)));
    uint64_t last = 0;
    if (lastRaw && lastRaw->size() == 8) last = BinaryReader(*lastRaw).u64();
    uint64_t from = e.seq > last ? last + 1 : 1;
    if (e.seq > last)
      GOVBUS_TRY(txn.statePut(lastKey(e.author, w.author), BinaryWriter().u64(e.seq).take()));
    // Read from the feed rather than from an index of case events by record, which every case
    // event would write to (and dirty a page of) for the few witness statements to read.
    GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> head, txn.head(e.author));
    const uint64_t until = head ? std::min(e.seq, head->seq) : 0;
    for (uint64_t s = from; s <= until; ++s) {
      GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, txn.record(e.author, s));
      if (!raw) continue;
      GOVBUS_ASSIGN_OR_RETURN(std::string caseId, caseEventIdOf(*raw));
      if (!caseId.empty()) dirtyCases.insert(std::move(caseId));
    }
  }
  return Status::Ok();
}

Result<int64_t> earliest(FeedReader& view, std::string_view author, uint64_t seq,
                         const AuthorityState& authority) {
  int64_t best = 0;
  for (const std::string& ancestor : authority.pathFromRoot(author)) {
    if (ancestor == author) break;
    GOVBUS_TRY(takeEarlier(view, author, ancestor, seq, authority, best));
  }
  return best;
}

Result<int64_t> EarliestMemo::operator()(FeedReader& view, std::string_view author, uint64_t seq,
                                         const AuthorityState& authority) {
  auto it = feeds_.find(author);
  if (it == feeds_.end()) {
    std::vector<Ancestor> ancestors;
    for (std::string& ancestor : authority.pathFromRoot(author)) {
      if (ancestor == author) break;
      GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> last, view.stateGet(lastKey(author, ancestor)));
      // A step is written only with its "V" raised to at least its N, so no step lies above "V".
      const uint64_t stated = last && last->size() == 8 ? BinaryReader(*last).u64() : 0;
      ancestors.push_back(Ancestor{std::move(ancestor), stated});
    }
    it = feeds_.emplace(std::string(author), std::move(ancestors)).first;
  }
  int64_t best = 0;
  for (const Ancestor& a : it->second) {
    if (a.stated < seq) continue;
    GOVBUS_TRY(takeEarlier(view, author, a.code, seq, authority, best));
  }
  return best;
}

Status addOutage(FeedTxn& txn, const Envelope& author, const LinkOutage& outage) {
  Bytes key = BinaryWriter().u8(kOutage).raw(author.author).u8(0).i64(outage.fromMs).take();
  Bytes value = BinaryWriter().i64(outage.untilMs).str(outage.peer).take();
  return txn.statePut(key, value);
}

Status forEachOutage(FeedReader& view, std::string_view author,
                     const std::function<bool(const LinkOutage&)>& visit) {
  Bytes prefix = BinaryWriter().u8(kOutage).raw(author).u8(0).take();
  return view.stateScan(prefix, [&](ByteView k, ByteView v) {
    if (k.size() != prefix.size() + 8) return true;
    LinkOutage o;
    o.fromMs = BinaryReader(k.subspan(prefix.size())).i64();
    BinaryReader r(v);
    o.untilMs = r.i64();
    o.peer = r.str();
    if (!r.ok()) return true;
    return visit(o);
  });
}

}  // namespace govbus::witness
