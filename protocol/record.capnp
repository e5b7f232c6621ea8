# The signed record: every fact in GovBus is one of these, authored and signed by one node.
#
# A record travels as a SignedRecord. `body` holds the exact bytes of a Record message; the author
# signs those bytes (with a domain prefix, see docs/PROTOCOL.md) and the record id is
# BLAKE2b-256(body). The signature is therefore not part of a record's identity: the same body with
# other signature bytes is the same record.
@0xcf61eb23b9a1a87e;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("govbus::wire");

using Cert = import "certificate.capnp";

struct SignedRecord {
  body @0 :Data;
  # Exact bytes of a Record message.

  signature @1 :Data;
  # Ed25519 signature (64 bytes) by the author's key over "govbus/record/v1\0" || body.
}

struct FrontierEntry {
  author @0 :Text;
  # A feed, named by its author's division code.

  seq @1 :UInt64;
  # The highest sequence of that feed applied when the frontier was taken.
}

struct RecordRef {
  # Names one record of one feed.
  author @0 :Text;
  seq @1 :UInt64;
}

struct Record {
  # --- Envelope (DESIGN §4) ---
  author @0 :Text;
  # Division code of the authoring node; the feed this record belongs to.

  keySerial @1 :UInt32;
  # Serial of the author's certificate whose key signed this record.

  seq @2 :UInt64;
  # Position in the author's feed: 1, 2, 3, ... without gaps.

  prevHash @3 :Data;
  # BLAKE2b-256 of the previous record's body (32 bytes); empty for seq 1.

  lamport @4 :UInt64;
  # Lamport clock: greater than that of every record the author had applied.

  wallTimeMs @5 :Int64;
  # Author's wall clock, Unix milliseconds. Informational and for deadlines, never for ordering.

  frontier @6 :List(FrontierEntry);
  # Ancestor frontier: the highest sequence applied from each ancestor's feed when signing.

  # --- Payload ---
  union {
    nodeCertificate @7 :Cert.SignedCertificate;
    # A certificate the author issued (enrolment of a child) or its own anchor, published so
    # that every node in scope learns the tree.

    keyRevocation @8 :KeyRevocation;
    catalogItem @9 :CatalogItem;
    delegation @10 :Delegation;
    delegationRevocation @11 :DelegationRevocation;
    caseEvent @12 :CaseEvent;
    supervisionOrder @13 :SupervisionOrder;
    complaint @14 :Complaint;
    complaintUpdate @15 :ComplaintUpdate;
    forkReport @16 :ForkReport;
    workingCalendar @17 :WorkingCalendar;
    witness @18 :Witness;
    linkOutage @19 :LinkOutage;
    provinceSetting @20 :ProvinceSetting;
  }
}

struct KeyRevocation {
  # A parent (or its ancestor) revokes a descendant's key: records signed by that certificate
  # serial from `fromSeq` on are rejected.
  subject @0 :Text;
  serial @1 :UInt32;
  fromSeq @2 :UInt64;
  reason @3 :Text;
}

enum CatalogOp {
  insert @0;
  update @1;
}

struct CatalogItem {
  # 职权目录 entry; authored by the province only.
  op @0 :CatalogOp;
  code @1 :Text;
  # Item code, e.g. "XK-SCJG-001".
  name @2 :Text;
  statutoryDepth @3 :UInt8;
  # 法定层级 as a tree depth: 1 = province, 2 = city, 3 = county (a depth, not an enum, so that a
  # national or township level is a configuration change).
  legalDays @4 :UInt16;
  promisedDays @5 :UInt16;
  # 承诺时限: must be <= floor(2/3 * legalDays).
  delegable @6 :Bool;
  materials @7 :List(Text);
  limitUnit @8 :LimitUnit;
  # How the legal and promised limits are counted; working days unless the item says otherwise.
}

enum LimitUnit {
  workingDays @0;
  # 工作日: without weekends and statutory holidays, by the province's published calendar.
  calendarDays @1;
  # 自然日: every day.
}

enum DelegationScope {
  node @0;
  # The grantee node only.
  subtree @1;
  # The grantee and every node below it.
}

enum DelegationMode {
  entrust @0;
  # 委托: exercised in the grantor's name.
  devolve @1;
  # 下放: exercised in the grantee's own name.
}

struct Delegation {
  item @0 :Text;
  grantee @1 :Text;
  scope @2 :DelegationScope;
  mode @3 :DelegationMode;
  mayRedelegate @4 :Bool;
  validFromMs @5 :Int64;
  validUntilMs @6 :Int64;
  # 0 means open-ended.
  parent @7 :RecordRef;
  # The delegation this one re-delegates; absent (author empty) when the author is the statutory
  # holder.
}

struct DelegationRevocation {
  # 收回: by the grantor or any ancestor of the grantor.
  delegation @0 :RecordRef;
  transferPending @1 :Bool;
  # Open cases accepted under the revoked authority move to the new handler.
  reason @2 :Text;
}

struct CaseReceived {
  item @0 :Text;
  handler @1 :Text;
  # Division code of the node that will handle the case.
  region @2 :Text;
  # The applicant's region (where the handler rule is evaluated).
  applicantHash @3 :Data;
  # Hash of the applicant's id; the id itself never leaves the window.
  materials @4 :List(Text);
  authority @5 :RecordRef;
  # The delegation the handler relies on; absent for statutory authority.
  firstResponsible @6 :Text;
  # 首问负责人.
}

struct CaseDenial {
  reason @0 :Text;
  legalBasis @1 :Text;
}

struct CaseEvent {
  caseId @0 :Text;
  # Globally unique: the receiving node's code, a dash, and its local number.
  union {
    received @1 :CaseReceived;
    accepted @2 :Void;
    # 受理: the deadline clock starts.
    materialsRequested @3 :List(Text);
    # 补正: the full list, once; the clock pauses.
    materialsSupplied @4 :List(Text);
    stepCompleted @5 :Text;
    suspended @6 :Text;
    # Legal pause with its reason; the clock stops.
    resumed @7 :Void;
    approved @8 :Text;
    # Licence number.
    denied @9 :CaseDenial;
    closed @10 :Void;
    withdrawn @11 :Text;
    transferred @12 :Text;
    # The new handler's division code.
  }
}

enum OrderKind {
  urge @0;
  # 督办.
  correct @1;
  # 纠错: back to under review.
  halt @2;
  transfer @3;
}

struct SupervisionOrder {
  caseId @0 :Text;
  kind @1 :OrderKind;
  lastSeen @2 :RecordRef;
  # The last handler event the issuer had seen.
  transferTo @3 :Text;
  # For `transfer` only.
  note @4 :Text;
}

struct Complaint {
  # 效能投诉.
  complaintId @0 :Text;
  caseId @1 :Text;
  # Empty when the complaint is not about one case.
  against @2 :Text;
  # Division code of the node complained about.
  summary @3 :Text;
}

enum ComplaintStatus {
  received @0;
  # 有诉必接.
  handling @1;
  # 有接必理.
  resolved @2;
  # 有理必果.
}

struct ComplaintUpdate {
  complaintId @0 :Text;
  status @1 :ComplaintStatus;
  note @2 :Text;
}

struct ForkReport {
  # Evidence of equivocation: two validly signed records with one author and sequence.
  author @0 :Text;
  seq @1 :UInt64;
  first @2 :SignedRecord;
  second @3 :SignedRecord;
}

struct WorkingCalendar {
  # 节假日安排: one year's working-day calendar, published by the province (the root) only. A later
  # record for the same year replaces an earlier one, in the root's feed order.
  year @0 :UInt16;
  holidays @1 :List(Text);
  # Days off, "YYYY-MM-DD" in ascending order and all in `year`: statutory holidays, weekday or not.
  workdays @2 :List(Text);
  # Weekend days worked by adjustment (调休上班), likewise; none of them also a holiday.
  note @3 :Text;
  # Where the calendar comes from (the State Council notice); informational.
}

struct Witness {
  # A node's statement that it had stored each listed descendant feed up to the given sequence by
  # this record's own wallTimeMs. The earliest witness of a record bounds when it really existed.
  feeds @0 :List(FrontierEntry);
  # Sorted by author, no repeats; each author a strict descendant of the witness's author.
}

struct LinkOutage {
  # The author was cut off from `peer` (its upstream) from `fromMs` until `untilMs`: written when
  # the link comes back, so that records it made offline and reported late can be told from a
  # backdating.
  peer @0 :Text;
  fromMs @1 :Int64;
  untilMs @2 :Int64;
}

struct ProvinceSetting {
  # A province-wide setting, authored by the root only; a later record for the same name replaces
  # an earlier one, in the root's feed order. Names and ranges: docs/PROTOCOL.md.
  name @0 :Text;
  value @1 :Int64;
}
