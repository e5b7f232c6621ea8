#include "sync/authority.h"

#include <algorithm>

#include "crypto/keys.h"
#include "protocol/certificate_codec.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"

namespace govbus {

namespace {

bool inEffect(const Delegation& d, int64_t atMs) {
  return atMs >= d.validFromMs && (d.validUntilMs == 0 || atMs <= d.validUntilMs);
}

bool covers(const Delegation& d, std::string_view node, const AuthorityState& s) {
  return d.grantee == node ||
         (d.scope == DelegationScope::kSubtree && s.isStrictAncestor(d.grantee, node));
}

}  // namespace

AuthorityState::AuthorityState(std::string root) : root_(std::move(root)) {}

bool AuthorityState::isAuthorityPayload(const Payload& p) {
  return std::holds_alternative<SignedCertificate>(p) || std::holds_alternative<KeyRevocation>(p) ||
         std::holds_alternative<CatalogItem>(p) || std::holds_alternative<Delegation>(p) ||
         std::holds_alternative<DelegationRevocation>(p) || std::holds_alternative<ForkReport>(p) ||
         std::holds_alternative<WorkingCalendar>(p) || std::holds_alternative<ProvinceSetting>(p);
}

bool AuthorityState::add(AuthorityRecord record) {
  RecordRef ref = record.ref;
  return records_.emplace(std::move(ref), std::move(record)).second;
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
  if (reason == VoidReason::kNone) {
    voids_.erase(ref);
  } else {
    voids_[ref] = reason;
  }
}

int AuthorityState::levelOf(std::string_view code) {
  auto c = DivisionCode::parse(code);
  return c.ok() ? c->depth() : -1;
}

void AuthorityState::evaluate() {
  voids_.clear();
  evaluateTree();
  evaluateForks();
  evaluateCatalog();
  evaluateDelegations();
  evaluateProvinceRecords();
  // Key revocations: effective at the door (TrustStore); here only judged.
  for (const auto& [ref, r] : records_) {
    if (const auto* k = std::get_if<KeyRevocation>(&r.payload)) {
      if (isForked(r.envelope)) {
        setVerdict(ref, VoidReason::kAuthorForked);
      } else if (!isStrictAncestor(r.envelope.author, k->subject)) {
        setVerdict(ref, VoidReason::kKeyRevocationNotByAncestor);
      }
    }
  }
}

// --- tree ---

void AuthorityState::evaluateTree() {
  parent_.clear();
  keys_.clear();
  names_.clear();
  // A subject's parent is fixed by its lowest-serial certificate (its first enrolment); a
  // certificate for it from any other issuer is void, so no sibling or cousin can take a node
  // over by issuing a higher serial. Every valid serial's key is kept.
  std::map<std::string, std::pair<uint32_t, std::string>> firstIssuer;
  for (const auto& [ref, r] : records_) {
    const auto* sc = std::get_if<SignedCertificate>(&r.payload);
    if (!sc) continue;
    auto cert = decodeCertificateBody(sc->body);
    if (!cert || cert->issuer != r.envelope.author || cert->subject == root_) continue;
    auto [it, inserted] =
        firstIssuer.emplace(cert->subject, std::make_pair(cert->serial, cert->issuer));
    if (!inserted && cert->serial < it->second.first) it->second = {cert->serial, cert->issuer};
  }
  for (const auto& [ref, r] : records_) {
    const auto* sc = std::get_if<SignedCertificate>(&r.payload);
    if (!sc) continue;
    auto cert = decodeCertificateBody(sc->body);
    if (!cert) {
      setVerdict(ref, VoidReason::kCertificateNotByIssuer);
      continue;
    }
    bool anchor = cert->subject == root_ && cert->issuer == root_ && r.envelope.author == root_;
    if (!anchor && cert->issuer != r.envelope.author) {
      setVerdict(ref, VoidReason::kCertificateNotByIssuer);
      continue;
    }
    if (!anchor) {
      auto issuer = DivisionCode::parse(cert->issuer);
      auto subject = DivisionCode::parse(cert->subject);
      if (!issuer || !subject || !issuer->strictlyContains(*subject) || cert->subject == root_) {
        setVerdict(ref, VoidReason::kCertificateOutsideRegion);
        continue;
      }
      if (firstIssuer.at(cert->subject).second != cert->issuer) {
        setVerdict(ref, VoidReason::kCertificateNotByIssuer);
        continue;
      }
      parent_[cert->subject] = cert->issuer;
    }
    keys_[cert->subject][cert->serial] = cert->publicKey;
    // The newest enrolment names the node: a re-enrolment may correct a name.
    auto& [nameSerial, name] = names_[cert->subject];
    if (name.empty() || cert->serial >= nameSerial) {
      nameSerial = cert->serial;
      name = cert->subjectName;
    }
  }
  // A node whose chain does not reach the root is not part of the tree (yet).
  for (auto it = parent_.begin(); it != parent_.end();) {
    if (pathFromRoot(it->first).empty()) {
      it = parent_.erase(it);
    } else {
      ++it;
    }
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
  std::vector<std::string> path;
  std::string current(node);
  for (int guard = 0; guard <= kMaxTreeDepth + 1; ++guard) {
    path.push_back(current);
    if (current == root_) {
      std::reverse(path.begin(), path.end());
      return path;
    }
    auto it = parent_.find(current);
    if (it == parent_.end()) return {};
    current = it->second;
  }
  return {};  // a cycle or a tree deeper than allowed: not a valid path
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

void AuthorityState::evaluateCatalog() {
  versions_.clear();
  catalog_.clear();
  // records_ is ordered by (author, seq): the root's catalog records come in its feed order.
  for (const auto& [ref, r] : records_) {
    const auto* c = std::get_if<CatalogItem>(&r.payload);
    if (!c) continue;
    VoidReason reason = VoidReason::kNone;
    auto current = catalog_.find(c->code);
    if (r.envelope.author != root_) {
      reason = VoidReason::kCatalogNotByProvince;
    } else if (isForked(r.envelope)) {
      reason = VoidReason::kAuthorForked;
    } else if (c->statutoryDepth < 1 || c->statutoryDepth > kMaxTreeDepth) {
      reason = VoidReason::kCatalogBadLevel;
    } else if (c->legalDays == 0 || c->promisedDays == 0 ||
               c->promisedDays > (2 * c->legalDays) / 3) {
      reason = VoidReason::kPromisedExceedsTwoThirds;
    } else if (c->op == CatalogOp::kInsert && current != catalog_.end()) {
      reason = VoidReason::kCatalogItemExists;
    } else if (c->op == CatalogOp::kUpdate && current == catalog_.end()) {
      reason = VoidReason::kUnknownItem;
    } else if (c->op == CatalogOp::kUpdate && c->statutoryDepth < current->second.statutoryDepth) {
      reason = VoidReason::kCatalogRaisesLevel;  // 不得上收
    }
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

void AuthorityState::evaluateProvinceRecords() {
  calendar_ = HolidayCalendar();
  calendarRefs_.clear();
  settings_.clear();
  // records_ is ordered by (author, seq): the root's records come in its feed order, so a later
  // publication for the same year or name replaces an earlier one.
  for (const auto& [ref, r] : records_) {
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

VoidReason AuthorityState::structuralDelegationVerdict(const AuthorityRecord& r) {
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
  auto ps = structural_.find(*d.parent);
  if (ps == structural_.end() || ps->second != VoidReason::kNone) return VoidReason::kParentVoid;
  return VoidReason::kNone;
}

void AuthorityState::evaluateDelegations() {
  structural_.clear();
  revokedBy_.clear();
  delegationsByItem_.clear();

  // Parents are authored by strict ancestors, so evaluating shallower authors first means a
  // parent's verdict is known before its children's.
  std::vector<const AuthorityRecord*> delegations;
  for (const auto& [ref, r] : records_) {
    if (std::holds_alternative<Delegation>(r.payload)) delegations.push_back(&r);
  }
  std::stable_sort(delegations.begin(), delegations.end(),
                   [](const AuthorityRecord* a, const AuthorityRecord* b) {
                     int la = levelOf(a->envelope.author), lb = levelOf(b->envelope.author);
                     if (la != lb) return la < lb;
                     return a->ref < b->ref;
                   });
  for (const AuthorityRecord* r : delegations) {
    structural_[r->ref] = structuralDelegationVerdict(*r);
    delegationsByItem_[std::get<Delegation>(r->payload).item].push_back(r->ref);
  }

  for (const auto& [ref, r] : records_) {
    const auto* rv = std::get_if<DelegationRevocation>(&r.payload);
    if (!rv) continue;
    const AuthorityRecord* target = find(rv->delegation);
    if (isForked(r.envelope)) {
      setVerdict(ref, VoidReason::kAuthorForked);
    } else if (!target || !std::holds_alternative<Delegation>(target->payload)) {
      setVerdict(ref, VoidReason::kRevocationTargetUnknown);
    } else if (r.envelope.author != target->envelope.author &&
               !isStrictAncestor(r.envelope.author, target->envelope.author)) {
      setVerdict(ref, VoidReason::kRevokerNotGrantorOrAncestor);
    } else {
      revokedBy_[rv->delegation].push_back(ref);
    }
  }

  for (const AuthorityRecord* r : delegations) {
    VoidReason reason = structural_[r->ref];
    if (reason == VoidReason::kNone && revokedBy_.contains(r->ref)) {
      reason = VoidReason::kRevoked;
    } else if (reason == VoidReason::kNone && revokedChain(r->ref)) {
      reason = VoidReason::kParentRevoked;
    }
    setVerdict(r->ref, reason);
  }
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
  auto list = delegationsByItem_.find(itemCode);
  if (list == delegationsByItem_.end()) return h;
  // Among covering delegations, the one from the closest grantor (deepest author) explains best.
  const AuthorityRecord* best = nullptr;
  for (const RecordRef& ref : list->second) {
    const AuthorityRecord* r = find(ref);
    const auto& d = std::get<Delegation>(r->payload);
    if (!vis.sees(ref) || !covers(d, node, *this) || !inEffect(d, atMs) ||
        !effectiveUnder(ref, vis))
      continue;
    if (!best || levelOf(r->envelope.author) > levelOf(best->envelope.author)) best = r;
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
  for (const auto& [ref, r] : records_) {
    if (std::holds_alternative<Delegation>(r.payload) && verdict(ref) == VoidReason::kNone)
      out.push_back(&r);
  }
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
