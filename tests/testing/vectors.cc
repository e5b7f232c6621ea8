#include "testing/vectors.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace govbus::testing {

namespace {

std::string path(const std::string& name) { return std::string(GOVBUS_VECTORS_DIR) + "/" + name; }

Json list(const std::vector<std::string>& items) {
  Json out = Json::array();
  for (const auto& s : items) out.push_back(s);
  return out;
}

Json frontier(const Frontier& f) {
  Json out = Json::array();
  for (const auto& e : f) out.push_back({{"author", e.author}, {"seq", e.seq}});
  return out;
}

Json ref(const RecordRef& r) { return {{"author", r.author}, {"seq", r.seq}}; }
Json ref(const std::optional<RecordRef>& r) { return r ? ref(*r) : Json(nullptr); }

const char* name(CatalogOp v) { return v == CatalogOp::kInsert ? "insert" : "update"; }
const char* name(DelegationScope v) { return v == DelegationScope::kNode ? "node" : "subtree"; }
const char* name(DelegationMode v) { return v == DelegationMode::kEntrust ? "entrust" : "devolve"; }
const char* name(OrderKind v) {
  switch (v) {
    case OrderKind::kUrge:
      return "urge";
    case OrderKind::kCorrect:
      return "correct";
    case OrderKind::kHalt:
      return "halt";
    case OrderKind::kTransfer:
      return "transfer";
  }
  return "?";
}
const char* name(ComplaintStatus v) {
  switch (v) {
    case ComplaintStatus::kReceived:
      return "received";
    case ComplaintStatus::kHandling:
      return "handling";
    case ComplaintStatus::kResolved:
      return "resolved";
  }
  return "?";
}

Json caseEvent(const CaseEvent& e) {
  Json out = {{"caseId", e.caseId}};
  Json& event = out[caseEventName(e.type)];
  switch (e.type) {
    case CaseEventType::kReceived: {
      const CaseReceived& r = e.received;
      event = {{"item", r.item},
               {"handler", r.handler},
               {"region", r.region},
               {"applicantHash", hex(r.applicantHash)},
               {"materials", list(r.materials)},
               {"authority", ref(r.authority)},
               {"firstResponsible", r.firstResponsible}};
      break;
    }
    case CaseEventType::kMaterialsRequested:
    case CaseEventType::kMaterialsSupplied:
      event = list(e.materials);
      break;
    case CaseEventType::kStepCompleted:
    case CaseEventType::kSuspended:
    case CaseEventType::kApproved:
    case CaseEventType::kWithdrawn:
    case CaseEventType::kTransferred:
      event = e.text;
      break;
    case CaseEventType::kDenied:
      event = {{"reason", e.reason}, {"legalBasis", e.legalBasis}};
      break;
    case CaseEventType::kAccepted:
    case CaseEventType::kResumed:
    case CaseEventType::kClosed:
      event = nullptr;  // Void members
      break;
  }
  return out;
}

Json payload(const Payload& p) {
  return std::visit(
      [](const auto& v) -> Json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, SignedCertificate>) {
          return {{"nodeCertificate", toJson(v)}};
        } else if constexpr (std::is_same_v<T, KeyRevocation>) {
          return {{"keyRevocation",
                   {{"subject", v.subject},
                    {"serial", v.serial},
                    {"fromSeq", v.fromSeq},
                    {"reason", v.reason}}}};
        } else if constexpr (std::is_same_v<T, CatalogItem>) {
          return {{"catalogItem",
                   {{"op", name(v.op)},
                    {"code", v.code},
                    {"name", v.name},
                    {"statutoryDepth", v.statutoryDepth},
                    {"legalDays", v.legalDays},
                    {"promisedDays", v.promisedDays},
                    {"delegable", v.delegable},
                    {"materials", list(v.materials)},
                    {"limitUnit",
                     v.limitUnit == LimitUnit::kWorkingDays ? "workingDays" : "calendarDays"}}}};
        } else if constexpr (std::is_same_v<T, Delegation>) {
          return {{"delegation",
                   {{"item", v.item},
                    {"grantee", v.grantee},
                    {"scope", name(v.scope)},
                    {"mode", name(v.mode)},
                    {"mayRedelegate", v.mayRedelegate},
                    {"validFromMs", v.validFromMs},
                    {"validUntilMs", v.validUntilMs},
                    {"parent", ref(v.parent)}}}};
        } else if constexpr (std::is_same_v<T, DelegationRevocation>) {
          return {{"delegationRevocation",
                   {{"delegation", ref(v.delegation)},
                    {"transferPending", v.transferPending},
                    {"reason", v.reason}}}};
        } else if constexpr (std::is_same_v<T, CaseEvent>) {
          return {{"caseEvent", caseEvent(v)}};
        } else if constexpr (std::is_same_v<T, SupervisionOrder>) {
          return {{"supervisionOrder",
                   {{"caseId", v.caseId},
                    {"kind", name(v.kind)},
                    {"lastSeen", ref(v.lastSeen)},
                    {"transferTo", v.transferTo},
                    {"note", v.note}}}};
        } else if constexpr (std::is_same_v<T, Complaint>) {
          return {{"complaint",
                   {{"complaintId", v.complaintId},
                    {"caseId", v.caseId},
                    {"against", v.against},
                    {"summary", v.summary}}}};
        } else if constexpr (std::is_same_v<T, ComplaintUpdate>) {
          return {{"complaintUpdate",
                   {{"complaintId", v.complaintId}, {"status", name(v.status)}, {"note", v.note}}}};
        } else if constexpr (std::is_same_v<T, WorkingCalendar>) {
          return {{"workingCalendar",
                   {{"year", v.year},
                    {"holidays", list(v.holidays)},
                    {"workdays", list(v.workdays)},
                    {"note", v.note}}}};
        } else if constexpr (std::is_same_v<T, Witness>) {
          return {{"witness", {{"feeds", frontier(v.feeds)}}}};
        } else if constexpr (std::is_same_v<T, LinkOutage>) {
          return {{"linkOutage", {{"peer", v.peer}, {"fromMs", v.fromMs}, {"untilMs", v.untilMs}}}};
        } else if constexpr (std::is_same_v<T, ProvinceSetting>) {
          return {{"provinceSetting", {{"name", v.name}, {"value", v.value}}}};
        } else {
          static_assert(std::is_same_v<T, ForkReport>);
          return {{"forkReport",
                   {{"author", v.author},
                    {"seq", v.seq},
                    {"first", toJson(v.first)},
                    {"second", toJson(v.second)}}}};
        }
      },
      p);
}

}  // namespace

std::string caseEventName(CaseEventType type) {
  static const char* const kNames[] = {"received",
                                       "accepted",
                                       "materialsRequested",
                                       "materialsSupplied",
                                       "stepCompleted",
                                       "suspended",
                                       "resumed",
                                       "approved",
                                       "denied",
                                       "closed",
                                       "withdrawn",
                                       "transferred"};
  return kNames[static_cast<size_t>(type)];
}

bool writingVectors() {
  const char* v = std::getenv("GOVBUS_WRITE_VECTORS");
  return v != nullptr && std::string(v) == "1";
}

Json readVectors(const std::string& name) {
  std::ifstream in(path(name));
  if (!in) {
    ADD_FAILURE() << "missing vector file " << path(name);
    return Json::object();
  }
  std::stringstream text;
  text << in.rdbuf();
  Json out = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) {
    ADD_FAILURE() << path(name) << " is not valid JSON";
    return Json::object();
  }
  return out;
}

void writeVectors(const std::string& name, const Json& vectors) {
  std::ofstream out(path(name), std::ios::trunc);
  out << vectors.dump(2) << "\n";
  ASSERT_TRUE(out.good()) << "cannot write " << path(name);
  std::printf("GOVBUS_WRITE_VECTORS=1: wrote %s\n", path(name).c_str());
}

std::string hex(ByteView bytes) { return toHex(bytes); }

Bytes unhex(const Json& value) {
  Bytes out;
  EXPECT_TRUE(value.is_string() && fromHex(value.get<std::string>(), out))
      << "not a hex string: " << value.dump();
  return out;
}

Json toJson(const Record& r) {
  const Envelope& e = r.envelope;
  return {{"author", e.author},
          {"keySerial", e.keySerial},
          {"seq", e.seq},
          {"prevHash", hex(e.prevHash)},
          {"lamport", e.lamport},
          {"wallTimeMs", e.wallTimeMs},
          {"frontier", frontier(e.frontier)},
          {"payload", payload(r.payload)}};
}

Json toJson(const Certificate& c) {
  return {{"subject", c.subject},
          {"subjectName", c.subjectName},
          {"publicKey", hex(c.publicKey)},
          {"issuer", c.issuer},
          {"serial", c.serial},
          {"notBeforeMs", c.notBeforeMs},
          {"notAfterMs", c.notAfterMs},
          {"issuerSerial", c.issuerSerial}};
}

Json toJson(const SignedCertificate& c) {
  return {{"body", hex(c.body)}, {"signature", hex(c.signature)}};
}

Json toJson(const SignedRecord& r) {
  return {{"body", hex(r.body)}, {"signature", hex(r.signature)}};
}

Json toJson(const SyncMessage& m) {
  return std::visit(
      [](const auto& v) -> Json {
        using T = std::decay_t<decltype(v)>;
        auto certs = [](const std::vector<SignedCertificate>& list) {
          Json out = Json::array();
          for (const auto& c : list) out.push_back(toJson(c));
          return out;
        };
        if constexpr (std::is_same_v<T, Hello>) {
          return {{"hello",
                   {{"protocolVersion", v.protocolVersion},
                    {"node", v.node},
                    {"chain", certs(v.chain)},
                    {"frontier", frontier(v.frontier)}}}};
        } else if constexpr (std::is_same_v<T, RecordsBatch>) {
          Json records = Json::array();
          for (const auto& r : v.records) records.push_back(toJson(r));
          return {{"records", {{"certificates", certs(v.certificates)}, {"records", records}}}};
        } else if constexpr (std::is_same_v<T, Ack>) {
          return {{"ack", {{"frontier", frontier(v.frontier)}}}};
        } else if constexpr (std::is_same_v<T, Ping>) {
          return {{"ping", {{"nonce", v.nonce}, {"sentMs", v.sentMs}}}};
        } else {
          static_assert(std::is_same_v<T, Reconnect>);
          return {{"reconnect", nullptr}};
        }
      },
      m);
}

}  // namespace govbus::testing
