// The link protocol (docs/PROTOCOL.md §7), rule by rule, on ReplicationLink directly: two real
// Replicas over MemoryStores and a virtual clock (`now_`) passed into every call. Rules 5–7
// (heartbeat, own feed first, reconnect) live in the daemon's transport and engine and are tested
// with real processes (NodeIntegration.*, AdminCliTest.BackupUnderWriteLoad…).
#include "sync/replication_link.h"

#include <gtest/gtest.h>

#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"
#include "sync/memory_store.h"
#include "sync/replica.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::kTestEpochMs;
using testing::TestNetwork;

// One node: its store and replica, holding whatever records the test gives it.
struct Side {
  Side(TestNetwork& net, std::string code) : code(std::move(code)) {
    auto r = Replica::open(store, net.anchor());
    EXPECT_TRUE(r.ok());
    replica = std::move(*r);
    std::vector<SignedCertificate> certs;
    for (const char* c : {"430100", "430200", "430102", "430103", "430211"})
      certs.push_back(net.node(c).certificate);
    EXPECT_TRUE(replica->ingest(std::vector<SignedRecord>{}, certs).ok());
  }
  void hold(const std::vector<SignedRecord>& records) {
    auto r = replica->ingest(std::vector<SignedRecord>(records));
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (const auto& one : r->results) ASSERT_NE(one.outcome, IngestOutcome::kRejected);
  }
  std::unique_ptr<FeedReader> view() {
    auto r = store.beginRead();
    EXPECT_TRUE(r.ok());
    return std::move(*r);
  }
  Hello hello() { return *ReplicationLink::makeHello(code, *view(), replica->trust()); }

  std::string code;
  MemoryStore store;
  std::unique_ptr<Replica> replica;
};

class ReplicationLinkTest : public ::testing::Test {
 protected:
  // `n` records of `author`'s feed, each about `bytes` long.
  std::vector<SignedRecord> feed(const std::string& author, int n, size_t bytes = 300) {
    std::vector<SignedRecord> out;
    for (int i = 0; i < n; ++i)
      out.push_back(net_.author(author, testing::sampleCaseEvent(author, next_++, bytes)));
    return out;
  }
  std::optional<RecordsBatch> next(ReplicationLink& link, Side& from) {
    auto b = link.nextBatch(*from.view(), from.replica->trust(), now_);
    EXPECT_TRUE(b.ok()) << b.error().message;
    return b.ok() ? *b : std::nullopt;
  }
  // (author, first seq, last seq) of each feed in a batch, in order.
  static std::map<std::string, std::pair<uint64_t, uint64_t>> feedsOf(const RecordsBatch& b) {
    std::map<std::string, std::pair<uint64_t, uint64_t>> out;
    for (const auto& r : b.records) {
      Envelope e = *decodeEnvelope(r.body);
      auto [it, fresh] = out.try_emplace(e.author, e.seq, e.seq);
      if (!fresh) it->second.second = e.seq;
    }
    return out;
  }
  // Our side of a new connection to `peer` (its chain from the network), which announced `has`.
  void greet(ReplicationLink& link, Side& side, const std::string& peer, Frontier has = {}) {
    Status s = link.onHello(Hello{kSyncProtocolVersion, peer, net_.chainOf(peer), std::move(has)},
                            side.replica->trust(), now_);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  static std::set<std::string> subjectsOf(const std::vector<SignedCertificate>& certs) {
    std::set<std::string> out;
    for (const auto& c : certs) out.insert(decodeCertificateBody(c.body)->subject);
    return out;
  }

  TestNetwork net_;
  int64_t now_ = kTestEpochMs;
  uint64_t next_ = 1;
};

// ---------------------------------------------------------------- rule 1: hello

TEST_F(ReplicationLinkTest, Rule1_AHelloOfAnotherProtocolVersionIsRefusedWithVersion) {
  Side city(net_, "430100");
  Side province(net_, "430000");
  Hello h = city.hello();
  h.protocolVersion = kSyncProtocolVersion + 1;
  ReplicationLink link("430000");
  Status s = link.onHello(h, province.replica->trust(), now_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(errorCodeName(s.error().code), errorCodeName(ErrorCode::kVersion));
  EXPECT_NE(s.error().message.find("speaks sync protocol version 2"), std::string::npos);
  EXPECT_FALSE(link.ready());
}

TEST_F(ReplicationLinkTest, Rule1_AHelloWhoseChainDoesNotVerifyAtTheAnchorIsRefused) {
  Side province(net_, "430000");
  TestNetwork elsewhere;  // another province's keys, same codes
  Hello h{kSyncProtocolVersion, "430100", elsewhere.chainOf("430100"), {}};
  ReplicationLink link("430000");
  Status s = link.onHello(h, province.replica->trust(), now_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(errorCodeName(s.error().code), errorCodeName(ErrorCode::kBadChain))
      << s.error().message;
  EXPECT_FALSE(link.ready());
}

TEST_F(ReplicationLinkTest, Rule1_AChainIsVerifiedAtTheCurrentTime) {
  Side province(net_, "430000");
  Side city(net_, "430100");
  Certificate c = *decodeCertificateBody(net_.node("430100").certificate.body);
  ReplicationLink link("430000");
  Status late = link.onHello(city.hello(), province.replica->trust(), c.notAfterMs + 1);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(errorCodeName(late.error().code), errorCodeName(ErrorCode::kExpiredCertificate));
  EXPECT_TRUE(link.onHello(city.hello(), province.replica->trust(), c.notAfterMs).ok());
}

TEST_F(ReplicationLinkTest, Rule1_AHelloMustNameTheNodeItsChainEndsInAndTheTransportAuthenticated) {
  Side province(net_, "430000");
  Hello h{kSyncProtocolVersion, "430100", net_.chainOf("430102"), {}};
  ReplicationLink link("430000");
  Status s = link.onHello(h, province.replica->trust(), now_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(errorCodeName(s.error().code), errorCodeName(ErrorCode::kBadChain));
  EXPECT_NE(s.error().message.find("presented the chain of 430102"), std::string::npos)
      << s.error().message;
  Hello city{kSyncProtocolVersion, "430100", net_.chainOf("430100"), {}};
  Status other = link.onHello(city, province.replica->trust(), now_, std::string("430200"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(errorCodeName(other.error().code), errorCodeName(ErrorCode::kBadChain));
  EXPECT_NE(other.error().message.find("authenticated as 430200"), std::string::npos);
  ASSERT_TRUE(link.onHello(city, province.replica->trust(), now_, std::string("430100")).ok());
  EXPECT_TRUE(link.ready());
  EXPECT_EQ(link.peer(), "430100");
}

// ---------------------------------------------------------------- rule 2: what is sent

TEST_F(ReplicationLinkTest, Rule2_EachSideSendsWhatThePeerLacksOfEveryFeedInItsScope) {
  Side province(net_, "430000");
  for (const char* author : {"430000", "430100", "430102", "430103", "430200", "430211"})
    province.hold(feed(author, 3));
  // 长沙市 says it holds the province's first record and nothing else (its own feed was wiped).
  Hello h{kSyncProtocolVersion, "430100", net_.chainOf("430100"), {{"430000", 1}}};
  ReplicationLink link("430000");
  ASSERT_TRUE(link.onHello(h, province.replica->trust(), now_).ok());
  auto batch = next(link, province);
  ASSERT_TRUE(batch);
  auto feeds = feedsOf(*batch);
  using P = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(feeds["430000"], P(2, 3)) << "its ancestor's feed, from what it lacks";
  EXPECT_EQ(feeds["430100"], P(1, 3)) << "its own feed comes back";
  EXPECT_EQ(feeds["430102"], P(1, 3)) << "its descendants' feeds";
  EXPECT_EQ(feeds["430103"], P(1, 3));
  EXPECT_FALSE(feeds.contains("430200")) << "another city is outside its scope";
  EXPECT_FALSE(feeds.contains("430211"));
  EXPECT_FALSE(next(link, province)) << "nothing else is in scope";
}

TEST_F(ReplicationLinkTest, Rule2_ACountyGetsItsAncestorsFeedsOnlyAndTheRootGetsEverything) {
  Side city(net_, "430100");
  for (const char* author : {"430000", "430100", "430102", "430103"}) city.hold(feed(author, 2));
  ReplicationLink down("430100");
  greet(down, city, "430102");
  auto toCounty = feedsOf(*next(down, city));
  EXPECT_EQ(toCounty.size(), 3u);
  EXPECT_TRUE(toCounty.contains("430000") && toCounty.contains("430100") &&
              toCounty.contains("430102"));
  EXPECT_FALSE(toCounty.contains("430103")) << "a sibling's feed";
  ReplicationLink up("430100");
  ASSERT_TRUE(
      up.onHello(Hello{kSyncProtocolVersion, "430000", {}, {}}, city.replica->trust(), now_).ok());
  EXPECT_EQ(feedsOf(*next(up, city)).size(), 4u) << "the root stores every feed";
}

TEST_F(ReplicationLinkTest, Rule2_BatchesHoldAtMost512RecordsAndAbout4MiB) {
  EXPECT_EQ(LinkLimits{}.maxBatchRecords, 512u);
  EXPECT_EQ(LinkLimits{}.maxBatchBytes, 4u * 1024 * 1024);
  Side province(net_, "430000");
  province.hold(feed("430102", 600, 200));
  ReplicationLink link("430000");
  greet(link, province, "430100");
  auto first = next(link, province);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->records.size(), 512u);
  auto second = next(link, province);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->records.size(), 88u);
  EXPECT_EQ(feedsOf(*second)["430102"].first, 513u);

  // By bytes: a batch closes once it reaches the byte limit (the record that crosses it is the
  // last one in it).
  LinkLimits small;
  small.maxBatchBytes = 5000;
  ReplicationLink bytesLink("430000", small);
  ASSERT_TRUE(bytesLink
                  .onHello(Hello{kSyncProtocolVersion, "430100", net_.chainOf("430100"), {}},
                           province.replica->trust(), now_)
                  .ok());
  auto b = next(bytesLink, province);
  ASSERT_TRUE(b);
  size_t bytes = 0;
  for (size_t i = 0; i + 1 < b->records.size(); ++i)
    bytes += b->records[i].body.size() + b->records[i].signature.size();
  EXPECT_LT(bytes, small.maxBatchBytes) << "all but the last fit under the limit";
  bytes += b->records.back().body.size() + b->records.back().signature.size();
  EXPECT_GE(bytes, small.maxBatchBytes) << "the batch was filled up to the limit";
}

TEST_F(ReplicationLinkTest, Rule2_EachAuthorsChainIsAttachedOncePerConnection) {
  // 长沙市 sends its county's feed up to the province (the root: an empty chain).
  Side province(net_, "430100");
  province.hold(feed("430102", 2));
  ReplicationLink link("430100");
  Hello h{kSyncProtocolVersion, "430000", {}, {}};
  ASSERT_TRUE(link.onHello(h, province.replica->trust(), now_).ok());
  auto first = next(link, province);
  ASSERT_TRUE(first);
  EXPECT_EQ(subjectsOf(first->certificates), (std::set<std::string>{"430100", "430102"}));
  province.hold(feed("430102", 1));
  auto second = next(link, province);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->certificates.empty()) << "already sent on this connection";
  // A new connection starts afresh.
  ASSERT_TRUE(link.onHello(h, province.replica->trust(), now_).ok());
  auto again = next(link, province);
  ASSERT_TRUE(again);
  EXPECT_EQ(subjectsOf(again->certificates), (std::set<std::string>{"430100", "430102"}));
  EXPECT_EQ(again->records.size(), 3u) << "the peer announced nothing, so all of it";
}

TEST_F(ReplicationLinkTest, Rule2_ABusyFeedDoesNotStarveTheOthers) {
  Side province(net_, "430000");
  province.hold(feed("430102", 700, 100));
  province.hold(feed("430103", 700, 100));
  ReplicationLink link("430000");
  greet(link, province, "430100");
  std::set<std::string> firstFeedOfBatch;
  for (int i = 0; i < 2; ++i) {
    auto b = next(link, province);
    ASSERT_TRUE(b);
    firstFeedOfBatch.insert(decodeEnvelope(b->records.front().body)->author);
  }
  EXPECT_EQ(firstFeedOfBatch.size(), 2u) << "consecutive batches start at different feeds";
}

// ---------------------------------------------------------------- rule 3: acks

TEST_F(ReplicationLinkTest, Rule3_TheReceiverAcksItsHeadsOfTheFeedsTheBatchCarried) {
  Side province(net_, "430000");
  province.hold(feed("430000", 2));
  province.hold(feed("430102", 4));
  Side city(net_, "430100");
  ReplicationLink link("430000");
  ASSERT_TRUE(link.onHello(city.hello(), province.replica->trust(), now_).ok());
  auto batch = next(link, province);
  ASSERT_TRUE(batch);
  city.hold(batch->records);
  auto ack = ReplicationLink::ackFor(*city.view(), *batch);
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->frontier, (Frontier{{"430000", 2}, {"430102", 4}}));
}

TEST_F(ReplicationLinkTest, Rule3_AcksReturnInBatchOrderAndFreeTheirBatchesRecords) {
  Side province(net_, "430000");
  province.hold(feed("430102", 10));
  LinkLimits limits;
  limits.maxBatchRecords = 4;
  ReplicationLink link("430000", limits);
  greet(link, province, "430100");
  ASSERT_TRUE(next(link, province));
  ASSERT_TRUE(next(link, province));
  EXPECT_EQ(link.inflightRecords(), 8u);
  Frontier moved = link.onAck(Ack{{{"430102", 4}}}, now_);
  EXPECT_EQ(moved, (Frontier{{"430102", 4}}));
  EXPECT_EQ(link.inflightRecords(), 4u) << "the first batch is done";
  EXPECT_EQ(link.peerHeads().at("430102"), 4u);
  link.onAck(Ack{{{"430102", 8}}}, now_);
  EXPECT_EQ(link.inflightRecords(), 0u);
  // An ack nobody asked for moves positions only.
  EXPECT_EQ(link.onAck(Ack{{{"430102", 9}}}, now_), (Frontier{{"430102", 9}}));
  EXPECT_EQ(link.inflightRecords(), 0u);
  EXPECT_TRUE(link.onAck(Ack{{{"430102", 3}}}, now_).empty()) << "positions never go back";
  EXPECT_EQ(link.peerHeads().at("430102"), 9u);
}

TEST_F(ReplicationLinkTest, Rule3_ARecordThePeerTookIsNeverOfferedBackToIt) {
  Side province(net_, "430000");
  ReplicationLink link("430000");
  Side city(net_, "430100");
  ASSERT_TRUE(link.onHello(city.hello(), province.replica->trust(), now_).ok());
  // The city sends up two records of its own feed; the province takes them.
  auto records = feed("430100", 2);
  province.hold(records);
  link.notePeerHas("430100", 2);
  EXPECT_FALSE(next(link, province)) << "the city's own records would echo back down";
  EXPECT_EQ(*link.lagRecords(*province.view(), province.replica->trust()), 0u);
  // Without the note, a peer whose hello did not announce them is sent them.
  ReplicationLink fresh("430000");
  ASSERT_TRUE(fresh.onHello(city.hello(), province.replica->trust(), now_).ok());
  EXPECT_TRUE(next(fresh, province));
}

// ---------------------------------------------------------------- rule 4: window and resend

TEST_F(ReplicationLinkTest, Rule4_AtMostTheWindowOfRecordsIsUnacknowledged) {
  EXPECT_EQ(LinkLimits{}.maxInflightRecords, 4096u);
  Side province(net_, "430000");
  province.hold(feed("430102", 20));
  LinkLimits limits;
  limits.maxInflightRecords = 10;
  limits.maxBatchRecords = 4;
  ReplicationLink link("430000", limits);
  greet(link, province, "430100");
  std::vector<size_t> sizes;
  while (auto b = next(link, province)) sizes.push_back(b->records.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 4, 2})) << "the last batch fills the window exactly";
  EXPECT_EQ(link.inflightRecords(), 10u);
  link.onAck(Ack{{{"430102", 4}}}, now_);
  auto more = next(link, province);
  ASSERT_TRUE(more);
  EXPECT_EQ(more->records.size(), 4u);
  EXPECT_EQ(feedsOf(*more)["430102"].first, 11u);
  EXPECT_EQ(link.inflightRecords(), 10u);
  EXPECT_FALSE(next(link, province));
}

TEST_F(ReplicationLinkTest, Rule4_AFeedThePeerDidNotTakeInFullIsResentFromItsHeadAfterTwoSeconds) {
  EXPECT_EQ(LinkLimits{}.stalledRetryMs, 2000);
  Side province(net_, "430000");
  province.hold(feed("430102", 5));
  province.hold(feed("430103", 1));
  ReplicationLink link("430000");
  greet(link, province, "430100");
  auto batch = next(link, province);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->records.size(), 6u);
  // The peer took 1..2 of 芙蓉区's feed (it buffers or rejected the rest), all of 天心区's.
  link.onAck(Ack{{{"430102", 2}, {"430103", 1}}}, now_);
  province.hold(feed("430103", 1));
  auto soon = next(link, province);
  ASSERT_TRUE(soon);
  EXPECT_FALSE(feedsOf(*soon).contains("430102")) << "a stalled feed waits";
  link.onAck(Ack{{{"430103", 2}}}, now_);
  now_ += 1999;
  EXPECT_FALSE(next(link, province)) << "1999 ms later it still waits";
  now_ += 1;
  auto resent = next(link, province);
  ASSERT_TRUE(resent);
  EXPECT_EQ(feedsOf(*resent)["430102"], (std::pair<uint64_t, uint64_t>(3, 5)))
      << "resent from the acknowledged head";
}

TEST_F(ReplicationLinkTest, Rule4_EachAckIsCheckedAgainstItsOwnBatch) {
  Side province(net_, "430000");
  province.hold(feed("430102", 6));
  LinkLimits limits;
  limits.maxBatchRecords = 4;
  ReplicationLink link("430000", limits);
  greet(link, province, "430100");
  ASSERT_EQ(next(link, province)->records.size(), 4u);  // 1..4
  ASSERT_EQ(next(link, province)->records.size(), 2u);  // 5..6
  link.onAck(Ack{{{"430102", 4}}}, now_);               // the first batch, taken in full
  EXPECT_EQ(link.inflightRecords(), 2u);
  link.onAck(Ack{{{"430102", 5}}}, now_);  // the second, short of its last record
  EXPECT_EQ(link.inflightRecords(), 0u);
  now_ += kStalledFeedRetryMs;
  auto resent = next(link, province);
  ASSERT_TRUE(resent) << "record 6 must be resent";
  EXPECT_EQ(feedsOf(*resent)["430102"], (std::pair<uint64_t, uint64_t>(6, 6)));
}

TEST_F(ReplicationLinkTest, Rule4_NewCommitsAreOfferedAsTheyHappen) {
  Side province(net_, "430000");
  Side city(net_, "430100");
  ReplicationLink link("430000");
  ASSERT_TRUE(link.onHello(city.hello(), province.replica->trust(), now_).ok());
  EXPECT_FALSE(next(link, province)) << "nothing to send";
  province.hold(feed("430000", 1));
  auto b = next(link, province);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->records.size(), 1u);
}

// ---------------------------------------------------------------- lag and reset

TEST_F(ReplicationLinkTest, LagCountsAndDatesTheRecordsInScopeThePeerLacks) {
  Side province(net_, "430000");
  auto records = feed("430102", 3);
  province.hold(records);
  province.hold(feed("430211", 5));  // outside 长沙市's scope
  ReplicationLink link("430000");
  EXPECT_EQ(*link.lagRecords(*province.view(), province.replica->trust()), 0u) << "no peer yet";
  ASSERT_TRUE(
      link.onHello(Hello{kSyncProtocolVersion, "430100", net_.chainOf("430100"), {{"430102", 1}}},
                   province.replica->trust(), now_)
          .ok());
  EXPECT_EQ(*link.lagRecords(*province.view(), province.replica->trust()), 2u);
  auto oldest = link.oldestLackingWallTimeMs(*province.view(), province.replica->trust());
  ASSERT_TRUE(oldest.ok() && oldest->has_value());
  EXPECT_EQ(**oldest, decodeEnvelope(records[1].body)->wallTimeMs);
  link.onAck(Ack{{{"430102", 3}}}, now_);
  EXPECT_EQ(*link.lagRecords(*province.view(), province.replica->trust()), 0u);
  EXPECT_FALSE(
      link.oldestLackingWallTimeMs(*province.view(), province.replica->trust())->has_value());
}

TEST_F(ReplicationLinkTest, TheOldestLackingRecordIsFoundAcrossFeeds) {
  Side province(net_, "430000");
  province.hold(feed("430000", 2));
  auto furong = feed("430102", 3);
  auto tianxin = feed("430103", 1);
  province.hold(furong);
  province.hold(tianxin);
  ReplicationLink link("430000");
  // The city holds the province's feed (first in key order) and 芙蓉区's first record: what it
  // lacks starts at 芙蓉区#2 and at 天心区#1, which is older.
  ASSERT_TRUE(link.onHello(Hello{kSyncProtocolVersion,
                                 "430100",
                                 net_.chainOf("430100"),
                                 {{"430000", 2}, {"430102", 1}}},
                           province.replica->trust(), now_)
                  .ok());
  auto oldest = link.oldestLackingWallTimeMs(*province.view(), province.replica->trust());
  ASSERT_TRUE(oldest.ok() && oldest->has_value());
  int64_t furongTwo = decodeEnvelope(furong[1].body)->wallTimeMs;
  int64_t tianxinOne = decodeEnvelope(tianxin[0].body)->wallTimeMs;
  ASSERT_LT(tianxinOne, furongTwo);
  EXPECT_EQ(**oldest, tianxinOne);
}

TEST_F(ReplicationLinkTest, ResetForgetsThePeerItsWindowAndItsPositions) {
  Side province(net_, "430000");
  province.hold(feed("430102", 1));
  ReplicationLink link("430000");
  greet(link, province, "430100");
  ASSERT_EQ(next(link, province)->records.size(), 1u);  // in flight when the connection drops
  link.reset();
  EXPECT_FALSE(link.ready());
  EXPECT_EQ(link.inflightRecords(), 0u);
  EXPECT_TRUE(link.peerHeads().empty());
  EXPECT_FALSE(next(link, province)) << "no batches without a peer";
  // A new connection: its first ack answers its own first batch, not the old connection's.
  province.hold(feed("430102", 2));
  greet(link, province, "430100");
  ASSERT_EQ(next(link, province)->records.size(), 3u);
  link.onAck(Ack{{{"430102", 3}}}, now_);
  EXPECT_EQ(link.inflightRecords(), 0u);
}

}  // namespace
}  // namespace govbus
