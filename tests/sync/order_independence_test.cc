// Property: the derived state is a function of the set of records, not of the order they arrive
// in. Random adversarial histories over a small province (1 province, 2 cities, 5 counties, a
// township) that produce every record kind and break every rule, with concurrent records (authored
// on stale frontiers), are delivered in many shuffled orders — only each feed's own order is kept —
// in random batch sizes, and every delivery must give the same state digest, equal to the digest a
// rebuild from the feeds computes. The test prints the seed and `void reasons reached: N of M`,
// and fails when a reason outside a named list is reached by no history.
// GOVBUS_SEED (first history), GOVBUS_PROPERTY_HISTORIES, GOVBUS_PROPERTY_ORDERS and
// GOVBUS_PROPERTY_STEPS replay or widen a run; `ctest -L slow` runs 3,000 histories.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>

#include "node/lmdb_store.h"
#include "protocol/record_codec.h"
#include "sync/memory_store.h"
#include "testing/scenario.h"

namespace govbus {
namespace {

using testing::Scenario;
using T = CaseEventType;

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

// The nodes a history is written by: the Scenario's province (430000 湖南省; cities 430100, 430200;
// counties 430102, 430103, 430211; 430181 enrolled by the province), plus 430212 under 株洲市 and a
// township 430102001 under 芙蓉区, whose certificate record the history publishes at some point.
const std::vector<std::string>& historyNodes() {
  static const std::vector<std::string> all = {"430000", "430100", "430200", "430102",   "430103",
                                               "430211", "430212", "430181", "430102001"};
  return all;
}
constexpr const char* kTownship = "430102001";
constexpr const char* kUnenrolled = "430104";  // a valid code nobody enrolled

// Builds a random adversarial history on top of the Scenario's enrolment and catalog: every
// record kind, and for every rule the records that break it — forks and fork reports, key
// revocations, certificate records (valid, by the wrong publisher, outside the region), catalog
// inserts and updates with varied levels and limits, deep re-delegation chains with varied
// periods, revocations, cases with every event, transfers and orders, duplicate case and complaint
// ids — about a third of them signed on stale frontiers (authored without having seen the latest
// records of their ancestors).
//
// Only records whose storing does not depend on arrival order are generated: key revocations take
// effect from a sequence no feed reaches, and of a fork only one branch is in the author's feed
// (the other travels inside fork reports), so every delivery stores the same records.
class HistoryGenerator {
 public:
  HistoryGenerator(Scenario& s, uint64_t seed) : s_(s), rng_(seed) {}

  void run(int steps) {
    // Most histories enrol the township early; the others publish its certificate at some point
    // (or never), after records that name it.
    if (chance(0.7)) {
      townshipPublished_ = true;
      put("430102", s_.network().node(kTownship).certificate);
    }
    for (int i = 0; i < steps; ++i) step(i, steps);
  }

 private:
  struct Grant {
    RecordRef ref;
    std::string author, grantee, item;
    bool mayRedelegate;
    int64_t from, until;
  };
  struct Case {
    std::string id, handler, region;
    CaseStatus status;  // as the generator expects it; a void event may leave it elsewhere
    std::vector<RecordRef> events;
    bool plausible = false;  // received at its own window for the statutory holder
  };
  // A case to write to: mostly one the generator received plausibly.
  Case& someCase() {
    std::vector<size_t> plausible;
    for (size_t i = 0; i < cases_.size(); ++i)
      if (cases_[i].plausible) plausible.push_back(i);
    if (!plausible.empty() && chance(0.85)) return cases_[plausible[rng_() % plausible.size()]];
    return cases_[rng_() % cases_.size()];
  }
  struct Fork {
    std::string author;
    uint64_t seq;
    SignedRecord a, b;
  };

  template <typename V>
  const auto& pick(const V& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string anyNode() { return chance(0.05) ? kUnenrolled : pick(historyNodes()); }
  std::string parentOf(const std::string& code) {
    if (code == "430000" || code == kUnenrolled) return "430000";
    if (code == "430181") return "430000";
    return s_.network().node(code).parent.empty() ? "430000" : s_.network().node(code).parent;
  }
  std::vector<std::string> pathTo(const std::string& code) {
    std::vector<std::string> path{code};
    while (path.back() != "430000") path.push_back(parentOf(path.back()));
    return path;  // the node first, the root last
  }
  std::vector<std::string> childrenOf(const std::string& code) {
    std::vector<std::string> out;
    for (const auto& n : historyNodes())
      if (n != code && n != "430000" && parentOf(n) == code) out.push_back(n);
    return out;
  }
  std::string window() {
    static const std::vector<std::string> windows = {"430102", "430103",  "430211", "430212",
                                                     "430181", kTownship, "430100"};
    return pick(windows);
  }
  int64_t time(int64_t days) { return testing::kTestEpochMs + days * kDayMs; }

  // A stale frontier (concurrency) some of the time.
  std::optional<Frontier> frontierFor(const std::string& node) {
    auto& snaps = snapshots_[node];
    snaps.push_back(s_.frontier(node));
    if (snaps.size() > 1 && chance(0.35)) return snaps[rng_() % (snaps.size() - 1)];
    return std::nullopt;
  }

  // On the author's current frontier (it has seen everything so far).
  RecordRef putFresh(const std::string& author, const Payload& p) {
    snapshots_[author].push_back(s_.frontier(author));
    s_.sign(author, p);
    RecordRef ref{author, s_.network().node(author).seq};
    all_.push_back(ref);
    return ref;
  }

  RecordRef put(const std::string& author, Payload p) {
    std::optional<Frontier> f = frontierFor(author);
    s_.sign(author, p, f);
    RecordRef ref{author, s_.network().node(author).seq};
    all_.push_back(ref);
    return ref;
  }

  void step(int i, int steps) {
    int w = between(0, 51);
    if (w < 2) return catalogInsert();
    if (w < 4) return catalogUpdate();
    if (w < 10) return delegate();
    if (w < 12) return revoke();
    if (w < 18) return receive();
    if (w < 30) return event();
    if (w < 34) return order();
    if (w < 35) return haltRace();
    if (w < 36) return aboveTheNearest();
    if (w < 38) return complain();
    if (w < 40) return updateComplaint();
    if (w < 41) return revokeKey();
    if (w < 43) return certificate();
    if (w < 45) return fork(i > steps * 3 / 4);
    if (w < 46) return reportFork();
    if (w < 48) return chain();
    if (w < 50) return flow();
    return clockRecord();
  }

  // The records the case clock reads (PROTOCOL §11): working-day calendars and settings by the
  // province — or, void, by anyone else, with an unknown name or a value out of range — and
  // witnesses by a parent of the feeds it names — or, void, naming a feed outside its region —
  // and link outages.
  void clockRecord() {
    std::string author = chance(0.65) ? "430000" : pick(historyNodes());
    switch (rng_() % 4) {
      case 0: {
        WorkingCalendar c;
        c.year = static_cast<uint16_t>(between(2025, 2026));
        const std::string y = std::to_string(c.year);
        c.holidays = {y + "-01-01", y + "-05-01", y + "-10-0" + std::to_string(between(1, 7))};
        if (chance(0.5)) c.workdays = {y + "-09-2" + std::to_string(between(0, 9))};
        put(author, c);
        return;
      }
      case 1: {
        ProvinceSetting p{chance(0.75) ? "witness_tolerance_ms" : "no_such_setting",
                          chance(0.8) ? between(0, 3) * 3'600'000 : 8 * kDayMs};
        if (chance(0.1)) p.value = -1;
        put(author, p);
        return;
      }
      case 2: {
        std::string by = pick(std::vector<std::string>{"430000", "430100", "430200", "430102"});
        Witness w;
        for (const std::string& n : historyNodes()) {
          const std::string region = by == "430000" ? "43" : by.substr(0, by == "430102" ? 6 : 4);
          const bool below = n != by && n.starts_with(region);
          const uint64_t seq = s_.network().node(n).seq;
          if (seq == 0 || !(below || chance(0.08))) continue;
          if (chance(0.6)) w.feeds.push_back({n, std::max<uint64_t>(1, seq - rng_() % 3)});
        }
        if (w.feeds.empty()) return;
        std::sort(
            w.feeds.begin(), w.feeds.end(),
            [](const FrontierEntry& a, const FrontierEntry& b) { return a.author < b.author; });
        put(by, w);
        return;
      }
      default:
        put(pick(std::vector<std::string>{"430102", "430103", "430211", "430100"}),
            LinkOutage{parentOf(author), time(-2), time(-2) + between(1, 600) * 60'000});
        return;
    }
  }

  // A case taken through its first steps at once by a county for a county item (the statutory
  // holder, on current frontiers), then one of the rules a decided or running case meets: a denial
  // without reason or legal basis, a transfer order to a bad target, a correction with nothing to
  // correct, an order on a closed case.
  void flow() {
    std::string w =
        pick(std::vector<std::string>{"430102", "430103", "430211", "430212", "430181"});
    std::string id = w + "-f" + std::to_string(cases_.size());
    Case c{id, w, w, CaseStatus::kUnderReview, {}, true};
    c.events.push_back(putFresh(w, Scenario::received(id, "XK-COUNTY", w, w)));
    c.events.push_back(putFresh(w, Scenario::event(id, T::kAccepted)));
    std::string above = parentOf(w);
    switch (rng_() % 5) {
      case 4:  // halted, and the county approves having seen the halt
        putFresh(above, Scenario::order(id, OrderKind::kHalt, c.events.back()));
        c.events.push_back(putFresh(w, Scenario::event(id, T::kApproved, "L")));
        break;
      case 0: {
        CaseEvent denied = Scenario::event(id, T::kDenied, "不符合");
        (chance(0.5) ? denied.reason : denied.legalBasis).clear();
        c.events.push_back(putFresh(w, denied));
        break;
      }
      case 1:
        putFresh(above, Scenario::order(
                            id, OrderKind::kTransfer, c.events.back(),
                            pick(std::vector<std::string>{
                                "", "430000", "430200", above == "430000" ? "430100" : "430103"})));
        break;
      case 2:
        putFresh(above, Scenario::order(id, OrderKind::kCorrect, c.events.back()));
        break;
      default:
        c.events.push_back(putFresh(w, Scenario::event(id, T::kApproved, "L")));
        c.events.push_back(putFresh(w, Scenario::event(id, T::kClosed)));
        c.status = CaseStatus::kClosed;
        putFresh(above, Scenario::order(id, chance(0.5) ? OrderKind::kUrge : OrderKind::kHalt,
                                        c.events.back()));
        break;
    }
    cases_.push_back(std::move(c));
  }

  // A re-delegation chain down the tree — province → city → 芙蓉区 → its township — with one defect
  // somewhere, or none: a link naming no delegation, a void link, a link without the right to
  // re-delegate, a period outside its parent's, a parent its author had not seen, or a revocation
  // of a link that has links below it.
  void chain() {
    static const std::vector<std::string> path = {"430000", "430100", "430102", kTownship};
    int defect = between(0, 6);
    int at = between(1, 3);  // the link the defect is in
    std::string item = chance(0.7) ? "XK-PROV" : pick(goodItems_);
    std::optional<RecordRef> parent;
    std::vector<RecordRef> links;
    int64_t from = time(-between(10, 300));
    for (int i = 1; i <= 3; ++i) {
      Delegation d = Scenario::delegation(item, path[i], /*mayRedelegate=*/true, parent);
      d.validFromMs = from + i;
      d.scope = chance(0.2) ? DelegationScope::kSubtree : DelegationScope::kNode;
      std::string author = path[i - 1];
      if (i == 1 && defect == 1) {
        author = "430200";  // not the statutory holder, and 长沙市 is not below it: void
        d.grantee = "430100";
      }
      if (i == at && defect == 2 && parent)  // the anchor's record, or a record never written
        d.parent = chance(0.5) ? RecordRef{"430000", 1} : RecordRef{parent->author, 1'000'000};
      if (i == at && defect == 3) d.mayRedelegate = false;
      if (i == at && defect == 4 && parent) d.validFromMs = from - kDayMs;
      std::optional<Frontier> f;
      if (i == at && defect == 5)
        f = snapshots_[author].empty() ? Frontier{} : snapshots_[author][0];
      s_.sign(author, d, f);
      RecordRef ref{author, s_.network().node(author).seq};
      all_.push_back(ref);
      links.push_back(ref);
      grants_.push_back({ref, author, d.grantee, item, d.mayRedelegate, d.validFromMs, 0});
      parent = ref;
    }
    if (defect == 6)
      put(pick(std::vector<std::string>{"430000", "430100"}),
          DelegationRevocation{links[static_cast<size_t>(at - 1) % 2], chance(0.5), "收回"});
  }

  int depthOf(const std::string& code) { return AuthorityState::levelOf(code); }
  // The node on `path` whose level is the item's statutory level, if any.
  std::string statutoryHolder(const std::vector<std::string>& path, const std::string& item) {
    auto d = depth_.find(item);
    for (const auto& n : path)
      if (d != depth_.end() && depthOf(n) == d->second) return n;
    return "";
  }

  void catalogInsert() {
    std::string author = chance(0.9) ? "430000" : pick(historyNodes());
    std::string code = chance(0.7) ? "XK-G" + std::to_string(depth_.size()) : pick(items_);
    int depth = chance(0.85) ? between(1, 4) : pick(std::vector<int>{0, 5, 6});
    int legal = between(1, 40);
    int promised = chance(0.8) ? std::max(0, 2 * legal / 3 - between(0, 1)) : between(0, legal);
    put(author, Scenario::item(code, depth, static_cast<uint16_t>(legal),
                               static_cast<uint16_t>(promised), chance(0.85)));
    if (!depth_.contains(code)) {
      items_.push_back(code);
      depth_[code] = depth;
      if (author == "430000" && depth >= 1 && depth <= 4 && promised >= 1 &&
          promised <= 2 * legal / 3)
        goodItems_.push_back(code);
    }
  }

  void catalogUpdate() {
    std::string author = chance(0.9) ? "430000" : pick(historyNodes());
    std::string code = chance(0.9) ? pick(items_) : "XK-NEVER";
    int depth = chance(0.9) ? between(1, 4) : 7;
    int legal = between(10, 40);
    int promised = chance(0.85) ? 2 * legal / 3 : 2 * legal / 3 + 1;
    put(author, Scenario::item(code, depth, static_cast<uint16_t>(legal),
                               static_cast<uint16_t>(promised), chance(0.8), CatalogOp::kUpdate));
    if (author == "430000" && depth_.contains(code) && depth >= depth_[code] && depth <= 4)
      depth_[code] = depth;  // as the update would have it, if it is valid
  }

  void delegate() {
    Delegation d;
    std::string author;
    d.scope = chance(0.3) ? DelegationScope::kSubtree : DelegationScope::kNode;
    d.mode = chance(0.5) ? DelegationMode::kEntrust : DelegationMode::kDevolve;
    d.mayRedelegate = chance(0.6);
    d.validFromMs = time(-between(0, 400));
    d.validUntilMs = chance(0.6) ? 0 : time(between(-5, 400));
    double r = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (!grants_.empty() && r < 0.45) {
      // Down a chain: the grantee of an earlier delegation passes it on to a node below it.
      const Grant& parent = pick(grants_);
      author = parent.grantee == kUnenrolled ? "430100" : parent.grantee;
      std::vector<std::string> below = childrenOf(author);
      if (below.empty() || chance(0.05)) below.push_back(anyNode());
      d.grantee = pick(below);
      d.item = chance(0.9) ? parent.item : pick(items_);
      d.parent = chance(0.95) ? parent.ref : pick(all_);  // a non-delegation now and then
      if (chance(0.8)) {  // a period inside the parent's, or just outside it
        d.validFromMs = parent.from + (chance(0.85) ? between(0, 3) * kDayMs : -1);
        d.validUntilMs = parent.until == 0 ? (chance(0.5) ? 0 : time(between(1, 300)))
                                           : parent.until - (chance(0.85) ? between(0, 2) : -1);
      }
    } else if (r < 0.8) {
      // From the statutory holder of an item to a node below it.
      d.item = chance(0.8) ? pick(goodItems_) : pick(items_);
      std::vector<std::string> holders;
      for (const auto& n : historyNodes())
        if (depth_.contains(d.item) && depthOf(n) == depth_[d.item] && !childrenOf(n).empty())
          holders.push_back(n);
      author = holders.empty() ? "430000" : pick(holders);
      std::vector<std::string> below = childrenOf(author);
      d.grantee = below.empty() ? "430100" : pick(below);
    } else {
      author = pick(std::vector<std::string>{"430000", "430100", "430200", "430102"});
      std::vector<std::string> below = childrenOf(author);
      if (below.empty() || chance(0.3)) below.push_back(anyNode());  // upward, sideways, unknown
      d.grantee = pick(below);
      d.item = chance(0.9) ? pick(items_) : "XK-NEVER";
    }
    RecordRef ref = put(author, d);
    grants_.push_back(
        {ref, author, d.grantee, d.item, d.mayRedelegate, d.validFromMs, d.validUntilMs});
  }

  void revoke() {
    if (grants_.empty() || chance(0.05)) {
      put("430000", DelegationRevocation{all_.empty() ? RecordRef{"430000", 1} : pick(all_), false,
                                         "无此委托"});
      return;
    }
    // Half the time a delegation something was chained below, so the cascade is exercised.
    std::vector<const Grant*> parents;
    for (const Grant& g : grants_) {
      for (const Grant& c : grants_)
        if (c.author == g.grantee && c.item == g.item) parents.push_back(&g);
    }
    const Grant& g = !parents.empty() && chance(0.5) ? *pick(parents) : pick(grants_);
    std::vector<std::string> revokers = pathTo(g.author);
    revokers.push_back(pick(historyNodes()));  // unrelated, now and then
    put(pick(revokers), DelegationRevocation{g.ref, chance(0.5), "收回"});
  }

  void receive() {
    // A duplicate id now and then: mostly received again by the window whose code prefixes it
    // (case_already_received), sometimes by another one (case_id_not_receivers).
    std::optional<std::string> duplicate;
    if (!cases_.empty() && chance(0.05)) duplicate = pick(cases_).id;
    std::string w = window();
    if (duplicate && chance(0.7)) w = duplicate->substr(0, duplicate->find('-'));
    std::string item = chance(0.8) ? pick(goodItems_) : chance(0.9) ? pick(items_) : "XK-NEVER";
    std::string region = w;
    std::string handler;
    bool plausible = chance(0.8);
    if (plausible) {  // at the applicant's own window, for the statutory holder
      handler = statutoryHolder(pathTo(w), item);
      if (handler.empty()) handler = w;
    } else {
      region = chance(0.85) ? pick(historyNodes()) : kUnenrolled;
      std::vector<std::string> path = pathTo(region == kUnenrolled ? w : region);
      handler = chance(0.8) ? pick(path) : anyNode();
    }
    std::string id = duplicate ? *duplicate : w + "-" + std::to_string(cases_.size());
    RecordRef ref = put(w, Scenario::received(id, item, handler, region));
    cases_.push_back({id, handler, region, CaseStatus::kReceived, {ref}, plausible});
  }

  // A legal next event for the case's status as the generator expects it.
  std::optional<T> legalNext(CaseStatus status) {
    switch (status) {
      case CaseStatus::kReceived:
        return pick(std::vector<T>{T::kAccepted, T::kAccepted, T::kAccepted, T::kWithdrawn,
                                   T::kTransferred});
      case CaseStatus::kUnderReview:
        return pick(std::vector<T>{T::kMaterialsRequested, T::kStepCompleted, T::kSuspended,
                                   T::kApproved, T::kApproved, T::kDenied, T::kWithdrawn,
                                   T::kTransferred});
      case CaseStatus::kAwaitingMaterials:
        return T::kMaterialsSupplied;
      case CaseStatus::kSuspended:
        return T::kResumed;
      case CaseStatus::kApproved:
      case CaseStatus::kDenied:
        return T::kClosed;
      default:
        return std::nullopt;
    }
  }

  static CaseStatus after(CaseStatus status, T type) {
    switch (type) {
      case T::kAccepted:
      case T::kMaterialsSupplied:
      case T::kResumed:
        return CaseStatus::kUnderReview;
      case T::kMaterialsRequested:
        return CaseStatus::kAwaitingMaterials;
      case T::kSuspended:
        return CaseStatus::kSuspended;
      case T::kApproved:
        return CaseStatus::kApproved;
      case T::kDenied:
        return CaseStatus::kDenied;
      case T::kClosed:
        return CaseStatus::kClosed;
      case T::kWithdrawn:
        return CaseStatus::kWithdrawn;
      default:
        return status;
    }
  }

  CaseEvent eventFor(const Case& c, T type) {
    CaseEvent e = Scenario::event(c.id, type, type == T::kDenied && chance(0.75) ? "不符合" : "L");
    if (type == T::kDenied && chance(0.15)) e.legalBasis.clear();
    if (type == T::kTransferred) {
      std::vector<std::string> path = pathTo(c.region == kUnenrolled ? "430100" : c.region);
      e.text = chance(0.7) ? pick(path) : anyNode();
    }
    return e;
  }

  void event() {
    if (cases_.empty()) return;
    Case& c = someCase();
    std::optional<T> type = chance(0.85) ? legalNext(c.status) : std::nullopt;
    if (!type) type = static_cast<T>(between(1, 11));
    std::string author = chance(0.9) ? c.handler : anyNode();
    if (author == kUnenrolled) author = "430100";
    CaseEvent e = eventFor(c, *type);
    c.events.push_back(put(author, e));
    if (author == c.handler) c.status = after(c.status, *type);
    if (*type == T::kTransferred && author == c.handler) c.handler = e.text;
  }

  void order() {
    if (cases_.empty()) return;
    Case& c = someCase();
    std::vector<std::string> above = pathTo(c.region == kUnenrolled ? "430100" : c.region);
    std::string author = chance(0.75) ? pick(above) : pick(historyNodes());
    std::optional<RecordRef> seen;
    double r = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (r < 0.8) {
      seen = c.events.back();
    } else if (r < 0.92) {
      seen = pick(pick(cases_).events);  // an event of some case, maybe another
    }
    OrderKind kind = static_cast<OrderKind>(rng_() % 4);
    std::string target;
    if (kind == OrderKind::kTransfer)  // on the path below the issuer, or anywhere else
      target = chance(0.6) ? pick(above) : (chance(0.7) ? anyNode() : "");
    put(author, Scenario::order(c.id, kind, seen, target));
    if (kind == OrderKind::kTransfer && !target.empty()) c.handler = target;
    if (kind == OrderKind::kCorrect) c.status = CaseStatus::kUnderReview;
  }

  // An ancestor halts a case while its handler, not having seen the halt, goes on with it.
  void haltRace() {
    if (cases_.empty()) return;
    Case& c = someCase();
    if (c.handler == "430000" || c.handler == kUnenrolled) return event();
    Frontier before = s_.frontier(c.handler);
    put(parentOf(c.handler), Scenario::order(c.id, OrderKind::kHalt, c.events.back()));
    std::optional<T> type = legalNext(c.status);
    if (!type) type = T::kApproved;
    CaseEvent e = eventFor(c, *type);
    s_.sign(c.handler, e, chance(0.7) ? std::optional<Frontier>(before) : std::nullopt);
    RecordRef ref{c.handler, s_.network().node(c.handler).seq};
    all_.push_back(ref);
    c.events.push_back(ref);
  }

  // A case received for the grantor of a delegation, in its grantee's region: the grantee is the
  // nearer holder (就近办理), so the grantor's acceptance is void unless the case is transferred.
  void aboveTheNearest() {
    if (grants_.empty()) return receive();
    const Grant& g = pick(grants_);
    if (g.grantee == kUnenrolled || g.grantee == "430000" || g.author == g.grantee)
      return receive();
    std::string id = g.grantee + "-n" + std::to_string(cases_.size());
    RecordRef r = put(g.grantee, Scenario::received(id, g.item, g.author, g.grantee));
    cases_.push_back({id, g.author, g.grantee, CaseStatus::kReceived, {r}});
    cases_.back().events.push_back(put(g.author, Scenario::event(id, T::kAccepted)));
    cases_.back().status = CaseStatus::kUnderReview;
  }

  void complain() {
    std::string against = chance(0.9) ? pick(historyNodes()) : kUnenrolled;
    std::string id = chance(0.85) || complaints_.empty()
                         ? "q-" + std::to_string(complaints_.size())
                         : pick(complaints_).first;  // a duplicate id
    std::string author = window();
    put(author, Complaint{id, "", against, "投诉"});
    complaints_.push_back({id, against});
  }

  void updateComplaint() {
    std::string id = "q-none", author = pick(historyNodes());
    if (!complaints_.empty() && chance(0.9)) {
      const auto& [cid, against] = pick(complaints_);
      id = cid;
      if (chance(0.7)) author = parentOf(against);
    } else if (chance(0.3)) {
      id = "";
    }
    put(author, ComplaintUpdate{id, static_cast<ComplaintStatus>(rng_() % 3), ""});
  }

  void revokeKey() {
    // From a sequence no feed reaches: judged by the state, never acting at the door.
    std::string subject = pick(historyNodes());
    std::string author = chance(0.6) ? parentOf(subject) : pick(historyNodes());
    put(author, KeyRevocation{subject, 1, 1'000'000, "演练"});
  }

  void certificate() {
    auto& net = s_.network();
    switch (rng_() % 4) {
      case 0:  // the township's enrolment, by its county
        if (!townshipPublished_) {
          townshipPublished_ = true;
          put("430102", net.node(kTownship).certificate);
          return;
        }
        [[fallthrough]];
      case 1: {  // an existing certificate published by someone else than its issuer
        std::string subject = pick(std::vector<std::string>{"430102", "430211", "430103"});
        std::string publisher = pick(std::vector<std::string>{"430000", "430200", "430181"});
        put(publisher, net.node(subject).certificate);
        return;
      }
      case 2: {  // a city enrolling a code outside its region, or the root itself
        Certificate c = *decodeCertificateBody(net.node("430211").certificate.body);
        c.subject = chance(0.5) ? "430000" : "430299";
        c.issuer = "430100";
        c.serial = 7;
        put("430100", issueCertificate(c, net.node("430100").key));
        return;
      }
      default: {  // a re-enrolment by the right issuer, with a higher serial and another key
        Certificate c = *decodeCertificateBody(net.node("430103").certificate.body);
        c.serial = 2 + static_cast<uint32_t>(reenrolments_++);
        c.publicKey = toBytes(SigningKey::generate().publicKey().bytes());
        put("430100", issueCertificate(c, net.node("430100").key));
        return;
      }
    }
  }

  // An author signs two records at one sequence; only the first joins its feed. The root forks
  // only late in a history (its later records are all void), other nodes any time.
  void fork(bool late) {
    if (forks_.size() >= 2) return event();
    std::string author =
        late && chance(0.3)
            ? "430000"
            : pick(std::vector<std::string>{"430100", "430102", "430211", "430103", "430200"});
    SignedRecord a = s_.sign(author, Complaint{"fork-a", "", author, "A"}, frontierFor(author));
    Envelope e = decodeRecordBody(a.body)->envelope;
    SignedRecord b = s_.network().signAs(author, e, Complaint{"fork-b", "", author, "B"});
    all_.push_back({author, e.seq});
    forks_.push_back({author, e.seq, a, b});
  }

  void reportFork() {
    if (forks_.empty()) return revoke();
    const Fork& f = pick(forks_);
    std::string reporter = pick(historyNodes());
    if (reporter == f.author || reporter == kUnenrolled) reporter = parentOf(f.author);
    switch (rng_() % 5) {
      case 0:
        put(reporter, ForkReport{f.author, f.seq, f.a, f.a});  // one record twice: no fork
        return;
      case 1:
        put(reporter, ForkReport{f.author, f.seq + 1, f.a, f.b});  // wrong sequence
        return;
      default:
        put(reporter, ForkReport{f.author, f.seq, f.a, f.b});
        return;
    }
  }

  Scenario& s_;
  std::mt19937_64 rng_;
  std::vector<std::string> items_ = {"XK-COUNTY", "XK-CITY", "XK-PROV", "XK-FIXED"};
  // Items inserted by the root at a level and with limits the rules accept.
  std::vector<std::string> goodItems_ = {"XK-COUNTY", "XK-CITY", "XK-PROV"};
  std::map<std::string, int> depth_ = {
      {"XK-COUNTY", 3}, {"XK-CITY", 2}, {"XK-PROV", 1}, {"XK-FIXED", 2}};
  std::vector<Grant> grants_;
  std::vector<Case> cases_;
  std::vector<std::pair<std::string, std::string>> complaints_;  // id, against
  std::vector<Fork> forks_;
  std::vector<RecordRef> all_;
  bool townshipPublished_ = false;
  int reenrolments_ = 0;
  std::map<std::string, std::vector<Frontier>> snapshots_;
};

// A Scenario with the nodes the generator writes as: 430212 enrolled and published by 株洲市, the
// township's key and certificate made (its certificate record is the history's to publish).
void addHistoryNodes(Scenario& s) {
  s.network().enroll("430212", "430200");
  s.put("430200", s.network().node("430212").certificate);
  s.network().enroll(kTownship, "430102");
}

// Every derived-state entry, readable: what to compare when two digests differ.
std::map<std::string, std::string> stateEntries(FeedStore& store) {
  std::map<std::string, std::string> out;
  auto view = store.beginRead();
  (void)(*view)->stateScan({}, [&](ByteView k, ByteView v) {
    std::string key;
    for (uint8_t c : k)
      key += (c >= 32 && c < 127) ? std::string(1, static_cast<char>(c))
                                  : "\\x" + toHex(ByteView(&c, 1));
    if (key[0] != 'm') out[key] = toHex(v);
    return true;
  });
  return out;
}

std::string diff(const std::map<std::string, std::string>& a,
                 const std::map<std::string, std::string>& b) {
  std::string out;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end())
      out += "  only in first:  " + k + " = " + v + "\n";
    else if (it->second != v)
      out += "  differs:        " + k + "\n    " + v + "\n    " + it->second + "\n";
  }
  for (const auto& [k, v] : b) {
    if (!a.contains(k)) out += "  only in second: " + k + " = " + v + "\n";
  }
  return out;
}

struct Delivery {
  std::unique_ptr<MemoryStore> store = std::make_unique<MemoryStore>();
  Hash256 digest{};
};

// Delivers `records` in a random interleaving of their feeds, in random batch sizes.
Delivery deliverShuffled(const testing::TestNetwork& net, const std::vector<SignedRecord>& records,
                         std::mt19937_64& rng, Hash256* rebuilt = nullptr) {
  std::map<std::string, std::vector<Bytes>> feeds;
  for (const auto& r : records)
    feeds[decodeRecordBody(r.body)->envelope.author].push_back(testing::wireBytes(r));
  std::vector<Bytes> order;
  std::map<std::string, size_t> next;
  std::vector<std::string> authors;
  for (auto& [a, f] : feeds) authors.push_back(a);
  while (order.size() < records.size()) {
    const std::string& a = authors[rng() % authors.size()];
    if (next[a] < feeds[a].size()) order.push_back(feeds[a][next[a]++]);
  }
  std::vector<SignedCertificate> certificates;
  for (const std::string& code : historyNodes()) {
    if (code != "430000")
      certificates.push_back(const_cast<testing::TestNetwork&>(net).node(code).certificate);
  }
  Delivery out;
  auto replica = Replica::open(*out.store, net.anchor());
  EXPECT_TRUE(replica.ok());
  for (size_t i = 0; i < order.size();) {
    size_t n = 1 + rng() % 8;
    std::vector<Bytes> batch(order.begin() + static_cast<ptrdiff_t>(i),
                             order.begin() + static_cast<ptrdiff_t>(std::min(order.size(), i + n)));
    // As a peer does, attach the certificates of the authors it sends.
    auto r = (*replica)->ingest(batch, certificates);
    EXPECT_TRUE(r.ok()) << r.error().message;
    i += batch.size();
  }
  out.digest = *(*replica)->digest();
  if (rebuilt) {
    EXPECT_TRUE((*replica)->rebuild().ok());
    *rebuilt = *(*replica)->digest();
  }
  return out;
}

// Void reasons the generator does not produce, and why. Every other reason must be reached by the
// histories of one run (the test fails otherwise), so the order-independence property covers it.
const std::map<std::string, std::string>& unreachableReasons() {
  static const std::map<std::string, std::string> none = {};
  return none;
}

uint64_t envSeed(uint64_t fallback) {
  const char* v = std::getenv("GOVBUS_SEED");
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(OrderIndependenceTest, ShuffledDeliveriesOfRandomHistoriesGiveOneDigest) {
  const int histories = envInt("GOVBUS_PROPERTY_HISTORIES", 150);
  const int orders = envInt("GOVBUS_PROPERTY_ORDERS", 12);
  const int steps = envInt("GOVBUS_PROPERTY_STEPS", 45);
  const uint64_t base = envSeed(20261122);
  std::printf(
      "order independence: GOVBUS_SEED=%llu GOVBUS_PROPERTY_HISTORIES=%d "
      "GOVBUS_PROPERTY_ORDERS=%d GOVBUS_PROPERTY_STEPS=%d\n",
      static_cast<unsigned long long>(base), histories, orders, steps);
  size_t records = 0, voids = 0;
  std::map<std::string, size_t> reached;
  for (int h = 0; h < histories; ++h) {
    uint64_t seed = base + static_cast<uint64_t>(h);
    SCOPED_TRACE("history seed " + std::to_string(seed) + " (rerun with GOVBUS_SEED=" +
                 std::to_string(seed) + " GOVBUS_PROPERTY_HISTORIES=1)");
    Scenario s;
    addHistoryNodes(s);
    HistoryGenerator gen(s, seed);
    gen.run(steps);
    const auto& history = s.history();
    records += history.size();

    std::mt19937_64 rng(seed * 7919);
    Hash256 rebuilt{};
    Delivery first = deliverShuffled(s.network(), history, rng);
    Delivery rebuiltDelivery = deliverShuffled(s.network(), history, rng, &rebuilt);
    EXPECT_EQ(rebuiltDelivery.digest, rebuilt)
        << "rebuild from feeds differs from the incremental state";
    EXPECT_EQ(rebuiltDelivery.digest, first.digest);
    for (int o = 1; o < orders; ++o) {
      Delivery other = deliverShuffled(s.network(), history, rng);
      ASSERT_EQ(other.digest, first.digest)
          << "delivery order " << o << " derived other state:\n"
          << diff(stateEntries(*first.store), stateEntries(*other.store));
    }
    // Every record was stored in every delivery (the generator makes no order-dependent ones).
    auto heads = (*first.store->beginRead())->heads();
    size_t stored = 0;
    for (const auto& [author, head] : *heads) stored += head.seq;
    EXPECT_EQ(stored, history.size()) << "a delivery did not store every record";
    // The verdicts of the history, as a delivery of it in authoring order judges them.
    size_t voidHere = 0;
    auto view = first.store->beginRead();
    (void)StateEngine::forEachVoid(**view, [&](const RecordRef&, VoidReason r) {
      ++voidHere;
      ++reached[std::string(voidReasonName(r))];
      return true;
    });
    voids += voidHere;
    // The generator must exercise the rules in every history, not just append valid records.
    EXPECT_GT(voidHere * 20, history.size())
        << "history " << seed << ": " << voidHere << " void of " << history.size()
        << " records, not more than 1 in 20: the history is not adversarial";
  }
  const size_t m = static_cast<size_t>(VoidReason::kCount) - 1;
  std::string missing, named;
  for (size_t i = 1; i <= m; ++i) {
    std::string name(voidReasonName(static_cast<VoidReason>(i)));
    if (reached.contains(name)) continue;
    if (unreachableReasons().contains(name)) {
      named += " " + name;
    } else {
      missing += " " + name;
    }
  }
  std::printf("order independence: %d histories, %zu records, %zu void verdicts, %d orders each\n",
              histories, records, voids, orders);
  std::printf("void reasons reached: %zu of %zu%s%s\n", reached.size(), m,
              named.empty() ? "" : "; not generated (named):", named.c_str());
  for (const auto& [name, n] : reached) std::printf("  %-38s %zu\n", name.c_str(), n);
  EXPECT_TRUE(missing.empty()) << "void reasons no history reached:" << missing
                               << " (more histories with GOVBUS_PROPERTY_HISTORIES, or a "
                                  "generator that produces them)";
}

}  // namespace
}  // namespace govbus

namespace govbus {
namespace {

TEST(RebuildTest, RebuildFromFeedsOnLmdbGivesTheIncrementallyBuiltDigest) {
  // The same check on the real store: a random history applied batch by batch into LMDB, then the
  // derived state dropped and recomputed from the feeds in one transaction.
  Scenario s;
  addHistoryNodes(s);
  const uint64_t seed = envSeed(99);
  std::printf("rebuild: GOVBUS_SEED=%llu\n", static_cast<unsigned long long>(seed));
  SCOPED_TRACE("history seed " + std::to_string(seed));
  HistoryGenerator gen(s, seed);
  gen.run(80);
  std::vector<Bytes> raw;
  for (const auto& r : s.history()) raw.push_back(testing::wireBytes(r));
  testing::TempDir dir;
  auto store = LmdbStore::open(dir.path());
  ASSERT_TRUE(store.ok());
  auto replica = Replica::open(**store, s.network().anchor());
  ASSERT_TRUE(replica.ok());
  std::vector<SignedCertificate> certs;
  for (const std::string& c : historyNodes()) {
    if (c != "430000") certs.push_back(s.network().node(c).certificate);
  }
  for (size_t i = 0; i < raw.size(); i += 5) {
    std::vector<Bytes> batch(raw.begin() + static_cast<ptrdiff_t>(i),
                             raw.begin() + static_cast<ptrdiff_t>(std::min(raw.size(), i + 5)));
    ASSERT_TRUE((*replica)->ingest(batch, certs).ok());
  }
  Hash256 incremental = *(*replica)->digest();
  ASSERT_NE(incremental, Hash256{}) << "a non-empty state has a non-zero digest";
  ASSERT_TRUE((*replica)->rebuild().ok());
  EXPECT_EQ(*(*replica)->digest(), incremental);
  // And a fresh process opening the same store sees the same state.
  replica->reset();
  auto reopened = Replica::open(**store, s.network().anchor());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->digest(), incremental);
}

}  // namespace
}  // namespace govbus
