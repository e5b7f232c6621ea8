#include "protocol/certificate_codec.h"

#include <gtest/gtest.h>

#include "protocol/limits.h"

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

TEST(CertificateCodecTest, StructuralRulesAreEnforcedWithTheRuleNamed) {
  auto error = [](auto mutate) {
    Certificate c = sample();
    mutate(c);
    auto d = decodeCertificateBody(encodeCertificateBody(c));
    EXPECT_FALSE(d.ok());
    if (d.ok()) return std::string();
    EXPECT_EQ(errorCodeName(d.error().code), errorCodeName(ErrorCode::kMalformed));
    return d.error().message;
  };
  EXPECT_EQ(error([](Certificate& c) { c.publicKey.resize(31); }),
            "certificate.publicKey: must be 32 bytes");
  EXPECT_NE(error([](Certificate& c) { c.subject = "4301"; }).find("certificate.subject: "),
            std::string::npos);
  EXPECT_NE(error([](Certificate& c) { c.issuer = ""; }).find("certificate.issuer: "),
            std::string::npos);
  EXPECT_EQ(error([](Certificate& c) { c.serial = 0; }), "certificate.serial: must be at least 1");
  EXPECT_EQ(error([](Certificate& c) { c.issuerSerial = 0; }),
            "certificate.issuerSerial: must be at least 1");
  EXPECT_EQ(error([](Certificate& c) { c.notAfterMs = c.notBeforeMs - 1; }),
            "certificate.notAfterMs: validity period ends before it starts");
  // A name that long does not fit in a certificate at all: the body limit speaks first.
  Certificate longName = sample();
  longName.subjectName.assign(kMaxTextBytes + 1, 'a');
  auto tooLarge = decodeCertificateBody(encodeCertificateBody(longName));
  ASSERT_FALSE(tooLarge.ok());
  EXPECT_EQ(errorCodeName(tooLarge.error().code), errorCodeName(ErrorCode::kTooLarge));
  EXPECT_NE(tooLarge.error().message.find("over the limit of 4096"), std::string::npos)
      << tooLarge.error().message;
  // At the bounds: a one-millisecond period is fine, and so is a long name in a body that fits.
  Certificate edge = sample();
  edge.notAfterMs = edge.notBeforeMs;
  edge.subjectName.assign(3800, 'a');
  EXPECT_TRUE(decodeCertificateBody(encodeCertificateBody(edge)).ok());

  auto signedError = [](const SignedCertificate& sc) {
    auto d = decodeSignedCertificate(encodeSignedCertificate(sc));
    EXPECT_FALSE(d.ok());
    return d.ok() ? std::string() : d.error().message;
  };
  EXPECT_EQ(signedError({encodeCertificateBody(sample()), Bytes(10)}),
            "signedCertificate.signature: must be 64 bytes");
  EXPECT_EQ(signedError({Bytes{}, Bytes(64)}), "signedCertificate.body: must be 1..4096 bytes");
  EXPECT_EQ(signedError({Bytes(kMaxCertificateBytes + 1, 1), Bytes(64)}),
            "signedCertificate.body: must be 1..4096 bytes");
  EXPECT_TRUE(decodeSignedCertificate(encodeSignedCertificate({Bytes(1, 1), Bytes(64)})).ok())
      << "the codec checks sizes; whether the body is a certificate is decided on use";
  EXPECT_TRUE(
      decodeSignedCertificate(encodeSignedCertificate({Bytes(kMaxCertificateBytes, 1), Bytes(64)}))
          .ok());
  auto huge = decodeSignedCertificate(Bytes(5000 * 8, 0));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(errorCodeName(huge.error().code), errorCodeName(ErrorCode::kTooLarge));
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
