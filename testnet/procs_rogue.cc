#include "testnet/procs_rogue.h"

#include <chrono>
#include <random>
#include <thread>
#include <zmq.hpp>

#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "crypto/keys.h"
#include "node/chain_file.h"
#include "protocol/record_codec.h"
#include "protocol/sync_codec.h"

namespace govbus::testnet {

namespace {

constexpr auto kHelloWait = std::chrono::seconds(10);  // the target may be paused for a few seconds
constexpr int kLingerMs = 3000;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SignedRecord forgeReceived(const std::string& author, uint64_t seq, const SigningKey& signer) {
  Envelope e;
  e.author = author;
  e.keySerial = 1;
  e.seq = seq;
  if (seq > 1) e.prevHash.assign(32, 0xab);
  e.lamport = 1'000'000 + seq;
  e.wallTimeMs = nowMs();
  CaseEvent ev;
  ev.caseId = std::string(kForgedCasePrefix) + author + "-" + std::to_string(seq);
  ev.type = CaseEventType::kReceived;
  ev.received.item = "XK-SCJG-001";
  ev.received.handler = author;
  ev.received.region = author;
  ev.received.applicantHash.assign(32, 1);
  ev.received.firstResponsible = "伪造";
  Bytes body = encodeRecordBody(Record{e, ev});
  return SignedRecord{body, signer.sign(kRecordSignatureDomain, body)};
}

SignedRecord signComplaint(const std::string& author, const std::string& id,
                           const std::string& summary, const SigningKey& key) {
  Envelope e;
  e.author = author;
  e.keySerial = 1;
  e.seq = 1;
  e.lamport = 1;
  e.wallTimeMs = nowMs();
  Bytes body = encodeRecordBody(Record{e, Complaint{id, "", author, summary}});
  return SignedRecord{body, key.sign(kRecordSignatureDomain, body)};
}

// Reads and discards whatever the node sent.
void drain(zmq::socket_t& s) {
  zmq::message_t m;
  while (s.recv(m, zmq::recv_flags::dontwait)) {
  }
}

}  // namespace

Result<RogueResult> runRogue(const RoguePlan& plan) {
  GOVBUS_ASSIGN_OR_RETURN(SigningKey rogueKey, loadSigningKey(plan.rogueKeyFile));
  GOVBUS_ASSIGN_OR_RETURN(SigningKey targetKey, loadSigningKey(plan.targetKeyFile));
  GOVBUS_ASSIGN_OR_RETURN(std::vector<SignedCertificate> chain, readChainFile(plan.rogueChainFile));
  GOVBUS_ASSIGN_OR_RETURN(Curve25519Key serverPublic, targetKey.publicKey().curve25519());
  GOVBUS_ASSIGN_OR_RETURN(Curve25519Key rogueCurvePublic, rogueKey.publicKey().curve25519());
  Curve25519Key rogueCurveSecret = rogueKey.curve25519Secret();
  std::string strangerSeed = "stranger " + std::to_string(plan.seed);
  GOVBUS_ASSIGN_OR_RETURN(SigningKey stranger,
                          SigningKey::fromSeed(blake2b256(asBytes(strangerSeed))));
  std::mt19937_64 rng(plan.seed);

  RogueResult out;
  zmq::context_t ctx(1);
  auto dealer = [&](const Curve25519Key& server, const std::string& endpoint) {
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, kLingerMs);
    d.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.data(), server.size()));
    d.set(zmq::sockopt::curve_publickey,
          zmq::const_buffer(rogueCurvePublic.data(), rogueCurvePublic.size()));
    d.set(zmq::sockopt::curve_secretkey,
          zmq::const_buffer(rogueCurveSecret.data(), rogueCurveSecret.size()));
    d.connect(endpoint);
    return d;
  };
  zmq::socket_t s = dealer(serverPublic, plan.targetEndpoint);
  std::optional<zmq::socket_t> up;  // to the parent, for the equivocation

  auto sendBytes = [&](const Bytes& b) {
    (void)s.send(zmq::const_buffer(b.data(), b.size()), zmq::send_flags::none);
  };
  auto garbage = [&] {
    Bytes junk(1 + rng() % 300);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    sendBytes(junk);
    ++out.garbage;
  };
  for (int i = 0; i < plan.garbageFrames; ++i) garbage();
  for (int i = 0; i < plan.framingFrames; ++i) {
    (void)s.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
    (void)s.send(zmq::str_buffer("b"), zmq::send_flags::none);
    ++out.framing;
  }
  const Bytes hello = encodeSyncMessage(Hello{kSyncProtocolVersion, plan.rogueCode, chain, {}});
  auto handshake = [&](zmq::socket_t& d) {
    (void)d.send(zmq::const_buffer(hello.data(), hello.size()), zmq::send_flags::none);
    const auto until = std::chrono::steady_clock::now() + kHelloWait;
    while (std::chrono::steady_clock::now() < until) {
      zmq::pollitem_t items[] = {{d.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(250));
      if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
      zmq::message_t m;
      if (!d.recv(m, zmq::recv_flags::dontwait)) continue;
      auto msg = decodeSyncMessage(ByteView(m.data<uint8_t>(), m.size()));
      if (msg && std::holds_alternative<Hello>(*msg)) return true;
    }
    return false;
  };
  out.helloAnswered = handshake(s);
  if (out.helloAnswered) {
    for (int i = 0; i < plan.forgedBatches; ++i) {
      RecordsBatch batch;
      uint64_t seq = plan.victimNextSeq + static_cast<uint64_t>(i);
      batch.records.push_back(forgeReceived(plan.victim, seq, rogueKey));
      batch.records.push_back(forgeReceived(plan.rogueCode, 1, stranger));
      batch.records.push_back(forgeReceived(plan.strangerCode, 1, stranger));
      out.forgedCaseIds.push_back(std::string(kForgedCasePrefix) + plan.victim + "-" +
                                  std::to_string(seq));
      out.badSignature += 2;
      out.unknownSigner += 1;
      sendBytes(encodeSyncMessage(batch));
      garbage();
    }
    out.forgedCaseIds.push_back(std::string(kForgedCasePrefix) + plan.rogueCode + "-1");
    out.forgedCaseIds.push_back(std::string(kForgedCasePrefix) + plan.strangerCode + "-1");
  }

  // Equivocation: A to the parent, then B to the parent, then B to the target once it holds A.
  auto waitUntil = [&](const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + plan.propagateLimit;
    while (std::chrono::steady_clock::now() < limit) {
      if (done()) return true;
      drain(s);
      if (up) drain(*up);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  };
  auto sendRecord = [&](zmq::socket_t& d, const SignedRecord& r) {
    RecordsBatch batch;
    batch.certificates = chain;
    batch.records.push_back(r);
    Bytes b = encodeSyncMessage(batch);
    (void)d.send(zmq::const_buffer(b.data(), b.size()), zmq::send_flags::none);
  };
  if (!plan.parentEndpoint.empty() && plan.holdsFirst) {
    auto parentKey = loadSigningKey(plan.parentKeyFile);
    auto parentPublic =
        parentKey ? parentKey->publicKey().curve25519() : Result<Curve25519Key>(parentKey.error());
    if (!parentPublic) return parentPublic.error();
    up.emplace(dealer(*parentPublic, plan.parentEndpoint));
    const std::string tag = plan.rogueCode + "-" + std::to_string(plan.seed % 100000);
    SignedRecord a = signComplaint(plan.rogueCode, "EQUIV-A-" + tag, "第一份记录", rogueKey);
    SignedRecord b = signComplaint(plan.rogueCode, "EQUIV-B-" + tag, "另一份记录", rogueKey);
    out.firstId = toHex(blake2b256(a.body));
    out.secondId = toHex(blake2b256(b.body));
    if (!handshake(*up)) {
      out.equivocationNote = "the parent never answered the rogue's hello";
    } else {
      sendRecord(*up, a);
      if (!waitUntil([&] { return plan.holdsFirst(false, out.firstId); })) {
        out.equivocationNote = "the parent never stored the first record";
      } else {
        sendRecord(*up, b);
        out.forkAtParent = true;
        if (!out.helloAnswered || !waitUntil([&] { return plan.holdsFirst(true, out.firstId); })) {
          out.equivocationNote = "the first record did not reach the attacked node in time";
        } else {
          sendRecord(s, b);
          out.forkAtTarget = true;
        }
      }
    }
  }
  // Stay connected until the node has counted everything, reading what it sends meanwhile.
  const auto settleUntil = std::chrono::steady_clock::now() + plan.settleLimit;
  auto nextCheck = std::chrono::steady_clock::now();
  while (plan.settled && std::chrono::steady_clock::now() < settleUntil) {
    if (std::chrono::steady_clock::now() >= nextCheck) {
      if (plan.settled(out)) {
        out.settled = true;
        break;
      }
      nextCheck = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    }
    zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(50));
    drain(s);
    if (up) drain(*up);
  }
  s.close();
  if (up) up->close();
  return out;
}

}  // namespace govbus::testnet
