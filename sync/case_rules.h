// Case rules: one application case (办件) evaluated from its events and supervision orders (§6).
//
// evaluateCase is a pure function of the case's records and the authority state. It orders the
// records without clocks or arrival order:
//   - lifecycle events by Lamport clock (causal order; feed order within one author), ties broken
//     by (author, seq);
//   - each supervision order right after the handler event it names as last seen, so that a
//     handler event that had not seen the order is still judged against it (ancestor outranks
//     descendant); orders anchored at one event apply deeper issuers first, so the higher level's
//     effect is the last word.
// Then it runs the state machine received → accepted → {materialsRequested ⇄ materialsSupplied,
// suspended ⇄ resumed, stepCompleted}* → approved | denied → closed, withdrawn from any open state,
// and returns the case summary plus the reason of every void record.
//
// Acceptance authority: the handler must hold the item for the case's region as it had seen
// things (its frontier); if a revocation it had not seen takes that authority away, the acceptance
// stands, flagged authority_conflict, and the case moves to the handler the revocation leaves when
// the revocation says transfer_pending.
//
// Thread safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/record.h"
#include "sync/authority.h"
#include "sync/verdict.h"
#include "sync/working_days.h"

namespace govbus {

enum class CaseStatus : uint8_t {
  kNone,  // no valid `received` yet
  kReceived,
  kUnderReview,
  kAwaitingMaterials,
  kSuspended,
  kApproved,
  kDenied,
  kClosed,
  kWithdrawn,
};
std::string_view caseStatusName(CaseStatus status);
bool isOpen(CaseStatus status);  // received through suspended: the deadline clock matters

struct CaseInput {
  RecordRef ref;
  Envelope envelope;
  std::variant<CaseEvent, SupervisionOrder> body;
};

struct CaseSummary {
  std::string caseId;
  std::string item;
  std::string region;
  std::string receiver;
  std::string handler;
  CaseStatus status = CaseStatus::kNone;
  bool halted = false;
  int64_t receivedAtMs = 0;
  int64_t acceptedAtMs = 0;  // 0: the clock has not started
  int64_t pausedTotalMs = 0;
  int64_t pausedSinceMs = 0;  // non-zero while the clock is paused
  int64_t endedAtMs = 0;      // decision or withdrawal: the clock stops
  uint16_t promisedDays = 0;
  uint16_t legalDays = 0;
  uint32_t materialsRequests = 0;
  uint32_t urges = 0;
  bool authorityConflict = false;
  std::optional<RecordRef> conflictRevocation;
  bool denied = false;
  std::string denialReason;
  std::optional<RecordRef> lastEvent;
  uint32_t validEvents = 0;

  bool secondMaterialsRequest() const { return materialsRequests > 1; }
  friend bool operator==(const CaseSummary&, const CaseSummary&) = default;
};

struct CaseEvaluation {
  CaseSummary summary;
  std::vector<std::pair<RecordRef, VoidReason>> voids;
};

CaseEvaluation evaluateCase(const std::string& caseId, std::vector<CaseInput> inputs,
                            const AuthorityState& authority);

// --- deadlines and cards (电子监察, 红黄牌) ---

enum class Card : uint8_t { kNone, kGreen, kYellow, kRed };
std::string_view cardName(Card card);



struct Deadline {
  int64_t usedMs = 0;  // clock time used so far (pauses excluded)
  int64_t promisedMs = 0;
  int64_t legalMs = 0;
  int64_t dueAtMs = 0;      // when the promise runs out if the clock keeps running; 0 while paused
  Card card = Card::kNone;  // kNone: not accepted yet, or no longer open
  bool pastLegal = false;
};

// The case's deadline state at `nowMs` (calendar days). Yellow at ≥ 2/3 of the promised time
// used; red past the promised time; past-legal beyond the legal time.
Deadline deadlineAt(const CaseSummary& summary, int64_t nowMs);

}  // namespace govbus
