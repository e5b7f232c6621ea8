#include "crypto/applicant_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "crypto/hash.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TempDir;

ApplicantKey countingKey() {
  Bytes k(32);
  std::iota(k.begin(), k.end(), uint8_t{0});
  return *ApplicantKey::fromBytes(k);
}

// Expected values computed independently with Python's hashlib:
//   hashlib.blake2b(id.encode(), digest_size=32, key=bytes(range(32))).hexdigest()
TEST(ApplicantKeyTest, HashIsKeyedBlake2bOverTheNormalisedIdAsDocumented) {
  const ApplicantKey key = countingKey();
  EXPECT_EQ(toHex(key.hash("43010219900101001X")),
            "7a95b9b2dd5dc97ee3cd4b7da1a9bc04de5373245211736c2e4d3d8e85c09d19");
  EXPECT_EQ(toHex(key.hash("张三")),
            "d9131aae9717a1c2e95300c72264077fa8199a938f85af794c7cb20a1a4cb43d");
  // The unkeyed hash, which anyone can compute from a guessed id, is not what is recorded.
  EXPECT_NE(key.hash("43010219900101001X"), blake2b256(asBytes("43010219900101001X")));
}

TEST(ApplicantKeyTest, TheSameIdWrittenTwoWaysIsOneApplicant) {
  const ApplicantKey key = countingKey();
  EXPECT_EQ(key.hash(" 43010219900101001x\n"), key.hash("43010219900101001X"));
  EXPECT_NE(key.hash("430102199001010011"), key.hash("43010219900101001X"));
}

TEST(ApplicantKeyTest, TwoProvincesKeysGiveUnrelatedHashes) {
  EXPECT_NE(ApplicantKey::generate().hash("430102199001010011"),
            ApplicantKey::generate().hash("430102199001010011"));
}

TEST(ApplicantKeyTest, SavedOwnerOnlyNeverOverwrittenAndLoadsBack) {
  TempDir dir;
  const auto path = dir.path() / kApplicantKeyFileName;
  const ApplicantKey key = ApplicantKey::generate();
  ASSERT_TRUE(saveApplicantKey(path, key).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto again = saveApplicantKey(path, ApplicantKey::generate());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  auto loaded = loadApplicantKey(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->hash("x"), key.hash("x"));

  ::chmod(path.c_str(), 0644);
  auto open = loadApplicantKey(path);
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos) << open.error().message;
}

TEST(ApplicantKeyTest, MalformedFilesAreRefusedWithTheRule) {
  const std::string header = "govbus-applicant-key-v1\n";
  const std::string hex(64, 'a');
  EXPECT_TRUE(parseApplicantKey(header + hex + "\n").ok());
  for (const std::string& bad :
       {std::string(), hex, "govbus-ed25519-seed-v1\n" + hex, header, header + hex.substr(2),
        header + hex + "aa", header + std::string(63, 'a') + "g"}) {
    auto r = parseApplicantKey(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed) << bad;
    EXPECT_NE(r.error().message.find("applicant key file"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace govbus
