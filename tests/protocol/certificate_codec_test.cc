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

// The certificate codec reads codes and text through the same helper as records and sync messages:
// each error names the field, and a NUL byte is refused as such.
TEST(CertificateCodecTest, ABadFieldIsNamedAndANulByteIsRefusedAsSuch) {
  auto error = [](auto mutate) {
    Certificate c = sample();
    mutate(c);
    auto d = decodeCertificateBody(encodeCertificateBody(c));
    return d.ok() ? std::string("decoded") : d.error().message;
  };
  EXPECT_EQ(error([](Certificate& c) {
              c.subject = std::string(
                  "4301\0"
                  "2",
                  6);
            }),
            "certificate.subject: text contains a NUL byte");
  EXPECT_EQ(error([](Certificate& c) { c.subjectName = std::string("芙蓉\0区", 10); }),
            "certificate.subjectName: text contains a NUL byte");
  EXPECT_NE(error([](Certificate& c) { c.issuer = "4301"; }).find("certificate.issuer: "),
            std::string::npos);
  EXPECT_EQ(error([](Certificate& c) { c.serial = 0; }), "certificate.serial: must be at least 1");
}

}  // namespace
}  // namespace govbus
