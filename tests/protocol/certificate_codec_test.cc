#include "protocol/certificate_codec.h"

#include <gtest/gtest.h>

namespace govbus {
namespace {

Certificate sample() {
  return Certificate{"430102", "芙蓉区", Bytes(32, 9), "430100", 2, 1000, 2000, 1};
}

TEST(CertificateCodecTest, RoundTrips) {
  auto c = decodeCertificateBody(encodeCertificateBody(sample()));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(*c, sample());
  SignedCertificate sc{encodeCertificateBody(sample()), Bytes(64, 1)};
  auto d = decodeSignedCertificate(encodeSignedCertificate(sc));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, sc);
}

TEST(CertificateCodecTest, StructuralRulesAreEnforced) {
  auto bad = [](auto mutate) {
    Certificate c = sample();
    mutate(c);
    return decodeCertificateBody(encodeCertificateBody(c));
  };
  EXPECT_FALSE(bad([](Certificate& c) { c.publicKey.resize(31); }).ok());
  EXPECT_FALSE(bad([](Certificate& c) { c.subject = "4301"; }).ok());
  EXPECT_FALSE(bad([](Certificate& c) { c.issuer = ""; }).ok());
  EXPECT_FALSE(bad([](Certificate& c) { c.serial = 0; }).ok());
  EXPECT_FALSE(bad([](Certificate& c) { c.issuerSerial = 0; }).ok());
  EXPECT_FALSE(bad([](Certificate& c) { c.notAfterMs = c.notBeforeMs - 1; }).ok());
  EXPECT_FALSE(
      decodeSignedCertificate(encodeSignedCertificate({encodeCertificateBody(sample()), Bytes(10)}))
          .ok());
  EXPECT_FALSE(decodeSignedCertificate(Bytes(5000 * 8, 0)).ok());
}

}  // namespace
}  // namespace govbus
