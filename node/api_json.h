// API JSON: request bodies of the local HTTP API turned into record payloads, and the node's state
// turned into response bodies (nlohmann::json).
//
// Parsers never throw; they return kInvalidArgument with a message naming the field and what it
// must be ("field 'legal_days': must be an integer from 1 to 65535"), which the API sends back as a
// 400. They check form only (types, division codes, enum names, hex); whether a record is allowed
// is decided by Replica::author, which refuses void records naming the rule.
//
// Field names are snake_case; case-event types are the names of DESIGN §4 (received, accepted,
// materialsRequested, materialsSupplied, stepCompleted, suspended, resumed, approved, denied,
// closed, withdrawn, transferred). A record reference is {"author": "430000", "seq": 12} or the
// string "430000#12".
//
// Thread safety: free functions over values.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "crypto/applicant_key.h"
#include "protocol/record.h"
#include "sync/authority.h"
#include "sync/case_rules.h"
#include "sync/complaint_rules.h"
#include "sync/supervision.h"

namespace govbus {

using Json = nlohmann::json;

// Who handles `item` for `region` now ("" when nobody): fills in a `received` event's handler when
// the caller leaves it out. An error (an item that is not in the catalog in force) is the answer
// to the caller, whether or not the body names the handler.
using HandlerLookup =
    std::function<Result<std::string>(const std::string& item, const std::string& region)>;

// `applicantKey` hashes a `received` event's applicant_id; without one, only applicant_hash is
// taken (the caller hashed the id with the province's key, crypto/applicant_key.h).
Result<CaseEvent> caseEventFromJson(const std::string& caseId, const Json& body,
                                    const HandlerLookup& handlerFor,
                                    const ApplicantKey* applicantKey = nullptr);
Result<Complaint> complaintFromJson(const Json& body, const std::string& generatedId);
Result<ComplaintUpdate> complaintUpdateFromJson(const std::string& complaintId, const Json& body);
Result<std::vector<CatalogItem>> catalogFromJson(const Json& body);
Result<Delegation> delegationFromJson(const Json& body, int64_t nowMs);
Result<DelegationRevocation> delegationRevocationFromJson(const Json& body);
// `lastSeen` is left empty when the body has no last_seen: the API fills in the case's last event.
Result<SupervisionOrder> orderFromJson(const Json& body);
Result<SignedCertificate> enrollmentFromJson(const Json& body);
// A key revocation (DESIGN §3): records `subject` signed with `serial` from `from_seq` on are
// rejected at the door. Only a strict ancestor's revocation takes effect.
Result<KeyRevocation> keyRevocationFromJson(const Json& body);
// {year, holidays: ["YYYY-MM-DD", …], workdays: [...], note}: one year's working-day calendar.
Result<WorkingCalendar> calendarFromJson(const Json& body);
// {name, value}: a province setting (sync/authority.h knownSettings()).
Result<ProvinceSetting> settingFromJson(const Json& body);
Result<RecordRef> refFromJson(const Json& value, const std::string& field);
// Validates a division code given in a URL or query string.
Status checkCode(const std::string& code, const std::string& field);

Json toJson(const RecordRef& ref);
Json toJson(const CaseSummary& summary);
Json toJson(const Deadline& deadline);
Json toJson(const ComplaintSummary& summary);
// A catalog item in force: code, name, level, legal_days, promised_days, delegable, materials and
// the record of the version in force.
Json toJson(const CatalogEntry& entry);
Json toJson(const Explanation& explanation);
Json toJson(const CardCounts& counts);
Json toJson(const SupervisionView& view);
// One stored record of a case (event or order) with its verdict.
Json caseRecordJson(const RecordRef& ref, const Record& record, std::string_view verdict);

std::string_view caseEventTypeName(CaseEventType type);
std::string_view orderKindName(OrderKind kind);

}  // namespace govbus
