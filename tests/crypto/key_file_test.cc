#include "crypto/key_file.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <vector>

#include <fstream>

#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TempDir;

TEST(KeyFileTest, SavedKeyIsOwnerOnlyAndLoadsBack) {
  TempDir dir;
  auto path = dir.path() / "node.key";
  SigningKey key = SigningKey::generate();
  ASSERT_TRUE(saveSigningKey(path, key).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto loaded = loadSigningKey(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->publicKey(), key.publicKey());
}

TEST(KeyFileTest, ExistingKeyIsNeverOverwritten) {
  TempDir dir;
  auto path = dir.path() / "node.key";
  SigningKey first = SigningKey::generate();
  ASSERT_TRUE(saveSigningKey(path, first).ok());
  auto again = saveSigningKey(path, SigningKey::generate());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_EQ(loadSigningKey(path)->publicKey(), first.publicKey());
}

TEST(KeyFileTest, KeyReadableByOthersIsRefusedWithTheFix) {
  TempDir dir;
  auto path = dir.path() / "node.key";
  ASSERT_TRUE(saveSigningKey(path, SigningKey::generate()).ok());
  ::chmod(path.c_str(), 0644);
  auto r = loadSigningKey(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(errorCodeName(r.error().code), errorCodeName(ErrorCode::kIo));
  EXPECT_EQ(r.error().message, "key file " + path.string() + " is readable by others (mode 644); " +
                                   "run: chmod 600 " + path.string());
  ::chmod(path.c_str(), 0640);  // group-readable is refused too
  EXPECT_NE(loadSigningKey(path).error().message.find("(mode 640)"), std::string::npos);
  ::chmod(path.c_str(), 0600);
  EXPECT_TRUE(loadSigningKey(path).ok());
}

TEST(KeyFileTest, MissingKeyFileSaysWhichFile) {
  auto r = loadSigningKey("/nonexistent/node.key");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/node.key"), std::string::npos);
}

TEST(KeyFileTest, MalformedKeyFilesAreRejectedWithTheRule) {
  const std::string header = "govbus-ed25519-seed-v1";
  const std::string headerRule = "key file does not start with the line '" + header + "'";
  const std::string hexRule = "key file's second line must be 64 hex digits";
  for (const auto& [text, rule] : std::vector<std::pair<std::string, std::string>>{
           {"", headerRule},
           {header, headerRule},
           {"wrong-header\n" + std::string(64, '0') + "\n", headerRule},
           {"govbus-ed25519-seed-v2\n" + std::string(64, '0') + "\n", headerRule},
           {header + "\nzz", hexRule},
           {header + "\n" + std::string(62, '0') + "\n", hexRule},
           {header + "\n" + std::string(66, '0') + "\n", hexRule},
           {header + "\n" + std::string(63, '0') + "g\n", hexRule}}) {
    auto key = parseSigningKey(text);
    ASSERT_FALSE(key.ok()) << text;
    EXPECT_EQ(errorCodeName(key.error().code), errorCodeName(ErrorCode::kMalformed)) << text;
    EXPECT_EQ(key.error().message, rule) << text;
  }
  // Trailing newlines, carriage returns and spaces after the seed are tolerated; upper case too.
  for (const std::string& ok :
       {header + "\n" + std::string(64, 'a') + "\n", header + "\n" + std::string(64, 'A') + "\r\n",
        header + "\n" + std::string(64, 'a') + "  \n\n", header + "\n" + std::string(64, 'a')}) {
    EXPECT_TRUE(parseSigningKey(ok).ok()) << ok;
  }
}

}  // namespace
}  // namespace govbus
