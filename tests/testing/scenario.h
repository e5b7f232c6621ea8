// Scenario: a small province whose nodes author records by hand, for specification-style tests
// of the deterministic core.
//
// Tree (certificates published as records by each issuer):
//   430000 湖南省 ─┬─ 430100 长沙市 ─┬─ 430102 芙蓉区
//                 │                 └─ 430103 天心区
//                 ├─ 430200 株洲市 ─── 430211 天元区
//                 └─ 430181 浏阳市 (省直管: enrolled by the province)
// Catalog: XK-COUNTY (county, 20/10 days), XK-CITY (city, 20/12), XK-PROV (province, 45/30),
// XK-FIXED (city, not delegable), all in working days. No working-day calendar is published:
// Monday to Friday count, provisionally, until a scenario publishes one.
//
// Every record goes into one observer replica (the province's view, holding every feed) on a real
// LMDB in a temp dir. By default a record's ancestor frontier is everything its ancestors have
// authored so far; pass an earlier frontier (from `frontier(node)`) to author "without having
// seen" what came after. Lamport clocks are causal (a node on its current frontier has applied
// everything so far; on a stale one, only what that frontier covers); wall time advances one minute
// per record unless given.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/lmdb_store.h"
#include "sync/replica.h"
#include "testing/test_network.h"

namespace govbus::testing {

class Scenario {
 public:
  // kFixed keys make every record, id and digest the same on every run (tests/vectors/).
  explicit Scenario(TestKeys keys = TestKeys::kRandom);

  // Authors and ingests a record; fails the test if it is not appended.
  RecordRef put(const std::string& author, Payload payload,
                std::optional<Frontier> frontier = std::nullopt,
                std::optional<int64_t> wallTimeMs = std::nullopt);
  // The frontier `node` would sign with now.
  Frontier frontier(const std::string& node) const;
  // Signs without ingesting (forks, late delivery).
  SignedRecord sign(const std::string& author, const Payload& payload,
                    std::optional<Frontier> frontier = std::nullopt,
                    std::optional<int64_t> wallTimeMs = std::nullopt);
  void deliver(const std::vector<SignedRecord>& records);

  VoidReason verdict(const RecordRef& ref);
  // Checks that `ref` is void for `reason` (kNone: valid) and, when it is, notes which rule was
  // asserted on which kind of record: (reason name, payload kind, with ".<event type>" for case
  // events). VoidReasonCoverage reads the notes to show every rule is asserted.
  void expectVerdict(const RecordRef& ref, VoidReason reason);
  using Assertion = std::pair<std::string, std::string>;
  const std::set<Assertion>& assertions() const { return assertions_; }
  CaseSummary caseOf(const std::string& caseId);
  std::string handler(const std::string& item, const std::string& region,
                      std::optional<int64_t> atMs = std::nullopt);
  Explanation explain(const std::string& item, const std::string& region);
  int64_t now() const { return clockMs_; }
  void advance(int64_t ms) { clockMs_ += ms; }
  Replica& replica() { return *replica_; }
  TestNetwork& network() { return net_; }
  Hash256 digest();
  // Every record authored so far, in authoring order.
  const std::vector<SignedRecord>& history() const { return history_; }

  // Shorthands for common payloads.
  static Delegation delegation(const std::string& item, const std::string& grantee,
                               bool mayRedelegate = false,
                               std::optional<RecordRef> parent = std::nullopt,
                               DelegationScope scope = DelegationScope::kNode);
  static CaseEvent received(const std::string& caseId, const std::string& item,
                            const std::string& handler, const std::string& region,
                            std::optional<RecordRef> authority = std::nullopt);
  static CaseEvent event(const std::string& caseId, CaseEventType type, std::string text = "");
  static SupervisionOrder order(const std::string& caseId, OrderKind kind,
                                std::optional<RecordRef> lastSeen, std::string transferTo = "");
  static CatalogItem item(const std::string& code, int depth, uint16_t legal, uint16_t promised,
                          bool delegable = true, CatalogOp op = CatalogOp::kInsert,
                          LimitUnit unit = LimitUnit::kWorkingDays);

 private:
  std::vector<std::string> ancestorsOf(const std::string& node) const;

  TestNetwork net_;
  TempDir dir_;
  std::unique_ptr<LmdbStore> store_;
  std::unique_ptr<Replica> replica_;
  std::map<std::string, std::vector<uint64_t>> lamports_;  // author → lamport of each seq
  std::vector<SignedRecord> history_;
  std::set<Assertion> assertions_;
  uint64_t maxLamport_ = 0;
  int64_t clockMs_ = kTestEpochMs;
};

}  // namespace govbus::testing
