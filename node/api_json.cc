#include "node/api_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <set>

#include "base/civil_date.h"
#include "protocol/certificate_codec.h"
#include "protocol/division_code.h"
#include "protocol/limits.h"

namespace govbus {

namespace {

constexpr std::array<std::string_view, 12> kEventTypeNames = {"received",
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
constexpr std::array<std::string_view, 4> kOrderKindNames = {"urge", "correct", "halt", "transfer"};
constexpr std::array<std::string_view, 3> kComplaintStatusNames = {"received", "handling",
                                                                   "resolved"};

Error fieldError(const std::string& field, const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, "field '" + field + "': " + what);
}

Status requireObject(const Json& body) {
  if (!body.is_object())
    return makeError(ErrorCode::kInvalidArgument, "the request body must be a JSON object");
  return Status::Ok();
}

// Every key of `body` must be in `allowed`: a misspelt optional field must not be silently dropped.
Status onlyFields(const Json& body, std::initializer_list<std::string_view> allowed) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool known = false;
    for (std::string_view a : allowed) known = known || it.key() == a;
    if (!known) return fieldError(it.key(), "unknown field for this request");
  }
  return Status::Ok();
}

Result<std::string> str(const Json& body, const std::string& field, bool required,
                        std::string fallback = "") {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    if (required) return fieldError(field, "required");
    return fallback;
  }
  if (!it->is_string()) return fieldError(field, "must be a string");
  std::string s = it->get<std::string>();
  if (s.size() > kMaxTextBytes)
    return fieldError(field, "longer than " + std::to_string(kMaxTextBytes) + " bytes");
  if (required && s.empty()) return fieldError(field, "must not be empty");
  return s;
}

Result<std::string> code(const Json& body, const std::string& field, bool required) {
  GOVBUS_ASSIGN_OR_RETURN(std::string c, str(body, field, required));
  if (c.empty()) return c;
  GOVBUS_TRY(checkCode(c, field));
  return c;
}

Result<bool> boolean(const Json& body, const std::string& field, bool fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return fieldError(field, "must be true or false");
  return it->get<bool>();
}

Result<int64_t> integer(const Json& body, const std::string& field, bool required, int64_t min,
                        int64_t max, int64_t fallback = 0) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    if (required) return fieldError(field, "required");
    return fallback;
  }
  if (!it->is_number_integer()) return fieldError(field, "must be an integer");
  int64_t v = it->get<int64_t>();
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return fieldError(field, "out of range");
  }
  if (v < min || v > max) {
    return fieldError(
        field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return v;
}

Result<std::vector<std::string>> stringList(const Json& body, const std::string& field,
                                            bool required) {
  auto it = body.find(field);
  std::vector<std::string> out;
  if (it == body.end() || it->is_null()) {
    if (required) return fieldError(field, "required (a list of strings)");
    return out;
  }
  if (!it->is_array()) return fieldError(field, "must be a list of strings");
  if (it->size() > kMaxListItems)
    return fieldError(field, "more than " + std::to_string(kMaxListItems) + " items");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& e = (*it)[i];
    std::string where = field + "[" + std::to_string(i) + "]";
    if (!e.is_string() || e.get<std::string>().empty())
      return fieldError(where, "must be a non-empty string");
    if (e.get<std::string>().size() > kMaxTextBytes) return fieldError(where, "too long");
    out.push_back(e.get<std::string>());
  }
  if (required && out.empty()) return fieldError(field, "must list at least one item");
  return out;
}

template <size_t N>
Result<size_t> enumName(const Json& body, const std::string& field,
                        const std::array<std::string_view, N>& names,
                        std::optional<size_t> fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    if (!fallback) return fieldError(field, "required");
    return *fallback;
  }
  std::string all;
  for (std::string_view n : names) all += (all.empty() ? "" : ", ") + std::string(n);
  if (!it->is_string()) return fieldError(field, "must be one of " + all);
  for (size_t i = 0; i < N; ++i) {
    if (it->get<std::string>() == names[i]) return i;
  }
  return fieldError(field, "'" + it->get<std::string>() + "' is not one of " + all);
}

Result<std::optional<RecordRef>> optionalRef(const Json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<RecordRef>();
  GOVBUS_ASSIGN_OR_RETURN(RecordRef r, refFromJson(*it, field));
  return std::optional<RecordRef>(std::move(r));
}

}  // namespace

std::string_view caseEventTypeName(CaseEventType type) {
  return kEventTypeNames.at(static_cast<size_t>(type));
}
std::string_view orderKindName(OrderKind kind) {
  return kOrderKindNames.at(static_cast<size_t>(kind));
}

Status checkCode(const std::string& c, const std::string& field) {
  if (auto parsed = DivisionCode::parse(c); !parsed)
    return fieldError(field, parsed.error().message);
  return Status::Ok();
}

Result<WorkingCalendar> calendarFromJson(const Json& body) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"year", "holidays", "workdays", "note"}));
  WorkingCalendar c;
  GOVBUS_ASSIGN_OR_RETURN(int64_t year,
                          integer(body, "year", true, kFirstCalendarYear, kLastCalendarYear));
  c.year = static_cast<uint16_t>(year);
  for (const char* field : {"holidays", "workdays"}) {
    auto it = body.find(field);
    std::vector<std::string>& out = std::string_view(field) == "holidays" ? c.holidays : c.workdays;
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_array() || it->size() > kMaxCalendarDays)
      return fieldError(field, "must be a list of at most " + std::to_string(kMaxCalendarDays) +
                                   " dates YYYY-MM-DD");
    std::set<DayNumber> days;
    for (const Json& e : *it) {
      std::optional<DayNumber> d =
          e.is_string() ? parseIsoDate(e.get<std::string>()) : std::nullopt;
      if (!d) return fieldError(field, "every entry must be a date YYYY-MM-DD");
      if (civilDateOf(*d).year != c.year)
        return fieldError(field, isoDate(*d) + " is not in " + std::to_string(c.year));
      days.insert(*d);
    }
    for (DayNumber d : days) out.push_back(isoDate(d));
  }
  for (const std::string& d : c.workdays) {
    if (std::binary_search(c.holidays.begin(), c.holidays.end(), d))
      return fieldError("workdays", d + " is also a holiday");
  }
  GOVBUS_ASSIGN_OR_RETURN(c.note, str(body, "note", false));
  return c;
}

Result<ProvinceSetting> settingFromJson(const Json& body) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"name", "value"}));
  ProvinceSetting p;
  GOVBUS_ASSIGN_OR_RETURN(p.name, str(body, "name", true));
  auto spec = std::find_if(knownSettings().begin(), knownSettings().end(),
                           [&](const SettingSpec& s) { return s.name == p.name; });
  if (spec == knownSettings().end()) {
    std::string names;
    for (const SettingSpec& s : knownSettings())
      names += (names.empty() ? "" : ", ") + std::string(s.name);
    return fieldError("name", "'" + p.name + "' is not a setting (the settings are " + names + ")");
  }
  GOVBUS_ASSIGN_OR_RETURN(p.value, integer(body, "value", true, spec->min, spec->max));
  return p;
}

Result<RecordRef> refFromJson(const Json& value, const std::string& field) {
  RecordRef r;
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    auto hash = s.find('#');
    if (hash == std::string::npos) return fieldError(field, "a record reference is \"author#seq\"");
    r.author = s.substr(0, hash);
    std::string_view seq = std::string_view(s).substr(hash + 1);
    auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), r.seq);
    if (ec != std::errc() || end != seq.data() + seq.size() || r.seq == 0) {
      return fieldError(field, "'" + s + "' has no valid sequence number after '#'");
    }
  } else if (value.is_object()) {
    GOVBUS_TRY(onlyFields(value, {"author", "seq"}));
    GOVBUS_ASSIGN_OR_RETURN(r.author, str(value, "author", true));
    GOVBUS_ASSIGN_OR_RETURN(int64_t seq,
                            integer(value, "seq", true, 1, std::numeric_limits<int64_t>::max()));
    r.seq = static_cast<uint64_t>(seq);
  } else {
    return fieldError(field, "must be {\"author\": code, \"seq\": n} or \"author#seq\"");
  }
  GOVBUS_TRY(checkCode(r.author, field + ".author"));
  return r;
}

Result<CaseEvent> caseEventFromJson(const std::string& caseId, const Json& body,
                                    const HandlerLookup& handlerFor,
                                    const ApplicantKey* applicantKey) {
  GOVBUS_TRY(requireObject(body));
  if (caseId.empty() || caseId.size() > kMaxIdBytes)
    return fieldError("case id", "must be 1 to " + std::to_string(kMaxIdBytes) + " bytes");
  CaseEvent e;
  e.caseId = caseId;
  GOVBUS_ASSIGN_OR_RETURN(size_t type, enumName(body, "type", kEventTypeNames, std::nullopt));
  e.type = static_cast<CaseEventType>(type);
  switch (e.type) {
    case CaseEventType::kReceived: {
      GOVBUS_TRY(onlyFields(body, {"type", "item", "handler", "region", "applicant_hash",
                                   "applicant_id", "materials", "authority", "first_responsible"}));
      CaseReceived& r = e.received;
      GOVBUS_ASSIGN_OR_RETURN(r.item, str(body, "item", true));
      GOVBUS_ASSIGN_OR_RETURN(r.region, code(body, "region", true));
      GOVBUS_ASSIGN_OR_RETURN(r.handler, code(body, "handler", false));
      std::string holder;
      if (handlerFor) {
        GOVBUS_ASSIGN_OR_RETURN(holder, handlerFor(r.item, r.region));
      }
      if (r.handler.empty()) {
        r.handler = holder;
        if (r.handler.empty()) {
          return fieldError("handler", "not given, and no node holds item " + r.item +
                                           " for region " + r.region +
                                           " (see GET /v1/authority?item=" + r.item +
                                           "&region=" + r.region + ")");
        }
      }
      GOVBUS_ASSIGN_OR_RETURN(std::string hashHex, str(body, "applicant_hash", false));
      GOVBUS_ASSIGN_OR_RETURN(std::string applicantId, str(body, "applicant_id", false));
      if (!hashHex.empty() && !applicantId.empty()) {
        return fieldError("applicant_id", "give applicant_hash or applicant_id, not both");
      }
      if (!hashHex.empty()) {
        if (!fromHex(hashHex, r.applicantHash) || r.applicantHash.size() != kHashBytes) {
          return fieldError("applicant_hash",
                            "must be 64 hex digits (BLAKE2b-256 keyed with the province's "
                            "applicant key)");
        }
      } else if (!applicantId.empty()) {
        if (applicantKey == nullptr) {
          return fieldError("applicant_id",
                            "this node has no applicant key (applicant_key_file), so it cannot "
                            "hash the id: copy applicant.key from its enrolment directory and "
                            "restart, or send applicant_hash");
        }
        // Only the keyed hash is recorded: the identity number never leaves this node in clear.
        r.applicantHash = toBytes(applicantKey->hash(applicantId));
      } else {
        return fieldError("applicant_hash", "required (or applicant_id, which the node hashes)");
      }
      GOVBUS_ASSIGN_OR_RETURN(r.materials, stringList(body, "materials", false));
      GOVBUS_ASSIGN_OR_RETURN(r.authority, optionalRef(body, "authority"));
      GOVBUS_ASSIGN_OR_RETURN(r.firstResponsible, str(body, "first_responsible", true));
      break;
    }
    case CaseEventType::kMaterialsRequested:
    case CaseEventType::kMaterialsSupplied: {
      GOVBUS_TRY(onlyFields(body, {"type", "materials"}));
      GOVBUS_ASSIGN_OR_RETURN(e.materials, stringList(body, "materials", true));
      break;
    }
    case CaseEventType::kDenied: {
      GOVBUS_TRY(onlyFields(body, {"type", "reason", "legal_basis"}));
      GOVBUS_ASSIGN_OR_RETURN(e.reason, str(body, "reason", false));
      GOVBUS_ASSIGN_OR_RETURN(e.legalBasis, str(body, "legal_basis", false));
      break;
    }
    case CaseEventType::kApproved: {
      GOVBUS_TRY(onlyFields(body, {"type", "text", "licence"}));
      GOVBUS_ASSIGN_OR_RETURN(e.text, str(body, "licence", false));
      if (e.text.empty()) {
        GOVBUS_ASSIGN_OR_RETURN(e.text, str(body, "text", false));
      }
      break;
    }
    case CaseEventType::kTransferred: {
      GOVBUS_TRY(onlyFields(body, {"type", "text", "to"}));
      GOVBUS_ASSIGN_OR_RETURN(e.text, code(body, "to", false));
      if (e.text.empty()) {
        GOVBUS_ASSIGN_OR_RETURN(e.text, code(body, "text", false));
      }
      if (e.text.empty()) return fieldError("to", "required: the code of the new handler");
      break;
    }
    case CaseEventType::kAccepted:
    case CaseEventType::kStepCompleted:
    case CaseEventType::kSuspended:
    case CaseEventType::kResumed:
    case CaseEventType::kClosed:
    case CaseEventType::kWithdrawn: {
      GOVBUS_TRY(onlyFields(body, {"type", "text"}));
      GOVBUS_ASSIGN_OR_RETURN(e.text, str(body, "text", false));
      break;
    }
  }
  return e;
}

Result<Complaint> complaintFromJson(const Json& body, const std::string& generatedId) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"complaint_id", "case_id", "against", "summary"}));
  Complaint c;
  GOVBUS_ASSIGN_OR_RETURN(c.complaintId, str(body, "complaint_id", false, generatedId));
  GOVBUS_ASSIGN_OR_RETURN(c.caseId, str(body, "case_id", false));
  GOVBUS_ASSIGN_OR_RETURN(c.against, code(body, "against", true));
  GOVBUS_ASSIGN_OR_RETURN(c.summary, str(body, "summary", true));
  if (c.complaintId.size() > kMaxIdBytes)
    return fieldError("complaint_id", "longer than " + std::to_string(kMaxIdBytes) + " bytes");
  if (c.caseId.size() > kMaxIdBytes)
    return fieldError("case_id", "longer than " + std::to_string(kMaxIdBytes) + " bytes");
  return c;
}

Result<ComplaintUpdate> complaintUpdateFromJson(const std::string& complaintId, const Json& body) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"status", "note"}));
  if (complaintId.empty() || complaintId.size() > kMaxIdBytes)
    return fieldError("complaint id", "must be 1 to " + std::to_string(kMaxIdBytes) + " bytes");
  ComplaintUpdate u;
  u.complaintId = complaintId;
  GOVBUS_ASSIGN_OR_RETURN(size_t status,
                          enumName(body, "status", kComplaintStatusNames, std::nullopt));
  u.status = static_cast<ComplaintStatus>(status);
  GOVBUS_ASSIGN_OR_RETURN(u.note, str(body, "note", false));
  return u;
}

Result<std::vector<CatalogItem>> catalogFromJson(const Json& body) {
  GOVBUS_TRY(requireObject(body));
  std::vector<Json> entries;
  std::string prefix;
  if (body.contains("items")) {
    GOVBUS_TRY(onlyFields(body, {"items"}));
    if (!body["items"].is_array() || body["items"].empty())
      return fieldError("items", "must be a non-empty list");
    if (body["items"].size() > kMaxListItems) {
      return fieldError("items",
                        "more than " + std::to_string(kMaxListItems) + " items in one request");
    }
    entries.assign(body["items"].begin(), body["items"].end());
    prefix = "items";
  } else {
    entries.push_back(body);
  }
  std::vector<CatalogItem> out;
  static constexpr std::array<std::string_view, 2> kOps = {"insert", "update"};
  for (size_t i = 0; i < entries.size(); ++i) {
    const Json& e = entries[i];
    std::string at = prefix.empty() ? "" : prefix + "[" + std::to_string(i) + "].";
    // "field 'x': …" of one item becomes "field 'items[2].x': …".
    auto wrap = [&](const Error& err) {
      const std::string_view prefix = "field '";
      if (at.empty() || err.message.rfind(prefix, 0) != 0) return err;
      return makeError(err.code, std::string(prefix) + at + err.message.substr(prefix.size()));
    };
    if (!e.is_object())
      return fieldError(at.empty() ? "body" : at.substr(0, at.size() - 1), "must be an object");
    if (Status s = onlyFields(e, {"op", "code", "name", "level", "legal_days", "promised_days",
                                  "delegable", "materials", "limit_unit"});
        !s) {
      return wrap(s.error());
    }
    CatalogItem item;
    auto op = enumName(e, "op", kOps, size_t{0});
    if (!op) return wrap(op.error());
    item.op = static_cast<CatalogOp>(*op);
    auto c = str(e, "code", true);
    if (!c) return wrap(c.error());
    item.code = *c;
    auto name = str(e, "name", true);
    if (!name) return wrap(name.error());
    item.name = *name;
    auto level = e.find("level");
    if (level == e.end())
      return fieldError(at + "level", "required: province, city, county or a depth number");
    if (level->is_string()) {
      auto depth = depthFromLevelName(level->get<std::string>());
      if (!depth) return fieldError(at + "level", depth.error().message);
      item.statutoryDepth = static_cast<uint8_t>(*depth);
    } else {
      auto depth = integer(e, "level", true, 1, kMaxTreeDepth);
      if (!depth) return wrap(depth.error());
      item.statutoryDepth = static_cast<uint8_t>(*depth);
    }
    auto legal = integer(e, "legal_days", true, 1, 65535);
    if (!legal) return wrap(legal.error());
    item.legalDays = static_cast<uint16_t>(*legal);
    auto promised = integer(e, "promised_days", true, 1, 65535);
    if (!promised) return wrap(promised.error());
    item.promisedDays = static_cast<uint16_t>(*promised);
    auto delegable = boolean(e, "delegable", false);
    if (!delegable) return wrap(delegable.error());
    item.delegable = *delegable;
    auto materials = stringList(e, "materials", false);
    if (!materials) return wrap(materials.error());
    item.materials = *materials;
    static constexpr std::array<std::string_view, 2> kUnits = {"working_days", "calendar_days"};
    auto unit = enumName(e, "limit_unit", kUnits, size_t{0});
    if (!unit) return wrap(unit.error());
    item.limitUnit = static_cast<LimitUnit>(*unit);
    out.push_back(std::move(item));
  }
  return out;
}

Result<Delegation> delegationFromJson(const Json& body, int64_t nowMs) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"item", "grantee", "scope", "mode", "may_redelegate",
                               "valid_from_ms", "valid_until_ms", "parent"}));
  static constexpr std::array<std::string_view, 2> kScopes = {"node", "subtree"};
  static constexpr std::array<std::string_view, 2> kModes = {"entrust", "devolve"};
  Delegation d;
  GOVBUS_ASSIGN_OR_RETURN(d.item, str(body, "item", true));
  GOVBUS_ASSIGN_OR_RETURN(d.grantee, code(body, "grantee", true));
  GOVBUS_ASSIGN_OR_RETURN(size_t scope, enumName(body, "scope", kScopes, size_t{0}));
  d.scope = static_cast<DelegationScope>(scope);
  GOVBUS_ASSIGN_OR_RETURN(size_t mode, enumName(body, "mode", kModes, size_t{0}));
  d.mode = static_cast<DelegationMode>(mode);
  GOVBUS_ASSIGN_OR_RETURN(d.mayRedelegate, boolean(body, "may_redelegate", false));
  constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max();
  GOVBUS_ASSIGN_OR_RETURN(d.validFromMs, integer(body, "valid_from_ms", false, 0, kMaxMs, nowMs));
  GOVBUS_ASSIGN_OR_RETURN(d.validUntilMs, integer(body, "valid_until_ms", false, 0, kMaxMs, 0));
  if (d.validUntilMs != 0 && d.validUntilMs <= d.validFromMs) {
    return fieldError("valid_until_ms", "must be after valid_from_ms (or 0: open-ended)");
  }
  GOVBUS_ASSIGN_OR_RETURN(d.parent, optionalRef(body, "parent"));
  return d;
}

Result<DelegationRevocation> delegationRevocationFromJson(const Json& body) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"delegation", "transfer_pending", "reason"}));
  DelegationRevocation r;
  auto it = body.find("delegation");
  if (it == body.end())
    return fieldError("delegation", "required: the delegation record to revoke");
  GOVBUS_ASSIGN_OR_RETURN(r.delegation, refFromJson(*it, "delegation"));
  GOVBUS_ASSIGN_OR_RETURN(r.transferPending, boolean(body, "transfer_pending", false));
  GOVBUS_ASSIGN_OR_RETURN(r.reason, str(body, "reason", false));
  return r;
}

Result<SupervisionOrder> orderFromJson(const Json& body) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"case_id", "kind", "last_seen", "transfer_to", "note"}));
  SupervisionOrder o;
  GOVBUS_ASSIGN_OR_RETURN(o.caseId, str(body, "case_id", true));
  GOVBUS_ASSIGN_OR_RETURN(size_t kind, enumName(body, "kind", kOrderKindNames, std::nullopt));
  o.kind = static_cast<OrderKind>(kind);
  GOVBUS_ASSIGN_OR_RETURN(o.lastSeen, optionalRef(body, "last_seen"));
  GOVBUS_ASSIGN_OR_RETURN(o.transferTo, code(body, "transfer_to", o.kind == OrderKind::kTransfer));
  GOVBUS_ASSIGN_OR_RETURN(o.note, str(body, "note", false));
  return o;
}

Result<KeyRevocation> keyRevocationFromJson(const Json& body) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"subject", "serial", "from_seq", "reason"}));
  KeyRevocation r;
  GOVBUS_ASSIGN_OR_RETURN(r.subject, code(body, "subject", true));
  GOVBUS_ASSIGN_OR_RETURN(int64_t serial,
                          integer(body, "serial", true, 1, std::numeric_limits<uint32_t>::max()));
  r.serial = static_cast<uint32_t>(serial);
  GOVBUS_ASSIGN_OR_RETURN(int64_t from,
                          integer(body, "from_seq", true, 1, std::numeric_limits<int64_t>::max()));
  r.fromSeq = static_cast<uint64_t>(from);
  GOVBUS_ASSIGN_OR_RETURN(r.reason, str(body, "reason", false));
  return r;
}

Result<SignedCertificate> enrollmentFromJson(const Json& body) {
  GOVBUS_TRY(requireObject(body));
  GOVBUS_TRY(onlyFields(body, {"certificate"}));
  GOVBUS_ASSIGN_OR_RETURN(std::string hex, str(body, "certificate", true));
  Bytes raw;
  if (!fromHex(hex, raw))
    return fieldError("certificate", "must be the hex of an encoded SignedCertificate");
  auto cert = decodeSignedCertificate(raw);
  if (!cert) return fieldError("certificate", cert.error().message);
  if (auto c = decodeCertificateBody(cert->body); !c)
    return fieldError("certificate", c.error().message);
  return std::move(*cert);
}

// --- responses --------------------------------------------------------------------------------

Json toJson(const RecordRef& ref) { return Json{{"author", ref.author}, {"seq", ref.seq}}; }

Json toJson(const CaseSummary& s) {
  Json j{{"case_id", s.caseId},
         {"item", s.item},
         {"region", s.region},
         {"receiver", s.receiver},
         {"handler", s.handler},
         {"status", caseStatusName(s.status)},
         {"halted", s.halted},
         {"received_at_ms", s.receivedAtMs},
         {"accepted_at_ms", s.acceptedAtMs},
         {"ended_at_ms", s.endedAtMs},
         {"promised_days", s.promisedDays},
         {"legal_days", s.legalDays},
         {"limit_unit", limitUnitName(s.limitUnit)},
         {"due_at_ms", s.dueAtMs},
         {"legal_due_at_ms", s.legalDueAtMs},
         {"provisional", s.provisional},
         {"paused", s.paused()},
         {"materials_requests", s.materialsRequests},
         {"second_materials_request", s.secondMaterialsRequest()},
         {"urges", s.urges},
         {"authority_conflict", s.authorityConflict},
         {"denied", s.denied},
         {"denial_reason", s.denialReason},
         {"valid_events", s.validEvents}};
  j["conflict_revocation"] = s.conflictRevocation ? toJson(*s.conflictRevocation) : Json(nullptr);
  j["last_event"] = s.lastEvent ? toJson(*s.lastEvent) : Json(nullptr);
  Json pauses = Json::array();
  for (const ClockPause& p : s.pauses)
    pauses.push_back(Json{{"from_ms", p.fromMs}, {"until_ms", p.untilMs}});
  j["pauses"] = std::move(pauses);
  Json flagged = Json::array();
  for (const FlaggedTime& f : s.flaggedTimes) {
    flagged.push_back(Json{{"record", toJson(f.ref)},
                           {"claimed_ms", f.claimedMs},
                           {"witnessed_ms", f.witnessedMs},
                           {"reported_late_ms", f.lateMs()},
                           {"flag", f.lateMs() > 0 ? "reported_late" : "future_dated"}});
  }
  j["flagged_times"] = std::move(flagged);
  return j;
}

Json toJson(const Deadline& d) {
  return Json{{"card", cardName(d.card)},     {"used_ms", d.usedMs},
              {"used_days", d.usedDays()},    {"promised_days", d.promisedDays},
              {"legal_days", d.legalDays},    {"unit", limitUnitName(d.unit)},
              {"due_at_ms", d.dueAtMs},       {"legal_due_at_ms", d.legalDueAtMs},
              {"provisional", d.provisional}, {"past_legal", d.pastLegal}};
}

Json toJson(const ComplaintSummary& s) {
  return Json{{"complaint_id", s.complaintId},
              {"case_id", s.caseId},
              {"against", s.against},
              {"routed_to", s.routedTo},
              {"filed_by", s.filedBy},
              {"status", kComplaintStatusNames.at(static_cast<size_t>(s.status))},
              {"filed_at_ms", s.filedAtMs},
              {"updated_at_ms", s.updatedAtMs}};
}

Json toJson(const CatalogEntry& c) {
  return Json{{"code", c.code},
              {"name", c.name},
              {"level", levelNameFromDepth(c.statutoryDepth)},
              {"legal_days", c.legalDays},
              {"promised_days", c.promisedDays},
              {"delegable", c.delegable},
              {"materials", c.materials},
              {"limit_unit", limitUnitName(c.limitUnit)},
              {"record", toJson(c.ref)}};
}

Json toJson(const Explanation& x) {
  Json j{{"item", x.item}, {"region", x.region}, {"handler", x.handler}, {"summary", x.summary}};
  j["catalog"] = x.catalogEntry ? toJson(*x.catalogEntry) : Json(nullptr);
  Json path = Json::array();
  for (const ExplainStep& s : x.path) {
    Json chain = Json::array();
    for (const RecordRef& r : s.chain) chain.push_back(toJson(r));
    path.push_back(Json{{"node", s.node},
                        {"holds", s.holds},
                        {"statutory", s.statutory},
                        {"chain", chain},
                        {"why", s.why}});
  }
  j["path"] = std::move(path);
  return j;
}

Json toJson(const CardCounts& c) {
  return Json{{"open", c.open},
              {"green", c.green},
              {"yellow", c.yellow},
              {"red", c.red},
              {"past_legal", c.pastLegal},
              {"authority_conflicts", c.authorityConflicts},
              {"halted", c.halted},
              {"open_complaints", c.openComplaints},
              {"closed_late", c.closedLate},
              {"late_reports", c.lateReports}};
}

Json toJson(const SupervisionView& v) {
  Json j{{"root", v.root}, {"now_ms", v.nowMs}, {"total", toJson(v.total())}};
  Json own = Json::object(), subtree = Json::object();
  for (const auto& [code, c] : v.own) own[code] = toJson(c);
  for (const auto& [code, c] : v.subtree) subtree[code] = toJson(c);
  j["own"] = std::move(own);
  j["subtree"] = std::move(subtree);
  Json overdue = Json::array();
  for (const OverdueCase& o : v.overdue) {
    Json e = toJson(o.summary);
    e["deadline"] = toJson(o.deadline);
    overdue.push_back(std::move(e));
  }
  j["overdue"] = std::move(overdue);
  Json denials = Json::array(), second = Json::array(), complaints = Json::array();
  for (const CaseSummary& s : v.denials) denials.push_back(toJson(s));
  for (const CaseSummary& s : v.secondMaterialsRequests) second.push_back(toJson(s));
  for (const OpenComplaint& c : v.openComplaints) {
    Json e = toJson(c.summary);
    e["age_ms"] = c.ageMs;
    complaints.push_back(std::move(e));
  }
  j["denials"] = std::move(denials);
  j["second_materials_requests"] = std::move(second);
  j["open_complaints"] = std::move(complaints);
  return j;
}

Json caseRecordJson(const RecordRef& ref, const Record& record, std::string_view verdict) {
  Json j{{"record", toJson(ref)},
         {"lamport", record.envelope.lamport},
         {"wall_time_ms", record.envelope.wallTimeMs},
         {"verdict", verdict}};
  if (const auto* e = std::get_if<CaseEvent>(&record.payload)) {
    j["kind"] = "case_event";
    j["type"] = caseEventTypeName(e->type);
    if (e->type == CaseEventType::kReceived) {
      const CaseReceived& r = e->received;
      j["item"] = r.item;
      j["handler"] = r.handler;
      j["region"] = r.region;
      j["applicant_hash"] = toHex(r.applicantHash);
      j["materials"] = r.materials;
      j["first_responsible"] = r.firstResponsible;
      j["authority"] = r.authority ? toJson(*r.authority) : Json(nullptr);
    }
    if (!e->materials.empty()) j["materials"] = e->materials;
    if (!e->text.empty()) j["text"] = e->text;
    if (!e->reason.empty()) j["reason"] = e->reason;
    if (!e->legalBasis.empty()) j["legal_basis"] = e->legalBasis;
  } else if (const auto* o = std::get_if<SupervisionOrder>(&record.payload)) {
    j["kind"] = "supervision_order";
    j["order"] = orderKindName(o->kind);
    j["last_seen"] = o->lastSeen ? toJson(*o->lastSeen) : Json(nullptr);
    if (!o->transferTo.empty()) j["transfer_to"] = o->transferTo;
    if (!o->note.empty()) j["note"] = o->note;
  } else {
    j["kind"] = payloadKindName(record.payload);
  }
  return j;
}

}  // namespace govbus
