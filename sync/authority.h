// AuthorityState: the catalog, the node tree, delegations, revocations and forks, and what they
// mean — who holds an item's authority where, and why (DESIGN §3, §5).
//
// It holds every "authority record" (certificate, key revocation, catalog item, delegation,
// delegation revocation, fork report) and evaluates them as a set: the result depends only on which
// records are present, never on the order they were added. Rules, as built:
//   - The tree comes from certificate records published by each certificate's issuer.
//   - Catalog items are authored by the root only; versions apply in the root's feed order; an
//     update may lower the statutory level but never raise it; promised ≤ ⌊2/3 × legal⌋.
//   - A delegation is structurally valid when, as its author had seen things (its Visibility), the
//     item existed and was delegable, the author held the authority (statutory holder at its level,
//     or covered by a seen, valid parent delegation that allows re-delegation), the grantee is an
//     enrolled node strictly below the author, and its period lies inside the parent's.
//   - A revocation by the grantor or any ancestor of the grantor voids the delegation and every
//     delegation chained below it, whether or not their authors had seen it (ancestor outranks).
//   - A fork report proving equivocation voids the author's records from the fork sequence on, for
//     key serials up to the forked one (re-enrolment with a higher serial lifts it).
// evaluate() must run after add() and before queries.
//
// Thread safety: none; one owner. Pure: no clocks, I/O or randomness.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/record.h"
#include "sync/verdict.h"
#include "sync/visibility.h"
#include "sync/working_days.h"

namespace govbus {

inline constexpr int kMaxTreeDepth = 5;  // province, city, county, two township levels

struct AuthorityRecord {
  RecordRef ref;
  Envelope envelope;
  Payload payload;
};

struct CatalogEntry {
  std::string code;
  std::string name;
  int statutoryDepth = 0;
  uint16_t legalDays = 0;
  uint16_t promisedDays = 0;
  bool delegable = false;
  std::vector<std::string> materials;
  RecordRef ref;  // the version in force
  LimitUnit limitUnit = LimitUnit::kWorkingDays;
};

// Province settings a record may set (ProvinceSetting), with their range and default.
struct SettingSpec {
  std::string_view name;
  int64_t min = 0;
  int64_t max = 0;
  int64_t defaultValue = 0;
};
// witness_tolerance_ms: how far a claimed time may lie from its witness (0 .. 7 days, default 15
// minutes).
const std::vector<SettingSpec>& knownSettings();
inline constexpr std::string_view kWitnessToleranceSetting = "witness_tolerance_ms";

struct Holding {
  bool holds = false;
  bool statutory = false;
  std::vector<RecordRef> chain;  // delegations, from the statutory holder's down to the node's
};

// One node on the root→region path and whether it holds the item there.
struct ExplainStep {
  std::string node;
  bool holds = false;
  bool statutory = false;
  std::vector<RecordRef> chain;
  std::string why;  // for a node that does not hold: the reason
};

struct Explanation {
  std::string item;
  std::string region;
  std::string handler;  // empty: nobody holds it there
  std::optional<CatalogEntry> catalogEntry;
  std::vector<ExplainStep> path;  // root first
  std::string summary;
};

class AuthorityState {
 public:
  explicit AuthorityState(std::string root);

  static bool isAuthorityPayload(const Payload& payload);

  // Adds a record; false when a record with this ref is already present.
  bool add(AuthorityRecord record);
  void evaluate();

  const std::string& root() const { return root_; }
  size_t size() const { return records_.size(); }
  const AuthorityRecord* find(const RecordRef& ref) const;
  // Void authority records and their reasons (valid ones are absent).
  const std::map<RecordRef, VoidReason>& voids() const { return voids_; }
  VoidReason verdict(const RecordRef& ref) const;

  // --- tree ---
  bool isEnrolled(std::string_view code) const;
  std::optional<std::string> parentOf(std::string_view code) const;
  bool isStrictAncestor(std::string_view ancestor, std::string_view node) const;
  bool isAncestorOrSelf(std::string_view ancestor, std::string_view node) const;
  std::vector<std::string> pathFromRoot(std::string_view node) const;  // empty when not enrolled
  const std::map<std::string, std::string, std::less<>>& parents() const { return parent_; }
  // The region name of an enrolled node's newest certificate (芙蓉区); empty when unknown.
  // Informational: no rule reads it.
  std::string nameOf(std::string_view code) const;
  static int levelOf(std::string_view code);  // administrative depth from the code

  // --- catalog ---
  const CatalogEntry* item(std::string_view code) const;
  std::optional<CatalogEntry> itemSeenBy(std::string_view code, const Visibility& vis) const;
  const std::map<std::string, CatalogEntry, std::less<>>& catalog() const { return catalog_; }

  // --- forks ---
  bool isForked(const Envelope& envelope) const;

  // --- province records: working-day calendars and settings ---
  const HolidayCalendar& calendar() const { return calendar_; }
  // The calendar record in force for each year (the root's latest valid one).
  const std::map<int, RecordRef>& calendarRecords() const { return calendarRefs_; }
  // A setting's value in force, or its default.
  int64_t setting(std::string_view name) const;
  const std::map<std::string, std::pair<int64_t, RecordRef>, std::less<>>& settings() const {
    return settings_;
  }

  // --- authority ---
  Holding holds(std::string_view node, std::string_view item, int64_t atMs,
                const Visibility& vis) const;
  // The handler rule (就近办理): the deepest node on the root→region path that holds the item.
  std::string handlerFor(std::string_view item, std::string_view region, int64_t atMs) const;
  // The same, as `vis` had seen things (what a handler could know when it accepted).
  std::string handlerFor(std::string_view item, std::string_view region, int64_t atMs,
                         const Visibility& vis) const;
  // A valid revocation not seen by `vis` that voids a delegation of `chain`.
  const AuthorityRecord* unseenRevocationOf(const std::vector<RecordRef>& chain,
                                            const Visibility& vis) const;
  Explanation explain(std::string_view item, std::string_view region, int64_t atMs) const;
  // Valid delegations in force (for the board and CLI).
  std::vector<const AuthorityRecord*> validDelegations() const;

 private:
  struct CatalogVersion {
    RecordRef ref;
    CatalogEntry entry;
  };
  void evaluateTree();
  void evaluateForks();
  void evaluateCatalog();
  void evaluateDelegations();
  void evaluateProvinceRecords();
  VoidReason structuralDelegationVerdict(const AuthorityRecord& record);
  bool effectiveUnder(const RecordRef& delegation, const Visibility& vis, int guard = 0) const;
  bool revokedChain(const RecordRef& delegation) const;
  void setVerdict(const RecordRef& ref, VoidReason reason);
  std::string whyNot(std::string_view node, std::string_view item, int64_t atMs) const;

  std::string root_;
  std::map<RecordRef, AuthorityRecord> records_;

  // Derived by evaluate().
  std::map<RecordRef, VoidReason> voids_;
  std::map<std::string, std::string, std::less<>> parent_;  // child → parent
  std::map<std::string, std::map<uint32_t, Bytes>, std::less<>>
      keys_;  // subject → serial → public key
  std::map<std::string, std::pair<uint32_t, std::string>, std::less<>>
      names_;  // subject → (serial, name) of its newest valid certificate
  std::map<std::string, std::pair<uint64_t, uint32_t>, std::less<>>
      forks_;  // author → (from seq, up to serial)
  std::map<std::string, std::vector<CatalogVersion>, std::less<>>
      versions_;                                              // item → valid versions
  std::map<std::string, CatalogEntry, std::less<>> catalog_;  // item → version in force
  std::map<RecordRef, VoidReason> structural_;                // delegations: structural verdict
  std::map<RecordRef, std::vector<RecordRef>> revokedBy_;     // delegation → valid revocations
  std::map<std::string, std::vector<RecordRef>, std::less<>> delegationsByItem_;
  HolidayCalendar calendar_;
  std::map<int, RecordRef> calendarRefs_;
  std::map<std::string, std::pair<int64_t, RecordRef>, std::less<>> settings_;  // name → value
};

}  // namespace govbus
