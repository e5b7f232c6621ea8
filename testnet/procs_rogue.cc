#include "testnet/procs_rogue.h"

#include <chrono>
#include <random>
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
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, kLingerMs);
  s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(serverPublic.data(), serverPublic.size()));
  s.set(zmq::sockopt::curve_publickey,
        zmq::const_buffer(rogueCurvePublic.data(), rogueCurvePublic.size()));
  s.set(zmq::sockopt::curve_secretkey,
        zmq::const_buffer(rogueCurveSecret.data(), rogueCurveSecret.size()));
  s.connect(plan.targetEndpoint);

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
  sendBytes(encodeSyncMessage(Hello{kSyncProtocolVersion, plan.rogueCode, chain, {}}));
  const auto until = std::chrono::steady_clock::now() + kHelloWait;
  while (!out.helloAnswered && std::chrono::steady_clock::now() < until) {
    zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(250));
    if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
    zmq::message_t m;
    if (!s.recv(m, zmq::recv_flags::dontwait)) continue;
    auto d = decodeSyncMessage(ByteView(m.data<uint8_t>(), m.size()));
    out.helloAnswered = d && std::holds_alternative<Hello>(*d);
  }
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
    zmq::message_t m;
    while ((items[0].revents & ZMQ_POLLIN) != 0 && s.recv(m, zmq::recv_flags::dontwait)) {
    }
  }
  s.close();
  return out;
}

}  // namespace govbus::testnet
