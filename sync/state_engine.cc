#include "sync/state_engine.h"

#include <algorithm>
#include <map>

#include "base/binary.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"
#include "sync/witness_index.h"

namespace govbus {

namespace {

constexpr char kCase = 'c', kComplaint = 'p', kVoid = 'v', kCatalog = 'k', kTree = 'n',
               kAuthorityIndex = 'a', kCaseInput = 'i', kComplaintInput = 'j', kItemIndex = 't',
               kRegionIndex = 'r', kMeta = 'm';
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
  w
      .u32(s.materialsRequests)
      .u32(s.urges)
      .boolean(s.authorityConflict);
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

Status StateEngine::putDigested(FeedTxn& txn, const Bytes& k, const Bytes& value) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> old, txn.stateGet(k));
  if (old && *old == value) return Status::Ok();
  if (old) digest_->remove(k, *old);
  digest_->add(k, value);
  return txn.statePut(k, value);
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

Status StateEngine::load(FeedReader& view) {
  authority_ = AuthorityState(root_);
  std::vector<RecordRef> refs;
  GOVBUS_TRY(scanKeys(view, key(kAuthorityIndex, ""), [&](ByteView rest, ByteView) {
    if (rest.size() == kRefKeyBytes) refs.push_back(readRef(rest));
  }));
  for (const RecordRef& ref : refs) {
    GOVBUS_ASSIGN_OR_RETURN(Record r, readRecord(view, ref));
    authority_.add(AuthorityRecord{ref, std::move(r.envelope), std::move(r.payload)});
  }
  authority_.evaluate();
  return Status::Ok();
}

Status StateEngine::index(FeedTxn& txn, const RecordRef& ref, const Record& record, Dirty& dirty) {
  const Payload& p = record.payload;
  if (AuthorityState::isAuthorityPayload(p)) {
    if (authority_.add(AuthorityRecord{ref, record.envelope, p})) dirty.newAuthority.push_back(ref);
    dirty.authority = true;
    return txn.statePut(refKey(kAuthorityIndex, ref), {});
  }
  if (const auto* w = std::get_if<Witness>(&p)) {
    if (!witness::namesOnlyDescendants(record.envelope, *w))
      return setVerdict(txn, ref, VoidReason::kWitnessNotByAncestor);
    return witness::add(txn, record.envelope, *w, dirty.cases);
  }
  if (const auto* o = std::get_if<LinkOutage>(&p)) return witness::addOutage(txn, record.envelope, *o);
  std::string caseId;
  if (const auto* e = std::get_if<CaseEvent>(&p)) caseId = e->caseId;
  if (const auto* o = std::get_if<SupervisionOrder>(&p)) caseId = o->caseId;
  if (!caseId.empty()) {
    if (!usableId(caseId)) return setVerdict(txn, ref, VoidReason::kUnknownCase);
    dirty.cases.insert(caseId);
    // Index by what the record names, valid or not: a `received` void today (its item not yet
    // in the catalog, its handler not yet enrolled) must be judged again when that changes.
    if (const auto* e = std::get_if<CaseEvent>(&p); e && e->type == CaseEventType::kReceived) {
      GOVBUS_TRY(txn.statePut(BinaryWriter()
                                  .u8(kItemIndex)
                                  .raw(e->received.item)
                                  .u8(0)
                                  .raw(e->received.region)
                                  .u8(0)
                                  .raw(caseId)
                                  .take(),
                              {}));
      GOVBUS_TRY(txn.statePut(keyZZ(kRegionIndex, e->received.region, caseId), {}));
    }
    if (std::holds_alternative<CaseEvent>(p)) GOVBUS_TRY(witness::indexCaseEvent(txn, ref, caseId));
    return txn.statePut(keyZRef(kCaseInput, caseId, ref), {});
  }
  std::string complaintId;
  if (const auto* c = std::get_if<Complaint>(&p)) complaintId = c->complaintId;
  if (const auto* u = std::get_if<ComplaintUpdate>(&p)) complaintId = u->complaintId;
  if (!usableId(complaintId)) return setVerdict(txn, ref, VoidReason::kComplaintUnknown);
  dirty.complaints.insert(complaintId);
  return txn.statePut(keyZRef(kComplaintInput, complaintId, ref), {});
}

Status StateEngine::apply(FeedTxn& txn, const std::vector<CheckedRecord>& appended) {
  if (appended.empty()) return Status::Ok();
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> stored, txn.stateGet(kDigestKey));
  Hash256 d{};
  if (stored && stored->size() == kHashBytes) std::copy(stored->begin(), stored->end(), d.begin());
  digest_.emplace(d);

  Dirty dirty;
  for (const CheckedRecord& c : appended) {
    RecordRef ref{c.record.envelope.author, c.record.envelope.seq};
    GOVBUS_TRY(index(txn, ref, c.record, dirty));
  }
  if (dirty.authority) GOVBUS_TRY(reevaluateAuthority(txn, dirty));
  for (const std::string& id : dirty.cases) GOVBUS_TRY(evaluateCaseInto(txn, id));
  for (const std::string& id : dirty.complaints) GOVBUS_TRY(evaluateComplaintInto(txn, id));

  const Hash256& out = digest_->value();
  GOVBUS_TRY(txn.statePut(kDigestKey, Bytes(out.begin(), out.end())));
  digest_.reset();
  return Status::Ok();
}

Status StateEngine::markCasesUnder(FeedTxn& txn, const std::string& code, Dirty& dirty) {
  auto parsed = DivisionCode::parse(code);
  std::string prefix = parsed ? std::string(parsed->regionPrefix()) : code;
  Bytes k = key(kRegionIndex, prefix);
  return txn.stateScan(k, [&](ByteView full, ByteView) {
    ByteView rest = full.subspan(1);
    auto zero = std::find(rest.begin(), rest.end(), uint8_t{0});
    if (zero != rest.end()) dirty.cases.insert(std::string(zero + 1, rest.end()));
    return true;
  });
}

Status StateEngine::reevaluateAuthority(FeedTxn& txn, Dirty& dirty) {
  std::map<RecordRef, VoidReason> oldVoids = authority_.voids();
  std::map<std::string, CatalogEntry, std::less<>> oldCatalog = authority_.catalog();
  std::map<std::string, std::string, std::less<>> oldTree = authority_.parents();
  std::map<int, RecordRef> oldCalendars = authority_.calendarRecords();
  int64_t oldTolerance = authority_.setting(kWitnessToleranceSetting);
  authority_.evaluate();
  // A calendar or the witness tolerance can move any case's deadline.
  if (authority_.calendarRecords() != oldCalendars ||
      authority_.setting(kWitnessToleranceSetting) != oldTolerance) {
    GOVBUS_TRY(markCasesUnder(txn, root_, dirty));
  }

  // (item, region prefix): the cases of an item whose region starts with the prefix ("" = all).
  std::set<std::pair<std::string, std::string>> items;
  std::set<std::string> nodes;
  auto under = [](const std::string& code) {
    auto c = DivisionCode::parse(code);
    return c ? std::string(c->regionPrefix()) : std::string();
  };
  for (const auto& [ref, reason] : oldVoids) {
    if (authority_.verdict(ref) != reason)
      GOVBUS_TRY(setVerdict(txn, ref, authority_.verdict(ref)));
  }
  for (const auto& [ref, reason] : authority_.voids()) {
    if (!oldVoids.contains(ref)) GOVBUS_TRY(setVerdict(txn, ref, reason));
  }
  // Which cases can the change reach? Those of an item whose catalog entry or delegations changed,
  // and those under a node whose place in the tree or fork status changed.
  for (const auto& [code, e] : oldCatalog) {
    const CatalogEntry* now = authority_.item(code);
    if (!now) {
      items.insert({code, ""});
      GOVBUS_TRY(delDigested(txn, key(kCatalog, code)));
    }
  }
  for (const auto& [code, e] : authority_.catalog()) {
    Bytes enc = encodeCatalogEntry(e);
    auto old = oldCatalog.find(code);
    if (old == oldCatalog.end() || encodeCatalogEntry(old->second) != enc) {
      items.insert({code, ""});
      GOVBUS_TRY(putDigested(txn, key(kCatalog, code), enc));
    }
  }
  for (const auto& [child, parent] : oldTree) {
    if (!authority_.parentOf(child)) {
      nodes.insert(child);
      GOVBUS_TRY(delDigested(txn, key(kTree, child)));
    }
  }
  for (const auto& [child, parent] : authority_.parents()) {
    auto old = oldTree.find(child);
    if (old == oldTree.end() || old->second != parent) {
      nodes.insert(child);
      GOVBUS_TRY(putDigested(txn, key(kTree, child), Bytes(parent.begin(), parent.end())));
    }
  }
  // Delegations whose verdict changed, and delegations, revocations and fork reports added now:
  // the cases of their items (and under forked authors) may be judged differently.
  std::set<RecordRef> changed;
  for (const auto& [ref, reason] : oldVoids) {
    if (authority_.verdict(ref) != reason) changed.insert(ref);
  }
  for (const auto& [ref, reason] : authority_.voids()) {
    if (!oldVoids.contains(ref)) changed.insert(ref);
  }
  for (const RecordRef& ref : changed) {
    const AuthorityRecord* r = authority_.find(ref);
    if (!r) continue;
    // A delegation only ever decides who handles regions under its grantee.
    if (const auto* d = std::get_if<Delegation>(&r->payload))
      items.insert({d->item, under(d->grantee)});
  }
  // New valid delegations and revocations change authority without changing any void verdict.
  for (const RecordRef& added : dirty.newAuthority) {
    const AuthorityRecord* r = authority_.find(added);
    if (const auto* d = std::get_if<Delegation>(&r->payload))
      items.insert({d->item, under(d->grantee)});
    if (const auto* rv = std::get_if<DelegationRevocation>(&r->payload)) {
      if (const AuthorityRecord* t = authority_.find(rv->delegation)) {
        if (const auto* td = std::get_if<Delegation>(&t->payload))
          items.insert({td->item, under(td->grantee)});
      }
    }
    if (const auto* f = std::get_if<ForkReport>(&r->payload)) nodes.insert(f->author);
  }

  for (const auto& entry : items) {
    const std::string& item = entry.first;
    Bytes scan = BinaryWriter().u8(kItemIndex).raw(item).u8(0).raw(entry.second).take();
    const auto itemKeyLength = static_cast<ptrdiff_t>(1 + item.size() + 1);
    GOVBUS_TRY(txn.stateScan(scan, [&](ByteView full, ByteView) {
      // 't' item 0 region 0 caseId
      auto regionStart = full.begin() + itemKeyLength;
      auto zero = std::find(regionStart, full.end(), uint8_t{0});
      if (zero != full.end()) dirty.cases.insert(std::string(zero + 1, full.end()));
      return true;
    }));
  }
  for (const std::string& node : nodes) GOVBUS_TRY(markCasesUnder(txn, node, dirty));
  if (!nodes.empty()) {
    // From the input index, not the summaries: a complaint void so far has no summary.
    GOVBUS_TRY(scanKeys(txn, key(kComplaintInput, ""), [&](ByteView rest, ByteView) {
      auto zero = std::find(rest.begin(), rest.end(), uint8_t{0});
      dirty.complaints.insert(std::string(rest.begin(), zero));
    }));
  }
  return Status::Ok();
}

Status StateEngine::evaluateCaseInto(FeedTxn& txn, const std::string& caseId) {
  GOVBUS_ASSIGN_OR_RETURN(std::vector<RecordRef> refs, caseRecords(txn, caseId));
  std::vector<CaseInput> inputs;
  inputs.reserve(refs.size());
  for (const RecordRef& ref : refs) {
    GOVBUS_ASSIGN_OR_RETURN(Record r, readRecord(txn, ref));
    GOVBUS_ASSIGN_OR_RETURN(int64_t witnessed,
                            witness::earliest(txn, ref.author, ref.seq, authority_));
    if (auto* e = std::get_if<CaseEvent>(&r.payload)) {
      inputs.push_back(CaseInput{ref, std::move(r.envelope), std::move(*e), witnessed});
    } else if (auto* o = std::get_if<SupervisionOrder>(&r.payload)) {
      inputs.push_back(CaseInput{ref, std::move(r.envelope), std::move(*o), witnessed});
    }
  }
  ClockRules rules{&authority_.calendar(), authority_.setting(kWitnessToleranceSetting)};
  CaseEvaluation ev = evaluateCase(caseId, std::move(inputs), authority_, rules);
  std::map<RecordRef, VoidReason> voids(ev.voids.begin(), ev.voids.end());
  for (const RecordRef& ref : refs) {
    auto it = voids.find(ref);
    GOVBUS_TRY(setVerdict(txn, ref, it == voids.end() ? VoidReason::kNone : it->second));
  }
  Bytes k = keyZ(kCase, caseId);
  if (ev.summary.status == CaseStatus::kNone) {
    GOVBUS_TRY(delDigested(txn, k));
    return Status::Ok();
  }
  return putDigested(txn, k, encodeCaseSummary(ev.summary));
}

Status StateEngine::evaluateComplaintInto(FeedTxn& txn, const std::string& complaintId) {
  std::vector<RecordRef> refs;
  Bytes prefix = keyZ(kComplaintInput, complaintId);
  GOVBUS_TRY(scanKeys(txn, prefix, [&](ByteView rest, ByteView) {
    if (rest.size() == kRefKeyBytes) refs.push_back(readRef(rest));
  }));
  std::vector<ComplaintInput> inputs;
  for (const RecordRef& ref : refs) {
    GOVBUS_ASSIGN_OR_RETURN(Record r, readRecord(txn, ref));
    if (auto* c = std::get_if<Complaint>(&r.payload)) {
      inputs.push_back(ComplaintInput{ref, std::move(r.envelope), std::move(*c)});
    } else if (auto* u = std::get_if<ComplaintUpdate>(&r.payload)) {
      inputs.push_back(ComplaintInput{ref, std::move(r.envelope), std::move(*u)});
    }
  }
  ComplaintEvaluation ev = evaluateComplaint(complaintId, std::move(inputs), authority_);
  std::map<RecordRef, VoidReason> voids(ev.voids.begin(), ev.voids.end());
  for (const RecordRef& ref : refs) {
    auto it = voids.find(ref);
    GOVBUS_TRY(setVerdict(txn, ref, it == voids.end() ? VoidReason::kNone : it->second));
  }
  Bytes k = keyZ(kComplaint, complaintId);
  if (!ev.summary.exists) return delDigested(txn, k);
  return putDigested(txn, k, encodeComplaint(ev.summary));
}

Status StateEngine::rebuild(FeedTxn& txn) {
  // Drop every derived entry, then apply every feed from its first record.
  std::vector<Bytes> keys;
  GOVBUS_TRY(txn.stateScan({}, [&](ByteView k, ByteView) {
    keys.push_back(toBytes(k));
    return true;
  }));
  for (const Bytes& k : keys) GOVBUS_TRY(txn.stateDel(k));
  authority_ = AuthorityState(root_);
  GOVBUS_ASSIGN_OR_RETURN(auto heads, txn.heads());
  std::vector<CheckedRecord> all;
  for (const auto& [author, head] : heads) {
    for (uint64_t seq = 1; seq <= head.seq; ++seq) {
      GOVBUS_ASSIGN_OR_RETURN(Record r, readRecord(txn, RecordRef{author, seq}));
      CheckedRecord c;
      c.record = std::move(r);
      all.push_back(std::move(c));
    }
  }
  return apply(txn, all);
}

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
