#include "crypto/keys.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "crypto/hash.h"

#include <cstring>

namespace govbus {
namespace {

TEST(KeysTest, SignatureVerifiesOnlyForItsDomainAndMessage) {
  SigningKey key = SigningKey::generate();
  Bytes msg = {1, 2, 3};
  Bytes sig = key.sign(kRecordSignatureDomain, msg);
  EXPECT_TRUE(key.publicKey().verify(kRecordSignatureDomain, msg, sig));
  EXPECT_FALSE(key.publicKey().verify(kCertificateSignatureDomain, msg, sig))
      << "no cross-domain replay";
  Bytes other = {1, 2, 4};
  EXPECT_FALSE(key.publicKey().verify(kRecordSignatureDomain, other, sig));
  EXPECT_FALSE(SigningKey::generate().publicKey().verify(kRecordSignatureDomain, msg, sig));
  EXPECT_FALSE(key.publicKey().verify(kRecordSignatureDomain, msg, ByteView(sig).first(63)));
}

TEST(KeysTest, SameSeedGivesSameKey) {
  SigningKey a = SigningKey::generate();
  auto b = SigningKey::fromSeed(a.seed());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a.publicKey(), b->publicKey());
  EXPECT_FALSE(SigningKey::fromSeed(Bytes(31)).ok());
}

TEST(KeysTest, CurveKeysOfTwoNodesAgreeOnASharedSecret) {
  // The CurveZMQ keys derived from two Ed25519 identities must form a working key exchange.
  SigningKey a = SigningKey::generate(), b = SigningKey::generate();
  auto aPub = a.publicKey().curve25519();
  auto bPub = b.publicKey().curve25519();
  ASSERT_TRUE(aPub.ok() && bPub.ok());
  Curve25519Key aSec = a.curve25519Secret(), bSec = b.curve25519Secret();
  // x25519(aSec, bPub) == x25519(bSec, aPub), checked via hashing both shared secrets.
  uint8_t s1[32], s2[32];
  ASSERT_EQ(crypto_scalarmult(s1, aSec.data(), bPub->data()), 0);
  ASSERT_EQ(crypto_scalarmult(s2, bSec.data(), aPub->data()), 0);
  EXPECT_EQ(0, std::memcmp(s1, s2, 32));
}

TEST(KeysTest, PublicKeyOfWrongLengthIsRejected) {
  EXPECT_FALSE(PublicKey::fromBytes(Bytes(31)).ok());
  EXPECT_TRUE(PublicKey::fromBytes(Bytes(32)).ok());
}

TEST(HashTest, FieldsAreLengthPrefixed) {
  Blake2bHasher a, b;
  a.updateField(asBytes("ab"));
  a.updateField(asBytes("c"));
  b.updateField(asBytes("a"));
  b.updateField(asBytes("bc"));
  EXPECT_NE(a.finish(), b.finish());
  EXPECT_EQ(blake2b256(asBytes("x")), blake2b256(asBytes("x")));
}

}  // namespace
}  // namespace govbus
