// A province's records (the bench's mix on province 43) stored with signatures checked on a worker
// pool give the same store, byte for byte, as on one thread; and verifying or rebuilding such a
// store from its feeds gives back the digest it was built with, whatever order it was built in.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "node/lmdb_store.h"
#include "node/worker_pool.h"
#include "protocol/record_codec.h"
#include "sync/replay.h"
#include "sync/replica.h"
#include "testing/test_network.h"
#include "testnet/province_mix.h"
#include "testnet/topology.h"

namespace govbus::testnet {
namespace {

using testing::TempDir;

constexpr size_t kMixRecords = 2000;

struct Province {
  std::unique_ptr<ProvinceMix> mix;
  std::vector<Bytes> records;  // setup and mix, authoring order
};

Province makeProvince(uint64_t seed) {
  auto topology = provinceTopology(GOVBUS_TEST_DATA_DIR, "43");
  EXPECT_TRUE(topology.ok());
  Province p;
  p.mix = std::move(ProvinceMix::create(*topology, MixOptions{seed}).value());
  for (const SignedRecord& r : p.mix->setup()) p.records.push_back(encodeSignedRecord(r));
  std::vector<SignedRecord> more;
  p.mix->next(kMixRecords, more);
  for (const SignedRecord& r : more) p.records.push_back(encodeSignedRecord(r));
  return p;
}

// The records in a random interleaving of their feeds (each feed in order), cut into batches of
// random size; some copies have a broken signature, some are sent twice.
std::vector<std::vector<Bytes>> deliveryPlan(const Province& p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::map<std::string, std::vector<const Bytes*>> feeds;
  for (const Bytes& b : p.records)
    feeds[decodeEnvelope(decodeSignedRecord(b)->body)->author].push_back(&b);
  std::vector<std::string> authors;
  for (const auto& [a, f] : feeds) authors.push_back(a);
  std::map<std::string, size_t> next;
  std::vector<Bytes> order;
  for (size_t taken = 0; taken < p.records.size(); ++taken) {
    const std::string* pick = &authors[rng() % authors.size()];
    while (next[*pick] == feeds[*pick].size()) pick = &authors[rng() % authors.size()];
    const std::string& a = *pick;
    const Bytes& b = *feeds[a][next[a]++];
    if (rng() % 100 == 0) {
      SignedRecord forged = *decodeSignedRecord(b);
      forged.signature[7] ^= 0x40;
      order.push_back(encodeSignedRecord(forged));
    }
    order.push_back(b);
    if (rng() % 50 == 0) order.push_back(b);
  }
  std::vector<std::vector<Bytes>> batches;
  for (size_t i = 0; i < order.size();) {
    const size_t n = 1 + rng() % 600;
    batches.emplace_back(order.begin() + static_cast<ptrdiff_t>(i),
                         order.begin() + static_cast<ptrdiff_t>(std::min(order.size(), i + n)));
    i += batches.back().size();
  }
  return batches;
}

struct Stored {
  TempDir dir;
  std::unique_ptr<LmdbStore> store;
  std::unique_ptr<Replica> replica;
  std::vector<std::string> outcomes;  // per record delivered: outcome and error
};

std::unique_ptr<Stored> store(const Province& p, const std::vector<std::vector<Bytes>>& plan,
                              Parallel* parallel) {
  auto s = std::make_unique<Stored>();
  LmdbOptions options;
  options.durable = false;
  options.mapSizeBytes = uint64_t{2} << 30;
  s->store = std::move(LmdbStore::open(s->dir.path(), options).value());
  s->replica = std::move(
      Replica::open(*s->store, p.mix->anchor(), std::nullopt, IngestLimits{}, parallel).value());
  const std::vector<SignedCertificate> certificates = p.mix->certificates();
  for (const auto& batch : plan) {
    auto r = s->replica->ingest(batch, certificates);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r) continue;
    for (const IngestResult& i : r->results) {
      s->outcomes.push_back(std::string(ingestOutcomeName(i.outcome)) +
                            (i.error ? " " + i.error->message : ""));
    }
  }
  return s;
}

// Everything the store holds, readably: every feed record, the state table, trust, evidence.
std::map<std::string, Bytes> contents(FeedStore& store) {
  std::map<std::string, Bytes> out;
  auto view = std::move(store.beginRead().value());
  const auto heads = view->heads().value();
  for (const auto& [author, head] : heads) {
    for (uint64_t seq = 1; seq <= head.seq; ++seq) {
      const std::string at = "feed " + author + "#" + std::to_string(seq);
      out[at] = toBytes(**view->record(author, seq));
      const Hash256 id = **view->recordId(author, seq);
      out[at + " id"] = Bytes(id.begin(), id.end());
    }
    out["head " + author] = Bytes(head.id.begin(), head.id.end());
  }
  (void)view->stateScan({}, [&](ByteView k, ByteView v) {
    out["state " + toHex(k)] = toBytes(v);
    return true;
  });
  size_t i = 0;
  const auto certificates = view->certificates().value();
  for (const Bytes& c : certificates) out["cert " + std::to_string(i++)] = c;
  const auto revocations = view->revocations().value();
  for (const auto& [revoker, r] : revocations)
    out["revocation " + r.subject + " " + std::to_string(r.serial)] =
        toBytes(asBytes(revoker + " " + std::to_string(r.fromSeq)));
  out["pending"] = toBytes(asBytes(std::to_string(*view->pendingCount())));
  const auto forks = view->forks().value();
  for (const ForkEvidence& f : forks) out["fork " + f.author] = f.second;
  return out;
}

TEST(ProvinceStoreTest, SignatureChecksOnAWorkerPoolStoreTheSameBytesAsOnOneThread) {
  WorkerPool pool(4);  // more threads than this machine's cores, to mix up their timing
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Province p = makeProvince(seed);
    const auto plan = deliveryPlan(p, seed * 31);
    auto parallel = store(p, plan, &pool);
    auto serial = store(p, plan, nullptr);
    EXPECT_EQ(parallel->outcomes, serial->outcomes);
    const auto a = contents(*parallel->store);
    const auto b = contents(*serial->store);
    EXPECT_EQ(a.size(), b.size());
    for (const auto& [key, value] : a) {
      auto it = b.find(key);
      ASSERT_TRUE(it != b.end()) << key << " only in the parallel store";
      ASSERT_EQ(value, it->second) << key << " differs";
    }
    EXPECT_EQ(*parallel->replica->digest(), *serial->replica->digest());
    EXPECT_GT(std::count_if(parallel->outcomes.begin(), parallel->outcomes.end(),
                            [](const std::string& o) { return o.rfind("rejected", 0) == 0; }),
              0)
        << "the plan has forged copies, rejected alike";
  }
}

TEST(ProvinceStoreTest, VerifyAndRebuildFromTheFeedsGiveTheDigestTheStoreWasBuiltWith) {
  WorkerPool pool(2);
  for (uint64_t seed : {4, 5}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Province p = makeProvince(seed);
    auto inOrder = store(p, {p.records}, &pool);
    auto shuffled = store(p, deliveryPlan(p, seed), &pool);
    const Hash256 digest = *inOrder->replica->digest();
    EXPECT_EQ(*shuffled->replica->digest(), digest) << "another delivery order, the same state";

    // Verify: every record through the door and the engine again, into a scratch store.
    TempDir scratchDir;
    auto scratch = std::move(LmdbStore::open(scratchDir.path()).value());
    std::vector<std::string> problems;
    ReplayOptions options;
    options.parallel = &pool;
    options.recordsPerCommit = 1000;  // several transactions
    {
      auto view = std::move(shuffled->store->beginRead().value());
      auto verified = replayForVerify(*view, *scratch, p.mix->trustStore(), options,
                                      [&](const std::string& s) { problems.push_back(s); });
      ASSERT_TRUE(verified.ok()) << verified.error().message;
      EXPECT_EQ(verified->digest, digest);
      EXPECT_EQ(verified->records, p.records.size());
    }
    EXPECT_EQ(problems, std::vector<std::string>{});

    // Rebuild in place.
    auto rebuilt = shuffled->replica->rebuild(options);
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().message;
    EXPECT_EQ(rebuilt->digest, digest);
    EXPECT_EQ(*shuffled->replica->digest(), digest);
    EXPECT_EQ(contents(*shuffled->store), contents(*inOrder->store))
        << "the rebuilt state table is the incremental one, entry for entry";
  }
}

}  // namespace
}  // namespace govbus::testnet
