// Replica::authorAll: group commit of this node's own records.
#include <gtest/gtest.h>

#include "node/lmdb_store.h"
#include "sync/replica.h"
#include "testing/scenario.h"
#include "testing/test_network.h"

namespace govbus::testing {
namespace {

using T = CaseEventType;

// 芙蓉区's own replica on a durable store, holding every record of the scenario so far.
struct County {
  TempDir dir;
  std::unique_ptr<LmdbStore> store;
  std::unique_ptr<Replica> replica;

  explicit County(Scenario& s) {
    store = std::move(LmdbStore::open(dir.path()).value());
    Identity id{"430102", 1, &s.network().node("430102").key, {"430000", "430100"}};
    replica = std::move(Replica::open(*store, s.network().anchor(), id).value());
    std::vector<Bytes> raw;
    for (const auto& r : s.history()) raw.push_back(wireBytes(r));
    EXPECT_TRUE(replica->ingest(raw).ok());
  }
  uint64_t head() {
    auto h = (*store->beginRead())->head("430102");
    return h->has_value() ? (*h)->seq : 0;
  }
};

// A mix a busy window produces: valid events, events the state refuses (an unknown case, a second
// `received`), and events that are valid only because of an earlier one in the same group.
std::vector<Payload> mixedGroup() {
  return {
      Scenario::received("430102-G1", "XK-COUNTY", "430102", "430102"),
      Scenario::event("430102-G1", T::kAccepted),    // needs G-1 from this same group
      Scenario::event("430102-G404", T::kAccepted),  // unknown_case
      Scenario::received("430102-G2", "XK-COUNTY", "430102", "430102"),
      Scenario::received("430102-G1", "XK-COUNTY", "430102", "430102"),  // case_already_received
      Scenario::event("430102-G2", T::kAccepted),
      Scenario::event("430102-G2", T::kApproved, "许可证 1 号"),
  };
}

TEST(ReplicaTest, AGroupGetsTheOutcomesOfAuthoringOneByOneAndCommitsTheValidRecordsInOrder) {
  Scenario s;
  const int64_t now = s.now();
  County grouped(s);
  County single(s);
  std::vector<Result<RecordRef>> together = grouped.replica->authorAll(mixedGroup(), now);
  std::vector<Result<RecordRef>> oneByOne;
  for (Payload& p : mixedGroup()) oneByOne.push_back(single.replica->author(std::move(p), now));

  ASSERT_EQ(together.size(), oneByOne.size());
  uint64_t expectedSeq = 0;
  for (size_t i = 0; i < together.size(); ++i) {
    SCOPED_TRACE("payload " + std::to_string(i));
    ASSERT_EQ(together[i].ok(), oneByOne[i].ok());
    if (together[i]) {
      EXPECT_EQ(together[i]->seq, ++expectedSeq) << "valid records take consecutive sequences";
      EXPECT_EQ(*together[i], *oneByOne[i]);
    } else {
      EXPECT_EQ(together[i].error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(together[i].error().message, oneByOne[i].error().message);
    }
  }
  EXPECT_EQ(expectedSeq, 5u);
  EXPECT_EQ(grouped.head(), 5u);
  EXPECT_EQ(*grouped.replica->digest(), *single.replica->digest())
      << "the same records give the same state";
  // What was committed is the node's state: the next write builds on it.
  auto next = grouped.replica->author(Scenario::event("430102-G2", T::kClosed), now);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->seq, 6u);
}

TEST(ReplicaTest, AGroupWhoseEveryPayloadIsRefusedWritesNothing) {
  Scenario s;
  County county(s);
  std::vector<Payload> refused = {Scenario::event("430102-X1", T::kAccepted),
                                  Scenario::event("430102-X2", T::kClosed)};
  auto results = county.replica->authorAll(std::move(refused), s.now());
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("unknown_case"), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(county.head(), 0u);
  EXPECT_TRUE(county.replica->authorAll({}, s.now()).empty());
}

}  // namespace
}  // namespace govbus::testing
