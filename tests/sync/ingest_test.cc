// The integrity check at the door (DESIGN §4), against a real LMDB store in a temp dir.
#include "sync/ingest.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstring>

#include "crypto/hash.h"
#include "node/lmdb_store.h"
#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TempDir;
using testing::TestNetwork;
using testing::wireBytes;

class IngestTest : public ::testing::Test {
 protected:
  IngestTest() : trust_(net_.trustStore()) {
    auto s = LmdbStore::open(dir_.path() / "store");
    EXPECT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }

  std::vector<IngestResult> ingest(const std::vector<SignedRecord>& records) {
    std::vector<Bytes> raw;
    for (const auto& r : records) raw.push_back(wireBytes(r));
    return ingestRaw(raw);
  }
  std::vector<IngestResult> ingestRaw(const std::vector<Bytes>& raw) {
    auto r = ingestBatch(*store_, trust_, raw);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->results : std::vector<IngestResult>{};
  }
  IngestResult ingestOne(const SignedRecord& r) { return ingest({r}).at(0); }

  uint64_t headSeq(const std::string& author) {
    auto view = store_->beginRead();
    auto h = (*view)->head(author);
    return h.ok() && *h ? (*h)->seq : 0;
  }

  Payload caseEvent(const std::string& handler, uint64_t n) {
    return testing::sampleCaseEvent(handler, n);
  }

  TestNetwork net_;
  TrustStore trust_;
  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
};

TEST_F(IngestTest, RecordsInSequenceAreAppended) {
  auto r1 = net_.author("430102", caseEvent("430102", 1));
  auto r2 = net_.author("430102", caseEvent("430102", 2));
  auto results = ingest({r1, r2});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, IngestOutcome::kAppended);
  EXPECT_EQ(results[1].outcome, IngestOutcome::kAppended);
  EXPECT_EQ(headSeq("430102"), 2u);
}

TEST_F(IngestTest, EverySingleByteFlipOfASignedRecordIsRejected) {
  auto original = net_.author("430102", caseEvent("430102", 1));
  Bytes wire = wireBytes(original);
  size_t flips = 0;
  for (size_t i = 0; i < wire.size(); ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
      Bytes mutated = wire;
      mutated[i] ^= mask;
      // A flip in Cap'n Proto padding can leave body and signature intact; then it is the same
      // record and appending it would be correct. Every other flip must be rejected.
      auto decoded = decodeSignedRecord(mutated);
      bool sameRecord = decoded.ok() && decoded->body == original.body &&
                        decoded->signature == original.signature;
      if (sameRecord) continue;
      ++flips;
      auto results = ingestRaw({mutated});
      ASSERT_EQ(results.size(), 1u);
      EXPECT_EQ(results[0].outcome, IngestOutcome::kRejected)
          << "flip at byte " << i << " mask " << int(mask);
    }
  }
  EXPECT_GT(flips, wire.size());  // almost every flip changes the record
  EXPECT_EQ(headSeq("430102"), 0u) << "no mutated record may be stored";
  EXPECT_EQ(ingestOne(original).outcome, IngestOutcome::kAppended);
}

TEST_F(IngestTest, RecordSignedByTheWrongKeyIsRejected) {
  Envelope env = net_.nextEnvelope("430102");
  auto forged = net_.signAs("430103", env, caseEvent("430102", 1));  // 天心区's key, 芙蓉区's name
  auto r = ingestOne(forged);
  EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ErrorCode::kBadSignature) << r.error->message;
  EXPECT_EQ(headSeq("430102"), 0u);
}

TEST_F(IngestTest, RecordFromAnUnenrolledNodeIsRejected) {
  // 岳麓区 (430104) was enrolled only in another network whose anchor we do not trust.
  TestNetwork other;
  other.enroll("430104", "430100");
  auto r = ingestOne(other.author("430104", caseEvent("430104", 1)));
  EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ErrorCode::kUnknownSigner) << r.error->message;
}

TEST_F(IngestTest, RecordWithAnUnknownKeySerialIsRejected) {
  Envelope env = net_.nextEnvelope("430102");
  env.keySerial = 2;  // never issued
  auto r = ingestOne(net_.signAs("430102", env, caseEvent("430102", 1)));
  EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_EQ(r.error->code, ErrorCode::kUnknownSigner);
}

TEST_F(IngestTest, RecordSignedByAKeyRevokedFromItsSequenceIsRejected) {
  ASSERT_EQ(ingestOne(net_.author("430102", caseEvent("430102", 1))).outcome,
            IngestOutcome::kAppended);
  ASSERT_EQ(ingestOne(net_.author("430102", caseEvent("430102", 2))).outcome,
            IngestOutcome::kAppended);
  // 长沙市 revokes 芙蓉区's key from seq 3 on (compromise discovered).
  auto revocation = net_.author("430100", KeyRevocation{"430102", 1, 3, "key leaked"});
  ASSERT_EQ(ingestOne(revocation).outcome, IngestOutcome::kAppended);

  auto r3 = ingestOne(net_.author("430102", caseEvent("430102", 3)));
  EXPECT_EQ(r3.outcome, IngestOutcome::kRejected);
  ASSERT_TRUE(r3.error);
  EXPECT_EQ(r3.error->code, ErrorCode::kRevokedKey) << r3.error->message;
  EXPECT_EQ(headSeq("430102"), 2u) << "records before the revoked sequence stay";
}

TEST_F(IngestTest, RevocationAndRevokedRecordInOneBatchAreJudgedInOrder) {
  ASSERT_EQ(ingestOne(net_.author("430102", caseEvent("430102", 1))).outcome,
            IngestOutcome::kAppended);
  auto revocation = net_.author("430100", KeyRevocation{"430102", 1, 2, "key leaked"});
  auto r2 = net_.author("430102", caseEvent("430102", 2));
  auto results = ingest({revocation, r2});
  EXPECT_EQ(results[0].outcome, IngestOutcome::kAppended);
  EXPECT_EQ(results[1].outcome, IngestOutcome::kRejected);
  EXPECT_EQ(results[1].error->code, ErrorCode::kRevokedKey);
}

TEST_F(IngestTest, RevocationBySomeoneNotAnAncestorHasNoEffect) {
  // 株洲市 (430200) is not 芙蓉区's ancestor: its revocation is stored but changes no trust.
  auto revocation = net_.author("430200", KeyRevocation{"430102", 1, 1, "hostile"});
  ASSERT_EQ(ingestOne(revocation).outcome, IngestOutcome::kAppended);
  EXPECT_EQ(ingestOne(net_.author("430102", caseEvent("430102", 1))).outcome,
            IngestOutcome::kAppended);
}

TEST_F(IngestTest, ReplayedRecordIsANoOp) {
  auto r1 = net_.author("430102", caseEvent("430102", 1));
  ASSERT_EQ(ingestOne(r1).outcome, IngestOutcome::kAppended);
  EXPECT_EQ(ingestOne(r1).outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ(ingest({r1, r1})[1].outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ(headSeq("430102"), 1u);
}

// Ed25519 signing is deterministic, so a second valid signature of the same bytes must be made by
// hand: R = rB, S = r + H(R || A || M)·a (mod L) with a random r. Verifiers accept it.
Bytes resignRandomized(const SigningKey& key, ByteView body) {
  Bytes msg(kRecordSignatureDomain.size() + body.size());
  std::memcpy(msg.data(), kRecordSignatureDomain.data(), kRecordSignatureDomain.size());
  std::memcpy(msg.data() + kRecordSignatureDomain.size(), body.data(), body.size());
  uint8_t h[64], a[32], r[32], R[32], k[32], ka[32], S[32];
  crypto_hash_sha512(h, key.seed().data(), 32);
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  std::memcpy(a, h, 32);
  crypto_core_ed25519_scalar_random(r);
  crypto_scalarmult_ed25519_base_noclamp(R, r);
  crypto_hash_sha512_state st;
  uint8_t kh[64];
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, R, 32);
  crypto_hash_sha512_update(&st, key.publicKey().bytes().data(), 32);
  crypto_hash_sha512_update(&st, msg.data(), msg.size());
  crypto_hash_sha512_final(&st, kh);
  crypto_core_ed25519_scalar_reduce(k, kh);
  uint8_t aReduced[32];
  uint8_t aWide[64] = {};
  std::memcpy(aWide, a, 32);
  crypto_core_ed25519_scalar_reduce(aReduced, aWide);
  crypto_core_ed25519_scalar_mul(ka, k, aReduced);
  crypto_core_ed25519_scalar_add(S, r, ka);
  Bytes sig(64);
  std::memcpy(sig.data(), R, 32);
  std::memcpy(sig.data() + 32, S, 32);
  return sig;
}

TEST_F(IngestTest, ReplayWithDifferentValidSignatureBytesIsStillADuplicate) {
  auto r1 = net_.author("430102", caseEvent("430102", 1));
  ASSERT_EQ(ingestOne(r1).outcome, IngestOutcome::kAppended);
  SignedRecord resigned{r1.body, resignRandomized(net_.node("430102").key, r1.body)};
  ASSERT_NE(resigned.signature, r1.signature);
  ASSERT_TRUE(net_.node("430102").key.publicKey().verify(kRecordSignatureDomain, resigned.body,
                                                         resigned.signature))
      << "the test's second signature must be valid, or it proves nothing";
  EXPECT_EQ(ingestOne(resigned).outcome, IngestOutcome::kDuplicate);

  // And with signature bytes that are not valid at all: still the same record, still a no-op.
  SignedRecord garbled{r1.body, Bytes(64, 0x5a)};
  EXPECT_EQ(ingestOne(garbled).outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ(headSeq("430102"), 1u);
}

TEST_F(IngestTest, RecordTwoAheadWaitsAndIsAppliedWhenTheGapFills) {
  auto r1 = net_.author("430102", caseEvent("430102", 1));
  auto r2 = net_.author("430102", caseEvent("430102", 2));
  auto r3 = net_.author("430102", caseEvent("430102", 3));
  ASSERT_EQ(ingestOne(r1).outcome, IngestOutcome::kAppended);
  EXPECT_EQ(ingestOne(r3).outcome, IngestOutcome::kBuffered);
  EXPECT_EQ(headSeq("430102"), 1u);
  EXPECT_EQ(ingestOne(r3).outcome, IngestOutcome::kDuplicate) << "a buffered record sent again";
  EXPECT_EQ(ingestOne(r2).outcome, IngestOutcome::kAppended);
  EXPECT_EQ(headSeq("430102"), 3u) << "the gap filled, so the waiting record was appended";
  auto view = store_->beginRead();
  EXPECT_EQ(*(*view)->pendingCount(), 0u);
}

TEST_F(IngestTest, BufferedRecordsAreReturnedForTheStateInFeedOrder) {
  auto r1 = net_.author("430102", caseEvent("430102", 1));
  auto r2 = net_.author("430102", caseEvent("430102", 2));
  auto r3 = net_.author("430102", caseEvent("430102", 3));
  std::vector<Bytes> raw = {wireBytes(r3), wireBytes(r2), wireBytes(r1)};
  auto batch = ingestBatch(*store_, trust_, raw);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->appended.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(batch->appended[i].record.envelope.seq, i + 1);
}

TEST_F(IngestTest, AWaitingRecordThatNoLongerFitsWhenReleasedIsDroppedAndCounted) {
  ASSERT_EQ(ingestOne(net_.author("430102", caseEvent("430102", 1))).outcome,
            IngestOutcome::kAppended);
  // 芙蓉区 equivocates at seq 2; seq 3 follows branch a.
  Envelope env2 = net_.nextEnvelope("430102");
  auto a2 = net_.author("430102", caseEvent("430102", 2));
  auto b2 = net_.signAs("430102", env2, caseEvent("430102", 22));
  auto a3 = net_.author("430102", caseEvent("430102", 3));
  EXPECT_EQ(ingestOne(a3).outcome, IngestOutcome::kBuffered);
  IngestResult r = ingestOne(b2);
  EXPECT_EQ(r.outcome, IngestOutcome::kAppended);
  EXPECT_EQ(r.droppedOnRelease, 1u) << "seq 3 links to the other seq 2";
  EXPECT_EQ(headSeq("430102"), 2u);
  auto view = store_->beginRead();
  EXPECT_EQ(*(*view)->pendingCount(), 0u);
  view->reset();
  EXPECT_EQ(ingestOne(a2).outcome, IngestOutcome::kFork) << "the other branch is still evidence";
}

TEST_F(IngestTest, ReleasedRecordsThatFitAreNotCountedAsDropped) {
  auto r1 = net_.author("430102", caseEvent("430102", 1));
  auto r2 = net_.author("430102", caseEvent("430102", 2));
  ASSERT_EQ(ingestOne(r2).outcome, IngestOutcome::kBuffered);
  IngestResult r = ingestOne(r1);
  EXPECT_EQ(r.outcome, IngestOutcome::kAppended);
  EXPECT_EQ(r.droppedOnRelease, 0u);
  EXPECT_EQ(headSeq("430102"), 2u);
}

TEST_F(IngestTest, OutOfOrderBufferIsBounded) {
  IngestLimits limits;
  limits.maxPendingRecords = 2;
  limits.maxPendingAheadPerFeed = 3;
  std::vector<SignedRecord> feed;
  for (int i = 1; i <= 6; ++i) feed.push_back(net_.author("430102", caseEvent("430102", i)));
  net_.author("430103", caseEvent("430103", 1));
  SignedRecord other = net_.author("430103", caseEvent("430103", 2));
  auto run = [&](const SignedRecord& r) {
    std::vector<Bytes> raw{wireBytes(r)};
    auto b = ingestBatch(*store_, trust_, raw, limits);
    EXPECT_TRUE(b.ok());
    return b->results[0];
  };
  auto expectRejected = [](const IngestResult& r, std::string_view why) {
    EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(errorCodeName(r.error->code), errorCodeName(ErrorCode::kBufferFull));
    EXPECT_NE(r.error->message.find(why), std::string::npos) << r.error->message;
  };
  // Head 0: seq 4 is one past the 3 a feed may run ahead; seq 3 is exactly at the bound.
  expectRejected(run(feed[4]), "more than 3 ahead of the feed's head 0");
  expectRejected(run(feed[3]), "more than 3 ahead of the feed's head 0");
  EXPECT_EQ(run(feed[2]).outcome, IngestOutcome::kBuffered);
  EXPECT_EQ(run(feed[1]).outcome, IngestOutcome::kBuffered);
  // Two records wait: the buffer is full for every feed.
  expectRejected(run(other), "out-of-order buffer is full (2 records)");
  EXPECT_EQ(run(feed[0]).outcome, IngestOutcome::kAppended);
  EXPECT_EQ(headSeq("430102"), 3u) << "the waiting records were released in order";
  // The bound moves with the head, and the buffer has room again.
  EXPECT_EQ(run(feed[5]).outcome, IngestOutcome::kBuffered) << "seq 6 is 3 ahead of head 3";
  EXPECT_EQ(run(other).outcome, IngestOutcome::kBuffered);
  auto view = store_->beginRead();
  EXPECT_EQ(*(*view)->pendingCount(), 2u);
}

// Issue 13, item 6: one enrolled node could fill the province's store. An author's stored records
// and the ones it has waiting in the out-of-order buffer count against its quota; the node's own
// feed has none.
TEST_F(IngestTest,
       AnAuthorOverItsQuotaIsRefusedItsBufferedRecordsCountingAndTheNodeItselfIsExempt) {
  std::vector<SignedRecord> feed;
  for (int i = 1; i <= 4; ++i) feed.push_back(net_.author("430102", caseEvent("430102", i)));
  auto size = [&](int seq) { return wireBytes(feed[seq - 1]).size(); };
  IngestLimits limits;
  limits.maxBytesPerAuthor = size(1) + size(2) + size(4) + 10;  // not room for seq 3 as well
  auto run = [&](const SignedRecord& r, const IngestLimits& l) {
    std::vector<Bytes> raw{wireBytes(r)};
    auto b = ingestBatch(*store_, trust_, raw, l);
    EXPECT_TRUE(b.ok());
    return b->results[0];
  };
  EXPECT_EQ(run(feed[0], limits).outcome, IngestOutcome::kAppended);
  EXPECT_EQ(run(feed[1], limits).outcome, IngestOutcome::kAppended);
  EXPECT_EQ(run(feed[3], limits).outcome, IngestOutcome::kBuffered);
  IngestResult over = run(feed[2], limits);
  EXPECT_EQ(over.outcome, IngestOutcome::kRejected);
  ASSERT_TRUE(over.error);
  EXPECT_EQ(over.error->code, ErrorCode::kQuotaExceeded) << over.error->message;
  EXPECT_NE(over.error->message.find("author_quota_mb"), std::string::npos);
  EXPECT_EQ(headSeq("430102"), 2u);
  {
    auto view = store_->beginRead();
    EXPECT_EQ((*(*view)->head("430102"))->bytes, size(1) + size(2)) << "the feed's bytes";
  }
  // Another author has a quota of its own.
  EXPECT_EQ(run(net_.author("430103", caseEvent("430103", 1)), limits).outcome,
            IngestOutcome::kAppended);
  // This node's own feed has none.
  limits.exemptAuthors = {"430102"};
  EXPECT_EQ(run(feed[2], limits).outcome, IngestOutcome::kAppended);
  EXPECT_EQ(headSeq("430102"), 4u) << "seq 3 went in and released seq 4";
}

// A buffered record whose gap never fills does not stay forever: it expires after kMaxPendingAgeMs.
TEST_F(IngestTest, BufferedRecordsExpire) {
  net_.author("430102", caseEvent("430102", 1));  // never delivered
  auto r2 = net_.author("430102", caseEvent("430102", 2));
  auto r3 = net_.author("430102", caseEvent("430102", 3));
  IngestLimits limits;
  limits.nowMs = 1'000'000;
  ASSERT_TRUE(ingestBatch(*store_, trust_, std::vector<Bytes>{wireBytes(r2)}, limits).ok());
  limits.nowMs = 1'000'000 + kMaxPendingAgeMs;
  ASSERT_TRUE(ingestBatch(*store_, trust_, std::vector<Bytes>{wireBytes(r3)}, limits).ok());
  auto txn = store_->beginWrite();
  ASSERT_TRUE(txn.ok());
  auto young = expirePending(**txn, 1'000'000);
  ASSERT_TRUE(young.ok());
  EXPECT_EQ(*young, 0u) << "nothing older than the first arrival";
  auto old = expirePending(**txn, 1'000'000 + kMaxPendingAgeMs);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, 1u) << "seq 2 waited its maximum age; seq 3 has just arrived";
  EXPECT_EQ(*(*txn)->pendingCount(), 1u);
  EXPECT_FALSE((*txn)->peekPending("430102", 2)->has_value());
  ASSERT_TRUE((*txn)->commit().ok());
}

TEST_F(IngestTest, ForkIsDetectedAndBothRecordsAreKept) {
  Envelope env = net_.nextEnvelope("430102");
  auto a = net_.signAs("430102", env, caseEvent("430102", 1));
  auto b = net_.signAs("430102", env, caseEvent("430102", 99));  // same seq, other content
  ASSERT_EQ(ingestOne(a).outcome, IngestOutcome::kAppended);
  auto r = ingestOne(b);
  EXPECT_EQ(r.outcome, IngestOutcome::kFork);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ErrorCode::kForked);

  auto view = store_->beginRead();
  auto forks = (*view)->forks();
  ASSERT_TRUE(forks.ok());
  ASSERT_EQ(forks->size(), 1u);
  EXPECT_EQ((*forks)[0].author, "430102");
  EXPECT_EQ((*forks)[0].seq, 1u);
  EXPECT_EQ((*forks)[0].first, wireBytes(a));
  EXPECT_EQ((*forks)[0].second, wireBytes(b));
  EXPECT_EQ(headSeq("430102"), 1u);
  auto stored = (*view)->record("430102", 1);
  EXPECT_EQ(toBytes(**stored), wireBytes(a)) << "the feed keeps the first record";
}

TEST_F(IngestTest, ForkBetweenTwoWaitingRecordsIsDetected) {
  ASSERT_EQ(ingestOne(net_.author("430102", caseEvent("430102", 1))).outcome,
            IngestOutcome::kAppended);
  net_.author("430102", caseEvent("430102", 2));  // seq 2 never delivered
  Envelope env = net_.nextEnvelope("430102");
  auto a = net_.signAs("430102", env, caseEvent("430102", 3));
  auto b = net_.signAs("430102", env, caseEvent("430102", 33));
  EXPECT_EQ(ingestOne(a).outcome, IngestOutcome::kBuffered);
  EXPECT_EQ(ingestOne(b).outcome, IngestOutcome::kFork);
}

TEST_F(IngestTest, ForkWithAnInvalidSignatureIsRejectedNotEvidence) {
  Envelope env = net_.nextEnvelope("430102");
  auto a = net_.signAs("430102", env, caseEvent("430102", 1));
  ASSERT_EQ(ingestOne(a).outcome, IngestOutcome::kAppended);
  auto b = net_.signAs("430103", env, caseEvent("430102", 2));  // not 芙蓉区's signature
  IngestResult r = ingestOne(b);
  EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(errorCodeName(r.error->code), errorCodeName(ErrorCode::kBadSignature))
      << r.error->message;
  auto view = store_->beginRead();
  EXPECT_TRUE((*view)->forks()->empty()) << "an unsigned claim proves nothing about the author";
}

TEST_F(IngestTest, BrokenHashLinkIsRejected) {
  ASSERT_EQ(ingestOne(net_.author("430102", caseEvent("430102", 1))).outcome,
            IngestOutcome::kAppended);
  Envelope env = net_.nextEnvelope("430102");
  env.prevHash.assign(32, 0xee);
  auto r = ingestOne(net_.signAs("430102", env, caseEvent("430102", 2)));
  EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_EQ(r.error->code, ErrorCode::kBrokenLink);
  EXPECT_EQ(headSeq("430102"), 1u);
}

TEST_F(IngestTest, RecordOutsideItsCertificatesValidityIsRejected) {
  Envelope env = net_.nextEnvelope("430102");
  env.wallTimeMs = testing::kTestEpochMs + 50 * testing::kYearMs;
  auto r = ingestOne(net_.signAs("430102", env, caseEvent("430102", 1)));
  EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_EQ(r.error->code, ErrorCode::kExpiredCertificate);
}

TEST_F(IngestTest, RecordsAtTheFirstAndLastMillisecondOfTheCertificateAreAccepted) {
  Certificate c = *decodeCertificateBody(net_.node("430102").certificate.body);
  auto at = [&](int64_t wallTimeMs, uint64_t n) {
    Envelope env = net_.nextEnvelope("430102");
    env.wallTimeMs = wallTimeMs;
    return net_.signAs("430102", env, caseEvent("430102", n));
  };
  IngestResult early = ingestOne(at(c.notBeforeMs - 1, 1));
  EXPECT_EQ(early.outcome, IngestOutcome::kRejected);
  EXPECT_EQ(errorCodeName(early.error->code), errorCodeName(ErrorCode::kExpiredCertificate));
  SignedRecord first = at(c.notBeforeMs, 1);
  EXPECT_EQ(ingestOne(first).outcome, IngestOutcome::kAppended);
  net_.node("430102").seq = 1;
  net_.node("430102").lastId = blake2b256(first.body);
  net_.node("430102").lamport += 1;  // the clock must grow past the predecessor's (PROTOCOL §9)
  IngestResult late = ingestOne(at(c.notAfterMs + 1, 2));
  EXPECT_EQ(late.outcome, IngestOutcome::kRejected);
  EXPECT_EQ(errorCodeName(late.error->code), errorCodeName(ErrorCode::kExpiredCertificate));
  EXPECT_EQ(ingestOne(at(c.notAfterMs, 2)).outcome, IngestOutcome::kAppended);
}

TEST_F(IngestTest, CertificateRecordEnrolsANodeForTheRecordsAfterIt) {
  // A province that starts with only the anchor learns 长沙市 and 芙蓉区 from their certificates,
  // published as records, in the same batch as 芙蓉区's first record.
  auto bare = TrustStore::create(net_.anchor());
  ASSERT_TRUE(bare.ok());
  trust_ = std::move(*bare);
  auto certCity = net_.author("430000", net_.node("430100").certificate);
  auto certCounty = net_.author("430100", net_.node("430102").certificate);
  auto first = net_.author("430102", caseEvent("430102", 1));
  std::vector<Bytes> raw = {wireBytes(certCity), wireBytes(first), wireBytes(certCounty)};
  auto results = ingestRaw(raw);
  // 湖南省 is trusted (the anchor), so its record admits 长沙市; 芙蓉区's record comes before the
  // certificate that enrols it and is rejected, then accepted when sent again.
  EXPECT_EQ(results[0].outcome, IngestOutcome::kAppended);
  EXPECT_EQ(results[1].outcome, IngestOutcome::kRejected)
      << "芙蓉区 is not known before its certificate";
  EXPECT_EQ(results[2].outcome, IngestOutcome::kAppended);
  EXPECT_EQ(ingestOne(first).outcome, IngestOutcome::kAppended) << "known now";

  // The learned certificates are stored, so a restart knows them.
  auto view = store_->beginRead();
  EXPECT_EQ((*view)->certificates()->size(), 2u);
}

TEST_F(IngestTest, MalformedInputIsRejectedWithAnErrorAndStoresNothing) {
  SignedRecord unsigned_ = net_.author("430102", caseEvent("430102", 1));
  unsigned_.signature.resize(63);
  std::vector<std::pair<Bytes, std::pair<ErrorCode, std::string>>> bad = {
      {Bytes{}, {ErrorCode::kMalformed, "0 bytes, not a whole number of 8-byte words"}},
      {Bytes(7, 0), {ErrorCode::kMalformed, "whole number of 8-byte words"}},
      {Bytes(64, 0xff), {ErrorCode::kMalformed, "signed record"}},
      {Bytes(1 << 20, 0), {ErrorCode::kTooLarge, "signed record"}},
      {wireBytes(unsigned_), {ErrorCode::kMalformed, "signature"}},
  };
  std::vector<Bytes> raw;
  for (const auto& [bytes, why] : bad) raw.push_back(bytes);
  auto results = ingestRaw(raw);
  ASSERT_EQ(results.size(), bad.size());
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE("input " + std::to_string(i));
    EXPECT_EQ(results[i].outcome, IngestOutcome::kRejected);
    ASSERT_TRUE(results[i].error);
    EXPECT_EQ(errorCodeName(results[i].error->code), errorCodeName(bad[i].second.first))
        << results[i].error->message;
    EXPECT_NE(results[i].error->message.find(bad[i].second.second), std::string::npos)
        << results[i].error->message;
  }
  auto view = store_->beginRead();
  EXPECT_TRUE((*view)->heads()->empty());
}

}  // namespace
}  // namespace govbus
