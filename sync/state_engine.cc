#include "sync/state_engine.h"

#include <algorithm>
#include <limits>
#include <map>

#include "base/binary.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"
#include "sync/witness_index.h"

namespace govbus {

namespace {

constexpr char kCase = 'c', kComplaint = 'p', kVoid = 'v', kCatalog = 'k', kTree = 'n',
               kAuthorityIndex = 'a', kCaseInput = 'i', kComplaintInput = 'j', kRegionIndex = 'r',
               kAgainstIndex = 'q', kAcceptanceIndex = 'x', kGlobalViewIndex = 'y',
               kWaitingIndex = 'w', kMeta = 'm';
constexpr size_t kRefKeyBytes = 12 + 8;

void putRef(BinaryWriter& w, const RecordRef& ref) {
  char author[12] = {};
  std::copy_n(ref.author.data(), std::min<size_t>(ref.author.size(), 12), author);
  w.raw(std::string_view(author, 12)).u64(ref.seq);
}

RecordRef readRef(ByteView b) {
  size_t n = 0;
  while (n < 12 && b[n] != 0) ++n;
  return RecordRef{std::string(reinterpret_cast<const char*>(b.data()), n),
                   getBigEndian64(b.data() + 12)};
}

Bytes key(char table, std::string_view a) { return BinaryWriter().u8(table).raw(a).take(); }
Bytes keyZ(char table, std::string_view a) { return BinaryWriter().u8(table).raw(a).u8(0).take(); }
Bytes refKey(char table, const RecordRef& ref) {
  BinaryWriter w;
  w.u8(table);
  putRef(w, ref);
  return w.take();
}
Bytes keyZRef(char table, std::string_view a, const RecordRef& ref) {
  BinaryWriter w;
  w.u8(table).raw(a).u8(0);
  putRef(w, ref);
  return w.take();
}
Bytes keyZZ(char table, std::string_view a, std::string_view b) {
  return BinaryWriter().u8(table).raw(a).u8(0).raw(b).take();
}
const Bytes kDigestKey = key(kMeta, "digest");
const Bytes kLayoutKey = key(kMeta, "layout");
const Bytes kRebuildingKey = key(kMeta, "rebuilding");

// Wall times as key parts: big-endian with the sign bit flipped, so that keys sort by time.
void putTime(BinaryWriter& w, int64_t t) { w.u64(static_cast<uint64_t>(t) ^ (uint64_t{1} << 63)); }
int64_t readTime(const uint8_t* p) {
  return static_cast<int64_t>(getBigEndian64(p) ^ (uint64_t{1} << 63));
}

Bytes acceptanceKey(std::string_view item, std::string_view region, int64_t t,
                    std::string_view caseId) {
  BinaryWriter w;
  w.u8(kAcceptanceIndex).raw(item).u8(0).raw(region).u8(0);
  putTime(w, t);
  return w.raw(caseId).take();
}

// The region prefix of the codes below (and including) `code`; "" (every region) when it is not
// a division code.
std::string regionUnder(std::string_view code) {
  auto c = DivisionCode::parse(code);
  return c ? std::string(c->regionPrefix()) : std::string();
}

// The part of `key` after `prefix` up to the next NUL, and what follows that NUL.
std::pair<std::string, std::string> splitAfter(ByteView key, size_t prefix) {
  ByteView rest = key.subspan(prefix);
  auto zero = std::find(rest.begin(), rest.end(), uint8_t{0});
  std::string first(rest.begin(), zero);
  std::string second = zero == rest.end() ? std::string() : std::string(zero + 1, rest.end());
  return {std::move(first), std::move(second)};
}

void putOptionalRef(BinaryWriter& w, const std::optional<RecordRef>& r) {
  w.boolean(r.has_value());
  if (r) w.str(r->author).u64(r->seq);
}
std::optional<RecordRef> readOptionalRef(BinaryReader& r) {
  if (!r.boolean()) return std::nullopt;
  RecordRef ref;
  ref.author = r.str();
  ref.seq = r.u64();
  return ref;
}

Bytes encodeComplaint(const ComplaintSummary& s) {
  return BinaryWriter()
      .str(s.complaintId)
      .str(s.caseId)
      .str(s.against)
      .str(s.routedTo)
      .str(s.filedBy)
      .boolean(s.exists)
      .u8(static_cast<uint8_t>(s.status))
      .i64(s.filedAtMs)
      .i64(s.updatedAtMs)
      .take();
}

Result<ComplaintSummary> decodeComplaint(ByteView b) {
  BinaryReader r(b);
  ComplaintSummary s;
  s.complaintId = r.str();
  s.caseId = r.str();
  s.against = r.str();
  s.routedTo = r.str();
  s.filedBy = r.str();
  s.exists = r.boolean();
  s.status = static_cast<ComplaintStatus>(r.u8());
  s.filedAtMs = r.i64();
  s.updatedAtMs = r.i64();
  if (!r.ok() || !r.atEnd()) return makeError(ErrorCode::kStorage, "corrupt complaint entry");
  return s;
}

Bytes encodeCatalogEntry(const CatalogEntry& e) {
  BinaryWriter w;
  w.str(e.code)
      .str(e.name)
      .u8(static_cast<uint8_t>(e.statutoryDepth))
      .u32(e.legalDays)
      .u32(e.promisedDays)
      .boolean(e.delegable)
      .u32(static_cast<uint32_t>(e.materials.size()));
  for (const auto& m : e.materials) w.str(m);
  w.str(e.ref.author).u64(e.ref.seq);
  w.u8(static_cast<uint8_t>(e.limitUnit));
  return w.take();
}

Result<Record> readRecord(FeedReader& view, const RecordRef& ref) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view.record(ref.author, ref.seq));
  if (!raw) {
    return makeError(ErrorCode::kStorage, "state index names " + ref.author + "#" +
                                              std::to_string(ref.seq) +
                                              " but the feed has no such record");
  }
  GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*raw));
  return decodeRecordBody(sr.body);
}

// Case and complaint ids become key parts ending in a NUL: they must not contain one.
bool usableId(std::string_view id) {
  return !id.empty() && id.find('\0') == std::string_view::npos;
}

Status scanKeys(FeedReader& view, const Bytes& prefix,
                const std::function<void(ByteView rest, ByteView value)>& fn) {
  return view.stateScan(prefix, [&](ByteView k, ByteView v) {
    fn(k.subspan(prefix.size()), v);
    return true;
  });
}

// --- facts: what the rules read of a case or complaint record, kept in its input index entry ---
//
// An "i"/"j" entry's value is the record's verdict (1 byte, 0: valid) and its facts: the envelope
// fields the rules use (author, seq, key serial, Lamport, wall time, frontier) and the body fields
// they use (per event type). Re-evaluating a case reads one contiguous run of its index entries,
// never the feeds. Fields no rule reads (materials, notes, the applicant hash) are left out.

enum FactKind : uint8_t { kFactEvent = 0, kFactOrder = 1, kFactComplaint = 2, kFactUpdate = 3 };

void putEnvelope(BinaryWriter& w, const Envelope& e) {
  w.str(e.author).u64(e.seq).u32(e.keySerial).u64(e.lamport).i64(e.wallTimeMs);
  w.u32(static_cast<uint32_t>(e.frontier.size()));
  for (const FrontierEntry& f : e.frontier) w.str(f.author).u64(f.seq);
}

Envelope readEnvelopeFact(BinaryReader& r) {
  Envelope e;
  e.author = r.str();
  e.seq = r.u64();
  e.keySerial = r.u32();
  e.lamport = r.u64();
  e.wallTimeMs = r.i64();
  uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    FrontierEntry f;
    f.author = r.str();
    f.seq = r.u64();
    e.frontier.push_back(std::move(f));
  }
  return e;
}

Bytes factsOf(VoidReason verdict, const Envelope& env, const Payload& p) {
  BinaryWriter w;
  w.u8(static_cast<uint8_t>(verdict));
  if (const auto* e = std::get_if<CaseEvent>(&p)) {
    w.u8(kFactEvent);
    putEnvelope(w, env);
    w.u8(static_cast<uint8_t>(e->type));
    switch (e->type) {
      case CaseEventType::kReceived:
        w.str(e->received.item).str(e->received.handler).str(e->received.region);
        break;
      case CaseEventType::kApproved:
      case CaseEventType::kDenied:
        w.str(e->reason).str(e->legalBasis);
        break;
      case CaseEventType::kTransferred:
        w.str(e->text);
        break;
      default:
        break;
    }
  } else if (const auto* o = std::get_if<SupervisionOrder>(&p)) {
    w.u8(kFactOrder);
    putEnvelope(w, env);
    w.u8(static_cast<uint8_t>(o->kind));
    putOptionalRef(w, o->lastSeen);
    w.str(o->transferTo);
  } else if (const auto* c = std::get_if<Complaint>(&p)) {
    w.u8(kFactComplaint);
    putEnvelope(w, env);
    w.str(c->caseId).str(c->against);
  } else if (const auto* u = std::get_if<ComplaintUpdate>(&p)) {
    w.u8(kFactUpdate);
    putEnvelope(w, env);
    w.u8(static_cast<uint8_t>(u->status));
  }
  return w.take();
}

// The record behind an index entry, as far as the rules read it.
Result<Record> recordOfFacts(ByteView value, std::string_view id) {
  BinaryReader r(value);
  (void)r.u8();  // the verdict
  const uint8_t kind = r.u8();
  Record out;
  out.envelope = readEnvelopeFact(r);
  switch (kind) {
    case kFactEvent: {
      CaseEvent e;
      e.caseId = id;
      e.type = static_cast<CaseEventType>(r.u8());
      if (e.type == CaseEventType::kReceived) {
        e.received.item = r.str();
        e.received.handler = r.str();
        e.received.region = r.str();
      } else if (e.type == CaseEventType::kApproved || e.type == CaseEventType::kDenied) {
        e.reason = r.str();
        e.legalBasis = r.str();
      } else if (e.type == CaseEventType::kTransferred) {
        e.text = r.str();
      }
      out.payload = std::move(e);
      break;
    }
    case kFactOrder: {
      SupervisionOrder o;
      o.caseId = id;
      o.kind = static_cast<OrderKind>(r.u8());
      o.lastSeen = readOptionalRef(r);
      o.transferTo = r.str();
      out.payload = std::move(o);
      break;
    }
    case kFactComplaint: {
      Complaint c;
      c.complaintId = id;
      c.caseId = r.str();
      c.against = r.str();
      out.payload = std::move(c);
      break;
    }
    case kFactUpdate: {
      ComplaintUpdate u;
      u.complaintId = id;
      u.status = static_cast<ComplaintStatus>(r.u8());
      out.payload = std::move(u);
      break;
    }
    default:
      return makeError(ErrorCode::kStorage, "corrupt input index entry of " + std::string(id));
  }
  if (!r.ok() || !r.atEnd())
    return makeError(ErrorCode::kStorage, "corrupt input index entry of " + std::string(id));
  return out;
}

}  // namespace

Bytes encodeCaseSummary(const CaseSummary& s) {
  BinaryWriter w;
  w.str(s.caseId)
      .str(s.item)
      .str(s.region)
      .str(s.receiver)
      .str(s.handler)
      .u8(static_cast<uint8_t>(s.status))
      .boolean(s.halted)
      .i64(s.receivedAtMs)
      .i64(s.acceptedAtMs)
      .i64(s.endedAtMs)
      .u32(s.promisedDays)
      .u32(s.legalDays)
      .u8(static_cast<uint8_t>(s.limitUnit))
      .u32(static_cast<uint32_t>(s.pauses.size()));
  for (const ClockPause& p : s.pauses) w.i64(p.fromMs).i64(p.untilMs);
  w.i64(s.dueAtMs).i64(s.legalDueAtMs).boolean(s.provisional);
  w.u32(static_cast<uint32_t>(s.flaggedTimes.size()));
  for (const FlaggedTime& f : s.flaggedTimes)
    w.str(f.ref.author).u64(f.ref.seq).i64(f.claimedMs).i64(f.witnessedMs);
  w.u32(s.materialsRequests).u32(s.urges).boolean(s.authorityConflict);
  putOptionalRef(w, s.conflictRevocation);
  w.boolean(s.denied).str(s.denialReason);
  putOptionalRef(w, s.lastEvent);
  w.u32(s.validEvents);
  return w.take();
}

Result<CaseSummary> decodeCaseSummary(ByteView b) {
  BinaryReader r(b);
  CaseSummary s;
  s.caseId = r.str();
  s.item = r.str();
  s.region = r.str();
  s.receiver = r.str();
  s.handler = r.str();
  s.status = static_cast<CaseStatus>(r.u8());
  s.halted = r.boolean();
  s.receivedAtMs = r.i64();
  s.acceptedAtMs = r.i64();
  s.endedAtMs = r.i64();
  s.promisedDays = static_cast<uint16_t>(r.u32());
  s.legalDays = static_cast<uint16_t>(r.u32());
  s.limitUnit = static_cast<LimitUnit>(r.u8());
  for (uint32_t n = r.u32(); r.ok() && n > 0; --n) {
    ClockPause p;
    p.fromMs = r.i64();
    p.untilMs = r.i64();
    s.pauses.push_back(p);
  }
  s.dueAtMs = r.i64();
  s.legalDueAtMs = r.i64();
  s.provisional = r.boolean();
  for (uint32_t n = r.u32(); r.ok() && n > 0; --n) {
    FlaggedTime f;
    f.ref.author = r.str();
    f.ref.seq = r.u64();
    f.claimedMs = r.i64();
    f.witnessedMs = r.i64();
    s.flaggedTimes.push_back(std::move(f));
  }
  s.materialsRequests = r.u32();
  s.urges = r.u32();
  s.authorityConflict = r.boolean();
  s.conflictRevocation = readOptionalRef(r);
  s.denied = r.boolean();
  s.denialReason = r.str();
  s.lastEvent = readOptionalRef(r);
  s.validEvents = r.u32();
  if (!r.ok() || !r.atEnd()) return makeError(ErrorCode::kStorage, "corrupt case entry");
  return s;
}

// --- digested writes ---

Status StateEngine::putDigested(FeedTxn& txn, const Bytes& k, const Bytes& value,
                                const std::optional<Bytes>& old) {
  if (old && *old == value) return Status::Ok();
  if (old) digest_->remove(k, *old);
  digest_->add(k, value);
  return txn.statePut(k, value);
}

Status StateEngine::putDigested(FeedTxn& txn, const Bytes& k, const Bytes& value) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> old, txn.stateGet(k));
  return putDigested(txn, k, value, old);
}

Status StateEngine::delDigested(FeedTxn& txn, const Bytes& k) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> old, txn.stateGet(k));
  if (!old) return Status::Ok();
  digest_->remove(k, *old);
  return txn.stateDel(k);
}

Status StateEngine::setVerdict(FeedTxn& txn, const RecordRef& ref, VoidReason reason) {
  Bytes k = refKey(kVoid, ref);
  if (reason == VoidReason::kNone) return delDigested(txn, k);
  return putDigested(txn, k, Bytes{static_cast<uint8_t>(reason)});
}

// --- loading and applying ---

Result<StateEngine::Loaded> StateEngine::load(FeedReader& view) {
  Loaded out;
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> rebuilding, view.stateGet(kRebuildingKey));
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> layout, view.stateGet(kLayoutKey));
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> stored, view.stateGet(kDigestKey));
  const uint32_t version =
      layout && layout->size() == 4 ? BinaryReader(*layout).u32() : uint32_t{0};
  if (rebuilding) {
    out = {true, "a rebuild of the derived state was interrupted"};
  } else if (stored && version != kStateLayoutVersion) {
    out = {true, "the derived state has layout " + std::to_string(version) + ", this build keeps " +
                     std::to_string(kStateLayoutVersion)};
  }
  authority_ = AuthorityState(root_);
  if (out.needsRebuild) return out;
  std::vector<RecordRef> refs;
  GOVBUS_TRY(scanKeys(view, key(kAuthorityIndex, ""), [&](ByteView rest, ByteView) {
    if (rest.size() == kRefKeyBytes) refs.push_back(readRef(rest));
  }));
  std::vector<AuthorityRecord> records;
  records.reserve(refs.size());
  for (const RecordRef& ref : refs) {
    GOVBUS_ASSIGN_OR_RETURN(Record r, readRecord(view, ref));
    records.push_back(AuthorityRecord{ref, std::move(r.envelope), std::move(r.payload)});
  }
  authority_.load(std::move(records));
  return out;
}

Result<uint64_t> StateEngine::headSeq(FeedTxn& txn, const std::string& author) {
  if (auto it = heads_.find(author); it != heads_.end()) return it->second;
  GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> h, txn.head(author));
  uint64_t seq = h ? h->seq : 0;
  heads_.emplace(author, seq);
  return seq;
}

Status StateEngine::index(FeedTxn& txn, const RecordRef& ref, const Record& record, Dirty& dirty) {
  const Payload& p = record.payload;
  const Envelope& env = record.envelope;
  dirty.authors.insert(ref.author);
  if (AuthorityState::isAuthorityPayload(p)) {
    authority_.add(AuthorityRecord{ref, env, p});
    return txn.statePut(refKey(kAuthorityIndex, ref), {});
  }
  if (const auto* w = std::get_if<Witness>(&p)) {
    if (!witness::namesOnlyDescendants(record.envelope, *w))
      return setVerdict(txn, ref, VoidReason::kWitnessNotByAncestor);
    return witness::add(txn, record.envelope, *w, dirty.cases);
  }
  if (const auto* o = std::get_if<LinkOutage>(&p))
    return witness::addOutage(txn, record.envelope, *o);
  std::string caseId;
  const auto* event = std::get_if<CaseEvent>(&p);
  if (event) caseId = event->caseId;
  if (const auto* o = std::get_if<SupervisionOrder>(&p)) caseId = o->caseId;
  if (!caseId.empty()) {
    if (!usableId(caseId)) return setVerdict(txn, ref, VoidReason::kUnknownCase);
    dirty.cases.insert(caseId);
    if (event && event->type == CaseEventType::kReceived) {
      // Index by what the record names, valid or not: a `received` void today (its item not yet
      // in the catalog, its handler not yet enrolled) must be judged again when that changes.
      const CaseReceived& r = event->received;
      GOVBUS_TRY(txn.statePut(keyZZ(kRegionIndex, r.region, caseId), {}));
      if (env.author != r.region)
        GOVBUS_TRY(txn.statePut(keyZZ(kRegionIndex, env.author, caseId), {}));
    }
    if (event && event->type == CaseEventType::kAccepted)
      dirty.accepted[caseId].push_back(env.wallTimeMs);
    // What this record had seen and this store does not hold yet: judge the case again when it
    // arrives (it may be a delegation or catalog version the record relies on).
    for (const FrontierEntry& f : env.frontier) {
      if (f.author == env.author) continue;
      GOVBUS_ASSIGN_OR_RETURN(uint64_t have, headSeq(txn, f.author));
      if (have >= f.seq) continue;
      BinaryWriter w;
      w.u8(kWaitingIndex).raw(f.author).u8(0).u64(f.seq).raw(caseId);
      GOVBUS_TRY(txn.statePut(w.take(), {}));
    }
    return txn.statePut(keyZRef(kCaseInput, caseId, ref), factsOf(VoidReason::kNone, env, p));
  }
  std::string complaintId;
  if (const auto* c = std::get_if<Complaint>(&p)) {
    complaintId = c->complaintId;
    if (usableId(complaintId))
      GOVBUS_TRY(txn.statePut(keyZZ(kAgainstIndex, c->against, complaintId), {}));
  }
  if (const auto* u = std::get_if<ComplaintUpdate>(&p)) complaintId = u->complaintId;
  if (!usableId(complaintId)) return setVerdict(txn, ref, VoidReason::kComplaintUnknown);
  dirty.complaints.insert(complaintId);
  return txn.statePut(keyZRef(kComplaintInput, complaintId, ref),
                      factsOf(VoidReason::kNone, env, p));
}

Status StateEngine::apply(FeedTxn& txn, const std::vector<CheckedRecord>& appended) {
  if (appended.empty()) return Status::Ok();
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> stored, txn.stateGet(kDigestKey));
  Hash256 d{};
  if (stored && stored->size() == kHashBytes) std::copy(stored->begin(), stored->end(), d.begin());
  digest_.emplace(d);
  if (!stored) {
    Bytes layout = BinaryWriter().u32(kStateLayoutVersion).take();
    GOVBUS_TRY(txn.statePut(kLayoutKey, layout));
  }
  heads_.clear();

  Dirty dirty;
  for (const CheckedRecord& c : appended) {
    RecordRef ref{c.record.envelope.author, c.record.envelope.seq};
    GOVBUS_TRY(index(txn, ref, c.record, dirty));
  }
  GOVBUS_TRY(applyAuthorityChanges(txn, authority_.takeChanges(), dirty));
  GOVBUS_TRY(releaseWaiting(txn, dirty));
  // Every record is indexed and the tree settled: witnessed times cannot move from here on.
  witness::EarliestMemo earliest;
  for (const std::string& id : dirty.cases) GOVBUS_TRY(evaluateCaseInto(txn, id, dirty, earliest));
  for (const std::string& id : dirty.complaints) GOVBUS_TRY(evaluateComplaintInto(txn, id));

  const Hash256& out = digest_->value();
  GOVBUS_TRY(txn.statePut(kDigestKey, Bytes(out.begin(), out.end())));
  digest_.reset();
  heads_.clear();
  return Status::Ok();
}

Status StateEngine::applyAuthorityChanges(FeedTxn& txn, const AuthorityState::Changes& changes,
                                          Dirty& dirty) {
  for (const RecordRef& ref : changes.verdicts)
    GOVBUS_TRY(setVerdict(txn, ref, authority_.verdict(ref)));
  // A working-day calendar or the witness tolerance can move any case's deadline (rare: a few
  // province records a year).
  if (changes.clockRules) GOVBUS_TRY(markByCode(txn, key(kRegionIndex, ""), dirty.cases));
  // The catalog entry in force: cases that asked who handles the item now depend on it.
  for (const std::string& code : changes.items) {
    if (const CatalogEntry* e = authority_.item(code)) {
      GOVBUS_TRY(putDigested(txn, key(kCatalog, code), encodeCatalogEntry(*e)));
    } else {
      GOVBUS_TRY(delDigested(txn, key(kCatalog, code)));
    }
    GOVBUS_TRY(markByCode(txn, keyZ(kGlobalViewIndex, code), dirty.cases));
  }
  // Earlier versions of an item changed (a fork of the root): any case of the item may have seen
  // one. Never in the ordinary course, so every case is judged again rather than keeping an index
  // by item that each `received` would write.
  if (!changes.versioned.empty()) GOVBUS_TRY(markByCode(txn, key(kRegionIndex, ""), dirty.cases));
  // A node moved in the tree: the cases whose region or receiving window is under it, and the
  // complaints against a node under it.
  for (const std::string& node : changes.nodes) {
    if (auto parent = authority_.parentOf(node)) {
      GOVBUS_TRY(putDigested(txn, key(kTree, node), Bytes(parent->begin(), parent->end())));
    } else {
      GOVBUS_TRY(delDigested(txn, key(kTree, node)));
    }
    GOVBUS_TRY(markByCode(txn, key(kRegionIndex, regionUnder(node)), dirty.cases));
    GOVBUS_TRY(markByCode(txn, key(kAgainstIndex, regionUnder(node)), dirty.complaints));
    // …and the node's own records in cases outside its region (a window receiving for another
    // region, an order on another subtree's case): their verdicts hang on its enrolment too.
    GOVBUS_TRY(markFeedFrom(txn, node, 1, dirty));
  }
  // A delegation whose verdict or revocations changed decides again who held its item under its
  // grantee during its period: the acceptances there and then.
  for (const RecordRef& ref : changes.delegations) {
    const AuthorityRecord* r = authority_.find(ref);
    if (!r) continue;
    GOVBUS_TRY(markAcceptancesIn(txn, std::get<Delegation>(r->payload), dirty));
  }
  // A fork changes the verdict of the author's records from the fork on.
  for (const auto& [author, seq] : changes.forkedFrom)
    GOVBUS_TRY(markFeedFrom(txn, author, seq, dirty));
  return Status::Ok();
}

// Collects the ids of the index entries (table code 0 id) whose key starts with `prefix`.
Status StateEngine::markByCode(FeedTxn& txn, const Bytes& prefix, std::set<std::string>& out) {
  return txn.stateScan(prefix, [&](ByteView k, ByteView) {
    out.insert(splitAfter(k, 1).second);
    return true;
  });
}

// Skips through "x" item 0 region 0 time caseId: for each region under the grantee, only the
// acceptances inside the delegation's period.
Status StateEngine::markAcceptancesIn(FeedTxn& txn, const Delegation& d, Dirty& dirty) {
  const int64_t from = d.validFromMs;
  const int64_t until = d.validUntilMs == 0 ? std::numeric_limits<int64_t>::max() : d.validUntilMs;
  if (from > until) return Status::Ok();
  const Bytes item = BinaryWriter().u8(kAcceptanceIndex).raw(d.item).u8(0).take();
  Bytes under = item;
  const std::string prefix = regionUnder(d.grantee);
  under.insert(under.end(), prefix.begin(), prefix.end());
  Bytes cursor = under;
  while (true) {
    std::optional<std::string> region;
    GOVBUS_TRY(txn.stateScanFrom(cursor, under, [&](ByteView k, ByteView) {
      region = splitAfter(k, item.size()).first;
      return false;
    }));
    if (!region) return Status::Ok();
    Bytes inRegion = item;
    inRegion.insert(inRegion.end(), region->begin(), region->end());
    inRegion.push_back(0);
    BinaryWriter start;
    start.raw(std::string_view(reinterpret_cast<const char*>(inRegion.data()), inRegion.size()));
    putTime(start, from);
    GOVBUS_TRY(txn.stateScanFrom(start.take(), inRegion, [&](ByteView k, ByteView) {
      if (k.size() < inRegion.size() + 8) return true;
      if (readTime(k.data() + inRegion.size()) > until) return false;
      dirty.cases.insert(
          std::string(k.begin() + static_cast<ptrdiff_t>(inRegion.size() + 8), k.end()));
      return true;
    }));
    cursor = inRegion;
    cursor.back() = 1;  // past every key of this region
  }
}

Status StateEngine::markFeedFrom(FeedTxn& txn, const std::string& author, uint64_t seq,
                                 Dirty& dirty) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> head, txn.head(author));
  const uint64_t last = head ? head->seq : 0;
  for (uint64_t s = std::max<uint64_t>(seq, 1); s <= last; ++s) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, txn.record(author, s));
    if (!raw) continue;
    auto sr = decodeSignedRecord(*raw);
    auto r = sr ? decodeRecordBody(sr->body) : Result<Record>(sr.error());
    if (!r) continue;
    if (const auto* e = std::get_if<CaseEvent>(&r->payload); e && usableId(e->caseId))
      dirty.cases.insert(e->caseId);
    if (const auto* o = std::get_if<SupervisionOrder>(&r->payload); o && usableId(o->caseId))
      dirty.cases.insert(o->caseId);
    if (const auto* c = std::get_if<Complaint>(&r->payload); c && usableId(c->complaintId))
      dirty.complaints.insert(c->complaintId);
    if (const auto* u = std::get_if<ComplaintUpdate>(&r->payload); u && usableId(u->complaintId))
      dirty.complaints.insert(u->complaintId);
  }
  return Status::Ok();
}

Status StateEngine::releaseWaiting(FeedTxn& txn, Dirty& dirty) {
  for (const std::string& author : dirty.authors) {
    GOVBUS_ASSIGN_OR_RETURN(uint64_t have, headSeq(txn, author));
    Bytes prefix = BinaryWriter().u8(kWaitingIndex).raw(author).u8(0).take();
    std::vector<Bytes> released;
    GOVBUS_TRY(txn.stateScan(prefix, [&](ByteView k, ByteView) {
      if (k.size() < prefix.size() + 8) return true;
      if (getBigEndian64(k.data() + prefix.size()) > have) return false;
      dirty.cases.insert(
          std::string(k.begin() + static_cast<ptrdiff_t>(prefix.size() + 8), k.end()));
      released.push_back(toBytes(k));
      return true;
    }));
    for (const Bytes& k : released) GOVBUS_TRY(txn.stateDel(k));
  }
  return Status::Ok();
}

// The records of one case or complaint (an "i" or "j" index prefix, `id` its case or complaint
// id), each with the verdict it has now and its facts, from one run of index entries.
Result<std::vector<StateEngine::Input>> StateEngine::readInputs(FeedTxn& txn, const Bytes& prefix,
                                                                std::string_view id) {
  std::vector<Input> inputs;
  GOVBUS_TRY(scanKeys(txn, prefix, [&](ByteView rest, ByteView value) {
    if (rest.size() != kRefKeyBytes) return;
    const VoidReason verdict =
        value.empty() ? VoidReason::kNone : static_cast<VoidReason>(value[0]);
    inputs.push_back(Input{readRef(rest), verdict, toBytes(value), {}});
  }));
  for (Input& in : inputs) {
    GOVBUS_ASSIGN_OR_RETURN(in.record, recordOfFacts(in.value, id));
  }
  return inputs;
}

// Writes the verdicts of `inputs` that changed, in "v" (digested) and in the index entry.
Status StateEngine::writeVerdicts(FeedTxn& txn, const Bytes& prefix, std::vector<Input>& inputs,
                                  const std::vector<std::pair<RecordRef, VoidReason>>& voids) {
  std::map<RecordRef, VoidReason> now(voids.begin(), voids.end());
  for (Input& in : inputs) {
    auto it = now.find(in.ref);
    const VoidReason reason = it == now.end() ? VoidReason::kNone : it->second;
    if (reason == in.verdict) continue;
    const Bytes v = refKey(kVoid, in.ref);
    if (in.verdict != VoidReason::kNone) {
      digest_->remove(v, Bytes{static_cast<uint8_t>(in.verdict)});
      GOVBUS_TRY(txn.stateDel(v));
    }
    if (reason != VoidReason::kNone) {
      const Bytes value{static_cast<uint8_t>(reason)};
      digest_->add(v, value);
      GOVBUS_TRY(txn.statePut(v, value));
    }
    Bytes indexKey = prefix;
    BinaryWriter w;
    putRef(w, in.ref);
    Bytes ref = w.take();
    indexKey.insert(indexKey.end(), ref.begin(), ref.end());
    in.value[0] = static_cast<uint8_t>(reason);
    GOVBUS_TRY(txn.statePut(indexKey, in.value));
  }
  return Status::Ok();
}

Status StateEngine::evaluateCaseInto(FeedTxn& txn, const std::string& caseId, const Dirty& dirty,
                                     witness::EarliestMemo& earliest) {
  ++stats_.casesEvaluated;
  const Bytes prefix = keyZ(kCaseInput, caseId);
  GOVBUS_ASSIGN_OR_RETURN(std::vector<Input> read, readInputs(txn, prefix, caseId));
  std::vector<CaseInput> inputs;
  inputs.reserve(read.size());
  std::vector<int64_t> acceptances;
  for (Input& in : read) {  // what remains of `read` is its refs and verdicts
    Record& r = in.record;
    GOVBUS_ASSIGN_OR_RETURN(int64_t witnessed,
                            earliest(txn, in.ref.author, in.ref.seq, authority_));
    if (auto* e = std::get_if<CaseEvent>(&r.payload)) {
      if (e->type == CaseEventType::kAccepted) acceptances.push_back(r.envelope.wallTimeMs);
      inputs.push_back(CaseInput{in.ref, std::move(r.envelope), std::move(*e), witnessed});
    } else if (auto* o = std::get_if<SupervisionOrder>(&r.payload)) {
      inputs.push_back(CaseInput{in.ref, std::move(r.envelope), std::move(*o), witnessed});
    }
  }
  const ClockRules rules{&authority_.calendar(), authority_.setting(kWitnessToleranceSetting)};
  CaseEvaluation ev = evaluateCase(caseId, std::move(inputs), authority_, rules);
  GOVBUS_TRY(writeVerdicts(txn, prefix, read, ev.voids));

  const Bytes k = keyZ(kCase, caseId);
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> oldBytes, txn.stateGet(k));
  // The old summary's item and region: its first fields after the case id.
  struct Placed {
    std::string item, region;
  };
  std::optional<Placed> old;
  if (oldBytes) {
    BinaryReader r(*oldBytes);
    (void)r.str();
    Placed p{r.str(), r.str()};
    if (!r.ok()) return makeError(ErrorCode::kStorage, "corrupt case entry " + caseId);
    old = std::move(p);
  }
  const CaseSummary& now = ev.summary;
  const bool exists = now.status != CaseStatus::kNone;
  // The acceptance and global-view indexes follow the case's item and region.
  const bool moved = old && (!exists || old->item != now.item || old->region != now.region);
  if (moved) {
    for (int64_t t : acceptances)
      GOVBUS_TRY(txn.stateDel(acceptanceKey(old->item, old->region, t, caseId)));
    GOVBUS_TRY(txn.stateDel(keyZZ(kGlobalViewIndex, old->item, caseId)));
  }
  if (exists) {
    if (!old || moved) {
      for (int64_t t : acceptances)
        GOVBUS_TRY(txn.statePut(acceptanceKey(now.item, now.region, t, caseId), {}));
    } else if (auto it = dirty.accepted.find(caseId); it != dirty.accepted.end()) {
      for (int64_t t : it->second)
        GOVBUS_TRY(txn.statePut(acceptanceKey(now.item, now.region, t, caseId), {}));
    }
    if (ev.usedGlobalView) {
      GOVBUS_TRY(txn.statePut(keyZZ(kGlobalViewIndex, now.item, caseId), {}));
    } else if (old && !moved) {
      GOVBUS_TRY(txn.stateDel(keyZZ(kGlobalViewIndex, now.item, caseId)));
    }
  }

  if (!exists) {
    if (!oldBytes) return Status::Ok();
    digest_->remove(k, *oldBytes);
    return txn.stateDel(k);
  }
  return putDigested(txn, k, encodeCaseSummary(now), oldBytes);
}

Status StateEngine::evaluateComplaintInto(FeedTxn& txn, const std::string& complaintId) {
  ++stats_.complaintsEvaluated;
  const Bytes prefix = keyZ(kComplaintInput, complaintId);
  GOVBUS_ASSIGN_OR_RETURN(std::vector<Input> read, readInputs(txn, prefix, complaintId));
  std::vector<ComplaintInput> inputs;
  for (Input& in : read) {
    Record& r = in.record;
    if (auto* c = std::get_if<Complaint>(&r.payload)) {
      inputs.push_back(ComplaintInput{in.ref, std::move(r.envelope), std::move(*c)});
    } else if (auto* u = std::get_if<ComplaintUpdate>(&r.payload)) {
      inputs.push_back(ComplaintInput{in.ref, std::move(r.envelope), std::move(*u)});
    }
  }
  ComplaintEvaluation ev = evaluateComplaint(complaintId, std::move(inputs), authority_);
  GOVBUS_TRY(writeVerdicts(txn, prefix, read, ev.voids));
  Bytes k = keyZ(kComplaint, complaintId);
  if (!ev.summary.exists) return delDigested(txn, k);
  return putDigested(txn, k, encodeComplaint(ev.summary));
}

// --- rebuilding ---

Status StateEngine::reset(FeedTxn& txn) {
  GOVBUS_TRY(txn.stateClear());
  authority_ = AuthorityState(root_);
  GOVBUS_TRY(txn.statePut(kRebuildingKey, Bytes{1}));
  return txn.statePut(kLayoutKey, BinaryWriter().u32(kStateLayoutVersion).take());
}

Status StateEngine::finishRebuild(FeedTxn& txn) { return txn.stateDel(kRebuildingKey); }

// --- queries ---

Result<Hash256> StateEngine::digest(FeedReader& view) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> stored, view.stateGet(kDigestKey));
  Hash256 d{};
  if (stored && stored->size() == kHashBytes) std::copy(stored->begin(), stored->end(), d.begin());
  return d;
}

Result<VoidReason> StateEngine::verdict(FeedReader& view, const RecordRef& ref) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> v, view.stateGet(refKey(kVoid, ref)));
  if (!v || v->size() != 1) return VoidReason::kNone;
  return static_cast<VoidReason>((*v)[0]);
}

Result<std::optional<CaseSummary>> StateEngine::caseSummary(FeedReader& view,
                                                            std::string_view caseId) {
  if (!usableId(caseId)) return std::optional<CaseSummary>();
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> v, view.stateGet(keyZ(kCase, caseId)));
  if (!v) return std::optional<CaseSummary>();
  GOVBUS_ASSIGN_OR_RETURN(CaseSummary s, decodeCaseSummary(*v));
  return std::optional<CaseSummary>(std::move(s));
}

Status StateEngine::forEachCase(FeedReader& view,
                                const std::function<bool(const CaseSummary&)>& visit) {
  Status status;
  GOVBUS_TRY(view.stateScan(key(kCase, ""), [&](ByteView, ByteView v) {
    auto s = decodeCaseSummary(v);
    if (!s) {
      status = s.error();
      return false;
    }
    return visit(*s);
  }));
  return status;
}

Status StateEngine::forEachComplaint(FeedReader& view,
                                     const std::function<bool(const ComplaintSummary&)>& visit) {
  Status status;
  GOVBUS_TRY(view.stateScan(key(kComplaint, ""), [&](ByteView, ByteView v) {
    auto s = decodeComplaint(v);
    if (!s) {
      status = s.error();
      return false;
    }
    return visit(*s);
  }));
  return status;
}

Status StateEngine::forEachVoid(FeedReader& view,
                                const std::function<bool(const RecordRef&, VoidReason)>& visit) {
  return view.stateScan(key(kVoid, ""), [&](ByteView k, ByteView v) {
    if (k.size() != 1 + kRefKeyBytes || v.size() != 1) return true;
    return visit(readRef(k.subspan(1)), static_cast<VoidReason>(v[0]));
  });
}

Result<std::vector<RecordRef>> StateEngine::caseRecords(FeedReader& view, std::string_view caseId) {
  std::vector<RecordRef> refs;
  if (!usableId(caseId)) return refs;
  GOVBUS_TRY(scanKeys(view, keyZ(kCaseInput, caseId), [&](ByteView rest, ByteView) {
    if (rest.size() == kRefKeyBytes) refs.push_back(readRef(rest));
  }));
  return refs;
}

}  // namespace govbus
