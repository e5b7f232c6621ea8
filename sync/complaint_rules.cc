#include "sync/complaint_rules.h"

#include <algorithm>

namespace govbus {

ComplaintEvaluation evaluateComplaint(const std::string& complaintId,
                                      std::vector<ComplaintInput> inputs,
                                      const AuthorityState& auth) {
  std::sort(inputs.begin(), inputs.end(), [](const ComplaintInput& a, const ComplaintInput& b) {
    if (a.envelope.lamport != b.envelope.lamport) return a.envelope.lamport < b.envelope.lamport;
    return a.ref < b.ref;
  });
  ComplaintEvaluation out;
  ComplaintSummary& s = out.summary;
  s.complaintId = complaintId;
  for (const ComplaintInput& in : inputs) {
    VoidReason reason = VoidReason::kNone;
    if (auth.isForked(in.envelope)) {
      reason = VoidReason::kAuthorForked;
    } else if (const auto* c = std::get_if<Complaint>(&in.body)) {
      if (s.exists) {
        reason = VoidReason::kComplaintDuplicate;
      } else if (!auth.isEnrolled(c->against)) {
        reason = VoidReason::kComplaintAgainstUnknownNode;
      } else {
        s.exists = true;
        s.caseId = c->caseId;
        s.against = c->against;
        s.routedTo = auth.parentOf(c->against).value_or(auth.root());
        s.filedBy = in.envelope.author;
        s.filedAtMs = s.updatedAtMs = in.envelope.wallTimeMs;
      }
    } else {
      const auto& u = std::get<ComplaintUpdate>(in.body);
      if (!s.exists) {
        reason = VoidReason::kComplaintUnknown;
      } else if (!auth.isAncestorOrSelf(in.envelope.author, s.routedTo)) {
        reason = VoidReason::kComplaintUpdateNotBySupervisor;
      } else {
        s.status = u.status;
        s.updatedAtMs = in.envelope.wallTimeMs;
      }
    }
    if (reason != VoidReason::kNone) out.voids.emplace_back(in.ref, reason);
  }
  std::sort(out.voids.begin(), out.voids.end());
  return out;
}

}  // namespace govbus
