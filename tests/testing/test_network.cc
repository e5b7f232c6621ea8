#include "testing/test_network.h"

#include <unistd.h>

#include <random>

#include "crypto/hash.h"
#include "protocol/record_codec.h"

namespace govbus::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "govbus-test-XXXXXX").string();
  char* made = ::mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Bytes fixedSeed(const std::string& code) {
  return toBytes(blake2b256(asBytes("govbus vector key " + code)));
}

SigningKey TestNetwork::keyFor(const std::string& code) const {
  if (keys_ == TestKeys::kRandom) return SigningKey::generate();
  auto key = SigningKey::fromSeed(fixedSeed(code));
  if (!key) std::abort();
  return std::move(*key);
}

TestNetwork::TestNetwork(TestKeys keys) : keys_(keys) {
  auto province = std::make_unique<TestNode>(TestNode{province_, "", keyFor(province_)});
  Certificate c{province_,
                "湖南省",
                toBytes(province->key.publicKey().bytes()),
                province_,
                1,
                kTestEpochMs - kYearMs,
                kTestEpochMs + 10 * kYearMs,
                1};
  province->certificate = issueCertificate(c, province->key);
  nodes_.emplace(province_, std::move(province));
  enroll("430100", "430000");
  enroll("430200", "430000");
  enroll("430102", "430100");
  enroll("430103", "430100");
  enroll("430211", "430200");
}

TestNode& TestNetwork::enroll(const std::string& code, const std::string& parent) {
  TestNode& p = *nodes_.at(parent);
  auto n = std::make_unique<TestNode>(TestNode{code, parent, keyFor(code)});
  Certificate c{code, "node " + code,         toBytes(n->key.publicKey().bytes()), parent,
                1,    kTestEpochMs - kYearMs, kTestEpochMs + 5 * kYearMs,          p.serial};
  n->certificate = issueCertificate(c, p.key);
  auto& ref = *n;
  nodes_[code] = std::move(n);
  return ref;
}

TrustStore TestNetwork::trustStore() const {
  auto t = TrustStore::create(anchor());
  if (!t) std::abort();
  std::vector<SignedCertificate> all;
  for (auto& [code, n] : nodes_) {
    if (code != province_) all.push_back(n->certificate);
  }
  (void)t->admitAll(all);  // nodes enrolled outside their parent's region stay out, as they should
  return std::move(*t);
}

std::vector<SignedCertificate> TestNetwork::chainOf(const std::string& code) const {
  std::vector<SignedCertificate> chain;
  for (std::string c = code; c != province_; c = nodes_.at(c)->parent)
    chain.insert(chain.begin(), nodes_.at(c)->certificate);
  return chain;
}

Envelope TestNetwork::nextEnvelope(const std::string& code) const {
  const TestNode& n = *nodes_.at(code);
  Envelope e;
  e.author = code;
  e.keySerial = n.serial;
  e.seq = n.seq + 1;
  if (n.seq > 0) e.prevHash.assign(n.lastId.begin(), n.lastId.end());
  e.lamport = n.lamport + 1;
  e.wallTimeMs = kTestEpochMs + static_cast<int64_t>(n.seq) * 1000;
  return e;
}

SignedRecord TestNetwork::signAs(const std::string& code, const Envelope& envelope,
                                 const Payload& payload) const {
  Bytes body = encodeRecordBody(Record{envelope, payload});
  Bytes sig = nodes_.at(code)->key.sign(kRecordSignatureDomain, body);
  return SignedRecord{std::move(body), std::move(sig)};
}

SignedRecord TestNetwork::author(const std::string& code, Payload payload, Frontier frontier) {
  Envelope e = nextEnvelope(code);
  e.frontier = std::move(frontier);
  SignedRecord r = signAs(code, e, payload);
  TestNode& n = *nodes_.at(code);
  n.seq = e.seq;
  n.lastId = blake2b256(r.body);
  n.lamport = e.lamport;
  return r;
}

Payload sampleCaseEvent(const std::string& handler, uint64_t n, size_t bytes) {
  CaseEvent e;
  e.caseId = handler + "-" + std::to_string(n);
  e.type = CaseEventType::kReceived;
  e.received.item = "XK-SCJG-001";
  e.received.handler = handler;
  e.received.region = handler;
  e.received.applicantHash = toBytes(blake2b256(asBytes("applicant-" + std::to_string(n))));
  e.received.firstResponsible = "窗口 3 号 张三";
  // Pad with materials until the encoded record reaches about `bytes`.
  size_t base = 220;
  for (size_t i = 0; base < bytes; ++i) {
    e.received.materials.push_back("申请材料 " + std::to_string(i));
    base += 24;
  }
  return e;
}

Bytes wireBytes(const SignedRecord& record) { return encodeSignedRecord(record); }

}  // namespace govbus::testing
