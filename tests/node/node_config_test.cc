// NodeConfig parsing: the [testing] table, which shifts a node's clock and so must refuse anything
// but a bounded whole number of days; the [store] quota.
#include "node/node_config.h"

#include <gtest/gtest.h>

#include <string>

namespace govbus {
namespace {

constexpr int64_t kDayMs = 86'400'000;

const char* const kMinimalConfig =
    "code = \"430102\"\n"
    "data_dir = \"data\"\n"
    "key_file = \"node.key\"\n"
    "anchor_file = \"anchor.cert\"\n"
    "certificate_chain_file = \"chain.certs\"\n"
    "api_token_file = \"api.token\"\n";

Result<NodeConfig> parseWith(const std::string& extra) {
  return parseNodeConfig(std::string(kMinimalConfig) + extra, "/etc/govbus", "test.toml");
}

TEST(NodeConfigTest, ClockOffsetIsZeroWithoutATestingTable) {
  auto c = parseWith("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->clockOffsetMs, 0);
  EXPECT_EQ(c->dataDir, std::filesystem::path("/etc/govbus/data"));
}

TEST(NodeConfigTest, ClockOffsetDaysBecomesMillisecondsEitherWay) {
  auto ahead = parseWith("[testing]\nclock_offset_days = 40\n");
  ASSERT_TRUE(ahead) << ahead.error().message;
  EXPECT_EQ(ahead->clockOffsetMs, 40 * kDayMs);

  auto behind = parseWith("[testing]\nclock_offset_days = -3\n");
  ASSERT_TRUE(behind) << behind.error().message;
  EXPECT_EQ(behind->clockOffsetMs, -3 * kDayMs);

  auto limit =
      parseWith("[testing]\nclock_offset_days = " + std::to_string(kMaxClockOffsetDays) + "\n");
  ASSERT_TRUE(limit) << limit.error().message;
  EXPECT_EQ(limit->clockOffsetMs, kMaxClockOffsetDays * kDayMs);
  auto lowest =
      parseWith("[testing]\nclock_offset_days = " + std::to_string(-kMaxClockOffsetDays) + "\n");
  ASSERT_TRUE(lowest) << lowest.error().message;
  EXPECT_EQ(lowest->clockOffsetMs, -kMaxClockOffsetDays * kDayMs);
}

TEST(NodeConfigTest, ClockOffsetOutOfRangeIsRefusedWithTheRange) {
  const std::string range = "must be an integer from -" + std::to_string(kMaxClockOffsetDays) +
                            " to " + std::to_string(kMaxClockOffsetDays);
  for (int64_t days : {kMaxClockOffsetDays + 1, -kMaxClockOffsetDays - 1, int64_t{1} << 50}) {
    auto c = parseWith("[testing]\nclock_offset_days = " + std::to_string(days) + "\n");
    ASSERT_FALSE(c) << days;
    EXPECT_NE(c.error().message.find("testing.clock_offset_days"), std::string::npos)
        << c.error().message;
    EXPECT_NE(c.error().message.find(range), std::string::npos) << c.error().message;
  }
}

TEST(NodeConfigTest, ClockOffsetOfAnotherTypeIsRefused) {
  for (const char* value : {"\"3\"", "1.5", "true", "[1]", "{ days = 1 }"}) {
    auto c = parseWith(std::string("[testing]\nclock_offset_days = ") + value + "\n");
    ASSERT_FALSE(c) << value;
    EXPECT_NE(c.error().message.find("key 'testing.clock_offset_days' must be an integer"),
              std::string::npos)
        << value << ": " << c.error().message;
  }
}

TEST(NodeConfigTest, TestingTableTakesNoOtherKeyAndMustBeATable) {
  auto misspelt = parseWith("[testing]\nclock_ofset_days = 3\n");
  ASSERT_FALSE(misspelt);
  EXPECT_NE(misspelt.error().message.find("unknown key 'testing.clock_ofset_days'"),
            std::string::npos)
      << misspelt.error().message;

  auto notTable = parseWith("testing = 3\n");
  ASSERT_FALSE(notTable);
  EXPECT_NE(notTable.error().message.find("[testing] must be a table"), std::string::npos)
      << notTable.error().message;
}

// Issue 13, item 6: the per-author quota is an operator setting with a default.
TEST(NodeConfigTest, AuthorQuotaDefaultsToFourGibibytesAndIsSetInTheStoreTable) {
  auto plain = parseWith("");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->authorQuotaMb, 4096u);
  auto set = parseWith("[store]\nmap_size_mb = 2048\nauthor_quota_mb = 100\n");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->authorQuotaMb, 100u);
  EXPECT_EQ(set->mapSizeMb, 2048u);
}

TEST(NodeConfigTest, AnAuthorQuotaThatIsNotAPositiveIntegerIsRefusedByName) {
  for (const char* value : {"0", "-5", "\"1G\"", "1.5"}) {
    auto c = parseWith(std::string("[store]\nauthor_quota_mb = ") + value + "\n");
    ASSERT_FALSE(c) << value;
    EXPECT_NE(c.error().message.find("store.author_quota_mb"), std::string::npos)
        << value << ": " << c.error().message;
  }
  auto misspelt = parseWith("[store]\nauthor_quota = 5\n");
  ASSERT_FALSE(misspelt);
  EXPECT_NE(misspelt.error().message.find("unknown key 'store.author_quota'"), std::string::npos)
      << misspelt.error().message;
}

// Issue 13, item 11: a non-loopback API needs an explicit opt-in.
TEST(NodeConfigTest, AnApiBeyondLoopbackIsRefusedNamingTheOptInUnlessItIsGiven) {
  for (const char* api :
       {"0.0.0.0:8101", "10.1.2.3:8101", "api.example.gov.cn:8101", "127.0.0.1.example.com:8101"}) {
    auto c = parseWith(std::string("api = \"") + api + "\"\n");
    ASSERT_FALSE(c) << api;
    EXPECT_NE(c.error().message.find("is not a loopback address"), std::string::npos)
        << c.error().message;
    EXPECT_NE(c.error().message.find("api_allow_remote = true"), std::string::npos)
        << c.error().message;
    auto opted = parseWith(std::string("api = \"") + api + "\"\napi_allow_remote = true\n");
    ASSERT_TRUE(opted) << api << ": " << opted.error().message;
    EXPECT_TRUE(opted->apiAllowRemote);
  }
  for (const char* api : {"127.0.0.1:8101", "127.0.0.2:9000", "localhost:8101", "[::1]:8101"}) {
    auto c = parseWith(std::string("api = \"") + api + "\"\n");
    EXPECT_TRUE(c) << api << ": " << c.error().message;
  }
  auto notBool = parseWith("api = \"0.0.0.0:8101\"\napi_allow_remote = \"yes\"\n");
  ASSERT_FALSE(notBool);
  EXPECT_NE(notBool.error().message.find("'api_allow_remote' must be true or false"),
            std::string::npos)
      << notBool.error().message;
}

TEST(NodeConfigTest, TheReadTokenAndApplicantKeyFilesAreOptionalPathsBesideTheConfig) {
  auto none = parseWith("");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->apiReadTokenFile);
  EXPECT_FALSE(none->applicantKeyFile);
  auto both = parseWith(
      "api_read_token_file = \"api-read.token\"\napplicant_key_file = \"/srv/applicant.key\"\n");
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(*both->apiReadTokenFile, std::filesystem::path("/etc/govbus/api-read.token"));
  EXPECT_EQ(*both->applicantKeyFile, std::filesystem::path("/srv/applicant.key"));
  for (const std::string key : {"api_read_token_file", "applicant_key_file"}) {
    auto bad = parseWith(key + " = 7\n");
    ASSERT_FALSE(bad) << key;
    EXPECT_NE(bad.error().message.find(key), std::string::npos) << bad.error().message;
  }
}

}  // namespace
}  // namespace govbus
