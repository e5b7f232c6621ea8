// Integration tests of govbus-node: real processes on loopback, real LMDB, real ZeroMQ with
// CurveZMQ. Each test builds its own small province (temporary directories, free ports) with the
// harness in node_harness.h, the way an operator would with govbus-admin.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "crypto/applicant_key.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "node/chain_file.h"
#include "node/node_harness.h"
#include "protocol/limits.h"
#include "protocol/record_codec.h"
#include "protocol/sync_codec.h"

namespace govbus::testing {
namespace {

using namespace std::chrono_literals;

Json countyItem() {
  return Json{{"code", "XK-COUNTY"},    {"name", "县级许可"},  {"level", "county"},
              {"legal_days", 20},       {"promised_days", 10}, {"delegable", true},
              {"materials", {"申请书"}}};
}
Json cityItem() {
  return Json{{"code", "XK-CITY"},
              {"name", "市级许可"},
              {"level", "city"},
              {"legal_days", 30},
              {"promised_days", 20}};
}
Json received(const std::string& item, const std::string& region, const std::string& applicant) {
  return Json{{"type", "received"},      {"item", item},
              {"region", region},        {"applicant_id", applicant},
              {"materials", {"申请书"}}, {"first_responsible", "窗口 1 号 张三"}};
}

// Province 430000 → city 430100 → county 430102, enrolled and running; the county lists
// `countyUpstreams` (the city first).
struct Chain {
  NodeCluster cluster;
  NodeProcess* province = nullptr;
  NodeProcess* city = nullptr;
  NodeProcess* county = nullptr;

  explicit Chain(const std::vector<std::string>& countyUpstreams = {"430100"}) {
    province = &cluster.add("430000", "湖南省");
    city = &cluster.add("430100", "长沙市", {"430000"});
    county = &cluster.add("430102", "芙蓉区", countyUpstreams, /*listens=*/false);
    cluster.start("430000");
    cluster.enroll("430100", "430000");
    cluster.start("430100");
    cluster.enroll("430102", "430100");
    cluster.start("430102");
  }

  // The province publishes the catalog; returns once the county can use it.
  void publishCatalog() {
    HttpResult r = province->post("/v1/catalog", Json{{"items", {countyItem(), cityItem()}}});
    ASSERT_EQ(r.status, 201) << r.text;
    ASSERT_TRUE(eventually([&] {
      return county->get("/v1/authority?item=XK-COUNTY&region=430102").body.value("handler", "") ==
             "430102";
    })) << "the catalog did not reach the county";
  }
};

Json provinceLinkTo(const NodeProcess& p, const std::string& peer);

std::string upstreamOf(const NodeProcess& n) {
  HttpResult r = n.get("/v1/peers");
  if (r.status != 200 || !r.body["upstream"].is_object()) return "";
  return r.body["upstream"].value("code", "") + ":" + r.body["upstream"].value("state", "");
}

// --- (a) convergence --------------------------------------------------------------------------

TEST(NodeIntegration, ProvinceCityCountyConvergeAfterWritesAtEveryLevel) {
  Chain c;
  c.publishCatalog();
  NodeProcess& p = *c.province;
  NodeProcess& city = *c.city;
  NodeProcess& k = *c.county;

  ASSERT_EQ(
      k.post("/v1/cases/430102-K1/events", received("XK-COUNTY", "430102", "430102199001011234"))
          .status,
      201);
  ASSERT_EQ(k.post("/v1/cases/430102-K1/events", Json{{"type", "accepted"}}).status, 201);
  HttpResult cityCase =
      city.post("/v1/cases/430100-C1/events", received("XK-CITY", "430100", "430100198805050011"));
  ASSERT_EQ(cityCase.status, 201) << cityCase.body.dump();
  ASSERT_EQ(
      city.post("/v1/complaints",
                Json{{"against", "430102"}, {"summary", "窗口推诿"}, {"case_id", "430102-K1"}})
          .status,
      201);
  ASSERT_TRUE(eventually([&] { return p.get("/v1/cases/430102-K1").status == 200; }))
      << "K-1 did not reach the province";
  HttpResult urge = p.post(
      "/v1/orders", Json{{"case_id", "430102-K1"}, {"kind", "urge"}, {"note", "请按时办结"}});
  ASSERT_EQ(urge.status, 201) << urge.text;

  // Every node holds the same three feeds, so equal heads must give equal state digests.
  const std::vector<std::string> feeds = {"430000", "430100", "430102"};
  bool converged = eventually([&] {
    for (const std::string& f : feeds) {
      uint64_t h = p.head(f);
      if (h == 0 || city.head(f) != h || k.head(f) != h) return false;
    }
    std::string d = p.digest();
    return !d.empty() && city.digest() == d && k.digest() == d;
  });
  ASSERT_TRUE(converged) << "digests " << p.digest() << " " << city.digest() << " " << k.digest();
  EXPECT_EQ(p.head("430102"), 2u);
  EXPECT_EQ(k.get("/v1/cases/430102-K1").body.value("urges", 0), 1)
      << "the province's order reached the county";
  EXPECT_EQ(k.get("/v1/status").body.value("void_total", 99), 0);

  // Peers report their links as ready and in sync.
  ASSERT_TRUE(eventually([&] {
    HttpResult peers = city.get("/v1/peers");
    for (const Json& l : peers.body["links"]) {
      if (l.value("state", "") != "ready" || l.value("lag_records", 1) != 0) return false;
    }
    return peers.body["links"].size() == 2;
  }));

  // SIGTERM drains and exits 0; a restart serves the same state.
  std::string digest = k.digest();
  EXPECT_EQ(k.terminate(), 0);
  EXPECT_EQ(city.terminate(), 0);
  EXPECT_EQ(p.terminate(), 0);
  c.cluster.start("430102");
  EXPECT_EQ(k.digest(), digest);
}

// --- (b) crash of the city during a stream of county writes ----------------------------------

TEST(NodeIntegration, ProvinceGetsEveryAcknowledgedCountyRecordAcrossAKilledCity) {
  Chain c;
  c.publishCatalog();
  NodeProcess& p = *c.province;
  NodeProcess& city = *c.city;
  NodeProcess& k = *c.county;

  // The outage is defined by what the county observed, not by how fast this machine writes: 40
  // writes before the kill, 70 while the county knows its city is gone, 40 after the restart.
  constexpr int kWrites = 150;
  uint64_t lastAcked = 0;
  int acked = 0;
  for (int i = 0; i < kWrites; ++i) {
    if (i == 40) {
      city.kill9();
      ASSERT_TRUE(eventually([&] {
        return !k.get("/v1/peers").body["upstream"].value("last_error", "").empty();
      })) << "the county never noticed that the city was gone";
    }
    if (i == 110) {
      city.start();
      ASSERT_TRUE(city.waitHealthy());
    }
    HttpResult r = k.post("/v1/cases/430102-B" + std::to_string(i) + "/events",
                          received("XK-COUNTY", "430102", "applicant-" + std::to_string(i)));
    if (r.status == 201) {
      ++acked;
      lastAcked = std::max<uint64_t>(lastAcked, r.body.value("seq", 0));
    }
  }
  EXPECT_EQ(acked, kWrites) << "the county's API does not depend on its parent";
  ASSERT_TRUE(eventually([&] { return p.head("430102") >= lastAcked; }))
      << "province has " << p.head("430102") << " of " << lastAcked;
  EXPECT_EQ(p.head("430102"), lastAcked);
  for (int i : {0, 39, 40, 75, 109, 110, kWrites - 1}) {
    EXPECT_EQ(p.get("/v1/cases/430102-B" + std::to_string(i)).status, 200) << "case 430102-B" << i;
  }
}

// A county whose disk was lost starts with an empty store: it must not sign a second record #1.
TEST(NodeIntegration, ACountyThatLostItsStoreGetsItsOwnFeedBackBeforeItWrites) {
  Chain c;
  c.publishCatalog();
  NodeProcess& city = *c.city;
  NodeProcess& k = *c.county;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(k.post("/v1/cases/430102-L" + std::to_string(i) + "/events",
                     received("XK-COUNTY", "430102", "lost-" + std::to_string(i)))
                  .status,
              201);
  }
  ASSERT_TRUE(eventually([&] { return city.head("430102") == 5; }));
  k.kill9();
  std::filesystem::remove_all(k.dir() / "data");
  k.start();
  ASSERT_TRUE(k.waitHealthy());
  // A case needs the catalog to find its handler; the catalog comes back with the province's feed,
  // independently of the county's own.
  ASSERT_TRUE(eventually([&] {
    return k.get("/v1/authority?item=XK-COUNTY&region=430102").body.value("handler", "") ==
           "430102";
  }));
  // The write waits until the city has sent the county its own feed back, then follows it.
  HttpResult r = k.post("/v1/cases/430102-L5/events", received("XK-COUNTY", "430102", "lost-5"));
  ASSERT_EQ(r.status, 201) << r.text;
  EXPECT_EQ(r.body.value("seq", 0), 6);
  ASSERT_TRUE(eventually([&] { return city.head("430102") == 6; }));
  EXPECT_EQ(city.get("/v1/status").body.value("forks", 99), 0);
}

// --- (c) fallback upstream --------------------------------------------------------------------

TEST(NodeIntegration, CountyReachesTheProvinceThroughItsFallbackWhileTheCityIsDown) {
  Chain c({"430100", "430000"});
  c.publishCatalog();
  NodeProcess& p = *c.province;
  NodeProcess& city = *c.city;
  NodeProcess& k = *c.county;
  // The province learns the county's certificate from the city's feed; only then does its ZAP
  // handler admit the county.
  ASSERT_TRUE(eventually([&] { return p.head("430100") >= 1; }));
  ASSERT_TRUE(eventually([&] { return upstreamOf(k) == "430100:connected"; }));

  city.kill9();
  uint64_t lastAcked = 0;
  for (int i = 0; i < 20; ++i) {
    HttpResult r = k.post("/v1/cases/430102-F" + std::to_string(i) + "/events",
                          received("XK-COUNTY", "430102", "fallback-" + std::to_string(i)));
    ASSERT_EQ(r.status, 201) << r.text;
    lastAcked = r.body.value("seq", 0);
  }
  ASSERT_TRUE(eventually([&] { return p.head("430102") == lastAcked; }))
      << "province has " << p.head("430102") << " of " << lastAcked << "; county upstream "
      << upstreamOf(k);
  EXPECT_EQ(upstreamOf(k), "430000:connected");
  EXPECT_TRUE(k.get("/v1/peers").body["upstream"].value("fallback", false));

  // The city comes back: the county returns to it, and the city catches up.
  city.start();
  ASSERT_TRUE(city.waitHealthy());
  ASSERT_TRUE(eventually([&] { return upstreamOf(k) == "430100:connected"; })) << upstreamOf(k);
  ASSERT_TRUE(eventually([&] { return city.head("430102") == lastAcked; }));
  EXPECT_EQ(city.digest(), p.digest());
}

// --- (d) ZAP refuses keys that are not enrolled descendants ------------------------------------

// A CurveZMQ client with `key` that dials `server` and sends it a ping. Its socket monitor reports
// how the CURVE handshake ended, so a test waits for that outcome (observed state, with a generous
// limit) instead of for a reply that may only be slow.
class CurveClient {
 public:
  CurveClient(zmq::context_t& ctx, const SigningKey& key, const std::string& endpoint,
              const Curve25519Key& serverKey)
      : socket_(ctx, zmq::socket_type::dealer), monitor_(ctx, zmq::socket_type::pair) {
    static int clients = 0;
    std::string monitorAddress = "inproc://curve-client-" + std::to_string(++clients);
    auto pub = key.publicKey().curve25519();
    Curve25519Key sec = key.curve25519Secret();
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(serverKey.data(), 32));
    socket_.set(zmq::sockopt::curve_publickey, zmq::const_buffer(pub->data(), 32));
    socket_.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(sec.data(), 32));
    EXPECT_EQ(zmq_socket_monitor(
                  socket_.handle(), monitorAddress.c_str(),
                  ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                      ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH),
              0);
    monitor_.connect(monitorAddress);
    socket_.connect(endpoint);
    Bytes ping = encodeSyncMessage(Ping{7, 0});
    (void)socket_.send(zmq::const_buffer(ping.data(), ping.size()), zmq::send_flags::dontwait);
  }
  // Whether the handshake succeeded; nullopt if it had not ended within 30 s.
  std::optional<bool> handshake() {
    zmq::pollitem_t items[] = {{monitor_.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq::poll(items, 1, std::chrono::seconds(30)) <= 0) return std::nullopt;
    zmq::message_t event, address;
    (void)monitor_.recv(event);
    (void)monitor_.recv(address);
    uint16_t id = 0;
    std::memcpy(&id, event.data(), sizeof id);
    return id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
  }
  // Whether an answer arrived within `wait` (0: whether one is already there).
  bool answered(std::chrono::milliseconds wait) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, wait);
    return (items[0].revents & ZMQ_POLLIN) != 0;
  }

 private:
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
};

CurveClient dial(zmq::context_t& ctx, const SigningKey& key, const NodeProcess& server) {
  auto serverKey = loadSigningKey(server.dir() / "node.key")->publicKey().curve25519();
  return CurveClient(ctx, key, server.endpoint(), *serverKey);
}

TEST(NodeIntegration, ZapRefusesUnenrolledAndNonDescendantKeysAndCountsThem) {
  NodeCluster cluster;
  NodeProcess& p = cluster.add("430000", "湖南省");
  NodeProcess& city = cluster.add("430100", "长沙市", {"430000"});
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");
  zmq::context_t ctx(1);

  // Refused: the handshake fails (observed on the client), nothing comes back, and it is counted.
  SigningKey stranger = SigningKey::generate();
  CurveClient unknown = dial(ctx, stranger, p);
  EXPECT_EQ(unknown.handshake(), std::optional<bool>(false)) << "an unenrolled key was let in";
  EXPECT_FALSE(unknown.answered(std::chrono::milliseconds(0)));
  EXPECT_TRUE(eventually(
      [&] { return p.metric("govbus_zap_refused_total{reason=\"unknown_key\"}") >= 1; }));

  // The province's own key is enrolled, but it is not below the city: refused there too.
  SigningKey provinceKey = loadSigningKey(p.dir() / "node.key").value();
  CurveClient upward = dial(ctx, provinceKey, city);
  EXPECT_EQ(upward.handshake(), std::optional<bool>(false));
  EXPECT_FALSE(upward.answered(std::chrono::milliseconds(0)));
  EXPECT_TRUE(eventually(
      [&] { return city.metric("govbus_zap_refused_total{reason=\"unknown_key\"}") >= 1; }));

  // The city itself is admitted by the province and answered (waiting for the answer, not a time).
  SigningKey cityKey = loadSigningKey(city.dir() / "node.key").value();
  CurveClient admitted = dial(ctx, cityKey, p);
  EXPECT_EQ(admitted.handshake(), std::optional<bool>(true));
  EXPECT_TRUE(admitted.answered(std::chrono::seconds(30)));
  EXPECT_GE(p.metric("govbus_zap_admitted_total{peer=\"430100\"}"), 1u);
}

// Issue 13, item 4: ZAP judges a key only at the handshake, so a key revoked (or expiring) while
// its connection is open used to keep that connection. The city now closes it as soon as the
// revocation is stored, and the county's new handshake is refused.
TEST(NodeIntegration, ARevokedKeysOpenConnectionIsClosedAndItsNextHandshakeRefused) {
  Chain c;
  NodeProcess& city = *c.city;
  NodeProcess& k = *c.county;
  ASSERT_TRUE(eventually([&] { return upstreamOf(k) == "430100:connected"; }));
  ASSERT_TRUE(
      eventually([&] { return provinceLinkTo(city, "430102").value("state", "") == "ready"; }));
  const uint64_t refusedBefore = city.metric("govbus_zap_refused_total{reason=\"unknown_key\"}");
  HttpResult revoked = city.post(
      "/v1/key-revocations",
      Json{{"subject", "430102"}, {"serial", 1}, {"from_seq", 1000}, {"reason", "密钥泄露"}});
  ASSERT_EQ(revoked.status, 201) << revoked.text;
  EXPECT_TRUE(eventually([&] {
    return city.metric("govbus_connections_refused_total{reason=\"key_no_longer_admitted\"}") >= 1;
  })) << city.metrics();
  EXPECT_TRUE(eventually([&] {
    return provinceLinkTo(city, "430102").value("state", "disconnected") == "disconnected";
  })) << city.get("/v1/peers").text;
  EXPECT_TRUE(eventually([&] {
    return city.metric("govbus_zap_refused_total{reason=\"unknown_key\"}") > refusedBefore;
  })) << "the county's new handshake was not refused";
  EXPECT_TRUE(eventually([&] { return upstreamOf(k) != "430100:connected"; })) << upstreamOf(k);
}

// Issue 13, item 8: what ZeroMQ refuses below the sync protocol — a client without CurveZMQ, raw
// TCP garbage, a frame over the largest sync message from an enrolled peer — used to leave no
// trace. The listening socket's monitor counts each and logs it.
TEST(NodeIntegration, PlainClientsGarbageAndOversizeFramesAreCountedAndLogged) {
  NodeCluster cluster;
  cluster.add("430000", "湖南省");
  NodeProcess& city = cluster.add("430100", "长沙市", {"430000"});
  NodeProcess& rogue = cluster.add("430103", "天心区", {"430100"}, /*listens=*/false);
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");
  cluster.enroll("430103", "430100");
  auto refused = [&](const std::string& reason) {
    return city.metric("govbus_connections_refused_total{reason=\"" + reason + "\"}");
  };
  zmq::context_t ctx(1);
  {
    zmq::socket_t plain(ctx, zmq::socket_type::dealer);
    plain.set(zmq::sockopt::linger, 0);
    plain.connect(city.endpoint());
    (void)plain.send(zmq::str_buffer("hello?"), zmq::send_flags::dontwait);
    EXPECT_TRUE(eventually([&] { return refused("handshake_failed") >= 1; })) << city.metrics();
  }
  {
    const std::string port = city.endpoint().substr(city.endpoint().rfind(':') + 1);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(200, 'z');
    EXPECT_GT(::write(fd, garbage.data(), garbage.size()), 0);
    EXPECT_TRUE(eventually([&] { return refused("no_handshake") >= 1; })) << city.metrics();
    ::close(fd);
  }
  {
    SigningKey key = loadSigningKey(rogue.dir() / "node.key").value();
    auto serverKey = loadSigningKey(city.dir() / "node.key")->publicKey().curve25519();
    auto pub = key.publicKey().curve25519();
    Curve25519Key sec = key.curve25519Secret();
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(serverKey->data(), 32));
    s.set(zmq::sockopt::curve_publickey, zmq::const_buffer(pub->data(), 32));
    s.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(sec.data(), 32));
    s.set(zmq::sockopt::reconnect_ivl, -1);
    s.connect(city.endpoint());
    Bytes ping = encodeSyncMessage(Ping{1, 0});
    (void)s.send(zmq::const_buffer(ping.data(), ping.size()), zmq::send_flags::none);
    zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(5000));
    ASSERT_TRUE(items[0].revents & ZMQ_POLLIN) << "the enrolled peer's ping was not echoed";
    const uint64_t before = refused("disconnected");
    const std::string huge(kMaxSyncMessageBytes + 1024, 'x');
    (void)s.send(zmq::buffer(huge), zmq::send_flags::none);
    EXPECT_TRUE(eventually([&] { return refused("disconnected") > before; })) << city.metrics();
  }
  EXPECT_TRUE(eventually([&] {
    std::string log = city.logTail(200);
    return log.find("handshake_failed on") != std::string::npos &&
           log.find("no_handshake on") != std::string::npos &&
           log.find("a frame over 16777216 bytes") != std::string::npos;
  })) << city.logTail(40);
  EXPECT_EQ(city.get("/healthz").status, 200);
}

// --- (e) a misbehaving enrolled peer ---------------------------------------------------------

SignedRecord forge(const std::string& author, uint64_t seq, const SigningKey& signer) {
  Envelope e;
  e.author = author;
  e.keySerial = 1;
  e.seq = seq;
  if (seq > 1) e.prevHash.assign(32, 0xab);
  e.lamport = 1000 + seq;
  e.wallTimeMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  CaseEvent ev;
  ev.caseId = "FORGED-" + author + "-" + std::to_string(seq);
  ev.type = CaseEventType::kReceived;
  ev.received.item = "XK-COUNTY";
  ev.received.handler = author;
  ev.received.region = author;
  ev.received.applicantHash.assign(32, 1);
  ev.received.firstResponsible = "x";
  Bytes body = encodeRecordBody(Record{e, ev});
  return SignedRecord{body, signer.sign(kRecordSignatureDomain, body)};
}

TEST(NodeIntegration, GarbageAndForgeriesFromAnEnrolledPeerAreCountedWhileAGoodPeerKeepsSyncing) {
  Chain c;
  c.publishCatalog();
  NodeProcess& city = *c.city;
  NodeProcess& k = *c.county;
  // 430103 is enrolled under the city (its certificate is published) but runs rogue code.
  NodeProcess& rogue = c.cluster.add("430103", "天心区", {"430100"}, /*listens=*/false);
  c.cluster.enroll("430103", "430100");
  SigningKey rogueKey = loadSigningKey(rogue.dir() / "node.key").value();
  auto chain = readChainFile(rogue.dir() / "chain.certs");
  ASSERT_TRUE(chain.ok());

  zmq::context_t ctx(1);
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  auto serverKey = loadSigningKey(city.dir() / "node.key")->publicKey().curve25519();
  auto pub = rogueKey.publicKey().curve25519();
  Curve25519Key sec = rogueKey.curve25519Secret();
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(serverKey->data(), 32));
  s.set(zmq::sockopt::curve_publickey, zmq::const_buffer(pub->data(), 32));
  s.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(sec.data(), 32));
  s.connect(city.endpoint());
  auto sendMessage = [&](const SyncMessage& m) {
    Bytes b = encodeSyncMessage(m);
    (void)s.send(zmq::const_buffer(b.data(), b.size()), zmq::send_flags::none);
  };
  auto receive = [&](std::chrono::milliseconds timeout) -> std::optional<SyncMessage> {
    zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, timeout);
    if ((items[0].revents & ZMQ_POLLIN) == 0) return std::nullopt;
    zmq::message_t m;
    (void)s.recv(m);
    auto d = decodeSyncMessage(ByteView(m.data<uint8_t>(), m.size()));
    return d ? std::optional<SyncMessage>(std::move(*d)) : std::nullopt;
  };

  std::mt19937 rng(20260101);
  constexpr int kGarbage = 30;
  for (int i = 0; i < kGarbage; ++i) {
    Bytes junk(1 + rng() % 300);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    (void)s.send(zmq::const_buffer(junk.data(), junk.size()), zmq::send_flags::none);
  }
  for (int i = 0; i < 3; ++i) {  // two frames where one is expected
    (void)s.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
    (void)s.send(zmq::str_buffer("b"), zmq::send_flags::none);
  }
  // A proper hello: the link comes up despite the garbage before it.
  sendMessage(Hello{kSyncProtocolVersion, "430103", *chain, {}});
  bool helloBack = false;
  for (int i = 0; i < 20 && !helloBack; ++i) {
    auto m = receive(500ms);
    helloBack = m && std::holds_alternative<Hello>(*m);
  }
  ASSERT_TRUE(helloBack) << "the city did not answer the rogue's hello";

  // Forgeries: the good county's next record signed by the rogue, the rogue's own record signed by
  // a stranger, and a record of a node nobody enrolled.
  SigningKey stranger = SigningKey::generate();
  constexpr int kForgedBatches = 5;
  for (int i = 0; i < kForgedBatches; ++i) {
    RecordsBatch batch;
    batch.records.push_back(forge("430102", k.head("430102") + 1, rogueKey));
    batch.records.push_back(forge("430103", 1, stranger));
    batch.records.push_back(forge("430199", 1, stranger));
    sendMessage(batch);
  }

  // Meanwhile the good county keeps writing, and the city keeps taking its records.
  uint64_t lastAcked = 0;
  for (int i = 0; i < 20; ++i) {
    HttpResult r = k.post("/v1/cases/430102-G" + std::to_string(i) + "/events",
                          received("XK-COUNTY", "430102", "good-" + std::to_string(i)));
    ASSERT_EQ(r.status, 201) << r.text;
    lastAcked = r.body.value("seq", 0);
    if (i % 5 == 0) {
      Bytes junk = {0xde, 0xad, 0xbe, 0xef};
      (void)s.send(zmq::const_buffer(junk.data(), junk.size()), zmq::send_flags::none);
    }
  }
  ASSERT_TRUE(eventually([&] { return city.head("430102") == lastAcked; }))
      << "city has " << city.head("430102") << " of " << lastAcked;

  EXPECT_TRUE(eventually([&] {
    return city.metric("govbus_frames_rejected_total{reason=\"malformed\"}") >= kGarbage &&
           city.metric("govbus_frames_rejected_total{reason=\"framing\"}") >= 3 &&
           city.metric("govbus_records_rejected_total{reason=\"bad_signature\"}") >=
               2 * kForgedBatches &&
           city.metric("govbus_records_rejected_total{reason=\"unknown_signer\"}") >=
               kForgedBatches;
  })) << city.metrics();
  EXPECT_EQ(city.head("430103"), 0u) << "a forged record was stored";
  EXPECT_EQ(city.head("430199"), 0u) << "a forged record was stored";
  EXPECT_EQ(city.get("/v1/cases/FORGED-430102-" + std::to_string(lastAcked + 1)).status, 404);
  // The rogue's connection itself still works: a ping is echoed.
  sendMessage(Ping{99, 1});
  bool echoed = false;
  for (int i = 0; i < 20 && !echoed; ++i) {
    auto m = receive(250ms);
    echoed = m && std::holds_alternative<Ping>(*m) && std::get<Ping>(*m).nonce == 99;
  }
  EXPECT_TRUE(echoed);
  // And the county's link never went down.
  EXPECT_EQ(upstreamOf(k), "430100:connected");
}

// --- (f) a city paused past the peer timeout ----------------------------------------------------

Json provinceLinkTo(const NodeProcess& p, const std::string& peer) {
  HttpResult r = p.get("/v1/peers");
  for (const Json& l : r.body["links"]) {
    if (l.value("peer", "") == peer) return l;
  }
  return Json::object();
}

// SIGSTOP past the province's peer timeout makes the province forget the city's connection. On
// SIGCONT the city resumes on that old connection: the province answers with Reconnect and the
// city dials again at once, instead of talking into the void until its own ack timeout (four of
// its peer timeouts) restarts the link. The city runs with a much longer peer timeout than the
// province, so that it cannot notice the pause by itself: only the province's answer brings it
// back within the test's deadline.
TEST(NodeIntegration, ACityPausedPastTheProvincesPeerTimeoutIsToldToReconnectOnResuming) {
  Chain c;
  NodeProcess& p = *c.province;
  NodeProcess& city = *c.city;
  NodeProcess& k = *c.county;
  ASSERT_EQ(city.terminate(), 0);
  {
    std::ifstream in(city.configFile());
    std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string from = "peer_timeout_ms = " + std::to_string(kHarnessPeerTimeoutMs);
    ASSERT_NE(config.find(from), std::string::npos) << config;
    config.replace(config.find(from), from.size(),
                   "peer_timeout_ms = " + std::to_string(30 * kHarnessPeerTimeoutMs));
    std::ofstream(city.configFile()) << config;
  }
  c.cluster.start("430100");
  c.publishCatalog();
  ASSERT_EQ(
      k.post("/v1/cases/430102-P0/events", received("XK-COUNTY", "430102", "paused-0")).status,
      201);
  ASSERT_TRUE(eventually([&] { return p.head("430102") >= 1; }));
  ASSERT_TRUE(
      eventually([&] { return provinceLinkTo(p, "430100").value("state", "") == "ready"; }));

  city.sendSignal(SIGSTOP);
  // Something for the city while it sleeps: read on waking, it makes the old connection look alive
  // to the city (its own silence timeout does not fire), which is what hid the forgotten link.
  HttpResult urge = p.post(
      "/v1/orders", Json{{"case_id", "430102-P0"}, {"kind", "urge"}, {"note", "请按时办结"}});
  ASSERT_EQ(urge.status, 201) << urge.text;
  const bool forgotten =
      eventually([&] { return provinceLinkTo(p, "430100").value("state", "") == "disconnected"; });
  city.sendSignal(SIGCONT);
  ASSERT_TRUE(forgotten) << "the province never dropped the silent city";

  uint64_t lastAcked = 0;
  for (int i = 1; i <= 10; ++i) {
    HttpResult r = k.post("/v1/cases/430102-P" + std::to_string(i) + "/events",
                          received("XK-COUNTY", "430102", "paused-" + std::to_string(i)));
    ASSERT_EQ(r.status, 201) << r.text;
    lastAcked = r.body.value("seq", 0);
  }
  ASSERT_TRUE(eventually([&] { return p.head("430102") == lastAcked; }))
      << "province has " << p.head("430102") << " of " << lastAcked;
  EXPECT_TRUE(
      eventually([&] { return provinceLinkTo(p, "430100").value("state", "") == "ready"; }));
  EXPECT_GE(p.metric("govbus_frames_sent_total{kind=\"reconnect\"}"), 1u)
      << "the province did not ask the resumed city to reconnect";
  EXPECT_NE(city.get("/v1/peers").body["upstream"].value("last_error", "").find("asked for a new"),
            std::string::npos)
      << city.get("/v1/peers").text;
  EXPECT_EQ(city.metric("govbus_frames_rejected_total{reason=\"ack_timeout\"}"), 0u)
      << "the city restarted its link only after its ack timeout";
}

// --- (g) concurrent API writes share commits -----------------------------------------------------

// Writes that arrive together are authored in one transaction (Engine: group commit). Every caller
// still gets its own answer: valid writes a 201 with their own sequence, refused ones their own
// error, and what was acknowledged is there — at the county, and then at the province.
TEST(NodeIntegration, ConcurrentApiWritesAreEachCommittedAndAnsweredOnTheirOwn) {
  Chain c;
  c.publishCatalog();
  NodeProcess& p = *c.province;
  NodeProcess& k = *c.county;
  constexpr int kThreads = 12;
  constexpr int kPerThread = 10;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<int> refused(kThreads, 0), other(kThreads, 0);
  std::vector<std::string> unexpected(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // One keep-alive connection per writer, with a patient connect: a burst of connections can
      // overflow the API's small listen backlog, and a dropped SYN is retried only after a second.
      httplib::Client client("127.0.0.1", k.apiPort());
      client.set_keep_alive(true);
      client.set_connection_timeout(10, 0);
      client.set_read_timeout(40, 0);
      const httplib::Headers headers = {{"Authorization", "Bearer " + k.token()}};
      auto post = [&](const std::string& path, const Json& body) {
        HttpResult r;
        if (auto res = client.Post(path, headers, body.dump(), "application/json")) {
          r.status = res->status;
          r.text = res->body;
          r.body = Json::parse(res->body, nullptr, false);
        } else {
          r.text = httplib::to_string(res.error());
        }
        return r;
      };
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "430102-Q" + std::to_string(t) + "-" + std::to_string(i);
        // Every third write is one the county's state refuses: an event for a case nobody opened.
        const bool bad = i % 3 == 2;
        HttpResult r =
            bad ? post("/v1/cases/" + id + "-none/events", Json{{"type", "accepted"}})
                : post("/v1/cases/" + id + "/events", received("XK-COUNTY", "430102", id));
        if (!bad && r.status == 201) {
          seqs[t].push_back(r.body.value("seq", uint64_t{0}));
        } else if (bad && r.status >= 400 && r.status < 500 &&
                   r.text.find("unknown_case") != std::string::npos) {
          ++refused[t];
        } else {
          ++other[t];
          unexpected[t] = std::to_string(r.status) + " " + r.text;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    all.insert(all.end(), seqs[t].begin(), seqs[t].end());
    EXPECT_EQ(other[t], 0) << "writer " << t << " got an unexpected answer: " << unexpected[t];
    EXPECT_EQ(refused[t], 3) << "writer " << t;
  }
  std::sort(all.begin(), all.end());
  const uint64_t valid = kThreads * (kPerThread - 3);
  ASSERT_EQ(all.size(), valid);
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i], i + 1) << "each valid write has its own sequence, without gaps";
  }
  EXPECT_EQ(k.head("430102"), valid) << "refused writes left nothing behind";
  EXPECT_EQ(k.metric("govbus_records_authored_total{kind=\"case_event\"}"), valid);
  ASSERT_TRUE(eventually([&] { return p.head("430102") == valid; }))
      << "province has " << p.head("430102") << " of " << valid;
  EXPECT_EQ(p.get("/v1/cases/430102-Q11-9").status, 200);
  EXPECT_EQ(p.get("/v1/cases/430102-Q0-2-none").status, 404);
}

// --- one daemon per data directory

// A second govbus-node on a data directory another one runs on (its own API and listen ports, the
// same data_dir) would sign under the same identity: it refuses to start and names the first.
TEST(NodeIntegration, ASecondDaemonOnTheSameDataDirectoryExitsNamingTheFirstOnesPid) {
  NodeCluster cluster;
  NodeProcess& p = cluster.add("430000", "湖南省");
  cluster.start("430000");
  std::ifstream in(p.configFile());
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& key : {std::string("api = \"127.0.0.1:"), std::string("listen = ")}) {
    size_t at = config.find(key);
    ASSERT_NE(at, std::string::npos) << config;
    config.erase(at, config.find('\n', at) - at);
  }
  config = "api = \"127.0.0.1:" + std::to_string(freePort()) + "\"\n" + config;
  const std::filesystem::path second = p.dir() / "second.toml";
  std::ofstream(second) << config;
  CommandResult r = runCommand({nodeBinary(), "--config", second.string()});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("data directory " + (p.dir() / "data").string() + " in use by pid " +
                       std::to_string(p.pid())),
            std::string::npos)
      << r.err;
  EXPECT_EQ(p.get("/healthz").status, 200) << "the first node is unaffected";
  // Once the first has stopped, the lock is free again (a stale pid file does not block).
  EXPECT_EQ(p.terminate(), 0);
  cluster.start("430000");
}

// --- storage

// Issue 13, item 6: how full the LMDB map is, as a gauge an operator can alert on (the harness
// runs nodes with map_size_mb = 1024, of which a new province uses a sliver).
TEST(NodeIntegration, TheShareOfTheStoreMapInUseIsAGauge) {
  NodeCluster cluster;
  NodeProcess& p = cluster.add("430000", "湖南省");
  cluster.start("430000");
  const std::string text = p.metrics();
  const std::string name = "\ngovbus_store_map_used_ratio ";
  const size_t at = text.find(name);
  ASSERT_NE(at, std::string::npos) << text;
  const double ratio = std::stod(text.substr(at + name.size()));
  EXPECT_GT(ratio, 0.0);
  EXPECT_LT(ratio, 0.01) << "a new store in a 1 GiB map";
  EXPECT_NE(text.find("# TYPE govbus_store_map_used_ratio gauge"), std::string::npos);
}

// --- request bodies
// --------------------------------------------------------------------------------

// `curl -d` sends application/x-www-form-urlencoded; the HTTP library refuses such bodies over 8
// KiB by itself. The API takes JSON whatever the content type, up to its own 1 MiB bound.
TEST(NodeIntegration, AJsonBodyOver8KiBIsTakenWhateverItsContentType) {
  NodeCluster cluster;
  NodeProcess& p = cluster.add("430000", "湖南省");
  cluster.start("430000");
  Json item = countyItem();
  item["materials"] = Json::array();
  for (int i = 0; i < 40; ++i) item["materials"].push_back("材料" + std::string(300, 'x'));
  const std::string big = Json{{"items", {item}}}.dump();
  ASSERT_GT(big.size(), 8u * 1024);

  httplib::Client client("127.0.0.1", p.apiPort());
  client.set_read_timeout(40, 0);
  const httplib::Headers auth = {{"Authorization", "Bearer " + p.token()}};
  auto form = client.Post("/v1/catalog", auth, big, "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 201) << form->body;
  EXPECT_EQ(p.get("/v1/catalog").body["items"][0]["materials"].size(), 40u);

  // Over the API's own bound, the answer says so truthfully, whatever the content type.
  const std::string huge(2 << 20, ' ');
  for (const char* type : {"application/json", "application/x-www-form-urlencoded"}) {
    auto over = client.Post("/v1/catalog", auth, huge, type);
    ASSERT_TRUE(over) << type;
    EXPECT_EQ(over->status, 413) << type;
    EXPECT_NE(over->body.find("request body larger than 1048576 bytes"), std::string::npos)
        << over->body;
  }
}

// --- SIGHUP -------------------------------------------------------------------------------------

TEST(NodeIntegration, SighupReloadsTheUpstreamList) {
  Chain c;
  NodeProcess& city = *c.city;
  NodeProcess& k = *c.county;
  ASSERT_TRUE(eventually([&] { return upstreamOf(k) == "430100:connected"; }));
  // Point the county at a port where nobody listens: after SIGHUP it loses its upstream…
  k.writeConfig({{"430100", "tcp://127.0.0.1:" + std::to_string(freePort())}});
  k.sendSignal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return upstreamOf(k) != "430100:connected"; })) << upstreamOf(k);
  // …and back to the city's real endpoint without a restart.
  k.writeConfig({{"430100", city.endpoint()}});
  k.sendSignal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return upstreamOf(k) == "430100:connected"; })) << upstreamOf(k);
  EXPECT_TRUE(k.running());
}

// --- the libzmq behaviour the ZAP handler's safety rests on ------------------------------------

// Whether a CURVE server without any ZAP handler lets a client's message through, with or without
// ZMQ_ZAP_ENFORCE_DOMAIN (option 93; a draft constant in libzmq 4.3's header). The server's socket
// monitor reports the handshake's outcome, so the test waits for that, not for a quiet second.
bool curveServerWithoutHandlerAdmits(bool enforce) {
  zmq::context_t ctx(1);
  SigningKey serverKey = SigningKey::generate();
  SigningKey clientKey = SigningKey::generate();
  Curve25519Key serverSecret = serverKey.curve25519Secret();
  auto serverPublic = serverKey.publicKey().curve25519();
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::curve_server, true);
  router.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(serverSecret.data(), 32));
  router.set(zmq::sockopt::zap_domain, "govbus");
  int on = enforce ? 1 : 0;
  EXPECT_EQ(zmq_setsockopt(router.handle(), 93, &on, sizeof on), 0);
  std::string monitorAddress = std::string("inproc://router-monitor-") + (enforce ? "1" : "0");
  EXPECT_EQ(
      zmq_socket_monitor(router.handle(), monitorAddress.c_str(),
                         ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                             ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH),
      0);
  zmq::socket_t monitor(ctx, zmq::socket_type::pair);
  monitor.connect(monitorAddress);
  std::string endpoint = "tcp://127.0.0.1:" + std::to_string(freePort());
  router.bind(endpoint);
  CurveClient client(ctx, clientKey, endpoint, *serverPublic);
  zmq::pollitem_t events[] = {{monitor.handle(), 0, ZMQ_POLLIN, 0}};
  EXPECT_GT(zmq::poll(events, 1, std::chrono::seconds(30)), 0) << "the handshake never ended";
  zmq::message_t event, address;
  (void)monitor.recv(event);
  (void)monitor.recv(address);
  uint16_t id = 0;
  std::memcpy(&id, event.data(), sizeof id);
  // Once the handshake succeeded the message follows (wait for it); once it failed, none can.
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(
      items, 1,
      id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ? std::chrono::seconds(30) : std::chrono::seconds(0));
  bool received = (items[0].revents & ZMQ_POLLIN) != 0;
  EXPECT_EQ(received, id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  return received;
}

TEST(NodeIntegration, WithoutAZapHandlerAnEnforcingCurveServerAdmitsNobody) {
  EXPECT_TRUE(curveServerWithoutHandlerAdmits(false))
      << "libzmq's legacy behaviour: no handler, everyone in";
  EXPECT_FALSE(curveServerWithoutHandlerAdmits(true))
      << "ZMQ_ZAP_ENFORCE_DOMAIN must close the door";
}

// --- bad configuration ---------------------------------------------------------------------------

void expectOneLineFailure(const NodeProcess& n, const std::string& needle) {
  CommandResult r = runCommand({nodeBinary(), "--config", n.configFile().string()});
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("govbus-node: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(NodeIntegration, BadConfigurationIsOneClearLineOnStderrAndANonZeroExit) {
  NodeCluster cluster;
  cluster.add("430000", "湖南省");
  NodeProcess& city = cluster.add("430100", "长沙市", {"430000"});
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  // Another province's anchor and key, to swap in.
  NodeCluster other;
  NodeProcess& otherProvince = other.add("430000", "假省");
  const auto dir = city.dir();

  std::filesystem::rename(dir / "node.key", dir / "node.key.bak");
  expectOneLineFailure(city, "node.key");
  std::filesystem::rename(dir / "node.key.bak", dir / "node.key");

  std::filesystem::rename(dir / "anchor.cert", dir / "anchor.bak");
  std::filesystem::copy_file(otherProvince.dir() / "anchor.cert", dir / "anchor.cert");
  expectOneLineFailure(city, "does not lead to the anchor");
  std::filesystem::remove(dir / "anchor.cert");
  std::filesystem::rename(dir / "anchor.bak", dir / "anchor.cert");

  std::filesystem::rename(dir / "node.key", dir / "node.key.bak");
  std::filesystem::copy_file(otherProvince.dir() / "node.key", dir / "node.key");
  expectOneLineFailure(city, "does not match the certificate of 430100");
  std::filesystem::remove(dir / "node.key");
  std::filesystem::rename(dir / "node.key.bak", dir / "node.key");

  std::filesystem::remove_all(dir / "data");
  std::ofstream(dir / "data") << "not a directory";
  expectOneLineFailure(city, "data_dir");
  std::filesystem::remove(dir / "data");

  std::ofstream(city.configFile(), std::ios::app) << "listne = \"tcp://127.0.0.1:1\"\n";
  expectOneLineFailure(city, "unknown key 'sync.listne'");
}

// Issue 13, item 11: the API speaks plain HTTP and answers case reads with applicant data, so a
// node refuses to bind it beyond loopback unless its config opts in by name.
TEST(NodeIntegration, AnApiOnANonLoopbackAddressIsRefusedUnlessTheConfigOptsIn) {
  NodeCluster cluster;
  NodeProcess& p = cluster.add("430000", "湖南省");
  std::ifstream in(p.configFile());
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string loopback = "api = \"127.0.0.1:";
  const size_t at = config.find(loopback);
  ASSERT_NE(at, std::string::npos) << config;
  config.replace(at, loopback.size(), "api = \"0.0.0.0:");
  std::ofstream(p.configFile()) << config;
  expectOneLineFailure(p, "0.0.0.0 is not a loopback address");
  expectOneLineFailure(p, "api_allow_remote = true");
  CommandResult check = runCommand({nodeBinary(), "--config", p.configFile().string(), "--check"});
  EXPECT_EQ(check.exitCode, 2) << "--check refuses it too: " << check.err;
}

// --- personal data (issue 13, item 11) --------------------------------------------------------

// GET `path` with the given Authorization header ("" for none).
httplib::Result getAs(const NodeProcess& n, const std::string& path, const std::string& auth) {
  httplib::Client client("127.0.0.1", n.apiPort());
  client.set_read_timeout(10, 0);
  httplib::Headers headers;
  if (!auth.empty()) headers.emplace("Authorization", auth);
  return client.Get(path, headers);
}

TEST(NodeIntegration, CaseReadsNeedTheReadOrTheWriteTokenAndTheReadTokenCannotWrite) {
  Chain c;
  c.publishCatalog();
  NodeProcess& k = *c.county;
  ASSERT_EQ(
      k.post("/v1/cases/430102-T1/events", received("XK-COUNTY", "430102", "430102199001010011"))
          .status,
      201);
  std::string readToken;
  std::getline(std::ifstream(k.dir() / "api-read.token"), readToken);
  ASSERT_GE(readToken.size(), 16u);
  ASSERT_NE(readToken, k.token());

  for (const std::string path : {"/v1/cases/430102-T1", "/v1/cases", "/v1/cases?overdue=1"}) {
    auto none = getAs(k, path, "");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401) << path;
    EXPECT_NE(none->body.find("api_read_token_file"), std::string::npos) << none->body;
    EXPECT_EQ(none->body.find("430102-T1"), std::string::npos) << "nothing of the case leaks";
    EXPECT_EQ(getAs(k, path, "Bearer " + readToken.substr(1))->status, 401) << path;
    EXPECT_EQ(getAs(k, path, readToken)->status, 401) << "the Bearer scheme is required";
    EXPECT_EQ(getAs(k, path, "Bearer " + readToken)->status, 200) << path;
    EXPECT_EQ(getAs(k, path, "Bearer " + k.token())->status, 200) << path;
  }
  // What the board and monitoring read stays open on loopback: it holds no personal data.
  for (const std::string path : {"/v1/supervision", "/v1/tree", "/board", "/healthz"})
    EXPECT_EQ(getAs(k, path, "")->status, 200) << path;

  httplib::Client client("127.0.0.1", k.apiPort());
  auto write = client.Post("/v1/cases/430102-T1/events", {{"Authorization", "Bearer " + readToken}},
                           R"({"type":"accepted"})", "application/json");
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 401) << "the read token opens reads only";
  EXPECT_EQ(k.get("/v1/cases/430102-T1").body.value("status", ""), "received");

  // govbus-admin reads cases with the token from the node's directory.
  CommandResult cases =
      runCommand({adminBinary(), "case", "show", "430102-T1", "--dir", k.dir().string()});
  EXPECT_EQ(cases.exitCode, 0) << cases.err;
  EXPECT_NE(cases.out.find("430102-T1"), std::string::npos) << cases.out;
}

TEST(NodeIntegration, TheApplicantHashIsKeyedWithTheProvincesKeyHandedDownAtEnrolment) {
  Chain c;
  c.publishCatalog();
  auto provinceKey = loadApplicantKey(c.province->dir() / "applicant.key");
  ASSERT_TRUE(provinceKey.ok()) << provinceKey.error().message;
  for (NodeProcess* n : {c.city, c.county}) {
    auto copy = loadApplicantKey(n->dir() / "applicant.key");
    ASSERT_TRUE(copy.ok()) << n->code() << ": " << copy.error().message;
    EXPECT_EQ(copy->hash("x"), provinceKey->hash("x")) << n->code() << " got the province's key";
  }

  const std::string id = "43010219900101001X";
  ASSERT_EQ(
      c.county->post("/v1/cases/430102-H1/events", received("XK-COUNTY", "430102", id)).status,
      201);
  ASSERT_EQ(
      c.city
          ->post("/v1/cases/430100-H2/events", received("XK-CITY", "430100", "43010219900101001x"))
          .status,
      201);
  auto applicantHashAt = [](const NodeProcess& n, const std::string& caseId) {
    Json body = n.get("/v1/cases/" + caseId).body;
    for (const Json& r : body.is_object() ? body.value("records", Json::array()) : Json::array())
      if (r.value("type", "") == "received") return r.value("applicant_hash", "");
    return std::string();
  };
  std::string atCounty, atCity;
  ASSERT_TRUE(eventually([&] {
    atCounty = applicantHashAt(*c.province, "430102-H1");
    atCity = applicantHashAt(*c.province, "430100-H2");
    return !atCounty.empty() && !atCity.empty();
  })) << c.province->get("/v1/cases/430102-H1").text;
  EXPECT_EQ(atCounty, toHex(provinceKey->hash(id)));
  EXPECT_EQ(atCity, atCounty) << "one applicant hashes the same anywhere in the province";
  EXPECT_NE(atCounty, toHex(blake2b256(asBytes(id))))
      << "the unkeyed hash, which anyone can brute-force from a guessed id, is not recorded";
}

TEST(NodeIntegration, ANodeWithoutTheApplicantKeyTakesOnlyHashesAndAMissingKeyFileStopsTheStart) {
  Chain c;
  c.publishCatalog();
  NodeProcess& k = *c.county;
  ASSERT_EQ(k.terminate(), 0);
  const std::filesystem::path keyFile = k.dir() / "applicant.key";
  std::filesystem::rename(keyFile, k.dir() / "applicant.key.away");
  expectOneLineFailure(k, "applicant_key_file " + keyFile.string() +
                              " does not exist: copy applicant.key from this node's enrolment");

  // An operator who has no key yet (a node set up before keys existed) leaves the key out.
  std::ifstream in(k.configFile());
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = config.find("applicant_key_file");
  ASSERT_NE(at, std::string::npos) << config;
  config.erase(at, config.find('\n', at) - at + 1);
  std::ofstream(k.configFile()) << config;
  c.cluster.start("430102");
  HttpResult byId =
      k.post("/v1/cases/430102-N1/events", received("XK-COUNTY", "430102", "430102199001010011"));
  EXPECT_EQ(byId.status, 400);
  EXPECT_NE(byId.text.find("has no applicant key"), std::string::npos) << byId.text;
  Json byHash = received("XK-COUNTY", "430102", "");
  byHash.erase("applicant_id");
  byHash["applicant_hash"] = std::string(64, 'a');
  EXPECT_EQ(k.post("/v1/cases/430102-N1/events", byHash).status, 201);
}

}  // namespace
}  // namespace govbus::testing
