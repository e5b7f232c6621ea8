// Known answers for the derived state (tests/vectors/void_reasons.json, state_digest.json): the
// number of every void reason, and the state digest of a fixed record set after every record, with
// the digested entries at the end. The digest is also recomputed here from the file's entries by an
// independent few lines over libsodium, so the formula itself is pinned: a change to the order of
// void reasons, to a digested field or its encoding, to the state key layout or to the digest
// formula fails here.
// Regenerate on purpose only: GOVBUS_WRITE_VECTORS=1 build/tests/sync_test
// --gtest_filter='*Vectors*' (tests/vectors/README.md, docs/PROTOCOL.md "Compatibility").
#include <gtest/gtest.h>
#include <sodium.h>

#include "protocol/record_codec.h"
#include "sync/memory_store.h"
#include "sync/replica.h"
#include "testing/scenario.h"
#include "testing/vectors.h"

namespace govbus {
namespace {

using testing::hex;
using testing::Json;
using testing::Scenario;
using testing::TestKeys;
using testing::unhex;
using T = CaseEventType;

// Every enumerator of sync/verdict.h by name, in the order of the file: reordering the enum
// changes the numbers the code stores even when the name table moves with it.
const std::vector<std::pair<VoidReason, std::string>>& enumerators() {
  static const std::vector<std::pair<VoidReason, std::string>> all = {
      {VoidReason::kNone, "valid"},
      {VoidReason::kAuthorForked, "author_forked"},
      {VoidReason::kCatalogNotByProvince, "catalog_not_by_province"},
      {VoidReason::kPromisedExceedsTwoThirds, "promised_exceeds_two_thirds_of_legal"},
      {VoidReason::kCatalogRaisesLevel, "catalog_raises_statutory_level"},
      {VoidReason::kCatalogBadLevel, "catalog_bad_level"},
      {VoidReason::kCatalogItemExists, "catalog_item_exists"},
      {VoidReason::kUnknownItem, "unknown_item"},
      {VoidReason::kItemNotDelegable, "item_not_delegable"},
      {VoidReason::kGranteeNotBelowAuthor, "grantee_not_below_author"},
      {VoidReason::kGranteeNotEnrolled, "grantee_not_enrolled"},
      {VoidReason::kAuthorLacksAuthority, "author_lacks_authority"},
      {VoidReason::kParentUnknown, "parent_delegation_unknown"},
      {VoidReason::kParentNotSeen, "parent_delegation_not_seen"},
      {VoidReason::kRedelegationNotAllowed, "redelegation_not_allowed"},
      {VoidReason::kPeriodOutsideParent, "period_outside_parent"},
      {VoidReason::kParentVoid, "parent_delegation_void"},
      {VoidReason::kRevoked, "delegation_revoked"},
      {VoidReason::kParentRevoked, "parent_delegation_revoked"},
      {VoidReason::kRevocationTargetUnknown, "revocation_target_unknown"},
      {VoidReason::kRevokerNotGrantorOrAncestor, "revoker_not_grantor_or_ancestor"},
      {VoidReason::kUnknownCase, "unknown_case"},
      {VoidReason::kCaseAlreadyReceived, "case_already_received"},
      {VoidReason::kNotTheHandler, "not_the_handler"},
      {VoidReason::kHandlerNotOnRegionPath, "handler_not_on_region_path"},
      {VoidReason::kReceiverNotUnderHandler, "receiver_not_under_handler"},
      {VoidReason::kIllegalTransition, "illegal_transition"},
      {VoidReason::kHandlerLacksAuthority, "handler_lacks_authority"},
      {VoidReason::kDenialWithoutReason, "denial_without_reason"},
      {VoidReason::kContradictsHaltOrder, "contradicts_halt_order"},
      {VoidReason::kContradictsUnseenHaltOrder, "contradicts_unseen_halt_order"},
      {VoidReason::kOrderNotByAncestor, "order_not_by_ancestor"},
      {VoidReason::kOrderOnFinalCase, "order_on_final_case"},
      {VoidReason::kOrderNothingToCorrect, "order_nothing_to_correct"},
      {VoidReason::kOrderLastSeenNotInCase, "order_last_seen_not_in_case"},
      {VoidReason::kOrderBadTransferTarget, "order_bad_transfer_target"},
      {VoidReason::kComplaintDuplicate, "complaint_duplicate"},
      {VoidReason::kComplaintAgainstUnknownNode, "complaint_against_unknown_node"},
      {VoidReason::kComplaintUnknown, "complaint_unknown"},
      {VoidReason::kComplaintUpdateNotBySupervisor, "complaint_update_not_by_supervisor"},
      {VoidReason::kCertificateNotByIssuer, "certificate_not_by_issuer"},
      {VoidReason::kCertificateOutsideRegion, "certificate_outside_region"},
      {VoidReason::kKeyRevocationNotByAncestor, "key_revocation_not_by_ancestor"},
      {VoidReason::kForkReportInvalid, "fork_report_invalid"},
      {VoidReason::kNotTheNearestHolder, "not_the_nearest_holder"},
      {VoidReason::kCaseIdNotReceivers, "case_id_not_receivers"},
      {VoidReason::kCalendarNotByProvince, "calendar_not_by_province"},
      {VoidReason::kSettingNotByProvince, "setting_not_by_province"},
      {VoidReason::kSettingUnknown, "setting_unknown"},
      {VoidReason::kSettingOutOfRange, "setting_out_of_range"},
      {VoidReason::kWitnessNotByAncestor, "witness_not_by_ancestor"},
  };
  return all;
}

TEST(VoidReasonVectors, EveryVoidReasonKeepsItsNumberAndName) {
  Json built = {{"about",
                 "Void reasons: the number is the one byte the state stores for a void record "
                 "(key 'v' ref) and hashes into the state digest. Never reordered or reused; new "
                 "reasons are appended. See README.md."},
                {"reasons", Json::array()}};
  for (size_t i = 0; i < static_cast<size_t>(VoidReason::kCount); ++i)
    built["reasons"].push_back(
        {{"number", i}, {"name", voidReasonName(static_cast<VoidReason>(i))}});
  if (testing::writingVectors()) return testing::writeVectors("void_reasons.json", built);
  Json file = testing::readVectors("void_reasons.json");
  const Json& known = file["reasons"];
  ASSERT_GE(known.size(), 45u);
  // Every known number keeps its name; a build may only append reasons after the known ones.
  ASSERT_GE(static_cast<size_t>(VoidReason::kCount), known.size()) << "a void reason was removed";
  for (size_t i = 0; i < known.size(); ++i) {
    EXPECT_EQ(known[i]["number"], i);
    EXPECT_EQ(voidReasonName(static_cast<VoidReason>(i)), known[i]["name"].get<std::string>())
        << "void reason number " << i << " changed its meaning";
  }
  EXPECT_EQ(static_cast<size_t>(VoidReason::kCount), known.size())
      << "a void reason was appended: add it to tests/vectors/void_reasons.json on purpose "
         "(GOVBUS_WRITE_VECTORS=1) and to docs/PROTOCOL.md §13";
  EXPECT_EQ(voidReasonName(VoidReason::kCount), "unknown");
  // The enumerators the code uses carry the known numbers.
  ASSERT_EQ(enumerators().size(), static_cast<size_t>(VoidReason::kCount))
      << "add the new enumerator to the table above";
  for (const auto& [reason, name] : enumerators()) {
    auto number = static_cast<size_t>(reason);
    ASSERT_LT(number, known.size()) << name;
    EXPECT_EQ(known[number]["name"].get<std::string>(), name)
        << "VoidReason enumerator for " << name << " has number " << number;
  }
}

// The fixed record set: the Scenario's enrolment and catalog, then records that reach every
// digested table (tree, catalog, cases, complaints, void verdicts) and several void reasons.
Scenario& authorDigestRecords(Scenario& s) {
  s.put("430000", Scenario::item("XK-COUNTY", 3, 20, 9, true, CatalogOp::kUpdate));
  s.put("430000", Scenario::item("XK-BAD", 0, 20, 9));        // catalog_bad_level
  s.put("430000", Scenario::item("XK-SLOW", 3, 30, 21));      // promised > ⌊2/3 × 30⌋
  s.put("430100", Scenario::item("XK-CITYMADE", 3, 20, 10));  // catalog_not_by_province
  auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", /*redelegate=*/true));
  auto c = s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p));
  s.put("430102", Scenario::delegation("XK-COUNTY", "430100"));  // grantee_not_below_author
  auto d = s.put("430100", Scenario::delegation("XK-CITY", "430103"));
  s.put("430000", KeyRevocation{"430211", 1, 1000, "密钥泄露"});
  s.put("430100", KeyRevocation{"430211", 1, 1000, ""});  // not by an ancestor
  // A case through its lifecycle, with a pause.
  s.put("430102", Scenario::received("430102-1", "XK-COUNTY", "430102", "430102"));
  auto acc = s.put("430102", Scenario::event("430102-1", T::kAccepted));
  s.put("430102", Scenario::event("430102-1", T::kMaterialsRequested));
  s.put("430102", Scenario::event("430102-1", T::kMaterialsSupplied));
  s.put("430100", Scenario::order("430102-1", OrderKind::kUrge, acc));
  s.put("430102", Scenario::event("430102-1", T::kApproved, "XK-2026-0001"));
  s.put("430102", Scenario::event("430102-1", T::kClosed));
  // A city item accepted under the delegation, then the delegation revoked with transfer pending.
  s.put("430103", Scenario::received("430103-1", "XK-CITY", "430103", "430103", d));
  s.put("430103", Scenario::event("430103-1", T::kAccepted));
  s.put("430000", DelegationRevocation{p, true, "收回"});  // voids p and c below it
  s.put("430102", Scenario::received("430102-2", "XK-PROV", "430102", "430102", c));
  s.put("430102", Scenario::event("430102-2", T::kAccepted));    // handler_lacks_authority
  s.put("430102", Scenario::event("430102-2", T::kDenied, ""));  // illegal: not accepted
  // A halted case, and a denial without reason.
  s.put("430211", Scenario::received("430211-1", "XK-COUNTY", "430211", "430211"));
  auto acc2 = s.put("430211", Scenario::event("430211-1", T::kAccepted));
  s.put("430200", Scenario::order("430211-1", OrderKind::kHalt, acc2));
  s.put("430211", Scenario::event("430211-1", T::kApproved, "L"));  // contradicts_halt_order
  s.put("430211", Scenario::event("430211-1", T::kSuspended, "待上级意见"));
  // Complaints.
  s.put("430102", Complaint{"c-1", "430102-1", "430102", "窗口推诿"});
  s.put("430100", ComplaintUpdate{"c-1", ComplaintStatus::kHandling, "已受理"});
  s.put("430103", ComplaintUpdate{"c-1", ComplaintStatus::kResolved, ""});  // not by supervisor
  s.put("430211", Complaint{"c-1", "", "430211", "重复编号"});              // complaint_duplicate
  // 天心区 equivocates; 长沙市's fork report voids its records from the fork on.
  Envelope e = s.network().nextEnvelope("430103");
  e.frontier = s.frontier("430103");
  SignedRecord a = s.network().signAs("430103", e, Scenario::event("430103-1", T::kApproved, "A"));
  SignedRecord b = s.network().signAs("430103", e, Scenario::event("430103-1", T::kDenied, "B"));
  s.put("430103", Scenario::event("430103-1", T::kApproved, "A"));
  s.put("430100", ForkReport{"430103", e.seq, a, b});
  // The clock rules: a calendar and a setting by the province (and a calendar by a city: void), a
  // witness by 长沙市 of its counties' feeds.
  s.put("430000", WorkingCalendar{2026, {"2026-01-01"}, {}, ""});
  s.put("430000", ProvinceSetting{"witness_tolerance_ms", 3'600'000});
  s.put("430100", WorkingCalendar{2026, {"2026-01-02"}, {}, ""});  // calendar_not_by_province
  s.put("430100", Witness{{{"430102", 3}, {"430103", 2}}});
  // A new county enrolled by its city.
  s.network().enroll("430104", "430100");
  s.put("430100", s.network().node("430104").certificate);
  return s;
}

bool digested(ByteView key) {
  return !key.empty() &&
         std::string_view("cpvkn").find(static_cast<char>(key[0])) != std::string_view::npos;
}

// The digest formula, written out independently of sync/state_digest.cc: the sum modulo 2^256
// (little-endian) of BLAKE2b-256(be64(len key) ‖ key ‖ be64(len value) ‖ value) over the entries.
std::string recomputeDigest(const Json& entries) {
  uint8_t sum[32] = {};
  for (const Json& e : entries) {
    Bytes key = unhex(e["key"]), value = unhex(e["value"]);
    Bytes msg;
    for (const Bytes* part : {&key, &value}) {
      for (int i = 7; i >= 0; --i) msg.push_back(static_cast<uint8_t>(part->size() >> (8 * i)));
      msg.insert(msg.end(), part->begin(), part->end());
    }
    uint8_t h[32];
    crypto_generichash(h, sizeof h, msg.data(), msg.size(), nullptr, 0);
    unsigned carry = 0;
    for (int i = 0; i < 32; ++i) {
      carry += unsigned{sum[i]} + h[i];
      sum[i] = static_cast<uint8_t>(carry);
      carry >>= 8;
    }
  }
  return hex(ByteView(sum, 32));
}

Json digestVectors() {
  Scenario s(TestKeys::kFixed);
  authorDigestRecords(s);
  MemoryStore store;
  auto replica = Replica::open(store, s.network().anchor());
  Json records = Json::array();
  for (const SignedRecord& r : s.history()) {
    Bytes wire = testing::wireBytes(r);
    auto result = (*replica)->ingest(std::vector<Bytes>{wire});
    EXPECT_TRUE(result.ok() && result->results.at(0).outcome == IngestOutcome::kAppended);
    Record rec = *decodeRecordBody(r.body);
    records.push_back({{"ref", rec.envelope.author + "#" + std::to_string(rec.envelope.seq)},
                       {"kind", payloadKindName(rec.payload)},
                       {"signed", hex(wire)},
                       {"digestAfter", hex(*(*replica)->digest())}});
  }
  auto view = store.beginRead();
  for (Json& r : records) {
    std::string ref = r["ref"];
    RecordRef rr{ref.substr(0, ref.find('#')), std::stoull(ref.substr(ref.find('#') + 1))};
    r["finalVerdict"] = voidReasonName(*StateEngine::verdict(**view, rr));
  }
  Json entries = Json::array();
  (void)(*view)->stateScan({}, [&](ByteView k, ByteView v) {
    if (digested(k)) entries.push_back({{"key", hex(k)}, {"value", hex(v)}});
    return true;
  });
  return {
      {"about",
       "State digest of a fixed record set: ingest 'records' one at a time, in this order, into "
       "an empty store whose anchor is 'anchor'; after each, the state digest is "
       "'digestAfter'. 'entries' are the digested state entries at the end (key, value), "
       "'finalVerdict' each record's verdict at the end. See README.md."},
      {"anchor", hex(encodeSignedCertificate(s.network().anchor()))},
      {"records", records},
      {"entries", entries},
      {"digest", hex(*(*replica)->digest())}};
}

TEST(StateDigestVectors, AFixedRecordSetGivesTheKnownDigestAfterEveryRecord) {
  if (testing::writingVectors()) return testing::writeVectors("state_digest.json", digestVectors());
  Json file = testing::readVectors("state_digest.json");
  ASSERT_GE(file["records"].size(), 40u);
  auto anchor = decodeSignedCertificate(unhex(file["anchor"]));
  ASSERT_TRUE(anchor.ok());
  MemoryStore store;
  auto replica = Replica::open(store, *anchor);
  ASSERT_TRUE(replica.ok());
  std::set<std::string> reasons;
  for (const Json& r : file["records"]) {
    SCOPED_TRACE(r["ref"].get<std::string>() + " " + r["kind"].get<std::string>());
    auto result = (*replica)->ingest(std::vector<Bytes>{unhex(r["signed"])});
    ASSERT_TRUE(result.ok()) << result.error().message;
    ASSERT_EQ(result->results.at(0).outcome, IngestOutcome::kAppended);
    ASSERT_EQ(hex(*(*replica)->digest()), r["digestAfter"]) << "the state digest changed";
    reasons.insert(r["finalVerdict"].get<std::string>());
  }
  EXPECT_GE(reasons.size(), 10u) << "the set should exercise many verdicts";
  auto view = store.beginRead();
  for (const Json& r : file["records"]) {
    std::string ref = r["ref"];
    RecordRef rr{ref.substr(0, ref.find('#')), std::stoull(ref.substr(ref.find('#') + 1))};
    EXPECT_EQ(voidReasonName(*StateEngine::verdict(**view, rr)),
              r["finalVerdict"].get<std::string>())
        << ref;
  }
  Json entries = Json::array();
  (void)(*view)->stateScan({}, [&](ByteView k, ByteView v) {
    if (digested(k)) entries.push_back({{"key", hex(k)}, {"value", hex(v)}});
    return true;
  });
  EXPECT_EQ(entries, file["entries"]) << "the digested state (key layout or values) changed";
  EXPECT_EQ(hex(*(*replica)->digest()), file["digest"]);
  ASSERT_TRUE((*replica)->rebuild().ok());
  EXPECT_EQ(hex(*(*replica)->digest()), file["digest"]) << "a rebuild gives another digest";
}

TEST(StateDigestVectors, TheDigestIsTheSumOfTheEntryHashesAsDocumented) {
  if (testing::writingVectors()) GTEST_SKIP() << "writing vectors";
  Json file = testing::readVectors("state_digest.json");
  ASSERT_GE(file["entries"].size(), 20u);
  EXPECT_EQ(recomputeDigest(file["entries"]), file["digest"]);
  // And the same formula over the state this build derives (not only the file's).
  MemoryStore store;
  auto replica = Replica::open(store, *decodeSignedCertificate(unhex(file["anchor"])));
  for (const Json& r : file["records"])
    ASSERT_TRUE((*replica)->ingest(std::vector<Bytes>{unhex(r["signed"])}).ok());
  Json entries = Json::array();
  auto view = store.beginRead();
  (void)(*view)->stateScan({}, [&](ByteView k, ByteView v) {
    if (digested(k)) entries.push_back({{"key", hex(k)}, {"value", hex(v)}});
    return true;
  });
  EXPECT_EQ(recomputeDigest(entries), hex(*(*replica)->digest()));
}

}  // namespace
}  // namespace govbus
