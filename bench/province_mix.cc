#include "bench/province_mix.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>
#include <stdexcept>
#include <utility>

namespace govbus::bench {
namespace {

using testing::Scenario;
using T = CaseEventType;

constexpr const char* kRoot = "430000";

// Cities and the counties enrolled beside the Scenario's own (430102, 430103 under 430100; 430211
// under 430200; 430181 under the province, which takes no cases here: it has no city above it, so
// city-level items have no handler there).
struct CityPlan {
  const char* city;
  std::vector<const char*> newCounties;
};
const std::vector<CityPlan>& cityPlan() {
  static const std::vector<CityPlan> plan = {
      {"430100", {"430104", "430105", "430111", "430112", "430121"}},
      {"430200", {"430202", "430203", "430204", "430212", "430223"}},
      {"430300", {"430302", "430304", "430321", "430381"}},
      {"430400", {"430405", "430406", "430407", "430421", "430422"}},
  };
  return plan;
}

// Catalog items published beside the Scenario's XK-COUNTY (county), XK-CITY (city), XK-PROV
// (province) and XK-FIXED (city, not delegable).
constexpr int kExtraCountyItems = 23, kExtraCityItems = 9, kExtraProvinceItems = 3;

// Shares of the timed records (the rest are case events).
constexpr double kOrderShare = 0.05, kComplaintShare = 0.05, kDelegationShare = 0.05;
// Open cases are kept between these bounds; in between, a case event starts a new case with the
// probability that keeps the open count steady (one in the mean lifecycle length).
constexpr size_t kMinOpenCases = 100, kMaxOpenCases = 800;
constexpr double kNewCaseChance = 1.0 / 5.5;

std::string numbered(const std::string& prefix, size_t n, int width) {
  char b[24];
  std::snprintf(b, sizeof b, "%0*zu", width, n);
  return prefix + b;
}

class MixGenerator {
 public:
  MixGenerator(Scenario& s, uint64_t seed, ProvinceMix& out) : s_(s), rng_(seed), out_(out) {}

  void setup() {
    // Enrolment: each issuer publishes the certificates it signed, cities before their counties.
    for (const CityPlan& p : cityPlan()) {
      if (!isEnrolled(p.city)) {
        s_.network().enroll(p.city, kRoot);
        sign(kRoot, s_.network().node(p.city).certificate, nullptr);
      }
      cities_.push_back(p.city);
    }
    for (const CityPlan& p : cityPlan()) {
      for (const char* county : p.newCounties) {
        s_.network().enroll(county, p.city);
        sign(p.city, s_.network().node(county).certificate, nullptr);
      }
    }
    for (const CityPlan& p : cityPlan()) {
      for (const char* county : {"430102", "430103", "430211"}) {
        if (s_.network().node(county).parent == p.city) counties_.push_back(county);
      }
      for (const char* county : p.newCounties) counties_.push_back(county);
    }
    // Catalog.
    countyItems_ = {"XK-COUNTY"};
    cityItems_ = {"XK-CITY", "XK-FIXED"};
    delegableCityItems_ = {"XK-CITY"};
    provinceItems_ = {"XK-PROV"};
    for (int i = 1; i <= kExtraCountyItems; ++i) {
      countyItems_.push_back(numbered("XK-C", static_cast<size_t>(i), 2));
      sign(kRoot, Scenario::item(countyItems_.back(), 3, 20, 10), nullptr);
    }
    for (int i = 1; i <= kExtraCityItems; ++i) {
      cityItems_.push_back(numbered("XK-S", static_cast<size_t>(i), 2));
      delegableCityItems_.push_back(cityItems_.back());
      sign(kRoot, Scenario::item(cityItems_.back(), 2, 20, 12), nullptr);
    }
    for (int i = 1; i <= kExtraProvinceItems; ++i) {
      provinceItems_.push_back(numbered("XK-P", static_cast<size_t>(i), 2));
      sign(kRoot, Scenario::item(provinceItems_.back(), 1, 45, 30), nullptr);
    }
    out_.cities = cities_.size();
    out_.counties = counties_.size();
    out_.catalogItems = countyItems_.size() + cityItems_.size() + provinceItems_.size();
  }

  void run(size_t records) {
    timing_ = true;
    while (out_.timed.size() < records) {
      double u = uniform();
      bool done = false;
      if (u < kOrderShare) {
        done = order();
      } else if (u < kOrderShare + kComplaintShare) {
        done = complaint();
      } else if (u < kOrderShare + kComplaintShare + kDelegationShare) {
        done = delegationOrRevocation();
      }
      if (!done) caseEvent();
    }
  }

 private:
  struct Case {
    std::string id, item, region, handler;
    enum Stage { kReceived, kAccepted, kDecided } stage = kReceived;
    int stepsLeft = 0;
    RecordRef last;
    std::string haltedBy;         // non-empty while a halt order by that node stands
    std::optional<size_t> grant;  // the delegation the handler holds the item by
  };
  struct Grant {
    RecordRef ref;
    std::string grantor, item, grantee;
    bool active = true;
    size_t awaitingAcceptance = 0;  // cases received under it and not yet accepted
  };
  struct OpenComplaint {
    std::string id, routedTo;
    ComplaintStatus status = ComplaintStatus::kReceived;
  };

  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  bool chance(double p) { return uniform() < p; }
  size_t index(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  template <typename V>
  const auto& pick(const V& v) {
    return v[index(v.size())];
  }
  bool isEnrolled(const std::string& code) {
    try {
      (void)s_.network().node(code);
      return true;
    } catch (const std::out_of_range&) {
      return false;
    }
  }
  std::string parentOf(const std::string& code) { return s_.network().node(code).parent; }
  static int depthOf(const std::string& code) {
    return code == kRoot ? 1 : (code.substr(4) == "00" ? 2 : 3);
  }

  // Signs the next record of `author` on its current frontier. `kind` names timed records.
  RecordRef sign(const std::string& author, const Payload& payload, const char* kind) {
    SignedRecord r = s_.sign(author, payload);
    if (timing_) {
      ++out_.kinds[kind];
      out_.timedBodyBytes += r.body.size();
      out_.timed.push_back(testing::wireBytes(r));
    } else {
      out_.setup.push_back(testing::wireBytes(r));
    }
    return RecordRef{author, s_.network().node(author).seq};
  }

  int itemDepth(const std::string& item) {
    if (std::find(countyItems_.begin(), countyItems_.end(), item) != countyItems_.end()) return 3;
    if (std::find(cityItems_.begin(), cityItems_.end(), item) != cityItems_.end()) return 2;
    return 1;
  }

  // The handler rule (the deepest holder on the region's path), from the delegations in force.
  std::pair<std::string, std::optional<size_t>> handlerFor(const std::string& item,
                                                           const std::string& county) {
    const std::string city = parentOf(county);
    switch (itemDepth(item)) {
      case 3:
        return {county, std::nullopt};
      case 2:
        if (auto g = activeGrant_.find({item, county}); g != activeGrant_.end())
          return {county, g->second};
        return {city, std::nullopt};
      default:
        if (auto g = activeGrant_.find({item, city}); g != activeGrant_.end())
          return {city, g->second};
        return {kRoot, std::nullopt};
    }
  }

  // --- case lifecycle events ---

  void caseEvent() {
    bool startNew =
        open_.size() < kMinOpenCases || (open_.size() < kMaxOpenCases && chance(kNewCaseChance));
    if (!startNew) {
      for (int tries = 0; tries < 16; ++tries) {
        size_t i = index(open_.size());
        if (open_[i].haltedBy.empty()) return advance(i);
      }
    }
    newCase();
  }

  void newCase() {
    const std::string county = pick(counties_);
    double u = uniform();
    const std::string item = u < 0.70   ? pick(countyItems_)
                             : u < 0.95 ? pick(cityItems_)
                                        : pick(provinceItems_);
    auto [handler, grant] = handlerFor(item, county);
    Case c;
    c.id = county + "-2026-" + numbered("", ++out_.cases, 6);
    c.item = item;
    c.region = county;
    c.handler = handler;
    c.stepsLeft = chance(0.5) ? 1 : 2;
    c.grant = grant;
    CaseEvent e = Scenario::received(c.id, item, handler, county);
    e.received.materials = {"申请书", "营业执照副本", "法定代表人身份证明", "经营场所证明"};
    e.received.firstResponsible = "首问责任人 窗口" + numbered("", index(20) + 1, 2) + "号";
    c.last = sign(county, e, "case received");
    if (grant) ++grants_[*grant].awaitingAcceptance;
    ++awaitingAcceptance_[{item, county}];
    open_.push_back(std::move(c));
  }

  void advance(size_t i) {
    Case& c = open_[i];
    switch (c.stage) {
      case Case::kReceived:
        c.last = sign(c.handler, Scenario::event(c.id, T::kAccepted, "材料齐全，予以受理"),
                      "case accepted");
        c.stage = Case::kAccepted;
        if (c.grant) --grants_[*c.grant].awaitingAcceptance;
        --awaitingAcceptance_[{c.item, c.region}];
        return;
      case Case::kAccepted:
        if (c.stepsLeft > 0) {
          --c.stepsLeft;
          c.last = sign(c.handler,
                        Scenario::event(c.id, T::kStepCompleted,
                                        c.stepsLeft ? "初审通过，转复审" : "现场核查完成"),
                        "case stepCompleted");
        } else if (chance(0.85)) {
          c.last = sign(c.handler, Scenario::event(c.id, T::kApproved, "准予许可，证号 湘" + c.id),
                        "case approved");
          c.stage = Case::kDecided;
        } else {
          c.last = sign(c.handler, Scenario::event(c.id, T::kDenied, "申请材料不符合法定条件"),
                        "case denied");
          c.stage = Case::kDecided;
        }
        return;
      case Case::kDecided:
        sign(c.handler, Scenario::event(c.id, T::kClosed, "已送达，办结"), "case closed");
        open_[i] = std::move(open_.back());
        open_.pop_back();
        return;
    }
  }

  // --- supervision orders ---

  bool order() {
    if (halted_ > 0 && chance(0.5)) {  // lift a halt: 纠错 by the node that halted the case
      for (Case& c : open_) {
        if (c.haltedBy.empty()) continue;
        sign(c.haltedBy,
             SupervisionOrder{c.id, OrderKind::kCorrect, c.last, "", "核查无误，恢复办理"},
             "order correct");
        c.haltedBy.clear();
        --halted_;
        return true;
      }
    }
    for (int tries = 0; tries < 16 && !open_.empty(); ++tries) {
      Case& c = open_[index(open_.size())];
      if (!c.haltedBy.empty() || c.handler == kRoot) continue;
      std::string author =
          depthOf(c.handler) == 3 && chance(0.7) ? parentOf(c.handler) : std::string(kRoot);
      double u = uniform();
      if (u < 0.15 && c.stage == Case::kAccepted) {
        sign(author, SupervisionOrder{c.id, OrderKind::kHalt, c.last, "", "群众反映，暂停办理核查"},
             "order halt");
        c.haltedBy = author;
        ++halted_;
      } else if (u < 0.30 && c.stage == Case::kAccepted) {
        sign(author, SupervisionOrder{c.id, OrderKind::kTransfer, c.last, author, "提级办理"},
             "order transfer");
        c.handler = author;
      } else {
        sign(author, SupervisionOrder{c.id, OrderKind::kUrge, c.last, "", "请按承诺时限办结"},
             "order urge");
      }
      return true;
    }
    return false;
  }

  // --- complaints (efficiency complaints through the city hotline) and their updates ---

  bool complaint() {
    if (!complaints_.empty() && chance(0.55)) {
      size_t i = index(complaints_.size());
      OpenComplaint& q = complaints_[i];
      bool resolve = q.status == ComplaintStatus::kHandling;
      q.status = resolve ? ComplaintStatus::kResolved : ComplaintStatus::kHandling;
      sign(q.routedTo,
           ComplaintUpdate{q.id, q.status, resolve ? "已核实整改，回复投诉人" : "已转办核查"},
           "complaint update");
      if (resolve) {
        complaints_[i] = std::move(complaints_.back());
        complaints_.pop_back();
      }
      return true;
    }
    if (open_.empty()) return false;
    const Case& c = pick(open_);
    OpenComplaint q{numbered("TS-2026-", ++complaintCount_, 6),
                    c.handler == kRoot ? kRoot : parentOf(c.handler)};
    sign(parentOf(c.region), Complaint{q.id, c.id, c.handler, "办理超时，多次催问未答复"},
         "complaint");
    complaints_.push_back(std::move(q));
    return true;
  }

  // --- delegations (city -> county, province -> city) and revocations by the grantor ---

  bool delegationOrRevocation() {
    if (chance(0.4) && revoke()) return true;
    for (int tries = 0; tries < 16; ++tries) {
      std::string grantor, grantee, item;
      if (chance(0.8)) {
        grantor = pick(cities_);
        item = pick(delegableCityItems_);
        std::vector<std::string> below;
        for (const std::string& c : counties_) {
          if (parentOf(c) == grantor) below.push_back(c);
        }
        grantee = pick(below);
      } else {
        grantor = kRoot;
        item = pick(provinceItems_);
        grantee = pick(cities_);
      }
      if (activeGrant_.contains({item, grantee}) || awaitingUnder(item, grantee)) continue;
      Grant g{RecordRef{}, grantor, item, grantee};
      g.ref = sign(grantor, Scenario::delegation(item, grantee), "delegation");
      activeGrant_[{item, grantee}] = grants_.size();
      grants_.push_back(std::move(g));
      return true;
    }
    return revoke();
  }

  // Whether a case of `item` in `node`'s region waits for acceptance: a delegation to `node` now
  // would make it the nearest holder, and the handler named at reception could no longer accept.
  bool awaitingUnder(const std::string& item, const std::string& node) {
    for (const auto& [key, count] : awaitingAcceptance_) {
      if (count > 0 && key.first == item && (key.second == node || parentOf(key.second) == node))
        return true;
    }
    return false;
  }

  // Revokes a delegation in force that no case is waiting on (a case received under it and not yet
  // accepted would have its acceptance judged void).
  bool revoke() {
    std::vector<size_t> candidates;
    for (size_t i = 0; i < grants_.size(); ++i) {
      if (grants_[i].active && grants_[i].awaitingAcceptance == 0) candidates.push_back(i);
    }
    if (candidates.empty()) return false;
    Grant& g = grants_[pick(candidates)];
    sign(g.grantor, DelegationRevocation{g.ref, false, "调整授权"}, "revocation");
    g.active = false;
    activeGrant_.erase({g.item, g.grantee});
    return true;
  }

  Scenario& s_;
  std::mt19937_64 rng_;
  ProvinceMix& out_;
  bool timing_ = false;
  std::vector<std::string> cities_, counties_;
  std::vector<std::string> countyItems_, cityItems_, delegableCityItems_, provinceItems_;
  std::vector<Case> open_;
  size_t halted_ = 0;
  std::vector<Grant> grants_;
  std::map<std::pair<std::string, std::string>, size_t> activeGrant_;  // (item, grantee) -> grants_
  std::map<std::pair<std::string, std::string>, size_t> awaitingAcceptance_;  // (item, county)
  std::vector<OpenComplaint> complaints_;
  size_t complaintCount_ = 0;
};

}  // namespace

ProvinceMix buildProvinceMix(size_t timedRecords, uint64_t seed) {
  ProvinceMix mix;
  mix.scenario = std::make_unique<Scenario>();
  // The Scenario's own enrolment and catalog come first.
  for (const SignedRecord& r : mix.scenario->history()) mix.setup.push_back(testing::wireBytes(r));
  MixGenerator gen(*mix.scenario, seed, mix);
  gen.setup();
  gen.run(timedRecords);
  return mix;
}

}  // namespace govbus::bench
