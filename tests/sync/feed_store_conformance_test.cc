// FeedStore conformance: one set of behaviour tests run against LmdbStore and MemoryStore, so the
// simulator's in-memory store cannot drift from the store real nodes run on. MemoryStore's own
// additions (the maxBytes bound, readers that are not snapshots) are tested at the end.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <span>
#include <thread>
#include <tuple>

#include "crypto/hash.h"
#include "node/lmdb_store.h"
#include "sync/ingest.h"
#include "sync/memory_store.h"
#include "sync/replica.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TempDir;
using testing::TestNetwork;
using testing::wireBytes;

enum class StoreKind { kLmdb, kMemory };

std::unique_ptr<FeedStore> makeStore(StoreKind kind, const std::filesystem::path& dir) {
  if (kind == StoreKind::kMemory) return std::make_unique<MemoryStore>();
  LmdbOptions options;
  options.durable = false;  // fsync proves nothing here and slows every commit
  auto store = LmdbStore::open(dir, options);
  EXPECT_TRUE(store.ok()) << store.error().message;
  if (!store.ok()) return nullptr;
  return std::move(*store);
}

Bytes bytes(std::string_view s) { return toBytes(asBytes(s)); }

// Stand-ins for SignedRecord messages: the store never parses what it keeps.
Bytes recordBytes(std::string_view author, uint64_t seq) {
  return bytes("record " + std::string(author) + "#" + std::to_string(seq));
}
Hash256 recordIdOf(std::string_view author, uint64_t seq) {
  return blake2b256(recordBytes(author, seq));
}
FeedHead headOf(std::string_view author, uint64_t seq, uint64_t lamport) {
  return FeedHead{seq, recordIdOf(author, seq), lamport};
}

void appendTo(FeedTxn& txn, std::string_view author, uint64_t seq, uint64_t lamport) {
  Status s = txn.append(author, headOf(author, seq, lamport), recordBytes(author, seq));
  EXPECT_TRUE(s.ok()) << s.error().message;
}

std::vector<std::pair<Bytes, Bytes>> scanState(FeedReader& reader, std::string_view prefix,
                                               size_t limit = SIZE_MAX) {
  std::vector<std::pair<Bytes, Bytes>> out;
  Status s = reader.stateScan(asBytes(prefix), [&](ByteView k, ByteView v) {
    out.emplace_back(toBytes(k), toBytes(v));
    return out.size() < limit;
  });
  EXPECT_TRUE(s.ok()) << s.error().message;
  return out;
}

std::vector<std::string> scanKeys(FeedReader& reader, std::string_view prefix,
                                  size_t limit = SIZE_MAX) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : scanState(reader, prefix, limit)) keys.emplace_back(asChars(k));
  return keys;
}

// Everything a reader can enumerate, for comparing stores and before/after states.
struct Snapshot {
  std::vector<std::tuple<std::string, uint64_t, Hash256, uint64_t>>
      heads;  // author, seq, id, lamport
  std::vector<std::tuple<std::string, uint64_t, Hash256, Bytes>>
      records;  // every seq up to each head
  uint64_t maxLamport = 0;
  uint64_t pendingCount = 0;
  std::vector<std::tuple<std::string, uint64_t, Bytes, Bytes>> forks;
  std::vector<std::pair<std::string, Frontier>> peers;
  std::vector<Bytes> certificates;
  std::vector<std::tuple<std::string, std::string, uint32_t, uint64_t>>
      revocations;  // revoker, subject...
  std::vector<std::pair<Bytes, Bytes>> state;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

void PrintTo(const Snapshot& s, std::ostream* os) {
  *os << "{heads:";
  for (const auto& [author, seq, id, lamport] : s.heads)
    *os << " " << author << "#" << seq << "@" << lamport;
  *os << "; " << s.records.size() << " records; maxLamport " << s.maxLamport << "; pending "
      << s.pendingCount << "; " << s.forks.size() << " forks; " << s.peers.size() << " peers; "
      << s.certificates.size() << " certificates; revocations:";
  for (const auto& [revoker, subject, serial, from] : s.revocations) {
    *os << " " << revoker << "→" << subject << "/" << serial << "@" << from;
  }
  *os << "; state:";
  for (const auto& [k, v] : s.state) *os << " " << toHex(k) << "=" << toHex(v);
  *os << "}";
}

// The peers a snapshot looks up (positions cannot be enumerated).
const std::vector<std::string> kPeers = {"430000", "430100", "430102", "430200"};

Snapshot snapshot(FeedReader& r) {
  Snapshot s;
  auto heads = r.heads();
  EXPECT_TRUE(heads.ok());
  for (auto& [author, head] : *heads) {
    s.heads.emplace_back(author, head.seq, head.id, head.lamport);
    for (uint64_t seq = 1; seq <= head.seq; ++seq) {
      auto id = *r.recordId(author, seq);
      auto rec = *r.record(author, seq);
      EXPECT_EQ(id.has_value(), rec.has_value()) << author << "#" << seq;
      if (id && rec) s.records.emplace_back(author, seq, *id, toBytes(*rec));
    }
  }
  s.maxLamport = *r.maxLamport();
  s.pendingCount = *r.pendingCount();
  auto forks = r.forks();
  for (auto& f : *forks) s.forks.emplace_back(f.author, f.seq, f.first, f.second);
  for (const auto& peer : kPeers) {
    if (auto p = *r.peerPosition(peer)) s.peers.emplace_back(peer, *p);
  }
  s.certificates = *r.certificates();
  auto revocations = r.revocations();
  for (auto& [revoker, rev] : *revocations)
    s.revocations.emplace_back(revoker, rev.subject, rev.serial, rev.fromSeq);
  s.state = scanState(r, "");
  return s;
}

class FeedStoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  FeedStoreTest() : store_(makeStore(GetParam(), dir_.path() / "store")) {}

  std::unique_ptr<FeedTxn> write() {
    auto txn = store_->beginWrite();
    EXPECT_TRUE(txn.ok()) << txn.error().message;
    return std::move(*txn);
  }
  std::unique_ptr<FeedReader> read() {
    auto reader = store_->beginRead();
    EXPECT_TRUE(reader.ok()) << reader.error().message;
    return std::move(*reader);
  }
  Snapshot committed() { return snapshot(*read()); }

  // A little of everything, committed.
  void seed() {
    auto txn = write();
    appendTo(*txn, "430102", 1, 1);
    appendTo(*txn, "430102", 2, 2);
    appendTo(*txn, "430103", 1, 5);
    ASSERT_TRUE(txn->putPending("430102", 4, bytes("pending 430102#4")).ok());
    ASSERT_TRUE(txn->putPending("430103", 3, bytes("pending 430103#3")).ok());
    ASSERT_TRUE(txn->putForkEvidence({"430200", 1, bytes("first"), bytes("second")}).ok());
    ASSERT_TRUE(txn->putPeerPosition("430100", {{"430102", 2}}).ok());
    ASSERT_TRUE(txn->putCertificate("430102", 1, bytes("cert 430102/1")).ok());
    ASSERT_TRUE(txn->putRevocation("430100", KeyRevocation{"430103", 1, 9, "lost"}).ok());
    ASSERT_TRUE(txn->statePut(asBytes("k1"), asBytes("v1")).ok());
    ASSERT_TRUE(txn->statePut(asBytes("k2"), asBytes("v2")).ok());
    ASSERT_TRUE(txn->commit().ok());
  }

  // One write of every kind over the seeded data: new entries, replacements and removals.
  void changeEverything(FeedTxn& txn) {
    appendTo(txn, "430102", 3, 3);
    appendTo(txn, "430211", 1, 99);
    ASSERT_TRUE(txn.takePending("430102", 4).ok());
    ASSERT_TRUE(txn.putPending("430103", 3, bytes("other pending 430103#3")).ok());
    ASSERT_TRUE(txn.putPending("430211", 5, bytes("pending 430211#5")).ok());
    ASSERT_TRUE(txn.putForkEvidence({"430000", 7, bytes("a"), bytes("b")}).ok());
    ASSERT_TRUE(txn.putPeerPosition("430100", {{"430102", 3}}).ok());
    ASSERT_TRUE(txn.putPeerPosition("430200", {{"430211", 1}}).ok());
    ASSERT_TRUE(txn.putCertificate("430102", 1, bytes("cert 430102/1 again")).ok());
    ASSERT_TRUE(txn.putCertificate("430211", 1, bytes("cert 430211/1")).ok());
    ASSERT_TRUE(txn.putRevocation("430000", KeyRevocation{"430103", 1, 4, "lost earlier"}).ok());
    ASSERT_TRUE(txn.putRevocation("430200", KeyRevocation{"430211", 1, 2, "lost"}).ok());
    ASSERT_TRUE(txn.statePut(asBytes("k1"), asBytes("v1 again")).ok());
    ASSERT_TRUE(txn.statePut(asBytes("k3"), asBytes("v3")).ok());
    ASSERT_TRUE(txn.stateDel(asBytes("k2")).ok());
  }

  TempDir dir_;
  std::unique_ptr<FeedStore> store_;
};

TEST_P(FeedStoreTest, AppendedRecordsAreReadableWithTheirHeadAndId) {
  {
    auto txn = write();
    appendTo(*txn, "430102", 1, 1);
    appendTo(*txn, "430102", 2, 3);
    appendTo(*txn, "430103", 1, 2);
    ASSERT_TRUE(txn->commit().ok());
  }
  auto r = read();
  EXPECT_EQ(**r->head("430102"), headOf("430102", 2, 3));
  EXPECT_EQ(**r->head("430103"), headOf("430103", 1, 2));
  for (uint64_t seq : {1, 2}) {
    EXPECT_EQ(toBytes(**r->record("430102", seq)), recordBytes("430102", seq));
    EXPECT_EQ(**r->recordId("430102", seq), recordIdOf("430102", seq));
  }
  EXPECT_FALSE(r->record("430102", 3)->has_value());
  EXPECT_FALSE(r->recordId("430102", 3)->has_value());
  EXPECT_FALSE(r->record("430102", 0)->has_value());
  EXPECT_FALSE(r->head("430200")->has_value());
  EXPECT_FALSE(r->record("430200", 1)->has_value());
  EXPECT_FALSE(r->recordId("430200", 1)->has_value());
}

TEST_P(FeedStoreTest, HeadsListEveryFeedSortedByAuthor) {
  {
    auto txn = write();
    // Out of order, and "4301" is a prefix of other codes: it sorts before them.
    for (std::string_view author : {"430200", "430102", "4301"}) appendTo(*txn, author, 1, 1);
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = write();
  for (std::string_view author : {"430100", "430000"}) appendTo(*txn, author, 1, 1);
  appendTo(*txn, "430102", 2, 2);
  using Heads = std::vector<std::pair<std::string, FeedHead>>;
  Heads expected = {{"430000", headOf("430000", 1, 1)},
                    {"4301", headOf("4301", 1, 1)},
                    {"430100", headOf("430100", 1, 1)},
                    {"430102", headOf("430102", 2, 2)},
                    {"430200", headOf("430200", 1, 1)}};
  EXPECT_EQ(*txn->heads(), expected) << "staged and committed feeds, merged";
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(*read()->heads(), expected);
}

TEST_P(FeedStoreTest, AppendingASequenceTheFeedHasIsAnErrorAndKeepsTheRecord) {
  {
    auto txn = write();
    appendTo(*txn, "430102", 1, 1);
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = write();
  Status again = txn->append("430102", FeedHead{1, {}, 1}, bytes("other"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kStorage);
  appendTo(*txn, "430102", 2, 2);
  Status stagedAgain = txn->append("430102", FeedHead{2, {}, 2}, bytes("other"));
  ASSERT_FALSE(stagedAgain.ok()) << "a staged sequence counts too";
  EXPECT_EQ(stagedAgain.error().code, ErrorCode::kStorage);
  ASSERT_TRUE(txn->commit().ok()) << "a refused append does not spoil the transaction";
  auto r = read();
  EXPECT_EQ(toBytes(**r->record("430102", 1)), recordBytes("430102", 1));
  EXPECT_EQ(toBytes(**r->record("430102", 2)), recordBytes("430102", 2));
  EXPECT_EQ(**r->head("430102"), headOf("430102", 2, 2));
}

TEST_P(FeedStoreTest, ReadsInsideAWriteTransactionSeeItsOwnWrites) {
  seed();
  auto txn = write();
  changeEverything(*txn);
  EXPECT_EQ(**txn->head("430102"), headOf("430102", 3, 3));
  EXPECT_EQ(**txn->head("430211"), headOf("430211", 1, 99));
  EXPECT_EQ(toBytes(**txn->record("430102", 3)), recordBytes("430102", 3));
  EXPECT_EQ(toBytes(**txn->record("430102", 1)), recordBytes("430102", 1))
      << "committed records too";
  EXPECT_EQ(**txn->recordId("430211", 1), recordIdOf("430211", 1));
  EXPECT_EQ(*txn->maxLamport(), 99u);
  EXPECT_FALSE(txn->peekPending("430102", 4)->has_value());
  EXPECT_EQ(**txn->peekPending("430103", 3), bytes("other pending 430103#3"));
  EXPECT_EQ(**txn->peekPending("430211", 5), bytes("pending 430211#5"));
  EXPECT_EQ(*txn->pendingCount(), 2u);
  auto forks = *txn->forks();
  ASSERT_EQ(forks.size(), 2u);
  EXPECT_EQ(forks[0].author, "430000");
  EXPECT_EQ(forks[1].author, "430200");
  EXPECT_EQ(**txn->peerPosition("430100"), (Frontier{{"430102", 3}}));
  EXPECT_EQ(**txn->peerPosition("430200"), (Frontier{{"430211", 1}}));
  EXPECT_EQ(*txn->certificates(),
            (std::vector<Bytes>{bytes("cert 430102/1 again"), bytes("cert 430211/1")}));
  auto revocations = *txn->revocations();
  ASSERT_EQ(revocations.size(), 2u);
  EXPECT_EQ(revocations[0].first, "430000");
  EXPECT_EQ(revocations[0].second.fromSeq, 4u);
  EXPECT_EQ(**txn->stateGet(asBytes("k1")), bytes("v1 again"));
  EXPECT_FALSE(txn->stateGet(asBytes("k2"))->has_value());
  EXPECT_EQ(**txn->stateGet(asBytes("k3")), bytes("v3"));
  EXPECT_EQ(scanKeys(*txn, "k"), (std::vector<std::string>{"k1", "k3"}));
}

TEST_P(FeedStoreTest, UncommittedTransactionLeavesNoTrace) {
  seed();
  Snapshot before = committed();
  {
    auto txn = write();
    changeEverything(*txn);
    ASSERT_NE(snapshot(*txn), before) << "the changes are visible inside the transaction";
    // destroyed without commit
  }
  EXPECT_EQ(committed(), before);
  auto txn = write();
  EXPECT_EQ(snapshot(*txn), before) << "nor does the next writer see any of it";
}

TEST_P(FeedStoreTest, ReadersDoNotSeeTheWritesOfAnOpenTransaction) {
  seed();
  Snapshot before = committed();
  auto txn = write();
  changeEverything(*txn);
  Snapshot staged = snapshot(*txn);
  EXPECT_EQ(committed(), before);
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(committed(), staged) << "commit makes exactly what the transaction saw visible";
}

TEST_P(FeedStoreTest, WritersAreSerializedSoNoUpdateIsLost) {
  // Several threads each add 1 to one state counter many times, in a read-modify-write per write
  // transaction. Serialized writers end at the exact total; overlapping ones lose updates. Nothing
  // here depends on timing: the outcome is checked, not how long anyone waited.
  constexpr int kThreads = 4, kIncrements = 150;
  const Bytes key = {'t', 'c', 'o', 'u', 'n', 't', 'e', 'r'};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        auto txn = store_->beginWrite();
        ASSERT_TRUE(txn.ok());
        auto v = (*txn)->stateGet(key);
        ASSERT_TRUE(v.ok());
        uint64_t n = *v ? getBigEndian64(v->value().data()) : 0;
        uint8_t next[8];
        putBigEndian64(n + 1, next);
        ASSERT_TRUE((*txn)->statePut(key, ByteView(next, 8)).ok());
        ASSERT_TRUE((*txn)->commit().ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  auto v = read()->stateGet(key);
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ(getBigEndian64((*v)->data()), uint64_t{kThreads * kIncrements});
}

TEST_P(FeedStoreTest, ASecondWriterSeesTheFirstWritersCommit) {
  auto first = write();
  appendTo(*first, "430102", 1, 1);
  std::optional<FeedHead> seen;
  std::thread second([&] {
    auto txn = store_->beginWrite();  // blocks until `first` commits
    ASSERT_TRUE(txn.ok());
    seen = *(*txn)->head("430102");
  });
  EXPECT_TRUE(first->commit().ok());
  second.join();
  ASSERT_TRUE(seen.has_value()) << "the second writer must see the first one's commit";
  EXPECT_EQ(seen->seq, 1u);
}

TEST_P(FeedStoreTest, CommitEndsTheTransactionSoTheNextCanBeginAtOnce) {
  auto first = write();
  appendTo(*first, "430102", 1, 1);
  ASSERT_TRUE(first->commit().ok());
  auto second = write();  // with `first` still alive: must not wait for its destruction
  appendTo(*second, "430102", 2, 2);
  ASSERT_TRUE(second->commit().ok());
  EXPECT_EQ((*read()->head("430102"))->seq, 2u);
}

// The per-author quota reads a feed's stored bytes from its head.
TEST_P(FeedStoreTest, AHeadKeepsTheByteCountItWasWrittenWith) {
  {
    auto txn = write();
    FeedHead h = headOf("430102", 1, 1);
    h.bytes = 123'456'789'012;
    ASSERT_TRUE(txn->append("430102", h, recordBytes("430102", 1)).ok());
    EXPECT_EQ((*txn->head("430102"))->bytes, h.bytes) << "inside the transaction";
    ASSERT_TRUE(txn->commit().ok());
  }
  EXPECT_EQ((*read()->head("430102"))->bytes, 123'456'789'012u);
  auto heads = read()->heads();
  ASSERT_TRUE(heads.ok());
  ASSERT_EQ(heads->size(), 1u);
  EXPECT_EQ((*heads)[0].second.bytes, 123'456'789'012u);
}

// The per-author quota reads an author's buffered records; expiry reads them all.
TEST_P(FeedStoreTest, PendingRecordsAreScannedPerAuthorInSequenceOrderSeeingTheTransactionsOwn) {
  {
    auto txn = write();
    ASSERT_TRUE(txn->putPending("430102", 5, bytes("p5")).ok());
    ASSERT_TRUE(txn->putPending("430103", 3, bytes("q3")).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = write();
  ASSERT_TRUE(txn->putPending("430102", 3, bytes("p3")).ok());
  ASSERT_TRUE(txn->putPending("4301021", 1, bytes("longer code")).ok());
  ASSERT_TRUE(txn->takePending("430103", 3).ok());
  auto scan = [&](FeedReader& r, std::string_view author) {
    std::vector<std::string> seen;
    EXPECT_TRUE(r.scanPending(author, [&](std::string_view a, uint64_t seq, ByteView v) {
                   seen.push_back(std::string(a) + "#" + std::to_string(seq) + "=" +
                                  std::string(v.begin(), v.end()));
                   return true;
                 }).ok());
    return seen;
  };
  EXPECT_EQ(scan(*txn, "430102"), (std::vector<std::string>{"430102#3=p3", "430102#5=p5"}));
  EXPECT_EQ(scan(*txn, ""),
            (std::vector<std::string>{"430102#3=p3", "430102#5=p5", "4301021#1=longer code"}));
  EXPECT_TRUE(scan(*txn, "430103").empty()) << "taken in this transaction";
  EXPECT_EQ(scan(*read(), "430103"), (std::vector<std::string>{"430103#3=q3"}))
      << "readers see committed data";
}

TEST_P(FeedStoreTest, PendingRecordsCanBePeekedTakenAndCounted) {
  {
    auto txn = write();
    EXPECT_EQ(*txn->pendingCount(), 0u);
    ASSERT_TRUE(txn->putPending("430102", 3, bytes("p3")).ok());
    ASSERT_TRUE(txn->putPending("430102", 5, bytes("p5")).ok());
    ASSERT_TRUE(txn->putPending("430103", 3, bytes("q3")).ok());
    ASSERT_TRUE(txn->putPending("430102", 3, bytes("p3 again")).ok()) << "replaces, does not add";
    EXPECT_EQ(*txn->pendingCount(), 3u);
    EXPECT_EQ(**txn->peekPending("430102", 3), bytes("p3 again"));
    EXPECT_EQ(*txn->pendingCount(), 3u) << "peeking keeps the record";
    EXPECT_EQ(**txn->takePending("430103", 3), bytes("q3"));
    EXPECT_FALSE(txn->takePending("430103", 3)->has_value());
    EXPECT_FALSE(txn->peekPending("430103", 3)->has_value());
    EXPECT_FALSE(txn->takePending("430102", 4)->has_value());
    EXPECT_EQ(*txn->pendingCount(), 2u);
    ASSERT_TRUE(txn->commit().ok());
  }
  EXPECT_EQ(*read()->pendingCount(), 2u);
  auto txn = write();
  EXPECT_EQ(**txn->takePending("430102", 5), bytes("p5"));
  EXPECT_EQ(*txn->pendingCount(), 1u);
  ASSERT_TRUE(txn->putPending("430102", 5, bytes("p5 back")).ok());
  EXPECT_EQ(*txn->pendingCount(), 2u);
  EXPECT_EQ(**txn->takePending("430102", 5), bytes("p5 back"));
  EXPECT_EQ(**txn->takePending("430102", 3), bytes("p3 again"));
  EXPECT_EQ(*txn->pendingCount(), 0u);
  ASSERT_TRUE(txn->commit().ok());
  auto r = read();
  EXPECT_EQ(*r->pendingCount(), 0u);
}

TEST_P(FeedStoreTest, ForkEvidenceKeepsTheFirstCopyPerSequence) {
  {
    auto txn = write();
    ASSERT_TRUE(txn->putForkEvidence({"430102", 2, bytes("a2"), bytes("b2")}).ok());
    ASSERT_TRUE(txn->putForkEvidence({"430102", 2, bytes("a2"), bytes("c2")}).ok());
    ASSERT_TRUE(txn->putForkEvidence({"430102", 1, bytes("a1"), bytes("b1")}).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = write();
  ASSERT_TRUE(txn->putForkEvidence({"430102", 1, bytes("x1"), bytes("y1")}).ok())
      << "committed first wins";
  ASSERT_TRUE(txn->putForkEvidence({"430100", 9, bytes("a9"), bytes("")}).ok());
  ASSERT_TRUE(txn->commit().ok());
  auto forks = *read()->forks();
  ASSERT_EQ(forks.size(), 3u);
  std::vector<std::tuple<std::string, uint64_t, Bytes, Bytes>> got;
  for (auto& f : forks) got.emplace_back(f.author, f.seq, f.first, f.second);
  std::vector<std::tuple<std::string, uint64_t, Bytes, Bytes>> expected = {
      {"430100", 9, bytes("a9"), bytes("")},
      {"430102", 1, bytes("a1"), bytes("b1")},
      {"430102", 2, bytes("a2"), bytes("b2")}};
  EXPECT_EQ(got, expected);
}

TEST_P(FeedStoreTest, PeerPositionsRoundTripAndTheLatestWins) {
  Frontier position = {{"430000", 7}, {"430100", 3}, {"430102", 12}};
  {
    auto txn = write();
    ASSERT_TRUE(txn->putPeerPosition("430100", {{"430000", 1}}).ok());
    ASSERT_TRUE(txn->putPeerPosition("430100", position).ok());
    ASSERT_TRUE(txn->putPeerPosition("430200", {}).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto r = read();
  EXPECT_EQ(**r->peerPosition("430100"), position);
  EXPECT_EQ(**r->peerPosition("430200"), Frontier{}) << "an empty position is still a position";
  EXPECT_FALSE(r->peerPosition("430102")->has_value());
  r.reset();
  auto txn = write();
  ASSERT_TRUE(txn->putPeerPosition("430100", {{"430000", 8}}).ok());
  EXPECT_EQ(**txn->peerPosition("430100"), (Frontier{{"430000", 8}}));
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(**read()->peerPosition("430100"), (Frontier{{"430000", 8}}));
}

TEST_P(FeedStoreTest, CertificatesAreKeptPerSubjectAndSerialInKeyOrder) {
  {
    auto txn = write();
    ASSERT_TRUE(txn->putCertificate("430200", 1, bytes("B1")).ok());
    ASSERT_TRUE(txn->putCertificate("430102", 2, bytes("A2")).ok());
    ASSERT_TRUE(txn->putCertificate("430102", 1, bytes("A1")).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = write();
  ASSERT_TRUE(txn->putCertificate("430102", 1, bytes("A1 again")).ok())
      << "same subject and serial: replaced";
  ASSERT_TRUE(txn->putCertificate("430102", 256, bytes("A256")).ok()) << "serials sort numerically";
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(*read()->certificates(),
            (std::vector<Bytes>{bytes("A1 again"), bytes("A2"), bytes("A256"), bytes("B1")}));
}

TEST_P(FeedStoreTest, RevocationsKeepTheLowestFromSeqWithItsRevoker) {
  using Row =
      std::tuple<std::string, std::string, uint32_t, uint64_t>;  // revoker, subject, serial, from
  auto rows = [](FeedReader& r) {
    std::vector<Row> out;
    auto revocations = r.revocations();
    for (auto& [revoker, rev] : *revocations)
      out.emplace_back(revoker, rev.subject, rev.serial, rev.fromSeq);
    return out;
  };
  {
    auto txn = write();
    ASSERT_TRUE(txn->putRevocation("430100", KeyRevocation{"430102", 1, 10, "leak"}).ok());
    ASSERT_TRUE(txn->putRevocation("430000", KeyRevocation{"430102", 1, 5, "earlier leak"}).ok());
    ASSERT_TRUE(txn->putRevocation("430100", KeyRevocation{"430102", 1, 7, "later"}).ok());
    ASSERT_TRUE(txn->putRevocation("430200", KeyRevocation{"430211", 2, 3, "leak"}).ok());
    ASSERT_TRUE(txn->putRevocation("430100", KeyRevocation{"430102", 2, 1, "new key too"}).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  std::vector<Row> expected = {
      {"430000", "430102", 1, 5}, {"430100", "430102", 2, 1}, {"430200", "430211", 2, 3}};
  EXPECT_EQ(rows(*read()), expected);
  auto txn = write();
  ASSERT_TRUE(txn->putRevocation("430100", KeyRevocation{"430102", 1, 5, "same seq"}).ok());
  ASSERT_TRUE(txn->putRevocation("430000", KeyRevocation{"430211", 2, 9, "weaker"}).ok());
  ASSERT_TRUE(txn->putRevocation("430200", KeyRevocation{"430211", 2, 2, "stronger"}).ok());
  expected[2] = {"430200", "430211", 2, 2};
  EXPECT_EQ(rows(*txn), expected) << "an equal or higher fromSeq never replaces a committed one";
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(rows(*read()), expected);
}

TEST_P(FeedStoreTest, StateValuesCanBePutReadReplacedAndDeleted) {
  auto txn = write();
  EXPECT_FALSE(txn->stateGet(asBytes("k"))->has_value());
  ASSERT_TRUE(txn->statePut(asBytes("k"), asBytes("one")).ok());
  ASSERT_TRUE(txn->statePut(asBytes("empty"), ByteView{}).ok());
  EXPECT_EQ(**txn->stateGet(asBytes("k")), bytes("one"));
  ASSERT_TRUE(txn->statePut(asBytes("k"), asBytes("two")).ok());
  EXPECT_EQ(**txn->stateGet(asBytes("k")), bytes("two"));
  ASSERT_TRUE(txn->commit().ok());
  {
    auto r = read();
    EXPECT_EQ(**r->stateGet(asBytes("k")), bytes("two"));
    auto empty = *r->stateGet(asBytes("empty"));
    ASSERT_TRUE(empty.has_value()) << "an empty value is a value";
    EXPECT_TRUE(empty->empty());
  }
  txn = write();
  ASSERT_TRUE(txn->stateDel(asBytes("k")).ok());
  ASSERT_TRUE(txn->stateDel(asBytes("k")).ok()) << "deleting what is not there is fine";
  ASSERT_TRUE(txn->stateDel(asBytes("never")).ok());
  EXPECT_FALSE(txn->stateGet(asBytes("k"))->has_value());
  ASSERT_TRUE(txn->statePut(asBytes("k"), asBytes("three")).ok()) << "deleted, then put again";
  ASSERT_TRUE(txn->stateDel(asBytes("empty")).ok());
  ASSERT_TRUE(txn->commit().ok());
  auto r = read();
  EXPECT_EQ(**r->stateGet(asBytes("k")), bytes("three"));
  EXPECT_FALSE(r->stateGet(asBytes("empty"))->has_value());
}

TEST_P(FeedStoreTest, StateKeysOfBadSizeAreRejected) {
  auto txn = write();
  Bytes longest(511, 'k'), tooLong(512, 'k');
  ASSERT_TRUE(txn->statePut(longest, asBytes("v")).ok());
  EXPECT_EQ(**txn->stateGet(longest), bytes("v"));
  for (const Bytes& bad : {Bytes{}, tooLong}) {
    Status put = txn->statePut(bad, asBytes("v"));
    ASSERT_FALSE(put.ok()) << bad.size();
    EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
    auto get = txn->stateGet(bad);
    ASSERT_FALSE(get.ok()) << bad.size();
    EXPECT_EQ(get.error().code, ErrorCode::kInvalidArgument);
  }
  ASSERT_TRUE(txn->commit().ok()) << "a refused key does not spoil the transaction";
  EXPECT_EQ(**read()->stateGet(longest), bytes("v"));
}

// Keys in byte order; each test below stores them committed, staged, or half and half.
const std::vector<std::string> kStateKeys = {std::string("\x00", 1),
                                             "a",
                                             "ab",
                                             std::string("ab\x00", 3),
                                             std::string("ab\x00z", 4),
                                             "abc",
                                             "ab\xff",
                                             "ac",
                                             "b",
                                             "\xff\xff"};

std::vector<std::string> keysWithPrefix(std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& k : kStateKeys) {
    if (k.starts_with(prefix)) out.push_back(k);
  }
  return out;
}

void expectPrefixScans(FeedReader& r) {
  for (std::string_view prefix : {"", "a", "ab", "abc", "abd", "zz", "\xff", "\xff\xff\xff"}) {
    EXPECT_EQ(scanKeys(r, prefix), keysWithPrefix(prefix)) << "prefix " << toHex(asBytes(prefix));
  }
  std::string nulPrefix("ab\x00", 3);
  EXPECT_EQ(scanKeys(r, nulPrefix), keysWithPrefix(nulPrefix));
  auto all = scanState(r, "");
  ASSERT_EQ(all.size(), kStateKeys.size());
  for (const auto& [k, v] : all) EXPECT_EQ(v, bytes("value of " + std::string(asChars(k))));
}

TEST_P(FeedStoreTest, StateScanVisitsTheKeysWithThePrefixInByteOrder) {
  std::vector<std::string> shuffled = kStateKeys;
  std::mt19937 rng(7);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  auto txn = write();
  for (const auto& k : shuffled)
    ASSERT_TRUE(txn->statePut(asBytes(k), asBytes("value of " + k)).ok());
  {
    SCOPED_TRACE("staged");
    expectPrefixScans(*txn);
  }
  ASSERT_TRUE(txn->commit().ok());
  SCOPED_TRACE("committed");
  expectPrefixScans(*read());
}

TEST_P(FeedStoreTest, StateScanInAWriteTransactionMergesStagedAndCommittedEntries) {
  {
    auto txn = write();
    for (size_t i = 0; i < kStateKeys.size(); i += 2) {
      ASSERT_TRUE(txn->statePut(asBytes(kStateKeys[i]), asBytes("value of " + kStateKeys[i])).ok());
    }
    ASSERT_TRUE(txn->statePut(asBytes("ab0"), asBytes("doomed")).ok());
    ASSERT_TRUE(txn->statePut(asBytes("abc"), asBytes("stale")).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = write();
  for (size_t i = 1; i < kStateKeys.size(); i += 2) {
    ASSERT_TRUE(txn->statePut(asBytes(kStateKeys[i]), asBytes("value of " + kStateKeys[i])).ok());
  }
  ASSERT_TRUE(
      txn->statePut(asBytes("abc"), asBytes("value of abc")).ok());  // replaces a committed value
  ASSERT_TRUE(txn->stateDel(asBytes("ab0")).ok());                   // hides a committed entry
  ASSERT_TRUE(txn->statePut(asBytes("aa"), asBytes("gone")).ok());
  ASSERT_TRUE(txn->stateDel(asBytes("aa")).ok());  // staged, then deleted
  {
    SCOPED_TRACE("merged");
    expectPrefixScans(*txn);
  }
  {
    auto r = read();
    EXPECT_EQ(scanKeys(*r, "ab"),
              (std::vector<std::string>{"ab", std::string("ab\x00z", 4), "ab0", "abc", "ab\xff"}))
        << "a reader sees only the committed entries";
    EXPECT_EQ(**r->stateGet(asBytes("abc")), bytes("stale"));
  }
  ASSERT_TRUE(txn->commit().ok());
  SCOPED_TRACE("committed");
  expectPrefixScans(*read());
}

TEST_P(FeedStoreTest, StateScanStopsWhenTheVisitorReturnsFalse) {
  {
    auto txn = write();
    for (const auto& k : kStateKeys)
      ASSERT_TRUE(txn->statePut(asBytes(k), asBytes("value of " + k)).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto r = read();
  EXPECT_EQ(scanKeys(*r, "a", 1), (std::vector<std::string>{"a"}));
  EXPECT_EQ(scanKeys(*r, "ab", 3),
            (std::vector<std::string>{"ab", std::string("ab\x00", 3), std::string("ab\x00z", 4)}));
  r.reset();
  auto txn = write();
  ASSERT_TRUE(txn->statePut(asBytes("aa"), asBytes("staged")).ok());
  EXPECT_EQ(scanKeys(*txn, "a", 2), (std::vector<std::string>{"a", "aa"}))
      << "across staged entries too";
}

std::vector<std::string> scanKeysFrom(FeedReader& reader, std::string_view from,
                                      std::string_view prefix) {
  std::vector<std::string> keys;
  Status s = reader.stateScanFrom(asBytes(from), asBytes(prefix), [&](ByteView k, ByteView) {
    keys.emplace_back(asChars(k));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.error().message;
  return keys;
}

TEST_P(FeedStoreTest, StateScanFromStartsAtTheFirstKeyNotBelowItAndStaysInThePrefix) {
  {
    auto txn = write();
    for (size_t i = 0; i < kStateKeys.size(); i += 2)
      ASSERT_TRUE(txn->statePut(asBytes(kStateKeys[i]), asBytes("v")).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = write();
  for (size_t i = 1; i < kStateKeys.size(); i += 2)
    ASSERT_TRUE(txn->statePut(asBytes(kStateKeys[i]), asBytes("v")).ok());
  ASSERT_TRUE(txn->stateDel(asBytes("abc")).ok());
  EXPECT_EQ(
      scanKeysFrom(*txn, std::string("ab\x00", 3), "ab"),
      (std::vector<std::string>{std::string("ab\x00", 3), std::string("ab\x00z", 4), "ab\xff"}))
      << "from an existing key, across staged and committed entries; a deleted one is skipped";
  EXPECT_EQ(scanKeysFrom(*txn, std::string("ab\x01", 3), "ab"),
            (std::vector<std::string>{"ab\xff"}))
      << "from between keys";
  EXPECT_EQ(scanKeysFrom(*txn, "b", "a"), (std::vector<std::string>{})) << "past the prefix";
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(scanKeysFrom(*read(), "ab0", "ab"), (std::vector<std::string>{"ab\xff"}));
}

TEST_P(FeedStoreTest, StateClearEmptiesTheStateTableAndNothingElse) {
  {
    auto txn = write();
    appendTo(*txn, "430102", 1, 1);
    for (const auto& k : kStateKeys) ASSERT_TRUE(txn->statePut(asBytes(k), asBytes("v")).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  auto txn = write();
  ASSERT_TRUE(txn->statePut(asBytes("staged"), asBytes("v")).ok());
  ASSERT_TRUE(txn->stateClear().ok());
  EXPECT_EQ(scanKeys(*txn, ""), (std::vector<std::string>{}));
  ASSERT_TRUE(txn->statePut(asBytes("after"), asBytes("v")).ok());
  EXPECT_EQ(scanKeys(*read(), "a"), keysWithPrefix("a"))
      << "readers see the committed table until commit";
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(scanKeys(*read(), ""), (std::vector<std::string>{"after"}));
  EXPECT_EQ((*read()->head("430102"))->seq, 1u) << "the feeds stay";
}

TEST_P(FeedStoreTest, MaxLamportIsTheHighestClockOfAnyStoredRecord) {
  EXPECT_EQ(*read()->maxLamport(), 0u);
  {
    auto txn = write();
    appendTo(*txn, "430102", 1, 5);
    appendTo(*txn, "430103", 1, 3);
    EXPECT_EQ(*txn->maxLamport(), 5u);
    ASSERT_TRUE(txn->commit().ok());
  }
  EXPECT_EQ(*read()->maxLamport(), 5u);
  {
    auto txn = write();
    appendTo(*txn, "430102", 2, 9);
    EXPECT_EQ(*txn->maxLamport(), 9u);
  }
  EXPECT_EQ(*read()->maxLamport(), 5u) << "a rolled-back clock does not count";
  auto txn = write();
  appendTo(*txn, "430102", 2, 4);
  EXPECT_EQ(*txn->maxLamport(), 5u) << "a lower clock leaves the maximum";
  appendTo(*txn, "430200", 1, 7);
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(*read()->maxLamport(), 7u);
}

TEST_P(FeedStoreTest, RecordViewsStayValidUntilTheTransactionEnds) {
  {
    auto txn = write();
    appendTo(*txn, "430102", 1, 1);
    ByteView staged = **txn->record("430102", 1);
    // Plenty of writes after the view was taken, to move things around if anything can move.
    for (uint64_t seq = 2; seq <= 300; ++seq) appendTo(*txn, "430102", seq, seq);
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(txn->statePut(asBytes("s" + std::to_string(i)), Bytes(100, uint8_t(i))).ok());
      ASSERT_TRUE(txn->putPending("430103", 10 + i, Bytes(100, uint8_t(i))).ok());
    }
    EXPECT_EQ(toBytes(staged), recordBytes("430102", 1));
    ASSERT_TRUE(txn->commit().ok());
  }
  auto r = read();
  ByteView committedView = **r->record("430102", 1);
  {
    auto txn = write();
    for (uint64_t seq = 301; seq <= 600; ++seq) appendTo(*txn, "430102", seq, seq);
    ASSERT_TRUE(txn->commit().ok());
  }
  EXPECT_EQ(toBytes(committedView), recordBytes("430102", 1))
      << "another transaction's commit moves nothing";
}

INSTANTIATE_TEST_SUITE_P(Stores, FeedStoreTest,
                         ::testing::Values(StoreKind::kLmdb, StoreKind::kMemory),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return info.param == StoreKind::kLmdb ? "Lmdb" : "Memory";
                         });

// --- Both stores side by side, through the ingest path the nodes use ---

TEST(FeedStoreConformanceTest, IngestingTheSameShuffledRecordsGivesIdenticalStores) {
  TestNetwork net;
  // Certificates published as records come first, so the stores learn the tree from the anchor;
  // a catalog item makes the cases below valid, so the derived state has cases, a catalog, a tree
  // and void verdicts to compare.
  std::vector<Bytes> enrolment = {
      wireBytes(net.author("430000", net.node("430100").certificate)),
      wireBytes(net.author("430000", net.node("430200").certificate)),
      wireBytes(net.author("430100", net.node("430102").certificate)),
      wireBytes(net.author("430100", net.node("430103").certificate)),
      wireBytes(net.author("430200", net.node("430211").certificate)),
      wireBytes(net.author(
          "430000",
          CatalogItem{CatalogOp::kInsert, "XK-SCJG-001", "食品经营许可", 3, 20, 10, true, {}})),
  };
  const std::vector<std::string> authors = {"430000", "430100", "430200",
                                            "430102", "430103", "430211"};
  std::vector<Bytes> inputs;
  for (uint64_t round = 0; round < 6; ++round) {
    for (const auto& a : authors)
      inputs.push_back(wireBytes(net.author(a, testing::sampleCaseEvent(a, round, 200))));
  }
  inputs.push_back(wireBytes(net.author("430100", KeyRevocation{"430103", 1, 5, "key leaked"})));
  // A fork: two records of 天元区 at one sequence.
  Envelope forkAt = net.nextEnvelope("430211");
  inputs.push_back(
      wireBytes(net.signAs("430211", forkAt, testing::sampleCaseEvent("430211", 1000, 200))));
  inputs.push_back(wireBytes(net.author("430211", testing::sampleCaseEvent("430211", 1001, 200))));
  inputs.push_back(inputs[7]);        // a replay
  inputs.push_back(Bytes(10, 0x42));  // junk

  const char* seedEnv = std::getenv("GOVBUS_SEED");
  const uint64_t base = seedEnv ? std::strtoull(seedEnv, nullptr, 10) : 20260101;
  std::printf("identical stores: GOVBUS_SEED=%llu\n", static_cast<unsigned long long>(base));
  for (uint64_t shuffle = 0; shuffle < 4; ++shuffle) {
    SCOPED_TRACE("shuffle seed " + std::to_string(base + shuffle));
    std::vector<Bytes> order = inputs;
    std::mt19937_64 rng(base + shuffle);
    std::shuffle(order.begin(), order.end(), rng);
    TempDir dir;
    auto lmdb = makeStore(StoreKind::kLmdb, dir.path() / "lmdb");
    ASSERT_TRUE(lmdb);
    MemoryStore memory;
    auto lmdbReplica = Replica::open(*lmdb, net.anchor());
    auto memoryReplica = Replica::open(memory, net.anchor());
    ASSERT_TRUE(lmdbReplica.ok() && memoryReplica.ok());
    std::map<IngestOutcome, int> outcomes;
    auto ingestBoth = [&](std::span<const Bytes> batch) {
      auto a = (*lmdbReplica)->ingest(batch);
      auto b = (*memoryReplica)->ingest(batch);
      ASSERT_TRUE(a.ok()) << a.error().message;
      ASSERT_TRUE(b.ok()) << b.error().message;
      ASSERT_EQ(a->results.size(), b->results.size());
      for (size_t i = 0; i < a->results.size(); ++i) {
        const IngestResult &x = a->results[i], &y = b->results[i];
        EXPECT_EQ(x.outcome, y.outcome) << i;
        EXPECT_EQ(x.author, y.author) << i;
        EXPECT_EQ(x.seq, y.seq) << i;
        EXPECT_EQ(x.error.has_value(), y.error.has_value()) << i;
        if (x.error && y.error) {
          EXPECT_EQ(x.error->code, y.error->code) << i;
        }
        ++outcomes[x.outcome];
      }
    };
    ingestBoth(enrolment);
    for (size_t i = 0; i < order.size(); i += 5) {
      ingestBoth(std::span<const Bytes>(order).subspan(i, std::min<size_t>(5, order.size() - i)));
    }
    Snapshot fromLmdb = snapshot(**lmdb->beginRead());
    EXPECT_EQ(fromLmdb, snapshot(**memory.beginRead()));
    // The inputs must have exercised what they were built for, or the comparison proves little.
    EXPECT_GT(outcomes[IngestOutcome::kBuffered] + outcomes[IngestOutcome::kRejected], 0);
    EXPECT_GT(outcomes[IngestOutcome::kFork], 0);
    EXPECT_GT(outcomes[IngestOutcome::kDuplicate], 0);
    EXPECT_EQ(fromLmdb.heads.size(), authors.size());
    EXPECT_EQ(fromLmdb.certificates.size(), 5u);
    EXPECT_EQ(fromLmdb.revocations.size(), 1u);
    EXPECT_EQ(fromLmdb.forks.size(), 1u);
    std::set<char> tables;
    for (const auto& [k, v] : fromLmdb.state) tables.insert(static_cast<char>(k.at(0)));
    for (char t : {'c', 'k', 'n', 'v', 'm'})
      EXPECT_TRUE(tables.contains(t)) << "the derived state has no '" << t << "' entries";
    // Everything again, in order: fills what was rejected or left waiting, identically.
    ingestBoth(inputs);
    EXPECT_EQ(snapshot(**lmdb->beginRead()), snapshot(**memory.beginRead()));
    EXPECT_EQ(*(*lmdbReplica)->digest(), *(*memoryReplica)->digest());
  }
}

// --- MemoryStore's own behaviour ---

std::vector<Bytes> countyRecords(TestNetwork& net, const std::string& county, int n, size_t bytes) {
  std::vector<Bytes> out;
  for (int i = 0; i < n; ++i)
    out.push_back(wireBytes(net.author(county, testing::sampleCaseEvent(county, i, bytes))));
  return out;
}

TEST(MemoryStoreTest, ReaderHeldAcrossACommitSeesTheNewData) {
  MemoryStore store;
  auto reader = store.beginRead();
  ASSERT_TRUE(reader.ok());
  EXPECT_FALSE((*reader)->head("430102")->has_value());
  auto txn = store.beginWrite();
  appendTo(**txn, "430102", 1, 1);
  EXPECT_FALSE((*reader)->head("430102")->has_value()) << "not before the commit";
  ASSERT_TRUE((*txn)->commit().ok());
  EXPECT_TRUE((*reader)->head("430102")->has_value()) << "not a snapshot, unlike an LMDB reader";
}

TEST(MemoryStoreTest, TransactionIsUnusableAfterCommit) {
  MemoryStore store;
  auto txn = store.beginWrite();
  ASSERT_TRUE((*txn)->commit().ok());
  Status second = (*txn)->commit();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE((*txn)->statePut(asBytes("k"), asBytes("v")).ok());
  EXPECT_FALSE((*txn)->head("430102").ok());
  EXPECT_FALSE((*txn)->heads().ok());
  EXPECT_FALSE((*txn)->record("430102", 1).ok());
  EXPECT_FALSE((*txn)->stateGet(asBytes("k")).ok());
}

TEST(MemoryStoreTest, AStoreFillsExactlyToItsLimitAndNotOneByteMore) {
  MemoryStore store(MemoryStore::Options{.maxBytes = 1000});
  auto txn = store.beginWrite();
  ASSERT_TRUE((*txn)->statePut(asBytes("a"), Bytes(999, 1)).ok()) << "1 + 999 bytes: exactly full";
  // Growing the value by a single byte is one byte too many.
  Status over = (*txn)->statePut(asBytes("a"), Bytes(1000, 1));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(errorCodeName(over.error().code), errorCodeName(ErrorCode::kMapFull));
}

TEST(MemoryStoreTest, WriteBeyondMaxBytesFailsWithMapFullAndItsTransactionStoresNothing) {
  MemoryStore store(MemoryStore::Options{.maxBytes = 1000});
  {
    auto txn = store.beginWrite();
    ASSERT_TRUE((*txn)->statePut(asBytes("a"), Bytes(600, 1)).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  uint64_t used = store.storedBytes();
  EXPECT_EQ(used, 601u) << "key plus value";
  {
    auto txn = store.beginWrite();
    appendTo(**txn, "430102", 1, 1);
    ASSERT_TRUE((*txn)->statePut(asBytes("b"), Bytes(200, 2)).ok()) << "still fits";
    Status full = (*txn)->statePut(asBytes("c"), Bytes(200, 3));
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().code, ErrorCode::kMapFull);
    // Like an LMDB transaction after MDB_MAP_FULL, this one can no longer store anything.
    Status small = (*txn)->statePut(asBytes("d"), Bytes(1, 4));
    ASSERT_FALSE(small.ok());
    EXPECT_EQ(small.error().code, ErrorCode::kMapFull);
    Status commit = (*txn)->commit();
    ASSERT_FALSE(commit.ok());
    EXPECT_EQ(commit.error().code, ErrorCode::kMapFull);
  }
  EXPECT_EQ(store.storedBytes(), used);
  auto reader = store.beginRead();
  EXPECT_FALSE((*reader)->head("430102")->has_value());
  EXPECT_FALSE((*reader)->stateGet(asBytes("b"))->has_value());
  EXPECT_EQ((*reader)->stateGet(asBytes("a"))->value(), Bytes(600, 1));
  // The failed commit ended its transaction: the next writer does not wait for it.
  auto txn = store.beginWrite();
  ASSERT_TRUE((*txn)->statePut(asBytes("b"), Bytes(300, 2)).ok());
  ASSERT_TRUE((*txn)->commit().ok());
}

TEST(MemoryStoreTest, StoredBytesCountEntriesAsLmdbLaysThemOut) {
  // The disk-full simulation counts what LmdbStore writes per entry (keys plus values, no page
  // overhead): a record is key (code 12 + seq 8) and value (id 32 + its bytes); a feed's head is
  // key (code 12) and value (seq 8, id 32, lamport 8, bytes 8); a key revocation is key (code 12 +
  // serial 4) and value (fromSeq 8 + revoker code 12).
  MemoryStore store(MemoryStore::Options{.maxBytes = 1 << 20});
  auto txn = store.beginWrite();
  appendTo(**txn, "430102", 1, 1);
  appendTo(**txn, "430102", 2, 2);
  ASSERT_TRUE((*txn)->putRevocation("430100", KeyRevocation{"430102", 1, 9, "泄露"}).ok());
  ASSERT_TRUE((*txn)->commit().ok());
  const uint64_t record1 = recordBytes("430102", 1).size(),
                 record2 = recordBytes("430102", 2).size();
  EXPECT_EQ(store.storedBytes(), (12 + 8 + 32 + record1) + (12 + 8 + 32 + 8 + 8) +
                                     (12 + 8 + 32 + record2) + (12 + 4 + 8 + 12));
}

TEST(MemoryStoreTest, RepeatedForkEvidenceForOneSequenceTakesNoRoom) {
  // Only the first evidence per sequence is kept, so replaying it cannot fill the store.
  MemoryStore store(MemoryStore::Options{.maxBytes = 2000});
  ForkEvidence e{"430102", 2, Bytes(300, 1), Bytes(300, 2)};
  {
    auto txn = store.beginWrite();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*txn)->putForkEvidence(e).ok()) << i;
    ASSERT_TRUE((*txn)->commit().ok());
  }
  uint64_t once = store.storedBytes();
  auto txn = store.beginWrite();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*txn)->putForkEvidence(e).ok()) << i;
  ASSERT_TRUE((*txn)->commit().ok());
  EXPECT_EQ(store.storedBytes(), once);
}

TEST(MemoryStoreTest, DeletingFreesRoomForLaterWrites) {
  MemoryStore store(MemoryStore::Options{.maxBytes = 1000});
  {
    auto txn = store.beginWrite();
    ASSERT_TRUE((*txn)->statePut(asBytes("a"), Bytes(900, 1)).ok());
    ASSERT_TRUE((*txn)->putPending("430102", 3, Bytes(50, 1)).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  auto txn = store.beginWrite();
  ASSERT_TRUE((*txn)->stateDel(asBytes("a")).ok());
  ASSERT_TRUE((*txn)->takePending("430102", 3).ok());
  ASSERT_TRUE((*txn)->statePut(asBytes("b"), Bytes(950, 2)).ok())
      << "the deleted bytes count as free";
  ASSERT_TRUE((*txn)->statePut(asBytes("b"), Bytes(10, 2)).ok())
      << "a smaller value frees the difference";
  ASSERT_TRUE((*txn)->statePut(asBytes("c"), Bytes(900, 3)).ok());
  ASSERT_TRUE((*txn)->commit().ok());
  EXPECT_EQ(store.storedBytes(), 11u + 901u);
}

TEST(MemoryStoreTest, FullStoreFailsAnIngestBatchWholeAndKeepsWhatWasCommitted) {
  TestNetwork net;
  TrustStore trust = net.trustStore();
  MemoryStore store(MemoryStore::Options{.maxBytes = 1 << 20});
  uint64_t committed = 0;
  std::optional<Error> failure;
  for (int batch = 0; batch < 100 && !failure; ++batch) {
    auto records = countyRecords(net, "430102", 50, 2000);
    auto r = ingestBatch(store, trust, records);
    if (r.ok()) {
      committed += 50;
    } else {
      failure = r.error();
    }
  }
  ASSERT_TRUE(failure) << "1 MiB cannot hold 10 MB of records";
  EXPECT_EQ(failure->code, ErrorCode::kMapFull) << failure->message;
  EXPECT_GT(committed, 0u);
  EXPECT_LE(store.storedBytes(), uint64_t{1} << 20);
  auto reader = store.beginRead();
  EXPECT_EQ((*(*reader)->head("430102"))->seq, committed);
  EXPECT_FALSE((*reader)->record("430102", committed + 1)->has_value());
}

}  // namespace
}  // namespace govbus
