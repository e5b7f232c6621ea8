#include "sync/supervision.h"

#include <algorithm>

#include "sync/state_engine.h"

namespace govbus {

CardCounts& CardCounts::operator+=(const CardCounts& o) {
  open += o.open;
  green += o.green;
  yellow += o.yellow;
  red += o.red;
  pastLegal += o.pastLegal;
  authorityConflicts += o.authorityConflicts;
  halted += o.halted;
  openComplaints += o.openComplaints;
  closedLate += o.closedLate;
  lateReports += o.lateReports;
  return *this;
}

CardCounts SupervisionView::total() const {
  auto it = subtree.find(root);
  return it == subtree.end() ? CardCounts{} : it->second;
}

Result<SupervisionView> supervisionView(FeedReader& view, const AuthorityState& auth,
                                        const std::string& root, int64_t nowMs) {
  SupervisionView v;
  v.root = root;
  v.nowMs = nowMs;
  auto inScope = [&](const std::string& node) { return auth.isAncestorOrSelf(root, node); };
  GOVBUS_TRY(StateEngine::forEachCase(view, [&](const CaseSummary& s) {
    if (!inScope(s.handler)) return true;
    CardCounts& c = v.own[s.handler];
    if (s.denied) v.denials.push_back(s);
    if (s.secondMaterialsRequest()) v.secondMaterialsRequests.push_back(s);
    if (s.authorityConflict) ++c.authorityConflicts;
    for (const FlaggedTime& f : s.flaggedTimes) {
      if (f.lateMs() > 0 && inScope(f.ref.author)) ++v.own[f.ref.author].lateReports;
    }
    Deadline d = deadlineAt(s, nowMs, auth.calendar());
    if (!isOpen(s.status)) {
      if (d.card == Card::kRed) ++c.closedLate;
      return true;
    }
    ++c.open;
    if (s.halted) ++c.halted;
    if (d.pastLegal) ++c.pastLegal;
    switch (d.card) {
      case Card::kGreen:
        ++c.green;
        break;
      case Card::kYellow:
        ++c.yellow;
        break;
      case Card::kRed:
        ++c.red;
        v.overdue.push_back({s, d});
        break;
      case Card::kNone:
        break;
    }
    return true;
  }));
  GOVBUS_TRY(StateEngine::forEachComplaint(view, [&](const ComplaintSummary& s) {
    if (s.status == ComplaintStatus::kResolved || !inScope(s.routedTo)) return true;
    ++v.own[s.routedTo].openComplaints;
    v.openComplaints.push_back({s, nowMs - s.filedAtMs});
    return true;
  }));
  for (const auto& [node, counts] : v.own) {
    // Roll each node's own counts up to every ancestor within the view.
    std::vector<std::string> path = auth.pathFromRoot(node);
    bool below = false;
    for (const std::string& p : path) {
      below = below || p == root;
      if (below) v.subtree[p] += counts;
    }
  }
  v.subtree.try_emplace(root);
  std::sort(v.overdue.begin(), v.overdue.end(), [](const OverdueCase& a, const OverdueCase& b) {
    auto over = [](const Deadline& d) { return d.usedMs - int64_t{d.promisedDays} * kDayMs; };
    return over(a.deadline) > over(b.deadline);
  });
  std::sort(v.openComplaints.begin(), v.openComplaints.end(),
            [](const OpenComplaint& a, const OpenComplaint& b) { return a.ageMs > b.ageMs; });
  return v;
}

}  // namespace govbus
