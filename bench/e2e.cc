#include "bench/e2e.h"

#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench/table.h"
#include "crypto/keys.h"
#include "node/lmdb_store.h"
#include "protocol/record_codec.h"
#include "testnet/procs_node.h"

namespace govbus::bench {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testnet::ProcNode;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kHealthyTimeout = 30s;
constexpr auto kCatalogTimeout = 60s;
constexpr auto kDrainTimeout = 180s;
constexpr auto kHttpTimeout = 35s;  // above the API's own write timeout
// An open-loop writer this late for its next write stops: the rate is not being sustained.
constexpr int64_t kMaxLateNs = 2'000'000'000;
// Records the arrival table can hold: far above what the default phases write.
constexpr size_t kMaxTrackedRecords = size_t{1} << 22;
constexpr const char* kProvince = "430000";
constexpr const char* kCity = "430100";
constexpr const char* kCounty = "430102";
constexpr TextTable kTable{36, 10};

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Node {
  std::string code;
  std::string name;
  uint16_t apiPort = 0;
  uint16_t listenPort = 0;  // 0: does not listen
  std::unique_ptr<ProcNode> proc;
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(listenPort); }
};

// One acknowledged write.
struct Sample {
  uint64_t seq = 0;
  int64_t sentNs = 0;
  int64_t ackNs = 0;
};

struct Phase {
  std::string name;
  double offered = 0;  // writes/s; 0: closed loop
  double seconds = 0;
  size_t failures = 0;
  std::string firstFailure;
  std::vector<Sample> samples;  // by ack time
  double achieved = 0;
  std::vector<double> apiMs;           // send → 201
  std::vector<double> propagationMs;   // 201 → in the province's store
  std::vector<double> storeToStoreMs;  // in the county's store → in the province's store
  size_t arrivedBeforeAck = 0;
  double endLagMs = 0;
  double drainMs = 0;
  double writesPerCommit = 0;  // at the county
  bool sustained = false;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

uint64_t metricValue(const std::string& text, const std::string& sample) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(sample + " ", 0) == 0)
      return std::strtoull(line.c_str() + sample.size() + 1, nullptr, 10);
  }
  return 0;
}

class E2e {
 public:
  explicit E2e(E2eOptions options)
      : opt_(std::move(options)), arrivalNs_(kMaxTrackedRecords), countyNs_(kMaxTrackedRecords) {}
  ~E2e() { tearDown(); }

  Status setUp();
  Status run();
  Status catchUp(size_t records);

 private:
  Result<std::string> admin(const std::vector<std::string>& args);
  Status initNode(Node& n, const Node* parent);
  Status startAndWait(Node& n);
  Status enroll(Node& child, const Node& parent);
  Status publishCatalog();
  void poll(std::unique_ptr<LmdbStore> province, std::unique_ptr<LmdbStore> county);
  Status runPhase(Phase& phase);
  Status drain(Phase& phase);
  void tearDown();
  std::pair<uint64_t, uint64_t> countyCommits();

  E2eOptions opt_;
  fs::path dir_;
  Node province_{kProvince, "湖南省"};
  Node city_{kCity, "长沙市"};
  Node county_{kCounty, "芙蓉区"};
  std::string countyToken_;

  // Written by the poller: arrival time per county sequence in the province's and in the county's
  // store, published up to provinceHead_.
  std::vector<int64_t> arrivalNs_;
  std::vector<int64_t> countyNs_;
  std::atomic<uint64_t> provinceHead_{0};
  std::atomic<bool> stopPoll_{false};
  std::thread poller_;
  uint64_t caseNo_ = 0;
};

Result<std::string> E2e::admin(const std::vector<std::string>& args) {
  return testnet::runAdmin(opt_.binDir / "govbus-admin", args, dir_ / "admin.out");
}

Status E2e::initNode(Node& n, const Node* parent) {
  testnet::LoopbackNodeSpec spec{n.code, dir_ / n.code, n.apiPort, "", ""};
  if (n.listenPort != 0) spec.listenEndpoint = n.endpoint();
  if (parent != nullptr) spec.parentEndpoint = parent->endpoint();
  GOVBUS_ASSIGN_OR_RETURN(
      n.proc, testnet::initLoopbackNode(opt_.binDir / "govbus-admin", spec, dir_ / "admin.out"));
  return Status::Ok();
}

Status E2e::startAndWait(Node& n) {
  return testnet::startHealthy(*n.proc, opt_.binDir / "govbus-node", kHealthyTimeout);
}

Status E2e::enroll(Node& child, const Node& parent) {
  GOVBUS_ASSIGN_OR_RETURN(std::string key, admin({"pubkey", "--dir", child.proc->dir().string()}));
  GOVBUS_TRY(
      admin({"enroll", "--child-key", key, "--code", child.code, "--name", child.name,
             "--parent-dir", parent.proc->dir().string(), "--out", child.proc->dir().string()}));
  return Status::Ok();
}

Status E2e::publishCatalog() {
  Json item{{"code", "XK-E2E"},       {"name", "县级许可（基准）"}, {"level", "county"},
            {"legal_days", 20},       {"promised_days", 10},        {"delegable", false},
            {"materials", {"申请书"}}};
  testnet::HttpReply r = province_.proc->post("/v1/catalog", Json{{"items", {item}}}, 10s);
  if (r.status != 201) {
    return makeError(ErrorCode::kIo, "the province refused the catalog: " + r.text);
  }
  const auto until = Clock::now() + kCatalogTimeout;
  while (Clock::now() < until) {
    testnet::HttpReply a =
        county_.proc->get("/v1/authority?item=XK-E2E&region=" + std::string(kCounty), 2s);
    if (a.status == 200 && a.body.is_object() && a.body.value("handler", "") == kCounty)
      return Status::Ok();
    std::this_thread::sleep_for(100ms);
  }
  return makeError(ErrorCode::kIo, "the catalog did not reach the county");
}

Status E2e::setUp() {
  std::string tmpl = (fs::temp_directory_path() / "govbus-e2e-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return makeError(ErrorCode::kIo,
                     "cannot create a directory under " + fs::temp_directory_path().string());
  }
  dir_ = tmpl;
  for (Node* n : {&province_, &city_, &county_}) {
    GOVBUS_ASSIGN_OR_RETURN(n->apiPort, testnet::freeLoopbackPort());
  }
  GOVBUS_ASSIGN_OR_RETURN(province_.listenPort, testnet::freeLoopbackPort());
  GOVBUS_ASSIGN_OR_RETURN(city_.listenPort, testnet::freeLoopbackPort());
  GOVBUS_TRY(initNode(province_, nullptr));
  GOVBUS_TRY(initNode(city_, &province_));
  GOVBUS_TRY(initNode(county_, &city_));
  GOVBUS_TRY(admin({"anchor", "--code", kProvince, "--name", province_.name, "--key",
                    (province_.proc->dir() / "node.key").string(), "--out",
                    (province_.proc->dir() / "anchor.cert").string()}));
  GOVBUS_TRY(startAndWait(province_));
  GOVBUS_TRY(enroll(city_, province_));
  GOVBUS_TRY(startAndWait(city_));
  GOVBUS_TRY(enroll(county_, city_));
  GOVBUS_TRY(startAndWait(county_));
  GOVBUS_TRY(publishCatalog());
  countyToken_ = trim([&] {
    std::ifstream in(county_.proc->dir() / "api.token");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }());
  // The province's and the county's stores, read from here. Opened after every fork: LMDB
  // environments must not be used across fork().
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> province,
                          LmdbStore::open(province_.proc->dir() / "data"));
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> county,
                          LmdbStore::open(county_.proc->dir() / "data"));
  poller_ = std::thread([this, p = std::move(province), c = std::move(county)]() mutable {
    poll(std::move(p), std::move(c));
  });
  return Status::Ok();
}

void E2e::poll(std::unique_ptr<LmdbStore> province, std::unique_ptr<LmdbStore> county) {
  // Head of the county's feed in `store`, or nullopt when it cannot be read.
  auto headIn = [](LmdbStore& store) -> std::optional<uint64_t> {
    auto view = store.beginRead();
    if (!view) return std::nullopt;
    auto head = (*view)->head(kCounty);
    if (!head) return std::nullopt;
    return head->has_value() ? (*head)->seq : 0;
  };
  const uint64_t limit = arrivalNs_.size() - 1;
  uint64_t atProvince = 0, atCounty = 0;
  while (!stopPoll_.load(std::memory_order_relaxed)) {
    // The county first: a record seen at the province in this turn was at the county before.
    if (auto c = headIn(*county)) {
      const int64_t at = nowNs();
      for (uint64_t s = atCounty + 1; s <= std::min(*c, limit); ++s) countyNs_[s] = at;
      atCounty = std::max(atCounty, std::min(*c, limit));
    }
    if (auto p = headIn(*province)) {
      const int64_t at = nowNs();
      const uint64_t seq = std::min(*p, limit);
      for (uint64_t s = atProvince + 1; s <= seq; ++s) arrivalNs_[s] = at;
      if (seq > atProvince) {
        atProvince = seq;
        provinceHead_.store(seq, std::memory_order_release);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(kPollIntervalUs));
  }
}

std::pair<uint64_t, uint64_t> E2e::countyCommits() {
  testnet::HttpReply r = county_.proc->get("/metrics", 5s);
  return {metricValue(r.text, "govbus_commit_latency_seconds_count"),
          metricValue(r.text, "govbus_records_authored_total{kind=\"case_event\"}")};
}

Status E2e::runPhase(Phase& phase) {
  const uint64_t firstCase = caseNo_;
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  const auto [commitsBefore, authoredBefore] = countyCommits();
  const int64_t t0 = nowNs() + 500'000'000;  // time for every writer to connect
  const int64_t end = t0 + static_cast<int64_t>(phase.seconds * 1e9);
  const double intervalNs = phase.offered > 0 ? 1e9 / phase.offered : 0;
  auto writer = [&] {
    httplib::Client client("127.0.0.1", county_.apiPort);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    client.set_connection_timeout(5s);
    client.set_read_timeout(kHttpTimeout);
    client.set_write_timeout(kHttpTimeout);
    const httplib::Headers headers = {{"Authorization", "Bearer " + countyToken_}};
    std::vector<Sample> mine;
    size_t failures = 0;
    std::string firstFailure;
    // Connect before the phase starts: 32 connections at once can overflow the API's small listen
    // backlog, which is a cost of the burst, not of the steady state.
    for (int attempt = 0; attempt < 3 && !client.Get("/healthz"); ++attempt) {
    }
    std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(t0)));
    while (true) {
      const uint64_t i = next.fetch_add(1);
      int64_t due = 0;
      if (phase.offered > 0) {
        // Every write due before the end is sent, late or not, unless the node has fallen so far
        // behind the schedule that the rate is plainly not sustained.
        due = t0 + static_cast<int64_t>(static_cast<double>(i) * intervalNs);
        if (due >= end || nowNs() - due > kMaxLateNs) break;
        std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(due)));
      } else if (nowNs() >= end) {
        break;
      }
      const std::string id = std::string(kCounty) + "-E2E-" + std::to_string(firstCase + i);
      const Json body{
          {"type", "received"},      {"item", "XK-E2E"},
          {"region", kCounty},       {"applicant_id", "e2e-" + std::to_string(firstCase + i)},
          {"materials", {"申请书"}}, {"first_responsible", "窗口 1 号"}};
      const int64_t sent = nowNs();
      auto res =
          client.Post("/v1/cases/" + id + "/events", headers, body.dump(), "application/json");
      const int64_t acked = nowNs();
      uint64_t seq = 0;
      if (res && res->status == 201) {
        Json j = Json::parse(res->body, nullptr, false);
        if (j.is_object()) seq = j.value("seq", uint64_t{0});
      }
      if (seq == 0 || seq >= arrivalNs_.size()) {
        if (failures++ == 0)
          firstFailure =
              res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error());
        continue;
      }
      mine.push_back(Sample{seq, phase.offered > 0 ? due : sent, acked});
    }
    std::lock_guard lock(mu);
    phase.samples.insert(phase.samples.end(), mine.begin(), mine.end());
    if (phase.failures == 0 && failures > 0) phase.firstFailure = firstFailure;
    phase.failures += failures;
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < opt_.writers; ++w) writers.emplace_back(writer);
  for (std::thread& t : writers) t.join();
  caseNo_ += next.load();
  std::sort(phase.samples.begin(), phase.samples.end(),
            [](const Sample& a, const Sample& b) { return a.ackNs < b.ackNs; });
  if (phase.samples.empty()) {
    return makeError(ErrorCode::kIo, "no write of phase '" + phase.name +
                                         "' was acknowledged: " + phase.firstFailure);
  }
  // Over the phase, or until its last acknowledgment when that came later.
  const int64_t finished = std::max(end, phase.samples.back().ackNs);
  phase.achieved =
      static_cast<double>(phase.samples.size()) / (static_cast<double>(finished - t0) / 1e9);
  GOVBUS_TRY(drain(phase));
  const auto [commitsAfter, authoredAfter] = countyCommits();
  if (commitsAfter > commitsBefore) {
    phase.writesPerCommit = static_cast<double>(authoredAfter - authoredBefore) /
                            static_cast<double>(commitsAfter - commitsBefore);
  }
  phase.sustained = phase.failures == 0 &&
                    (phase.offered == 0 || phase.achieved >= kSustainedFraction * phase.offered) &&
                    phase.endLagMs <= static_cast<double>(kSustainedEndLagMs);
  return Status::Ok();
}

Status E2e::drain(Phase& phase) {
  uint64_t maxSeq = 0;
  for (const Sample& s : phase.samples) maxSeq = std::max(maxSeq, s.seq);
  const auto until = Clock::now() + kDrainTimeout;
  while (provinceHead_.load(std::memory_order_acquire) < maxSeq) {
    if (Clock::now() > until) {
      return makeError(ErrorCode::kIo, "the province did not catch up with the county within " +
                                           std::to_string(kDrainTimeout.count()) + " s (it has " +
                                           std::to_string(provinceHead_.load()) + " of " +
                                           std::to_string(maxSeq) + ")");
    }
    std::this_thread::sleep_for(1ms);
  }
  const int64_t lastAck = phase.samples.back().ackNs;
  int64_t oldestMissingAck = lastAck;
  for (const Sample& s : phase.samples) {
    const int64_t arrived = arrivalNs_[s.seq];
    phase.apiMs.push_back(static_cast<double>(s.ackNs - s.sentNs) / 1e6);
    if (arrived < s.ackNs) ++phase.arrivedBeforeAck;
    phase.propagationMs.push_back(static_cast<double>(std::max<int64_t>(0, arrived - s.ackNs)) /
                                  1e6);
    if (arrived > lastAck) oldestMissingAck = std::min(oldestMissingAck, s.ackNs);
    // Polled county first, so it saw the record no later than the province did; 0 would mean the
    // record crossed both stores between the two reads of one turn.
    const int64_t atCounty = countyNs_[s.seq] != 0 ? countyNs_[s.seq] : arrived;
    phase.storeToStoreMs.push_back(static_cast<double>(std::max<int64_t>(0, arrived - atCounty)) /
                                   1e6);
  }
  phase.endLagMs = static_cast<double>(lastAck - oldestMissingAck) / 1e6;
  phase.drainMs = static_cast<double>(arrivalNs_[maxSeq] - lastAck) / 1e6;
  if (phase.drainMs < 0) phase.drainMs = 0;
  return Status::Ok();
}

void E2e::tearDown() {
  stopPoll_ = true;
  if (poller_.joinable()) poller_.join();
  for (Node* n : {&county_, &city_, &province_}) {
    if (n->proc) n->proc->terminate(10s);
  }
  if (!dir_.empty() && !opt_.keep) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

void printPhases(const std::vector<Phase>& phases) {
  kTable.row("writes", {"offered/s", "achieved/s", "api p50", "api p99", "w/commit", "end lag",
                        "drain", "sustained"});
  kTable.rule(8);
  for (const Phase& p : phases) {
    kTable.row(
        p.name,
        {p.offered > 0 ? cellText("%.0f", p.offered) : "max", cellText("%.0f", p.achieved),
         cellText("%.1f", percentile(p.apiMs, 0.5)), cellText("%.1f", percentile(p.apiMs, 0.99)),
         cellText("%.1f", p.writesPerCommit), cellText("%.0f", p.endLagMs),
         cellText("%.0f", p.drainMs), p.offered > 0 ? (p.sustained ? "yes" : "NO") : "-"});
  }
  std::printf("\n");
  kTable.row("propagation, ms", {"201>prov", "p99", "max", "cty>prov", "p99", "max"});
  kTable.rule(6);
  for (const Phase& p : phases) {
    kTable.row(p.name, {cellText("%.1f", percentile(p.propagationMs, 0.5)),
                        cellText("%.1f", percentile(p.propagationMs, 0.99)),
                        cellText("%.1f", percentile(p.propagationMs, 1.0)),
                        cellText("%.1f", percentile(p.storeToStoreMs, 0.5)),
                        cellText("%.1f", percentile(p.storeToStoreMs, 0.99)),
                        cellText("%.1f", percentile(p.storeToStoreMs, 1.0))});
  }
}

Status E2e::run() {
  std::printf(
      "govbus-bench --e2e: county %s -> city %s -> province %s, three govbus-node processes on\n"
      "127.0.0.1 (default sync timings) under %s\n"
      "writes: `received` case events at the county API over %d keep-alive HTTP connections;\n"
      "the province's store is polled every %.1f ms (its LMDB, read-only, from this process)\n\n",
      kCounty, kCity, kProvince, dir_.c_str(), opt_.writers,
      static_cast<double>(kPollIntervalUs) / 1000);
  std::fflush(stdout);

  Phase ceiling{"county API, closed loop (ceiling)", 0, opt_.ceilingSeconds};
  GOVBUS_TRY(runPhase(ceiling));
  Phase latency{"steady " + cellText("%.0f", opt_.latencyRate) + "/s, " +
                    cellText("%.0f", opt_.latencySeconds) + " s",
                opt_.latencyRate, opt_.latencySeconds};
  GOVBUS_TRY(runPhase(latency));
  std::vector<Phase> steps;
  for (double rate : opt_.stepRates) {
    std::printf("step %.0f writes/s for %.0f s...\n", rate, opt_.stepSeconds);
    std::fflush(stdout);
    Phase step{"step " + cellText("%.0f", rate) + "/s", rate, opt_.stepSeconds};
    GOVBUS_TRY(runPhase(step));
    if (!step.sustained) {
      // One more try before concluding: on a shared machine one stall of another process can
      // sink a step that the nodes sustain.
      std::printf("step %.0f writes/s not sustained; once more...\n", rate);
      std::fflush(stdout);
      steps.push_back(std::move(step));
      steps.back().name += " (1st)";
      Phase again{"step " + cellText("%.0f", rate) + "/s (2nd)", rate, opt_.stepSeconds};
      GOVBUS_TRY(runPhase(again));
      step = std::move(again);
    }
    steps.push_back(std::move(step));
    if (!steps.back().sustained) break;
  }

  std::printf(
      "\nms. api = send (open loop: when due) -> 201 at the county; w/commit = county writes per\n"
      "durable commit; end lag = age of the oldest acknowledged record the province lacked when\n"
      "the last write was acknowledged; drain = last 201 -> the province holds everything;\n"
      "201>prov = the county's 201 -> in the province's store (p50, p99, max; 0 when the record\n"
      "got there first); cty>prov = in the county's store -> in the province's store, both "
      "polled\n\n");
  std::vector<Phase> all = {ceiling, latency};
  all.insert(all.end(), steps.begin(), steps.end());
  printPhases(all);

  double maxSustained = 0;
  for (const Phase& s : steps) {
    if (s.sustained) maxSustained = std::max(maxSustained, s.offered);
  }
  std::printf(
      "\nat %.0f writes/s: propagation p50 %.1f ms, p99 %.1f ms, max %.1f ms over %zu "
      "records (%zu arrived before the bench saw their 201)\n",
      latency.offered, percentile(latency.propagationMs, 0.5),
      percentile(latency.propagationMs, 0.99), percentile(latency.propagationMs, 1.0),
      latency.propagationMs.size(), latency.arrivedBeforeAck);
  if (maxSustained > 0) {
    std::printf(
        "max sustained replicated rate (of the steps): %.0f writes/s = %.2f x the county "
        "API's closed-loop rate (%.0f writes/s)\n",
        maxSustained, maxSustained / ceiling.achieved, ceiling.achieved);
  } else {
    std::printf("no step was sustained; the county API's closed-loop rate was %.0f writes/s\n",
                ceiling.achieved);
  }
  if (!steps.empty() && !steps.back().sustained) {
    const Phase& s = steps.back();
    std::printf("at %.0f writes/s: %s\n", s.offered,
                s.endLagMs > static_cast<double>(kSustainedEndLagMs)
                    ? "the province fell behind (replication is the limit)"
                    : "the county's API fell behind the schedule while the province kept up "
                      "(the county's commit rate is the limit)");
  }
  std::printf("sustained = achieved >= %.0f%% of offered, no failed write, end lag <= %lld ms\n",
              kSustainedFraction * 100, static_cast<long long>(kSustainedEndLagMs));
  for (const Phase& p : all) {
    if (p.failures > 0) {
      std::printf("%s: %zu writes failed, first: %s\n", p.name.c_str(), p.failures,
                  p.firstFailure.c_str());
    }
  }
  if (opt_.keep) std::printf("node directories kept under %s\n", dir_.c_str());
  std::fflush(stdout);
  return Status::Ok();
}

// The single-core verify limit, measured here: Ed25519 verifications per second of records like
// the county's, one thread.
double singleCoreVerifyRate() {
  constexpr size_t kSamples = 20000;
  SigningKey key = SigningKey::generate();
  std::vector<Bytes> bodies, signatures;
  for (size_t i = 0; i < kSamples; ++i) {
    Envelope e;
    e.author = kCounty;
    e.keySerial = 1;
    e.seq = i + 1;
    e.prevHash = Bytes(kHashBytes, 0xab);
    e.lamport = i + 1;
    e.wallTimeMs = 1'767'225'600'000 + static_cast<int64_t>(i);
    e.frontier = {{kProvince, 40}, {kCity, 3}};
    CaseEvent c;
    c.caseId = std::string(kCounty) + "-CU-" + std::to_string(i);
    c.type = CaseEventType::kReceived;
    c.received = CaseReceived{"XK-E2E",   kCounty,      kCounty,    Bytes(32, 7),
                              {"申请书"}, std::nullopt, "窗口 1 号"};
    bodies.push_back(encodeRecordBody(Record{e, c}));
    signatures.push_back(key.sign(kRecordSignatureDomain, bodies.back()));
  }
  const PublicKey pub = key.publicKey();
  size_t good = 0;
  const auto start = Clock::now();
  for (size_t i = 0; i < kSamples; ++i)
    good += pub.verify(kRecordSignatureDomain, bodies[i], signatures[i]);
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  return good == kSamples ? static_cast<double>(kSamples) / s : 0;
}

// The county writes `records` case events while its upstream (the city) is down; then the city
// comes back and the bench times how long until the province holds them all.
Status E2e::catchUp(size_t records) {
  auto headOf = [](LmdbStore& store) -> uint64_t {
    auto view = store.beginRead();
    if (!view) return 0;
    auto head = (*view)->head(kCounty);
    return head && head->has_value() ? (*head)->seq : 0;
  };
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> countyStore,
                          LmdbStore::open(county_.proc->dir() / "data"));
  std::printf("the city %s goes down; the county %s takes %zu writes meanwhile...\n", kCity,
              kCounty, records);
  std::fflush(stdout);
  if (city_.proc->terminate(10s) != 0)
    return makeError(ErrorCode::kIo, "the city did not stop cleanly");
  const uint64_t before = headOf(*countyStore);
  std::atomic<uint64_t> next{0};
  uint64_t failures = 0;
  std::mutex failureMu;
  std::string firstFailure;
  const auto writeStart = Clock::now();
  auto writer = [&] {
    httplib::Client client("127.0.0.1", county_.apiPort);
    client.set_keep_alive(true);
    client.set_read_timeout(kHttpTimeout);
    const httplib::Headers headers = {{"Authorization", "Bearer " + countyToken_}};
    for (uint64_t i = next.fetch_add(1); i < records; i = next.fetch_add(1)) {
      const Json body{{"type", "received"},      {"item", "XK-E2E"},
                      {"region", kCounty},       {"applicant_id", "cu-" + std::to_string(i)},
                      {"materials", {"申请书"}}, {"first_responsible", "窗口 1 号"}};
      // A case id starts with its receiver's code (PROTOCOL §10: case_id_not_receivers).
      auto res =
          client.Post("/v1/cases/" + std::string(kCounty) + "-CU-" + std::to_string(i) + "/events",
                      headers, body.dump(), "application/json");
      if (!res || res->status != 201) {
        std::lock_guard lock(failureMu);
        if (failures++ == 0)
          firstFailure =
              res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error());
      }
    }
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < opt_.writers; ++w) writers.emplace_back(writer);
  for (std::thread& t : writers) t.join();
  const double writeSeconds = std::chrono::duration<double>(Clock::now() - writeStart).count();
  // A keep-alive connection the server closed fails the write on it; what counts is what the
  // county's feed holds, read below. Many failures mean something else is wrong.
  if (failures * 100 > records) {
    return makeError(
        ErrorCode::kIo,
        std::to_string(failures) + " of the county's writes failed, the first: " + firstFailure);
  }
  const uint64_t target = headOf(*countyStore);
  std::printf(
      "the county wrote %llu records in %.1f s (%.0f writes/s; %llu requests failed); its feed "
      "is at %llu\n",
      static_cast<unsigned long long>(target - before), writeSeconds,
      static_cast<double>(target - before) / writeSeconds,
      static_cast<unsigned long long>(failures), static_cast<unsigned long long>(target));
  std::printf("measuring one core's Ed25519 verify rate...\n");
  std::fflush(stdout);
  const double verifyRate = singleCoreVerifyRate();
  if (verifyRate <= 0) return makeError(ErrorCode::kIo, "the verify baseline failed");

  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> cityStore,
                          LmdbStore::open(city_.proc->dir() / "data"));
  const auto restart = Clock::now();
  GOVBUS_TRY(startAndWait(city_));
  std::optional<Clock::time_point> firstAtCity, allAtCity, allAtProvince;
  const auto until = Clock::now() + kDrainTimeout;
  while (!allAtProvince) {
    if (Clock::now() > until) {
      return makeError(ErrorCode::kIo, "the province did not catch up within " +
                                           std::to_string(kDrainTimeout.count()) + " s");
    }
    const uint64_t atCity = headOf(*cityStore);
    const auto now = Clock::now();
    if (!firstAtCity && atCity > before) firstAtCity = now;
    if (!allAtCity && atCity >= target) allAtCity = now;
    if (provinceHead_.load(std::memory_order_acquire) >= target) allAtProvince = now;
    std::this_thread::sleep_for(std::chrono::microseconds(kPollIntervalUs));
  }
  if (!firstAtCity) firstAtCity = allAtProvince;
  if (!allAtCity) allAtCity = allAtProvince;
  auto secs = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  const double n = static_cast<double>(target - before);
  const double limit = n / verifyRate;
  const double total = secs(restart, *allAtProvince);
  const double flowing = secs(*firstAtCity, *allAtProvince);
  std::printf(
      "\ncatch-up of %.0f records, county -> city -> province (each hop verifies every record):\n"
      "  city restarted -> its first record from the county      %6.2f s (start, reconnect "
      "backoff)\n"
      "  first record at the city -> the city holds them all     %6.2f s\n"
      "  first record at the city -> the province holds them all %6.2f s (%.0f records/s)\n"
      "  city restarted -> the province holds them all           %6.2f s\n"
      "single-core verify limit for %.0f records: %.2f s (%.0f verifies/s on one core, measured "
      "in this run)\n"
      "catch-up / single-core verify limit = %.2f (from the first record at the city); %.2f "
      "(from the city's restart)\n",
      n, secs(restart, *firstAtCity), secs(*firstAtCity, *allAtCity), flowing, n / flowing, total,
      n, limit, verifyRate, flowing / limit, total / limit);
  std::fflush(stdout);
  return Status::Ok();
}

// The three nodes set up, for `mode` (--e2e, --catch-up), then `then` run on them.
Status withNetwork(const E2eOptions& options, const char* mode,
                   const std::function<Status(E2e&)>& then) {
  // A write to a node's socket that just closed must fail, not end the bench.
  ::signal(SIGPIPE, SIG_IGN);
  for (const char* b : {"govbus-node", "govbus-admin"}) {
    if (::access((options.binDir / b).c_str(), X_OK) != 0) {
      return makeError(ErrorCode::kNotFound, "cannot run " + (options.binDir / b).string() +
                                                 " (build govbus-node and govbus-admin)");
    }
  }
  E2e e2e(options);
  std::printf("govbus-bench %s: setting up the province, the city and the county...\n", mode);
  std::fflush(stdout);
  GOVBUS_TRY(e2e.setUp());
  return then(e2e);
}

}  // namespace

Status runCatchUp(const E2eOptions& options, size_t records) {
  return withNetwork(options, "--catch-up", [&](E2e& e) { return e.catchUp(records); });
}

Status runE2e(const E2eOptions& options) {
  return withNetwork(options, "--e2e", [](E2e& e) { return e.run(); });
}

}  // namespace govbus::bench
