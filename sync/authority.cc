#include "sync/authority.h"

#include <algorithm>
#include <limits>

#include "crypto/keys.h"
#include "protocol/certificate_codec.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"

namespace govbus {

namespace {

// Above every seenUpTo(), which is at most UINT64_MAX - 1.
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

bool inEffect(const Delegation& d, int64_t atMs) {
  return atMs >= d.validFromMs && (d.validUntilMs == 0 || atMs <= d.validUntilMs);
}

bool covers(const Delegation& d, std::string_view node, const AuthorityState& s) {
  return d.grantee == node ||
         (d.scope == DelegationScope::kSubtree && s.isStrictAncestor(d.grantee, node));
}

// The order evaluateDelegations() judges delegations in: shallower authors first, then by ref.
std::pair<int, const RecordRef&> judgeOrder(const AuthorityRecord& r) {
  return {AuthorityState::levelOf(r.envelope.author), r.ref};
}

std::vector<std::string> pathIn(const std::map<std::string, std::string, std::less<>>& parent,
                                const std::string& root, std::string_view node) {
  std::vector<std::string> path;
  std::string current(node);
  for (int guard = 0; guard <= kMaxTreeDepth + 1; ++guard) {
    path.push_back(current);
    if (current == root) {
      std::reverse(path.begin(), path.end());
      return path;
    }
    auto it = parent.find(current);
    if (it == parent.end()) return {};
    current = it->second;
  }
  return {};  // a cycle or a tree deeper than allowed: not a valid path
}

// Adds to `out` every key whose value differs between `before` and `after`, or is in only one.
template <typename Map, typename Set>
void changedKeys(const Map& before, const Map& after, Set& out) {
  for (const auto& [key, value] : before) {
    auto now = after.find(key);
    if (now == after.end() || !(now->second == value)) out.insert(key);
  }
  for (const auto& [key, value] : after) {
    if (!before.contains(key)) out.insert(key);
  }
}

template <typename Map, typename Key>
void eraseFrom(Map& map, const Key& key, const RecordRef& ref) {
  auto it = map.find(key);
  if (it == map.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), ref), v.end());
  if (v.empty()) map.erase(it);
}

}  // namespace

AuthorityState::AuthorityState(std::string root) : root_(std::move(root)) {}

bool AuthorityState::isAuthorityPayload(const Payload& p) {
  return std::holds_alternative<SignedCertificate>(p) || std::holds_alternative<KeyRevocation>(p) ||
         std::holds_alternative<CatalogItem>(p) || std::holds_alternative<Delegation>(p) ||
         std::holds_alternative<DelegationRevocation>(p) || std::holds_alternative<ForkReport>(p) ||
         std::holds_alternative<WorkingCalendar>(p) || std::holds_alternative<ProvinceSetting>(p);
}

const AuthorityRecord* AuthorityState::find(const RecordRef& ref) const {
  auto it = records_.find(ref);
  return it == records_.end() ? nullptr : &it->second;
}

VoidReason AuthorityState::verdict(const RecordRef& ref) const {
  auto it = voids_.find(ref);
  return it == voids_.end() ? VoidReason::kNone : it->second;
}

void AuthorityState::setVerdict(const RecordRef& ref, VoidReason reason) {
  VoidReason old = verdict(ref);
  if (old == reason) return;
  onUndo([this, ref, old] {
    if (old == VoidReason::kNone) {
      voids_.erase(ref);
    } else {
      voids_[ref] = old;
    }
  });
  if (reason == VoidReason::kNone) {
    voids_.erase(ref);
  } else {
    voids_[ref] = reason;
  }
  if (!bulk_) changes_.verdicts.insert(ref);
}

int AuthorityState::levelOf(std::string_view code) {
  auto c = DivisionCode::parse(code);
  return c.ok() ? c->depth() : -1;
}

// --- journal ---

void AuthorityState::beginJournal() {
  journal_.undo.clear();
  journal_.open = true;
}

void AuthorityState::commitJournal() {
  journal_.undo.clear();
  journal_.open = false;
}

void AuthorityState::rollbackJournal() {
  journal_.open = false;  // undoing records nothing
  for (auto it = journal_.undo.rbegin(); it != journal_.undo.rend(); ++it) (*it)();
  journal_.undo.clear();
  changes_ = Changes{};
}

AuthorityState::Changes AuthorityState::takeChanges() {
  Changes out = std::move(changes_);
  changes_ = Changes{};
  return out;
}

// --- adding records ---

void AuthorityState::index(const AuthorityRecord& r) {
  const RecordRef& ref = r.ref;
  if (std::holds_alternative<SignedCertificate>(r.payload)) {
    certificates_.push_back(ref);
    onUndo([this, ref] {
      certificates_.erase(std::find(certificates_.begin(), certificates_.end(), ref));
    });
  } else if (std::holds_alternative<ForkReport>(r.payload)) {
    ++forkReports_;
    onUndo([this] { --forkReports_; });
  } else if (std::holds_alternative<CatalogItem>(r.payload)) {
    if (r.envelope.author == root_ && ref.seq > lastRootCatalogSeq_) {
      uint64_t old = lastRootCatalogSeq_;
      lastRootCatalogSeq_ = ref.seq;
      onUndo([this, old] { lastRootCatalogSeq_ = old; });
    }
  } else if (const auto* d = std::get_if<Delegation>(&r.payload)) {
    auto& list = delegationsByItem_[d->item];
    auto at = std::upper_bound(list.begin(), list.end(), r,
                               [this](const AuthorityRecord& a, const RecordRef& b) {
                                 return judgeOrder(a) < judgeOrder(records_.at(b));
                               });
    list.insert(at, ref);
    onUndo([this, item = d->item, ref] { eraseFrom(delegationsByItem_, item, ref); });
    if (d->parent) {
      childrenOf_[*d->parent].push_back(ref);
      onUndo([this, parent = *d->parent, ref] { eraseFrom(childrenOf_, parent, ref); });
    }
    Grants* g = grantsOf(d->item, d->grantee, r.envelope.author);
    auto pos = std::lower_bound(g->seqs.begin(), g->seqs.end(), ref.seq);
    size_t i = static_cast<size_t>(pos - g->seqs.begin());
    g->seqs.insert(pos, ref.seq);
    g->skip.insert(g->skip.begin() + static_cast<ptrdiff_t>(i), 0);  // void until judged
    g->maxSkip.insert(g->maxSkip.begin() + static_cast<ptrdiff_t>(i), 0);
    recomputeMax(*g, i);
    onUndo([this, key = std::make_pair(d->item, d->grantee), ref] {
      auto& groups = grants_.at(key);
      for (auto it = groups.begin(); it != groups.end(); ++it) {
        if (it->author != ref.author) continue;
        auto p = std::lower_bound(it->seqs.begin(), it->seqs.end(), ref.seq);
        size_t k = static_cast<size_t>(p - it->seqs.begin());
        it->seqs.erase(p);
        it->skip.erase(it->skip.begin() + static_cast<ptrdiff_t>(k));
        it->maxSkip.erase(it->maxSkip.begin() + static_cast<ptrdiff_t>(k));
        recomputeMax(*it, k);
        if (it->seqs.empty()) groups.erase(it);
        break;
      }
      if (groups.empty()) grants_.erase(key);
    });
  } else if (const auto* rv = std::get_if<DelegationRevocation>(&r.payload)) {
    revocationsOf_[rv->delegation].push_back(ref);
    onUndo([this, target = rv->delegation, ref] { eraseFrom(revocationsOf_, target, ref); });
  } else if (std::holds_alternative<WorkingCalendar>(r.payload) ||
             std::holds_alternative<ProvinceSetting>(r.payload)) {
    provinceRecords_.insert(std::upper_bound(provinceRecords_.begin(), provinceRecords_.end(), ref),
                            ref);
    onUndo([this, ref] {
      provinceRecords_.erase(std::find(provinceRecords_.begin(), provinceRecords_.end(), ref));
    });
  }
}

AuthorityState::Grants* AuthorityState::grantsOf(const std::string& item,
                                                 const std::string& grantee,
                                                 const std::string& author) {
  auto& groups = grants_[{item, grantee}];
  for (Grants& g : groups) {
    if (g.author == author) return &g;
  }
  groups.push_back(Grants{author, levelOf(author), {}, {}, {}});
  return &groups.back();
}

void AuthorityState::recomputeMax(Grants& g, size_t from) {
  for (size_t i = from; i < g.seqs.size(); ++i)
    g.maxSkip[i] = std::max(i == 0 ? 0 : g.maxSkip[i - 1], g.skip[i]);
}

bool AuthorityState::add(AuthorityRecord record) {
  RecordRef ref = record.ref;
  const bool latestRootCatalog = ref.author == root_ && ref.seq > lastRootCatalogSeq_;
  auto [it, inserted] = records_.emplace(ref, std::move(record));
  if (!inserted) return false;
  onUndo([this, ref] { records_.erase(ref); });
  const AuthorityRecord& r = it->second;
  index(r);
  if (std::holds_alternative<SignedCertificate>(r.payload)) {
    addedCertificate();
  } else if (std::holds_alternative<KeyRevocation>(r.payload)) {
    judgeKeyRevocation(r);
  } else if (std::holds_alternative<CatalogItem>(r.payload)) {
    addedCatalog(r, latestRootCatalog);
  } else if (std::holds_alternative<Delegation>(r.payload)) {
    addedDelegation(r);
  } else if (std::holds_alternative<DelegationRevocation>(r.payload)) {
    judgeRevocation(ref);
  } else if (std::holds_alternative<WorkingCalendar>(r.payload) ||
             std::holds_alternative<ProvinceSetting>(r.payload)) {
    addedProvinceRecord();
  } else {
    reevaluateAll();  // a fork report
  }
  return true;
}

void AuthorityState::load(std::vector<AuthorityRecord> records) {
  bulk_ = true;
  for (AuthorityRecord& r : records) {
    RecordRef ref = r.ref;
    auto [it, inserted] = records_.emplace(ref, std::move(r));
    if (inserted) index(it->second);
  }
  bulk_ = false;
  evaluate();
}

// --- full evaluation ---

void AuthorityState::evaluate() {
  ++stats_.fullEvaluations;
  const bool wasBulk = bulk_;
  bulk_ = true;
  voids_.clear();
  Tree t = computeTree();
  parent_ = std::move(t.parent);
  keys_ = std::move(t.keys);
  names_ = std::move(t.names);
  for (const auto& [ref, reason] : t.verdicts) voids_[ref] = reason;
  evaluateForks();
  evaluateCatalog();
  evaluateDelegations();
  evaluateProvinceRecords();
  // Key revocations: effective at the door (TrustStore); here only judged.
  for (const auto& [ref, r] : records_) {
    if (std::holds_alternative<KeyRevocation>(r.payload)) judgeKeyRevocation(r);
  }
  bulk_ = wasBulk;
}

void AuthorityState::judgeKeyRevocation(const AuthorityRecord& r) {
  const auto& k = std::get<KeyRevocation>(r.payload);
  VoidReason reason = VoidReason::kNone;
  if (isForked(r.envelope)) {
    reason = VoidReason::kAuthorForked;
  } else if (!isStrictAncestor(r.envelope.author, k.subject)) {
    reason = VoidReason::kKeyRevocationNotByAncestor;
  }
  setVerdict(r.ref, reason);
}

AuthorityState::Derived AuthorityState::derived() const {
  return Derived{voids_,      parent_,    keys_,   names_,    forks_,        versions_, catalog_,
                 structural_, revokedBy_, grants_, calendar_, calendarRefs_, settings_};
}

void AuthorityState::restore(Derived d) {
  voids_ = std::move(d.voids);
  parent_ = std::move(d.parent);
  keys_ = std::move(d.keys);
  names_ = std::move(d.names);
  forks_ = std::move(d.forks);
  versions_ = std::move(d.versions);
  catalog_ = std::move(d.catalog);
  structural_ = std::move(d.structural);
  revokedBy_ = std::move(d.revokedBy);
  grants_ = std::move(d.grants);
  calendar_ = std::move(d.calendar);
  calendarRefs_ = std::move(d.calendarRefs);
  settings_ = std::move(d.settings);
}

// Re-judges everything and logs what changed: the rare path (a node moved in the tree, a fork).
void AuthorityState::reevaluateAll() {
  Derived before = derived();
  evaluate();
  Changes& c = changes_;
  changedKeys(before.voids, voids_, c.verdicts);
  changedKeys(before.catalog, catalog_, c.items);
  changedKeys(before.versions, versions_, c.versioned);
  changedKeys(before.parent, parent_, c.nodes);
  if (before.calendarRefs != calendarRefs_ || before.settings != settings_) c.clockRules = true;
  auto revocations = [](const std::map<RecordRef, std::vector<RecordRef>>& m, const RecordRef& r) {
    auto it = m.find(r);
    return it == m.end() ? std::vector<RecordRef>{} : it->second;
  };
  for (const auto& [item, list] : delegationsByItem_) {
    for (const RecordRef& ref : list) {
      auto old = before.voids.find(ref);
      VoidReason was = old == before.voids.end() ? VoidReason::kNone : old->second;
      if (was != verdict(ref) || revocations(before.revokedBy, ref) != revocations(revokedBy_, ref))
        c.delegations.insert(ref);
    }
  }
  auto forkFrom = [&](const std::string& author, uint64_t seq) {
    auto [it, inserted] = c.forkedFrom.emplace(author, seq);
    if (!inserted) it->second = std::min(it->second, seq);
  };
  for (const auto& [author, f] : before.forks) {
    auto now = forks_.find(author);
    if (now == forks_.end() || now->second != f) {
      forkFrom(author, now == forks_.end() ? f.first : std::min(f.first, now->second.first));
    }
  }
  for (const auto& [author, f] : forks_) {
    if (!before.forks.contains(author)) forkFrom(author, f.first);
  }
  onUndo([this, old = std::move(before)]() mutable { restore(std::move(old)); });
}

// --- tree ---

AuthorityState::Tree AuthorityState::computeTree() const {
  Tree t;
  // A subject's parent is fixed by its lowest-serial certificate (its first enrolment); a
  // certificate for it from any other issuer is void, so no sibling or cousin can take a node
  // over by issuing a higher serial. Every valid serial's key is kept.
  struct Decoded {
    const AuthorityRecord* r;
    Result<Certificate> cert;
  };
  std::vector<RecordRef> refs = certificates_;
  std::sort(refs.begin(), refs.end());
  std::vector<Decoded> certs;
  certs.reserve(refs.size());
  for (const RecordRef& ref : refs) {
    const AuthorityRecord& r = records_.at(ref);
    certs.push_back({&r, decodeCertificateBody(std::get<SignedCertificate>(r.payload).body)});
  }
  std::map<std::string, std::pair<uint32_t, std::string>> firstIssuer;
  for (const Decoded& d : certs) {
    const auto& cert = d.cert;
    if (!cert || cert->issuer != d.r->envelope.author || cert->subject == root_) continue;
    // Only an issuer whose region contains the subject competes (the others are void below).
    auto issuerCode = DivisionCode::parse(cert->issuer);
    auto subjectCode = DivisionCode::parse(cert->subject);
    if (!issuerCode || !subjectCode || !issuerCode->strictlyContains(*subjectCode)) continue;
    auto [it, inserted] =
        firstIssuer.emplace(cert->subject, std::make_pair(cert->serial, cert->issuer));
    // At an equal lowest serial the nearest issuer (the smallest region containing the subject)
    // wins, never the first by record ref: otherwise an ancestor's certificate always sorted first
    // and took over a node its child had enrolled.
    if (!inserted && (cert->serial < it->second.first ||
                      (cert->serial == it->second.first &&
                       issuerCode->depth() > DivisionCode::parse(it->second.second)->depth()))) {
      it->second = {cert->serial, cert->issuer};
    }
  }
  for (const Decoded& d : certs) {
    const RecordRef& ref = d.r->ref;
    const auto& cert = d.cert;
    if (!cert) {
      t.verdicts[ref] = VoidReason::kCertificateNotByIssuer;
      continue;
    }
    const std::string& author = d.r->envelope.author;
    bool anchor = cert->subject == root_ && cert->issuer == root_ && author == root_;
    if (!anchor && cert->issuer != author) {
      t.verdicts[ref] = VoidReason::kCertificateNotByIssuer;
      continue;
    }
    if (!anchor) {
      auto issuer = DivisionCode::parse(cert->issuer);
      auto subject = DivisionCode::parse(cert->subject);
      if (!issuer || !subject || !issuer->strictlyContains(*subject) || cert->subject == root_) {
        t.verdicts[ref] = VoidReason::kCertificateOutsideRegion;
        continue;
      }
      if (firstIssuer.at(cert->subject).second != cert->issuer) {
        t.verdicts[ref] = VoidReason::kCertificateNotByIssuer;
        continue;
      }
      t.parent[cert->subject] = cert->issuer;
    }
    t.keys[cert->subject][cert->serial] = cert->publicKey;
    // The newest enrolment names the node: a re-enrolment may correct a name.
    auto& [nameSerial, name] = t.names[cert->subject];
    if (name.empty() || cert->serial >= nameSerial) {
      nameSerial = cert->serial;
      name = cert->subjectName;
    }
  }
  // A node whose chain does not reach the root is not part of the tree (yet).
  std::map<std::string, std::string, std::less<>> reachable;
  for (const auto& [child, parent] : t.parent) {
    if (!pathIn(t.parent, root_, child).empty()) reachable.emplace(child, parent);
  }
  t.parent = std::move(reachable);
  return t;
}

void AuthorityState::addedCertificate() {
  Tree t = computeTree();
  // A node that moved (or joined, or left) changes what every rule about the tree says, and a new
  // key can change which fork reports verify: re-judge everything. Enrolments are rare.
  if (t.parent != parent_ || (t.keys != keys_ && forkReports_ > 0)) {
    reevaluateAll();
    return;
  }
  // Otherwise (a re-enrolment: a new key, a corrected name) only certificate verdicts change.
  onUndo([this, keys = keys_, names = names_]() mutable {
    keys_ = std::move(keys);
    names_ = std::move(names);
  });
  keys_ = std::move(t.keys);
  names_ = std::move(t.names);
  for (const RecordRef& ref : certificates_) {
    auto v = t.verdicts.find(ref);
    setVerdict(ref, v == t.verdicts.end() ? VoidReason::kNone : v->second);
  }
}

std::string AuthorityState::nameOf(std::string_view code) const {
  if (!isEnrolled(code)) return {};
  auto it = names_.find(code);
  return it == names_.end() ? std::string() : it->second.second;
}

bool AuthorityState::isEnrolled(std::string_view code) const {
  return code == root_ || parent_.contains(code);
}

std::optional<std::string> AuthorityState::parentOf(std::string_view code) const {
  auto it = parent_.find(code);
  if (it == parent_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> AuthorityState::pathFromRoot(std::string_view node) const {
  return pathIn(parent_, root_, node);
}

bool AuthorityState::isStrictAncestor(std::string_view ancestor, std::string_view node) const {
  if (ancestor == node) return false;
  std::string current(node);
  for (int guard = 0; guard <= kMaxTreeDepth + 1; ++guard) {
    auto it = parent_.find(current);
    if (it == parent_.end()) return false;
    if (it->second == ancestor) return true;
    current = it->second;
  }
  return false;
}

bool AuthorityState::isAncestorOrSelf(std::string_view ancestor, std::string_view node) const {
  return ancestor == node ? isEnrolled(node) : isStrictAncestor(ancestor, node);
}

// --- forks ---

void AuthorityState::evaluateForks() {
  forks_.clear();
  for (const auto& [ref, r] : records_) {
    const auto* f = std::get_if<ForkReport>(&r.payload);
    if (!f) continue;
    auto a = decodeRecordBody(f->first.body);
    auto b = decodeRecordBody(f->second.body);
    bool valid = a && b && f->first.body != f->second.body && a->envelope.author == f->author &&
                 b->envelope.author == f->author && a->envelope.seq == f->seq &&
                 b->envelope.seq == f->seq;
    if (valid) {
      for (const auto* side : {&f->first, &f->second}) {
        const Envelope& env = side == &f->first ? a->envelope : b->envelope;
        auto subject = keys_.find(f->author);
        const Bytes* key = nullptr;
        if (subject != keys_.end()) {
          auto k = subject->second.find(env.keySerial);
          if (k != subject->second.end()) key = &k->second;
        }
        auto pk = key ? PublicKey::fromBytes(*key)
                      : Result<PublicKey>(makeError(ErrorCode::kUnknownSigner, ""));
        valid = valid && pk.ok() && pk->verify(kRecordSignatureDomain, side->body, side->signature);
      }
    }
    if (!valid) {
      setVerdict(ref, VoidReason::kForkReportInvalid);
      continue;
    }
    uint32_t serial = std::max(a->envelope.keySerial, b->envelope.keySerial);
    auto [it, inserted] = forks_.emplace(f->author, std::make_pair(f->seq, serial));
    if (!inserted) {
      it->second.first = std::min(it->second.first, f->seq);
      it->second.second = std::max(it->second.second, serial);
    }
  }
}

bool AuthorityState::isForked(const Envelope& env) const {
  auto it = forks_.find(env.author);
  return it != forks_.end() && env.seq >= it->second.first && env.keySerial <= it->second.second;
}

// --- catalog ---

VoidReason AuthorityState::catalogVerdict(const AuthorityRecord& r, const CatalogItem& c) const {
  auto current = catalog_.find(c.code);
  if (r.envelope.author != root_) return VoidReason::kCatalogNotByProvince;
  if (isForked(r.envelope)) return VoidReason::kAuthorForked;
  if (c.statutoryDepth < 1 || c.statutoryDepth > kMaxTreeDepth) return VoidReason::kCatalogBadLevel;
  if (c.legalDays == 0 || c.promisedDays == 0 || c.promisedDays > (2 * c.legalDays) / 3)
    return VoidReason::kPromisedExceedsTwoThirds;
  if (c.op == CatalogOp::kInsert && current != catalog_.end())
    return VoidReason::kCatalogItemExists;
  if (c.op == CatalogOp::kUpdate && current == catalog_.end()) return VoidReason::kUnknownItem;
  if (c.op == CatalogOp::kUpdate && c.statutoryDepth < current->second.statutoryDepth)
    return VoidReason::kCatalogRaisesLevel;  // 不得上收
  return VoidReason::kNone;
}

void AuthorityState::evaluateCatalog() {
  versions_.clear();
  catalog_.clear();
  // records_ is ordered by (author, seq): the root's catalog records come in its feed order.
  for (const auto& [ref, r] : records_) {
    const auto* c = std::get_if<CatalogItem>(&r.payload);
    if (!c) continue;
    VoidReason reason = catalogVerdict(r, *c);
    if (reason != VoidReason::kNone) {
      setVerdict(ref, reason);
      continue;
    }
    CatalogEntry e{c->code,         c->name,      c->statutoryDepth, c->legalDays,
                   c->promisedDays, c->delegable, c->materials,      ref,
                   c->limitUnit};
    versions_[c->code].push_back({ref, e});
    catalog_[c->code] = std::move(e);
  }
}

void AuthorityState::addedCatalog(const AuthorityRecord& r, bool latest) {
  const auto& c = std::get<CatalogItem>(r.payload);
  if (r.envelope.author == root_ && !latest) {
    reevaluateAll();  // a root version before others (never in feed order): replay the catalog
    return;
  }
  VoidReason reason = catalogVerdict(r, c);
  setVerdict(r.ref, reason);
  if (reason != VoidReason::kNone) return;
  CatalogEntry e{c.code,      c.name, c.statutoryDepth, c.legalDays, c.promisedDays, c.delegable,
                 c.materials, r.ref,  c.limitUnit};
  versions_[c.code].push_back({r.ref, e});
  onUndo([this, code = c.code] {
    auto it = versions_.find(code);
    it->second.pop_back();
    if (it->second.empty()) versions_.erase(it);
  });
  std::optional<CatalogEntry> old;
  if (auto it = catalog_.find(c.code); it != catalog_.end()) old = it->second;
  onUndo([this, code = c.code, old] {
    if (old) {
      catalog_[code] = *old;
    } else {
      catalog_.erase(code);
    }
  });
  catalog_[c.code] = std::move(e);
  changes_.items.insert(c.code);
  // Delegations of the item that had seen this version (before it arrived here) judge by it now.
  auto list = delegationsByItem_.find(c.code);
  if (list == delegationsByItem_.end()) return;
  std::vector<RecordRef> seeing;
  for (const RecordRef& ref : list->second) {
    if (Visibility::of(records_.at(ref).envelope).sees(r.ref)) seeing.push_back(ref);
  }
  for (const RecordRef& ref : seeing) rejudgeDelegations(ref);
}

const CatalogEntry* AuthorityState::item(std::string_view code) const {
  auto it = catalog_.find(code);
  return it == catalog_.end() ? nullptr : &it->second;
}

std::optional<CatalogEntry> AuthorityState::itemSeenBy(std::string_view code,
                                                       const Visibility& vis) const {
  if (vis.seesAll()) {
    const CatalogEntry* e = item(code);
    return e ? std::optional<CatalogEntry>(*e) : std::nullopt;
  }
  auto it = versions_.find(code);
  if (it == versions_.end()) return std::nullopt;
  std::optional<CatalogEntry> seen;
  for (const auto& v : it->second) {
    if (vis.sees(v.ref)) seen = v.entry;
  }
  return seen;
}

// --- province records ---

const std::vector<SettingSpec>& knownSettings() {
  static const std::vector<SettingSpec> kSpecs = {
      {kWitnessToleranceSetting, 0, 7 * kDayMs, 15 * 60 * 1000},
  };
  return kSpecs;
}

int64_t AuthorityState::setting(std::string_view name) const {
  if (auto it = settings_.find(name); it != settings_.end()) return it->second.first;
  for (const SettingSpec& spec : knownSettings()) {
    if (spec.name == name) return spec.defaultValue;
  }
  return 0;
}

// A calendar or setting (a few a year) judges them all again: cheap, and what it changed is the
// whole of what the state engine needs to know (Changes::clockRules).
void AuthorityState::addedProvinceRecord() {
  onUndo([this, calendar = calendar_, refs = calendarRefs_, settings = settings_]() mutable {
    calendar_ = std::move(calendar);
    calendarRefs_ = std::move(refs);
    settings_ = std::move(settings);
  });
  auto refs = calendarRefs_;
  auto settings = settings_;
  evaluateProvinceRecords();
  if (refs != calendarRefs_ || settings != settings_) changes_.clockRules = true;
}

void AuthorityState::evaluateProvinceRecords() {
  calendar_ = HolidayCalendar();
  calendarRefs_.clear();
  settings_.clear();
  // By ref, so the root's records come in its feed order: a later publication for the same year or
  // name replaces an earlier one.
  for (const RecordRef& ref : provinceRecords_) {
    const AuthorityRecord& r = records_.at(ref);
    if (const auto* c = std::get_if<WorkingCalendar>(&r.payload)) {
      if (r.envelope.author != root_) {
        setVerdict(ref, VoidReason::kCalendarNotByProvince);
      } else if (isForked(r.envelope)) {
        setVerdict(ref, VoidReason::kAuthorForked);
      } else {
        calendar_.set(yearCalendarOf(*c));
        calendarRefs_[c->year] = ref;
      }
    } else if (const auto* p = std::get_if<ProvinceSetting>(&r.payload)) {
      auto spec = std::find_if(knownSettings().begin(), knownSettings().end(),
                               [&](const SettingSpec& s) { return s.name == p->name; });
      if (r.envelope.author != root_) {
        setVerdict(ref, VoidReason::kSettingNotByProvince);
      } else if (isForked(r.envelope)) {
        setVerdict(ref, VoidReason::kAuthorForked);
      } else if (spec == knownSettings().end()) {
        setVerdict(ref, VoidReason::kSettingUnknown);
      } else if (p->value < spec->min || p->value > spec->max) {
        setVerdict(ref, VoidReason::kSettingOutOfRange);
      } else {
        settings_[p->name] = {p->value, ref};
      }
    }
  }
}

// --- delegations ---

VoidReason AuthorityState::structuralDelegationVerdict(const AuthorityRecord& r) const {
  const auto& d = std::get<Delegation>(r.payload);
  const std::string& author = r.envelope.author;
  Visibility vis = Visibility::of(r.envelope);
  if (isForked(r.envelope)) return VoidReason::kAuthorForked;
  auto entry = itemSeenBy(d.item, vis);
  if (!entry) return VoidReason::kUnknownItem;
  if (!entry->delegable) return VoidReason::kItemNotDelegable;
  if (!isEnrolled(d.grantee)) return VoidReason::kGranteeNotEnrolled;
  if (!isStrictAncestor(author, d.grantee)) return VoidReason::kGranteeNotBelowAuthor;
  if (!d.parent) {
    return levelOf(author) == entry->statutoryDepth ? VoidReason::kNone
                                                    : VoidReason::kAuthorLacksAuthority;
  }
  const AuthorityRecord* p = find(*d.parent);
  const Delegation* pd = p ? std::get_if<Delegation>(&p->payload) : nullptr;
  if (!pd) return VoidReason::kParentUnknown;
  if (!vis.sees(*d.parent)) return VoidReason::kParentNotSeen;
  if (pd->item != d.item || !covers(*pd, author, *this)) return VoidReason::kAuthorLacksAuthority;
  if (!pd->mayRedelegate) return VoidReason::kRedelegationNotAllowed;
  bool inside =
      d.validFromMs >= pd->validFromMs &&
      (pd->validUntilMs == 0 || (d.validUntilMs != 0 && d.validUntilMs <= pd->validUntilMs));
  if (!inside) return VoidReason::kPeriodOutsideParent;
  // Judged in order, a parent that comes later has no verdict yet when its child is judged.
  if (!(judgeOrder(*p) < judgeOrder(r))) return VoidReason::kParentVoid;
  auto ps = structural_.find(*d.parent);
  if (ps == structural_.end() || ps->second != VoidReason::kNone) return VoidReason::kParentVoid;
  return VoidReason::kNone;
}

VoidReason AuthorityState::revocationVerdict(const AuthorityRecord& r) const {
  const auto& rv = std::get<DelegationRevocation>(r.payload);
  const AuthorityRecord* target = find(rv.delegation);
  if (isForked(r.envelope)) return VoidReason::kAuthorForked;
  if (!target || !std::holds_alternative<Delegation>(target->payload))
    return VoidReason::kRevocationTargetUnknown;
  if (r.envelope.author != target->envelope.author &&
      !isStrictAncestor(r.envelope.author, target->envelope.author))
    return VoidReason::kRevokerNotGrantorOrAncestor;
  return VoidReason::kNone;
}

VoidReason AuthorityState::finalDelegationVerdict(const RecordRef& ref) const {
  auto s = structural_.find(ref);
  VoidReason reason = s == structural_.end() ? VoidReason::kParentUnknown : s->second;
  if (reason != VoidReason::kNone) return reason;
  if (revokedBy_.contains(ref)) return VoidReason::kRevoked;
  if (revokedChain(ref)) return VoidReason::kParentRevoked;
  return VoidReason::kNone;
}

void AuthorityState::evaluateDelegations() {
  structural_.clear();
  revokedBy_.clear();

  // Parents are authored by strict ancestors, so evaluating shallower authors first means a
  // parent's verdict is known before its children's.
  std::vector<const AuthorityRecord*> delegations;
  for (const auto& [ref, r] : records_) {
    if (std::holds_alternative<Delegation>(r.payload)) delegations.push_back(&r);
  }
  std::stable_sort(delegations.begin(), delegations.end(),
                   [](const AuthorityRecord* a, const AuthorityRecord* b) {
                     return judgeOrder(*a) < judgeOrder(*b);
                   });
  for (const AuthorityRecord* r : delegations)
    structural_[r->ref] = structuralDelegationVerdict(*r);

  for (const auto& [ref, r] : records_) {
    if (!std::holds_alternative<DelegationRevocation>(r.payload)) continue;
    VoidReason reason = revocationVerdict(r);
    setVerdict(ref, reason);
    if (reason == VoidReason::kNone)
      revokedBy_[std::get<DelegationRevocation>(r.payload).delegation].push_back(ref);
  }
  for (const AuthorityRecord* r : delegations) setVerdict(r->ref, finalDelegationVerdict(r->ref));
  for (auto& [key, groups] : grants_) {
    for (Grants& g : groups) {
      for (size_t i = 0; i < g.seqs.size(); ++i) {
        RecordRef ref{g.author, g.seqs[i]};
        uint64_t skip = kNever;
        if (structural_.at(ref) != VoidReason::kNone) {
          skip = 0;
        } else if (auto rv = revokedBy_.find(ref); rv != revokedBy_.end()) {
          for (const RecordRef& by : rv->second) {
            if (by.author == g.author) skip = std::min(skip, by.seq);
          }
        }
        g.skip[i] = skip;
      }
      recomputeMax(g, 0);
    }
  }
}

void AuthorityState::addedDelegation(const AuthorityRecord& r) {
  changes_.delegations.insert(r.ref);
  rejudgeDelegations(r.ref);
  // Revocations that named it before it arrived take effect now.
  if (auto it = revocationsOf_.find(r.ref); it != revocationsOf_.end()) {
    std::vector<RecordRef> waiting = it->second;
    for (const RecordRef& rv : waiting) judgeRevocation(rv);
  }
}

void AuthorityState::walkDown(const RecordRef& start,
                              const std::function<bool(const RecordRef&)>& visit) {
  std::vector<RecordRef> work{start};
  std::set<RecordRef> seen;  // a chain that names itself must not loop
  while (!work.empty()) {
    RecordRef ref = std::move(work.back());
    work.pop_back();
    if (!seen.insert(ref).second || !records_.contains(ref) || !visit(ref)) continue;
    if (auto c = childrenOf_.find(ref); c != childrenOf_.end()) {
      for (const RecordRef& child : c->second) work.push_back(child);
    }
  }
}

void AuthorityState::rejudgeDelegations(const RecordRef& start) {
  walkDown(start, [this](const RecordRef& ref) {
    ++stats_.delegationsJudged;
    VoidReason s = structuralDelegationVerdict(records_.at(ref));
    auto old = structural_.find(ref);
    bool changed = old == structural_.end() || old->second != s;
    if (changed) {
      std::optional<VoidReason> was;
      if (old != structural_.end()) was = old->second;
      onUndo([this, ref, was] {
        if (was) {
          structural_[ref] = *was;
        } else {
          structural_.erase(ref);
        }
      });
      structural_[ref] = s;
    }
    refreshFinal(ref);
    updateSkip(ref);
    if (changed) changes_.delegations.insert(ref);
    return changed;  // the delegations below judge by this one's structural verdict
  });
}

void AuthorityState::refreshFinal(const RecordRef& ref) {
  VoidReason now = finalDelegationVerdict(ref);
  if (verdict(ref) == now) return;
  setVerdict(ref, now);
  changes_.delegations.insert(ref);
}

void AuthorityState::refreshBelow(const RecordRef& start) {
  walkDown(start, [this](const RecordRef& ref) {
    refreshFinal(ref);
    return true;
  });
}

void AuthorityState::updateSkip(const RecordRef& ref) {
  const auto& d = std::get<Delegation>(records_.at(ref).payload);
  uint64_t skip = kNever;
  if (structural_.at(ref) != VoidReason::kNone) {
    skip = 0;
  } else if (auto rv = revokedBy_.find(ref); rv != revokedBy_.end()) {
    for (const RecordRef& by : rv->second) {
      if (by.author == ref.author) skip = std::min(skip, by.seq);
    }
  }
  Grants* g = grantsOf(d.item, d.grantee, ref.author);
  size_t i = static_cast<size_t>(std::lower_bound(g->seqs.begin(), g->seqs.end(), ref.seq) -
                                 g->seqs.begin());
  if (g->skip[i] == skip) return;
  onUndo([this, key = std::make_pair(d.item, d.grantee), author = ref.author, i, old = g->skip[i]] {
    for (Grants& x : grants_.at(key)) {
      if (x.author != author) continue;
      x.skip[i] = old;
      recomputeMax(x, i);
    }
  });
  g->skip[i] = skip;
  recomputeMax(*g, i);
}

void AuthorityState::judgeRevocation(const RecordRef& ref) {
  const AuthorityRecord& r = records_.at(ref);
  const RecordRef& target = std::get<DelegationRevocation>(r.payload).delegation;
  VoidReason reason = revocationVerdict(r);
  setVerdict(ref, reason);
  auto list = revokedBy_.find(target);
  bool was =
      list != revokedBy_.end() && std::binary_search(list->second.begin(), list->second.end(), ref);
  bool now = reason == VoidReason::kNone;
  if (was == now) return;
  auto& v = revokedBy_[target];
  if (now) {
    v.insert(std::lower_bound(v.begin(), v.end(), ref), ref);
    onUndo([this, target, ref] { eraseFrom(revokedBy_, target, ref); });
  } else {
    v.erase(std::lower_bound(v.begin(), v.end(), ref));
    if (v.empty()) revokedBy_.erase(target);
    onUndo([this, target, ref] {
      auto& l = revokedBy_[target];
      l.insert(std::lower_bound(l.begin(), l.end(), ref), ref);
    });
  }
  changes_.delegations.insert(target);
  updateSkip(target);
  refreshBelow(target);
}

bool AuthorityState::revokedChain(const RecordRef& delegation) const {
  RecordRef current = delegation;
  for (int guard = 0; guard <= kMaxTreeDepth + 1; ++guard) {
    if (revokedBy_.contains(current)) return true;
    const AuthorityRecord* r = find(current);
    if (!r) return false;
    const auto& d = std::get<Delegation>(r->payload);
    if (!d.parent) return false;
    current = *d.parent;
  }
  return false;
}

bool AuthorityState::effectiveUnder(const RecordRef& delegation, const Visibility& vis,
                                    int guard) const {
  if (guard > kMaxTreeDepth + 1) return false;
  auto s = structural_.find(delegation);
  if (s == structural_.end() || s->second != VoidReason::kNone) return false;
  if (auto rv = revokedBy_.find(delegation); rv != revokedBy_.end()) {
    for (const RecordRef& r : rv->second) {
      if (vis.sees(r)) return false;
    }
  }
  const auto& d = std::get<Delegation>(find(delegation)->payload);
  return d.parent ? effectiveUnder(*d.parent, vis, guard + 1) : true;
}

Holding AuthorityState::holds(std::string_view node, std::string_view itemCode, int64_t atMs,
                              const Visibility& vis) const {
  Holding h;
  auto entry = itemSeenBy(itemCode, vis);
  if (!entry || !isEnrolled(node)) return h;
  if (levelOf(node) == entry->statutoryDepth) {
    h.holds = h.statutory = true;
    return h;
  }
  // Covering delegations are granted to the node itself or (subtree scope) to a strict ancestor.
  // Among them the one from the closest grantor (deepest author), then the lowest ref, explains
  // best. Per author, the first usable one in feed order is the lowest ref it has.
  const AuthorityRecord* best = nullptr;
  int bestLevel = 0;
  std::string grantee(node);
  for (int guard = 0; guard <= kMaxTreeDepth + 1; ++guard) {
    if (auto it = grants_.find({std::string(itemCode), grantee}); it != grants_.end()) {
      for (const Grants& g : it->second) {
        if (best && g.level < bestLevel) continue;
        const uint64_t seen = vis.seenUpTo(g.author);
        auto first = std::upper_bound(g.maxSkip.begin(), g.maxSkip.end(), seen);
        for (size_t i = static_cast<size_t>(first - g.maxSkip.begin());
             i < g.seqs.size() && g.seqs[i] <= seen; ++i) {
          if (g.skip[i] <= seen) continue;
          const AuthorityRecord* r = find(RecordRef{g.author, g.seqs[i]});
          const auto& d = std::get<Delegation>(r->payload);
          if (!covers(d, node, *this) || !inEffect(d, atMs) || !effectiveUnder(r->ref, vis))
            continue;
          if (!best || g.level > bestLevel || r->ref < best->ref) {
            best = r;
            bestLevel = g.level;
          }
          break;
        }
      }
    }
    auto up = parent_.find(grantee);
    if (up == parent_.end()) break;
    grantee = up->second;
  }
  if (!best) return h;
  h.holds = true;
  for (const AuthorityRecord* r = best; r;) {
    h.chain.insert(h.chain.begin(), r->ref);
    const auto& d = std::get<Delegation>(r->payload);
    r = d.parent ? find(*d.parent) : nullptr;
  }
  return h;
}

std::string AuthorityState::handlerFor(std::string_view itemCode, std::string_view region,
                                       int64_t atMs) const {
  return handlerFor(itemCode, region, atMs, Visibility::all());
}

std::string AuthorityState::handlerFor(std::string_view itemCode, std::string_view region,
                                       int64_t atMs, const Visibility& vis) const {
  std::vector<std::string> path = pathFromRoot(region);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    if (holds(*it, itemCode, atMs, vis).holds) return *it;
  }
  return "";
}

const AuthorityRecord* AuthorityState::unseenRevocationOf(const std::vector<RecordRef>& chain,
                                                          const Visibility& vis) const {
  for (const RecordRef& d : chain) {
    auto rv = revokedBy_.find(d);
    if (rv == revokedBy_.end()) continue;
    for (const RecordRef& r : rv->second) {
      if (!vis.sees(r)) return find(r);
    }
  }
  return nullptr;
}

std::vector<const AuthorityRecord*> AuthorityState::validDelegations() const {
  std::vector<const AuthorityRecord*> out;
  for (const auto& [item, list] : delegationsByItem_) {
    for (const RecordRef& ref : list) {
      if (verdict(ref) == VoidReason::kNone) out.push_back(find(ref));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const AuthorityRecord* a, const AuthorityRecord* b) { return a->ref < b->ref; });
  return out;
}

std::string AuthorityState::whyNot(std::string_view node, std::string_view itemCode,
                                   int64_t atMs) const {
  const CatalogEntry* e = item(itemCode);
  std::string level(levelNameFromDepth(e->statutoryDepth));
  std::string why = "statutory level is " + level + " and no valid delegation covers it";
  auto list = delegationsByItem_.find(itemCode);
  if (list == delegationsByItem_.end()) return why;
  for (const RecordRef& ref : list->second) {
    const auto& d = std::get<Delegation>(find(ref)->payload);
    if (!covers(d, node, *this)) continue;
    std::string at = ref.author + "#" + std::to_string(ref.seq);
    VoidReason v = verdict(ref);
    if (v != VoidReason::kNone)
      return "delegation " + at + " is void: " + std::string(voidReasonName(v));
    if (!inEffect(d, atMs)) return "delegation " + at + " is not in effect at that time";
  }
  return why;
}

Explanation AuthorityState::explain(std::string_view itemCode, std::string_view region,
                                    int64_t atMs) const {
  Explanation x;
  x.item = itemCode;
  x.region = region;
  const CatalogEntry* e = item(itemCode);
  if (!e) {
    x.summary = "item " + std::string(itemCode) + " is not in the catalog";
    return x;
  }
  x.catalogEntry = *e;
  std::vector<std::string> path = pathFromRoot(region);
  if (path.empty()) {
    x.summary = "region " + std::string(region) + " is not an enrolled node";
    return x;
  }
  for (const std::string& node : path) {
    Holding h = holds(node, itemCode, atMs, Visibility::all());
    ExplainStep step{node, h.holds, h.statutory, h.chain, ""};
    if (h.holds) {
      x.handler = node;  // the deepest holder wins: later (deeper) steps overwrite
    } else {
      step.why = whyNot(node, itemCode, atMs);
    }
    x.path.push_back(std::move(step));
  }
  if (x.handler.empty()) {
    x.summary = "no node on the path from " + root_ + " to " + std::string(region) + " holds " +
                std::string(itemCode);
  } else {
    const ExplainStep& s = *std::find_if(x.path.begin(), x.path.end(),
                                         [&](const ExplainStep& p) { return p.node == x.handler; });
    x.summary = x.handler + " handles " + std::string(itemCode) + " for " + std::string(region) +
                (s.statutory ? " as its statutory holder"
                             : " through " + std::to_string(s.chain.size()) + " delegation(s)");
  }
  return x;
}

}  // namespace govbus
