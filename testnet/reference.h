// Reference: a small, separate implementation of the two questions the simulator's authority-safety
// and overdue-sum checks ask, written from docs/PROTOCOL.md (§10.3–10.4, §11) rather than with the
// code of sync/, so that a bug in the core cannot vouch for itself:
//   - did a node hold an item's authority at a time, as a record had seen things (the statutory
//     level, or a chain of delegations from the statutory holder, none revoked as it had seen);
//   - how many open cases of a store are green, yellow or red at a time, counting working days
//     day by day (the root's calendars, Monday to Friday without one) and taking each event at its
//     witnessed time where the rules say so (§11).
// It reads raw records only (a node's feeds), plus — for the cards — which case records its node
// judged valid (the verdict table, checked for agreement by invariants 4 and 5). Where a rule is
// subtle (forks, first-issuer tree rules), the reference is permissive: it may miss a bug, but it
// never flags a correct core.
//
// Thread safety: a value built from one read snapshot; const methods are pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/record.h"
#include "sync/feed_store.h"

namespace govbus::testnet {

// Where the state table keeps a void record's verdict: 'v', the author NUL-padded to 12 bytes, the
// sequence as 8 bytes big-endian (PROTOCOL §14, pinned by tests/vectors/state_digest.json). Valid
// records have no entry.
Bytes verdictStateKey(const RecordRef& ref);

class Reference {
 public:
  // Reads every record of every feed `view` holds.
  static Result<Reference> build(FeedReader& view, std::string root);

  // Whether `node` held `item` at `atMs`, as the author of `seenBy` had seen things.
  bool holds(const std::string& node, const std::string& item, int64_t atMs,
             const Envelope& seenBy) const;

  struct Cards {
    uint64_t open = 0, green = 0, yellow = 0, red = 0;
    friend bool operator==(const Cards&, const Cards&) = default;
  };
  // Card counts of every case whose records `view` holds, replaying the events and orders its
  // node judged valid, at `nowMs`.
  Result<Cards> cards(FeedReader& view, int64_t nowMs) const;

  struct Stored {
    RecordRef ref;
    Envelope envelope;
    Payload payload;
  };
  const std::vector<Stored>& records() const { return records_; }

 private:
  struct Version {
    RecordRef ref;
    CatalogItem item;
  };
  struct ClockFacts;
  ClockFacts clockFacts() const;
  bool sees(const Envelope& by, const RecordRef& ref) const;
  bool strictlyBelow(const std::string& node, const std::string& ancestor) const;
  std::optional<CatalogItem> itemSeen(const std::string& code, const Envelope& by) const;
  bool forked(const Envelope& envelope) const;
  bool structurallyValid(const RecordRef& delegation, int depth = 0) const;
  bool revokedAsSeen(const RecordRef& delegation, const Envelope& by) const;
  const Stored* find(const RecordRef& ref) const;

  std::string root_;
  std::vector<Stored> records_;
  std::map<RecordRef, size_t> byRef_;
  std::map<std::string, std::string> parent_;            // child → issuer
  std::map<std::string, std::vector<Version>> catalog_;  // valid versions, in the root's order
  std::map<std::string, std::pair<uint64_t, uint32_t>> forks_;  // author → (from seq, serial)
  std::map<std::string, std::vector<size_t>> delegations_;      // item → delegation records
  std::map<RecordRef, std::vector<size_t>> revocations_;        // delegation → its revocations
};

}  // namespace govbus::testnet
