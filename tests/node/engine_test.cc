// Engine: the writer's queue bounds, without threads (nothing is started, so nothing drains).
#include "node/engine.h"

#include <gtest/gtest.h>

#include "sync/memory_store.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TestNetwork;

// Issue 13, item 5: hellos and acks bypassed the per-peer byte quota (only batches counted), so a
// peer could make the writer's queue hold 8,000 messages of up to 16 MiB each. Every kind counts
// now; a hello or an ack over the quota is dropped and counted as backpressure.
TEST(EngineTest, HellosAndAcksCountAgainstAPeersByteQuotaLikeBatches) {
  TestNetwork net;
  MemoryStore store;
  auto replica = Replica::open(store, net.anchor());
  ASSERT_TRUE(replica.ok());
  NodeIdentity identity{"430100", SigningKey::generate(), net.anchor(), {}, {}, {}, {"430000"}};
  Outbox outbox;
  PeerKeysSnapshot keys;
  Metrics metrics;
  Engine engine(**replica, identity, outbox, keys, metrics, SyncTimings{},
                [](const std::string&) {});

  constexpr size_t kFrame = 8 * 1024 * 1024;
  static_assert(kMaxQueuedBytesPerPeer % kFrame == 0);
  auto deliver = [&](const std::string& peer, SyncMessage m) {
    engine.deliver(PeerMessage{peer, "430102", PeerDirection::kDownstream, std::move(m), kFrame});
  };
  for (size_t i = 0; i < kMaxQueuedBytesPerPeer / kFrame; ++i) deliver("d1", Hello{});
  EXPECT_EQ(metrics.get(Counter::kFramesRejected, "backpressure"), 0u) << "within the quota";
  deliver("d1", Hello{});
  deliver("d1", Ack{});
  EXPECT_EQ(metrics.get(Counter::kFramesRejected, "backpressure"), 2u);
  // Another peer has its own quota.
  deliver("d2", Ack{});
  EXPECT_EQ(metrics.get(Counter::kFramesRejected, "backpressure"), 2u);
}

// Issue 13, item 6: from 80% of the LMDB map in use the node warns, naming what to raise.
TEST(EngineTest, AStoreMapFromEightyPercentFullGetsAWarningNamingTheSetting) {
  EXPECT_FALSE(storeMapWarning(0.0, 65536));
  EXPECT_FALSE(storeMapWarning(0.79, 65536));
  for (double ratio : {0.8, 0.93, 1.0}) {
    auto warning = storeMapWarning(ratio, 2048);
    ASSERT_TRUE(warning) << ratio;
    EXPECT_NE(warning->find(std::to_string(static_cast<int>(ratio * 100)) + "% used"),
              std::string::npos)
        << *warning;
    EXPECT_NE(warning->find("raise [store] map_size_mb"), std::string::npos) << *warning;
    EXPECT_NE(warning->find("2048"), std::string::npos) << *warning;
  }
}

}  // namespace
}  // namespace govbus
