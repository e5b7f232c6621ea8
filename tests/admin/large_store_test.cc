// Heavy (ctest label `slow`): `govbus-admin verify` of a generated province store much larger than
// the memory it may use keeps its peak resident memory bounded, and finds the store sound.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "testing/test_network.h"
#include "testnet/procs_node.h"

namespace govbus {
namespace {

using Json = nlohmann::json;

uint64_t envRecords(uint64_t fallback) {
  const char* v = std::getenv("GOVBUS_LARGE_STORE_RECORDS");
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(LargeStoreTest, VerifyOfAGeneratedProvinceStoreKeepsItsMemoryBoundedAndFindsItSound) {
  testing::TempDir dir;
  const uint64_t records = envRecords(300'000);
  auto generated = testnet::runCommand(
      {GOVBUS_TESTNET_BINARY, "--generate-store", (dir.path() / "province").string(), "--records",
       std::to_string(records), "--quiet"},
      dir.path() / "generate.out");
  ASSERT_TRUE(generated.ok());
  ASSERT_EQ(generated->exitCode, 0) << generated->output;
  const uint64_t storeMib = std::filesystem::file_size(dir.path() / "province/data/data.mdb") >> 20;

  auto verified = testnet::runCommand(
      {GOVBUS_ADMIN_BINARY, "verify", "--data", (dir.path() / "province/data").string(), "--anchor",
       (dir.path() / "province/anchor.cert").string(), "--scratch", dir.path().string(), "--json"},
      dir.path() / "verify.out");
  ASSERT_TRUE(verified.ok());
  ASSERT_EQ(verified->exitCode, 0) << verified->output;
  Json report = Json::parse(verified->output.substr(verified->output.find('{')), nullptr, false);
  ASSERT_TRUE(report.is_object()) << verified->output;
  EXPECT_TRUE(report.value("ok", false));
  EXPECT_GE(report.value("records", uint64_t{0}), records);
  const uint64_t peakMib = report.value("peak_rss_mib", uint64_t{0});
  std::printf("verify of %llu records (data.mdb %llu MiB): peak RSS %llu MiB, %.0f records/s\n",
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(storeMib),
              static_cast<unsigned long long>(peakMib), report.value("records_per_second", 0.0));
  EXPECT_GT(peakMib, 0u);
  EXPECT_LT(peakMib, 256u) << "verify must not hold the store: bounded, whatever its size";
  EXPECT_LT(peakMib, storeMib) << "the store must be larger than what verify keeps resident";
}

}  // namespace
}  // namespace govbus
