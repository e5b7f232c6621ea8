// StateEngine: the deterministic core applied to a store — records in, derived state out.
//
// apply() runs inside the same write transaction that appended the records (sync/ingest.h), so a
// batch's records and the state derived from them commit together or not at all. The derived
// state lives in the store's state table:
//   "c" caseId 0        → CaseSummary            (digested)
//   "p" complaintId 0   → ComplaintSummary       (digested)
//   "v" ref             → VoidReason of a void record (digested; valid records have no entry)
//   "k" item            → catalog entry in force (digested)
//   "n" code            → parent in the node tree (digested)
//   indexes (not digested), what a change can reach:
//   "a" ref                           authority records (read back by load())
//   "i" caseId 0 ref, "j" complaintId 0 ref     the records of a case, of a complaint; the
//                                     value is the record's verdict (mirroring its "v" entry) and
//                                     what the rules read of it, so that evaluating a case reads
//                                     its index entries and never the feeds
//   "r" code 0 caseId                 cases by region and by receiving window (the tree changed,
//                                     and every case when the clock rules or an item's earlier
//                                     catalog versions changed)
//   "q" code 0 complaintId            complaints by the node complained against (the tree changed)
//   "x" item 0 region 0 time 0 caseId acceptances by item, region and wall time (a delegation of
//                                     the item under the region, valid at that time, changed)
//   "y" item 0 caseId                 cases that asked who handles the item now (its catalog
//                                     entry in force changed)
//   "w" author 0 seq caseId           cases with a record that had seen author#seq before this
//                                     store held it (that record arrived)
//   "m" "digest"        → the StateDigest of every digested entry
//   "m" "layout"        → the version of this layout (kStateLayoutVersion)
//   "m" "rebuilding"    → present while a rebuild is under way (the state is incomplete)
// Authority records are few and also kept in memory (AuthorityState, judged incrementally); a
// case or complaint is re-evaluated from its records whenever one of its records, or something it
// depends on, changes — found through the indexes above, so the work per record does not grow
// with the cases held. Every evaluation is a pure function of the records present, so the digest
// after any delivery order — and after a rebuild — is the same.
//
// In-memory state follows the transaction: begin() before apply(), then committed() after the
// transaction commits or rolledBack() after it is aborted (the authority state is journaled and
// rolled back with it; nothing is re-read).
//
// Thread safety: one owner (the node's writer thread). Query functions are static and read
// through any FeedReader.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "sync/authority.h"
#include "sync/case_rules.h"
#include "sync/complaint_rules.h"
#include "sync/feed_store.h"
#include "sync/ingest.h"
#include "sync/state_digest.h"
#include "sync/witness_index.h"

namespace govbus {

// Version of the state table's layout; a store with another (or an interrupted rebuild) is
// rebuilt from its feeds when opened.
inline constexpr uint32_t kStateLayoutVersion = 4;

class StateEngine {
 public:
  explicit StateEngine(std::string root) : root_(root), authority_(std::move(root)) {}

  // Reads the authority records named in the state index back from the feeds. Tells whether the
  // stored state must be rebuilt first (an older layout, or an interrupted rebuild).
  struct Loaded {
    bool needsRebuild = false;
    std::string why;
  };
  Result<Loaded> load(FeedReader& view);

  // Applies records just appended (in `txn`) to the derived state, in the same transaction.
  // Call begin() first and committed()/rolledBack() when the transaction is over.
  Status apply(FeedTxn& txn, const std::vector<CheckedRecord>& appended);
  void begin() { authority_.beginJournal(); }
  void committed() { authority_.commitJournal(); }
  void rolledBack() { authority_.rollbackJournal(); }

  // A rebuild: reset() drops the derived state (and marks it incomplete), apply() then takes every
  // record, in any order and as many transactions as needed, and finishRebuild() marks it whole.
  Status reset(FeedTxn& txn);
  Status finishRebuild(FeedTxn& txn);

  const AuthorityState& authority() const { return authority_; }

  // Work done so far (tests and benchmarks): case and complaint evaluations.
  struct Stats {
    uint64_t casesEvaluated = 0;
    uint64_t complaintsEvaluated = 0;
  };
  const Stats& stats() const { return stats_; }

  // --- queries over a committed (or the current) transaction ---
  static Result<Hash256> digest(FeedReader& view);
  static Result<VoidReason> verdict(FeedReader& view, const RecordRef& ref);
  static Result<std::optional<CaseSummary>> caseSummary(FeedReader& view, std::string_view caseId);
  // Every case, in case-id order; `visit` returns false to stop.
  static Status forEachCase(FeedReader& view, const std::function<bool(const CaseSummary&)>& visit);
  static Status forEachComplaint(FeedReader& view,
                                 const std::function<bool(const ComplaintSummary&)>& visit);
  static Status forEachVoid(FeedReader& view,
                            const std::function<bool(const RecordRef&, VoidReason)>& visit);
  // Refs of the records of a case, in key order.
  static Result<std::vector<RecordRef>> caseRecords(FeedReader& view, std::string_view caseId);

 private:
  struct Dirty {
    std::set<std::string> cases;
    std::set<std::string> complaints;
    std::set<std::string> authors;                         // feeds appended to
    std::map<std::string, std::vector<int64_t>> accepted;  // caseId → new acceptances' wall time
  };
  struct Input {
    RecordRef ref;
    VoidReason verdict = VoidReason::kNone;  // as stored
    Bytes value;                             // the index entry's value: verdict and facts
    Record record;                           // what the rules read of it
  };
  Result<std::vector<Input>> readInputs(FeedTxn& txn, const Bytes& prefix, std::string_view id);
  Status writeVerdicts(FeedTxn& txn, const Bytes& prefix, std::vector<Input>& inputs,
                       const std::vector<std::pair<RecordRef, VoidReason>>& voids);
  Status index(FeedTxn& txn, const RecordRef& ref, const Record& record, Dirty& dirty);
  Status applyAuthorityChanges(FeedTxn& txn, const AuthorityState::Changes& changes, Dirty& dirty);
  Status markAcceptancesIn(FeedTxn& txn, const Delegation& d, Dirty& dirty);
  Status markByCode(FeedTxn& txn, const Bytes& prefix, std::set<std::string>& out);
  Status markFeedFrom(FeedTxn& txn, const std::string& author, uint64_t seq, Dirty& dirty);
  Status releaseWaiting(FeedTxn& txn, Dirty& dirty);
  Status evaluateCaseInto(FeedTxn& txn, const std::string& caseId, const Dirty& dirty,
                          witness::EarliestMemo& earliest);
  Status evaluateComplaintInto(FeedTxn& txn, const std::string& complaintId);
  Status putDigested(FeedTxn& txn, const Bytes& key, const Bytes& value,
                     const std::optional<Bytes>& old);
  Status putDigested(FeedTxn& txn, const Bytes& key, const Bytes& value);
  Status delDigested(FeedTxn& txn, const Bytes& key);
  Status setVerdict(FeedTxn& txn, const RecordRef& ref, VoidReason reason);
  Result<uint64_t> headSeq(FeedTxn& txn, const std::string& author);

  std::string root_;
  AuthorityState authority_;
  std::optional<StateDigest> digest_;      // loaded at the start of apply(), stored at its end
  std::map<std::string, uint64_t> heads_;  // within one apply(): feed heads read so far
  Stats stats_;
};

Bytes encodeCaseSummary(const CaseSummary& s);
Result<CaseSummary> decodeCaseSummary(ByteView b);

}  // namespace govbus
