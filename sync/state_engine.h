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
//   "a" ref, "i" caseId 0 ref, "j" complaintId 0 ref, "t" item 0 region 0 caseId, "r" region 0
//   caseId:
//                         indexes (not digested)
//   "m" "digest"        → the StateDigest of every digested entry
// Authority records are few and also kept in memory (AuthorityState); cases and complaints are
// re-evaluated one at a time from their records whenever one of their records, or the authority
// they depend on, changes. Every evaluation is a pure function of the records present, so the
// digest after any delivery order — and after rebuild() — is the same.
//
// If a transaction that apply() wrote into is aborted, the in-memory authority state may be ahead
// of the store: call load() again.
//
// Thread safety: one owner (the node's writer thread). Query functions are static and read
// through any FeedReader.
#pragma once

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

namespace govbus {

class StateEngine {
 public:
  explicit StateEngine(std::string root) : root_(root), authority_(std::move(root)) {}

  // Reads the authority records named in the state index back from the feeds.
  Status load(FeedReader& view);
  // Applies records just appended (in `txn`) to the derived state, in the same transaction.
  Status apply(FeedTxn& txn, const std::vector<CheckedRecord>& appended);
  // Drops the derived state and recomputes it from every record in every feed.
  Status rebuild(FeedTxn& txn);

  const AuthorityState& authority() const { return authority_; }

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
    bool authority = false;
    std::vector<RecordRef> newAuthority;
  };
  Status index(FeedTxn& txn, const RecordRef& ref, const Record& record, Dirty& dirty);
  Status reevaluateAuthority(FeedTxn& txn, Dirty& dirty);
  Status evaluateCaseInto(FeedTxn& txn, const std::string& caseId);
  Status evaluateComplaintInto(FeedTxn& txn, const std::string& complaintId);
  Status markCasesUnder(FeedTxn& txn, const std::string& code, Dirty& dirty);
  Status putDigested(FeedTxn& txn, const Bytes& key, const Bytes& value);
  Status delDigested(FeedTxn& txn, const Bytes& key);
  Status setVerdict(FeedTxn& txn, const RecordRef& ref, VoidReason reason);

  std::string root_;
  AuthorityState authority_;
  std::optional<StateDigest> digest_;  // loaded at the start of apply(), stored at its end
};

Bytes encodeCaseSummary(const CaseSummary& s);
Result<CaseSummary> decodeCaseSummary(ByteView b);

}  // namespace govbus
