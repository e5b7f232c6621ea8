#include "sync/trust_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TestNetwork;

TEST(TrustStoreTest, CertificatesAreAdmittedInAnyOrder) {
  TestNetwork net;
  std::vector<SignedCertificate> certs = {
      net.node("430102").certificate, net.node("430211").certificate,
      net.node("430100").certificate, net.node("430200").certificate};
  std::mt19937 rng(7);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(certs.begin(), certs.end(), rng);
    auto trust = TrustStore::create(net.anchor());
    ASSERT_TRUE(trust.ok());
    EXPECT_TRUE(trust->admitAll(certs).empty());
    EXPECT_EQ(trust->size(), 5u);
  }
}

TEST(TrustStoreTest, CertificateWhoseIssuerIsUnknownWaitsWithAReason) {
  TestNetwork net;
  auto trust = TrustStore::create(net.anchor());
  auto r = trust->admit(net.node("430102").certificate);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnknownSigner);
  EXPECT_NE(r.error().message.find("430100"), std::string::npos);
}

TEST(TrustStoreTest, SecondDifferentCertificateForOneSerialIsRefused) {
  TestNetwork net;
  TrustStore trust = net.trustStore();
  // 长沙市 issues another certificate for 芙蓉区 serial 1 with a different key.
  Certificate c = *decodeCertificateBody(net.node("430102").certificate.body);
  c.publicKey = toBytes(SigningKey::generate().publicKey().bytes());
  auto r = trust.admit(issueCertificate(c, net.node("430100").key));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBadChain);
  EXPECT_EQ(*trust.admit(net.node("430102").certificate), false) << "the known one is a no-op";
}

// Issue 13, item 4: a certificate attached to a batch (or a hello) carries no sequence, so once its
// issuer's key is revoked nothing tells an enrolment made before the compromise from one made with
// the stolen key. It is admitted only as the issuer's own record, signed before the revocation.
TEST(TrustStoreTest,
     ACertificateIssuedByARevokedKeyIsAdmittedOnlyAsItsIssuersRecordBeforeTheRevocation) {
  TestNetwork net;
  TrustStore trust = net.trustStore();
  ASSERT_TRUE(trust.revoke("430000", KeyRevocation{"430100", 1, 50, "compromised"}).ok());
  SigningKey thief = SigningKey::generate();
  Certificate c = *decodeCertificateBody(net.node("430103").certificate.body);
  c.subject = "430104";
  c.publicKey = toBytes(thief.publicKey().bytes());
  SignedCertificate stolen = issueCertificate(c, net.node("430100").key);

  auto fromBatch = trust.admit(stolen);
  ASSERT_FALSE(fromBatch.ok());
  EXPECT_EQ(fromBatch.error().code, ErrorCode::kRevokedKey) << fromBatch.error().message;
  Envelope after{"430100", 1, 50, {}, 60, testing::kTestEpochMs, {}};
  EXPECT_FALSE(trust.admit(stolen, &after).ok()) << "published at or after the revoked sequence";
  Envelope byOther{"430000", 1, 3, {}, 60, testing::kTestEpochMs, {}};
  EXPECT_FALSE(trust.admit(stolen, &byOther).ok()) << "published by someone else";
  EXPECT_EQ(trust.find("430104", 1), nullptr);

  Envelope before{"430100", 1, 49, {}, 60, testing::kTestEpochMs, {}};
  auto fromRecord = trust.admit(stolen, &before);
  ASSERT_TRUE(fromRecord.ok()) << fromRecord.error().message;
  EXPECT_TRUE(*fromRecord);
}

TEST(TrustStoreTest, ReEnrolmentWithAHigherSerialAddsTheNewKey) {
  TestNetwork net;
  TrustStore trust = net.trustStore();
  SigningKey newKey = SigningKey::generate();
  Certificate c = *decodeCertificateBody(net.node("430102").certificate.body);
  c.serial = 2;
  c.publicKey = toBytes(newKey.publicKey().bytes());
  ASSERT_TRUE(trust.admit(issueCertificate(c, net.node("430100").key)).ok());
  Envelope env{"430102", 2, 1, {}, 1, testing::kTestEpochMs, {}};
  auto signer = trust.signerFor(env);
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ((*signer)->publicKey, toBytes(newKey.publicKey().bytes()));
  auto chain = trust.chainFor("430102");
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ(decodeCertificateBody(chain->back().body)->serial, 2u)
      << "the chain presents the newest serial";
  // The old key stays usable: a record signed with serial 1 still verifies (only a key
  // revocation stops a key, PROTOCOL §3).
  Envelope old{"430102", 1, 1, {}, 1, testing::kTestEpochMs, {}};
  auto oldSigner = trust.signerFor(old);
  ASSERT_TRUE(oldSigner.ok()) << oldSigner.error().message;
  EXPECT_EQ((*oldSigner)->publicKey, toBytes(net.node("430102").key.publicKey().bytes()));
  Bytes body = {1, 2, 3};
  EXPECT_TRUE(trust
                  .verifyRecordSignature(old, body,
                                         net.node("430102").key.sign(kRecordSignatureDomain, body))
                  .ok());
  EXPECT_TRUE(
      trust.verifyRecordSignature(env, body, newKey.sign(kRecordSignatureDomain, body)).ok());
  EXPECT_FALSE(
      trust.verifyRecordSignature(old, body, newKey.sign(kRecordSignatureDomain, body)).ok())
      << "each serial verifies with its own key only";
}

TEST(TrustStoreTest, OnlyAnAncestorMayRevokeAKey) {
  TestNetwork net;
  TrustStore trust = net.trustStore();
  KeyRevocation rev{"430102", 1, 5, "compromised"};
  EXPECT_FALSE(trust.revoke("430200", rev).ok()) << "株洲市 is not 芙蓉区's ancestor";
  EXPECT_FALSE(trust.revoke("430102", rev).ok()) << "a node does not revoke itself";
  EXPECT_TRUE(trust.revoke("430000", rev).ok()) << "the province is";
  Envelope before{"430102", 1, 4, Bytes(32), 1, testing::kTestEpochMs, {}};
  Envelope at{"430102", 1, 5, Bytes(32), 1, testing::kTestEpochMs, {}};
  EXPECT_TRUE(trust.signerFor(before).ok());
  auto r = trust.signerFor(at);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kRevokedKey);
  // A later revocation with a higher sequence does not undo the earlier one.
  EXPECT_TRUE(trust.revoke("430100", KeyRevocation{"430102", 1, 9, ""}).ok());
  EXPECT_FALSE(trust.signerFor(at).ok());
}

TEST(TrustStoreTest, ChainForPresentsTheAnchorsChildFirst) {
  TestNetwork net;
  TrustStore trust = net.trustStore();
  auto chain = trust.chainFor("430102");
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0], net.node("430100").certificate);
  EXPECT_EQ((*chain)[1], net.node("430102").certificate);
  EXPECT_TRUE(trust.chainFor("430000")->empty());
  EXPECT_FALSE(trust.chainFor("439999").ok());
}

}  // namespace
}  // namespace govbus
