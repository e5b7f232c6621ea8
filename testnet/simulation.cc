#include "testnet/simulation.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <sstream>

#include "admin/catalog_file.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"
#include "protocol/sync_codec.h"
#include "sync/feed_author.h"
#include "sync/memory_store.h"
#include "sync/replica.h"
#include "sync/replication_link.h"
#include "sync/state_digest.h"
#include "sync/witness_schedule.h"
#include "testnet/reference.h"
#include "testnet/store_checks.h"
#include "testnet/topology.h"

namespace govbus::testnet {

namespace {

constexpr int64_t kEpochMs = 1'767'225'600'000;  // 2026-01-01, the case clock's start
constexpr int64_t kTickMs = 50;
constexpr int64_t kReconnectMs = 500;
constexpr int64_t kFallbackAfterMs = 3'000;
constexpr int64_t kBaseLatencyMs = 2;
constexpr int64_t kJitterMs = 30;
constexpr int64_t kSampleEveryMs = 1'000;
constexpr int kMaxStepRetries = 40;
constexpr size_t kDigestCheckMaxNodes = 40;
#ifdef GOVBUS_PLANTED_BUGS
constexpr bool kPlantedBugs = true;
#else
constexpr bool kPlantedBugs = false;
#endif

// Writes (or with an empty value, deletes) one digested state entry and keeps the stored digest
// consistent with it, as a buggy but self-consistent state engine would.
Status rewriteDigested(FeedStore& store, const Bytes& key, std::optional<Bytes> value) {
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, store.beginWrite());
  const Bytes digestKey = {'m', 'd', 'i', 'g', 'e', 's', 't'};
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> stored, txn->stateGet(digestKey));
  Hash256 d{};
  if (stored && stored->size() == kHashBytes) std::copy(stored->begin(), stored->end(), d.begin());
  StateDigest digest(d);
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> old, txn->stateGet(key));
  if (old) digest.remove(key, *old);
  if (value) {
    digest.add(key, *value);
    GOVBUS_TRY(txn->statePut(key, *value));
  } else {
    GOVBUS_TRY(txn->stateDel(key));
  }
  GOVBUS_TRY(txn->statePut(digestKey, Bytes(digest.value().begin(), digest.value().end())));
  return txn->commit();
}
// Witnessed time on the case clock: a parent states what it stored every 200 ms of network time
// (48 minutes of case time); the province's tolerance is one case day (6 s of network time), so an
// honest county is flagged only across a long partition, and the backdating one always.
constexpr int64_t kWitnessEveryNetworkMs = 200;
constexpr int64_t kSimWitnessToleranceMs = 86'400'000;
constexpr int64_t kBackdateMs = 3 * 86'400'000LL;

struct SimNode {
  std::string code, name, parent;
  std::vector<std::string> ancestors;  // root first, parent last
  std::unique_ptr<SigningKey> key;
  SignedCertificate certificate;
  std::vector<SignedCertificate> chain;
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<Replica> replica;
  bool up = true;
  int64_t skewMs = 0;
  std::map<std::string, ReplicationLink> links;  // peer → link, for live connections
  std::map<std::string, uint64_t> conns;         // peer → connection id
  std::string upstream;                          // peer we dialled, if connected
  int64_t parentUnreachableSince = -1;
  int64_t nextDialAt = 0;
  bool dirty = true;
  WitnessSchedule witness;
  OutageTracker outage;
  bool hadUpstream = false;
};

struct Conn {
  uint64_t id = 0;
  std::string child, parent;
  int64_t lastArrival[2] = {0, 0};  // per direction: FIFO like a TCP stream
};

struct PlannedCase {
  std::string id, item, region, county;
  std::vector<CaseEventType> plan;
  size_t next = 0;
  int retries = 0;
};

struct Event {
  int64_t at;
  uint64_t seq;
  std::function<void()> run;
};
struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
};

class Sim {
 public:
  Sim(const Topology& topology, const SimOptions& options, const ProgressFn& progress)
      : topo_(topology), opt_(options), progress_(progress), rng_(options.seed) {}

  Result<SimReport> run();

 private:
  // --- time and events ---
  void schedule(int64_t at, std::function<void()> fn) {
    queue_.push(Event{at, seq_++, std::move(fn)});
  }
  int64_t wall(const SimNode& n) const { return kEpochMs + now_ * opt_.caseTimeScale + n.skewMs; }
  void note(std::string_view kind, std::string_view node, ByteView detail = {}) {
    fp_.updateU64(static_cast<uint64_t>(now_));
    fp_.updateField(asBytes(kind));
    fp_.updateField(asBytes(node));
    if (!detail.empty()) fp_.update(blake2b256(detail));
    ++report_.events;
  }
  uint64_t rand(uint64_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_);
  }
  bool chance(double p) { return p > 0 && std::bernoulli_distribution(std::min(1.0, p))(rng_); }
  int64_t expDelay(double perSecond) {
    return static_cast<int64_t>(std::exponential_distribution<double>(perSecond)(rng_) * 1000) + 1;
  }

  // --- setup ---
  Status buildNodes();
  Status openReplica(SimNode& n);
  Status enrolAndPublish();
  Result<std::vector<CatalogItem>> loadCatalog();

  // --- network ---
  bool linkCut(const std::string& child, const std::string& parent) const {
    return cut_.contains(child) && cut_.at(child) && parent == nodes_.at(child).parent;
  }
  bool reachable(const std::string& child, const std::string& peer) const {
    return nodes_.at(child).up && nodes_.at(peer).up && !linkCut(child, peer);
  }
  void connect(SimNode& child, const std::string& peer);
  void disconnect(uint64_t connId);
  void send(uint64_t connId, const std::string& from, const std::string& to,
            const SyncMessage& message);
  void deliver(uint64_t connId, const std::string& from, const std::string& to, const Bytes& frame);
  void manageUpstream(SimNode& n);
  void pump(SimNode& n);
  void tick();
  void witnessChildren(SimNode& n);
  void authorOwn(SimNode& n, Payload payload);

  // --- workload and faults ---
  void newCase();
  void caseStep(size_t index);
  void issueOrder();
  void fileComplaint();
  void revokeOne();
  void crashOne();
  void partitionOne();
  void forge();
  void equivocate();
  void sample();

  // --- checking ---
  bool inScope(const std::string& node, const std::string& feed) const;
  bool isAncestor(const std::string& a, const std::string& b) const;
  Result<bool> converged();
  Status checkInvariants();
  bool planted(PlantedBug bug) const { return kPlantedBugs && opt_.bug == bug; }
  // The planted bugs that corrupt a node's derived state after the run (4, 5, 7).
  Status plantStateBugs();
  Status plantUnauthorisedAcceptance();
  Result<Invariant> checkWitnessedTime(FeedReader& root);

  const Topology& topo_;
  SimOptions opt_;
  ProgressFn progress_;
  std::mt19937_64 rng_;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  uint64_t seq_ = 0;
  int64_t now_ = 0;
  bool faultsOn_ = true;
  bool workloadOn_ = true;
  Blake2bHasher fp_;

  std::map<std::string, SimNode> nodes_;
  std::vector<std::string> order_;  // topology order
  std::vector<std::string> counties_, cities_;
  std::map<uint64_t, Conn> conns_;
  uint64_t nextConn_ = 1;
  std::map<std::string, bool> cut_;
  std::vector<CatalogItem> catalog_;
  std::vector<PlannedCase> cases_;
  std::vector<RecordRef> cityDelegations_;
  std::set<RecordRef> acknowledged_;  // every record author() committed
  std::map<RecordRef, int64_t> authoredAt_;
  std::vector<int64_t> latencies_;
  std::set<Hash256> forgedIds_;
  std::string equivocator_;
  std::string backdater_;
  int complaints_ = 0;
  SimReport report_;
};

// ---------------------------------------------------------------- setup

Status Sim::buildNodes() {
  for (const TopologyNode& t : topo_.nodes) {
    SimNode n;
    n.code = t.code;
    n.name = t.name;
    n.parent = t.parent;
    // Keys derive from the seed, so a run is reproducible to the byte.
    Blake2bHasher h;
    h.updateU64(opt_.seed);
    h.updateField(asBytes(t.code));
    Hash256 seed = h.finish();
    auto key = SigningKey::fromSeed(seed);
    if (!key) return key.error();
    n.key = std::make_unique<SigningKey>(std::move(*key));
    if (opt_.faults.clockSkew) n.skewMs = static_cast<int64_t>(rand(600'001)) - 300'000;
    Certificate c{t.code,
                  t.name,
                  toBytes(n.key->publicKey().bytes()),
                  t.parent.empty() ? t.code : t.parent,
                  1,
                  kEpochMs - 365LL * 86'400'000,
                  kEpochMs + 50 * 365LL * 86'400'000,
                  1};
    const SigningKey& issuer = t.parent.empty() ? *n.key : *nodes_.at(t.parent).key;
    n.certificate = issueCertificate(c, issuer);
    if (!t.parent.empty()) {
      const SimNode& p = nodes_.at(t.parent);
      n.ancestors = p.ancestors;
      n.ancestors.push_back(p.code);
      n.chain = p.chain;
      n.chain.push_back(n.certificate);
    }
    auto depth = DivisionCode::parse(t.code);
    int leafDepth = 0;
    for (const auto& other : topo_.nodes)
      leafDepth = std::max(leafDepth, DivisionCode::parse(other.code)->depth());
    if (depth->depth() == leafDepth)
      counties_.push_back(t.code);
    else if (!t.parent.empty() && depth->depth() == leafDepth - 1)
      cities_.push_back(t.code);
    n.store = std::make_unique<MemoryStore>();
    n.witness = WitnessSchedule(kWitnessEveryNetworkMs * opt_.caseTimeScale);
    order_.push_back(t.code);
    nodes_.emplace(t.code, std::move(n));
  }
  if (opt_.faults.backdating && !counties_.empty()) {
    backdater_ = counties_[rand(counties_.size())];
    nodes_.at(backdater_).skewMs -= kBackdateMs;
  }
  for (const std::string& code : order_) GOVBUS_TRY(openReplica(nodes_.at(code)));
  return Status::Ok();
}

Status Sim::openReplica(SimNode& n) {
  const SimNode& root = nodes_.at(order_.front());
  Identity id{n.code, 1, n.key.get(), n.ancestors};
  GOVBUS_ASSIGN_OR_RETURN(n.replica, Replica::open(*n.store, root.certificate, id));
  // A node knows its own chain from enrolment; storing it lets it verify what it signs.
  GOVBUS_ASSIGN_OR_RETURN(BatchResult r, n.replica->ingest(std::vector<SignedRecord>{}, n.chain));
  (void)r;
  return Status::Ok();
}

Result<std::vector<CatalogItem>> Sim::loadCatalog() {
  const std::filesystem::path file = opt_.dataDir / "sample-catalog.csv";
  GOVBUS_ASSIGN_OR_RETURN(admin::CatalogFile catalog, admin::readCatalogFile(file));
  if (!catalog.ok()) {
    return makeError(ErrorCode::kInvalidArgument, file.string() + ": " +
                                                      catalog.problems.front().location() + ": " +
                                                      catalog.problems.front().rule);
  }
  std::vector<CatalogItem> items;
  for (admin::CatalogRow& row : catalog.rows) items.push_back(std::move(row.item));
  return items;
}

Status Sim::enrolAndPublish() {
  SimNode& root = nodes_.at(order_.front());
  auto author = [&](SimNode& n, Payload p) -> Status {
    GOVBUS_ASSIGN_OR_RETURN(RecordRef ref, n.replica->author(std::move(p), wall(n)));
    acknowledged_.insert(ref);
    ++report_.recordsAuthored;
    n.dirty = true;
    return Status::Ok();
  };
  GOVBUS_TRY(author(root, root.certificate));
  for (const std::string& code : order_) {
    const SimNode& n = nodes_.at(code);
    if (!n.parent.empty()) GOVBUS_TRY(author(nodes_.at(n.parent), n.certificate));
  }
  GOVBUS_ASSIGN_OR_RETURN(catalog_, loadCatalog());
  for (const CatalogItem& c : catalog_) GOVBUS_TRY(author(root, c));
  GOVBUS_TRY(
      author(root, ProvinceSetting{std::string(kWitnessToleranceSetting), kSimWitnessToleranceMs}));
  // 强县扩权: the province devolves a province-level item to each city, which passes it on to its
  // first county.
  auto provinceItem = std::find_if(catalog_.begin(), catalog_.end(), [](const CatalogItem& c) {
    return c.statutoryDepth == 1 && c.delegable;
  });
  if (provinceItem == catalog_.end() || topo_.root() == "000000") return Status::Ok();
  for (const std::string& city : cities_) {
    if (nodes_.at(city).parent != root.code) continue;
    Delegation d{provinceItem->code,
                 city,
                 DelegationScope::kNode,
                 DelegationMode::kDevolve,
                 true,
                 kEpochMs - 1,
                 0,
                 {}};
    GOVBUS_ASSIGN_OR_RETURN(RecordRef ref, root.replica->author(d, wall(root)));
    acknowledged_.insert(ref);
    ++report_.recordsAuthored;
    cityDelegations_.push_back(ref);
    for (const std::string& county : counties_) {
      if (nodes_.at(county).parent != city) continue;
      // The city grants only once it holds the delegation itself, i.e. from its own replica,
      // which does not have the province's record yet: deliver it by syncing first. The
      // workload issues these re-delegations later (see newCase), so nothing is queued here.
      break;
    }
  }
  root.dirty = true;
  return Status::Ok();
}

// ---------------------------------------------------------------- network

void Sim::connect(SimNode& child, const std::string& peer) {
  Conn c;
  c.id = nextConn_++;
  c.child = child.code;
  c.parent = peer;
  conns_[c.id] = c;
  SimNode& p = nodes_.at(peer);
  child.conns[peer] = c.id;
  p.conns[child.code] = c.id;
  child.links.insert_or_assign(peer, ReplicationLink(child.code));
  p.links.insert_or_assign(child.code, ReplicationLink(peer));
  child.upstream = peer;
  note("connect", child.code + ">" + peer);
  for (SimNode* side : {&child, &p}) {
    const std::string& other = side == &child ? peer : child.code;
    auto view = side->store->beginRead();
    auto hello = ReplicationLink::makeHello(side->code, **view, side->replica->trust());
    if (hello) send(c.id, side->code, other, *hello);
  }
}

void Sim::disconnect(uint64_t connId) {
  auto it = conns_.find(connId);
  if (it == conns_.end()) return;
  Conn c = it->second;
  conns_.erase(it);
  SimNode& child = nodes_.at(c.child);
  SimNode& parent = nodes_.at(c.parent);
  child.links.erase(c.parent);
  child.conns.erase(c.parent);
  parent.links.erase(c.child);
  parent.conns.erase(c.child);
  if (child.upstream == c.parent) child.upstream.clear();
  child.nextDialAt = now_ + kReconnectMs;
  note("disconnect", c.child + ">" + c.parent);
}

void Sim::send(uint64_t connId, const std::string& from, const std::string& to,
               const SyncMessage& message) {
  auto it = conns_.find(connId);
  if (it == conns_.end()) return;
  Bytes frame = encodeSyncMessage(message);
  ++report_.messages;
  if (const auto* b = std::get_if<RecordsBatch>(&message))
    report_.recordsMoved += b->records.size();
  if (faultsOn_ && chance(opt_.faults.dropRate)) {
    // Lost on the wire: the transport notices and the connection starts over.
    ++report_.drops;
    note("drop", from + ">" + to);
    schedule(now_ + kBaseLatencyMs, [this, connId] { disconnect(connId); });
    return;
  }
  int dir = from == it->second.child ? 0 : 1;
  int64_t at = std::max(it->second.lastArrival[dir],
                        now_ + kBaseLatencyMs + static_cast<int64_t>(rand(kJitterMs)));
  it->second.lastArrival[dir] = at;
  schedule(at, [this, connId, from, to, frame] { deliver(connId, from, to, frame); });
  if (faultsOn_ && std::holds_alternative<RecordsBatch>(message) &&
      chance(opt_.faults.duplicateRate)) {
    ++report_.duplicates;
    schedule(at + 1, [this, connId, from, to, frame] { deliver(connId, from, to, frame); });
  }
}

void Sim::deliver(uint64_t connId, const std::string& from, const std::string& to,
                  const Bytes& frame) {
  if (!conns_.contains(connId)) return;  // the connection is gone, and the frame with it
  SimNode& n = nodes_.at(to);
  if (!n.up || !n.links.contains(from)) return;
  note("deliver", from + ">" + to, frame);
  auto message = decodeSyncMessage(frame);
  if (!message) {
    disconnect(connId);
    return;
  }
  ReplicationLink& link = n.links.at(from);
  if (const auto* hello = std::get_if<Hello>(&*message)) {
    if (!link.onHello(*hello, n.replica->trust(), wall(n), from)) {
      disconnect(connId);
      return;
    }
    n.dirty = true;
  } else if (const auto* batch = std::get_if<RecordsBatch>(&*message)) {
    Ack ack;
    if (planted(PlantedBug::kDropBatchesToACounty) && n.code == counties_.front()) {
      return;  // Planted bug: the batch vanishes, unacknowledged, on a live connection.
    }
    if (planted(PlantedBug::kAckBeforeCommit) && n.code == order_.front()) {
      // Planted bug: ack what was sent without committing it.
      std::map<std::string, uint64_t> last;
      for (const auto& r : batch->records) {
        auto env = decodeEnvelope(r.body);
        if (env) last[env->author] = std::max(last[env->author], env->seq);
      }
      for (const auto& [a, s] : last) ack.frontier.push_back({a, s});
    } else {
      n.replica->setClock(wall(n));
      auto result = n.replica->ingest(batch->records, batch->certificates);
      if (!result) {
        disconnect(connId);
        return;
      }
      if (n.code == order_.front()) {
        for (const CheckedRecord& c : result->appended) {
          auto at = authoredAt_.find(RecordRef{c.record.envelope.author, c.record.envelope.seq});
          if (at != authoredAt_.end()) {
            latencies_.push_back(now_ - at->second);
            if (latencies_.size() % 16 == 1)
              report_.latencySeries.emplace_back(now_, now_ - at->second);
            authoredAt_.erase(at);
          }
        }
      }
      // What the peer just sent us, it holds: the link must not echo it back.
      for (const IngestResult& r : result->results) {
        if (r.outcome != IngestOutcome::kRejected && r.outcome != IngestOutcome::kFork)
          link.notePeerHas(r.author, r.seq);
      }
      if (!result->appended.empty()) n.dirty = true;
      auto view = n.store->beginRead();
      auto a = ReplicationLink::ackFor(**view, *batch);
      if (!a) return;
      ack = std::move(*a);
    }
    send(connId, to, from, ack);
  } else if (const auto* ack = std::get_if<Ack>(&*message)) {
    link.onAck(*ack, wall(n));
    n.dirty = true;
  }
}

void Sim::manageUpstream(SimNode& n) {
  if (!n.up || n.parent.empty()) return;
  bool parentOk = reachable(n.code, n.parent);
  if (parentOk) {
    n.parentUnreachableSince = -1;
  } else if (n.parentUnreachableSince < 0) {
    n.parentUnreachableSince = now_;
  }
  // Back to the parent as soon as it is reachable again.
  if (!n.upstream.empty() && n.upstream != n.parent && parentOk) disconnect(n.conns.at(n.upstream));
  if (!n.upstream.empty() && !reachable(n.code, n.upstream)) disconnect(n.conns.at(n.upstream));
  if (!n.upstream.empty() || now_ < n.nextDialAt) return;
  if (parentOk) {
    connect(n, n.parent);
  } else if (n.parentUnreachableSince >= 0 && now_ - n.parentUnreachableSince >= kFallbackAfterMs) {
    // Fallback upstreams: the nearest reachable ancestor above the parent.
    for (auto it = n.ancestors.rbegin() + 1; it < n.ancestors.rend(); ++it) {
      if (reachable(n.code, *it)) {
        connect(n, *it);
        break;
      }
    }
    if (n.upstream.empty()) n.nextDialAt = now_ + kReconnectMs;
  }
}

void Sim::pump(SimNode& n) {
  if (!n.up || !n.dirty) return;
  n.dirty = false;
  for (auto& [peer, link] : n.links) {
    if (!link.ready()) continue;
    for (;;) {
      auto view = n.store->beginRead();
      auto batch = link.nextBatch(**view, n.replica->trust(), wall(n));
      if (!batch || !*batch) break;
      send(n.conns.at(peer), n.code, peer, std::move(**batch));
    }
  }
}

void Sim::tick() {
  for (const std::string& code : order_) manageUpstream(nodes_.at(code));
  for (const std::string& code : order_) witnessChildren(nodes_.at(code));
  for (const std::string& code : order_) pump(nodes_.at(code));
  // Links with stalled feeds need a nudge even when nothing new committed.
  if (now_ % 1000 == 0) {
    for (auto& [code, n] : nodes_) n.dirty = n.dirty || !n.links.empty();
  }
  schedule(now_ + kTickMs, [this] { tick(); });
}

void Sim::authorOwn(SimNode& n, Payload payload) {
  n.replica->setClock(wall(n));
  auto ref = n.replica->author(std::move(payload), wall(n));
  if (!ref) return;
  acknowledged_.insert(*ref);
  authoredAt_[*ref] = now_;
  ++report_.recordsAuthored;
  n.dirty = true;
}

// As the daemon does (node/engine.cc): a node states how far it holds its children's feeds, and a
// node whose upstream came back records the outage.
void Sim::witnessChildren(SimNode& n) {
  if (!n.up) return;
  const bool hasUpstream = !n.upstream.empty();
  if (!hasUpstream && n.hadUpstream) n.outage.down(wall(n));
  if (hasUpstream && !n.hadUpstream) {
    if (auto outage = n.outage.up(n.upstream, wall(n))) authorOwn(n, std::move(*outage));
  }
  n.hadUpstream = hasUpstream;
  auto view = n.store->beginRead();
  if (!view) return;
  std::map<std::string, uint64_t> heads;
  for (const std::string& code : order_) {
    if (nodes_.at(code).parent != n.code) continue;
    auto head = (*view)->head(code);
    if (head && *head) heads[code] = (*head)->seq;
  }
  view->reset();
  std::optional<Witness> w = n.witness.due(heads, wall(n));
  if (!w) return;
  Witness stated = *w;
  authorOwn(n, std::move(*w));
  n.witness.authored(stated, wall(n));
}

// ---------------------------------------------------------------- workload

void Sim::newCase() {
  if (!workloadOn_) return;
  schedule(now_ + expDelay(opt_.casesPerSecond), [this] { newCase(); });
  if (counties_.empty() || catalog_.empty()) return;
  SimNode& county = nodes_.at(counties_[rand(counties_.size())]);
  if (!county.up) return;
  const CatalogItem& item = catalog_[rand(catalog_.size())];
  std::string handler =
      county.replica->engine().authority().handlerFor(item.code, county.code, wall(county));
  if (handler.empty()) return;  // the county has not learned the catalog yet
  PlannedCase pc{county.code + "-" + std::to_string(cases_.size() + 1),
                 item.code,
                 county.code,
                 county.code,
                 {},
                 0,
                 0};
  CaseEvent received;
  received.caseId = pc.id;
  received.type = CaseEventType::kReceived;
  received.received.item = item.code;
  received.received.handler = handler;
  received.received.region = county.code;
  received.received.applicantHash = toBytes(blake2b256(asBytes("applicant " + pc.id)));
  received.received.materials = item.materials;
  received.received.firstResponsible = "窗口" + std::to_string(rand(9) + 1) + "号";
  auto ref = county.replica->author(received, wall(county));
  if (!ref) return;
  acknowledged_.insert(*ref);
  authoredAt_[*ref] = now_;
  ++report_.recordsAuthored;
  county.dirty = true;
  using T = CaseEventType;
  pc.plan = {T::kAccepted};
  if (chance(0.25)) pc.plan.insert(pc.plan.end(), {T::kMaterialsRequested, T::kMaterialsSupplied});
  if (chance(0.1)) pc.plan.insert(pc.plan.end(), {T::kSuspended, T::kResumed});
  pc.plan.push_back(T::kStepCompleted);
  if (chance(0.7))
    pc.plan.insert(pc.plan.end(), {chance(0.85) ? T::kApproved : T::kDenied, T::kClosed});
  else if (chance(0.2))
    pc.plan.push_back(T::kWithdrawn);
  cases_.push_back(std::move(pc));
  size_t index = cases_.size() - 1;
  schedule(now_ + 200 + static_cast<int64_t>(rand(4000)), [this, index] { caseStep(index); });
}

void Sim::caseStep(size_t index) {
  PlannedCase& pc = cases_[index];
  if (pc.next >= pc.plan.size() || !workloadOn_) return;
  // The handler as the receiving county's state says now (it may have moved).
  SimNode& county = nodes_.at(pc.county);
  std::string handler = pc.county;
  {
    auto view = county.store->beginRead();
    auto s = StateEngine::caseSummary(**view, pc.id);
    if (s && *s) handler = (*s)->handler;
  }
  SimNode& h = nodes_.at(handler);
  auto retry = [&] {
    if (++pc.retries <= kMaxStepRetries) schedule(now_ + 1000, [this, index] { caseStep(index); });
  };
  if (!h.up) return retry();
  CaseEvent e;
  e.caseId = pc.id;
  e.type = pc.plan[pc.next];
  if (e.type == CaseEventType::kMaterialsRequested || e.type == CaseEventType::kMaterialsSupplied)
    e.materials = {"补正材料"};
  if (e.type == CaseEventType::kDenied) {
    e.reason = "不符合法定条件";
    e.legalBasis = "《中华人民共和国行政许可法》第三十八条";
  }
  if (e.type == CaseEventType::kApproved) e.text = "XK" + std::to_string(index);
  if (e.type == CaseEventType::kStepCompleted) e.text = "审查";
  if (e.type == CaseEventType::kSuspended) e.text = "听证";
  if (e.type == CaseEventType::kWithdrawn) e.text = "申请人撤回";
  auto ref = h.replica->author(e, wall(h));
  if (!ref) {
    // Usually the handler has not received the case yet; a halted or transferred case stops.
    const std::string& why = ref.error().message;
    if (why.find("unknown_case") != std::string::npos ||
        why.find("not_the_handler") != std::string::npos)
      retry();
    return;
  }
  acknowledged_.insert(*ref);
  if (std::find(counties_.begin(), counties_.end(), h.code) != counties_.end())
    authoredAt_[*ref] = now_;
  ++report_.recordsAuthored;
  h.dirty = true;
  ++pc.next;
  pc.retries = 0;
  schedule(now_ + 300 + static_cast<int64_t>(rand(6000)), [this, index] { caseStep(index); });
}

void Sim::issueOrder() {
  if (!workloadOn_) return;
  schedule(now_ + 5000 + static_cast<int64_t>(rand(10000)), [this] { issueOrder(); });
  if (cases_.empty()) return;
  const PlannedCase& pc = cases_[rand(cases_.size())];
  SimNode& county = nodes_.at(pc.county);
  // An ancestor of the county that is up and already knows the case.
  std::vector<std::string> issuers(county.ancestors.begin(), county.ancestors.end());
  SimNode& issuer = nodes_.at(issuers[rand(issuers.size())]);
  if (!issuer.up) return;
  auto view = issuer.store->beginRead();
  auto s = StateEngine::caseSummary(**view, pc.id);
  view->reset();
  if (!s || !*s || !(*s)->lastEvent) return;
  OrderKind kind = chance(0.8) ? OrderKind::kUrge : OrderKind::kHalt;
  auto ref = issuer.replica->author(SupervisionOrder{pc.id, kind, (*s)->lastEvent, "", "督办"},
                                    wall(issuer));
  if (ref) {
    acknowledged_.insert(*ref);
    ++report_.recordsAuthored;
    issuer.dirty = true;
  }
}

void Sim::fileComplaint() {
  if (!workloadOn_) return;
  schedule(now_ + 4000 + static_cast<int64_t>(rand(8000)), [this] { fileComplaint(); });
  if (counties_.empty()) return;
  SimNode& county = nodes_.at(counties_[rand(counties_.size())]);
  if (!county.up) return;
  std::string id = "TS-" + std::to_string(++complaints_);
  auto ref = county.replica->author(Complaint{id, "", county.code, "办事拖延"}, wall(county));
  if (!ref) return;
  acknowledged_.insert(*ref);
  ++report_.recordsAuthored;
  county.dirty = true;
  std::string supervisor = county.parent;
  schedule(now_ + 5000 + static_cast<int64_t>(rand(20000)), [this, id, supervisor] {
    SimNode& s = nodes_.at(supervisor);
    if (!s.up) return;
    auto r =
        s.replica->author(ComplaintUpdate{id, ComplaintStatus::kResolved, "已核实整改"}, wall(s));
    if (r) {
      acknowledged_.insert(*r);
      ++report_.recordsAuthored;
      s.dirty = true;
    }
  });
}

void Sim::revokeOne() {
  if (cityDelegations_.empty()) return;
  SimNode& root = nodes_.at(order_.front());
  auto ref = root.replica->author(
      DelegationRevocation{cityDelegations_.front(), true, "收回并移交"}, wall(root));
  note("revoke", root.code);
  if (ref) {
    acknowledged_.insert(*ref);
    ++report_.recordsAuthored;
    root.dirty = true;
  }
}

// ---------------------------------------------------------------- faults

void Sim::crashOne() {
  if (!faultsOn_) return;
  schedule(now_ + 8000 + static_cast<int64_t>(rand(20000)), [this] { crashOne(); });
  std::string code = order_[1 + rand(order_.size() - 1)];
  SimNode& n = nodes_.at(code);
  if (!n.up) return;
  ++report_.crashes;
  note("crash", code);
  std::vector<uint64_t> ids;
  for (const auto& [peer, id] : n.conns) ids.push_back(id);
  for (uint64_t id : ids) disconnect(id);
  n.up = false;
  n.replica.reset();  // memory is gone; the store (committed data) stays
  schedule(now_ + 2000 + static_cast<int64_t>(rand(8000)), [this, code] {
    SimNode& m = nodes_.at(code);
    note("restart", code);
    if (openReplica(m)) {
      m.up = true;
      m.dirty = true;
      m.nextDialAt = now_;
    }
  });
}

void Sim::partitionOne() {
  if (!faultsOn_) return;
  schedule(now_ + 10000 + static_cast<int64_t>(rand(20000)), [this] { partitionOne(); });
  std::string code = order_[1 + rand(order_.size() - 1)];
  if (cut_[code]) return;
  ++report_.partitions;
  note("partition", code);
  cut_[code] = true;
  schedule(now_ + 3000 + static_cast<int64_t>(rand(12000)), [this, code] {
    cut_[code] = false;
    note("heal", code);
  });
}

void Sim::forge() {
  if (!faultsOn_) return;
  schedule(now_ + 3000 + static_cast<int64_t>(rand(6000)), [this] { forge(); });
  SimNode& target = nodes_.at(order_[rand(order_.size())]);
  if (!target.up) return;
  std::vector<Bytes> forged;
  // 1: a record claiming to be a real node, signed by a key nobody enrolled.
  SigningKey stranger =
      SigningKey::fromSeed(blake2b256(asBytes("stranger" + std::to_string(rand(1u << 30)))))
          .value();
  const SimNode& victim = nodes_.at(order_[rand(order_.size())]);
  Envelope env{victim.code, 1, 1 + rand(5), {}, 1, wall(victim), {}};
  if (env.seq > 1) env.prevHash.assign(32, 0x42);
  Bytes body = encodeRecordBody(Record{env, Complaint{"forged", "", victim.code, "伪造"}});
  forged.push_back(
      encodeSignedRecord(SignedRecord{body, stranger.sign(kRecordSignatureDomain, body)}));
  // 2: a real record with one byte flipped in its body.
  auto view = target.store->beginRead();
  auto heads = (*view)->heads();
  if (heads && !heads->empty()) {
    const auto& [author, head] = (*heads)[rand(heads->size())];
    auto raw = (*view)->record(author, 1 + rand(head.seq));
    if (raw && *raw) {
      auto sr = decodeSignedRecord(**raw);
      if (sr && !sr->body.empty()) {
        sr->body[rand(sr->body.size())] ^= static_cast<uint8_t>(1 + rand(255));
        forged.push_back(encodeSignedRecord(*sr));
      }
    }
  }
  view->reset();
  for (const Bytes& f : forged) {
    if (auto sr = decodeSignedRecord(f)) forgedIds_.insert(blake2b256(sr->body));
  }
  report_.forgeriesInjected += forged.size();
  note("forge", target.code);
  if (planted(PlantedBug::kStoreAForgery) && !forged.empty()) {
    // Planted bug: the first forgery is appended to its feed at the target without any check.
    auto sr = decodeSignedRecord(forged.front());
    auto env = sr ? decodeEnvelope(sr->body) : Result<Envelope>(sr.error());
    if (env) {
      auto txn = target.store->beginWrite();
      auto head = (*txn)->head(env->author);
      uint64_t seq = head.ok() && *head ? (*head)->seq + 1 : 1;
      if (seq == env->seq &&
          (*txn)->append(env->author, FeedHead{seq, blake2b256(sr->body), 1}, forged.front()).ok())
        (void)(*txn)->commit();
    }
  }
  auto result = target.replica->ingest(forged);
  if (result) {
    for (const auto& r : result->results) {
      if (r.outcome == IngestOutcome::kRejected) ++report_.forgeriesRejected;
    }
  }
}

void Sim::equivocate() {
  if (!faultsOn_ || counties_.empty()) return;
  // A county signs a second, different record at a sequence the root already holds.
  SimNode& root = nodes_.at(order_.front());
  for (const std::string& code : counties_) {
    SimNode& c = nodes_.at(code);
    auto rv = root.store->beginRead();
    auto head = (*rv)->head(code);
    rv->reset();
    if (!head.ok() || !*head || (*head)->seq < 2) continue;
    auto cv = c.store->beginRead();
    auto original = (*cv)->record(code, (*head)->seq);
    if (!original.ok() || !*original) continue;
    auto sr = decodeSignedRecord(**original);
    cv->reset();
    if (!sr) continue;
    auto rec = decodeRecordBody(sr->body);
    if (!rec) continue;
    Envelope env = rec->envelope;
    Bytes body = encodeRecordBody(Record{env, Complaint{"equivocation", "", code, "另一份记录"}});
    Bytes second =
        encodeSignedRecord(SignedRecord{body, c.key->sign(kRecordSignatureDomain, body)});
    equivocator_ = code;
    ++report_.forks;
    note("equivocate", code);
    if (planted(PlantedBug::kLoseForkEvidence)) return;  // Planted bug: nobody gets the branch.
    root.replica->setClock(wall(root));
    (void)root.replica->ingest(std::vector<Bytes>{second});
    root.dirty = true;
    return;
  }
}

void Sim::sample() {
  schedule(now_ + kSampleEveryMs, [this] { sample(); });
  if (progress_) progress_(now_, workloadOn_ ? "workload" : "converging");
  // Lag: county records authored but not yet committed at the root.
  report_.lagSeries.emplace_back(now_, static_cast<int64_t>(authoredAt_.size()));
}

// ---------------------------------------------------------------- checking

bool Sim::isAncestor(const std::string& a, const std::string& b) const {
  const auto& anc = nodes_.at(b).ancestors;
  return std::find(anc.begin(), anc.end(), a) != anc.end();
}

bool Sim::inScope(const std::string& node, const std::string& feed) const {
  return node == feed || isAncestor(feed, node) || isAncestor(node, feed);
}

Result<bool> Sim::converged() {
  SimNode& root = nodes_.at(order_.front());
  auto rv = root.store->beginRead();
  GOVBUS_ASSIGN_OR_RETURN(auto rootHeads, (*rv)->heads());
  for (const std::string& code : order_) {
    SimNode& n = nodes_.at(code);
    if (!n.up) return false;
    auto nv = n.store->beginRead();
    for (const auto& [feed, head] : rootHeads) {
      if (!inScope(code, feed)) continue;
      GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> h, (*nv)->head(feed));
      if (!h || h->seq != head.seq || h->id != head.id) return false;
    }
  }
  return true;
}

Status Sim::plantStateBugs() {
  if (planted(PlantedBug::kLoseAVerdictUpdate)) {
    // One county's state forgets a void verdict it holds.
    for (const std::string& code : counties_) {
      SimNode& n = nodes_.at(code);
      std::optional<RecordRef> victim;
      auto view = n.store->beginRead();
      GOVBUS_TRY(StateEngine::forEachVoid(**view, [&](const RecordRef& r, VoidReason) {
        victim = r;
        return false;
      }));
      view->reset();
      if (victim) return rewriteDigested(*n.store, verdictStateKey(*victim), std::nullopt);
    }
    return makeError(ErrorCode::kInvalidArgument, "planted bug: no void verdict to lose");
  }
  if (planted(PlantedBug::kAcceptWithoutAuthority)) return plantUnauthorisedAcceptance();
  if (planted(PlantedBug::kMiscountAnOverdueCase)) {
    // The root's summary of one accepted open case says it was accepted 100 days earlier.
    SimNode& root = nodes_.at(order_.front());
    std::optional<CaseSummary> victim;
    auto view = root.store->beginRead();
    GOVBUS_TRY(StateEngine::forEachCase(**view, [&](const CaseSummary& c) {
      if (isOpen(c.status) && c.acceptedAtMs != 0) victim = c;
      return !victim;
    }));
    view->reset();
    if (!victim) return makeError(ErrorCode::kInvalidArgument, "planted bug: no open case");
    victim->acceptedAtMs -= 100 * 86'400'000LL;
    Bytes key(victim->caseId.size() + 2, 0);
    key[0] = 'c';
    std::copy(victim->caseId.begin(), victim->caseId.end(), key.begin() + 1);
    return rewriteDigested(*root.store, key, encodeCaseSummary(*victim));
  }
  return Status::Ok();
}

Status Sim::plantUnauthorisedAcceptance() {
  // A county receives a case for an item it does not hold and accepts it; every node holding the
  // records judges the acceptance valid (its void verdict is dropped), as a core that skipped the
  // authority rule would.
  SimNode& root = nodes_.at(order_.front());
  const AuthorityState& auth = root.replica->engine().authority();
  for (const std::string& code : counties_) {
    SimNode& county = nodes_.at(code);
    for (const CatalogItem& item : catalog_) {
      if (auth.holds(code, item.code, wall(county), Visibility::all()).holds) continue;
      std::string id = code + "-planted";
      CaseEvent received;
      received.caseId = id;
      received.type = CaseEventType::kReceived;
      received.received = CaseReceived{item.code, code, code, Bytes(32, 7), {}, std::nullopt, ""};
      CaseEvent accepted;
      accepted.caseId = id;
      accepted.type = CaseEventType::kAccepted;
      // Signed as the county's next records, past its own refusal.
      std::vector<std::string> seen = county.ancestors;
      FeedAuthor signer(code, 1, *county.key, seen);
      std::vector<Bytes> wire;
      for (const CaseEvent& e : {received, accepted}) {
        GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, county.store->beginRead());
        GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, signer.sign(*view, e, wall(county)));
        view.reset();
        wire.push_back(encodeSignedRecord(sr));
        GOVBUS_TRY(county.replica->ingest(std::vector<Bytes>{wire.back()}));
      }
      RecordRef acceptance{code, 0};
      {
        auto view = county.store->beginRead();
        auto head = (*view)->head(code);
        acceptance.seq = (*head)->seq;
      }
      for (auto& [other, n] : nodes_) {
        if (other != code && !isAncestor(other, code)) continue;
        if (other != code) GOVBUS_TRY(n.replica->ingest(wire));
        GOVBUS_TRY(rewriteDigested(*n.store, verdictStateKey(acceptance), std::nullopt));
      }
      return Status::Ok();
    }
  }
  return makeError(ErrorCode::kInvalidArgument, "planted bug: every county holds every item");
}

Status Sim::checkInvariants() {
  GOVBUS_TRY(plantStateBugs());
  SimNode& root = nodes_.at(order_.front());
  auto add = [&](std::string name, bool pass, std::string figure) {
    report_.invariants.push_back({std::move(name), pass, std::move(figure)});
  };
  // 1. Convergence.
  GOVBUS_ASSIGN_OR_RETURN(bool conv, converged());
  add("1 convergence", conv,
      conv ? std::to_string(order_.size()) + "/" + std::to_string(order_.size()) +
                 " nodes hold the root's records of every feed in scope; converged " +
                 std::to_string(report_.convergeMs) + " ms after faults stopped"
           : "not converged within " + std::to_string(opt_.convergeLimitMs) + " ms");
  // 2. No loss.
  auto rv = root.store->beginRead();
  uint64_t present = 0;
  for (const RecordRef& ref : acknowledged_) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<Hash256> id, (*rv)->recordId(ref.author, ref.seq));
    if (id) ++present;
  }
  add("2 no loss", present == acknowledged_.size(),
      std::to_string(acknowledged_.size()) + " records acknowledged to callers, " +
          std::to_string(present) + " at the root");
  // 3. Integrity.
  uint64_t forgedStored = 0;
  for (const std::string& code : order_) {
    auto nv = nodes_.at(code).store->beginRead();
    GOVBUS_ASSIGN_OR_RETURN(auto heads, (*nv)->heads());
    for (const auto& [feed, head] : heads) {
      for (uint64_t s = 1; s <= head.seq && !forgedIds_.empty(); ++s) {
        GOVBUS_ASSIGN_OR_RETURN(std::optional<Hash256> id, (*nv)->recordId(feed, s));
        if (id && forgedIds_.contains(*id)) ++forgedStored;
      }
    }
  }
  add("3 integrity", report_.forgeriesRejected == report_.forgeriesInjected && forgedStored == 0,
      std::to_string(report_.forgeriesInjected) + " forgeries injected, " +
          std::to_string(report_.forgeriesRejected) + " rejected, " + std::to_string(forgedStored) +
          " stored");
  // 4 and 5 over the stores of the nodes (every node up to kDigestCheckMaxNodes, else a sample),
  // by the checker --procs uses too (testnet/store_checks.h).
  std::vector<std::unique_ptr<FeedReader>> views;
  std::vector<StoreUnderCheck> checked;
  size_t stride = std::max<size_t>(1, order_.size() / kDigestCheckMaxNodes);
  for (size_t i = 0; i < order_.size(); i += stride) {
    GOVBUS_ASSIGN_OR_RETURN(auto v, nodes_.at(order_[i]).store->beginRead());
    checked.push_back(StoreUnderCheck{order_[i], v.get()});
    views.push_back(std::move(v));
  }
  std::vector<SignedCertificate> certs;
  for (const auto& [c, n] : nodes_) certs.push_back(n.certificate);
  GOVBUS_ASSIGN_OR_RETURN(
      Invariant order,
      checkOrderIndependence(
          **rv, root.certificate, std::move(certs), checked,
          [this](const std::string& node, const std::string& feed) { return inScope(node, feed); },
          opt_.seed, order_.size() <= kDigestCheckMaxNodes ? 1 : 0));
  report_.invariants.push_back(std::move(order));
  GOVBUS_ASSIGN_OR_RETURN(
      Invariant authority,
      checkAuthoritySafety(root.code, **rv, checked,
                           [this](const std::string& node, const std::string& feed) {
                             return inScope(node, feed);
                           }));
  report_.invariants.push_back(std::move(authority));
  const AuthorityState& auth = root.replica->engine().authority();
  // 6. Forks reach the root.
  GOVBUS_ASSIGN_OR_RETURN(auto forks, (*rv)->forks());
  bool forkOk = equivocator_.empty() ||
                std::any_of(forks.begin(), forks.end(),
                            [&](const ForkEvidence& f) { return f.author == equivocator_; });
  add("6 forks detected", forkOk,
      equivocator_.empty() ? "no equivocation injected"
                           : "equivocation by " + equivocator_ +
                                 (forkOk ? " detected at the root" : " NOT detected"));
  // 7. Overdue counts add up: the root's board totals equal the sum of its own count and its
  // children's subtrees, and equal the cards recomputed from the root's raw case records by the
  // separate reference (testnet/reference.h), not from the case summaries the board reads.
  int64_t rootWall = wall(root);
  GOVBUS_ASSIGN_OR_RETURN(SupervisionView board, supervisionView(**rv, auth, root.code, rootWall));
  CardCounts sum = board.own[root.code];
  size_t children = 0;
  for (const std::string& code : order_) {
    if (nodes_.at(code).parent != root.code) continue;
    ++children;
    if (auto it = board.subtree.find(code); it != board.subtree.end()) sum += it->second;
  }
  report_.rootBoard = board.total();
  GOVBUS_ASSIGN_OR_RETURN(Reference reference, Reference::build(**rv, root.code));
  GOVBUS_ASSIGN_OR_RETURN(Reference::Cards recomputed, reference.cards(**rv, rootWall));
  const CardCounts& t = board.total();
  Reference::Cards shown{t.open, t.green, t.yellow, t.red};
  add("7 overdue sums", sum == t && shown == recomputed,
      std::to_string(t.red) + " red, " + std::to_string(t.yellow) + " yellow, " +
          std::to_string(t.open) + " open at the root = its own + " + std::to_string(children) +
          " child subtrees" + (sum == t ? "" : " (NOT: the sum differs)") +
          "; recomputed from raw records: " + std::to_string(recomputed.red) + " red, " +
          std::to_string(recomputed.yellow) + " yellow, " + std::to_string(recomputed.green) +
          " green, " + std::to_string(recomputed.open) + " open");
  GOVBUS_ASSIGN_OR_RETURN(Invariant witnessed, checkWitnessedTime(**rv));
  report_.invariants.push_back(std::move(witnessed));
  GOVBUS_TRY(StateEngine::forEachVoid(**rv, [&](const RecordRef&, VoidReason r) {
    ++report_.voidsByReason[std::string(voidReasonName(r))];
    return true;
  }));
  GOVBUS_ASSIGN_OR_RETURN(Hash256 digest, root.replica->digest());
  report_.rootDigest = toHex(digest);
  return Status::Ok();
}

// 8. Witnessed time: every decision of the backdating county is flagged at the root, and its case
// ends at the decision's witnessed time. The witness is recomputed here from the raw Witness
// records of the county's ancestors, not with the index the state engine uses.
Result<Invariant> Sim::checkWitnessedTime(FeedReader& root) {
  Invariant inv{"8 witnessed time", true, ""};
  if (backdater_.empty()) {
    inv.figure = "no backdating county in this run";
    return inv;
  }
  const SimNode& county = nodes_.at(backdater_);
  // (feed seq → earliest witness) from every Witness record by the county's ancestors.
  std::vector<std::pair<uint64_t, int64_t>> statements;
  for (const std::string& ancestor : county.ancestors) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> head, root.head(ancestor));
    for (uint64_t seq = 1; head && seq <= head->seq; ++seq) {
      GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, root.record(ancestor, seq));
      if (!raw) continue;
      GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*raw));
      GOVBUS_ASSIGN_OR_RETURN(Record r, decodeRecordBody(sr.body));
      const auto* w = std::get_if<Witness>(&r.payload);
      if (!w) continue;
      for (const FrontierEntry& e : w->feeds) {
        if (e.author == backdater_) statements.emplace_back(e.seq, r.envelope.wallTimeMs);
      }
    }
  }
  auto witnessOf = [&](uint64_t seq) {
    int64_t best = 0;
    for (const auto& [covered, at] : statements) {
      if (covered >= seq && (best == 0 || at < best)) best = at;
    }
    return best;
  };
  uint64_t decisions = 0, flagged = 0, wrong = 0;
  std::map<std::string, std::pair<uint64_t, int64_t>> lastDecision;  // case → (seq, expected end)
  GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> head, root.head(backdater_));
  for (uint64_t seq = 1; head && seq <= head->seq; ++seq) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, root.record(backdater_, seq));
    if (!raw) continue;
    GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*raw));
    GOVBUS_ASSIGN_OR_RETURN(Record r, decodeRecordBody(sr.body));
    const auto* e = std::get_if<CaseEvent>(&r.payload);
    if (!e || (e->type != CaseEventType::kApproved && e->type != CaseEventType::kDenied)) continue;
    GOVBUS_ASSIGN_OR_RETURN(VoidReason v, StateEngine::verdict(root, RecordRef{backdater_, seq}));
    if (v != VoidReason::kNone) continue;
    ++decisions;
    const int64_t witnessed = witnessOf(seq), claimed = r.envelope.wallTimeMs;
    const bool late = witnessed != 0 && witnessed - claimed > kSimWitnessToleranceMs;
    GOVBUS_ASSIGN_OR_RETURN(std::optional<CaseSummary> c,
                            StateEngine::caseSummary(root, e->caseId));
    if (!c) continue;
    const bool isFlagged =
        std::any_of(c->flaggedTimes.begin(), c->flaggedTimes.end(), [&](const FlaggedTime& f) {
          return f.ref == RecordRef{backdater_, seq} && f.witnessedMs == witnessed;
        });
    if (late) flagged += isFlagged;
    if (late != isFlagged) ++wrong;
    lastDecision[e->caseId] = {seq, late ? witnessed : claimed};
  }
  uint64_t ends = 0;
  for (const auto& [caseId, decision] : lastDecision) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<CaseSummary> c, StateEngine::caseSummary(root, caseId));
    if (!c || (c->status != CaseStatus::kApproved && c->status != CaseStatus::kDenied &&
               c->status != CaseStatus::kClosed))
      continue;
    ++ends;
    if (c->endedAtMs != decision.second) ++wrong;
  }
  inv.pass = wrong == 0 && flagged > 0;
  inv.figure = std::to_string(decisions) + " decisions by the backdating county " + backdater_ +
               ", " + std::to_string(flagged) + " flagged at the root as reported late, " +
               std::to_string(ends) + " cases ending at their witnessed time, " +
               std::to_string(wrong) + " wrong";
  return inv;
}

Result<SimReport> Sim::run() {
  if (opt_.bug != PlantedBug::kNone && !kPlantedBugs) {
    return makeError(ErrorCode::kInvalidArgument,
                     "planted bugs are compiled only into the test build of the simulator");
  }
  report_.topology = topo_.name;
  report_.seed = opt_.seed;
  report_.nodes = topo_.nodes.size();
  GOVBUS_TRY(buildNodes());
  GOVBUS_TRY(enrolAndPublish());
  // Cities re-delegate the province's item once they hold it; simplest honest way: a little later.
  schedule(5000, [this] {
    for (const RecordRef& d : cityDelegations_) {
      const std::string& city =
          std::get<Delegation>(
              nodes_.at(order_.front()).replica->engine().authority().find(d)->payload)
              .grantee;
      SimNode& c = nodes_.at(city);
      for (const std::string& county : counties_) {
        if (nodes_.at(county).parent != city || !c.up) continue;
        Delegation r{std::get<Delegation>(
                         nodes_.at(order_.front()).replica->engine().authority().find(d)->payload)
                         .item,
                     county,
                     DelegationScope::kNode,
                     DelegationMode::kDevolve,
                     false,
                     kEpochMs,
                     0,
                     d};
        auto ref = c.replica->author(r, wall(c));
        if (ref) {
          acknowledged_.insert(*ref);
          ++report_.recordsAuthored;
          c.dirty = true;
        }
        break;
      }
    }
  });
  schedule(0, [this] { tick(); });
  schedule(0, [this] { sample(); });
  schedule(1000, [this] { newCase(); });
  schedule(3000, [this] { issueOrder(); });
  schedule(4000, [this] { fileComplaint(); });
  schedule(opt_.workloadMs / 3, [this] { revokeOne(); });
  if (opt_.faults.crashes) schedule(6000, [this] { crashOne(); });
  if (opt_.faults.partitions) schedule(7000, [this] { partitionOne(); });
  if (opt_.faults.forgeries) schedule(2000, [this] { forge(); });
  if (opt_.faults.equivocation) schedule(opt_.workloadMs / 2, [this] { equivocate(); });
  schedule(opt_.workloadMs, [this] {
    // Faults stop: heal every partition, restart every node, no more drops.
    faultsOn_ = false;
    workloadOn_ = false;
    note("faults-stop", "");
    for (auto& [code, cut] : cut_) cut = false;
  });

  int64_t end = opt_.workloadMs + opt_.convergeLimitMs;
  int64_t nextCheck = opt_.workloadMs;
  while (!queue_.empty()) {
    Event e = queue_.top();
    queue_.pop();
    if (e.at > end) break;
    now_ = e.at;
    e.run();
    if (!workloadOn_ && now_ >= nextCheck) {
      nextCheck = now_ + 250;
      bool allUp =
          std::all_of(nodes_.begin(), nodes_.end(), [](const auto& p) { return p.second.up; });
      if (allUp) {
        GOVBUS_ASSIGN_OR_RETURN(bool done, converged());
        if (done) {
          report_.convergeMs = now_ - opt_.workloadMs;
          break;
        }
      }
    }
  }
  report_.simulatedMs = now_;
  std::sort(latencies_.begin(), latencies_.end());
  auto pct = [&](double p) {
    return latencies_.empty() ? int64_t{0}
                              : latencies_[std::min(latencies_.size() - 1,
                                                    static_cast<size_t>(p * latencies_.size()))];
  };
  report_.latencyP50Ms = pct(0.50);
  report_.latencyP90Ms = pct(0.90);
  report_.latencyP99Ms = pct(0.99);
  GOVBUS_TRY(checkInvariants());
  Hash256 root = *nodes_.at(order_.front()).replica->digest();
  fp_.update(root);
  report_.fingerprint = toHex(fp_.finish()).substr(0, 32);
  return report_;
}

}  // namespace

FaultOptions FaultOptions::all() {
  FaultOptions f;
  f.crashes = f.partitions = f.forgeries = f.equivocation = f.clockSkew = f.backdating = true;
  f.dropRate = 0.01;
  f.duplicateRate = 0.02;
  return f;
}

bool plantedBugsCompiled() { return kPlantedBugs; }

bool SimReport::allPass() const {
  return !invariants.empty() && std::all_of(invariants.begin(), invariants.end(),
                                            [](const Invariant& i) { return i.pass; });
}

Result<SimReport> runSimulation(const Topology& topology, const SimOptions& options,
                                const ProgressFn& progress) {
  Sim sim(topology, options, progress);
  return sim.run();
}

}  // namespace govbus::testnet
