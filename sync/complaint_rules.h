// Complaint rules: efficiency complaints (效能投诉) routed to the supervising level (§6).
//
// A complaint names the node it is about; it is routed to that node's parent in the tree (the root
// answers complaints about itself). Only the routed-to node or its ancestors may update it
// (有诉必接、有接必理、有理必果: received → handling → resolved). Pure function of its records.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "protocol/record.h"
#include "sync/authority.h"
#include "sync/verdict.h"

namespace govbus {

struct ComplaintInput {
  RecordRef ref;
  Envelope envelope;
  std::variant<Complaint, ComplaintUpdate> body;
};

struct ComplaintSummary {
  std::string complaintId;
  std::string caseId;
  std::string against;
  std::string routedTo;
  std::string filedBy;
  bool exists = false;
  ComplaintStatus status = ComplaintStatus::kReceived;
  int64_t filedAtMs = 0;
  int64_t updatedAtMs = 0;
  friend bool operator==(const ComplaintSummary&, const ComplaintSummary&) = default;
};

struct ComplaintEvaluation {
  ComplaintSummary summary;
  std::vector<std::pair<RecordRef, VoidReason>> voids;
};

ComplaintEvaluation evaluateComplaint(const std::string& complaintId,
                                      std::vector<ComplaintInput> inputs,
                                      const AuthorityState& authority);

}  // namespace govbus
