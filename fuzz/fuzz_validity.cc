// libFuzzer target, structure-aware: the validity layer (sync/) fed well-formed, correctly signed
// records that the input describes.
//
// The input is read as a program. Each step picks an author among the fixture's province, city
// and county, a payload of any kind the rules judge (catalog items, delegations and their
// revocations, case events of every type, supervision orders, complaints and updates) with fields
// from small vocabularies so that records meet (the same items, cases and delegations), a frontier
// that may be stale, and a Lamport step; the record is signed and linked into its author's feed.
// Mutation happens before signing, so the fuzzer explores the rules rather than the signature
// check. The records then reach two replicas of the province in two orders (feed after feed, and
// interleaved from the last feed backwards), in batches whose sizes the input picks.
//
// Oracles beyond "no crash": both replicas store every record and end with the same state digest
// (order independence); and a replica with the province's own identity, given the city's and
// county's records as they come and the province's payloads to author, never commits a record of
// its own that it judges void (DESIGN §4: a node refuses to author a void record).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_fixture.h"
#include "sync/memory_store.h"
#include "sync/replica.h"
#include "sync/state_engine.h"

namespace {

using namespace govbus;
using fuzz::FeedWriter;
using fuzz::FuzzNetwork;

const std::vector<std::string> kCodes = {"430000", "430100", "430102", "430103"};
const std::vector<std::string> kItems = {"XK-A", "XK-B", "XK-C"};
const std::vector<std::string> kCases = {"430102-1", "430102-2", "430100-1", "430000-1"};

class Program {
 public:
  explicit Program(FuzzedDataProvider& in) : in_(in) {}

  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[in_.ConsumeIntegralInRange<size_t>(0, v.size() - 1)];
  }
  bool flip() { return in_.ConsumeBool(); }
  int64_t day(int lo, int hi) {
    return fuzz::kFixtureEpochMs + in_.ConsumeIntegralInRange<int64_t>(lo, hi) * 86'400'000;
  }
  std::optional<RecordRef> someRef(const std::vector<RecordRef>& made) {
    if (made.empty() || flip()) return std::nullopt;
    return pick(made);
  }

  Payload payload(const std::string& author, const std::vector<RecordRef>& made) {
    switch (in_.ConsumeIntegralInRange<int>(0, 6)) {
      case 0: {
        CatalogItem c;
        c.op = flip() ? CatalogOp::kInsert : CatalogOp::kUpdate;
        c.code = pick(kItems);
        c.name = "事项 " + c.code;
        c.statutoryDepth = in_.ConsumeIntegralInRange<uint8_t>(0, 4);
        c.legalDays = in_.ConsumeIntegralInRange<uint16_t>(0, 40);
        c.promisedDays = in_.ConsumeIntegralInRange<uint16_t>(0, c.legalDays);
        c.delegable = flip();
        c.materials = {"申请书"};
        c.limitUnit = flip() ? LimitUnit::kWorkingDays : LimitUnit::kCalendarDays;
        return c;
      }
      case 1: {
        Delegation d;
        d.item = pick(kItems);
        d.grantee = pick(kCodes);
        d.scope = flip() ? DelegationScope::kNode : DelegationScope::kSubtree;
        d.mode = flip() ? DelegationMode::kEntrust : DelegationMode::kDevolve;
        d.mayRedelegate = flip();
        d.validFromMs = day(-30, 30);
        d.validUntilMs = flip() ? 0 : day(-10, 60);
        d.parent = someRef(made);
        return d;
      }
      case 2: {
        DelegationRevocation r;
        r.delegation = made.empty() ? RecordRef{author, 1} : pick(made);
        r.transferPending = flip();
        r.reason = "调整";
        return r;
      }
      case 3: {
        CaseEvent e;
        e.caseId = pick(kCases);
        e.type = static_cast<CaseEventType>(in_.ConsumeIntegralInRange<int>(0, 11));
        if (e.type == CaseEventType::kReceived) {
          e.received.item = pick(kItems);
          e.received.handler = pick(kCodes);
          e.received.region = pick(kCodes);
          e.received.applicantHash = Bytes(32, in_.ConsumeIntegral<uint8_t>());
          e.received.authority = someRef(made);
          e.received.firstResponsible = "窗口 1 号";
        }
        if (e.type == CaseEventType::kMaterialsRequested ||
            e.type == CaseEventType::kMaterialsSupplied)
          e.materials = {"补正材料"};
        if (e.type == CaseEventType::kTransferred) e.text = pick(kCodes);
        if (e.type == CaseEventType::kDenied) {
          e.reason = "不符合条件";
          e.legalBasis = "第八条";
        }
        if (e.type == CaseEventType::kApproved) e.text = "JY0001";
        return e;
      }
      case 4: {
        SupervisionOrder o;
        o.caseId = pick(kCases);
        o.kind = static_cast<OrderKind>(in_.ConsumeIntegralInRange<int>(0, 3));
        o.lastSeen = someRef(made);
        if (o.kind == OrderKind::kTransfer) o.transferTo = pick(kCodes);
        o.note = "督办";
        return o;
      }
      case 5:
        return Complaint{"TS-" + std::to_string(in_.ConsumeIntegralInRange<int>(1, 3)),
                         flip() ? pick(kCases) : "", pick(kCodes), "投诉"};
      default:
        return ComplaintUpdate{"TS-" + std::to_string(in_.ConsumeIntegralInRange<int>(0, 3)),
                               static_cast<ComplaintStatus>(in_.ConsumeIntegralInRange<int>(0, 2)),
                               "处理"};
    }
  }

  // What the author has seen of the other feeds: everything, or less.
  Frontier frontier(const std::string& author, const std::map<std::string, FeedWriter>& feeds) {
    Frontier f;
    for (const auto& [code, feed] : feeds) {
      if (code == author || feed.seq() == 0) continue;
      const uint64_t seen =
          flip() ? feed.seq() : in_.ConsumeIntegralInRange<uint64_t>(0, feed.seq());
      if (seen > 0) f.push_back(FrontierEntry{code, seen});
    }
    return f;
  }

  size_t batch() { return in_.ConsumeIntegralInRange<size_t>(1, 8); }

 private:
  FuzzedDataProvider& in_;
};

std::unique_ptr<Replica> openProvince(MemoryStore& store, std::optional<Identity> identity) {
  auto r = Replica::open(store, FuzzNetwork::instance().certificates()[0], std::move(identity));
  if (!r) std::abort();
  return std::move(*r);
}

Hash256 digestOf(MemoryStore& store) {
  auto view = store.beginRead();
  if (!view) std::abort();
  auto d = StateEngine::digest(**view);
  if (!d) std::abort();
  return *d;
}

void deliver(Replica& replica, const std::vector<SignedRecord>& records, Program& program) {
  const auto& certificates = FuzzNetwork::instance().certificates();
  for (size_t at = 0; at < records.size();) {
    const size_t n = std::min(program.batch(), records.size() - at);
    std::vector<SignedRecord> batch(records.begin() + static_cast<std::ptrdiff_t>(at),
                                    records.begin() + static_cast<std::ptrdiff_t>(at + n));
    auto r = replica.ingest(std::move(batch), certificates);
    if (!r) std::abort();  // signed, linked and well-formed: storing may not fail
    at += n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const FuzzNetwork& net = FuzzNetwork::instance();
  FuzzedDataProvider in(data, size);
  Program program(in);

  std::map<std::string, FeedWriter> feeds;
  for (const char* code : {"430000", "430100", "430102"})
    feeds.emplace(code, FeedWriter(code, net.key(code)));
  std::map<std::string, std::vector<SignedRecord>> byFeed;
  std::vector<RecordRef> made;

  // The province as a node: authors its own payloads, ingests the others' as they come.
  MemoryStore ownStore;
  const SigningKey& provinceKey = net.key("430000");
  auto own = openProvince(ownStore, Identity{"430000", 1, &provinceKey, {}});
  const int steps = in.ConsumeIntegralInRange<int>(1, 48);
  for (int i = 0; i < steps && in.remaining_bytes() > 0; ++i) {
    const std::string author = program.pick(std::vector<std::string>{"430000", "430100", "430102"});
    Payload p = program.payload(author, made);
    FeedWriter& feed = feeds.at(author);
    Frontier frontier = program.frontier(author, feeds);
    const uint64_t step = in.ConsumeIntegralInRange<uint64_t>(1, 1000);
    if (author == "430000") {
      auto ref = own->author(p, fuzz::kFixtureEpochMs + (i + 1) * 1000);
      if (ref) {
        auto view = ownStore.beginRead();
        if (!view) std::abort();
        auto verdict = StateEngine::verdict(**view, *ref);
        if (!verdict || *verdict != VoidReason::kNone) std::abort();
      }
    }
    byFeed[author].push_back(feed.next(std::move(p), std::move(frontier), step));
    made.push_back(RecordRef{author, feed.seq()});
    if (author != "430000") {
      auto r = own->ingest(std::vector<SignedRecord>{byFeed[author].back()}, net.certificates());
      if (!r) std::abort();
    }
  }

  std::vector<SignedRecord> forward, backward;
  for (const auto& [code, records] : byFeed)
    forward.insert(forward.end(), records.begin(), records.end());
  // Interleaved from the last feed backwards: one record of each feed in turn.
  std::vector<const std::vector<SignedRecord>*> lists;
  for (auto it = byFeed.rbegin(); it != byFeed.rend(); ++it) lists.push_back(&it->second);
  for (size_t k = 0; backward.size() < forward.size(); ++k)
    for (const auto* list : lists)
      if (k < list->size()) backward.push_back((*list)[k]);

  MemoryStore a, b;
  auto first = openProvince(a, std::nullopt);
  auto second = openProvince(b, std::nullopt);
  deliver(*first, forward, program);
  deliver(*second, backward, program);
  if (digestOf(a) != digestOf(b)) std::abort();
  return 0;
}
