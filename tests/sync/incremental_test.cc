// The state engine's work per record does not grow with the store: a delegation change re-judges
// only the cases it can reach, a refused write is judged without reloading anything, and a store
// whose derived state is of an older layout (or half rebuilt) is rebuilt when opened.
#include <gtest/gtest.h>

#include "base/binary.h"
#include "node/lmdb_store.h"
#include "sync/memory_store.h"
#include "sync/replica.h"
#include "testing/scenario.h"
#include "testing/test_network.h"

namespace govbus::testing {
namespace {

using T = CaseEventType;

uint64_t casesEvaluated(Scenario& s) { return s.replica().engine().stats().casesEvaluated; }

// A case received at `region`'s window and accepted by `handler`.
void acceptedCase(Scenario& s, const std::string& id, const std::string& item,
                  const std::string& handler, const std::string& region) {
  s.put(region, Scenario::received(id, item, handler, region));
  s.put(handler, Scenario::event(id, T::kAccepted));
}

// A delegation valid from the moment it is granted (the next record's wall time).
Delegation grantedNow(Scenario& s, const std::string& item, const std::string& grantee,
                      int64_t validForMs = 0) {
  Delegation d = Scenario::delegation(item, grantee);
  d.validFromMs = s.now() + 60'000;
  d.validUntilMs = validForMs > 0 ? d.validFromMs + validForMs : 0;
  return d;
}

TEST(IncrementalStateTest, ARevocationReJudgesOnlyTheCasesAcceptedUnderItsDelegation) {
  Scenario s;
  // Many cases the delegation cannot touch: other items, the same item elsewhere, the same item
  // and county before the delegation's period.
  for (int i = 0; i < 60; ++i) {
    const std::string county = i % 3 == 0 ? "430102" : i % 3 == 1 ? "430103" : "430211";
    acceptedCase(s, county + "-U" + std::to_string(i), "XK-COUNTY", county, county);
  }
  for (int i = 0; i < 20; ++i)
    acceptedCase(s, "430103-S" + std::to_string(i), "XK-CITY", "430100", "430103");
  for (int i = 0; i < 20; ++i)
    acceptedCase(s, "430211-O" + std::to_string(i), "XK-CITY", "430200", "430211");
  for (int i = 0; i < 10; ++i)
    acceptedCase(s, "430102-B" + std::to_string(i), "XK-CITY", "430100", "430102");

  RecordRef d = s.put("430100", grantedNow(s, "XK-CITY", "430102"));
  ASSERT_EQ(s.verdict(d), VoidReason::kNone);
  const int under = 8;
  for (int i = 0; i < under; ++i)
    acceptedCase(s, "430102-D" + std::to_string(i), "XK-CITY", "430102", "430102");

  const uint64_t before = casesEvaluated(s);
  RecordRef r = s.put("430100", DelegationRevocation{d, false, "调整授权"});
  EXPECT_EQ(s.verdict(r), VoidReason::kNone);
  EXPECT_EQ(s.verdict(d), VoidReason::kRevoked);
  EXPECT_EQ(casesEvaluated(s) - before, static_cast<uint64_t>(under))
      << "of " << 60 + 20 + 20 + 10 + under << " cases, only those accepted under the delegation";
  EXPECT_EQ(s.caseOf("430102-D0").handler, "430102") << "accepted in good faith, the case stays";
}

TEST(IncrementalStateTest, ANewDelegationReJudgesNoCaseAcceptedBeforeIt) {
  Scenario s;
  for (int i = 0; i < 30; ++i)
    acceptedCase(s, "430102-B" + std::to_string(i), "XK-CITY", "430100", "430102");
  const uint64_t before = casesEvaluated(s);
  RecordRef d = s.put("430100", grantedNow(s, "XK-CITY", "430102"));
  EXPECT_EQ(s.verdict(d), VoidReason::kNone);
  EXPECT_EQ(casesEvaluated(s) - before, 0u);
  EXPECT_EQ(s.handler("XK-CITY", "430102"), "430102");
}

TEST(IncrementalStateTest, ARevocationLeavesAloneWhatWasAcceptedAfterItsDelegationsPeriod) {
  Scenario s;
  // Valid for 10 minutes (records are a minute apart): two cases inside, then the city again.
  RecordRef d = s.put("430100", grantedNow(s, "XK-CITY", "430102", 10 * 60'000));
  acceptedCase(s, "430102-IN1", "XK-CITY", "430102", "430102");
  acceptedCase(s, "430102-IN2", "XK-CITY", "430102", "430102");
  s.advance(60 * 60'000);
  for (int i = 0; i < 12; ++i)
    acceptedCase(s, "430102-AFTER" + std::to_string(i), "XK-CITY", "430100", "430102");
  const uint64_t before = casesEvaluated(s);
  s.put("430100", DelegationRevocation{d, false, ""});
  EXPECT_EQ(casesEvaluated(s) - before, 2u);
}

// The city's own replica: it authors, and refuses what its state would judge void.
struct City {
  TempDir dir;
  std::unique_ptr<LmdbStore> store;
  std::unique_ptr<Replica> replica;

  explicit City(Scenario& s) {
    store = std::move(LmdbStore::open(dir.path()).value());
    Identity id{"430100", 1, &s.network().node("430100").key, {"430000"}};
    replica = std::move(Replica::open(*store, s.network().anchor(), id).value());
    std::vector<Bytes> raw;
    for (const auto& r : s.history()) raw.push_back(wireBytes(r));
    EXPECT_TRUE(replica->ingest(raw).ok());
  }
  uint64_t fullEvaluations() const { return replica->engine().authority().stats().fullEvaluations; }
};

// What a replica opened afresh on the same store holds in memory.
void expectMemoryMatchesTheStore(Scenario& s, City& city) {
  auto fresh = Replica::open(*city.store, s.network().anchor());
  ASSERT_TRUE(fresh.ok());
  const AuthorityState& a = city.replica->engine().authority();
  const AuthorityState& b = (*fresh)->engine().authority();
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.voids(), b.voids());
  EXPECT_EQ(a.parents(), b.parents());
  std::vector<RecordRef> va, vb;
  for (const auto* r : a.validDelegations()) va.push_back(r->ref);
  for (const auto* r : b.validDelegations()) vb.push_back(r->ref);
  EXPECT_EQ(va, vb);
  EXPECT_EQ(a.handlerFor("XK-CITY", "430102", s.now()), b.handlerFor("XK-CITY", "430102", s.now()));
}

TEST(IncrementalStateTest, ARefusedWriteLeavesMemoryAsTheStoreHasItWithoutReadingItAgain) {
  Scenario s;
  City city(s);
  const uint64_t loads = city.fullEvaluations();
  const Hash256 digest = *city.replica->digest();
  const uint64_t head = (*(*city.store->beginRead())->head("430100"))->seq;

  // Refused: XK-FIXED is not delegable.
  auto refused = city.replica->author(Scenario::delegation("XK-FIXED", "430102"), s.now());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("item_not_delegable"), std::string::npos)
      << refused.error().message;
  // Judged valid, not written.
  auto would = city.replica->wouldBeVoid(grantedNow(s, "XK-CITY", "430102"), s.now());
  ASSERT_TRUE(would.ok());
  EXPECT_EQ(*would, VoidReason::kNone);
  EXPECT_EQ(city.replica->engine().authority().handlerFor("XK-CITY", "430102", s.now() + kYearMs),
            "430100")
      << "a delegation judged but not written is not in force";
  // A group with a refusal in the middle: the valid ones commit.
  auto results = city.replica->authorAll(
      {grantedNow(s, "XK-CITY", "430102"), Scenario::delegation("XK-FIXED", "430103"),
       grantedNow(s, "XK-CITY", "430103")},
      s.now());
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_FALSE(results[1].ok());
  EXPECT_TRUE(results[2].ok());

  EXPECT_EQ(city.fullEvaluations(), loads) << "nothing was judged again from scratch";
  EXPECT_EQ(*city.replica->digest(), digest) << "valid delegations leave no verdict";
  EXPECT_EQ((*(*city.store->beginRead())->head("430100"))->seq, head + 2)
      << "the two valid delegations, and nothing else, were written";
  expectMemoryMatchesTheStore(s, city);
}

// A store whose next commit fails (as a full disk or an I/O error would make it), after the
// transaction did all its work.
class FailingCommitStore final : public FeedStore {
 public:
  bool failNextCommit = false;
  MemoryStore inner;

  Result<std::unique_ptr<FeedTxn>> beginWrite() override {
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, inner.beginWrite());
    return std::unique_ptr<FeedTxn>(std::make_unique<Txn>(std::move(txn), *this));
  }
  Result<std::unique_ptr<FeedReader>> beginRead() override { return inner.beginRead(); }

 private:
  class Txn final : public FeedTxn {
   public:
    Txn(std::unique_ptr<FeedTxn> t, FailingCommitStore& s) : t_(std::move(t)), s_(s) {}
    Result<std::optional<FeedHead>> head(std::string_view a) override { return t_->head(a); }
    Result<std::vector<std::pair<std::string, FeedHead>>> heads() override { return t_->heads(); }
    Result<std::optional<Hash256>> recordId(std::string_view a, uint64_t q) override {
      return t_->recordId(a, q);
    }
    Result<std::optional<ByteView>> record(std::string_view a, uint64_t q) override {
      return t_->record(a, q);
    }
    Result<uint64_t> maxLamport() override { return t_->maxLamport(); }
    Result<uint64_t> pendingCount() override { return t_->pendingCount(); }
    Status scanPending(
        std::string_view a,
        const std::function<bool(std::string_view, uint64_t, ByteView)>& v) override {
      return t_->scanPending(a, v);
    }
    Result<std::vector<ForkEvidence>> forks() override { return t_->forks(); }
    Result<std::optional<Frontier>> peerPosition(std::string_view p) override {
      return t_->peerPosition(p);
    }
    Result<std::vector<Bytes>> certificates() override { return t_->certificates(); }
    Result<std::vector<std::pair<std::string, KeyRevocation>>> revocations() override {
      return t_->revocations();
    }
    Result<std::optional<Bytes>> stateGet(ByteView k) override { return t_->stateGet(k); }
    Status stateScan(ByteView p, const std::function<bool(ByteView, ByteView)>& v) override {
      return t_->stateScan(p, v);
    }
    Status stateScanFrom(ByteView f, ByteView p,
                         const std::function<bool(ByteView, ByteView)>& v) override {
      return t_->stateScanFrom(f, p, v);
    }
    Status append(std::string_view a, const FeedHead& h, ByteView r) override {
      return t_->append(a, h, r);
    }
    Status putPending(std::string_view a, uint64_t q, ByteView r) override {
      return t_->putPending(a, q, r);
    }
    Result<std::optional<Bytes>> takePending(std::string_view a, uint64_t q) override {
      return t_->takePending(a, q);
    }
    Result<std::optional<Bytes>> peekPending(std::string_view a, uint64_t q) override {
      return t_->peekPending(a, q);
    }
    Status putForkEvidence(const ForkEvidence& e) override { return t_->putForkEvidence(e); }
    Status putPeerPosition(std::string_view p, const Frontier& f) override {
      return t_->putPeerPosition(p, f);
    }
    Status putCertificate(std::string_view s, uint32_t n, ByteView c) override {
      return t_->putCertificate(s, n, c);
    }
    Status putRevocation(std::string_view r, const KeyRevocation& k) override {
      return t_->putRevocation(r, k);
    }
    Status statePut(ByteView k, ByteView v) override { return t_->statePut(k, v); }
    Status stateDel(ByteView k) override { return t_->stateDel(k); }
    Status stateClear() override { return t_->stateClear(); }
    Status commit() override {
      if (s_.failNextCommit) {
        s_.failNextCommit = false;
        t_.reset();  // rolled back
        return makeError(ErrorCode::kIo, "injected: the disk failed at commit");
      }
      return t_->commit();
    }

   private:
    std::unique_ptr<FeedTxn> t_;
    FailingCommitStore& s_;
  };
};

TEST(IncrementalStateTest, AFailedIngestRollsMemoryBackWithItsTransaction) {
  Scenario s;
  acceptedCase(s, "430102-F1", "XK-COUNTY", "430102", "430102");
  s.put("430100", grantedNow(s, "XK-CITY", "430103"));
  std::vector<Bytes> raw;
  for (const auto& r : s.history()) raw.push_back(wireBytes(r));
  const size_t firstPart = 6;  // the anchor and some certificates
  const std::vector<Bytes> first(raw.begin(), raw.begin() + firstPart);
  const std::vector<Bytes> rest(raw.begin() + firstPart, raw.end());

  FailingCommitStore store;
  auto replica = Replica::open(store, s.network().anchor());
  ASSERT_TRUE((*replica)->ingest(first).ok());
  // The rest (certificates, catalog, a delegation, cases) is checked, appended and applied, and
  // then its commit fails.
  store.failNextCommit = true;
  auto failed = (*replica)->ingest(rest);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);

  auto fresh = Replica::open(store, s.network().anchor());
  ASSERT_TRUE(fresh.ok());
  const AuthorityState& a = (*replica)->engine().authority();
  const AuthorityState& b = (*fresh)->engine().authority();
  EXPECT_EQ(a.size(), firstPart) << "the failed batch's authority records are gone from memory";
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.voids(), b.voids());
  EXPECT_EQ(a.parents(), b.parents());
  EXPECT_EQ(a.catalog().size(), b.catalog().size());
  EXPECT_EQ((*replica)->trust().size(), (*fresh)->trust().size())
      << "certificates admitted by the failed batch are no longer trusted";
  // And the same batch, sent again, is taken as if the failure never happened.
  ASSERT_TRUE((*replica)->ingest(rest).ok());
  EXPECT_EQ(s.caseOf("430102-F1").status, CaseStatus::kUnderReview);
  EXPECT_EQ(*(*replica)->digest(), s.digest());
}

TEST(IncrementalStateTest, AStoreOfAnOlderLayoutIsRebuiltWhenOpened) {
  Scenario s;
  for (int i = 0; i < 5; ++i)
    acceptedCase(s, "430102-L" + std::to_string(i), "XK-COUNTY", "430102", "430102");
  City city(s);
  const Hash256 digest = *city.replica->digest();
  city.replica.reset();
  {
    auto txn = city.store->beginWrite();
    ASSERT_TRUE((*txn)->stateDel(asBytes("mlayout")).ok());
    ASSERT_TRUE((*txn)->stateDel(BinaryWriter().u8('c').raw("430102-L0").u8(0).take()).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  auto reopened = Replica::open(*city.store, s.network().anchor());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ(*(*reopened)->digest(), digest);
  auto view = city.store->beginRead();
  EXPECT_TRUE((*(*view)->stateGet(asBytes("mlayout"))).has_value());
  EXPECT_TRUE((*StateEngine::caseSummary(**view, "430102-L0")).has_value());
}

TEST(IncrementalStateTest, AnInterruptedRebuildIsDoneAgainWhenTheStoreIsOpened) {
  Scenario s;
  for (int i = 0; i < 5; ++i)
    acceptedCase(s, "430103-R" + std::to_string(i), "XK-COUNTY", "430103", "430103");
  City city(s);
  const Hash256 digest = *city.replica->digest();
  city.replica.reset();
  {
    // As a rebuild leaves the state after its first transactions: cleared, marked, part done.
    auto txn = city.store->beginWrite();
    ASSERT_TRUE((*txn)->stateClear().ok());
    ASSERT_TRUE((*txn)->statePut(asBytes("mrebuilding"), Bytes{1}).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  auto reopened = Replica::open(*city.store, s.network().anchor());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ(*(*reopened)->digest(), digest);
  auto view = city.store->beginRead();
  EXPECT_FALSE((*(*view)->stateGet(asBytes("mrebuilding"))).has_value());
}

}  // namespace
}  // namespace govbus::testing
