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

TEST(HashTest, Blake2bIsTheUnkeyed256BitHash) {
  // RFC 7693 / libsodium crypto_generichash with a 32-byte output: known answers.
  EXPECT_EQ(toHex(blake2b256(asBytes(""))),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(toHex(blake2b256(asBytes("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  Blake2bHasher h;
  h.update(asBytes("a"));
  h.update(asBytes("bc"));
  EXPECT_EQ(h.finish(), blake2b256(asBytes("abc"))) << "incremental updates hash the concatenation";
}

TEST(HashTest, FieldsAreLengthPrefixedWithEightByteBigEndianLengths) {
  Blake2bHasher a, b;
  a.updateField(asBytes("ab"));
  a.updateField(asBytes("c"));
  b.updateField(asBytes("a"));
  b.updateField(asBytes("bc"));
  EXPECT_NE(a.finish(), b.finish()) << "(ab, c) and (a, bc) must not collide";
  // Exactly: be64(len) then the bytes.
  Blake2bHasher field;
  field.updateField(asBytes("xyz"));
  Bytes framed = {0, 0, 0, 0, 0, 0, 0, 3, 'x', 'y', 'z'};
  EXPECT_EQ(field.finish(), blake2b256(framed));
  Blake2bHasher number;
  number.updateU64(0x0102030405060708ULL);
  Bytes be = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(number.finish(), blake2b256(be));
}

}  // namespace
}  // namespace govbus
