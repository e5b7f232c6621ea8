// Known answers for keys and certificates (tests/vectors/keys.json, certificates.json): the key
// file format, the Ed25519 and CurveZMQ keys a seed gives, and enrolment certificates signed under
// the certificate domain. A change to the key file format, to the certificate encoding or to the
// certificate signature domain fails here.
// Regenerate on purpose only: GOVBUS_WRITE_VECTORS=1 build/tests/crypto_test
// --gtest_filter='*Vectors*' (tests/vectors/README.md, docs/PROTOCOL.md "Compatibility").
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crypto/certificate.h"
#include "crypto/key_file.h"
#include "testing/test_network.h"
#include "testing/vectors.h"

namespace govbus {
namespace {

using testing::hex;
using testing::Json;
using testing::kTestEpochMs;
using testing::kYearMs;
using testing::TestKeys;
using testing::TestNetwork;
using testing::toJson;
using testing::unhex;

const char* const kCodes[] = {"430000", "430100", "430102", "430181"};

Json keyVectors() {
  Json out = {{"about",
               "Key files: the text of a node's key file for a seed, and the keys it gives. "
               "seed = BLAKE2b-256('govbus vector key ' code). See README.md."},
              {"keys", Json::array()},
              {"malformed", Json::array()}};
  for (const char* code : kCodes) {
    Bytes seed = testing::fixedSeed(code);
    auto key = SigningKey::fromSeed(seed);
    out["keys"].push_back({{"code", code},
                           {"seed", hex(seed)},
                           {"file", "govbus-ed25519-seed-v1\n" + hex(seed) + "\n"},
                           {"publicKey", hex(key->publicKey().bytes())},
                           {"curve25519PublicKey", hex(*key->publicKey().curve25519())},
                           {"curve25519SecretKey", hex(key->curve25519Secret())}});
  }
  std::string seed = hex(testing::fixedSeed("430000"));
  for (const std::string& bad :
       {std::string("govbus-ed25519-seed-v2\n") + seed + "\n", std::string("\n") + seed + "\n",
        "govbus-ed25519-seed-v1\n" + seed.substr(2) + "\n",
        "govbus-ed25519-seed-v1\n" + seed + "00\n",
        "govbus-ed25519-seed-v1\n" + seed.substr(1) + "g\n", std::string("govbus-ed25519-seed-v1"),
        "govbus-ed25519-seed-v1 " + seed + "\n"}) {
    out["malformed"].push_back(bad);
  }
  return out;
}

TEST(KeyFileVectors, ASeedGivesTheKnownKeyFileAndKeys) {
  Json built = keyVectors();
  if (testing::writingVectors()) return testing::writeVectors("keys.json", built);
  Json file = testing::readVectors("keys.json");
  ASSERT_EQ(file["keys"].size(), std::size(kCodes));
  for (const Json& v : file["keys"]) {
    SCOPED_TRACE(v["code"].get<std::string>());
    auto key = parseSigningKey(v["file"].get<std::string>());
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_EQ(hex(key->seed()), v["seed"]);
    EXPECT_EQ(hex(key->publicKey().bytes()), v["publicKey"]);
    EXPECT_EQ(hex(*key->publicKey().curve25519()), v["curve25519PublicKey"]);
    EXPECT_EQ(hex(key->curve25519Secret()), v["curve25519SecretKey"]);
    // Saving writes exactly the known text.
    testing::TempDir dir;
    ASSERT_TRUE(saveSigningKey(dir.path() / "node.key", *key).ok());
    std::ifstream in(dir.path() / "node.key");
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), v["file"]);
  }
  EXPECT_EQ(file["keys"], built["keys"]);
}

TEST(KeyFileVectors, MalformedKeyFilesAreRejectedAsMalformed) {
  if (testing::writingVectors()) GTEST_SKIP() << "writing vectors";
  Json file = testing::readVectors("keys.json");
  ASSERT_GE(file["malformed"].size(), 5u);
  for (const Json& v : file["malformed"]) {
    auto key = parseSigningKey(v.get<std::string>());
    ASSERT_FALSE(key.ok()) << v.dump();
    EXPECT_EQ(errorCodeName(key.error().code), errorCodeName(ErrorCode::kMalformed)) << v.dump();
  }
}

// --- certificates ---

struct NamedCertificate {
  std::string name;
  std::string issuer;  // whose certificate verifies it ("" for the anchor)
  SignedCertificate signedCertificate;
};

std::vector<NamedCertificate> certificates() {
  TestNetwork net(TestKeys::kFixed);
  net.enroll("430181", "430000");  // 浏阳市, enrolled directly by the province (省直管)
  std::vector<NamedCertificate> out = {
      {"anchor", "", net.anchor()},
      {"city", "430000", net.node("430100").certificate},
      {"county", "430100", net.node("430102").certificate},
      {"provinceAdministeredCounty", "430000", net.node("430181").certificate},
  };
  // Re-enrolment of 芙蓉区 with a new key and a higher serial.
  Certificate c = *decodeCertificateBody(net.node("430102").certificate.body);
  c.serial = 2;
  c.subjectName = "芙蓉区";
  c.publicKey =
      toBytes(SigningKey::fromSeed(testing::fixedSeed("430102 serial 2"))->publicKey().bytes());
  c.notBeforeMs = kTestEpochMs;
  c.notAfterMs = kTestEpochMs + 3 * kYearMs;
  out.push_back({"county.reEnrolment", "430100", issueCertificate(c, net.node("430100").key)});
  // The shortest name that makes the SignedCertificate message spill out of its encoder's 64-word
  // first segment by one word: pins that segment's size (decoders accept any segmentation).
  Certificate edge = *decodeCertificateBody(net.node("430102").certificate.body);
  for (size_t pad = 0; pad < 512; ++pad) {
    edge.subjectName = "芙蓉区" + std::string(pad, '.');
    if (encodeSignedCertificate(issueCertificate(edge, net.node("430100").key))[0] != 0) break;
  }
  out.push_back(
      {"county.firstSegmentEdge", "430100", issueCertificate(edge, net.node("430100").key)});
  return out;
}

TEST(CertificateVectors, CertificatesEncodeSignAndVerifyAsKnown) {
  auto certs = certificates();
  Json built = {{"about",
                 "Known-answer certificates: body = Cap'n Proto Certificate message; signature = "
                 "Ed25519 by the issuer over 'govbus/cert/v1' NUL body; signed = SignedCertificate "
                 "message (certificate files, the anchor file). See README.md."},
                {"signatureDomainHex", hex(asBytes(kCertificateSignatureDomain))},
                {"certificates", Json::array()}};
  for (const auto& c : certs) {
    built["certificates"].push_back(
        {{"name", c.name},
         {"issuer", c.issuer},
         {"fields", toJson(*decodeCertificateBody(c.signedCertificate.body))},
         {"body", hex(c.signedCertificate.body)},
         {"signature", hex(c.signedCertificate.signature)},
         {"signed", hex(encodeSignedCertificate(c.signedCertificate))}});
  }
  if (testing::writingVectors()) return testing::writeVectors("certificates.json", built);
  Json file = testing::readVectors("certificates.json");
  EXPECT_EQ(file["signatureDomainHex"], built["signatureDomainHex"])
      << "the certificate signature domain changed";
  ASSERT_EQ(file["certificates"].size(), certs.size());
  std::map<std::string, Certificate> byName;
  for (size_t i = 0; i < certs.size(); ++i) {
    const Json& v = file["certificates"][i];
    SCOPED_TRACE(certs[i].name);
    EXPECT_EQ(v["name"], certs[i].name);
    EXPECT_EQ(v["body"], built["certificates"][i]["body"]) << "the encoding changed";
    EXPECT_EQ(v["signature"], built["certificates"][i]["signature"]) << "the signature changed";
    EXPECT_EQ(v["signed"], built["certificates"][i]["signed"]);
    auto sc = decodeSignedCertificate(unhex(v["signed"]));
    ASSERT_TRUE(sc.ok()) << sc.error().message;
    auto body = decodeCertificateBody(sc->body);
    ASSERT_TRUE(body.ok()) << body.error().message;
    EXPECT_EQ(toJson(*body), v["fields"]);
    // The file's signature verifies under this build's rules.
    auto verified = v["issuer"].get<std::string>().empty()
                        ? verifyAnchor(*sc)
                        : verifyIssuedBy(*sc, byName.at(v["issuer"].get<std::string>()));
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    if (certs[i].name.find('.') == std::string::npos) byName[body->subject] = *body;
  }
}

}  // namespace
}  // namespace govbus
