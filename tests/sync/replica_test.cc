// Replica::authorAll: group commit of this node's own records.
#include <gtest/gtest.h>

#include "base/binary.h"
#include "crypto/hash.h"
#include "node/lmdb_store.h"
#include "protocol/limits.h"
#include "protocol/record_codec.h"
#include "sync/memory_store.h"
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
  std::vector<Payload> refused = {Scenario::event("X-1", T::kAccepted),
                                  Scenario::event("X-2", T::kClosed)};
  auto results = county.replica->authorAll(std::move(refused), s.now());
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("unknown_case"), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(county.head(), 0u);
  EXPECT_TRUE(county.replica->authorAll({}, s.now()).empty());
}

// A store whose write transactions cannot begin (a full or failing disk), reading through to a real
// one.
class NoWriteStore : public FeedStore {
 public:
  Result<std::unique_ptr<FeedTxn>> beginWrite() override {
    return makeError(ErrorCode::kIo, "disk failure (test)");
  }
  Result<std::unique_ptr<FeedReader>> beginRead() override { return inner.beginRead(); }
  MemoryStore inner;
};

TEST(ReplicaTest, AGroupThatCannotBeginItsTransactionGetsThatErrorForEveryPayload) {
  Scenario s;
  NoWriteStore store;
  Identity id{"430102", 1, &s.network().node("430102").key, {"430000", "430100"}};
  auto replica = Replica::open(store, s.network().anchor(), id);
  ASSERT_TRUE(replica.ok());
  auto results = (*replica)->authorAll(mixedGroup(), s.now());
  ASSERT_EQ(results.size(), mixedGroup().size());
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "disk failure (test)");
  }
}

TEST(ReplicaTest, ARefusedRecordLeavesNoTraceInTrustOrAuthority) {
  Scenario s;
  County county(s);
  s.network().enroll("430104", "430100");
  size_t authorityRecords = county.replica->engine().authority().size();
  // 芙蓉区 publishing a certificate 长沙市 issued: the certificate chains (the door would admit its
  // key), but the record is void (certificate_not_by_issuer), so the node refuses it…
  auto refused = county.replica->author(s.network().node("430104").certificate, s.now());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("certificate_not_by_issuer"), std::string::npos)
      << refused.error().message;
  // …and neither the trust store nor the authority state keeps anything of it.
  EXPECT_FALSE(county.replica->trust().chainFor("430104").ok()) << "430104's key leaked in";
  EXPECT_EQ(county.replica->engine().authority().size(), authorityRecords);
  EXPECT_EQ(county.head(), 0u);
  // The same for a refused delegation (upward: void).
  auto upward = county.replica->author(Scenario::delegation("XK-COUNTY", "430100"), s.now());
  ASSERT_FALSE(upward.ok());
  EXPECT_EQ(county.replica->engine().authority().size(), authorityRecords);
  EXPECT_EQ(county.replica->engine().authority().find(RecordRef{"430102", 1}), nullptr);
}

TEST(ReplicaTest, CertificatesAttachedToABatchAreKeptAcrossARestart) {
  Scenario s;
  s.network().enroll("430104", "430100");
  TempDir dir;
  SignedRecord first = s.network().author("430104", sampleCaseEvent("430104", 1));
  {
    auto store = LmdbStore::open(dir.path());
    auto replica = Replica::open(**store, s.network().anchor());
    std::vector<Bytes> raw;
    for (const auto& r : s.history()) raw.push_back(wireBytes(r));
    ASSERT_TRUE((*replica)->ingest(raw).ok());
    std::vector<SignedCertificate> chain = {s.network().node("430104").certificate};
    auto in = (*replica)->ingest(std::vector<SignedRecord>{first}, chain);
    ASSERT_TRUE(in.ok() && in->results[0].outcome == IngestOutcome::kAppended);
  }
  auto store = LmdbStore::open(dir.path());
  auto replica = Replica::open(**store, s.network().anchor());
  ASSERT_TRUE(replica.ok());
  EXPECT_TRUE((*replica)->trust().chainFor("430104").ok()) << "the certificate was not persisted";
  SignedRecord second = s.network().author("430104", sampleCaseEvent("430104", 2));
  auto in = (*replica)->ingest(std::vector<SignedRecord>{second});
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->results[0].outcome, IngestOutcome::kAppended)
      << "the restarted node knows 430104's key without the chain attached again";
}

TEST(ReplicaTest, EachForkDetectedIsReportedWithItsOwnEvidence) {
  Scenario s;
  TempDir dir;
  auto store = LmdbStore::open(dir.path());
  Identity id{"430100", 1, &s.network().node("430100").key, {"430000"}};
  auto replica = Replica::open(**store, s.network().anchor(), id);
  ASSERT_TRUE(replica.ok());
  std::vector<Bytes> raw;
  for (const auto& r : s.history()) raw.push_back(wireBytes(r));
  ASSERT_TRUE((*replica)->ingest(raw).ok());
  (*replica)->setClock(s.now());
  // 芙蓉区 equivocates at its sequence 1, goes on from one branch, and equivocates again at 2.
  auto& n = s.network().node("430102");
  std::vector<SignedRecord> branches;
  for (uint64_t seq : {1u, 2u}) {
    Envelope e = s.network().nextEnvelope("430102");
    ASSERT_EQ(e.seq, seq);
    SignedRecord a = s.network().signAs("430102", e, sampleCaseEvent("430102", seq));
    SignedRecord b = s.network().signAs("430102", e, sampleCaseEvent("430102", 100 + seq));
    n.seq = e.seq;
    n.lamport = e.lamport;
    n.lastId = blake2b256(a.body);
    ASSERT_TRUE((*replica)->ingest(std::vector<SignedRecord>{a}).ok());
    auto in = (*replica)->ingest(std::vector<SignedRecord>{b});
    ASSERT_TRUE(in.ok());
    ASSERT_EQ(in->results[0].outcome, IngestOutcome::kFork);
  }
  // 长沙市 authored one valid report per forked sequence, each with that sequence's records.
  std::vector<uint64_t> reported;
  auto view = (*store)->beginRead();
  auto head = (*view)->head("430100");
  ASSERT_TRUE(head.ok() && head->has_value());
  for (uint64_t seq = 1; seq <= (*head)->seq; ++seq) {
    auto rec = decodeRecordBody(decodeSignedRecord(*(*view)->record("430100", seq).value())->body);
    const auto* f = std::get_if<ForkReport>(&rec->payload);
    if (!f) continue;
    EXPECT_EQ(decodeRecordBody(f->first.body)->envelope.seq, f->seq);
    EXPECT_EQ(*StateEngine::verdict(**view, RecordRef{"430100", seq}), VoidReason::kNone);
    reported.push_back(f->seq);
  }
  EXPECT_EQ(reported, (std::vector<uint64_t>{1, 2}));
}

TEST(ReplicaTest, AForkItCannotProveInARecordStillLeavesTheBatchIngested) {
  // 长沙市's replica knows 天心区 only from certificates attached to batches, not from a
  // certificate record: a fork report it authored would be void (no key for the author in the
  // state), so it authors none — and the batch that carried the fork is ingested all the same.
  Scenario s;
  TempDir dir;
  auto store = LmdbStore::open(dir.path());
  Identity id{"430100", 1, &s.network().node("430100").key, {"430000"}};
  auto replica = Replica::open(**store, s.network().anchor(), id);
  ASSERT_TRUE(replica.ok());
  (*replica)->setClock(s.now());
  s.network().enroll("430104", "430100");
  std::vector<SignedCertificate> chain = s.network().chainOf("430104");
  Envelope e = s.network().nextEnvelope("430104");
  SignedRecord a = s.network().signAs("430104", e, sampleCaseEvent("430104", 1));
  SignedRecord b = s.network().signAs("430104", e, sampleCaseEvent("430104", 2));
  ASSERT_TRUE((*replica)->ingest(std::vector<SignedRecord>{a}, chain).ok());
  auto in = (*replica)->ingest(std::vector<SignedRecord>{b}, chain);
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->results[0].outcome, IngestOutcome::kFork);
  auto view = (*store)->beginRead();
  EXPECT_EQ((*view)->forks()->size(), 1u) << "the evidence is kept";
  EXPECT_FALSE((*view)->head("430100")->has_value()) << "no void report was written";
}

TEST(StateEngineTest, CorruptCaseOrComplaintEntriesAreStorageErrorsNotGarbage) {
  MemoryStore store;
  {
    auto txn = store.beginWrite();
    ASSERT_TRUE((*txn)->statePut(asBytes(std::string("pq-1\0", 5)), Bytes{1, 2, 3}).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  auto view = store.beginRead();
  Status complaints =
      StateEngine::forEachComplaint(**view, [](const ComplaintSummary&) { return true; });
  ASSERT_FALSE(complaints.ok());
  EXPECT_EQ(errorCodeName(complaints.error().code), errorCodeName(ErrorCode::kStorage));
  EXPECT_EQ(complaints.error().message, "corrupt complaint entry");
  // A valid entry with bytes after it is corrupt too.
  MemoryStore other;
  {
    auto txn = other.beginWrite();
    Bytes enc = encodeCaseSummary(CaseSummary{});
    enc.push_back(0);
    ASSERT_TRUE((*txn)->statePut(asBytes(std::string("cx\0", 3)), enc).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  // A complaint entry with a byte after it (the layout of StateEngine's complaint value).
  MemoryStore third;
  {
    auto txn = third.beginWrite();
    Bytes value = BinaryWriter()
                      .str("q-3")
                      .str("")
                      .str("430102")
                      .str("430100")
                      .str("430102")
                      .boolean(true)
                      .u8(0)
                      .i64(1)
                      .i64(1)
                      .u8(0)
                      .take();
    ASSERT_TRUE((*txn)->statePut(asBytes(std::string("pq-3\0", 5)), value).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  auto v3 = third.beginRead();
  Status trailing =
      StateEngine::forEachComplaint(**v3, [](const ComplaintSummary&) { return true; });
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().message, "corrupt complaint entry");
  {
    // A valid entry after the corrupt one: the scan stops at the corruption.
    auto txn = other.beginWrite();
    CaseSummary fine;
    fine.caseId = "y";
    ASSERT_TRUE((*txn)->statePut(asBytes(std::string("cy\0", 3)), encodeCaseSummary(fine)).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  auto v2 = other.beginRead();
  int visited = 0;
  Status cases = StateEngine::forEachCase(**v2, [&](const CaseSummary&) {
    ++visited;
    return true;
  });
  ASSERT_FALSE(cases.ok());
  EXPECT_EQ(cases.error().message, "corrupt case entry");
  EXPECT_EQ(visited, 0) << "nothing after a corrupt entry is visited";
  EXPECT_FALSE(decodeCaseSummary(Bytes{}).ok());
}

// A node with its own identity on a durable store, knowing every certificate of the network.
struct Node {
  TempDir dir;
  std::unique_ptr<LmdbStore> store;
  std::unique_ptr<Replica> replica;

  Node(TestNetwork& net, const std::string& code, std::vector<std::string> ancestors,
       IngestLimits limits = {}) {
    store = std::move(LmdbStore::open(dir.path()).value());
    Identity id{code, 1, &net.node(code).key, std::move(ancestors)};
    replica = std::move(Replica::open(*store, net.anchor(), id, std::move(limits)).value());
    EXPECT_TRUE(replica->ingest(std::vector<SignedRecord>{}, net.chainOf("430102")).ok());
  }
  IngestResult take(const SignedRecord& r) {
    auto batch = replica->ingest(std::vector<SignedRecord>{r});
    EXPECT_TRUE(batch.ok());
    return batch.ok() ? batch->results.at(0) : IngestResult{};
  }
};

// Issue 13, item 1: a county that signs a record with Lamport clock 2^64−1 (or a wild jump) used to
// make every node storing it unable to sign again (its next clock wrapped to 0). The door now
// refuses such records at the city and at the province alike, and the province keeps writing.
TEST(ReplicaTest, ACountysRecordWithAMaximalOrWildLamportIsRefusedAndTheProvinceStillWrites) {
  TestNetwork net;
  Node city(net, "430100", {"430000"});
  Node province(net, "430000", {});
  ASSERT_TRUE(province.replica->author(Scenario::item("XK-BEFORE", 3, 20, 10), kTestEpochMs).ok());
  auto county = [&](uint64_t seq, uint64_t lamport, int64_t wallTimeMs, const Hash256* prev) {
    Envelope e = net.nextEnvelope("430102");
    e.seq = seq;
    e.lamport = lamport;
    e.wallTimeMs = wallTimeMs;
    e.prevHash = prev ? Bytes(prev->begin(), prev->end()) : Bytes{};
    return net.signAs("430102", e, sampleCaseEvent("430102", seq));
  };
  const int64_t t = kTestEpochMs;
  const SignedRecord maximal = county(1, UINT64_MAX, t, nullptr);
  const SignedRecord tooFarForAFirst = county(1, kMaxLamportJump + 1, t, nullptr);
  const SignedRecord first = county(1, 10, t, nullptr);
  const Hash256 firstId = blake2b256(first.body);
  const SignedRecord wild = county(2, 10 + kMaxLamportJump + 1, t + 1, &firstId);
  const SignedRecord notAbove = county(2, 10, t + 1, &firstId);
  const SignedRecord backdated = county(2, 11, t - 1, &firstId);
  const SignedRecord fine = county(2, 10 + kMaxLamportJump, t, &firstId);
  for (Node* node : {&city, &province}) {
    for (const SignedRecord* bad : {&maximal, &tooFarForAFirst}) {
      IngestResult r = node->take(*bad);
      EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
      ASSERT_TRUE(r.error);
      EXPECT_EQ(r.error->code, ErrorCode::kBadClock) << r.error->message;
    }
    EXPECT_EQ(node->take(first).outcome, IngestOutcome::kAppended);
    for (const SignedRecord* bad : {&wild, &notAbove, &backdated}) {
      IngestResult r = node->take(*bad);
      EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
      ASSERT_TRUE(r.error);
      EXPECT_EQ(r.error->code, ErrorCode::kBadClock) << r.error->message;
    }
    EXPECT_EQ(node->take(fine).outcome, IngestOutcome::kAppended) << "the largest jump allowed";
  }
  const int64_t now = t + 5000;
  auto written = province.replica->author(Scenario::item("XK-AFTER", 3, 20, 10), now);
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto cityWritten = city.replica->author(Scenario::delegation("XK-AFTER", "430102"), now);
  EXPECT_TRUE(cityWritten.ok() || cityWritten.error().code == ErrorCode::kInvalidArgument)
      << cityWritten.error().message;
  auto view = province.store->beginRead();
  // One above the highest clock stored (the county's 10 + 2^32), but never more than one jump above
  // the province's own previous record (clock 1).
  EXPECT_EQ((*(*view)->head("430000"))->lamport, 1 + kMaxLamportJump);
}

// Issue 13, item 6, as the daemon sets it up: a child's feed has a quota at its parent, the
// parent's own ancestors have none (a city must keep taking its province's catalog and
// witnesses), and the refusal names the setting to raise.
TEST(ReplicaTest, AChildsFeedIsRefusedOverItsQuotaWhileTheAncestorsFeedHasNone) {
  TestNetwork net;
  IngestLimits limits;
  limits.maxBytesPerAuthor = 1;
  limits.exemptAuthors = {"430100", "430000"};
  Node city(net, "430100", {"430000"}, limits);
  EXPECT_EQ(city.take(net.author("430000", Scenario::item("XK-ANY", 3, 20, 10))).outcome,
            IngestOutcome::kAppended);
  IngestResult r = city.take(net.author("430102", sampleCaseEvent("430102", 1)));
  EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ErrorCode::kQuotaExceeded);
  EXPECT_NE(r.error->message.find("[store] author_quota_mb"), std::string::npos)
      << r.error->message;
  EXPECT_FALSE((*city.store->beginRead())->head("430102")->has_value()) << "nothing stored";
}

// Buffered records are stamped with the replica's clock (setClock) and expire kMaxPendingAgeMs
// later; the record whose gap never fills no longer holds a place in the buffer.
TEST(ReplicaTest, ARecordWaitingForAPredecessorThatNeverComesExpiresByTheReplicasClock) {
  TestNetwork net;
  Node city(net, "430100", {"430000"});
  net.author("430102", sampleCaseEvent("430102", 1));  // never delivered
  const SignedRecord second = net.author("430102", sampleCaseEvent("430102", 2));
  const int64_t t = kTestEpochMs;
  city.replica->setClock(t);
  EXPECT_EQ(city.take(second).outcome, IngestOutcome::kBuffered);
  auto early = city.replica->expireBuffered(t + kMaxPendingAgeMs);
  ASSERT_TRUE(early.ok()) << early.error().message;
  EXPECT_EQ(*early, 0u);
  EXPECT_EQ(*(*city.store->beginRead())->pendingCount(), 1u);
  auto due = city.replica->expireBuffered(t + kMaxPendingAgeMs + 1);
  ASSERT_TRUE(due.ok()) << due.error().message;
  EXPECT_EQ(*due, 1u);
  EXPECT_EQ(*(*city.store->beginRead())->pendingCount(), 0u);
  EXPECT_EQ(city.take(second).outcome, IngestOutcome::kBuffered) << "resent, it waits again";
}

// A store that took a 2^64−1 clock before the door refused it (or whose max_lamport was damaged)
// must not stop its node: the next clock stays within its own feed's bound instead of wrapping.
TEST(ReplicaTest, AStoreThatHoldsAMaximalClockStillSignsWithoutWrapping) {
  TestNetwork net;
  Node province(net, "430000", {});
  {
    // Behind the door's back, as an older build would have stored it.
    auto txn = province.store->beginWrite();
    SignedRecord poisoned = net.author("430102", sampleCaseEvent("430102", 1));
    ASSERT_TRUE((*txn)
                    ->append("430102", FeedHead{1, blake2b256(poisoned.body), UINT64_MAX},
                             wireBytes(poisoned))
                    .ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  EXPECT_EQ(*(*province.store->beginRead())->maxLamport(), UINT64_MAX);
  for (int i = 0; i < 3; ++i) {
    auto r = province.replica->author(Scenario::item("XK-P" + std::to_string(i), 3, 20, 10),
                                      kTestEpochMs + i);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  auto head = (*(*province.store->beginRead())->head("430000"));
  EXPECT_EQ(head->seq, 3u);
  EXPECT_GT(head->lamport, 0u);
  EXPECT_LE(head->lamport, 3 * kMaxLamportJump);
}

}  // namespace
}  // namespace govbus::testing
