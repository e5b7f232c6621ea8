#include "testnet/reference.h"

#include <algorithm>
#include <set>

#include "base/civil_date.h"
#include "crypto/keys.h"
#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"

namespace govbus::testnet {

namespace {

// Administrative depth from a 6/9/12-digit code: the segments up to the last non-zero one.
int depthOf(const std::string& code) {
  static const size_t widths[] = {2, 2, 2, 3, 3};
  int depth = 0;
  size_t at = 0;
  for (size_t i = 0; i < 5 && at < code.size(); at += widths[i], ++i) {
    if (code.substr(at, widths[i]).find_first_not_of('0') != std::string::npos)
      depth = static_cast<int>(i) + 1;
  }
  return depth;
}

}  // namespace

Bytes verdictStateKey(const RecordRef& ref) {
  Bytes k(1 + 12 + 8, 0);
  k[0] = 'v';
  std::copy_n(ref.author.data(), std::min<size_t>(ref.author.size(), 12), k.begin() + 1);
  putBigEndian64(ref.seq, k.data() + 13);
  return k;
}

Result<Reference> Reference::build(FeedReader& view, std::string root) {
  Reference r;
  r.root_ = std::move(root);
  GOVBUS_ASSIGN_OR_RETURN(auto heads, view.heads());
  for (const auto& [author, head] : heads) {
    for (uint64_t seq = 1; seq <= head.seq; ++seq) {
      GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view.record(author, seq));
      if (!raw) return makeError(ErrorCode::kStorage, "reference: a feed has a gap");
      GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*raw));
      GOVBUS_ASSIGN_OR_RETURN(Record rec, decodeRecordBody(sr.body));
      r.byRef_[RecordRef{author, seq}] = r.records_.size();
      if (const auto* d = std::get_if<Delegation>(&rec.payload))
        r.delegations_[d->item].push_back(r.records_.size());
      if (const auto* rv = std::get_if<DelegationRevocation>(&rec.payload))
        r.revocations_[rv->delegation].push_back(r.records_.size());
      r.records_.push_back(
          {RecordRef{author, seq}, std::move(rec.envelope), std::move(rec.payload)});
    }
  }
  // The tree: a certificate record published by its issuer, for a subject strictly inside the
  // issuer's region; the lowest serial decides the parent. Keys by (subject, serial).
  std::map<std::string, uint32_t> lowest;
  std::map<std::pair<std::string, uint32_t>, Bytes> keys;
  for (const Stored& s : r.records_) {
    const auto* sc = std::get_if<SignedCertificate>(&s.payload);
    if (!sc) continue;
    auto c = decodeCertificateBody(sc->body);
    if (!c) continue;
    keys[{c->subject, c->serial}] = c->publicKey;
    if (c->issuer != s.envelope.author || c->subject == r.root_) continue;
    if (depthOf(c->subject) <= depthOf(c->issuer)) continue;
    auto& low = lowest.try_emplace(c->subject, c->serial).first->second;
    if (c->serial <= low) {
      low = c->serial;
      r.parent_[c->subject] = c->issuer;
    }
  }
  // Forks: a report of two different bodies at one sequence, both signed by the author's key.
  for (const Stored& s : r.records_) {
    const auto* f = std::get_if<ForkReport>(&s.payload);
    if (!f || f->first.body == f->second.body) continue;
    bool proven = true;
    uint32_t serial = 0;
    for (const SignedRecord* side : {&f->first, &f->second}) {
      auto env = decodeEnvelope(side->body);
      auto key = env ? keys.find({f->author, env->keySerial}) : keys.end();
      auto pk = key != keys.end() ? PublicKey::fromBytes(key->second)
                                  : Result<PublicKey>(makeError(ErrorCode::kUnknownSigner, ""));
      proven = proven && env && env->author == f->author && env->seq == f->seq && pk &&
               pk->verify(kRecordSignatureDomain, side->body, side->signature);
      if (env) serial = std::max(serial, env->keySerial);
    }
    if (!proven) continue;
    auto [it, fresh] = r.forks_.try_emplace(f->author, f->seq, serial);
    if (!fresh)
      it->second = {std::min(it->second.first, f->seq), std::max(it->second.second, serial)};
  }
  // The catalog: the root's items in its feed order (records_ is in feed order per author).
  for (const Stored& s : r.records_) {
    const auto* c = std::get_if<CatalogItem>(&s.payload);
    if (!c || s.envelope.author != r.root_ || r.forked(s.envelope)) continue;
    bool ok = c->statutoryDepth >= 1 && c->statutoryDepth <= 5 && c->legalDays >= 1 &&
              c->promisedDays >= 1 && 3 * c->promisedDays <= 2 * c->legalDays;
    auto& versions = r.catalog_[c->code];
    if (c->op == CatalogOp::kInsert) ok = ok && versions.empty();
    if (c->op == CatalogOp::kUpdate)
      ok = ok && !versions.empty() && c->statutoryDepth >= versions.back().item.statutoryDepth;
    if (ok) versions.push_back({s.ref, *c});
  }
  return r;
}

const Reference::Stored* Reference::find(const RecordRef& ref) const {
  auto it = byRef_.find(ref);
  return it == byRef_.end() ? nullptr : &records_[it->second];
}

bool Reference::sees(const Envelope& by, const RecordRef& ref) const {
  if (ref.author == by.author) return ref.seq < by.seq;
  for (const FrontierEntry& e : by.frontier) {
    if (e.author == ref.author) return ref.seq <= e.seq;
  }
  return false;
}

bool Reference::strictlyBelow(const std::string& node, const std::string& ancestor) const {
  std::string at = node;
  for (int guard = 0; guard < 8; ++guard) {
    auto p = parent_.find(at);
    if (p == parent_.end()) return false;
    if (p->second == ancestor) return true;
    at = p->second;
  }
  return false;
}

bool Reference::forked(const Envelope& e) const {
  auto f = forks_.find(e.author);
  return f != forks_.end() && e.seq >= f->second.first && e.keySerial <= f->second.second;
}

std::optional<CatalogItem> Reference::itemSeen(const std::string& code, const Envelope& by) const {
  auto it = catalog_.find(code);
  if (it == catalog_.end()) return std::nullopt;
  std::optional<CatalogItem> seen;
  for (const Version& v : it->second) {
    if (sees(by, v.ref) || by.author == root_) seen = v.item;
  }
  return seen;
}

bool Reference::structurallyValid(const RecordRef& ref, int depth) const {
  const Stored* s = find(ref);
  if (!s || depth > 6) return false;
  const auto* d = std::get_if<Delegation>(&s->payload);
  if (!d || forked(s->envelope)) return false;
  const std::string& author = s->envelope.author;
  auto item = itemSeen(d->item, s->envelope);
  if (!item || !item->delegable || !strictlyBelow(d->grantee, author)) return false;
  if (!d->parent) return depthOf(author) == item->statutoryDepth;
  const Stored* p = find(*d->parent);
  const auto* pd = p ? std::get_if<Delegation>(&p->payload) : nullptr;
  if (!pd || !sees(s->envelope, *d->parent) || pd->item != d->item || !pd->mayRedelegate)
    return false;
  bool covers = pd->grantee == author ||
                (pd->scope == DelegationScope::kSubtree && strictlyBelow(author, pd->grantee));
  bool inside =
      d->validFromMs >= pd->validFromMs &&
      (pd->validUntilMs == 0 || (d->validUntilMs != 0 && d->validUntilMs <= pd->validUntilMs));
  return covers && inside && structurallyValid(*d->parent, depth + 1);
}

bool Reference::revokedAsSeen(const RecordRef& delegation, const Envelope& by) const {
  const Stored* target = find(delegation);
  if (!target) return true;
  auto list = revocations_.find(delegation);
  for (size_t i : list == revocations_.end() ? std::vector<size_t>{} : list->second) {
    const Stored& s = records_[i];
    if (!sees(by, s.ref) || forked(s.envelope)) continue;
    const std::string& grantor = target->envelope.author;
    if (s.envelope.author == grantor || strictlyBelow(grantor, s.envelope.author)) return true;
  }
  const auto& d = std::get<Delegation>(target->payload);
  return d.parent && revokedAsSeen(*d.parent, by);
}

bool Reference::holds(const std::string& node, const std::string& itemCode, int64_t atMs,
                      const Envelope& seenBy) const {
  auto item = itemSeen(itemCode, seenBy);
  bool enrolled = node == root_ || parent_.contains(node);
  if (!item || !enrolled) return false;
  if (depthOf(node) == item->statutoryDepth) return true;
  auto list = delegations_.find(itemCode);
  if (list == delegations_.end()) return false;
  for (size_t i : list->second) {
    const Stored& s = records_[i];
    const auto* d = &std::get<Delegation>(s.payload);
    if (!sees(seenBy, s.ref)) continue;
    bool covers = d->grantee == node ||
                  (d->scope == DelegationScope::kSubtree && strictlyBelow(node, d->grantee));
    bool inEffect = atMs >= d->validFromMs && (d->validUntilMs == 0 || atMs <= d->validUntilMs);
    if (covers && inEffect && structurallyValid(s.ref) && !revokedAsSeen(s.ref, seenBy))
      return true;
  }
  return false;
}

// The clock rules as PROTOCOL §11 states them, day by day: the root's latest calendar per year
// (Monday to Friday for a year without one), its witness tolerance, and for each record of a feed
// the earliest time a strict ancestor in the tree stated it had stored it.
struct Reference::ClockFacts {
  std::map<int, std::pair<std::set<DayNumber>, std::set<DayNumber>>> years;  // holidays, workdays
  int64_t toleranceMs = 15 * 60 * 1000;
  // feed → (seq named, earliest statement) in seq order, suffix minima applied on use
  std::map<std::string, std::vector<std::pair<uint64_t, int64_t>>> statements;

  bool counted(DayNumber d, LimitUnit unit) const {
    if (unit == LimitUnit::kCalendarDays) return true;
    auto y = years.find(civilDateOf(d).year);
    if (y != years.end()) {
      if (y->second.first.contains(d)) return false;
      if (y->second.second.contains(d)) return true;
    }
    return weekdayOf(d) <= 5;
  }
  int64_t witnessed(const RecordRef& ref) const {
    auto it = statements.find(ref.author);
    if (it == statements.end()) return 0;
    int64_t best = 0;
    for (const auto& [seq, at] : it->second)
      if (seq >= ref.seq && (best == 0 || at < best)) best = at;
    return best;
  }
};

Reference::ClockFacts Reference::clockFacts() const {
  ClockFacts f;
  for (const Stored& s : records_) {
    if (s.envelope.author != root_) continue;
    if (const auto* c = std::get_if<WorkingCalendar>(&s.payload)) {
      auto& [holidays, workdays] = f.years[c->year];
      holidays.clear();
      workdays.clear();
      for (const auto& d : c->holidays)
        if (auto day = parseIsoDate(d)) holidays.insert(*day);
      for (const auto& d : c->workdays)
        if (auto day = parseIsoDate(d)) workdays.insert(*day);
    }
    if (const auto* p = std::get_if<ProvinceSetting>(&s.payload)) {
      if (p->name == "witness_tolerance_ms" && p->value >= 0 && p->value <= 7 * kDayMs)
        f.toleranceMs = p->value;
    }
  }
  for (const Stored& s : records_) {
    const auto* w = std::get_if<Witness>(&s.payload);
    if (!w) continue;
    for (const FrontierEntry& e : w->feeds)
      if (strictlyBelow(e.author, s.envelope.author))
        f.statements[e.author].push_back({e.seq, s.envelope.wallTimeMs});
  }
  return f;
}

Result<Reference::Cards> Reference::cards(FeedReader& view, int64_t nowMs) const {
  // The valid case records of each case, events in (lamport, author, seq) order, each valid order
  // right after the event it names.
  struct CaseRecords {
    std::vector<const Stored*> events, orders;
  };
  std::map<std::string, CaseRecords> cases;
  for (const Stored& s : records_) {
    const auto* e = std::get_if<CaseEvent>(&s.payload);
    const auto* o = std::get_if<SupervisionOrder>(&s.payload);
    if (!e && !o) continue;
    GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> verdict, view.stateGet(verdictStateKey(s.ref)));
    if (verdict) continue;  // void
    auto& c = cases[e ? e->caseId : o->caseId];
    (e ? c.events : c.orders).push_back(&s);
  }
  const ClockFacts facts = clockFacts();
  Cards out;
  for (auto& [id, c] : cases) {
    std::sort(c.events.begin(), c.events.end(), [](const Stored* a, const Stored* b) {
      if (a->envelope.lamport != b->envelope.lamport)
        return a->envelope.lamport < b->envelope.lamport;
      return a->ref < b->ref;
    });
    enum class S { kNone, kOpen, kDecided, kClosed, kWithdrawn } status = S::kNone;
    int64_t accepted = 0, pausedSince = 0;
    std::vector<std::pair<int64_t, int64_t>> pauses;  // [from, until), until 0 while it lasts
    uint16_t promised = 0;
    LimitUnit unit = LimitUnit::kWorkingDays;
    auto resume = [&](int64_t t) {
      if (pausedSince != 0) pauses.push_back({pausedSince, t});
      pausedSince = 0;
    };
    for (const Stored* s : c.events) {
      const auto& e = std::get<CaseEvent>(s->payload);
      // The time an event counts at: a stop or pause reported late, or a start dated ahead, by
      // more than the tolerance counts at its witnessed time.
      int64_t t = s->envelope.wallTimeMs;
      if (const int64_t w = facts.witnessed(s->ref); w != 0) {
        const bool stops = e.type == CaseEventType::kMaterialsRequested ||
                           e.type == CaseEventType::kSuspended ||
                           e.type == CaseEventType::kApproved || e.type == CaseEventType::kDenied ||
                           e.type == CaseEventType::kClosed || e.type == CaseEventType::kWithdrawn;
        const bool starts = e.type == CaseEventType::kAccepted ||
                            e.type == CaseEventType::kMaterialsSupplied ||
                            e.type == CaseEventType::kResumed;
        if ((stops && w - t > facts.toleranceMs) || (starts && t - w > facts.toleranceMs)) t = w;
      }
      switch (e.type) {
        case CaseEventType::kReceived:
          if (status == S::kNone) {
            status = S::kOpen;
            auto item = itemSeen(e.received.item, s->envelope);
            promised = item ? item->promisedDays : 0;
            unit = item ? item->limitUnit : LimitUnit::kWorkingDays;
          }
          break;
        case CaseEventType::kAccepted:
          accepted = t;
          break;
        case CaseEventType::kMaterialsRequested:
        case CaseEventType::kSuspended:
          pausedSince = t;
          break;
        case CaseEventType::kMaterialsSupplied:
        case CaseEventType::kResumed:
          resume(t);
          break;
        case CaseEventType::kApproved:
        case CaseEventType::kDenied:
          status = S::kDecided;  // the clock stops; only open cases are counted here
          break;
        case CaseEventType::kClosed:
          status = S::kClosed;
          break;
        case CaseEventType::kWithdrawn:
          if (pausedSince != 0) resume(t);
          status = S::kWithdrawn;
          break;
        default:
          break;
      }
      for (const Stored* o : c.orders) {
        const auto& order = std::get<SupervisionOrder>(o->payload);
        if (order.kind == OrderKind::kCorrect && order.lastSeen == s->ref &&
            (status == S::kDecided || status == S::kClosed)) {
          status = S::kOpen;  // 纠错: back under review, the clock running from the acceptance
        }
      }
    }
    if (status != S::kOpen) continue;
    ++out.open;
    if (accepted == 0) continue;
    if (pausedSince != 0) pauses.push_back({pausedSince, 0});
    // Days after the day of acceptance, each counted when it is a day of the item's unit and its
    // start (00:00 UTC+8) lies in no pause; the current day counts its elapsed share.
    int64_t used = 0;
    const DayNumber today = dayOf(nowMs);
    for (DayNumber d = dayOf(accepted) + 1; d <= today; ++d) {
      const int64_t start = dayStartMs(d);
      bool paused = false;
      for (const auto& [from, until] : pauses)
        paused = paused || (start >= from && (until == 0 || start < until));
      if (paused || !facts.counted(d, unit)) continue;
      used += d < today ? kDayMs : nowMs - start;
    }
    int64_t promisedMs = int64_t{promised} * kDayMs;
    if (used > promisedMs) {
      ++out.red;
    } else if (3 * used >= 2 * promisedMs) {
      ++out.yellow;
    } else {
      ++out.green;
    }
  }
  return out;
}

}  // namespace govbus::testnet
