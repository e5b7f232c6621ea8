// WitnessIndex: when each record was first witnessed by an ancestor of its author (DESIGN §6,
// witnessed time), kept in the store's state table beside the rules' own entries.
//
// A Witness record by node W says "I had stored feed X up to seq N by my wallTimeMs T". For each
// pair (X, W) the index keeps the staircase of such statements that are not dominated by an
// earlier one (a statement with N' ≥ N and T' ≤ T), so N and T rise together and the earliest
// witness of (X, s) by W is the first step with N ≥ s: one seek. W's records are always applied
// in W's feed order, so the staircase depends only on which of W's records are held. Only a
// strict ancestor of X in the tree, not forked at that record, counts as a witness; the tree is
// consulted when asking, so an enrolment that arrives later is taken into account on the next
// evaluation of the case.
//
// State keys (none digested: they are indexes of records, whose effects the case summaries carry):
//   "W" X 0 W 0 N(8)            → T(8) seq(8) serial(4)   a step of the staircase of (X, W)
//   "V" X 0 W                   → N(8)           the highest N recorded for (X, W)
//   "O" author 0 fromMs(8)      → untilMs(8)     a link outage the author reported
//
// Thread safety: free functions over a transaction, which the caller owns.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "protocol/record.h"
#include "sync/authority.h"
#include "sync/feed_store.h"

namespace govbus::witness {

// Adds a valid Witness record's statements. Cases with events whose earliest witness may have
// moved (found by reading the feed's records the statement newly covers) are added to
// `dirtyCases`.
Status add(FeedTxn& txn, const Envelope& witness, const Witness& statements,
           std::set<std::string>& dirtyCases);

// The earliest time a strict ancestor of `author` witnessed (author, seq); 0 when none has.
Result<int64_t> earliest(FeedReader& view, std::string_view author, uint64_t seq,
                         const AuthorityState& authority);

// earliest() for many records in a row, while neither the witness index nor the tree changes (a
// state apply's evaluations, after every record of the batch is indexed). Per feed it keeps the
// strict ancestors and the highest seq each has stated ("V"), so that a record above every
// statement — every record, where no witness has spoken of its feed — needs no seek.
class EarliestMemo {
 public:
  Result<int64_t> operator()(FeedReader& view, std::string_view author, uint64_t seq,
                             const AuthorityState& authority);

 private:
  struct Ancestor {
    std::string code;
    uint64_t stated = 0;  // "V": no statement of this ancestor reaches above it
  };
  std::map<std::string, std::vector<Ancestor>, std::less<>> feeds_;
};

// Whether every feed a witness names lies inside its author's region (a structural rule; the
// tree decides, when asking, whether the author is really an ancestor).
bool namesOnlyDescendants(const Envelope& witness, const Witness& statements);

// Records a reported link outage, and lists an author's outages that overlap [fromMs, untilMs].
Status addOutage(FeedTxn& txn, const Envelope& author, const LinkOutage& outage);
Status forEachOutage(FeedReader& view, std::string_view author,
                     const std::function<bool(const LinkOutage&)>& visit);

}  // namespace govbus::witness
