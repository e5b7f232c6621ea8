// AuthorityState: the catalog, the node tree, delegations, revocations and forks, and what they
// mean — who holds an item's authority where, and why (DESIGN §3, §5).
//
// It holds every "authority record" (certificate, key revocation, catalog item, delegation,
// delegation revocation, fork report) and judges them as a set: the result depends only on which
// records are present, never on the order they were added. Rules, as built:
//   - The tree comes from certificate records published by each certificate's issuer.
//   - Catalog items are authored by the root only; versions apply in the root's feed order; an
//     update may lower the statutory level but never raise it; promised ≤ ⌊2/3 × legal⌋.
//   - A delegation is structurally valid when, as its author had seen things (its Visibility), the
//     item existed and was delegable, the author held the authority (statutory holder at its level,
//     or covered by a seen, valid parent delegation that allows re-delegation), the grantee is an
//     enrolled node strictly below the author, and its period lies inside the parent's.
//     Delegations are judged shallower authors first, then by ref: a parent that comes later in
//     that order (one authored at the same or a deeper level) counts as void for its children.
//   - A revocation by the grantor or any ancestor of the grantor voids the delegation and every
//     delegation chained below it, whether or not their authors had seen it (ancestor outranks).
//   - A fork report proving equivocation voids the author's records from the fork sequence on, for
//     key serials up to the forked one (re-enrolment with a higher serial lifts it).
//
// Incremental: add() judges the new record and re-judges only what it can change — a delegation
// its parent's and its revocations' fate, the delegations below it, those of an item whose catalog
// entry changed. Certificates that move a node in the tree and fork reports (rare) re-judge
// everything (evaluate()). Either way the verdicts equal those of evaluate() over the same set.
// What changed is logged for the state engine (takeChanges()), which re-judges the cases and
// complaints that depend on it.
//
// Undo: between beginJournal() and commitJournal() every change is journaled, and
// rollbackJournal() restores the state as it was at beginJournal() — so that a write transaction
// that is aborted (a refused API write, a storage error) takes its in-memory effects with it.
//
// holds() finds covering delegations through an index by (item, grantee, author) in feed order,
// skipping those its viewer has seen revoked by their own author, so its cost does not grow with
// the delegations an item has had over the years.
//
// Thread safety: none; one owner. A copy (for readers on other threads) carries no journal. Pure:
// no clocks, I/O or randomness.
#pragma once

#include <functional>
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
  friend bool operator==(const CatalogEntry&, const CatalogEntry&) = default;
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
  AuthorityState(const AuthorityState&) = default;
  AuthorityState& operator=(const AuthorityState&) = default;
  AuthorityState(AuthorityState&&) = default;
  AuthorityState& operator=(AuthorityState&&) = default;

  static bool isAuthorityPayload(const Payload& payload);

  // Adds a record and brings every verdict up to date; false when a record with this ref is
  // already present.
  bool add(AuthorityRecord record);
  // Adds every record, then judges them all at once (loading a store).
  void load(std::vector<AuthorityRecord> records);
  // Re-judges everything from the records present.
  void evaluate();

  // --- undo ---
  void beginJournal();
  void commitJournal();
  void rollbackJournal();
  bool journaling() const { return journal_.open; }

  // What add() changed since the last call, for the state engine.
  struct Changes {
    std::set<RecordRef> verdicts;     // authority records whose verdict may have changed
    std::set<std::string> items;      // items whose catalog entry in force may have changed
    std::set<std::string> versioned;  // items whose earlier valid versions changed (not an append)
    std::set<std::string> nodes;      // nodes whose parent in the tree may have changed
    std::set<RecordRef> delegations;  // delegations whose verdict or revocations may have changed
    std::map<std::string, uint64_t> forkedFrom;  // author → lowest seq whose fork status changed
    bool clockRules = false;  // a working-day calendar or the witness tolerance changed
    bool empty() const {
      return verdicts.empty() && items.empty() && versioned.empty() && nodes.empty() &&
             delegations.empty() && forkedFrom.empty() && !clockRules;
    }
  };
  Changes takeChanges();

  // How much work add() did (for tests and benchmarks): full re-evaluations, and delegations
  // re-judged one by one.
  struct Stats {
    uint64_t fullEvaluations = 0;
    uint64_t delegationsJudged = 0;
  };
  const Stats& stats() const { return stats_; }

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
    friend bool operator==(const CatalogVersion&, const CatalogVersion&) = default;
  };
  // The delegations of one item to one grantee by one author, in the author's feed order, with
  // what holds() needs to skip the ones no viewer past a point can use.
  struct Grants {
    std::string author;
    int level = 0;
    std::vector<uint64_t> seqs;
    // Per delegation: 0 when structurally void; else the lowest seq of a valid revocation of it
    // by `author` itself (kNever without one). A viewer that has seen `author` up to s cannot use
    // a delegation whose skip is <= s.
    std::vector<uint64_t> skip;
    std::vector<uint64_t> maxSkip;  // prefix maximum of skip
    friend bool operator==(const Grants&, const Grants&) = default;
  };
  struct Tree {
    std::map<std::string, std::string, std::less<>> parent;
    std::map<std::string, std::map<uint32_t, Bytes>, std::less<>> keys;
    std::map<std::string, std::pair<uint32_t, std::string>, std::less<>> names;
    std::map<RecordRef, VoidReason> verdicts;  // void certificates
  };
  // Everything evaluate() derives, for undo and for telling what a full re-evaluation changed.
  struct Derived {
    std::map<RecordRef, VoidReason> voids;
    std::map<std::string, std::string, std::less<>> parent;
    std::map<std::string, std::map<uint32_t, Bytes>, std::less<>> keys;
    std::map<std::string, std::pair<uint32_t, std::string>, std::less<>> names;
    std::map<std::string, std::pair<uint64_t, uint32_t>, std::less<>> forks;
    std::map<std::string, std::vector<CatalogVersion>, std::less<>> versions;
    std::map<std::string, CatalogEntry, std::less<>> catalog;
    std::map<RecordRef, VoidReason> structural;
    std::map<RecordRef, std::vector<RecordRef>> revokedBy;
    std::map<std::pair<std::string, std::string>, std::vector<Grants>> grants;
    HolidayCalendar calendar;
    std::map<int, RecordRef> calendarRefs;
    std::map<std::string, std::pair<int64_t, RecordRef>, std::less<>> settings;
  };
  // Undo closures; a copy of the state starts without any.
  struct Journal {
    Journal() = default;
    Journal(const Journal&) {}
    Journal& operator=(const Journal&) { return *this; }
    Journal(Journal&&) = default;
    Journal& operator=(Journal&&) = default;
    bool open = false;
    std::vector<std::function<void()>> undo;
  };

  // --- full evaluation ---
  Tree computeTree() const;
  void evaluateForks();
  void evaluateCatalog();
  void evaluateDelegations();
  void judgeKeyRevocation(const AuthorityRecord& r);
  Derived derived() const;
  void restore(Derived d);
  void reevaluateAll();

  // --- incremental ---
  void index(const AuthorityRecord& r);
  void addedCertificate();
  void addedCatalog(const AuthorityRecord& r, bool latest);
  void addedDelegation(const AuthorityRecord& r);
  void judgeRevocation(const RecordRef& ref);
  // Re-judges `ref` and, when its structural verdict changed, the delegations naming it as parent.
  void rejudgeDelegations(const RecordRef& ref);
  // Recomputes the final verdict of `ref` and of every delegation chained below it.
  void refreshBelow(const RecordRef& ref);
  // Visits `start`, then, when visit returns true, the delegations naming it as parent, each once.
  void walkDown(const RecordRef& start, const std::function<bool(const RecordRef&)>& visit);
  void refreshFinal(const RecordRef& ref);
  void updateSkip(const RecordRef& ref);
  Grants* grantsOf(const std::string& item, const std::string& grantee, const std::string& author);
  static void recomputeMax(Grants& g, size_t from);

  VoidReason catalogVerdict(const AuthorityRecord& r, const CatalogItem& c) const;
  VoidReason structuralDelegationVerdict(const AuthorityRecord& record) const;
  VoidReason revocationVerdict(const AuthorityRecord& r) const;
  VoidReason finalDelegationVerdict(const RecordRef& ref) const;
  void addedProvinceRecord();
  void evaluateProvinceRecords();
  bool effectiveUnder(const RecordRef& delegation, const Visibility& vis, int guard = 0) const;
  bool revokedChain(const RecordRef& delegation) const;
  void setVerdict(const RecordRef& ref, VoidReason reason);
  std::string whyNot(std::string_view node, std::string_view item, int64_t atMs) const;
  bool recording() const { return journal_.open && !bulk_; }
  template <typename Undo>
  void onUndo(Undo undo) {
    if (recording()) journal_.undo.emplace_back(std::move(undo));
  }

  std::string root_;
  std::map<RecordRef, AuthorityRecord> records_;

  // Indexes of the records present (independent of verdicts).
  std::vector<RecordRef> certificates_;
  size_t forkReports_ = 0;
  uint64_t lastRootCatalogSeq_ = 0;
  std::map<std::string, std::vector<RecordRef>, std::less<>> delegationsByItem_;  // (level, ref)
  std::map<RecordRef, std::vector<RecordRef>> childrenOf_;     // parent named → delegations
  std::map<RecordRef, std::vector<RecordRef>> revocationsOf_;  // target named → revocations

  // Derived.
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
  std::map<RecordRef, std::vector<RecordRef>> revokedBy_;  // delegation → valid revocations, by ref
  std::map<std::pair<std::string, std::string>, std::vector<Grants>>
      grants_;  // (item, grantee) → by author

  std::vector<RecordRef> provinceRecords_;  // calendars and settings, by ref
  HolidayCalendar calendar_;
  std::map<int, RecordRef> calendarRefs_;  // year → the calendar record in force
  std::map<std::string, std::pair<int64_t, RecordRef>, std::less<>> settings_;  // name → value

  bool bulk_ = false;  // inside evaluate(): journaled as a whole, not change by change
  Journal journal_;
  Changes changes_;
  Stats stats_;
};

}  // namespace govbus
