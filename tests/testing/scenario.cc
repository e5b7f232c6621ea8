#include "testing/scenario.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/hash.h"
#include "protocol/record_codec.h"
#include "testing/vectors.h"

namespace govbus::testing {

Scenario::Scenario(TestKeys keys) : net_(keys) {
  net_.enroll("430181", "430000");
  LmdbOptions options;
  options.durable = false;  // a test store; durability has its own tests
  options.mapSizeBytes = uint64_t{1} << 30;
  auto store = LmdbStore::open(dir_.path(), options);
  if (!store) std::abort();
  store_ = std::move(*store);
  auto replica = Replica::open(*store_, net_.anchor());
  if (!replica) std::abort();
  replica_ = std::move(*replica);
  // Enrolment: each issuer publishes the certificates it signed.
  put("430000", net_.anchor());
  for (const char* c : {"430100", "430200", "430181"}) put("430000", net_.node(c).certificate);
  for (const char* c : {"430102", "430103"}) put("430100", net_.node(c).certificate);
  put("430200", net_.node("430211").certificate);
  put("430000", item("XK-COUNTY", 3, 20, 10));
  put("430000", item("XK-CITY", 2, 20, 12));
  put("430000", item("XK-PROV", 1, 45, 30));
  put("430000", item("XK-FIXED", 2, 30, 20, /*delegable=*/false));
}

std::vector<std::string> Scenario::ancestorsOf(const std::string& node) const {
  std::vector<std::string> out;
  for (std::string c = node; c != "430000";) {
    c = const_cast<TestNetwork&>(net_).node(c).parent;
    out.push_back(c);
  }
  return out;
}

Frontier Scenario::frontier(const std::string& node) const {
  Frontier f;
  for (const std::string& a : ancestorsOf(node)) {
    auto it = lamports_.find(a);
    if (it != lamports_.end() && !it->second.empty()) f.push_back({a, it->second.size()});
  }
  std::sort(f.begin(), f.end());
  return f;
}

SignedRecord Scenario::sign(const std::string& author, const Payload& payload,
                            std::optional<Frontier> frontier, std::optional<int64_t> wallTimeMs) {
  TestNode& n = net_.node(author);
  Envelope e = net_.nextEnvelope(author);
  e.frontier = frontier ? *frontier : this->frontier(author);
  // As FeedAuthor does, a node's clock passes everything it has applied: by default everything
  // authored so far; on a stale frontier only its own feed and what that frontier covers.
  uint64_t lamport = n.lamport;
  if (!frontier) {
    lamport = std::max(lamport, maxLamport_);
  } else {
    for (const auto& f : e.frontier) {
      const auto& l = lamports_[f.author];
      for (uint64_t s = 0; s < f.seq && s < l.size(); ++s) lamport = std::max(lamport, l[s]);
    }
  }
  e.lamport = lamport + 1;
  clockMs_ += 60'000;
  e.wallTimeMs = wallTimeMs ? *wallTimeMs : clockMs_;
  SignedRecord r = net_.signAs(author, e, payload);
  n.seq = e.seq;
  n.lastId = blake2b256(r.body);
  n.lamport = e.lamport;
  lamports_[author].push_back(e.lamport);
  maxLamport_ = std::max(maxLamport_, e.lamport);
  history_.push_back(r);
  return r;
}

void Scenario::deliver(const std::vector<SignedRecord>& records) {
  std::vector<Bytes> raw;
  for (const auto& r : records) raw.push_back(wireBytes(r));
  auto result = replica_->ingest(raw);
  ASSERT_TRUE(result.ok()) << result.error().message;
  for (const auto& r : result->results) {
    ASSERT_NE(r.outcome, IngestOutcome::kRejected)
        << r.author << "#" << r.seq << ": " << r.error->message;
  }
}

RecordRef Scenario::put(const std::string& author, Payload payload,
                        std::optional<Frontier> frontier, std::optional<int64_t> wallTimeMs) {
  SignedRecord r = sign(author, payload, std::move(frontier), wallTimeMs);
  deliver({r});
  return RecordRef{author, net_.node(author).seq};
}

VoidReason Scenario::verdict(const RecordRef& ref) {
  auto view = replica_->store().beginRead();
  auto v = StateEngine::verdict(**view, ref);
  EXPECT_TRUE(v.ok());
  return v.ok() ? *v : VoidReason::kNone;
}

void Scenario::expectVerdict(const RecordRef& ref, VoidReason reason) {
  VoidReason actual = verdict(ref);
  EXPECT_EQ(voidReasonName(actual), voidReasonName(reason)) << ref.author << "#" << ref.seq;
  if (actual != reason) return;
  auto view = replica_->store().beginRead();
  auto raw = (*view)->record(ref.author, ref.seq);
  ASSERT_TRUE(raw.ok() && raw->has_value()) << "no record " << ref.author << "#" << ref.seq;
  auto record = decodeRecordBody(decodeSignedRecord(**raw)->body);
  ASSERT_TRUE(record.ok());
  std::string kind = payloadKindName(record->payload);
  if (const auto* e = std::get_if<CaseEvent>(&record->payload))
    kind += "." + caseEventName(e->type);
  assertions_.insert({std::string(voidReasonName(reason)), kind});
}

CaseSummary Scenario::caseOf(const std::string& caseId) {
  auto view = replica_->store().beginRead();
  auto s = StateEngine::caseSummary(**view, caseId);
  EXPECT_TRUE(s.ok() && s->has_value()) << "no case " << caseId;
  return s.ok() && s->has_value() ? **s : CaseSummary{};
}

std::string Scenario::handler(const std::string& itemCode, const std::string& region,
                              std::optional<int64_t> atMs) {
  return replica_->engine().authority().handlerFor(itemCode, region, atMs.value_or(clockMs_));
}

Explanation Scenario::explain(const std::string& itemCode, const std::string& region) {
  return replica_->engine().authority().explain(itemCode, region, clockMs_);
}

Hash256 Scenario::digest() { return *replica_->digest(); }

Delegation Scenario::delegation(const std::string& itemCode, const std::string& grantee,
                                bool mayRedelegate, std::optional<RecordRef> parent,
                                DelegationScope scope) {
  Delegation d;
  d.item = itemCode;
  d.grantee = grantee;
  d.scope = scope;
  d.mode = DelegationMode::kDevolve;
  d.mayRedelegate = mayRedelegate;
  d.validFromMs = kTestEpochMs - kYearMs;
  d.validUntilMs = 0;
  d.parent = std::move(parent);
  return d;
}

CaseEvent Scenario::received(const std::string& caseId, const std::string& itemCode,
                             const std::string& handler, const std::string& region,
                             std::optional<RecordRef> authority) {
  CaseEvent e;
  e.caseId = caseId;
  e.type = CaseEventType::kReceived;
  e.received.item = itemCode;
  e.received.handler = handler;
  e.received.region = region;
  e.received.applicantHash = toBytes(blake2b256(asBytes("applicant " + caseId)));
  e.received.materials = {"申请书"};
  e.received.authority = std::move(authority);
  e.received.firstResponsible = "首问 李四";
  return e;
}

CaseEvent Scenario::event(const std::string& caseId, CaseEventType type, std::string text) {
  CaseEvent e;
  e.caseId = caseId;
  e.type = type;
  if (type == CaseEventType::kMaterialsRequested || type == CaseEventType::kMaterialsSupplied) {
    e.materials = {"场所平面图"};
  } else if (type == CaseEventType::kDenied) {
    e.reason = text;
    e.legalBasis = text.empty() ? "" : "《行政许可法》第三十八条";
  } else {
    e.text = std::move(text);
  }
  return e;
}

SupervisionOrder Scenario::order(const std::string& caseId, OrderKind kind,
                                 std::optional<RecordRef> lastSeen, std::string transferTo) {
  return SupervisionOrder{caseId, kind, std::move(lastSeen), std::move(transferTo), ""};
}

CatalogItem Scenario::item(const std::string& code, int depth, uint16_t legal, uint16_t promised,
                           bool delegable, CatalogOp op, LimitUnit unit) {
  return CatalogItem{op,    code,     "事项 " + code, static_cast<uint8_t>(depth),
                     legal, promised, delegable,      {"申请书"},
                     unit};
}

}  // namespace govbus::testing
