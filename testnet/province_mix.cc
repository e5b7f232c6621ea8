#include "testnet/province_mix.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>
#include <utility>

#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"

namespace govbus::testnet {

namespace {

using T = CaseEventType;

constexpr int64_t kYearMs = 365LL * 24 * 3600 * 1000;
constexpr int64_t kCertificateYears = 200;  // valid for any run
// Catalog items beside XK-COUNTY (county), XK-CITY (city), XK-PROV (province) and XK-FIXED (city,
// not delegable).
constexpr int kExtraCountyItems = 23, kExtraCityItems = 9, kExtraProvinceItems = 3;
// Shares of the mix's records (the rest are case events).
constexpr double kOrderShare = 0.05, kComplaintShare = 0.05, kDelegationShare = 0.05;
// A case runs about this many events from received to closed.
constexpr double kEventsPerCase = 5.5;
constexpr size_t kMinOpenCases = 16;

std::string numbered(const std::string& prefix, size_t n, int width) {
  char b[32];
  std::snprintf(b, sizeof b, "%0*zu", width, n);
  return prefix + b;
}

CatalogItem item(const std::string& code, int depth, uint16_t legal, uint16_t promised,
                 bool delegable = true) {
  return CatalogItem{
      CatalogOp::kInsert, code,      "事项 " + code, static_cast<uint8_t>(depth), legal,
      promised,           delegable, {"申请书"}};
}

CaseEvent event(const std::string& caseId, T type, std::string text) {
  CaseEvent e;
  e.caseId = caseId;
  e.type = type;
  if (type == T::kDenied) {
    e.reason = text;
    e.legalBasis = "《行政许可法》第三十八条";
  } else {
    e.text = std::move(text);
  }
  return e;
}

}  // namespace

class ProvinceMix::Generator {
 public:
  Generator(const Topology& topology, MixOptions options)
      : opt_(options), rng_(options.seed), clockMs_(options.startMs) {
    for (const TopologyNode& t : topology.nodes) {
      Node n;
      n.code = t.code;
      n.name = t.name;
      n.parent = t.parent;
      Hash256 seed =
          blake2b256(asBytes("govbus province mix " + std::to_string(opt_.seed) + " " + t.code));
      n.key.emplace(std::move(SigningKey::fromSeed(seed)).value());
      if (!t.parent.empty()) n.ancestors = nodes_.at(t.parent).ancestors;
      if (!t.parent.empty()) n.ancestors.push_back(t.parent);
      nodes_.emplace(t.code, std::move(n));
      order_.push_back(t.code);
    }
    root_ = topology.root();
    for (const std::string& code : order_) {
      Node& n = nodes_.at(code);
      const std::string issuer = n.parent.empty() ? code : n.parent;
      Certificate c{code,
                    n.name,
                    toBytes(n.key->publicKey().bytes()),
                    issuer,
                    1,
                    opt_.startMs - kYearMs,
                    opt_.startMs + kCertificateYears * kYearMs,
                    1};
      n.certificate = issueCertificate(c, *nodes_.at(issuer).key);
    }
    // Counties that take cases: those with a city above them.
    for (const std::string& code : order_) {
      const Node& n = nodes_.at(code);
      if (n.parent.empty() || depthOf(code) != 3 || depthOf(n.parent) != 2) continue;
      counties_.push_back(code);
      countiesOf_[n.parent].push_back(code);
    }
    for (const auto& [city, list] : countiesOf_) cities_.push_back(city);
  }

  const SignedCertificate& anchor() const { return nodes_.at(root_).certificate; }

  std::vector<SignedCertificate> certificates() const {
    std::vector<SignedCertificate> out;
    for (const std::string& code : order_) {
      if (code != root_) out.push_back(nodes_.at(code).certificate);
    }
    return out;
  }

  std::vector<SignedRecord> setup() {
    std::vector<SignedRecord> out;
    out_ = &out;
    timed_ = false;
    // Enrolment: each issuer publishes the certificates it signed, parents before children.
    for (const std::string& code : order_) {
      const Node& n = nodes_.at(code);
      sign(n.parent.empty() ? code : n.parent, n.certificate, nullptr);
    }
    countyItems_ = {"XK-COUNTY"};
    cityItems_ = {"XK-CITY", "XK-FIXED"};
    delegableCityItems_ = {"XK-CITY"};
    provinceItems_ = {"XK-PROV"};
    sign(root_, item("XK-COUNTY", 3, 20, 10), nullptr);
    sign(root_, item("XK-CITY", 2, 20, 12), nullptr);
    sign(root_, item("XK-PROV", 1, 45, 30), nullptr);
    sign(root_, item("XK-FIXED", 2, 30, 20, false), nullptr);
    for (int i = 1; i <= kExtraCountyItems; ++i) {
      countyItems_.push_back(numbered("XK-C", static_cast<size_t>(i), 2));
      sign(root_, item(countyItems_.back(), 3, 20, 10), nullptr);
    }
    for (int i = 1; i <= kExtraCityItems; ++i) {
      cityItems_.push_back(numbered("XK-S", static_cast<size_t>(i), 2));
      delegableCityItems_.push_back(cityItems_.back());
      sign(root_, item(cityItems_.back(), 2, 20, 12), nullptr);
    }
    for (int i = 1; i <= kExtraProvinceItems; ++i) {
      provinceItems_.push_back(numbered("XK-P", static_cast<size_t>(i), 2));
      sign(root_, item(provinceItems_.back(), 1, 45, 30), nullptr);
    }
    // Warm-up: the mix until the open cases reach their steady level.
    while (open_.size() < opt_.openCases) step();
    out_ = nullptr;
    timed_ = true;
    return out;
  }

  void next(size_t n, std::vector<SignedRecord>& out) {
    out_ = &out;
    const size_t target = out.size() + n;
    while (out.size() < target) step();
    out_ = nullptr;
  }

  TrustStore trustStore() const {
    TrustStore t = std::move(TrustStore::create(anchor())).value();
    (void)t.admitAll(certificates());
    return t;
  }

  size_t cities() const { return cities_.size(); }
  size_t counties() const { return counties_.size(); }
  size_t catalogItems() const {
    return countyItems_.size() + cityItems_.size() + provinceItems_.size();
  }
  size_t cases() const { return caseCount_; }
  const std::map<std::string, size_t>& kinds() const { return kinds_; }

 private:
  struct Node {
    std::string code, name, parent;
    std::optional<SigningKey> key;  // always set
    SignedCertificate certificate;
    std::vector<std::string> ancestors;  // root first
    uint64_t seq = 0;
    Hash256 lastId{};
  };
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

  static int depthOf(const std::string& code) {
    auto c = DivisionCode::parse(code);
    return c ? c->depth() : 0;
  }
  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  bool chance(double p) { return uniform() < p; }
  size_t index(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  template <typename V>
  const auto& pick(const V& v) {
    return v[index(v.size())];
  }
  const std::string& parentOf(const std::string& code) const { return nodes_.at(code).parent; }

  // Signs the next record of `author` on its current frontier. `kind` names the mix's records.
  RecordRef sign(const std::string& author, const Payload& payload, const char* kind) {
    Node& n = nodes_.at(author);
    Envelope e;
    e.author = author;
    e.keySerial = 1;
    e.seq = n.seq + 1;
    if (n.seq > 0) e.prevHash.assign(n.lastId.begin(), n.lastId.end());
    e.lamport = ++lamport_;
    clockMs_ += opt_.stepMs;
    e.wallTimeMs = clockMs_;
    for (const std::string& a : n.ancestors) {
      if (uint64_t s = nodes_.at(a).seq; s > 0) e.frontier.push_back({a, s});
    }
    std::sort(e.frontier.begin(), e.frontier.end());
    Bytes body = encodeRecordBody(Record{e, payload});
    Bytes sig = n.key->sign(kRecordSignatureDomain, body);
    n.seq = e.seq;
    n.lastId = blake2b256(body);
    if (timed_ && kind) ++kinds_[kind];
    out_->push_back(SignedRecord{std::move(body), std::move(sig)});
    return RecordRef{author, e.seq};
  }

  void step() {
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

  int itemDepth(const std::string& code) const {
    if (std::find(countyItems_.begin(), countyItems_.end(), code) != countyItems_.end()) return 3;
    if (std::find(cityItems_.begin(), cityItems_.end(), code) != cityItems_.end()) return 2;
    return 1;
  }

  // The handler rule (the deepest holder on the region's path), from the delegations in force.
  std::pair<std::string, std::optional<size_t>> handlerFor(const std::string& code,
                                                           const std::string& county) {
    const std::string& city = parentOf(county);
    switch (itemDepth(code)) {
      case 3:
        return {county, std::nullopt};
      case 2:
        if (auto g = activeGrant_.find({code, county}); g != activeGrant_.end())
          return {county, g->second};
        return {city, std::nullopt};
      default:
        if (auto g = activeGrant_.find({code, city}); g != activeGrant_.end())
          return {city, g->second};
        return {root_, std::nullopt};
    }
  }

  // --- case lifecycle events ---

  void caseEvent() {
    // New cases arrive as often as cases close, more often below the steady level, less above.
    const double level =
        open_.empty()
            ? 0.5
            : std::clamp(static_cast<double>(opt_.openCases) / static_cast<double>(open_.size()),
                         0.5, 2.0);
    // The warm-up opens cases faster, to reach the steady level in fewer records.
    const double startChance = timed_ ? level / kEventsPerCase : 0.6;
    bool startNew = open_.size() < kMinOpenCases || chance(startChance);
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
    const std::string code = u < 0.70   ? pick(countyItems_)
                             : u < 0.95 ? pick(cityItems_)
                                        : pick(provinceItems_);
    auto [handler, grant] = handlerFor(code, county);
    Case c;
    c.id = county + "-2026-" + numbered("", ++caseCount_, 6);
    c.item = code;
    c.region = county;
    c.handler = handler;
    c.stepsLeft = chance(0.5) ? 1 : 2;
    c.grant = grant;
    CaseEvent e;
    e.caseId = c.id;
    e.type = T::kReceived;
    e.received.item = code;
    e.received.handler = handler;
    e.received.region = county;
    e.received.applicantHash = toBytes(blake2b256(asBytes("applicant " + c.id)));
    e.received.materials = {"申请书", "营业执照副本", "法定代表人身份证明", "经营场所证明"};
    e.received.firstResponsible = "首问责任人 窗口" + numbered("", index(20) + 1, 2) + "号";
    c.last = sign(county, e, "case received");
    if (grant) ++grants_[*grant].awaitingAcceptance;
    ++awaitingAcceptance_[{code, county}];
    open_.push_back(std::move(c));
  }

  void advance(size_t i) {
    Case& c = open_[i];
    switch (c.stage) {
      case Case::kReceived:
        c.last = sign(c.handler, event(c.id, T::kAccepted, "材料齐全，予以受理"), "case accepted");
        c.stage = Case::kAccepted;
        if (c.grant) --grants_[*c.grant].awaitingAcceptance;
        --awaitingAcceptance_[{c.item, c.region}];
        return;
      case Case::kAccepted:
        if (c.stepsLeft > 0) {
          --c.stepsLeft;
          c.last = sign(
              c.handler,
              event(c.id, T::kStepCompleted, c.stepsLeft ? "初审通过，转复审" : "现场核查完成"),
              "case stepCompleted");
        } else if (chance(0.85)) {
          c.last = sign(c.handler, event(c.id, T::kApproved, "准予许可，证号 湘" + c.id),
                        "case approved");
          c.stage = Case::kDecided;
        } else {
          c.last =
              sign(c.handler, event(c.id, T::kDenied, "申请材料不符合法定条件"), "case denied");
          c.stage = Case::kDecided;
        }
        return;
      case Case::kDecided:
        sign(c.handler, event(c.id, T::kClosed, "已送达，办结"), "case closed");
        if (!c.haltedBy.empty()) --halted_;
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
      if (!c.haltedBy.empty() || c.handler == root_) continue;
      std::string author =
          depthOf(c.handler) == 3 && chance(0.7) ? parentOf(c.handler) : std::string(root_);
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
    // Two updates close a complaint: at the steady level, two updates per new complaint.
    const double level =
        static_cast<double>(complaints_.size()) / static_cast<double>(opt_.openComplaints);
    if (!complaints_.empty() && chance(std::clamp(2.0 / 3.0 * level, 0.1, 0.95))) {
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
                    c.handler == root_ ? root_ : parentOf(c.handler)};
    sign(parentOf(c.region), Complaint{q.id, c.id, c.handler, "办理超时，多次催问未答复"},
         "complaint");
    complaints_.push_back(std::move(q));
    return true;
  }

  // --- delegations (city -> county, province -> city) and revocations by the grantor ---

  bool delegationOrRevocation() {
    if (chance(0.4) && revoke()) return true;
    for (int tries = 0; tries < 16; ++tries) {
      std::string grantor, grantee, code;
      if (chance(0.8)) {
        grantor = pick(cities_);
        code = pick(delegableCityItems_);
        grantee = pick(countiesOf_.at(grantor));
      } else {
        grantor = root_;
        code = pick(provinceItems_);
        grantee = pick(cities_);
      }
      if (activeGrant_.contains({code, grantee}) || awaitingUnder(code, grantee)) continue;
      Delegation d;
      d.item = code;
      d.grantee = grantee;
      d.scope = DelegationScope::kNode;
      d.mode = DelegationMode::kDevolve;
      d.validFromMs = clockMs_ + opt_.stepMs;  // from the grant on: the record's own time
      Grant g{sign(grantor, d, "delegation"), grantor, code, grantee};
      activeGrant_[{code, grantee}] = grants_.size();
      active_.push_back(grants_.size());
      grants_.push_back(std::move(g));
      return true;
    }
    return revoke();
  }

  // Whether a case of `code` in `node`'s region waits for acceptance: a delegation to `node` now
  // would make it the nearest holder, and the handler named at reception could no longer accept.
  bool awaitingUnder(const std::string& code, const std::string& node) {
    auto waiting = [&](const std::string& county) {
      auto it = awaitingAcceptance_.find({code, county});
      return it != awaitingAcceptance_.end() && it->second > 0;
    };
    if (auto c = countiesOf_.find(node); c != countiesOf_.end())
      return std::any_of(c->second.begin(), c->second.end(), waiting);
    return waiting(node);
  }

  // Revokes a delegation in force that no case is waiting on (a case received under it and not yet
  // accepted would have its acceptance judged void).
  bool revoke() {
    for (int tries = 0; tries < 8 && !active_.empty(); ++tries) {
      size_t k = index(active_.size());
      Grant& g = grants_[active_[k]];
      if (g.awaitingAcceptance > 0) continue;
      sign(g.grantor, DelegationRevocation{g.ref, false, "调整授权"}, "revocation");
      g.active = false;
      activeGrant_.erase({g.item, g.grantee});
      active_[k] = active_.back();
      active_.pop_back();
      return true;
    }
    return false;
  }

  MixOptions opt_;
  std::mt19937_64 rng_;
  int64_t clockMs_;
  uint64_t lamport_ = 0;
  std::map<std::string, Node> nodes_;
  std::vector<std::string> order_;  // parents first
  std::string root_;
  std::vector<SignedRecord>* out_ = nullptr;
  bool timed_ = false;
  std::map<std::string, size_t> kinds_;
  std::vector<std::string> cities_, counties_;
  std::map<std::string, std::vector<std::string>> countiesOf_;
  std::vector<std::string> countyItems_, cityItems_, delegableCityItems_, provinceItems_;
  std::vector<Case> open_;
  size_t caseCount_ = 0;
  size_t halted_ = 0;
  // Grants, with what the mix still needs of each; a revoked grant's entry stays (cases keep its
  // index) but leaves active_.
  std::vector<Grant> grants_;
  std::vector<size_t> active_;
  std::map<std::pair<std::string, std::string>, size_t> activeGrant_;  // (item, grantee) -> grants_
  std::map<std::pair<std::string, std::string>, size_t> awaitingAcceptance_;  // (item, county)
  std::vector<OpenComplaint> complaints_;
  size_t complaintCount_ = 0;
};

Result<std::unique_ptr<ProvinceMix>> ProvinceMix::create(const Topology& topology,
                                                         MixOptions options) {
  if (topology.nodes.empty()) return makeError(ErrorCode::kInvalidArgument, "empty topology");
  auto g = std::make_unique<Generator>(topology, options);
  if (g->counties() == 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     "topology " + topology.name + " has no county under a city to take cases");
  }
  return std::unique_ptr<ProvinceMix>(new ProvinceMix(std::move(g)));
}

ProvinceMix::ProvinceMix(std::unique_ptr<Generator> g) : g_(std::move(g)) {}
ProvinceMix::~ProvinceMix() = default;

const SignedCertificate& ProvinceMix::anchor() const { return g_->anchor(); }
TrustStore ProvinceMix::trustStore() const { return g_->trustStore(); }
std::vector<SignedCertificate> ProvinceMix::certificates() const { return g_->certificates(); }
std::vector<SignedRecord> ProvinceMix::setup() { return g_->setup(); }
void ProvinceMix::next(size_t n, std::vector<SignedRecord>& out) { g_->next(n, out); }
size_t ProvinceMix::cities() const { return g_->cities(); }
size_t ProvinceMix::counties() const { return g_->counties(); }
size_t ProvinceMix::catalogItems() const { return g_->catalogItems(); }
size_t ProvinceMix::cases() const { return g_->cases(); }
const std::map<std::string, size_t>& ProvinceMix::kinds() const { return g_->kinds(); }

}  // namespace govbus::testnet
