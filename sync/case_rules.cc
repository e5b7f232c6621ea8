#include "sync/case_rules.h"

#include <algorithm>
#include <map>

namespace govbus {

std::string_view caseStatusName(CaseStatus s) {
  switch (s) {
    case CaseStatus::kNone:
      return "none";
    case CaseStatus::kReceived:
      return "received";
    case CaseStatus::kUnderReview:
      return "under_review";
    case CaseStatus::kAwaitingMaterials:
      return "awaiting_materials";
    case CaseStatus::kSuspended:
      return "suspended";
    case CaseStatus::kApproved:
      return "approved";
    case CaseStatus::kDenied:
      return "denied";
    case CaseStatus::kClosed:
      return "closed";
    case CaseStatus::kWithdrawn:
      return "withdrawn";
  }
  return "unknown";
}

bool caseIdBelongsTo(std::string_view caseId, std::string_view receiver) {
  return caseId.size() > receiver.size() + 1 && caseId.substr(0, receiver.size()) == receiver &&
         caseId[receiver.size()] == '-';
}

bool isOpen(CaseStatus s) {
  return s == CaseStatus::kReceived || s == CaseStatus::kUnderReview ||
         s == CaseStatus::kAwaitingMaterials || s == CaseStatus::kSuspended;
}

std::string_view cardName(Card c) {
  switch (c) {
    case Card::kNone:
      return "none";
    case Card::kGreen:
      return "green";
    case Card::kYellow:
      return "yellow";
    case Card::kRed:
      return "red";
  }
  return "unknown";
}

namespace {

// Events that stop or pause the clock: reported late, they count at their witnessed time, so a
// handler cannot escape a card by backdating them.
bool stopsClock(CaseEventType t) {
  return t == CaseEventType::kMaterialsRequested || t == CaseEventType::kSuspended ||
         t == CaseEventType::kApproved || t == CaseEventType::kDenied ||
         t == CaseEventType::kClosed || t == CaseEventType::kWithdrawn;
}
// Events that start the clock again: future-dated, they count at their witnessed time, so a
// handler cannot put off its clock by dating them ahead.
bool startsClock(CaseEventType t) {
  return t == CaseEventType::kAccepted || t == CaseEventType::kMaterialsSupplied ||
         t == CaseEventType::kResumed;
}

class CaseMachine {
 public:
  CaseMachine(const std::string& caseId, const AuthorityState& auth, const ClockRules& rules)
      : auth_(auth), rules_(rules) {
    s_.caseId = caseId;
  }

  VoidReason event(const CaseInput& in, const CaseEvent& e) {
    const Envelope& env = in.envelope;
    if (auth_.isForked(env)) return VoidReason::kAuthorForked;
    if (e.type == CaseEventType::kReceived) return received(in, e);
    if (s_.status == CaseStatus::kNone) return VoidReason::kUnknownCase;
    if (VoidReason r = checkHandler(in); r != VoidReason::kNone) return r;
    const int64_t t = clockTime(in, e.type);
    switch (e.type) {
      case CaseEventType::kReceived:
        break;  // handled above
      case CaseEventType::kAccepted: {
        if (s_.status != CaseStatus::kReceived) return VoidReason::kIllegalTransition;
        if (VoidReason r = haltCheck(in); r != VoidReason::kNone) return r;
        if (VoidReason r = acceptanceAuthority(in); r != VoidReason::kNone) return r;
        s_.status = CaseStatus::kUnderReview;
        s_.acceptedAtMs = t;
        return VoidReason::kNone;
      }
      case CaseEventType::kMaterialsRequested:
        if (s_.status != CaseStatus::kUnderReview) return VoidReason::kIllegalTransition;
        s_.status = CaseStatus::kAwaitingMaterials;
        pauseClock(t);
        ++s_.materialsRequests;  // a second one is a finding, not a void record (一次告知)
        return VoidReason::kNone;
      case CaseEventType::kMaterialsSupplied:
        if (s_.status != CaseStatus::kAwaitingMaterials) return VoidReason::kIllegalTransition;
        resumeClock(t);
        s_.status = CaseStatus::kUnderReview;
        return VoidReason::kNone;
      case CaseEventType::kStepCompleted:
        if (s_.status != CaseStatus::kUnderReview) return VoidReason::kIllegalTransition;
        return haltCheck(in);
      case CaseEventType::kSuspended:
        if (s_.status != CaseStatus::kUnderReview) return VoidReason::kIllegalTransition;
        s_.status = CaseStatus::kSuspended;
        pauseClock(t);
        return VoidReason::kNone;
      case CaseEventType::kResumed:
        if (s_.status != CaseStatus::kSuspended) return VoidReason::kIllegalTransition;
        resumeClock(t);
        s_.status = CaseStatus::kUnderReview;
        return VoidReason::kNone;
      case CaseEventType::kApproved:
      case CaseEventType::kDenied: {
        if (s_.status != CaseStatus::kUnderReview) return VoidReason::kIllegalTransition;
        if (VoidReason r = haltCheck(in); r != VoidReason::kNone) return r;
        if (e.type == CaseEventType::kDenied && (e.reason.empty() || e.legalBasis.empty())) {
          return VoidReason::kDenialWithoutReason;  // 否定报备 needs both
        }
        s_.status =
            e.type == CaseEventType::kApproved ? CaseStatus::kApproved : CaseStatus::kDenied;
        s_.denied = e.type == CaseEventType::kDenied;
        s_.denialReason = e.reason;
        s_.endedAtMs = t;
        return VoidReason::kNone;
      }
      case CaseEventType::kClosed:
        if (s_.status != CaseStatus::kApproved && s_.status != CaseStatus::kDenied)
          return VoidReason::kIllegalTransition;
        if (VoidReason r = haltCheck(in); r != VoidReason::kNone) return r;
        s_.status = CaseStatus::kClosed;
        return VoidReason::kNone;
      case CaseEventType::kWithdrawn:
        if (!isOpen(s_.status)) return VoidReason::kIllegalTransition;
        if (s_.paused()) resumeClock(t);
        s_.status = CaseStatus::kWithdrawn;
        s_.endedAtMs = t;
        return VoidReason::kNone;
      case CaseEventType::kTransferred:
        if (!isOpen(s_.status)) return VoidReason::kIllegalTransition;
        if (e.text == s_.handler || !onRegionPath(e.text))
          return VoidReason::kHandlerNotOnRegionPath;
        s_.handler = e.text;
        handlerMoved_ = true;
        pendingTransfer_.reset();
        return VoidReason::kNone;
    }
    return VoidReason::kIllegalTransition;
  }

  VoidReason order(const CaseInput& in, const SupervisionOrder& o) {
    if (auth_.isForked(in.envelope)) return VoidReason::kAuthorForked;
    if (s_.status == CaseStatus::kNone) return VoidReason::kUnknownCase;
    if (!auth_.isStrictAncestor(in.envelope.author, s_.handler))
      return VoidReason::kOrderNotByAncestor;
    bool final = s_.status == CaseStatus::kClosed || s_.status == CaseStatus::kWithdrawn;
    switch (o.kind) {
      case OrderKind::kUrge:
        if (final) return VoidReason::kOrderOnFinalCase;
        ++s_.urges;
        return VoidReason::kNone;
      case OrderKind::kCorrect:
        if (s_.status == CaseStatus::kApproved || s_.status == CaseStatus::kDenied ||
            s_.status == CaseStatus::kClosed) {
          // 纠错: back to under review. The clock continues from the original acceptance: time
          // between the decision and the correction counts as used, as the applicant waited.
          s_.status = CaseStatus::kUnderReview;
          s_.denied = false;
          s_.endedAtMs = 0;
          s_.halted = false;
          return VoidReason::kNone;
        }
        if (s_.halted) {
          s_.halted = false;
          return VoidReason::kNone;
        }
        return VoidReason::kOrderNothingToCorrect;
      case OrderKind::kHalt:
        if (final) return VoidReason::kOrderOnFinalCase;
        s_.halted = true;
        haltOrder_ = in.ref;
        return VoidReason::kNone;
      case OrderKind::kTransfer:
        if (final) return VoidReason::kOrderOnFinalCase;
        if (o.transferTo.empty() || !auth_.isAncestorOrSelf(in.envelope.author, o.transferTo) ||
            !onRegionPath(o.transferTo)) {
          return VoidReason::kOrderBadTransferTarget;
        }
        s_.handler = o.transferTo;
        handlerMoved_ = true;
        pendingTransfer_.reset();
        return VoidReason::kNone;
    }
    return VoidReason::kOrderNothingToCorrect;
  }

  void recordValid(const CaseInput& in) {
    ++s_.validEvents;
    if (std::holds_alternative<CaseEvent>(in.body)) s_.lastEvent = in.ref;
    const int64_t claimed = in.envelope.wallTimeMs;
    if (in.witnessedAtMs != 0 && (in.witnessedAtMs - claimed > rules_.witnessToleranceMs ||
                                  claimed - in.witnessedAtMs > rules_.witnessToleranceMs)) {
      s_.flaggedTimes.push_back(FlaggedTime{in.ref, claimed, in.witnessedAtMs});
    }
  }

  // The summary with its limits counted: due dates follow from the clock and the calendar alone.
  CaseSummary take() {
    if (s_.acceptedAtMs != 0) {
      LimitClock clock = s_.clock();
      DueDate promised = dueDate(clock, s_.promisedDays, *rules_.calendar);
      DueDate legal = dueDate(clock, s_.legalDays, *rules_.calendar);
      s_.dueAtMs = promised.dueAtMs;
      s_.legalDueAtMs = legal.dueAtMs;
      s_.provisional = promised.provisional || legal.provisional;
    }
    return std::move(s_);
  }
  bool usedGlobalView() const { return usedGlobalView_; }

 private:
  VoidReason received(const CaseInput& in, const CaseEvent& e) {
    // Before "already received": an intruder's `received` must neither open the case nor be
    // what makes the owner's own `received` a second one.
    if (!caseIdBelongsTo(e.caseId, in.envelope.author)) return VoidReason::kCaseIdNotReceivers;
    if (s_.status != CaseStatus::kNone) return VoidReason::kCaseAlreadyReceived;
    const CaseReceived& r = e.received;
    auto entry = auth_.itemSeenBy(r.item, Visibility::of(in.envelope));
    if (!entry) return VoidReason::kUnknownItem;
    if (!auth_.isAncestorOrSelf(r.handler, r.region)) return VoidReason::kHandlerNotOnRegionPath;
    if (!auth_.isAncestorOrSelf(r.handler, in.envelope.author))
      return VoidReason::kReceiverNotUnderHandler;
    s_.status = CaseStatus::kReceived;
    s_.item = r.item;
    s_.region = r.region;
    s_.receiver = in.envelope.author;
    s_.handler = r.handler;
    s_.receivedAtMs = in.envelope.wallTimeMs;
    s_.promisedDays = entry->promisedDays;
    s_.legalDays = entry->legalDays;
    s_.limitUnit = entry->limitUnit;
    return VoidReason::kNone;
  }

  bool onRegionPath(const std::string& node) const {
    return auth_.isAncestorOrSelf(node, s_.region);
  }

  // Who may author the next lifecycle event. With a transfer pending on an unseen revocation, the
  // old handler keeps acting in good faith until it sees the revocation; the new one from then on.
  VoidReason checkHandler(const CaseInput& in) {
    const std::string& author = in.envelope.author;
    if (pendingTransfer_) {
      bool seen = Visibility::of(in.envelope).sees(pendingTransfer_->revocation);
      if (author == pendingTransfer_->oldHandler && !seen) return VoidReason::kNone;
      if (author == s_.handler && seen) {
        pendingTransfer_.reset();
        return VoidReason::kNone;
      }
      return VoidReason::kNotTheHandler;
    }
    return author == s_.handler ? VoidReason::kNone : VoidReason::kNotTheHandler;
  }

  VoidReason haltCheck(const CaseInput& in) const {
    if (!s_.halted) return VoidReason::kNone;
    return Visibility::of(in.envelope).sees(*haltOrder_) ? VoidReason::kContradictsHaltOrder
                                                         : VoidReason::kContradictsUnseenHaltOrder;
  }

  VoidReason acceptanceAuthority(const CaseInput& in) {
    const Envelope& env = in.envelope;
    Visibility vis = Visibility::of(env);
    Holding h = auth_.holds(env.author, s_.item, env.wallTimeMs, vis);
    if (!h.holds) return VoidReason::kHandlerLacksAuthority;
    // 就近办理: a holder above the nearest one may not take the case; an explicit transfer (by
    // the handler or an ancestor's order) is how a case legitimately moves elsewhere.
    if (!handlerMoved_ && auth_.handlerFor(s_.item, s_.region, env.wallTimeMs, vis) != env.author) {
      return VoidReason::kNotTheNearestHolder;
    }
    const AuthorityRecord* revocation = auth_.unseenRevocationOf(h.chain, vis);
    if (!revocation) return VoidReason::kNone;
    // A revocation that had itself seen this acceptance came after it: the case was accepted on
    // good authority, no conflict. One that had not was concurrent: kept and flagged.
    bool concurrent = !Visibility::of(revocation->envelope).sees(in.ref);
    if (concurrent) {
      s_.authorityConflict = true;
      s_.conflictRevocation = revocation->ref;
    }
    const auto& rv = std::get<DelegationRevocation>(revocation->payload);
    if (rv.transferPending) {
      usedGlobalView_ = true;
      std::string next = auth_.handlerFor(s_.item, s_.region, env.wallTimeMs);
      if (!next.empty() && next != env.author) {
        pendingTransfer_ = PendingTransfer{revocation->ref, env.author};
        s_.handler = next;
      }
    }
    return VoidReason::kNone;
  }

  // The time an event counts at on the deadline clock (DESIGN §6, witnessed time): its claimed
  // time, unless its witness shows it was reported late (clock-stopping events) or dated ahead
  // (clock-starting events) by more than the tolerance.
  int64_t clockTime(const CaseInput& in, CaseEventType type) const {
    const int64_t claimed = in.envelope.wallTimeMs, witnessed = in.witnessedAtMs;
    if (witnessed == 0) return claimed;
    if (stopsClock(type) && witnessed - claimed > rules_.witnessToleranceMs) return witnessed;
    if (startsClock(type) && claimed - witnessed > rules_.witnessToleranceMs) return witnessed;
    return claimed;
  }

  void pauseClock(int64_t t) { s_.pauses.push_back(ClockPause{t, 0}); }

  void resumeClock(int64_t t) {
    if (!s_.paused()) return;
    // Never before the pause began: effective times of a late-reported pause may cross.
    s_.pauses.back().untilMs = std::max(t, s_.pauses.back().fromMs);
  }

  struct PendingTransfer {
    RecordRef revocation;
    std::string oldHandler;
  };

  const AuthorityState& auth_;
  const ClockRules& rules_;
  CaseSummary s_;
  std::optional<RecordRef> haltOrder_;
  std::optional<PendingTransfer> pendingTransfer_;
  bool handlerMoved_ = false;  // by a transfer, not by the handler rule
  bool usedGlobalView_ = false;
};

}  // namespace

CaseEvaluation evaluateCase(const std::string& caseId, std::vector<CaseInput> inputs,
                            const AuthorityState& auth, const ClockRules& rules) {
  std::vector<const CaseInput*> events;
  std::map<RecordRef, std::vector<const CaseInput*>> anchored;  // last-seen event → orders
  std::vector<const CaseInput*> unanchored;
  for (const CaseInput& in : inputs) {
    if (std::holds_alternative<CaseEvent>(in.body)) events.push_back(&in);
  }
  std::sort(events.begin(), events.end(), [](const CaseInput* a, const CaseInput* b) {
    if (a->envelope.lamport != b->envelope.lamport)
      return a->envelope.lamport < b->envelope.lamport;
    return a->ref < b->ref;
  });
  std::vector<std::pair<RecordRef, VoidReason>> voids;
  for (const CaseInput& in : inputs) {
    const auto* o = std::get_if<SupervisionOrder>(&in.body);
    if (!o) continue;
    bool found = o->lastSeen && std::any_of(events.begin(), events.end(), [&](const CaseInput* e) {
                   return e->ref == *o->lastSeen;
                 });
    if (found) {
      anchored[*o->lastSeen].push_back(&in);
    } else if (!o->lastSeen) {
      unanchored.push_back(&in);
    } else {
      voids.emplace_back(in.ref, VoidReason::kOrderLastSeenNotInCase);
    }
  }
  auto byIssuer = [](const CaseInput* a, const CaseInput* b) {
    int la = AuthorityState::levelOf(a->envelope.author),
        lb = AuthorityState::levelOf(b->envelope.author);
    if (la != lb) return la > lb;  // deeper issuers first: the higher level acts last
    return a->ref < b->ref;
  };
  for (auto& [ref, list] : anchored) std::sort(list.begin(), list.end(), byIssuer);
  std::sort(unanchored.begin(), unanchored.end(), byIssuer);

  CaseMachine m(caseId, auth, rules);
  auto run = [&](const CaseInput* in) {
    VoidReason r = std::visit(
        [&](const auto& body) {
          if constexpr (std::is_same_v<std::decay_t<decltype(body)>, CaseEvent>) {
            return m.event(*in, body);
          } else {
            return m.order(*in, body);
          }
        },
        in->body);
    if (r == VoidReason::kNone) {
      m.recordValid(*in);
    } else {
      voids.emplace_back(in->ref, r);
    }
  };
  // Orders that name no event judge the case as it stands before any event: void, as there is
  // no case yet; they are run first so that this holds whatever else arrives.
  for (const CaseInput* o : unanchored) run(o);
  for (const CaseInput* e : events) {
    run(e);
    if (auto it = anchored.find(e->ref); it != anchored.end()) {
      for (const CaseInput* o : it->second) run(o);
    }
  }
  std::sort(voids.begin(), voids.end());
  const bool global = m.usedGlobalView();
  return CaseEvaluation{m.take(), std::move(voids), global};
}

Deadline deadlineAt(const CaseSummary& s, int64_t nowMs, const HolidayCalendar& calendar) {
  Deadline d;
  d.promisedDays = s.promisedDays;
  d.legalDays = s.legalDays;
  d.unit = s.limitUnit;
  d.dueAtMs = s.dueAtMs;
  d.legalDueAtMs = s.legalDueAtMs;
  d.provisional = s.provisional;
  if (s.acceptedAtMs == 0) return d;
  DaysUsed used = daysUsed(s.clock(), s.endedAtMs != 0 ? s.endedAtMs : nowMs, calendar);
  d.usedMs = used.ms;
  d.provisional = d.provisional || used.provisional;
  d.pastLegal = d.usedMs > int64_t{s.legalDays} * kDayMs;
  const int64_t promisedMs = int64_t{s.promisedDays} * kDayMs;
  if (s.status == CaseStatus::kApproved || s.status == CaseStatus::kDenied ||
      s.status == CaseStatus::kClosed) {
    if (d.usedMs > promisedMs) d.card = Card::kRed;  // decided late (超期办结): the card stays
    return d;
  }
  if (!isOpen(s.status) || s.status == CaseStatus::kReceived) return d;
  if (d.usedMs > promisedMs) {
    d.card = Card::kRed;
  } else if (3 * d.usedMs >= 2 * promisedMs) {
    d.card = Card::kYellow;
  } else {
    d.card = Card::kGreen;
  }
  return d;
}

}  // namespace govbus
