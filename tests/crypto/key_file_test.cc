#include "crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

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
  EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos) << r.error().message;
}

TEST(KeyFileTest, MissingKeyFileSaysWhichFile) {
  auto r = loadSigningKey("/nonexistent/node.key");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/node.key"), std::string::npos);
}

TEST(KeyFileTest, MalformedKeyFilesAreRejected) {
  for (std::string_view text :
       {"", "govbus-ed25519-seed-v1", "govbus-ed25519-seed-v1\nzz",
        "wrong-header\n0000000000000000000000000000000000000000000000000000000000000000\n",
        "govbus-ed25519-seed-v1\n00000000000000000000000000000000000000000000000000000000000000\n",
        "govbus-ed25519-seed-"
        "v1\n000000000000000000000000000000000000000000000000000000000000000g\n"}) {
    EXPECT_FALSE(parseSigningKey(text).ok()) << text;
  }
  EXPECT_TRUE(parseSigningKey("govbus-ed25519-seed-v1\n" + std::string(64, 'a') + "\n").ok());
}

}  // namespace
}  // namespace govbus
