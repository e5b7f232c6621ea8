// PeerKeys: which CURVE keys the ZAP handler admits, and when that answer changes by the clock.
#include "node/peer_keys.h"

#include <gtest/gtest.h>

#include "protocol/certificate_codec.h"
#include "sync/memory_store.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::kTestEpochMs;
using testing::TestNetwork;

constexpr int64_t kDayMs = 86'400'000;

// Issue 13, item 4: a certificate that ends while its node is connected must close the connection
// on time. The snapshot says when it goes stale (the engine recomputes it then), and the recomputed
// one no longer admits the expired key.
TEST(PeerKeysTest, AKeyStopsBeingAdmittedWhenItsCertificateEndsAndTheSnapshotSaysWhen) {
  TestNetwork net;
  TrustStore trust = net.trustStore();
  SigningKey shortLived = SigningKey::generate();
  Certificate c = *decodeCertificateBody(net.node("430103").certificate.body);
  c.subject = "430104";
  c.publicKey = toBytes(shortLived.publicKey().bytes());
  c.notAfterMs = kTestEpochMs + kDayMs;
  SignedCertificate expiring = issueCertificate(c, net.node("430100").key);
  ASSERT_TRUE(trust.admit(expiring).ok());

  MemoryStore store;
  {
    auto txn = store.beginWrite();
    for (const char* code : {"430100", "430102", "430103"}) {
      const SignedCertificate& sc = net.node(code).certificate;
      ASSERT_TRUE((*txn)->putCertificate(code, 1, encodeSignedCertificate(sc)).ok());
    }
    ASSERT_TRUE((*txn)->putCertificate("430104", 1, encodeSignedCertificate(expiring)).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  const Curve25519Key key = *shortLived.publicKey().curve25519();
  auto view = store.beginRead();
  auto before = computePeerKeys("430100", {"430000"}, **view, trust, kTestEpochMs);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_TRUE(before->admits(key, "430104"));
  EXPECT_FALSE(before->admits(key, "430102")) << "a key is admitted as its own node only";
  EXPECT_EQ(before->staleAtMs, kTestEpochMs + kDayMs + 1) << "the first certificate to end";

  auto at = computePeerKeys("430100", {"430000"}, **view, trust, before->staleAtMs);
  ASSERT_TRUE(at.ok());
  EXPECT_FALSE(at->admits(key, "430104"));
  EXPECT_TRUE(at->admits(*net.node("430102").key.publicKey().curve25519(), "430102"));
  EXPECT_GT(at->staleAtMs, before->staleAtMs);
}

}  // namespace
}  // namespace govbus
