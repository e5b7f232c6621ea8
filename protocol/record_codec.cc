#include "protocol/record_codec.h"

#include <algorithm>
#include <cstring>

#include "base/civil_date.h"
#include "protocol/capnp_io.h"
#include "protocol/division_code.h"
#include "protocol/limits.h"
#include "protocol/record.capnp.h"

namespace govbus {

namespace {

using capnp_io::readMessage;

using capnp_io::malformed;
using capnp_io::readCode;
using capnp_io::readText;
using capnp_io::text;

// --- reading helpers: each copies one field out of a reader, enforcing its limit ---

Bytes readData(capnp::Data::Reader data) { return Bytes(data.begin(), data.end()); }

Result<std::vector<std::string>> readTextList(capnp::List<capnp::Text>::Reader list,
                                              std::string_view field) {
  if (list.size() > kMaxListItems) {
    return malformed(field, "list of " + std::to_string(list.size()) + " items exceeds " +
                                std::to_string(kMaxListItems));
  }
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto t : list) {
    GOVBUS_ASSIGN_OR_RETURN(std::string s, readText(t, field));
    out.push_back(std::move(s));
  }
  return out;
}

// An absent reference is encoded as an empty author.
Result<std::optional<RecordRef>> readOptionalRef(wire::RecordRef::Reader r,
                                                 std::string_view field) {
  if (r.getAuthor().size() == 0) {
    if (r.getSeq() != 0) return malformed(field, "reference has a sequence but no author");
    return std::optional<RecordRef>();
  }
  GOVBUS_ASSIGN_OR_RETURN(std::string author, readCode(r.getAuthor(), field));
  if (r.getSeq() == 0) return malformed(field, "reference sequence must be at least 1");
  return std::optional<RecordRef>(RecordRef{std::move(author), r.getSeq()});
}

Result<RecordRef> readRef(wire::RecordRef::Reader r, std::string_view field) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<RecordRef> ref, readOptionalRef(r, field));
  if (!ref) return malformed(field, "reference is required");
  return std::move(*ref);
}

template <typename Enum>
Result<Enum> readEnum(uint16_t raw, uint16_t count, std::string_view field) {
  if (raw >= count) return malformed(field, "unknown enum value " + std::to_string(raw));
  return static_cast<Enum>(raw);
}

Result<SignedRecord> readSignedRecordStruct(wire::SignedRecord::Reader r, std::string_view field) {
  if (r.getBody().size() > kMaxRecordBodyBytes) {
    return makeError(ErrorCode::kTooLarge,
                     std::string(field) + ": body of " + std::to_string(r.getBody().size()) +
                         " bytes exceeds " + std::to_string(kMaxRecordBodyBytes));
  }
  if (r.getBody().size() == 0) return malformed(field, "body is empty");
  if (r.getSignature().size() != kSignatureBytes) {
    return malformed(field,
                     "signature must be 64 bytes, got " + std::to_string(r.getSignature().size()));
  }
  return SignedRecord{readData(r.getBody()), readData(r.getSignature())};
}

// Per-feed positions, sorted by author without repeats (a frontier, a witness's feeds).
Result<Frontier> readFrontier(capnp::List<wire::FrontierEntry>::Reader list,
                              std::string_view field = "frontier",
                              size_t maxEntries = kMaxFrontierEntries) {
  if (list.size() > maxEntries) {
    return malformed(field,
                     std::to_string(list.size()) + " entries exceed " + std::to_string(maxEntries));
  }
  const std::string authorField = std::string(field) + ".author";
  Frontier out;
  out.reserve(list.size());
  for (auto e : list) {
    GOVBUS_ASSIGN_OR_RETURN(std::string author, readCode(e.getAuthor(), authorField));
    if (!out.empty() && !(out.back().author < author)) {
      return malformed(field, "entries must be sorted by author without repeats");
    }
    out.push_back({std::move(author), e.getSeq()});
  }
  return out;
}

// A list of dates of one year, "YYYY-MM-DD", strictly ascending.
Result<std::vector<std::string>> readYearDates(capnp::List<capnp::Text>::Reader list, int year,
                                               std::string_view field) {
  if (list.size() > kMaxCalendarDays) {
    return malformed(field, "list of " + std::to_string(list.size()) + " dates exceeds " +
                                std::to_string(kMaxCalendarDays));
  }
  std::vector<std::string> out;
  std::optional<DayNumber> previous;
  for (auto t : list) {
    GOVBUS_ASSIGN_OR_RETURN(std::string date, readText(t, field, 10));
    std::optional<DayNumber> day = parseIsoDate(date);
    if (!day) return malformed(field, "'" + date + "' is not a date of the form YYYY-MM-DD");
    if (civilDateOf(*day).year != year)
      return malformed(field, date + " lies outside the calendar's year " + std::to_string(year));
    if (previous && *day <= *previous)
      return malformed(field, "dates must be in ascending order without repeats");
    previous = day;
    out.push_back(std::move(date));
  }
  return out;
}

Result<Envelope> readEnvelope(wire::Record::Reader r) {
  Envelope env;
  GOVBUS_ASSIGN_OR_RETURN(env.author, readCode(r.getAuthor(), "author"));
  env.keySerial = r.getKeySerial();
  if (env.keySerial == 0) return malformed("keySerial", "must be at least 1");
  env.seq = r.getSeq();
  if (env.seq == 0) return malformed("seq", "must be at least 1");
  env.prevHash = readData(r.getPrevHash());
  if (env.seq == 1 && !env.prevHash.empty()) return malformed("prevHash", "must be empty at seq 1");
  if (env.seq > 1 && env.prevHash.size() != kHashBytes) {
    return malformed("prevHash",
                     "must be 32 bytes after seq 1, got " + std::to_string(env.prevHash.size()));
  }
  env.lamport = r.getLamport();
  if (env.lamport == 0) return malformed("lamport", "must be at least 1");
  env.wallTimeMs = r.getWallTimeMs();
  GOVBUS_ASSIGN_OR_RETURN(env.frontier, readFrontier(r.getFrontier()));
  return env;
}

Result<CatalogItem> readCatalogItem(wire::CatalogItem::Reader r) {
  CatalogItem c;
  GOVBUS_ASSIGN_OR_RETURN(
      c.op, readEnum<CatalogOp>(static_cast<uint16_t>(r.getOp()), 2, "catalogItem.op"));
  GOVBUS_ASSIGN_OR_RETURN(c.code, readText(r.getCode(), "catalogItem.code", 64));
  if (c.code.empty()) return malformed("catalogItem.code", "is required");
  GOVBUS_ASSIGN_OR_RETURN(c.name, readText(r.getName(), "catalogItem.name"));
  c.statutoryDepth = r.getStatutoryDepth();
  c.legalDays = r.getLegalDays();
  c.promisedDays = r.getPromisedDays();
  c.delegable = r.getDelegable();
  GOVBUS_ASSIGN_OR_RETURN(c.materials, readTextList(r.getMaterials(), "catalogItem.materials"));
  GOVBUS_ASSIGN_OR_RETURN(c.limitUnit, readEnum<LimitUnit>(static_cast<uint16_t>(r.getLimitUnit()),
                                                           2, "catalogItem.limitUnit"));
  return c;
}

Result<Delegation> readDelegation(wire::Delegation::Reader r) {
  Delegation d;
  GOVBUS_ASSIGN_OR_RETURN(d.item, readText(r.getItem(), "delegation.item", 64));
  GOVBUS_ASSIGN_OR_RETURN(d.grantee, readCode(r.getGrantee(), "delegation.grantee"));
  GOVBUS_ASSIGN_OR_RETURN(d.scope, readEnum<DelegationScope>(static_cast<uint16_t>(r.getScope()), 2,
                                                             "delegation.scope"));
  GOVBUS_ASSIGN_OR_RETURN(
      d.mode, readEnum<DelegationMode>(static_cast<uint16_t>(r.getMode()), 2, "delegation.mode"));
  d.mayRedelegate = r.getMayRedelegate();
  d.validFromMs = r.getValidFromMs();
  d.validUntilMs = r.getValidUntilMs();
  GOVBUS_ASSIGN_OR_RETURN(d.parent, readOptionalRef(r.getParent(), "delegation.parent"));
  return d;
}

Result<CaseEvent> readCaseEvent(wire::CaseEvent::Reader r) {
  CaseEvent e;
  GOVBUS_ASSIGN_OR_RETURN(e.caseId, readText(r.getCaseId(), "caseEvent.caseId", kMaxIdBytes));
  if (e.caseId.empty()) return malformed("caseEvent.caseId", "is required");
  switch (r.which()) {
    case wire::CaseEvent::RECEIVED: {
      e.type = CaseEventType::kReceived;
      auto rc = r.getReceived();
      GOVBUS_ASSIGN_OR_RETURN(e.received.item, readText(rc.getItem(), "received.item", 64));
      GOVBUS_ASSIGN_OR_RETURN(e.received.handler, readCode(rc.getHandler(), "received.handler"));
      GOVBUS_ASSIGN_OR_RETURN(e.received.region, readCode(rc.getRegion(), "received.region"));
      e.received.applicantHash = readData(rc.getApplicantHash());
      if (e.received.applicantHash.size() != kHashBytes) {
        return malformed("received.applicantHash", "must be 32 bytes");
      }
      GOVBUS_ASSIGN_OR_RETURN(e.received.materials,
                              readTextList(rc.getMaterials(), "received.materials"));
      GOVBUS_ASSIGN_OR_RETURN(e.received.authority,
                              readOptionalRef(rc.getAuthority(), "received.authority"));
      GOVBUS_ASSIGN_OR_RETURN(e.received.firstResponsible,
                              readText(rc.getFirstResponsible(), "received.firstResponsible"));
      break;
    }
    case wire::CaseEvent::ACCEPTED:
      e.type = CaseEventType::kAccepted;
      break;
    case wire::CaseEvent::MATERIALS_REQUESTED: {
      e.type = CaseEventType::kMaterialsRequested;
      GOVBUS_ASSIGN_OR_RETURN(e.materials,
                              readTextList(r.getMaterialsRequested(), "materialsRequested"));
      break;
    }
    case wire::CaseEvent::MATERIALS_SUPPLIED: {
      e.type = CaseEventType::kMaterialsSupplied;
      GOVBUS_ASSIGN_OR_RETURN(e.materials,
                              readTextList(r.getMaterialsSupplied(), "materialsSupplied"));
      break;
    }
    case wire::CaseEvent::STEP_COMPLETED: {
      e.type = CaseEventType::kStepCompleted;
      GOVBUS_ASSIGN_OR_RETURN(e.text, readText(r.getStepCompleted(), "stepCompleted"));
      break;
    }
    case wire::CaseEvent::SUSPENDED: {
      e.type = CaseEventType::kSuspended;
      GOVBUS_ASSIGN_OR_RETURN(e.text, readText(r.getSuspended(), "suspended"));
      break;
    }
    case wire::CaseEvent::RESUMED:
      e.type = CaseEventType::kResumed;
      break;
    case wire::CaseEvent::APPROVED: {
      e.type = CaseEventType::kApproved;
      GOVBUS_ASSIGN_OR_RETURN(e.text, readText(r.getApproved(), "approved"));
      break;
    }
    case wire::CaseEvent::DENIED: {
      e.type = CaseEventType::kDenied;
      GOVBUS_ASSIGN_OR_RETURN(e.reason, readText(r.getDenied().getReason(), "denied.reason"));
      GOVBUS_ASSIGN_OR_RETURN(e.legalBasis,
                              readText(r.getDenied().getLegalBasis(), "denied.legalBasis"));
      break;
    }
    case wire::CaseEvent::CLOSED:
      e.type = CaseEventType::kClosed;
      break;
    case wire::CaseEvent::WITHDRAWN: {
      e.type = CaseEventType::kWithdrawn;
      GOVBUS_ASSIGN_OR_RETURN(e.text, readText(r.getWithdrawn(), "withdrawn"));
      break;
    }
    case wire::CaseEvent::TRANSFERRED: {
      e.type = CaseEventType::kTransferred;
      GOVBUS_ASSIGN_OR_RETURN(e.text, readCode(r.getTransferred(), "transferred"));
      break;
    }
    default:
      return makeError(ErrorCode::kUnknownKind, "caseEvent: unknown event type " +
                                                    std::to_string(static_cast<int>(r.which())));
  }
  return e;
}

Result<Payload> readPayload(wire::Record::Reader r) {
  switch (r.which()) {
    case wire::Record::NODE_CERTIFICATE: {
      auto c = r.getNodeCertificate();
      if (c.getBody().size() > kMaxCertificateBytes || c.getBody().size() == 0) {
        return malformed("nodeCertificate.body",
                         "must be 1.." + std::to_string(kMaxCertificateBytes) + " bytes");
      }
      if (c.getSignature().size() != kSignatureBytes) {
        return malformed("nodeCertificate.signature", "must be 64 bytes");
      }
      return Payload(SignedCertificate{readData(c.getBody()), readData(c.getSignature())});
    }
    case wire::Record::KEY_REVOCATION: {
      auto k = r.getKeyRevocation();
      KeyRevocation out;
      GOVBUS_ASSIGN_OR_RETURN(out.subject, readCode(k.getSubject(), "keyRevocation.subject"));
      out.serial = k.getSerial();
      out.fromSeq = k.getFromSeq();
      if (out.serial == 0) return malformed("keyRevocation.serial", "must be at least 1");
      if (out.fromSeq == 0) return malformed("keyRevocation.fromSeq", "must be at least 1");
      GOVBUS_ASSIGN_OR_RETURN(out.reason, readText(k.getReason(), "keyRevocation.reason"));
      return Payload(std::move(out));
    }
    case wire::Record::CATALOG_ITEM: {
      GOVBUS_ASSIGN_OR_RETURN(CatalogItem c, readCatalogItem(r.getCatalogItem()));
      return Payload(std::move(c));
    }
    case wire::Record::DELEGATION: {
      GOVBUS_ASSIGN_OR_RETURN(Delegation d, readDelegation(r.getDelegation()));
      return Payload(std::move(d));
    }
    case wire::Record::DELEGATION_REVOCATION: {
      auto v = r.getDelegationRevocation();
      DelegationRevocation out;
      GOVBUS_ASSIGN_OR_RETURN(out.delegation,
                              readRef(v.getDelegation(), "delegationRevocation.delegation"));
      out.transferPending = v.getTransferPending();
      GOVBUS_ASSIGN_OR_RETURN(out.reason, readText(v.getReason(), "delegationRevocation.reason"));
      return Payload(std::move(out));
    }
    case wire::Record::CASE_EVENT: {
      GOVBUS_ASSIGN_OR_RETURN(CaseEvent e, readCaseEvent(r.getCaseEvent()));
      return Payload(std::move(e));
    }
    case wire::Record::SUPERVISION_ORDER: {
      auto o = r.getSupervisionOrder();
      SupervisionOrder out;
      GOVBUS_ASSIGN_OR_RETURN(out.caseId,
                              readText(o.getCaseId(), "supervisionOrder.caseId", kMaxIdBytes));
      if (out.caseId.empty()) return malformed("supervisionOrder.caseId", "is required");
      GOVBUS_ASSIGN_OR_RETURN(out.kind, readEnum<OrderKind>(static_cast<uint16_t>(o.getKind()), 4,
                                                            "supervisionOrder.kind"));
      GOVBUS_ASSIGN_OR_RETURN(out.lastSeen,
                              readOptionalRef(o.getLastSeen(), "supervisionOrder.lastSeen"));
      GOVBUS_ASSIGN_OR_RETURN(
          out.transferTo,
          readCode(o.getTransferTo(), "supervisionOrder.transferTo", /*optional=*/true));
      GOVBUS_ASSIGN_OR_RETURN(out.note, readText(o.getNote(), "supervisionOrder.note"));
      return Payload(std::move(out));
    }
    case wire::Record::COMPLAINT: {
      auto c = r.getComplaint();
      Complaint out;
      GOVBUS_ASSIGN_OR_RETURN(out.complaintId,
                              readText(c.getComplaintId(), "complaint.complaintId", kMaxIdBytes));
      GOVBUS_ASSIGN_OR_RETURN(out.caseId, readText(c.getCaseId(), "complaint.caseId", kMaxIdBytes));
      GOVBUS_ASSIGN_OR_RETURN(out.against, readCode(c.getAgainst(), "complaint.against"));
      GOVBUS_ASSIGN_OR_RETURN(out.summary, readText(c.getSummary(), "complaint.summary"));
      return Payload(std::move(out));
    }
    case wire::Record::COMPLAINT_UPDATE: {
      auto u = r.getComplaintUpdate();
      ComplaintUpdate out;
      GOVBUS_ASSIGN_OR_RETURN(
          out.complaintId,
          readText(u.getComplaintId(), "complaintUpdate.complaintId", kMaxIdBytes));
      GOVBUS_ASSIGN_OR_RETURN(out.status,
                              readEnum<ComplaintStatus>(static_cast<uint16_t>(u.getStatus()), 3,
                                                        "complaintUpdate.status"));
      GOVBUS_ASSIGN_OR_RETURN(out.note, readText(u.getNote(), "complaintUpdate.note"));
      return Payload(std::move(out));
    }
    case wire::Record::FORK_REPORT: {
      auto f = r.getForkReport();
      ForkReport out;
      GOVBUS_ASSIGN_OR_RETURN(out.author, readCode(f.getAuthor(), "forkReport.author"));
      out.seq = f.getSeq();
      GOVBUS_ASSIGN_OR_RETURN(out.first, readSignedRecordStruct(f.getFirst(), "forkReport.first"));
      GOVBUS_ASSIGN_OR_RETURN(out.second,
                              readSignedRecordStruct(f.getSecond(), "forkReport.second"));
      return Payload(std::move(out));
    }
    case wire::Record::WORKING_CALENDAR: {
      auto c = r.getWorkingCalendar();
      WorkingCalendar out;
      out.year = c.getYear();
      if (out.year < kFirstCalendarYear || out.year > kLastCalendarYear) {
        return malformed("workingCalendar.year", "must be " + std::to_string(kFirstCalendarYear) +
                                                     ".." + std::to_string(kLastCalendarYear));
      }
      GOVBUS_ASSIGN_OR_RETURN(out.holidays,
                              readYearDates(c.getHolidays(), out.year, "workingCalendar.holidays"));
      GOVBUS_ASSIGN_OR_RETURN(out.workdays,
                              readYearDates(c.getWorkdays(), out.year, "workingCalendar.workdays"));
      for (const std::string& d : out.workdays) {
        if (std::binary_search(out.holidays.begin(), out.holidays.end(), d))
          return malformed("workingCalendar.workdays", d + " is also listed as a holiday");
      }
      GOVBUS_ASSIGN_OR_RETURN(out.note, readText(c.getNote(), "workingCalendar.note"));
      return Payload(std::move(out));
    }
    case wire::Record::WITNESS: {
      Witness out;
      GOVBUS_ASSIGN_OR_RETURN(
          out.feeds, readFrontier(r.getWitness().getFeeds(), "witness.feeds", kMaxWitnessFeeds));
      if (out.feeds.empty()) return malformed("witness.feeds", "names no feed");
      for (const FrontierEntry& e : out.feeds) {
        if (e.seq == 0) return malformed("witness.feeds", "sequence must be at least 1");
      }
      return Payload(std::move(out));
    }
    case wire::Record::LINK_OUTAGE: {
      auto o = r.getLinkOutage();
      LinkOutage out;
      GOVBUS_ASSIGN_OR_RETURN(out.peer, readCode(o.getPeer(), "linkOutage.peer"));
      out.fromMs = o.getFromMs();
      out.untilMs = o.getUntilMs();
      if (out.untilMs < out.fromMs) return malformed("linkOutage.untilMs", "is before fromMs");
      return Payload(std::move(out));
    }
    case wire::Record::PROVINCE_SETTING: {
      auto p = r.getProvinceSetting();
      ProvinceSetting out;
      GOVBUS_ASSIGN_OR_RETURN(out.name, readText(p.getName(), "provinceSetting.name", 64));
      if (out.name.empty()) return malformed("provinceSetting.name", "is required");
      out.value = p.getValue();
      return Payload(std::move(out));
    }
  }
  return makeError(ErrorCode::kUnknownKind, "unknown record kind " +
                                                std::to_string(static_cast<int>(r.which())) +
                                                " (written by a newer version?)");
}

// --- writing helpers ---

void writeRef(wire::RecordRef::Builder b, const std::optional<RecordRef>& ref) {
  if (!ref) return;
  b.setAuthor(text(ref->author));
  b.setSeq(ref->seq);
}

void writeTextList(capnp::List<capnp::Text>::Builder b, const std::vector<std::string>& items) {
  for (size_t i = 0; i < items.size(); ++i) b.set(static_cast<unsigned>(i), text(items[i]));
}

capnp::Data::Reader dataOf(const Bytes& b) { return capnp::Data::Reader(b.data(), b.size()); }

void writeSignedRecordStruct(wire::SignedRecord::Builder b, const SignedRecord& r) {
  b.setBody(dataOf(r.body));
  b.setSignature(dataOf(r.signature));
}

void writeCaseEvent(wire::CaseEvent::Builder b, const CaseEvent& e) {
  b.setCaseId(text(e.caseId));
  switch (e.type) {
    case CaseEventType::kReceived: {
      auto rc = b.initReceived();
      rc.setItem(text(e.received.item));
      rc.setHandler(text(e.received.handler));
      rc.setRegion(text(e.received.region));
      rc.setApplicantHash(dataOf(e.received.applicantHash));
      writeTextList(rc.initMaterials(static_cast<unsigned>(e.received.materials.size())),
                    e.received.materials);
      writeRef(rc.initAuthority(), e.received.authority);
      rc.setFirstResponsible(text(e.received.firstResponsible));
      break;
    }
    case CaseEventType::kAccepted:
      b.setAccepted();
      break;
    case CaseEventType::kMaterialsRequested:
      writeTextList(b.initMaterialsRequested(static_cast<unsigned>(e.materials.size())),
                    e.materials);
      break;
    case CaseEventType::kMaterialsSupplied:
      writeTextList(b.initMaterialsSupplied(static_cast<unsigned>(e.materials.size())),
                    e.materials);
      break;
    case CaseEventType::kStepCompleted:
      b.setStepCompleted(text(e.text));
      break;
    case CaseEventType::kSuspended:
      b.setSuspended(text(e.text));
      break;
    case CaseEventType::kResumed:
      b.setResumed();
      break;
    case CaseEventType::kApproved:
      b.setApproved(text(e.text));
      break;
    case CaseEventType::kDenied: {
      auto d = b.initDenied();
      d.setReason(text(e.reason));
      d.setLegalBasis(text(e.legalBasis));
      break;
    }
    case CaseEventType::kClosed:
      b.setClosed();
      break;
    case CaseEventType::kWithdrawn:
      b.setWithdrawn(text(e.text));
      break;
    case CaseEventType::kTransferred:
      b.setTransferred(text(e.text));
      break;
  }
}

struct PayloadWriter {
  wire::Record::Builder b;
  void operator()(const SignedCertificate& c) {
    auto n = b.initNodeCertificate();
    n.setBody(dataOf(c.body));
    n.setSignature(dataOf(c.signature));
  }
  void operator()(const KeyRevocation& k) {
    auto n = b.initKeyRevocation();
    n.setSubject(text(k.subject));
    n.setSerial(k.serial);
    n.setFromSeq(k.fromSeq);
    n.setReason(text(k.reason));
  }
  void operator()(const CatalogItem& c) {
    auto n = b.initCatalogItem();
    n.setOp(static_cast<wire::CatalogOp>(c.op));
    n.setCode(text(c.code));
    n.setName(text(c.name));
    n.setStatutoryDepth(c.statutoryDepth);
    n.setLegalDays(c.legalDays);
    n.setPromisedDays(c.promisedDays);
    n.setDelegable(c.delegable);
    writeTextList(n.initMaterials(static_cast<unsigned>(c.materials.size())), c.materials);
    n.setLimitUnit(static_cast<wire::LimitUnit>(c.limitUnit));
  }
  void operator()(const Delegation& d) {
    auto n = b.initDelegation();
    n.setItem(text(d.item));
    n.setGrantee(text(d.grantee));
    n.setScope(static_cast<wire::DelegationScope>(d.scope));
    n.setMode(static_cast<wire::DelegationMode>(d.mode));
    n.setMayRedelegate(d.mayRedelegate);
    n.setValidFromMs(d.validFromMs);
    n.setValidUntilMs(d.validUntilMs);
    writeRef(n.initParent(), d.parent);
  }
  void operator()(const DelegationRevocation& v) {
    auto n = b.initDelegationRevocation();
    writeRef(n.initDelegation(), v.delegation);
    n.setTransferPending(v.transferPending);
    n.setReason(text(v.reason));
  }
  void operator()(const CaseEvent& e) { writeCaseEvent(b.initCaseEvent(), e); }
  void operator()(const SupervisionOrder& o) {
    auto n = b.initSupervisionOrder();
    n.setCaseId(text(o.caseId));
    n.setKind(static_cast<wire::OrderKind>(o.kind));
    writeRef(n.initLastSeen(), o.lastSeen);
    n.setTransferTo(text(o.transferTo));
    n.setNote(text(o.note));
  }
  void operator()(const Complaint& c) {
    auto n = b.initComplaint();
    n.setComplaintId(text(c.complaintId));
    n.setCaseId(text(c.caseId));
    n.setAgainst(text(c.against));
    n.setSummary(text(c.summary));
  }
  void operator()(const ComplaintUpdate& u) {
    auto n = b.initComplaintUpdate();
    n.setComplaintId(text(u.complaintId));
    n.setStatus(static_cast<wire::ComplaintStatus>(u.status));
    n.setNote(text(u.note));
  }
  void operator()(const ForkReport& f) {
    auto n = b.initForkReport();
    n.setAuthor(text(f.author));
    n.setSeq(f.seq);
    writeSignedRecordStruct(n.initFirst(), f.first);
    writeSignedRecordStruct(n.initSecond(), f.second);
  }
  void operator()(const WorkingCalendar& c) {
    auto n = b.initWorkingCalendar();
    n.setYear(c.year);
    writeTextList(n.initHolidays(static_cast<unsigned>(c.holidays.size())), c.holidays);
    writeTextList(n.initWorkdays(static_cast<unsigned>(c.workdays.size())), c.workdays);
    n.setNote(text(c.note));
  }
  void operator()(const Witness& w) {
    auto list = b.initWitness().initFeeds(static_cast<unsigned>(w.feeds.size()));
    for (unsigned i = 0; i < w.feeds.size(); ++i) {
      list[i].setAuthor(text(w.feeds[i].author));
      list[i].setSeq(w.feeds[i].seq);
    }
  }
  void operator()(const LinkOutage& o) {
    auto n = b.initLinkOutage();
    n.setPeer(text(o.peer));
    n.setFromMs(o.fromMs);
    n.setUntilMs(o.untilMs);
  }
  void operator()(const ProvinceSetting& p) {
    auto n = b.initProvinceSetting();
    n.setName(text(p.name));
    n.setValue(p.value);
  }
};

}  // namespace

const char* payloadKindName(const Payload& payload) {
  static constexpr const char* kNames[] = {
      "node_certificate",      "key_revocation",  "catalog_item",      "delegation",
      "delegation_revocation", "case_event",      "supervision_order", "complaint",
      "complaint_update",      "fork_report",     "working_calendar",  "witness",
      "link_outage",           "province_setting"};
  static_assert(std::size(kNames) == std::variant_size_v<Payload>);
  return kNames[payload.index()];
}

Result<SignedRecord> decodeSignedRecord(ByteView bytes) {
  return readMessage<wire::SignedRecord>(
      bytes, kMaxSignedRecordBytes, "signed record",
      [](wire::SignedRecord::Reader r) { return readSignedRecordStruct(r, "signed record"); });
}

Bytes encodeSignedRecord(const SignedRecord& record) {
  capnp::MallocMessageBuilder message(static_cast<unsigned>((record.body.size() + 128) / 8));
  writeSignedRecordStruct(message.initRoot<wire::SignedRecord>(), record);
  return capnp_io::toFlatBytes(message);
}

Result<Record> decodeRecordBody(ByteView body) {
  return readMessage<wire::Record>(body, kMaxRecordBodyBytes, "record body",
                                   [](wire::Record::Reader r) -> Result<Record> {
                                     GOVBUS_ASSIGN_OR_RETURN(Envelope env, readEnvelope(r));
                                     GOVBUS_ASSIGN_OR_RETURN(Payload payload, readPayload(r));
                                     return Record{std::move(env), std::move(payload)};
                                   });
}

Result<std::string> caseEventIdOf(ByteView signedRecord) {
  return readMessage<wire::SignedRecord>(
      signedRecord, kMaxSignedRecordBytes, "signed record",
      [](wire::SignedRecord::Reader r) -> Result<std::string> {
        capnp::Data::Reader body = r.getBody();
        return readMessage<wire::Record>(
            ByteView(body.begin(), body.size()), kMaxRecordBodyBytes, "record body",
            [](wire::Record::Reader b) -> Result<std::string> {
              if (b.which() != wire::Record::CASE_EVENT) return std::string();
              return readText(b.getCaseEvent().getCaseId(), "caseEvent.caseId", 64);
            });
      });
}

Result<Envelope> decodeEnvelope(ByteView body) {
  return readMessage<wire::Record>(body, kMaxRecordBodyBytes, "record body",
                                   [](wire::Record::Reader r) { return readEnvelope(r); });
}

Bytes encodeRecordBody(const Record& record) {
  capnp::MallocMessageBuilder message(128);
  auto b = message.initRoot<wire::Record>();
  const Envelope& env = record.envelope;
  b.setAuthor(text(env.author));
  b.setKeySerial(env.keySerial);
  b.setSeq(env.seq);
  b.setPrevHash(dataOf(env.prevHash));
  b.setLamport(env.lamport);
  b.setWallTimeMs(env.wallTimeMs);
  Frontier frontier = env.frontier;
  std::sort(frontier.begin(), frontier.end());
  auto fl = b.initFrontier(static_cast<unsigned>(frontier.size()));
  for (size_t i = 0; i < frontier.size(); ++i) {
    fl[static_cast<unsigned>(i)].setAuthor(text(frontier[i].author));
    fl[static_cast<unsigned>(i)].setSeq(frontier[i].seq);
  }
  std::visit(PayloadWriter{b}, record.payload);
  return capnp_io::toFlatBytes(message);
}

}  // namespace govbus
