// Enrolment certificates and the region rule (DESIGN §3).
#include "crypto/certificate.h"

#include <gtest/gtest.h>

#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::kTestEpochMs;
using testing::kYearMs;
using testing::TestNetwork;

Certificate anchorOf(const TestNetwork& net) { return *verifyAnchor(net.anchor()); }

TEST(CertificateTest, ProvinceAnchorVerifiesAsSelfSigned) {
  TestNetwork net;
  auto anchor = verifyAnchor(net.anchor());
  ASSERT_TRUE(anchor.ok()) << anchor.error().message;
  EXPECT_EQ(anchor->subject, "430000");
  EXPECT_EQ(anchor->subjectName, "湖南省");
}

TEST(CertificateTest, AnchorSignedBySomeoneElseIsRejected) {
  TestNetwork net;
  Certificate c = *decodeCertificateBody(net.anchor().body);
  auto forged = issueCertificate(c, net.node("430100").key);
  auto r = verifyAnchor(forged);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBadChain);
}

TEST(CertificateTest, ProvinceCityCountyChainVerifies) {
  TestNetwork net;
  auto leaf = verifyChain(anchorOf(net), net.chainOf("430102"), kTestEpochMs);
  ASSERT_TRUE(leaf.ok()) << leaf.error().message;
  EXPECT_EQ(leaf->subject, "430102");
  EXPECT_EQ(leaf->issuer, "430100");
}

TEST(CertificateTest, CountyCertificateSignedByACityOutsideItsRegionIsRejected) {
  TestNetwork net;
  // 株洲市 (430200) signs a certificate for 芙蓉区 (430102), which lies in 长沙市's region.
  net.enroll("430102", "430200");
  auto r = verifyChain(anchorOf(net), net.chainOf("430102"), kTestEpochMs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBadChain);
  EXPECT_NE(r.error().message.find("outside the region"), std::string::npos) << r.error().message;
}

TEST(CertificateTest, ProvinceAdministeredCountyIsAcceptedAsTheProvincesChild) {
  // Hubei's 仙桃市 (429004) sits under the pseudo-city 4290: its parent is the province itself.
  SigningKey hubeiKey = SigningKey::generate(), xiantaoKey = SigningKey::generate();
  Certificate hubei{"420000",
                    "湖北省",
                    toBytes(hubeiKey.publicKey().bytes()),
                    "420000",
                    1,
                    kTestEpochMs - kYearMs,
                    kTestEpochMs + kYearMs,
                    1};
  Certificate xiantao{"429004",
                      "仙桃市",
                      toBytes(xiantaoKey.publicKey().bytes()),
                      "420000",
                      1,
                      kTestEpochMs - kYearMs,
                      kTestEpochMs + kYearMs,
                      1};
  auto anchor = verifyAnchor(issueCertificate(hubei, hubeiKey));
  ASSERT_TRUE(anchor.ok()) << anchor.error().message;
  std::vector<SignedCertificate> chain = {issueCertificate(xiantao, hubeiKey)};
  auto r = verifyChain(*anchor, chain, kTestEpochMs);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->subject, "429004");
  EXPECT_EQ(r->issuer, "420000");
  // The same in 湖南: 浏阳市 enrolled directly by the province.
  TestNetwork hunan;
  hunan.enroll("430181", "430000");
  EXPECT_TRUE(verifyChain(anchorOf(hunan), hunan.chainOf("430181"), kTestEpochMs).ok());
  // But a county of the pseudo-city is outside 湖南's region.
  hunan.enroll("429004", "430000");
  auto outside = verifyChain(anchorOf(hunan), hunan.chainOf("429004"), kTestEpochMs);
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.error().message.find("outside the region"), std::string::npos)
      << outside.error().message;
}

TEST(CertificateTest, CityCannotEnrolAnotherCityOrItself) {
  TestNetwork net;
  net.enroll("430300", "430100");  // a city enrolling a sibling city
  auto sibling = verifyChain(anchorOf(net), net.chainOf("430300"), kTestEpochMs);
  ASSERT_FALSE(sibling.ok());
  EXPECT_EQ(errorCodeName(sibling.error().code), errorCodeName(ErrorCode::kBadChain));
  EXPECT_NE(sibling.error().message.find("outside the region"), std::string::npos)
      << sibling.error().message;
  net.enroll("430100", "430100");  // self-enrolment below the anchor
  auto self = verifyIssuedBy(net.node("430100").certificate,
                             *decodeCertificateBody(net.node("430100").certificate.body));
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(errorCodeName(self.error().code), errorCodeName(ErrorCode::kBadChain));
  EXPECT_NE(self.error().message.find("outside the region"), std::string::npos)
      << self.error().message;
}

TEST(CertificateTest, CertificateOfAnotherProvinceIsRejected) {
  TestNetwork net;
  net.enroll("420100", "430000");  // 武汉市 is not in 湖南省
  auto r = verifyChain(anchorOf(net), net.chainOf("420100"), kTestEpochMs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBadChain);
}

TEST(CertificateTest, ChainIsCheckedAgainstItsValidityPeriod) {
  TestNetwork net;
  auto tooLate = verifyChain(anchorOf(net), net.chainOf("430102"), kTestEpochMs + 6 * kYearMs);
  ASSERT_FALSE(tooLate.ok());
  EXPECT_EQ(tooLate.error().code, ErrorCode::kExpiredCertificate);
  auto tooEarly = verifyChain(anchorOf(net), net.chainOf("430102"), kTestEpochMs - 2 * kYearMs);
  ASSERT_FALSE(tooEarly.ok());
}

TEST(CertificateTest, CertificateNamingTheWrongIssuerSerialIsRejected) {
  TestNetwork net;
  Certificate c = *decodeCertificateBody(net.node("430102").certificate.body);
  c.issuerSerial = 2;
  auto cert = issueCertificate(c, net.node("430100").key);
  auto r = verifyIssuedBy(cert, *decodeCertificateBody(net.node("430100").certificate.body));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("serial"), std::string::npos);
}

TEST(CertificateTest, TamperedCertificateBodyIsRejected) {
  TestNetwork net;
  SignedCertificate cert = net.node("430102").certificate;
  Certificate issuer = *decodeCertificateBody(net.node("430100").certificate.body);
  size_t rejected = 0;
  for (size_t i = 0; i < cert.body.size(); ++i) {
    SignedCertificate m = cert;
    m.body[i] ^= 0x01;
    if (!verifyIssuedBy(m, issuer).ok()) ++rejected;
  }
  EXPECT_EQ(rejected, cert.body.size());
}

}  // namespace
}  // namespace govbus
