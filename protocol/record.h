// Record: the plain C++ form of a signed record's content (protocol/record.capnp).
//
// The deterministic core and every layer above protocol/ work on these types, never on Cap'n Proto
// readers: decoding happens once, at the door, inside protocol/record_codec.cc, where malformed
// input is turned into an error. A Record is a value type; decoding then encoding one is not
// guaranteed to reproduce the signed bytes, which is why SignedRecord keeps the body as received.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"

namespace govbus {

// A record as it travels and is stored: the exact signed bytes and the signature over them.
struct SignedRecord {
  Bytes body;
  Bytes signature;
  friend bool operator==(const SignedRecord&, const SignedRecord&) = default;
};

struct SignedCertificate {
  Bytes body;
  Bytes signature;
  friend bool operator==(const SignedCertificate&, const SignedCertificate&) = default;
};

struct RecordRef {
  std::string author;
  uint64_t seq = 0;
  friend auto operator<=>(const RecordRef&, const RecordRef&) = default;
};

struct FrontierEntry {
  std::string author;
  uint64_t seq = 0;
  friend auto operator<=>(const FrontierEntry&, const FrontierEntry&) = default;
};
using Frontier = std::vector<FrontierEntry>;

struct KeyRevocation {
  std::string subject;
  uint32_t serial = 0;
  uint64_t fromSeq = 0;
  std::string reason;
  friend bool operator==(const KeyRevocation&, const KeyRevocation&) = default;
};

enum class CatalogOp : uint8_t { kInsert, kUpdate };

// How an item's limits are counted (DESIGN §6): working days (工作日) unless it says calendar days.
enum class LimitUnit : uint8_t { kWorkingDays, kCalendarDays };

struct CatalogItem {
  CatalogOp op = CatalogOp::kInsert;
  std::string code;
  std::string name;
  uint8_t statutoryDepth = 0;
  uint16_t legalDays = 0;
  uint16_t promisedDays = 0;
  bool delegable = false;
  std::vector<std::string> materials;
  LimitUnit limitUnit = LimitUnit::kWorkingDays;
  friend bool operator==(const CatalogItem&, const CatalogItem&) = default;
};

enum class DelegationScope : uint8_t { kNode, kSubtree };
enum class DelegationMode : uint8_t { kEntrust, kDevolve };

struct Delegation {
  std::string item;
  std::string grantee;
  DelegationScope scope = DelegationScope::kNode;
  DelegationMode mode = DelegationMode::kEntrust;
  bool mayRedelegate = false;
  int64_t validFromMs = 0;
  int64_t validUntilMs = 0;  // 0: open-ended
  std::optional<RecordRef> parent;
  friend bool operator==(const Delegation&, const Delegation&) = default;
};

struct DelegationRevocation {
  RecordRef delegation;
  bool transferPending = false;
  std::string reason;
  friend bool operator==(const DelegationRevocation&, const DelegationRevocation&) = default;
};

enum class CaseEventType : uint8_t {
  kReceived,
  kAccepted,
  kMaterialsRequested,
  kMaterialsSupplied,
  kStepCompleted,
  kSuspended,
  kResumed,
  kApproved,
  kDenied,
  kClosed,
  kWithdrawn,
  kTransferred,
};

struct CaseReceived {
  std::string item;
  std::string handler;
  std::string region;
  Bytes applicantHash;
  std::vector<std::string> materials;
  std::optional<RecordRef> authority;
  std::string firstResponsible;
  friend bool operator==(const CaseReceived&, const CaseReceived&) = default;
};

// One lifecycle event. Which fields carry meaning depends on `type`:
// received → `received`; materialsRequested/Supplied → `materials`; stepCompleted, suspended,
// approved (licence number), withdrawn, transferred (new handler) → `text`; denied → `reason` and
// `legalBasis`.
struct CaseEvent {
  std::string caseId;
  CaseEventType type = CaseEventType::kReceived;
  CaseReceived received;
  std::vector<std::string> materials;
  std::string text;
  std::string reason;
  std::string legalBasis;
  friend bool operator==(const CaseEvent&, const CaseEvent&) = default;
};

enum class OrderKind : uint8_t { kUrge, kCorrect, kHalt, kTransfer };

struct SupervisionOrder {
  std::string caseId;
  OrderKind kind = OrderKind::kUrge;
  std::optional<RecordRef> lastSeen;
  std::string transferTo;
  std::string note;
  friend bool operator==(const SupervisionOrder&, const SupervisionOrder&) = default;
};

struct Complaint {
  std::string complaintId;
  std::string caseId;
  std::string against;
  std::string summary;
  friend bool operator==(const Complaint&, const Complaint&) = default;
};

enum class ComplaintStatus : uint8_t { kReceived, kHandling, kResolved };

struct ComplaintUpdate {
  std::string complaintId;
  ComplaintStatus status = ComplaintStatus::kReceived;
  std::string note;
  friend bool operator==(const ComplaintUpdate&, const ComplaintUpdate&) = default;
};

struct ForkReport {
  std::string author;
  uint64_t seq = 0;
  SignedRecord first;
  SignedRecord second;
  friend bool operator==(const ForkReport&, const ForkReport&) = default;
};

// One year's working-day calendar (节假日安排), dates as "YYYY-MM-DD", ascending.
struct WorkingCalendar {
  uint16_t year = 0;
  std::vector<std::string> holidays;
  std::vector<std::string> workdays;
  std::string note;
  friend bool operator==(const WorkingCalendar&, const WorkingCalendar&) = default;
};

// "I had stored these descendant feeds up to these sequences by my wallTimeMs."
struct Witness {
  Frontier feeds;  // sorted by author, one entry per feed
  friend bool operator==(const Witness&, const Witness&) = default;
};

struct LinkOutage {
  std::string peer;
  int64_t fromMs = 0;
  int64_t untilMs = 0;
  friend bool operator==(const LinkOutage&, const LinkOutage&) = default;
};

struct ProvinceSetting {
  std::string name;
  int64_t value = 0;
  friend bool operator==(const ProvinceSetting&, const ProvinceSetting&) = default;
};

// The payload union, in schema order. `std::variant::index()` is the record kind.
using Payload =
    std::variant<SignedCertificate, KeyRevocation, CatalogItem, Delegation, DelegationRevocation,
                 CaseEvent, SupervisionOrder, Complaint, ComplaintUpdate, ForkReport,
                 WorkingCalendar, Witness, LinkOutage, ProvinceSetting>;

// Stable names of payload kinds (metrics labels, logs, JSON).
const char* payloadKindName(const Payload& payload);

struct Envelope {
  std::string author;
  uint32_t keySerial = 0;
  uint64_t seq = 0;
  Bytes prevHash;  // 32 bytes, or empty for seq 1
  uint64_t lamport = 0;
  int64_t wallTimeMs = 0;
  Frontier frontier;  // sorted by author, one entry per feed
  friend bool operator==(const Envelope&, const Envelope&) = default;
};

struct Record {
  Envelope envelope;
  Payload payload;
  friend bool operator==(const Record&, const Record&) = default;
};

}  // namespace govbus
