// Randomized mutation test of every decoder that meets outside bytes.
//
// Starts from valid encodings (signed records of every payload kind, certificates, sync messages),
// applies random mutations and feeds the result to every decoder. Two properties must hold:
//   1. No decoder crashes or throws, whatever the bytes (a thrown exception fails the test).
//   2. The signature catches every change to signed bytes: a record that passes checkRecord with
//      a valid signature has a body some author actually signed, and a certificate that verifies
//      under its issuer has a body the issuer actually signed.
//
// GOVBUS_MUTATION_CASES sets the number of cases (default 100,000); GOVBUS_SEED the seed (printed).
// Each case draws from its own generator seeded by (seed, case), so a failure names its case. The
// network's keys come from fixed seeds (TestKeys::kFixed), so a seed replays every byte exactly.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "crypto/certificate.h"
#include "protocol/certificate_codec.h"
#include "protocol/limits.h"
#include "protocol/record_codec.h"
#include "protocol/sync_codec.h"
#include "sync/ingest.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TestNetwork;

constexpr uint64_t kDefaultSeed = 0x60b05'2026;
constexpr uint64_t kDefaultCases = 100'000;

uint64_t envOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 0);
}

// SplitMix64: tiny, fast to seed per case, and good enough to drive mutations.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  bool oneIn(size_t n) { return below(n) == 0; }
  uint8_t byte() { return static_cast<uint8_t>(next()); }

 private:
  uint64_t state_;
};

// --- the valid inputs ---

struct Seeds {
  std::vector<Bytes> inputs;           // every valid encoding the mutations start from
  std::set<Bytes> signedRecordBodies;  // every record body an author signed
  std::set<Bytes> signedCertificateBodies;
};

Payload caseEvent(std::string caseId, CaseEventType type) {
  CaseEvent e;
  e.caseId = std::move(caseId);
  e.type = type;
  switch (type) {
    case CaseEventType::kMaterialsRequested:
    case CaseEventType::kMaterialsSupplied:
      e.materials = {"身份证复印件", "营业执照"};
      break;
    case CaseEventType::kStepCompleted:
      e.text = "现场核查";
      break;
    case CaseEventType::kSuspended:
      e.text = "等待补正";
      break;
    case CaseEventType::kApproved:
      e.text = "JY43010220260001";
      break;
    case CaseEventType::kDenied:
      e.reason = "材料不全";
      e.legalBasis = "《行政许可法》第三十二条";
      break;
    case CaseEventType::kWithdrawn:
      e.text = "申请人撤回";
      break;
    case CaseEventType::kTransferred:
      e.text = "430103";
      break;
    default:
      break;
  }
  return e;
}

Seeds buildSeeds(TestNetwork& net) {
  std::vector<SignedRecord> records;
  CatalogItem item{CatalogOp::kInsert, "XK-SCJG-001", "食品经营许可", 3, 20, 10, true, {}};
  item.materials = {"申请书", "营业执照", "健康证明"};
  records.push_back(net.author("430000", item));
  records.push_back(net.author(
      "430000",
      CatalogItem{CatalogOp::kUpdate, "XK-SCJG-001", "食品经营许可(新)", 3, 20, 5, false, {}}));
  records.push_back(net.author("430100", net.node("430100").certificate, {{"430000", 2}}));
  records.push_back(net.author("430100", net.node("430102").certificate, {{"430000", 2}}));
  records.push_back(net.author(
      "430100",
      Delegation{"XK-SCJG-001", "430102", DelegationScope::kSubtree, DelegationMode::kDevolve, true,
                 testing::kTestEpochMs, 0, std::nullopt}));
  records.push_back(
      net.author("430102",
                 Delegation{"XK-SCJG-001", "430102", DelegationScope::kNode,
                            DelegationMode::kEntrust, false, testing::kTestEpochMs,
                            testing::kTestEpochMs + testing::kYearMs, RecordRef{"430100", 3}},
                 {{"430000", 2}, {"430100", 3}}));
  records.push_back(
      net.author("430100", DelegationRevocation{RecordRef{"430100", 3}, true, "调整授权"}));
  records.push_back(net.author("430102", testing::sampleCaseEvent("430102", 1)));
  records.push_back(net.author("430102", testing::sampleCaseEvent("430102", 2, 1500)));
  for (int type = static_cast<int>(CaseEventType::kAccepted);
       type <= static_cast<int>(CaseEventType::kTransferred); ++type) {
    records.push_back(
        net.author("430102", caseEvent("430102-1", static_cast<CaseEventType>(type))));
  }
  records.push_back(net.author(
      "430100",
      SupervisionOrder{"430102-1", OrderKind::kUrge, RecordRef{"430102", 5}, "", "请加快办理"}));
  records.push_back(net.author("430100", SupervisionOrder{"430102-2", OrderKind::kTransfer,
                                                          std::nullopt, "430103", "转天心区办理"}));
  records.push_back(net.author("430102", Complaint{"TS-0001", "430102-1", "430102", "办理超时"}));
  records.push_back(
      net.author("430102", ComplaintUpdate{"TS-0001", ComplaintStatus::kHandling, "已受理"}));
  records.push_back(net.author("430100", KeyRevocation{"430103", 1, 7, "密钥泄露"}));

  // Two different records signed by 430211 at one sequence, and a report carrying both.
  Envelope forked = net.nextEnvelope("430211");
  SignedRecord first = net.signAs("430211", forked, testing::sampleCaseEvent("430211", 1));
  SignedRecord second = net.signAs("430211", forked, testing::sampleCaseEvent("430211", 2));
  records.push_back(net.author("430200", ForkReport{"430211", forked.seq, first, second}));

  Seeds seeds;
  for (const SignedRecord& r : {first, second}) seeds.signedRecordBodies.insert(r.body);
  for (const SignedRecord& r : records) {
    seeds.signedRecordBodies.insert(r.body);
    seeds.inputs.push_back(testing::wireBytes(r));
    seeds.inputs.push_back(r.body);
  }

  std::vector<SignedCertificate> certificates = {net.anchor()};
  for (const char* code : {"430100", "430200", "430102", "430103", "430211"}) {
    certificates.push_back(net.node(code).certificate);
  }
  for (const SignedCertificate& c : certificates) {
    seeds.signedCertificateBodies.insert(c.body);
    seeds.inputs.push_back(encodeSignedCertificate(c));
    seeds.inputs.push_back(c.body);
  }

  Hello hello{kSyncProtocolVersion,
              "430102",
              net.chainOf("430102"),
              {{"430000", 2}, {"430100", 7}, {"430102", 20}}};
  seeds.inputs.push_back(encodeSyncMessage(hello));
  seeds.inputs.push_back(
      encodeSyncMessage(RecordsBatch{net.chainOf("430102"), {records[3], records[5], records[7]}}));
  seeds.inputs.push_back(encodeSyncMessage(RecordsBatch{{}, {records[0], records.back()}}));
  seeds.inputs.push_back(encodeSyncMessage(Ack{{{"430100", 7}, {"430102", 21}}}));
  seeds.inputs.push_back(encodeSyncMessage(Ping{0x0123456789abcdefull, testing::kTestEpochMs}));
  return seeds;
}

// --- mutations ---

enum class Mutation {
  kFlipBit,
  kOverwriteByte,
  kOverwriteRun,
  kTruncate,
  kInsert,
  kDelete,
  kDuplicate,
  kSegmentTableWord,
  kPointerWord,
  kInterestingInt,
  kSplice,
  kGarbage,
  kOversize,
  kCount,
};

const char* mutationName(Mutation m) {
  static constexpr const char* kNames[] = {
      "flip-bit",  "overwrite-byte",     "overwrite-run", "truncate",        "insert", "delete",
      "duplicate", "segment-table-word", "pointer-word",  "interesting-int", "splice", "garbage",
      "oversize"};
  static_assert(std::size(kNames) == static_cast<size_t>(Mutation::kCount));
  return kNames[static_cast<size_t>(m)];
}

constexpr uint32_t kInterestingU32[] = {0,          1,          2,          7,          8,
                                        0x1ff,      0x200,      0xffff,     0x10000,    0x1fffffff,
                                        0x20000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};

void putU32(Bytes& b, size_t at, uint32_t v) {
  if (at + 4 <= b.size()) std::memcpy(b.data() + at, &v, 4);
}

// A pointer-shaped word: struct, list, far or capability, with offsets near and far.
uint64_t craftedPointer(Rng& rng) {
  int32_t offset = rng.oneIn(4) ? static_cast<int32_t>(rng.next()) >> 2
                                : static_cast<int32_t>(rng.below(129)) - 64;
  uint64_t low = (static_cast<uint64_t>(static_cast<uint32_t>(offset) << 2)) | rng.below(4);
  uint64_t high;
  switch (rng.below(3)) {
    case 0:
      high = rng.next() & 0xffffffffull;
      break;
    case 1:
      high = rng.below(8) |
             (static_cast<uint64_t>(kInterestingU32[rng.below(std::size(kInterestingU32))]) << 3);
      break;
    default:
      high = rng.below(4) | (rng.below(4) << 16);
      break;  // small struct sizes
  }
  return low | (high << 32);
}

void mutate(Mutation m, Bytes& b, const Seeds& seeds, Rng& rng) {
  switch (m) {
    case Mutation::kFlipBit:
      if (!b.empty()) b[rng.below(b.size())] ^= static_cast<uint8_t>(1u << rng.below(8));
      break;
    case Mutation::kOverwriteByte:
      if (!b.empty()) b[rng.below(b.size())] = rng.byte();
      break;
    case Mutation::kOverwriteRun:
      if (!b.empty()) {
        size_t at = rng.below(b.size());
        size_t n = std::min(b.size() - at, 1 + rng.below(16));
        for (size_t i = 0; i < n; ++i)
          b[at + i] = rng.oneIn(2) ? rng.byte() : (rng.oneIn(2) ? 0 : 0xff);
      }
      break;
    case Mutation::kTruncate: {
      // Every length class: nothing, under one word, whole words, one byte or one word short.
      size_t n = b.size();
      switch (rng.below(6)) {
        case 0:
          n = 0;
          break;
        case 1:
          n = rng.below(8);
          break;
        case 2:
          n = n >= 8 ? 8 * rng.below(n / 8) : 0;
          break;
        case 3:
          n = n > 0 ? n - 1 : 0;
          break;
        case 4:
          n = n >= 8 ? n - 8 : 0;
          break;
        default:
          n = n > 0 ? rng.below(n) : 0;
          break;
      }
      b.resize(n);
      break;
    }
    case Mutation::kInsert: {
      size_t at = rng.below(b.size() + 1);
      // Whole words keep the framing plausible and shift every later pointer target.
      size_t n = rng.oneIn(2) ? 8 * (1 + rng.below(4)) : 1 + rng.below(16);
      if (rng.oneIn(2)) at -= at % 8;
      Bytes extra(n);
      for (auto& x : extra) x = rng.oneIn(2) ? 0 : rng.byte();
      b.insert(b.begin() + static_cast<ptrdiff_t>(at), extra.begin(), extra.end());
      break;
    }
    case Mutation::kDelete:
      if (!b.empty()) {
        size_t at = rng.below(b.size());
        size_t n = rng.oneIn(2) ? 8 * (1 + rng.below(4)) : 1 + rng.below(16);
        if (rng.oneIn(2)) at -= at % 8;
        n = std::min(n, b.size() - at);
        b.erase(b.begin() + static_cast<ptrdiff_t>(at), b.begin() + static_cast<ptrdiff_t>(at + n));
      }
      break;
    case Mutation::kDuplicate:
      if (!b.empty()) {
        size_t from = rng.below(b.size());
        size_t n = std::min(b.size() - from, 1 + rng.below(256));
        size_t to = rng.below(b.size() + 1);
        if (rng.oneIn(2)) {
          from -= from % 8;
          to -= to % 8;
          n = std::min(b.size() - from, (n + 7) / 8 * 8);
        }
        Bytes segment(b.begin() + static_cast<ptrdiff_t>(from),
                      b.begin() + static_cast<ptrdiff_t>(from + n));
        if (rng.oneIn(2)) {
          b.insert(b.begin() + static_cast<ptrdiff_t>(to), segment.begin(), segment.end());
        } else {
          std::copy(segment.begin(),
                    segment.begin() + static_cast<ptrdiff_t>(std::min(n, b.size() - to)),
                    b.begin() + static_cast<ptrdiff_t>(to));
        }
      }
      break;
    case Mutation::kSegmentTableWord: {
      // Segment count - 1 at byte 0, first segment size at byte 4, further sizes after.
      size_t at = rng.oneIn(4) ? 4 * rng.below(4) : 4 * rng.below(2);
      uint32_t v = rng.oneIn(3) ? static_cast<uint32_t>(rng.next())
                                : kInterestingU32[rng.below(std::size(kInterestingU32))];
      if (rng.oneIn(4) && b.size() >= 8)
        v = static_cast<uint32_t>(b.size() / 8 - 1 + rng.below(3)) - 1;
      putU32(b, at, v);
      break;
    }
    case Mutation::kPointerWord:
      if (b.size() >= 16) {
        size_t word = 1 + rng.below(b.size() / 8 - 1);
        uint64_t v;
        if (rng.oneIn(3)) {
          size_t other = rng.below(b.size() / 8);  // alias another word of the message
          std::memcpy(&v, b.data() + 8 * other, 8);
        } else {
          v = craftedPointer(rng);
        }
        std::memcpy(b.data() + 8 * word, &v, 8);
      }
      break;
    case Mutation::kInterestingInt:
      if (b.size() >= 4) {
        size_t at = rng.below(b.size() - 3);
        if (rng.oneIn(2)) at -= at % 4;
        putU32(b, at, kInterestingU32[rng.below(std::size(kInterestingU32))]);
      }
      break;
    case Mutation::kSplice: {
      const Bytes& other = seeds.inputs[rng.below(seeds.inputs.size())];
      size_t keep = rng.below(b.size() + 1);
      size_t from = rng.below(other.size() + 1);
      if (rng.oneIn(2)) {
        keep -= keep % 8;
        from -= from % 8;
      }
      b.resize(keep);
      b.insert(b.end(), other.begin() + static_cast<ptrdiff_t>(from), other.end());
      break;
    }
    case Mutation::kGarbage: {
      size_t words = rng.below(512);
      b.assign(8 * words + (rng.oneIn(8) ? rng.below(8) : 0), 0);
      for (auto& x : b) x = rng.oneIn(3) ? 0 : rng.byte();
      if (words > 0 && rng.oneIn(2)) {  // a plausible one-segment header, so Cap'n Proto reads on
        putU32(b, 0, 0);
        putU32(b, 4, static_cast<uint32_t>(words - 1));
      }
      break;
    }
    case Mutation::kOversize: {
      // Just over each decoder's limit; the whole-frame limit rarely, as it costs 16 MiB.
      size_t limits[] = {kMaxCertificateBytes, kMaxCertificateBytes + 256, kMaxRecordBodyBytes,
                         kMaxSignedRecordBytes, kMaxSyncMessageBytes};
      size_t which = rng.oneIn(200) ? std::size(limits) - 1 : rng.below(std::size(limits) - 1);
      size_t target = limits[which] + 8 * (1 + rng.below(2));
      if (b.size() < target) b.resize(target, rng.oneIn(2) ? 0 : rng.byte());
      break;
    }
    case Mutation::kCount:
      break;
  }
}

// Small in-place changes are weighted up: they keep most inputs decodable, so that the signature
// check is reached often; destructive mutations still run in every few hundred cases.
Mutation pickMutation(Rng& rng) {
  static constexpr int kWeights[] = {6, 4, 2, 1, 1, 1, 1, 1, 2, 3, 1, 1, 1};
  static_assert(std::size(kWeights) == static_cast<size_t>(Mutation::kCount));
  static constexpr int kTotal = [] {
    int t = 0;
    for (int w : kWeights) t += w;
    return t;
  }();
  int pick = static_cast<int>(rng.below(kTotal));
  for (size_t m = 0; m < std::size(kWeights); ++m) {
    if (pick < kWeights[m]) return static_cast<Mutation>(m);
    pick -= kWeights[m];
  }
  return Mutation::kFlipBit;
}

// --- the decoders, and the property each must keep ---

struct Stats {
  uint64_t signedRecordsDecoded = 0;
  uint64_t recordChecks = 0;
  uint64_t changedBodiesChecked = 0;  // decodable records whose body no author signed
  uint64_t bodiesDecoded = 0;
  uint64_t certificatesDecoded = 0;
  uint64_t certificateChecks = 0;
  uint64_t syncDecoded = 0;
};

class Harness {
 public:
  Harness(const Seeds& seeds, const TrustStore& trust) : seeds_(seeds), trust_(trust) {}

  // Runs every decoder on `input`; returns a description of the first violated property, or "".
  std::string run(ByteView input, Stats& stats) {
    std::string violation;
    if (auto sr = decodeSignedRecord(input)) {
      ++stats.signedRecordsDecoded;
      if (decodeRecordBody(sr->body).ok()) {
        auto checked = checkRecord(input, trust_);
        violation = judgeRecord(checked, stats);
        if (!violation.empty()) return violation;
      }
      (void)decodeEnvelope(sr->body);
    }
    if (decodeRecordBody(input).ok()) ++stats.bodiesDecoded;
    (void)decodeEnvelope(input);
    if (auto sc = decodeSignedCertificate(input)) {
      violation = judgeCertificate(*sc, stats);
      if (!violation.empty()) return violation;
    }
    if (decodeCertificateBody(input).ok()) ++stats.certificatesDecoded;
    if (auto message = decodeSyncMessage(input)) {
      ++stats.syncDecoded;
      if (auto* batch = std::get_if<RecordsBatch>(&*message)) {
        for (const SignedRecord& r : batch->records) {
          if (!decodeRecordBody(r.body).ok()) continue;
          auto checked = checkRecord(r, trust_);
          violation = judgeRecord(checked, stats);
          if (!violation.empty()) return "in a batch: " + violation;
        }
        for (const SignedCertificate& c : batch->certificates) {
          violation = judgeCertificate(c, stats);
          if (!violation.empty()) return "in a batch: " + violation;
        }
      } else if (auto* hello = std::get_if<Hello>(&*message)) {
        for (const SignedCertificate& c : hello->chain) {
          violation = judgeCertificate(c, stats);
          if (!violation.empty()) return "in a hello: " + violation;
        }
      }
    }
    return violation;
  }

 private:
  std::string judgeRecord(const Result<CheckedRecord>& checked, Stats& stats) {
    ++stats.recordChecks;
    if (!checked.ok()) return "";
    bool signedBody = seeds_.signedRecordBodies.count(checked->signedRecord.body) > 0;
    if (!signedBody) ++stats.changedBodiesChecked;
    if (checked->signature.ok() && !signedBody) {
      return "checkRecord accepted a signature over a body no author signed (" +
             std::to_string(checked->signedRecord.body.size()) + " bytes, author " +
             checked->record.envelope.author + ")";
    }
    return "";
  }

  std::string judgeCertificate(const SignedCertificate& sc, Stats& stats) {
    auto body = decodeCertificateBody(sc.body);
    if (!body) return "";
    const SignedCertificate* issuer = trust_.find(body->issuer, body->issuerSerial);
    if (issuer == nullptr) return "";
    ++stats.certificateChecks;
    bool verified = body->issuer == body->subject ? verifyAnchor(sc).ok() : [&] {
      auto issuerBody = decodeCertificateBody(issuer->body);
      return issuerBody.ok() && verifyIssuedBy(sc, *issuerBody).ok();
    }();
    if (verified && seeds_.signedCertificateBodies.count(sc.body) == 0) {
      return "a certificate verified with a body its issuer never signed (subject " +
             body->subject + ")";
    }
    return "";
  }

  const Seeds& seeds_;
  const TrustStore& trust_;
};

TEST(Mutation, EverySeedIsValidBeforeMutation) {
  TestNetwork net;
  Seeds seeds = buildSeeds(net);
  TrustStore trust = net.trustStore();
  size_t records = 0, bodies = 0, certificates = 0, certificateBodies = 0, sync = 0;
  for (const Bytes& input : seeds.inputs) {
    if (auto sr = decodeSignedRecord(input); sr && decodeRecordBody(sr->body)) {
      auto checked = checkRecord(input, trust);
      ASSERT_TRUE(checked.ok()) << checked.error().message;
      EXPECT_TRUE(checked->signature.ok()) << checked->signature.error().message;
      ++records;
    } else if (decodeRecordBody(input)) {
      ++bodies;
    } else if (decodeSignedCertificate(input)) {
      ++certificates;
    } else if (decodeCertificateBody(input)) {
      ++certificateBodies;
    } else {
      auto m = decodeSyncMessage(input);
      ASSERT_TRUE(m.ok()) << m.error().message;
      ++sync;
    }
  }
  // 2 catalog items, 2 certificates, 2 delegations, 1 delegation revocation, 13 case events,
  // 2 supervision orders, 1 complaint, 1 complaint update, 1 key revocation, 1 fork report.
  EXPECT_EQ(records, 26u);
  EXPECT_EQ(bodies, 26u);
  EXPECT_EQ(certificates, 6u);
  EXPECT_EQ(certificateBodies, 6u);
  EXPECT_EQ(sync, 5u);
}

TEST(Mutation, MutatedInputsNeverCrashAndNeverPassTheSignature) {
  const uint64_t seed = envOr("GOVBUS_SEED", kDefaultSeed);
  const uint64_t cases = envOr("GOVBUS_MUTATION_CASES", kDefaultCases);
  std::cout << "[ mutation ] GOVBUS_SEED=" << seed << " GOVBUS_MUTATION_CASES=" << cases
            << std::endl;
  SCOPED_TRACE("reproduce with GOVBUS_SEED=" + std::to_string(seed) +
               " GOVBUS_MUTATION_CASES=" + std::to_string(cases));

  TestNetwork net(testing::TestKeys::kFixed);
  const Seeds seeds = buildSeeds(net);
  const TrustStore trust = net.trustStore();
  Harness harness(seeds, trust);
  Stats stats;
  std::vector<uint64_t> perMutation(static_cast<size_t>(Mutation::kCount));
  int failures = 0;
  auto started = std::chrono::steady_clock::now();

  for (uint64_t c = 0; c < cases && failures < 10; ++c) {
    Rng rng(seed ^ (c * 0xd1342543de82ef95ull));
    size_t from = rng.below(seeds.inputs.size());
    Bytes input = seeds.inputs[from];
    Mutation applied[4];
    size_t count = rng.oneIn(2) ? 1 : 2 + rng.below(std::size(applied) - 1);
    for (size_t i = 0; i < count; ++i) {
      applied[i] = pickMutation(rng);
      ++perMutation[static_cast<size_t>(applied[i])];
      mutate(applied[i], input, seeds, rng);
    }
    // Unaligned views take capnp_io's copying path.
    Bytes shifted;
    ByteView view(input);
    if (rng.oneIn(8)) {
      size_t shift = 1 + rng.below(7);
      shifted.assign(shift, 0);
      shifted.insert(shifted.end(), input.begin(), input.end());
      view = ByteView(shifted).subspan(shift);
    }

    std::string violation;
    try {
      violation = harness.run(view, stats);
    } catch (const std::exception& e) {
      violation = std::string("threw std::exception: ") + e.what();
    } catch (...) {
      violation = "threw a non-standard exception";
    }
    if (!violation.empty()) {
      std::string how;
      for (size_t i = 0; i < count; ++i)
        how += std::string(i ? "," : "") + mutationName(applied[i]);
      ADD_FAILURE() << "case " << c << " (seed input " << from << ", mutations " << how << ", "
                    << input.size() << " bytes): " << violation;
      ++failures;
    }
  }

  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ mutation ] " << cases << " cases in " << seconds
            << " s: " << stats.signedRecordsDecoded << " signed records decoded, "
            << stats.recordChecks << " record signature checks (" << stats.changedBodiesChecked
            << " over changed bodies, all rejected), " << stats.bodiesDecoded
            << " record bodies decoded, " << stats.certificatesDecoded
            << " certificate bodies decoded, " << stats.certificateChecks
            << " certificate signature checks, " << stats.syncDecoded << " sync messages decoded"
            << std::endl;
  for (size_t m = 0; m < perMutation.size(); ++m) {
    EXPECT_GT(perMutation[m], 0u) << mutationName(static_cast<Mutation>(m)) << " never ran";
  }
  // The test is only meaningful if mutated inputs get past the decoders to the signature checks.
  if (cases >= 10'000) {
    EXPECT_GT(stats.recordChecks, cases / 20);
    EXPECT_GT(stats.changedBodiesChecked, cases / 100);
    EXPECT_GT(stats.certificateChecks, cases / 200);
    EXPECT_GT(stats.syncDecoded, cases / 200);
  }
}

}  // namespace
}  // namespace govbus
