// Supervision view (电子监察): what a node's supervisors see of its whole subtree at a moment.
//
// Computed from the derived state (case and complaint summaries) and the tree; `nowMs` is a value
// the caller passes, so the same state and the same moment give the same view on every node.
// Counts are given per handling node and rolled up the tree, so that a node's totals are the sum
// over its subtree (DESIGN §10, invariant 7).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "sync/authority.h"
#include "sync/case_rules.h"
#include "sync/complaint_rules.h"
#include "sync/feed_store.h"

namespace govbus {

struct CardCounts {
  uint64_t open = 0;  // received but not decided or withdrawn
  uint64_t green = 0;
  uint64_t yellow = 0;
  uint64_t red = 0;
  uint64_t pastLegal = 0;
  uint64_t authorityConflicts = 0;
  uint64_t halted = 0;
  uint64_t openComplaints = 0;
  uint64_t closedLate = 0;   // decided after the promised limit (超期办结)
  uint64_t lateReports = 0;  // events this node reported late (witnessed time, DESIGN §6)
  friend bool operator==(const CardCounts&, const CardCounts&) = default;
  CardCounts& operator+=(const CardCounts& o);
};

struct OverdueCase {
  CaseSummary summary;
  Deadline deadline;
};

struct OpenComplaint {
  ComplaintSummary summary;
  int64_t ageMs = 0;
};

struct SupervisionView {
  std::string root;
  int64_t nowMs = 0;
  std::map<std::string, CardCounts> own;             // cases handled by that node itself
  std::map<std::string, CardCounts> subtree;         // that node and everything below it
  std::vector<OverdueCase> overdue;                  // red cards, most overdue first
  std::vector<CaseSummary> denials;                  // 否定报备: every denial, for review
  std::vector<CaseSummary> secondMaterialsRequests;  // 一次告知 broken: findings
  std::vector<OpenComplaint> openComplaints;         // oldest first
  CardCounts total() const;
};

Result<SupervisionView> supervisionView(FeedReader& view, const AuthorityState& authority,
                                        const std::string& root, int64_t nowMs);

}  // namespace govbus
