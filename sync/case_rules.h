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

// Case ids belong to the node that receives the case: "<receiver's code>-<anything>", e.g.
// "430102-0001". A `received` under another node's prefix is void (case_id_not_receivers), so no
// node can take over a case id another one uses, whatever order the two records arrive in.
bool caseIdBelongsTo(std::string_view caseId, std::string_view receiver);

struct CaseInput {
  RecordRef ref;
  Envelope envelope;
  std::variant<CaseEvent, SupervisionOrder> body;
  // Earliest time an ancestor of the author witnessed the record (sync/witness_index.h); 0 while
  // no ancestor has.
  int64_t witnessedAtMs = 0;
};

// How far a claimed time may lie from its witness before the event is flagged (a province
// setting, witness_tolerance_ms): 15 minutes unless the province publishes another value.
inline constexpr int64_t kDefaultWitnessToleranceMs = 15 * 60 * 1000;

// What the deadline clock needs besides the case's own records.
struct ClockRules {
  const HolidayCalendar* calendar = nullptr;  // required
  int64_t witnessToleranceMs = kDefaultWitnessToleranceMs;
};

// An event whose claimed time and earliest witness lie further apart than the tolerance:
// reported late (witnessed after it claims to have happened) or future-dated (the reverse).
struct FlaggedTime {
  RecordRef ref;
  int64_t claimedMs = 0;
  int64_t witnessedMs = 0;
  int64_t lateMs() const { return witnessedMs - claimedMs; }  // negative: future-dated
  friend bool operator==(const FlaggedTime&, const FlaggedTime&) = default;
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
  int64_t endedAtMs = 0;     // decision or withdrawal: the clock stops
  uint16_t promisedDays = 0;
  uint16_t legalDays = 0;
  LimitUnit limitUnit = LimitUnit::kWorkingDays;
  std::vector<ClockPause> pauses;  // in time order; the last one open while the clock is paused
  // The promised and legal limits run out at 24:00 UTC+8 of their last counted day (0 while the
  // clock is paused and has not run out); provisional when a year without a calendar was assumed.
  int64_t dueAtMs = 0;
  int64_t legalDueAtMs = 0;
  bool provisional = false;
  std::vector<FlaggedTime> flaggedTimes;  // reported late or future-dated, in evaluation order
  uint32_t materialsRequests = 0;
  uint32_t urges = 0;
  bool authorityConflict = false;
  std::optional<RecordRef> conflictRevocation;
  bool denied = false;
  std::string denialReason;
  std::optional<RecordRef> lastEvent;
  uint32_t validEvents = 0;

  bool secondMaterialsRequest() const { return materialsRequests > 1; }
  bool paused() const { return !pauses.empty() && pauses.back().untilMs == 0; }
  LimitClock clock() const { return LimitClock{acceptedAtMs, limitUnit, pauses}; }
  friend bool operator==(const CaseSummary&, const CaseSummary&) = default;
};

struct CaseEvaluation {
  CaseSummary summary;
  std::vector<std::pair<RecordRef, VoidReason>> voids;
  // Whether the evaluation asked who handles the item now, in the global view (a transfer pending
  // on a revocation): the case then depends on the catalog entry in force, not only on what its
  // records had seen. Not part of the state; the state engine indexes such cases.
  bool usedGlobalView = false;
};

CaseEvaluation evaluateCase(const std::string& caseId, std::vector<CaseInput> inputs,
                            const AuthorityState& authority, const ClockRules& rules);

// --- deadlines and cards (电子监察, 红黄牌) ---

enum class Card : uint8_t { kNone, kGreen, kYellow, kRed };
std::string_view cardName(Card card);

struct Deadline {
  int64_t usedMs = 0;  // counted days used so far, in days × kDayMs (sync/working_days.h)
  uint16_t promisedDays = 0;
  uint16_t legalDays = 0;
  LimitUnit unit = LimitUnit::kWorkingDays;
  int64_t dueAtMs = 0;       // end of the promised limit; 0 while paused and not run out
  int64_t legalDueAtMs = 0;  // end of the legal limit, likewise
  bool provisional = false;  // counted with Monday–Friday for a year without a calendar
  // kNone: not accepted yet, withdrawn, or decided within the limit; kRed stays on a case decided
  // late (超期办结).
  Card card = Card::kNone;
  bool pastLegal = false;
  double usedDays() const { return static_cast<double>(usedMs) / static_cast<double>(kDayMs); }
  bool overdue() const { return usedMs > int64_t{promisedDays} * kDayMs; }
};

// The case's deadline state at `nowMs` (or at its decision), counted in its item's unit with
// `calendar`. Yellow at ≥ 2/3 of the promised days used; red past the promised days; past-legal
// beyond the legal days.
Deadline deadlineAt(const CaseSummary& summary, int64_t nowMs, const HolidayCalendar& calendar);

}  // namespace govbus
