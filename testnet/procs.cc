#include "testnet/procs.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "admin/catalog_file.h"
#include "crypto/hash.h"
#include "node/chain_file.h"
#include "node/lmdb_store.h"
#include "node/node_config.h"
#include "protocol/division_code.h"
#include "sync/state_engine.h"
#include "sync/working_days.h"
#include "testnet/procs_node.h"
#include "testnet/procs_proxy.h"
#include "testnet/procs_rogue.h"
#include "testnet/store_checks.h"

namespace govbus::testnet {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Sync timings of every testnet node: failure detection and fallback take about two seconds (the
// defaults suit a WAN and take half a minute). A peer timeout of two seconds is generous enough for
// seven nodes on a loaded two-core machine.
constexpr int64_t kHeartbeatMs = 250;
constexpr int64_t kPeerTimeoutMs = 2000;
constexpr int64_t kFallbackAfterMs = 2000;
constexpr int64_t kParentProbeMs = 1000;
constexpr int64_t kMapSizeMb = 1024;
constexpr size_t kMaxProcsNodes = 40;

constexpr auto kHealthyTimeout = 30s;
constexpr auto kSetupConvergeTimeout = 60s;
constexpr auto kReadTimeout = 5s;
constexpr auto kWriteTimeout = 15s;  // longer than any pause, so a paused node's write completes
constexpr auto kStopGrace = 20s;
constexpr int64_t kLagSampleMs = 500;
constexpr int64_t kStepRetryMs = 1000;
constexpr int kMaxStepRetries = 30;
constexpr int kMaxUnexpectedRestarts = 3;
// While the rogue runs, kill -9 and pauses spare the province and the rogue's parent, so that its
// equivocation reaches both (it waits up to RoguePlan::propagateLimit, usually a second or two).
constexpr int64_t kRogueWindowMs = 12'000;
constexpr int64_t kItemRefreshMs = 3000;
constexpr int kReplayShuffles = 3;

uint64_t seedFor(uint64_t seed, std::string_view what) {
  Blake2bHasher h;
  h.updateU64(seed);
  h.updateField(asBytes(what));
  Hash256 d = h.finish();
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d[static_cast<size_t>(i)];
  return v;
}

// One Prometheus sample's value from /metrics text (0 when absent).
uint64_t metricValue(const std::string& text, const std::string& sample) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(sample + " ", 0) == 0) return std::stoull(line.substr(sample.size() + 1));
  }
  return 0;
}

// What a node counted as rejected between two scrapes of its /metrics, in the rogue's categories.
struct Rejections {
  uint64_t malformed = 0, framing = 0, badSignature = 0, unknownSigner = 0;
};

Rejections rejectedBetween(const std::string& before, const std::string& after) {
  auto delta = [&](const std::string& sample) {
    uint64_t a = metricValue(after, sample), b = metricValue(before, sample);
    return a > b ? a - b : 0;
  };
  return Rejections{delta("govbus_frames_rejected_total{reason=\"malformed\"}"),
                    delta("govbus_frames_rejected_total{reason=\"framing\"}"),
                    delta("govbus_records_rejected_total{reason=\"bad_signature\"}"),
                    delta("govbus_records_rejected_total{reason=\"unknown_signer\"}")};
}

// How many of what the rogue sent were counted as rejected (at most what it sent per category).
uint64_t rejectedOf(const RogueResult& g, const Rejections& d) {
  return std::min(g.garbage, d.malformed) + std::min(g.framing, d.framing) +
         std::min(g.badSignature, d.badSignature) + std::min(g.unknownSigner, d.unknownSigner);
}

std::string describeRejections(const RogueResult& g, const Rejections& d) {
  return "malformed " + std::to_string(d.malformed) + "/" + std::to_string(g.garbage) +
         ", framing " + std::to_string(d.framing) + "/" + std::to_string(g.framing) +
         ", bad_signature " + std::to_string(d.badSignature) + "/" +
         std::to_string(g.badSignature) + ", unknown_signer " + std::to_string(d.unknownSigner) +
         "/" + std::to_string(g.unknownSigner);
}

CardCounts cardsFromJson(const Json& j) {
  CardCounts c;
  if (!j.is_object()) return c;
  c.open = j.value("open", uint64_t{0});
  c.green = j.value("green", uint64_t{0});
  c.yellow = j.value("yellow", uint64_t{0});
  c.red = j.value("red", uint64_t{0});
  c.pastLegal = j.value("past_legal", uint64_t{0});
  c.authorityConflicts = j.value("authority_conflicts", uint64_t{0});
  c.halted = j.value("halted", uint64_t{0});
  c.openComplaints = j.value("open_complaints", uint64_t{0});
  return c;
}

struct FeedHead {
  uint64_t seq = 0;
  std::string id;
  friend bool operator==(const FeedHead&, const FeedHead&) = default;
};
using Heads = std::map<std::string, FeedHead>;

Result<Heads> headsOf(const ProcNode& n) {
  HttpReply r = n.get("/v1/feeds", kReadTimeout);
  if (r.status != 200 || !r.body.is_object() || !r.body["feeds"].is_object()) {
    return makeError(ErrorCode::kIo,
                     "GET /v1/feeds on " + n.code() + ": " +
                         (r.status == 0 ? r.text : "HTTP " + std::to_string(r.status)));
  }
  Heads h;
  for (auto it = r.body["feeds"].begin(); it != r.body["feeds"].end(); ++it) {
    h[it.key()] = FeedHead{it.value().value("seq", uint64_t{0}), it.value().value("id", "")};
  }
  return h;
}

struct Slot {
  TopologyNode node;
  std::vector<std::string> ancestors;  // root first, parent last
  bool hasChildren = false;
  bool isCounty = false;
  uint16_t apiPort = 0;
  uint16_t listenPort = 0;  // 0: no children, no listen socket
  // The link proxies this node dials instead of its upstreams: parent first, then grandparent.
  std::vector<uint16_t> upstreamProxyPorts;
  std::unique_ptr<ProcNode> proc;
  bool downByUs = false;  // killed by a fault, restart pending
  int unexpectedExits = 0;
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(listenPort); }
};

struct CatalogRow {
  std::string code;
  std::vector<std::string> materials;
};

struct PlannedFault {
  int64_t atMs = 0, forMs = 0;
  std::string kind;  // "kill -9", "SIGSTOP", "link cut", "partition", "forgeries"
  std::string node;  // for a partition, the root of the subtree cut off
  bool started = false, ended = false;
  std::vector<std::string> links;  // link proxies cut
  size_t span = 0;                 // index into the report's faults
};

struct Acked {
  RecordRef ref;
  std::string caseId;  // empty for records that are not part of a case
};

// County records acknowledged by their API and not yet seen at the province; latencies of those
// seen. Fed by the workload threads, drained by the poller.
class LatencyBook {
 public:
  void acked(const std::string& county, uint64_t seq, int64_t atMs) {
    std::lock_guard lock(mu_);
    pending_[county].emplace(seq, atMs);
  }
  void observe(const Heads& province, int64_t atMs) {
    std::lock_guard lock(mu_);
    for (auto& [county, bySeq] : pending_) {
      auto h = province.find(county);
      if (h == province.end()) continue;
      auto end = bySeq.upper_bound(h->second.seq);
      for (auto it = bySeq.begin(); it != end; ++it) {
        int64_t latency = std::max<int64_t>(0, atMs - it->second);
        latencies_.push_back(latency);
        series_.emplace_back(atMs, latency);
      }
      bySeq.erase(bySeq.begin(), end);
    }
  }
  int64_t behind() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [county, bySeq] : pending_) n += bySeq.size();
    return static_cast<int64_t>(n);
  }
  std::vector<int64_t> latencies() const {
    std::lock_guard lock(mu_);
    return latencies_;
  }
  std::vector<std::pair<int64_t, int64_t>> series() const {
    std::lock_guard lock(mu_);
    return series_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<uint64_t, int64_t>> pending_;
  std::vector<int64_t> latencies_;
  std::vector<std::pair<int64_t, int64_t>> series_;
};

struct CaseRun {
  std::string id, item;
  std::vector<std::string> steps;  // event types, "received" first
  std::vector<std::string> materials;
  size_t next = 0;
  int retries = 0;
  bool uncertain = false;  // the last attempt may have been committed: read the case back first
  int64_t dueMs = 0;
};

class Procs {
 public:
  Procs(const Topology& topology, const ProcsOptions& options, const ProgressFn& progress)
      : topo_(topology), opt_(options), progress_(progress) {}
  ~Procs();
  Result<SimReport> run();

 private:
  int64_t ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t0_).count();
  }
  void say(const std::string& line) {
    if (progress_) progress_(started_ ? ms() : 0, line.c_str());
  }
  Slot& slot(const std::string& code) { return slots_.at(index_.at(code)); }
  const Slot& root() const { return slots_.front(); }
  bool isAncestor(const std::string& a, const std::string& b) const;
  bool inScope(const std::string& node, const std::string& feed) const;
  // A feed of the network: a node's, or the rogue's (its own records: the equivocation).
  bool knownFeed(const std::string& feed) const {
    return index_.contains(feed) || (!rogueCode_.empty() && feed == rogueCode_);
  }
  bool inSubtree(const std::string& node, const std::string& top) const {
    return node == top || isAncestor(top, node);
  }
  // The link proxies a partition of the subtree under `top` cuts: every link from inside to out.
  std::vector<std::string> linksOutOf(const std::string& top) const;

  // --- setup ---
  Status setUp();
  Result<std::string> admin(const std::vector<std::string>& args);
  Status initNode(Slot& s);
  Status editConfig(const Slot& s);
  Status startAndWait(Slot& s);
  Status enroll(const std::string& childCode, const fs::path& childDir, const std::string& name,
                const Slot& parent);
  Status setUpRogue();
  Status publishCatalogAndDelegation();
  Status waitConverged(std::chrono::milliseconds limit, const char* what);
  Status chooseCountyItems();

  // --- workload, faults, measurement ---
  void countyWorker(size_t county);
  bool caseStep(Slot& county, CaseRun& c, std::mt19937_64& rng);
  void oversightWorker();
  void authorityWorker();
  // The catalog items `county` handles now, by its own authority state (nullopt when it did not
  // answer).
  std::optional<std::vector<CatalogRow>> handledItems(const Slot& county);
  void poller();
  void planFaults();
  void applyFaults();
  void endFault(PlannedFault& f);
  void reapUnexpected();
  // Lag: county records acknowledged and not yet seen at the province. Sampled by the main thread,
  // so the line keeps moving while the province is paused and its poll hangs.
  void sampleLag() {
    if (ms() < nextLagMs_) return;
    nextLagMs_ = ms() + kLagSampleMs;
    lag_.emplace_back(ms(), latency_.behind());
  }
  void rogueThread(std::string victim);
  void noteAck(const RecordRef& ref, const std::string& caseId, bool county);
  void noteFailure(const HttpReply& r) {
    if (r.status >= 400 && r.status < 500)
      ++refused_;
    else
      ++unanswered_;
  }

  // --- checks ---
  Result<std::string> divergence();
  Status checkInvariants();
  void stopNodes();
  // Invariants 3 (forks), 4, 5 and 6 from every node's LMDB store, read after the nodes stopped.
  Status checkStores();

  const Topology& topo_;
  ProcsOptions opt_;
  ProgressFn progress_;
  fs::path nodeBin_, adminBin_;
  fs::path dir_;
  bool ownDir_ = false;
  std::vector<Slot> slots_;
  std::map<std::string, size_t> index_;
  std::vector<std::string> counties_, cities_;
  std::vector<CatalogRow> catalog_;
  std::map<std::string, std::vector<CatalogRow>> countyItems_;
  std::string delegatedItem_, delegatedTo_;
  std::optional<RecordRef> setupDelegation_;
  std::set<std::string> cityLevel_;  // delegable city-level items of the catalog

  SteadyClock::time_point t0_;
  bool started_ = false;
  std::atomic<bool> stopWork_{false}, stopPoll_{false};
  std::vector<std::thread> threads_;
  std::thread poller_, rogue_;
  std::vector<PlannedFault> faults_;
  struct ProxyLink {
    std::string name, child, upstream;
  };
  LinkProxy proxy_;
  std::vector<ProxyLink> links_;

  std::mutex mu_;  // guards acked_, casesKnown_
  std::vector<Acked> acked_;
  std::vector<std::pair<std::string, std::string>> casesKnown_;  // (case id, county)
  LatencyBook latency_;
  std::atomic<uint64_t> cases_{0}, unanswered_{0}, refused_{0};
  std::vector<std::pair<int64_t, int64_t>> lag_;
  int64_t nextLagMs_ = 0;
  std::vector<std::string> authorityNotes_;  // guarded by mu_
  std::atomic<uint64_t> delegations_{0}, revocations_{0};

  // The rogue (invariant 3).
  std::string rogueCode_, strangerCode_;
  std::vector<std::string> rogueAncestors_;  // root first, the rogue's parent last
  std::atomic<bool> rogueDone_{false};
  std::atomic<int64_t> rogueEndMs_{0};
  std::optional<Result<RogueResult>> rogueResult_;
  std::string provinceMetricsBefore_;
  // Invariant 3 as seen through the APIs while the nodes ran; completed by checkStores.
  bool integrityApiPass_ = true;
  std::string integrityFigure_;

  SimReport report_;
};

Procs::~Procs() {
  stopWork_ = true;
  stopPoll_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (poller_.joinable()) poller_.join();
  if (rogue_.joinable()) rogue_.join();
  slots_.clear();  // kill -9 whatever still runs, before its directory goes
  if (ownDir_ && !opt_.keep && !dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

bool Procs::isAncestor(const std::string& a, const std::string& b) const {
  const std::vector<std::string>* anc = nullptr;
  if (auto it = index_.find(b); it != index_.end()) {
    anc = &slots_[it->second].ancestors;
  } else if (!rogueCode_.empty() && b == rogueCode_) {
    anc = &rogueAncestors_;
  } else {
    return false;
  }
  return std::find(anc->begin(), anc->end(), a) != anc->end();
}

std::vector<std::string> Procs::linksOutOf(const std::string& top) const {
  std::vector<std::string> out;
  for (const ProxyLink& l : links_) {
    if (inSubtree(l.child, top) && !inSubtree(l.upstream, top)) out.push_back(l.name);
  }
  return out;
}

bool Procs::inScope(const std::string& node, const std::string& feed) const {
  return node == feed || isAncestor(feed, node) || isAncestor(node, feed);
}

// ------------------------------------------------------------------------------------- setup

Result<std::string> Procs::admin(const std::vector<std::string>& args) {
  return runAdmin(adminBin_, args, dir_ / "admin.out");
}

Status Procs::initNode(Slot& s) {
  LoopbackNodeSpec spec{s.node.code, dir_ / s.node.code, s.apiPort, "", ""};
  if (s.listenPort != 0) spec.listenEndpoint = s.endpoint();
  if (!s.node.parent.empty())
    spec.parentEndpoint = "tcp://127.0.0.1:" + std::to_string(s.upstreamProxyPorts.at(0));
  GOVBUS_ASSIGN_OR_RETURN(s.proc, initLoopbackNode(adminBin_, spec, dir_ / "admin.out"));
  return editConfig(s);
}

// What an operator may edit after `govbus-admin init`: the grandparent as a fallback upstream,
// shorter sync timings, a smaller LMDB map.
Status Procs::editConfig(const Slot& s) {
  const fs::path file = s.proc->configFile();
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return makeError(ErrorCode::kMalformed, "cannot read the config govbus-admin init wrote (" +
                                                file.string() +
                                                "): " + std::string(e.description()));
  }
  if (!s.node.parent.empty()) {
    // Plain endpoints: the node takes them as parent, grandparent, … in order. Each goes through
    // a link proxy of the testnet, so that faults can cut it.
    toml::array ups;
    for (uint16_t port : s.upstreamProxyPorts)
      ups.push_back("tcp://127.0.0.1:" + std::to_string(port));
    t.insert_or_assign("upstreams", std::move(ups));
  }
  t.insert_or_assign("sync", toml::table{{"heartbeat_ms", kHeartbeatMs},
                                         {"peer_timeout_ms", kPeerTimeoutMs},
                                         {"fallback_after_ms", kFallbackAfterMs},
                                         {"parent_probe_ms", kParentProbeMs}});
  if (toml::table* store = t["store"].as_table()) {
    store->insert_or_assign("map_size_mb", kMapSizeMb);
  } else {
    t.insert_or_assign("store", toml::table{{"map_size_mb", kMapSizeMb}});
  }
  std::ofstream out(file, std::ios::trunc);
  out << "# Written by govbus-admin init; upstreams, [sync] and [store] edited by govbus-testnet "
         "--procs.\n"
      << t << "\n";
  if (!out) return makeError(ErrorCode::kIo, "cannot write " + file.string());
  return Status::Ok();
}

Status Procs::startAndWait(Slot& s) {
  say("setup: starting " + s.node.code + " " + s.node.name);
  return startHealthy(*s.proc, nodeBin_, kHealthyTimeout);
}

Status Procs::enroll(const std::string& childCode, const fs::path& childDir,
                     const std::string& name, const Slot& parent) {
  say("setup: enrolling " + childCode + " through " + parent.node.code + "'s API");
  GOVBUS_ASSIGN_OR_RETURN(std::string key, admin({"pubkey", "--dir", childDir.string()}));
  auto before = headsOf(*parent.proc);
  if (!before) return before.error();
  GOVBUS_TRY(admin({"enroll", "--child-key", key, "--code", childCode, "--name", name,
                    "--parent-dir", parent.proc->dir().string(), "--out", childDir.string()}));
  // The certificate must have been published as a record of the parent (the parent runs).
  auto after = headsOf(*parent.proc);
  if (!after) return after.error();
  if ((*after)[parent.node.code].seq <= (*before)[parent.node.code].seq) {
    return makeError(ErrorCode::kIo, "govbus-admin enroll of " + childCode +
                                         " did not publish its certificate through " +
                                         parent.node.code + "'s API");
  }
  return Status::Ok();
}

// An extra county enrolled under the first city and never started: the key and certificate the
// rogue uses. Its code and a code nobody enrolls are picked among the city's unused codes.
Status Procs::setUpRogue() {
  const Slot& city = slot(cities_.front());
  std::vector<std::string> free;
  for (int n = 99; n >= 90 && free.size() < 2; --n) {
    std::string code = city.node.code.substr(0, 4) + std::to_string(n);
    if (!index_.contains(code)) free.push_back(code);
  }
  if (free.size() < 2) return makeError(ErrorCode::kInvalidArgument, "no free code for the rogue");
  rogueCode_ = free[0];
  strangerCode_ = free[1];
  rogueAncestors_ = city.ancestors;
  rogueAncestors_.push_back(city.node.code);
  GOVBUS_ASSIGN_OR_RETURN(uint16_t port, freeLoopbackPort());
  const fs::path dir = dir_ / ("rogue-" + rogueCode_);
  GOVBUS_TRY(admin({"init", "--code", rogueCode_, "--dir", dir.string(), "--api",
                    "127.0.0.1:" + std::to_string(port), "--parent-endpoint", city.endpoint()}));
  return enroll(rogueCode_, dir, "rogue " + rogueCode_, city);
}

Status Procs::publishCatalogAndDelegation() {
  say("setup: the province publishes the catalog and a delegation");
  const fs::path file = opt_.dataDir / "sample-catalog.csv";
  auto catalog = admin::readCatalogFile(file);
  if (!catalog) {
    return makeError(ErrorCode::kIo, catalog.error().message +
                                         " (pass --data DIR pointing at the repository's data/)");
  }
  if (!catalog->ok()) {
    return makeError(ErrorCode::kInvalidArgument,
                     file.string() + ": " + catalog->problems.front().rule);
  }
  Json items = Json::array();
  std::string provinceItem;
  for (const admin::CatalogRow& row : catalog->rows) {
    const CatalogItem& c = row.item;
    const std::string level(levelNameFromDepth(c.statutoryDepth));
    items.push_back(Json{{"code", c.code},
                         {"name", c.name},
                         {"level", level},
                         {"legal_days", c.legalDays},
                         {"promised_days", c.promisedDays},
                         {"delegable", c.delegable},
                         {"materials", c.materials},
                         {"limit_unit", limitUnitName(c.limitUnit)}});
    catalog_.push_back(CatalogRow{c.code, c.materials});
    if (provinceItem.empty() && level == "province" && c.delegable) provinceItem = c.code;
    if (level == "city" && c.delegable) cityLevel_.insert(c.code);
  }
  HttpReply c = root().proc->post("/v1/catalog", Json{{"items", items}}, kWriteTimeout);
  if (c.status != 201) return makeError(ErrorCode::kIo, "POST /v1/catalog: " + c.text);
  for (const Json& ref : c.body.value("records", Json::array())) {
    noteAck(RecordRef{ref.value("author", ""), ref.value("seq", uint64_t{0})}, "", false);
  }
  // 强县扩权: the province devolves a province-level item to the first city and everything below.
  auto depth = DivisionCode::parse(root().node.code);
  if (provinceItem.empty() || cities_.empty() || !depth || depth->depth() != 1) return Status::Ok();
  delegatedItem_ = provinceItem;
  delegatedTo_ = cities_.front();
  HttpReply d = root().proc->post("/v1/delegations",
                                  Json{{"item", delegatedItem_},
                                       {"grantee", delegatedTo_},
                                       {"scope", "subtree"},
                                       {"mode", "devolve"},
                                       {"may_redelegate", false}},
                                  kWriteTimeout);
  if (d.status != 201) return makeError(ErrorCode::kIo, "POST /v1/delegations: " + d.text);
  setupDelegation_ = RecordRef{d.body.value("author", ""), d.body.value("seq", uint64_t{0})};
  noteAck(*setupDelegation_, "", false);
  return Status::Ok();
}

Status Procs::waitConverged(std::chrono::milliseconds limit, const char* what) {
  const auto until = SteadyClock::now() + limit;
  std::string last;
  while (SteadyClock::now() < until) {
    auto d = divergence();
    if (d && d->empty()) return Status::Ok();
    last = d ? *d : d.error().message;
    std::this_thread::sleep_for(200ms);
  }
  return makeError(ErrorCode::kIo, std::string(what) + ": the nodes did not converge within " +
                                       std::to_string(limit.count() / 1000) + " s (" + last + ")");
}

// Each county handles, by the nearest-holder rule, the county-level items and whatever was
// delegated to it; the workload files cases only for those, so each county runs its cases alone.
// The counties ask again every kItemRefreshMs during the workload, as delegations come and go.
std::optional<std::vector<CatalogRow>> Procs::handledItems(const Slot& county) {
  std::vector<CatalogRow> items;
  for (const CatalogRow& item : catalog_) {
    HttpReply r = county.proc->get(
        "/v1/authority?item=" + item.code + "&region=" + county.node.code, kReadTimeout);
    if (r.status != 200) return std::nullopt;
    if (r.body.value("handler", "") == county.node.code) items.push_back(item);
  }
  return items;
}

Status Procs::chooseCountyItems() {
  for (const std::string& county : counties_) {
    auto items = handledItems(slot(county));
    if (!items) return makeError(ErrorCode::kIo, "GET /v1/authority on " + county + " failed");
    if (items->empty()) {
      HttpReply why = slot(county).proc->get(
          "/v1/authority?item=" + catalog_.front().code + "&region=" + county, kReadTimeout);
      return makeError(ErrorCode::kInvalidArgument,
                       "county " + county + " handles no item of the sample catalog (" +
                           catalog_.front().code + ": " + why.text + ")");
    }
    countyItems_[county] = std::move(*items);
  }
  return Status::Ok();
}

Status Procs::setUp() {
  if (topo_.nodes.size() > kMaxProcsNodes) {
    return makeError(ErrorCode::kInvalidArgument,
                     "--procs runs one govbus-node process per node; topology " + topo_.name +
                         " has " + std::to_string(topo_.nodes.size()) + " nodes (at most " +
                         std::to_string(kMaxProcsNodes) + "; use --sim for larger networks)");
  }
  nodeBin_ = opt_.binDir / "govbus-node";
  adminBin_ = opt_.binDir / "govbus-admin";
  for (const fs::path& b : {nodeBin_, adminBin_}) {
    if (::access(b.c_str(), X_OK) != 0) {
      return makeError(
          ErrorCode::kNotFound,
          "cannot run " + b.string() + " (build govbus-node and govbus-admin, or pass --bin-dir)");
    }
  }
  if (opt_.workDir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "govbus-testnet-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      return makeError(ErrorCode::kIo,
                       "cannot create a directory under " + fs::temp_directory_path().string());
    dir_ = tmpl;
    ownDir_ = true;
  } else {
    dir_ = opt_.workDir;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec)
      return makeError(ErrorCode::kIo, "cannot create " + dir_.string() + ": " + ec.message());
    if (!fs::is_empty(dir_, ec))
      return makeError(ErrorCode::kInvalidArgument, dir_.string() + " is not empty");
  }

  int leafDepth = 0;
  for (const TopologyNode& t : topo_.nodes)
    leafDepth = std::max(leafDepth, DivisionCode::parse(t.code)->depth());
  for (const TopologyNode& t : topo_.nodes) {
    Slot s;
    s.node = t;
    if (!t.parent.empty()) {
      const Slot& p = slots_.at(index_.at(t.parent));
      s.ancestors = p.ancestors;
      s.ancestors.push_back(p.node.code);
    }
    int depth = DivisionCode::parse(t.code)->depth();
    s.isCounty = depth == leafDepth && !t.parent.empty();
    if (s.isCounty) counties_.push_back(t.code);
    if (!t.parent.empty() && depth == leafDepth - 1) cities_.push_back(t.code);
    index_[t.code] = slots_.size();
    slots_.push_back(std::move(s));
  }
  for (Slot& s : slots_) {
    if (!s.node.parent.empty()) slot(s.node.parent).hasChildren = true;
  }
  for (Slot& s : slots_) {
    GOVBUS_ASSIGN_OR_RETURN(s.apiPort, freeLoopbackPort());
    if (s.hasChildren) {
      GOVBUS_ASSIGN_OR_RETURN(s.listenPort, freeLoopbackPort());
    }
  }
  // A link proxy on each link a node dials: to its parent, and to its grandparent (the fallback).
  for (Slot& s : slots_) {
    for (auto it = s.ancestors.rbegin();
         it != s.ancestors.rend() && s.upstreamProxyPorts.size() < 2; ++it) {
      const std::string name = s.node.code + ">" + *it;
      GOVBUS_ASSIGN_OR_RETURN(uint16_t port, proxy_.add(name, slot(*it).listenPort));
      s.upstreamProxyPorts.push_back(port);
      links_.push_back(ProxyLink{name, s.node.code, *it});
    }
  }
  GOVBUS_TRY(proxy_.start());
  if (counties_.empty())
    return makeError(ErrorCode::kInvalidArgument, "the topology has no county");

  for (Slot& s : slots_) {
    say("setup: govbus-admin init " + s.node.code);
    GOVBUS_TRY(initNode(s));
  }
  Slot& r = slots_.front();
  GOVBUS_TRY(admin({"anchor", "--code", r.node.code, "--name", r.node.name, "--key",
                    (r.proc->dir() / "node.key").string(), "--out",
                    (r.proc->dir() / "anchor.cert").string()}));
  GOVBUS_TRY(startAndWait(r));
  for (size_t i = 1; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    GOVBUS_TRY(enroll(s.node.code, s.proc->dir(), s.node.name, slot(s.node.parent)));
    GOVBUS_TRY(startAndWait(s));
  }
  if (opt_.faults && !cities_.empty()) GOVBUS_TRY(setUpRogue());
  GOVBUS_TRY(publishCatalogAndDelegation());
  say("setup: waiting until every node holds every feed in its scope");
  GOVBUS_TRY(waitConverged(kSetupConvergeTimeout, "setup"));
  return chooseCountyItems();
}

// ----------------------------------------------------------------- workload and measurement

void Procs::noteAck(const RecordRef& ref, const std::string& caseId, bool county) {
  if (county) latency_.acked(ref.author, ref.seq, ms());
  std::lock_guard lock(mu_);
  acked_.push_back(Acked{ref, caseId});
}

void Procs::countyWorker(size_t index) {
  const std::string code = counties_[index];
  Slot& county = slot(code);
  std::mt19937_64 rng(seedFor(opt_.seed, "county " + code));
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  auto between = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  // A steady rate: the counties share casesPerSecond, each with its own phase.
  const double perCounty = std::max(0.01, opt_.casesPerSecond / counties_.size());
  const int64_t intervalMs = std::max<int64_t>(1, std::llround(1000.0 / perCounty));
  int64_t nextNew =
      intervalMs * static_cast<int64_t>(index) / static_cast<int64_t>(counties_.size());
  std::vector<CaseRun> open;
  uint64_t n = 0;
  std::vector<CatalogRow> items = countyItems_.at(code);
  int64_t nextRefresh = kItemRefreshMs;
  while (!stopWork_) {
    int64_t now = ms();
    if (now >= nextRefresh) {
      // A delegation to this county, or a revocation, changes what it handles. Kept as it was when
      // the county does not answer (killed, paused) or would handle nothing.
      if (auto fresh = handledItems(county); fresh && !fresh->empty()) items = std::move(*fresh);
      nextRefresh = ms() + kItemRefreshMs;
      continue;
    }
    if (now >= nextNew) {
      CaseRun c;
      c.id = code + "-" + std::to_string(++n);
      const CatalogRow& item = items[static_cast<size_t>(between(0, items.size() - 1))];
      c.item = item.code;
      c.materials = item.materials;
      c.steps = {"received", "accepted"};
      if (chance(0.25)) c.steps.insert(c.steps.end(), {"materialsRequested", "materialsSupplied"});
      if (chance(0.1)) c.steps.insert(c.steps.end(), {"suspended", "resumed"});
      c.steps.push_back("stepCompleted");
      if (chance(0.7))
        c.steps.insert(c.steps.end(), {chance(0.85) ? "approved" : "denied", "closed"});
      else if (chance(0.2))
        c.steps.push_back("withdrawn");
      c.dueMs = now;
      open.push_back(std::move(c));
      ++cases_;
      // Offered load stays steady: time lost while the node was paused is not made up in a burst.
      nextNew = std::max(nextNew + intervalMs, now);
    }
    auto due = std::min_element(open.begin(), open.end(), [](const CaseRun& a, const CaseRun& b) {
      return a.dueMs < b.dueMs;
    });
    if (due != open.end() && due->dueMs <= now) {
      bool keep = caseStep(county, *due, rng);
      if (!keep) open.erase(due);
      continue;
    }
    int64_t wake = nextNew;
    if (due != open.end()) wake = std::min(wake, due->dueMs);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<int64_t>(wake - now, 1, 50)));
  }
}

// One step of a case at its county; false when the case is finished or given up.
bool Procs::caseStep(Slot& county, CaseRun& c, std::mt19937_64& rng) {
  const std::string& code = county.node.code;
  auto retryLater = [&] {
    c.dueMs = ms() + kStepRetryMs;
    return ++c.retries <= kMaxStepRetries;
  };
  if (c.uncertain) {
    // Read the case back: are there `next` events of this county, or `next + 1`?
    HttpReply r = county.proc->get("/v1/cases/" + c.id, kReadTimeout);
    size_t events = 0;
    if (r.status == 200) {
      for (const Json& rec : r.body.value("records", Json::array())) {
        if (rec.value("kind", "") == "case_event" && rec["record"].value("author", "") == code)
          ++events;
      }
    } else if (r.status != 404) {
      return retryLater();
    }
    c.uncertain = false;
    if (events == c.next + 1) {
      ++c.next;  // committed, though the answer was lost
    } else if (events != c.next) {
      return false;
    }
    if (c.next >= c.steps.size()) return false;
  }
  const std::string& type = c.steps[c.next];
  Json body{{"type", type}};
  if (type == "received") {
    body = Json{{"type", type},
                {"item", c.item},
                {"region", code},
                {"applicant_id", "applicant " + c.id},
                {"materials", c.materials},
                {"first_responsible",
                 "窗口" + std::to_string(std::uniform_int_distribution<int>(1, 9)(rng)) + "号"}};
  } else if (type == "materialsRequested" || type == "materialsSupplied") {
    body["materials"] = {"补正材料"};
  } else if (type == "denied") {
    body["reason"] = "不符合法定条件";
    body["legal_basis"] = "《中华人民共和国行政许可法》第三十八条";
  } else if (type == "approved") {
    body["licence"] = "XK-" + c.id;
  } else if (type == "stepCompleted") {
    body["text"] = "审查";
  } else if (type == "suspended") {
    body["text"] = "听证";
  } else if (type == "withdrawn") {
    body["text"] = "申请人撤回";
  }
  HttpReply r = county.proc->post("/v1/cases/" + c.id + "/events", body, kWriteTimeout);
  if (r.status == 201) {
    RecordRef ref{r.body.value("author", ""), r.body.value("seq", uint64_t{0})};
    noteAck(ref, c.id, true);
    if (type == "received") {
      std::lock_guard lock(mu_);
      casesKnown_.emplace_back(c.id, code);
    }
    ++c.next;
    c.retries = 0;
    c.dueMs = ms() + std::uniform_int_distribution<int64_t>(300, 3000)(rng);
    return c.next < c.steps.size();
  }
  noteFailure(r);
  if (r.notConnected) return retryLater();  // certainly not committed: the node is down
  if (r.status >= 400 && r.status < 500) return false;
  c.uncertain = true;  // paused past the timeout, reset, 5xx: it may have been committed
  return retryLater();
}

// Urge orders from the province and cities; complaints filed at counties, resolved by their city.
void Procs::oversightWorker() {
  std::mt19937_64 rng(seedFor(opt_.seed, "oversight"));
  auto between = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  struct Resolve {
    int64_t dueMs;
    std::string complaintId, supervisor;
    int tries;
  };
  std::vector<Resolve> resolves;
  std::vector<std::string> issuers = {root().node.code};
  issuers.insert(issuers.end(), cities_.begin(), cities_.end());
  int64_t nextOrder = 3000, nextComplaint = 4000;
  uint64_t complaints = 0;
  while (!stopWork_) {
    int64_t now = ms();
    if (now >= nextOrder) {
      nextOrder = now + between(3000, 6000);
      const std::string issuer = issuers[static_cast<size_t>(between(0, issuers.size() - 1))];
      std::vector<std::string> candidates;
      {
        std::lock_guard lock(mu_);
        for (const auto& [id, county] : casesKnown_) {
          if (isAncestor(issuer, county)) candidates.push_back(id);
        }
      }
      if (!candidates.empty()) {
        const std::string id = candidates[static_cast<size_t>(between(0, candidates.size() - 1))];
        HttpReply r = slot(issuer).proc->post(
            "/v1/orders", Json{{"case_id", id}, {"kind", "urge"}, {"note", "督办"}}, kWriteTimeout);
        if (r.status == 201) {
          noteAck(RecordRef{r.body.value("author", ""), r.body.value("seq", uint64_t{0})}, id,
                  false);
        } else {
          noteFailure(r);  // 4xx: the issuer has not seen the case yet, or it is closed
        }
      }
    }
    if (now >= nextComplaint) {
      nextComplaint = now + between(4000, 8000);
      const std::string county = counties_[static_cast<size_t>(between(0, counties_.size() - 1))];
      const std::string id = "TS-" + county + "-" + std::to_string(++complaints);
      HttpReply r = slot(county).proc->post(
          "/v1/complaints",
          Json{{"complaint_id", id}, {"against", county}, {"summary", "办事拖延"}}, kWriteTimeout);
      if (r.status == 201) {
        noteAck(RecordRef{r.body.value("author", ""), r.body.value("seq", uint64_t{0})}, "", true);
        resolves.push_back(Resolve{now + between(3000, 8000), id, slot(county).node.parent, 0});
      } else {
        noteFailure(r);
      }
    }
    for (size_t i = 0; i < resolves.size();) {
      Resolve& v = resolves[i];
      if (v.dueMs > ms() || stopWork_) {
        ++i;
        continue;
      }
      HttpReply r =
          slot(v.supervisor)
              .proc->post("/v1/complaints/" + v.complaintId + "/updates",
                          Json{{"status", "resolved"}, {"note", "已核实整改"}}, kWriteTimeout);
      bool done = true;
      if (r.status == 201) {
        noteAck(RecordRef{r.body.value("author", ""), r.body.value("seq", uint64_t{0})}, "", false);
      } else {
        noteFailure(r);
        // Not there yet (4xx: the complaint has not reached the city) or the city is down.
        done = !(r.notConnected || (r.status >= 400 && r.status < 500)) || ++v.tries > 5;
        v.dueMs = ms() + 2000;
      }
      if (done) {
        resolves.erase(resolves.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    std::this_thread::sleep_for(50ms);
  }
}

// Delegations and revocations during the workload, as the simulator's: a city devolves one of its
// delegable items to one of its counties (which then files cases for it), later revokes it with
// pending cases transferred back; later still the province revokes the delegation it made at setup
// to the first city's subtree, also transferring pending cases. A write is retried (every second,
// while the workload runs) until it is acknowledged or certainly refused.
void Procs::authorityWorker() {
  std::mt19937_64 rng(seedFor(opt_.seed, "authority"));
  auto between = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  auto note = [&](std::string line) {
    char at[32];
    std::snprintf(at, sizeof at, "%.1f s: ", static_cast<double>(ms()) / 1000);
    std::lock_guard lock(mu_);
    authorityNotes_.push_back(at + line);
  };
  // Waits until `atMs`, then posts until acknowledged; the record, or nullopt.
  auto write = [&](int64_t atMs, const std::string& by, const std::string& path,
                   const Json& body) -> std::optional<RecordRef> {
    while (!stopWork_ && ms() < atMs) std::this_thread::sleep_for(50ms);
    while (!stopWork_) {
      HttpReply r = slot(by).proc->post(path, body, kWriteTimeout);
      if (r.status == 201) {
        RecordRef ref{r.body.value("author", ""), r.body.value("seq", uint64_t{0})};
        noteAck(ref, "", false);
        return ref;
      }
      noteFailure(r);
      if (r.status >= 400 && r.status < 500) {
        note(path + " at " + by + " refused: " + r.text.substr(0, 160));
        return std::nullopt;
      }
      std::this_thread::sleep_for(1s);
    }
    return std::nullopt;
  };
  const int64_t d = opt_.workloadMs;
  std::vector<std::string> cityItems;
  for (const CatalogRow& c : catalog_) {
    if (cityLevel_.contains(c.code)) cityItems.push_back(c.code);
  }
  if (!cities_.empty() && !cityItems.empty()) {
    const std::string city = cities_[static_cast<size_t>(between(0, cities_.size() - 1))];
    std::vector<std::string> under;
    for (const std::string& c : counties_) {
      if (slot(c).node.parent == city) under.push_back(c);
    }
    const std::string item = cityItems[static_cast<size_t>(between(0, cityItems.size() - 1))];
    if (!under.empty()) {
      const std::string county = under[static_cast<size_t>(between(0, under.size() - 1))];
      auto granted = write(d / 5, city, "/v1/delegations",
                           Json{{"item", item},
                                {"grantee", county},
                                {"scope", "node"},
                                {"mode", "devolve"},
                                {"may_redelegate", false}});
      if (granted) {
        ++delegations_;
        note(city + " devolved " + item + " to " + county + " (" + granted->author + "#" +
             std::to_string(granted->seq) + ")");
        auto revoked =
            write(d * 11 / 20, city, "/v1/delegations/revoke",
                  Json{{"delegation", {{"author", granted->author}, {"seq", granted->seq}}},
                       {"transfer_pending", true},
                       {"reason", "收回并移交"}});
        if (revoked) {
          ++revocations_;
          note(city + " revoked it, pending cases transferred back");
        }
      }
    }
  }
  if (setupDelegation_) {
    auto revoked = write(
        d * 7 / 10, root().node.code, "/v1/delegations/revoke",
        Json{{"delegation", {{"author", setupDelegation_->author}, {"seq", setupDelegation_->seq}}},
             {"transfer_pending", true},
             {"reason", "收回并移交"}});
    if (revoked) {
      ++revocations_;
      note("the province revoked " + delegatedItem_ + " from " + delegatedTo_ +
           "'s subtree, pending cases transferred back");
    }
  }
}

void Procs::poller() {
  while (!stopPoll_) {
    const int64_t started = ms();
    auto heads = headsOf(*root().proc);
    if (heads) latency_.observe(*heads, ms());
    int64_t rest = kPollMs - (ms() - started);
    if (rest > 0) std::this_thread::sleep_for(std::chrono::milliseconds(rest));
  }
}

// Two seeded tracks of faults, each one fault at a time. Processes: a kill -9 first, then a pause,
// then either. Links: a link cut (a node's link to its parent: it falls back to its grandparent)
// and a partition (every link from a subtree to the rest: the subtree carries on alone), in turns.
// And the rogue once, at a time of its own; while it runs, kill -9 and pauses spare the province
// (which it attacks) and its parent (which it equivocates to).
void Procs::planFaults() {
  if (!opt_.faults) return;
  std::mt19937_64 rng(seedFor(opt_.seed, "faults"));
  auto between = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int64_t d = opt_.workloadMs;
  int64_t rogueAt = -1;
  if (!rogueCode_.empty()) {
    PlannedFault f;
    f.atMs = rogueAt = between(d / 5, d / 2);
    f.kind = "forgeries";
    f.node = root().node.code;
    faults_.push_back(f);
  }
  std::vector<std::string> killable, pausable, linked;
  for (const Slot& s : slots_) {
    pausable.push_back(s.node.code);
    if (!s.node.parent.empty()) killable.push_back(s.node.code);
  }
  linked = killable;
  auto pick = [&](const std::vector<std::string>& pool, int64_t at, int64_t until) {
    std::vector<std::string> ok = pool;
    if (rogueAt >= 0 && at < rogueAt + kRogueWindowMs && until > rogueAt - 500) {
      std::erase_if(ok, [&](const std::string& c) {
        return c == root().node.code || c == rogueAncestors_.back();
      });
    }
    return ok[static_cast<size_t>(between(0, ok.size() - 1))];
  };
  int64_t t = between(1500, 2000);
  for (int i = 0; t + 500 <= d; ++i) {
    bool kill = i == 0 || (i > 1 && between(0, 1) == 0);
    PlannedFault f;
    f.atMs = t;
    f.kind = kill ? "kill -9" : "SIGSTOP";
    f.forMs = kill ? between(2000, 4000) : between(1500, 3500);
    f.node = pick(kill ? killable : pausable, f.atMs, f.atMs + f.forMs);
    faults_.push_back(f);
    t += f.forMs + between(500, 3000);
  }
  t = between(2500, 3500);
  bool partition = between(0, 1) == 0;
  for (; t + 500 <= d; partition = !partition) {
    PlannedFault f;
    f.atMs = t;
    f.kind = partition ? "partition" : "link cut";
    f.forMs = between(2000, 4000);
    f.node = linked[static_cast<size_t>(between(0, linked.size() - 1))];
    if (partition) {
      f.links = linksOutOf(f.node);
    } else {
      f.links = {f.node + ">" + slot(f.node).node.parent};
    }
    faults_.push_back(f);
    t += f.forMs + between(500, 2500);
  }
  std::stable_sort(faults_.begin(), faults_.end(),
                   [](const PlannedFault& a, const PlannedFault& b) { return a.atMs < b.atMs; });
}

void Procs::applyFaults() {
  const int64_t now = ms();
  for (PlannedFault& f : faults_) {
    if (!f.started && now >= f.atMs) {
      f.started = true;
      f.span = report_.faults.size();
      report_.faults.push_back(FaultSpan{now, now, f.kind, f.node});
      Slot& s = slot(f.node);
      if (f.kind == "kill -9") {
        s.proc->kill9();
        s.downByUs = true;
        ++report_.crashes;
      } else if (f.kind == "SIGSTOP") {
        s.proc->pause();
        ++report_.pauses;
      } else if (f.kind == "link cut" || f.kind == "partition") {
        for (const std::string& l : f.links) proxy_.cut(l);
        ++(f.kind == "link cut" ? report_.linkCuts : report_.partitions);
      } else {
        f.ended = true;  // the rogue thread ends its own span
        rogue_ = std::thread([this] { rogueThread(counties_.front()); });
      }
    }
    if (f.started && !f.ended && now >= f.atMs + f.forMs) endFault(f);
  }
  if (rogueDone_ && !faults_.empty()) {
    for (PlannedFault& f : faults_) {
      if (f.kind == "forgeries" && f.started) report_.faults[f.span].endMs = rogueEndMs_;
    }
  }
}

void Procs::endFault(PlannedFault& f) {
  f.ended = true;
  report_.faults[f.span].endMs = ms();
  Slot& s = slot(f.node);
  if (f.kind == "kill -9") {
    // Same data directory: the node must pick up where its LMDB store stopped.
    if (Status st = s.proc->start(nodeBin_); !st)
      report_.notes.push_back("cannot restart " + f.node + ": " + st.error().message);
    s.downByUs = false;
  } else if (f.kind == "SIGSTOP") {
    s.proc->resume();
  } else if (f.kind == "link cut" || f.kind == "partition") {
    for (const std::string& l : f.links) proxy_.heal(l);
  }
}

void Procs::reapUnexpected() {
  for (Slot& s : slots_) {
    if (s.downByUs) continue;
    auto status = s.proc->reap();
    if (!status) continue;
    ++s.unexpectedExits;
    char at[32];
    std::snprintf(at, sizeof at, "%.1f", static_cast<double>(ms()) / 1000);
    report_.notes.push_back("node " + s.node.code + " exited unexpectedly at " + at + " s (" +
                            describeWaitStatus(*status) + "); last lines of " +
                            s.proc->logFile().string() + ":\n" + s.proc->logTail(8));
    if (s.unexpectedExits <= kMaxUnexpectedRestarts) (void)s.proc->start(nodeBin_);
  }
}

void Procs::rogueThread(std::string victim) {
  RoguePlan plan;
  const fs::path rogueDir = dir_ / ("rogue-" + rogueCode_);
  plan.rogueCode = rogueCode_;
  plan.rogueKeyFile = rogueDir / "node.key";
  plan.rogueChainFile = rogueDir / "chain.certs";
  plan.targetEndpoint = root().endpoint();
  plan.targetKeyFile = root().proc->dir() / "node.key";
  plan.victim = victim;
  // The province is never killed, so its counters run from here to the check.
  provinceMetricsBefore_ = root().proc->get("/metrics", kReadTimeout).text;
  auto heads = headsOf(*root().proc);
  plan.victimNextSeq = (heads ? (*heads)[victim].seq : 0) + 1;
  plan.strangerCode = strangerCode_;
  plan.seed = seedFor(opt_.seed, "rogue");
  const Slot& parent = slot(rogueAncestors_.back());
  plan.parentEndpoint = parent.endpoint();  // direct: the rogue is no node of ours to proxy
  plan.parentKeyFile = parent.proc->dir() / "node.key";
  plan.holdsFirst = [this, &parent](bool atTarget, const std::string& idHex) {
    const ProcNode& n = atTarget ? *root().proc : *parent.proc;
    HttpReply r = n.get("/v1/feeds?author=" + rogueCode_, kReadTimeout);
    if (r.status != 200 || !r.body.is_object()) return false;
    const Json& f = r.body["feeds"].value(rogueCode_, Json::object());
    return f.value("seq", uint64_t{0}) >= 1 && f.value("id", "") == idHex;
  };
  plan.settled = [this](const RogueResult& g) {
    HttpReply m = root().proc->get("/metrics", kReadTimeout);
    return m.status == 200 &&
           rejectedOf(g, rejectedBetween(provinceMetricsBefore_, m.text)) == g.injected();
  };
  rogueResult_ = runRogue(plan);
  rogueEndMs_ = ms();
  rogueDone_ = true;
}

// ----------------------------------------------------------------------------------- checks

// "" when every node holds the province's head (sequence and record id) of every feed in its
// scope, and the province holds every node's; else the first difference found.
Result<std::string> Procs::divergence() {
  GOVBUS_ASSIGN_OR_RETURN(Heads province, headsOf(*root().proc));
  for (size_t i = 1; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    GOVBUS_ASSIGN_OR_RETURN(Heads mine, headsOf(*s.proc));
    std::set<std::string> feeds;
    for (const auto& [f, h] : province) feeds.insert(f);
    for (const auto& [f, h] : mine) feeds.insert(f);
    for (const std::string& f : feeds) {
      if (!knownFeed(f) || !inScope(s.node.code, f)) continue;
      FeedHead a = province.contains(f) ? province[f] : FeedHead{};
      FeedHead b = mine.contains(f) ? mine[f] : FeedHead{};
      if (a != b) {
        return "feed " + f + ": province at #" + std::to_string(a.seq) + ", " + s.node.code +
               " at #" + std::to_string(b.seq) + (a.seq == b.seq ? " with another record" : "");
      }
    }
  }
  return std::string();
}

Status Procs::checkInvariants() {
  auto add = [&](std::string name, bool pass, std::string figure) {
    report_.invariants.push_back({std::move(name), pass, std::move(figure)});
  };
  const ProcNode& province = *root().proc;
  const std::string n = std::to_string(slots_.size());

  // 1. Convergence.
  auto d = divergence();
  bool conv = d && d->empty();
  add("1 convergence", conv,
      conv ? n + "/" + n + " nodes hold the province's head (seq and record id) of every feed in " +
                 "scope; converged " + std::to_string(report_.convergeMs) +
                 " ms after faults stopped"
           : "not converged within " + std::to_string(opt_.convergeLimitMs) +
                 " ms: " + (d ? *d : d.error().message));

  // 2. No loss: at the province, and each case record in its case.
  GOVBUS_ASSIGN_OR_RETURN(Heads heads, headsOf(province));
  std::vector<Acked> acked;
  {
    std::lock_guard lock(mu_);
    acked = acked_;
  }
  std::map<std::string, std::set<RecordRef>> byCase;
  uint64_t present = 0, byCounties = 0;
  for (const Acked& a : acked) {
    if (index_.contains(a.ref.author) && slot(a.ref.author).isCounty) ++byCounties;
    if (heads.contains(a.ref.author) && heads[a.ref.author].seq >= a.ref.seq) ++present;
    if (!a.caseId.empty()) byCase[a.caseId].insert(a.ref);
  }
  uint64_t caseRecords = 0, inTheirCase = 0;
  for (const auto& [id, refs] : byCase) {
    caseRecords += refs.size();
    HttpReply r = province.get("/v1/cases/" + id, kReadTimeout);
    if (r.status != 200) continue;
    std::set<RecordRef> there;
    for (const Json& rec : r.body.value("records", Json::array())) {
      there.insert(
          RecordRef{rec["record"].value("author", ""), rec["record"].value("seq", uint64_t{0})});
    }
    for (const RecordRef& ref : refs) inTheirCase += there.contains(ref) ? 1 : 0;
  }
  add("2 no loss", present == acked.size() && inTheirCase == caseRecords,
      std::to_string(acked.size()) + " records acknowledged with 201 (" +
          std::to_string(byCounties) + " by county APIs), " + std::to_string(present) +
          " at the province; " + std::to_string(inTheirCase) + "/" + std::to_string(caseRecords) +
          " case records in their case there (" + std::to_string(byCase.size()) + " cases)");

  // 3. Integrity, as far as the APIs tell: no foreign feed anywhere, no forged case anywhere, the
  // rogue's frames and records counted as rejected. checkStores adds the forks.
  uint64_t foreignFeeds = 0, forgedStored = 0;
  std::vector<std::string> forgedIds;
  if (rogueResult_ && rogueResult_->ok()) forgedIds = (*rogueResult_)->forgedCaseIds;
  for (const Slot& s : slots_) {
    if (auto h = headsOf(*s.proc)) {
      for (const auto& [feed, head] : *h) foreignFeeds += knownFeed(feed) ? 0 : 1;
    }
    for (const std::string& id : forgedIds)
      forgedStored += s.proc->get("/v1/cases/" + id, kReadTimeout).status == 200 ? 1 : 0;
  }
  const std::string stored = std::to_string(forgedStored + foreignFeeds) + " stored";
  if (!rogueResult_) {
    integrityApiPass_ = foreignFeeds == 0;
    integrityFigure_ = "not injected in --procs (--faults none): " + stored;
  } else if (!rogueResult_->ok()) {
    integrityApiPass_ = false;
    integrityFigure_ = "the rogue could not run: " + rogueResult_->error().message;
  } else {
    const RogueResult& g = **rogueResult_;
    Rejections d =
        rejectedBetween(provinceMetricsBefore_, province.get("/metrics", kReadTimeout).text);
    uint64_t rejected = rejectedOf(g, d);
    integrityApiPass_ =
        g.helloAnswered && rejected == g.injected() && forgedStored + foreignFeeds == 0;
    integrityFigure_ =
        std::to_string(g.injected()) + " forgeries injected into the province by enrolled rogue " +
        rogueCode_ + " (" + std::to_string(g.garbage) + " garbage frames, " +
        std::to_string(g.framing) + " two-part frames, " +
        std::to_string(g.badSignature + g.unknownSigner) + " forged records" +
        (g.helloAnswered ? "" : "; its hello was never answered") +
        (g.settled ? "" : "; not all counted while it stayed connected") + "), " +
        std::to_string(rejected) + " rejected" +
        (rejected == g.injected() ? "" : " (" + describeRejections(g, d) + ")") + ", " + stored;
  }
  report_.forgeriesInjected = rogueResult_ && rogueResult_->ok() ? (*rogueResult_)->injected() : 0;

  // 7. Overdue sums: the province's board, and every node's own account of itself.
  HttpReply b = province.get("/v1/supervision", kReadTimeout);
  if (b.status != 200) return makeError(ErrorCode::kIo, "GET /v1/supervision: " + b.text);
  CardCounts total = cardsFromJson(b.body["total"]), sumOwn, sumSelf;
  size_t handlers = 0, asked = 0;
  for (auto it = b.body["own"].begin(); it != b.body["own"].end(); ++it) {
    sumOwn += cardsFromJson(it.value());
    ++handlers;
  }
  for (const Slot& s : slots_) {
    HttpReply mine = s.proc->get("/v1/supervision", kReadTimeout);
    if (mine.status != 200) continue;
    ++asked;
    if (mine.body["own"].contains(s.node.code))
      sumSelf += cardsFromJson(mine.body["own"][s.node.code]);
  }
  report_.rootBoard = total;
  add("7 overdue sums", sumOwn == total && sumSelf == total && asked == slots_.size(),
      std::to_string(total.red) + " red, " + std::to_string(total.yellow) + " yellow, " +
          std::to_string(total.open) + " open, " + std::to_string(total.openComplaints) +
          " open complaints at the province = sum over " + std::to_string(handlers) +
          " handling nodes" + (sumOwn == total ? "" : " (MISMATCH)") +
          " = sum of what each node reports for itself (" + std::to_string(asked) + "/" + n +
          " asked" + (sumSelf == total ? "" : ", MISMATCH") + ")");

  HttpReply st = province.get("/v1/status", kReadTimeout);
  if (st.status == 200) {
    report_.rootDigest = st.body.value("digest", "");
    for (auto it = st.body["void_records"].begin(); it != st.body["void_records"].end(); ++it)
      report_.voidsByReason[it.key()] = it.value().get<uint64_t>();
  }
  return Status::Ok();
}

Status Procs::checkStores() {
  // Stores before snapshots in declaration order: the snapshots must end first.
  std::vector<std::unique_ptr<LmdbStore>> stores;
  std::vector<std::unique_ptr<FeedReader>> views;
  std::vector<StoreUnderCheck> nodes;
  std::vector<SignedCertificate> certs;
  std::set<Bytes> seen;
  for (const Slot& s : slots_) {
    GOVBUS_ASSIGN_OR_RETURN(NodeConfig config, loadNodeConfig(s.proc->configFile()));
    LmdbOptions o;
    o.mapSizeBytes = static_cast<uint64_t>(kMapSizeMb) << 20;
    auto store = LmdbStore::open(config.dataDir, o);
    if (!store)
      return makeError(store.error().code, "cannot open the store of " + s.node.code + " (" +
                                               config.dataDir.string() +
                                               "): " + store.error().message);
    GOVBUS_ASSIGN_OR_RETURN(auto view, (*store)->beginRead());
    GOVBUS_ASSIGN_OR_RETURN(auto mine, storedCertificates(*view));
    for (SignedCertificate& c : mine) {
      if (seen.insert(c.body).second) certs.push_back(std::move(c));
    }
    nodes.push_back(StoreUnderCheck{s.node.code, view.get()});
    views.push_back(std::move(view));
    stores.push_back(std::move(*store));
  }
  FeedReader& province = *nodes.front().view;
  GOVBUS_ASSIGN_OR_RETURN(SignedCertificate anchor,
                          readCertificateFile(root().proc->dir() / "anchor.cert"));
  auto scope = [this](const std::string& node, const std::string& feed) {
    return inScope(node, feed);
  };

  // 3, completed: fork evidence anywhere is the planted fork, nothing else.
  const RogueResult* rogue = rogueResult_ && rogueResult_->ok() ? &**rogueResult_ : nullptr;
  const bool planted = rogue != nullptr && rogue->forkAtParent;
  GOVBUS_ASSIGN_OR_RETURN(std::vector<ForkFinding> forks, findForks(nodes));
  std::set<std::string> plantedAt;
  std::vector<std::string> others;
  for (const ForkFinding& f : forks) {
    if (planted && f.author == rogueCode_ && f.seq == 1) {
      plantedAt.insert(f.node);
    } else {
      others.push_back(f.author + "#" + std::to_string(f.seq) + " at " + f.node);
    }
  }
  auto list = [](const auto& codes) {
    std::string out;
    for (const std::string& c : codes) out += (out.empty() ? "" : ", ") + c;
    return out.empty() ? std::string("none") : out;
  };
  report_.forks = plantedAt.size();
  report_.invariants.push_back({"3 integrity", integrityApiPass_ && others.empty(),
                                integrityFigure_ + "; fork evidence in " +
                                    std::to_string(nodes.size()) +
                                    " stores: " + std::to_string(others.size()) + " unplanned" +
                                    (others.empty() ? "" : " (" + list(others) + ")") +
                                    (planted ? ", the planted fork at " + list(plantedAt) : "")});

  // 4 and 5: the checker the simulator uses.
  GOVBUS_ASSIGN_OR_RETURN(Invariant order,
                          checkOrderIndependence(province, anchor, certs, nodes, scope,
                                                 seedFor(opt_.seed, "replay"), kReplayShuffles));
  report_.invariants.push_back(std::move(order));
  GOVBUS_ASSIGN_OR_RETURN(Invariant authority,
                          checkAuthoritySafety(root().node.code, province, nodes, scope));
  report_.invariants.push_back(std::move(authority));

  // 6. The rogue's fork was detected where it was sent and reached the province: the parent's
  // fork report is valid there and the province judges the rogue's record void for it.
  if (rogue == nullptr) {
    report_.invariants.push_back(
        {"6 forks detected", rogueResult_ == std::nullopt,
         rogueResult_ ? "the rogue could not run" : "no equivocation injected (--faults none)"});
  } else if (!planted) {
    report_.invariants.push_back(
        {"6 forks detected", false,
         "the rogue's equivocation was not sent: " + rogue->equivocationNote});
  } else {
    const std::string& parent = rogueAncestors_.back();
    GOVBUS_ASSIGN_OR_RETURN(std::set<std::string> reporters,
                            forkReportersAbout(province, rogueCode_));
    GOVBUS_ASSIGN_OR_RETURN(VoidReason verdict,
                            StateEngine::verdict(province, RecordRef{rogueCode_, 1}));
    const bool detected = plantedAt.contains(parent) &&
                          (!rogue->forkAtTarget || plantedAt.contains(root().node.code));
    const bool reached = reporters.contains(parent) && verdict == VoidReason::kAuthorForked;
    report_.invariants.push_back(
        {"6 forks detected", detected && reached,
         "rogue " + rogueCode_ + " signed two records at seq 1, sent to " + parent +
             (rogue->forkAtTarget ? " and the province" : "") + ": fork evidence at " +
             list(plantedAt) + "; valid fork reports at the province by " + list(reporters) +
             "; its record there is " +
             (verdict == VoidReason::kNone ? "valid" : std::string(voidReasonName(verdict))) +
             (rogue->equivocationNote.empty() ? "" : " (" + rogue->equivocationNote + ")")});
  }
  return Status::Ok();
}

void Procs::stopNodes() {
  // Children first, so nobody spends the grace period redialling a parent that is gone.
  size_t clean = 0;
  int unexpected = 0;
  std::string bad;
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    int status = it->proc->terminate(kStopGrace);
    if (status == 0) {
      ++clean;
    } else {
      bad += " " + it->node.code + " (" +
             (status < 0 ? "did not exit in time" : "exit " + std::to_string(status)) + ")";
    }
    unexpected += it->unexpectedExits;
  }
  const std::string n = std::to_string(slots_.size());
  report_.invariants.push_back(
      {"node processes", clean == slots_.size() && unexpected == 0,
       std::to_string(unexpected) + " unexpected exits; " + std::to_string(clean) + "/" + n +
           " stopped with status 0 on SIGTERM" + (bad.empty() ? "" : ", not:" + bad)});
}

Result<SimReport> Procs::run() {
  report_.topology = topo_.name;
  report_.seed = opt_.seed;
  report_.nodes = topo_.nodes.size();
  report_.processes = true;
  report_.workloadMs = opt_.workloadMs;
  // A write to a node that was just killed must fail, not kill govbus-testnet.
  ::signal(SIGPIPE, SIG_IGN);
  if (Status s = setUp(); !s) {
    std::string where = ownDir_ && !opt_.keep ? " (rerun with --keep to look at the node logs)"
                                              : " (node logs under " + dir_.string() + ")";
    return makeError(s.error().code, s.error().message + where);
  }
  planFaults();
  {
    std::string setup =
        "setup: " + std::to_string(catalog_.size()) + " catalog items published by the province";
    if (!delegatedItem_.empty())
      setup += ", " + delegatedItem_ + " delegated to " + delegatedTo_ + "'s subtree";
    setup += "; cases filed at";
    for (const std::string& c : counties_)
      setup += " " + c + " (" + std::to_string(countyItems_[c].size()) + " items)";
    report_.notes.push_back(setup);
  }

  t0_ = SteadyClock::now();
  started_ = true;
  poller_ = std::thread([this] { poller(); });
  for (size_t i = 0; i < counties_.size(); ++i)
    threads_.emplace_back([this, i] { countyWorker(i); });
  threads_.emplace_back([this] { oversightWorker(); });
  threads_.emplace_back([this] { authorityWorker(); });
  char line[200];
  while (ms() < opt_.workloadMs) {
    applyFaults();
    reapUnexpected();
    sampleLag();
    std::string active;
    for (const PlannedFault& f : faults_) {
      if (f.started && !f.ended) active = "  " + f.kind + " " + f.node;
    }
    std::snprintf(
        line, sizeof line, "workload %5.1f/%.0f s  %zu acked  %lld behind%s",
        static_cast<double>(ms()) / 1000, static_cast<double>(opt_.workloadMs) / 1000,
        [&] {
          std::lock_guard lock(mu_);
          return acked_.size();
        }(),
        static_cast<long long>(latency_.behind()), active.c_str());
    say(line);
    std::this_thread::sleep_for(50ms);
  }
  // Faults stop: paused nodes continue, killed ones restart. Then the workload stops.
  for (PlannedFault& f : faults_) {
    if (f.started && !f.ended) endFault(f);
  }
  const int64_t faultsStopped = ms();
  stopWork_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  if (rogue_.joinable()) rogue_.join();
  applyFaults();  // closes the rogue's span

  report_.convergeMs = -1;
  while (ms() - faultsStopped < opt_.convergeLimitMs) {
    reapUnexpected();
    sampleLag();
    auto d = divergence();
    if (d && d->empty()) {
      report_.convergeMs = ms() - faultsStopped;
      break;
    }
    std::snprintf(line, sizeof line, "converging %5.1f s  %lld behind  %s",
                  static_cast<double>(ms() - faultsStopped) / 1000,
                  static_cast<long long>(latency_.behind()),
                  (d ? *d : d.error().message).substr(0, 60).c_str());
    say(line);
    std::this_thread::sleep_for(250ms);
  }
  // One more poll so that the latency book sees the final heads.
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * kPollMs));
  stopPoll_ = true;
  poller_.join();
  lag_.emplace_back(ms(), latency_.behind());
  report_.simulatedMs = ms();
  say("checking invariants");

  std::vector<int64_t> latencies = latency_.latencies();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? int64_t{0}
                             : latencies[std::min(latencies.size() - 1,
                                                  static_cast<size_t>(p * latencies.size()))];
  };
  report_.latencyP50Ms = pct(0.50);
  report_.latencyP90Ms = pct(0.90);
  report_.latencyP99Ms = pct(0.99);
  report_.latencySeries = latency_.series();
  report_.lagSeries = lag_;
  {
    std::lock_guard lock(mu_);
    report_.recordsAuthored = acked_.size();
  }
  report_.cases = cases_;
  report_.writesUnanswered = unanswered_;
  report_.writesRefused = refused_;
  report_.delegations = delegations_;
  report_.revocations = revocations_;
  {
    std::lock_guard lock(mu_);
    for (const std::string& n : authorityNotes_) report_.notes.push_back("authority: " + n);
  }
  GOVBUS_TRY(checkInvariants());
  say("stopping nodes");
  stopNodes();
  proxy_.stop();
  report_.proxiedConnections = proxy_.forwarded();
  say("checking the stores");
  GOVBUS_TRY(checkStores());
  std::stable_sort(report_.invariants.begin(), report_.invariants.end(),
                   [](const Invariant& a, const Invariant& b) { return a.name < b.name; });
  if (!ownDir_ || opt_.keep) {
    report_.notes.push_back("node directories and logs kept in " + dir_.string());
  } else if (!report_.allPass()) {
    report_.notes.push_back("rerun with --keep to look at the node directories and logs");
  }
  return report_;
}

}  // namespace

Result<SimReport> runProcs(const Topology& topology, const ProcsOptions& options,
                           const ProgressFn& progress) {
  Procs procs(topology, options, progress);
  return procs.run();
}

}  // namespace govbus::testnet
