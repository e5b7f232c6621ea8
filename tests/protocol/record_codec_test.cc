#include "protocol/record_codec.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <gtest/gtest.h>

#include <functional>

#include "protocol/capnp_io.h"
#include "protocol/limits.h"
#include "protocol/record.capnp.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

Envelope envelope(uint64_t seq = 2) {
  Envelope e;
  e.author = "430102";
  e.keySerial = 1;
  e.seq = seq;
  if (seq > 1) e.prevHash.assign(32, 0xab);
  e.lamport = 9;
  e.wallTimeMs = testing::kTestEpochMs;
  e.frontier = {{"430000", 4}, {"430100", 2}};
  return e;
}

std::vector<Payload> everyPayloadKind() {
  CaseEvent received = std::get<CaseEvent>(testing::sampleCaseEvent("430102", 1));
  received.received.authority = RecordRef{"430100", 3};
  std::vector<Payload> out = {
      SignedCertificate{Bytes(80, 1), Bytes(64, 2)},
      KeyRevocation{"430102", 1, 17, "key leaked"},
      CatalogItem{CatalogOp::kUpdate,
                  "XK-SCJG-001",
                  "食品经营许可",
                  3,
                  20,
                  10,
                  true,
                  {"申请书", "营业执照"}},
      Delegation{"XK-ZJ-002", "430102", DelegationScope::kSubtree, DelegationMode::kDevolve, true,
                 1, 2, RecordRef{"430000", 5}},
      Delegation{"XK-ZJ-002", "430100", DelegationScope::kNode, DelegationMode::kEntrust, false, 1,
                 0, std::nullopt},
      DelegationRevocation{RecordRef{"430100", 8}, true, "收回"},
      received,
      SupervisionOrder{"430102-1", OrderKind::kTransfer, RecordRef{"430102", 4}, "430103", "转办"},
      SupervisionOrder{"430102-1", OrderKind::kHalt, std::nullopt, "", ""},
      Complaint{"c-1", "430102-1", "430102", "超期未办"},
      ComplaintUpdate{"c-1", ComplaintStatus::kResolved, "已办结"},
      ForkReport{"430103", 3, SignedRecord{Bytes(40, 3), Bytes(64, 4)},
                 SignedRecord{Bytes(48, 5), Bytes(64, 6)}},
  };
  for (CaseEventType t :
       {CaseEventType::kAccepted, CaseEventType::kMaterialsRequested,
        CaseEventType::kMaterialsSupplied, CaseEventType::kStepCompleted, CaseEventType::kSuspended,
        CaseEventType::kResumed, CaseEventType::kApproved, CaseEventType::kDenied,
        CaseEventType::kClosed, CaseEventType::kWithdrawn, CaseEventType::kTransferred}) {
    CaseEvent e;
    e.caseId = "430102-1";
    e.type = t;
    if (t == CaseEventType::kMaterialsRequested || t == CaseEventType::kMaterialsSupplied)
      e.materials = {"场所平面图"};
    if (t == CaseEventType::kDenied) {
      e.reason = "不符合条件";
      e.legalBasis = "《食品经营许可管理办法》第十条";
    }
    if (t == CaseEventType::kTransferred) e.text = "430103";
    if (t == CaseEventType::kStepCompleted || t == CaseEventType::kSuspended ||
        t == CaseEventType::kApproved || t == CaseEventType::kWithdrawn) {
      e.text = "note";
    }
    out.push_back(e);
  }
  return out;
}

TEST(RecordCodecTest, EveryPayloadKindRoundTrips) {
  for (const Payload& p : everyPayloadKind()) {
    Record r{envelope(), p};
    Bytes body = encodeRecordBody(r);
    auto decoded = decodeRecordBody(body);
    ASSERT_TRUE(decoded.ok()) << payloadKindName(p) << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, r) << payloadKindName(p);
  }
}

TEST(RecordCodecTest, SignedRecordRoundTripsAndDecodesFromUnalignedBytes) {
  SignedRecord sr{encodeRecordBody(Record{envelope(), everyPayloadKind()[2]}), Bytes(64, 7)};
  Bytes wire = encodeSignedRecord(sr);
  Bytes shifted(wire.size() + 1);
  std::copy(wire.begin(), wire.end(), shifted.begin() + 1);
  auto decoded = decodeSignedRecord(ByteView(shifted).subspan(1));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, sr);
}

TEST(RecordCodecTest, CaseEventIdOfReadsTheCaseIdOfACaseEventAndNothingElse) {
  for (const Payload& p : everyPayloadKind()) {
    Bytes wire =
        encodeSignedRecord(SignedRecord{encodeRecordBody(Record{envelope(), p}), Bytes(64, 7)});
    Bytes shifted(wire.size() + 1);  // stored values need not be aligned
    std::copy(wire.begin(), wire.end(), shifted.begin() + 1);
    auto id = caseEventIdOf(ByteView(shifted).subspan(1));
    ASSERT_TRUE(id.ok()) << payloadKindName(p) << ": " << id.error().message;
    const auto* e = std::get_if<CaseEvent>(&p);
    EXPECT_EQ(*id, e ? e->caseId : std::string()) << payloadKindName(p);
  }
  EXPECT_FALSE(caseEventIdOf(Bytes(24, 0xff)).ok());
}

Error bodyError(Envelope e, Payload p = KeyRevocation{"430102", 1, 1, ""}) {
  auto r = decodeRecordBody(encodeRecordBody(Record{std::move(e), std::move(p)}));
  EXPECT_FALSE(r.ok());
  return r.ok() ? Error{} : r.error();
}

TEST(RecordCodecTest, EnvelopeRulesAreEnforcedWithTheFieldNamed) {
  Envelope e = envelope();
  e.seq = 0;
  EXPECT_NE(bodyError(e).message.find("seq"), std::string::npos);
  e = envelope(1);
  e.prevHash.assign(32, 1);
  EXPECT_NE(bodyError(e).message.find("prevHash"), std::string::npos);
  e = envelope(3);
  e.prevHash.assign(31, 1);
  EXPECT_NE(bodyError(e).message.find("prevHash"), std::string::npos);
  e = envelope();
  e.author = "43010X";
  EXPECT_NE(bodyError(e).message.find("author"), std::string::npos);
  e = envelope();
  e.keySerial = 0;
  EXPECT_NE(bodyError(e).message.find("keySerial"), std::string::npos);
  e = envelope();
  e.lamport = 0;
  EXPECT_NE(bodyError(e).message.find("lamport"), std::string::npos);
  e = envelope();
  e.frontier.assign(kMaxFrontierEntries + 1, FrontierEntry{"430000", 1});
  EXPECT_NE(bodyError(e).message.find("frontier"), std::string::npos);
}

// A frontier written with the schema's builder (the encoder sorts, so it cannot repeat).
Result<Record> withRawFrontier(const std::vector<std::string>& authors) {
  capnp::MallocMessageBuilder m;
  auto b = m.initRoot<wire::Record>();
  b.setAuthor("430102");
  b.setKeySerial(1);
  b.setSeq(1);
  b.setLamport(1);
  auto f = b.initFrontier(static_cast<unsigned>(authors.size()));
  for (unsigned i = 0; i < authors.size(); ++i) {
    f[i].setAuthor(authors[i]);
    f[i].setSeq(i + 1);
  }
  auto k = b.initKeyRevocation();
  k.setSubject("430102");
  k.setSerial(1);
  k.setFromSeq(1);
  return decodeRecordBody(capnp_io::toFlatBytes(m));
}

TEST(RecordCodecTest, RepeatedFrontierEntriesAreRejected) {
  for (const auto& authors : std::vector<std::vector<std::string>>{
           {"430000", "430000"}, {"430000", "430100", "430100"}, {"430100", "430000"}}) {
    auto r = withRawFrontier(authors);
    ASSERT_FALSE(r.ok()) << authors.size();
    EXPECT_EQ(errorCodeName(r.error().code), errorCodeName(ErrorCode::kMalformed));
    EXPECT_NE(r.error().message.find("frontier: entries must be sorted by author without repeats"),
              std::string::npos)
        << r.error().message;
  }
  // The same authors once each, in order, are accepted: the rule is the repeat, not the author.
  EXPECT_TRUE(withRawFrontier({"430000", "430100"}).ok());
}

TEST(RecordCodecTest, EveryLengthLimitHoldsAtItsBoundAndRejectsOneMore) {
  auto fieldError = [](const Record& r) {
    auto d = decodeRecordBody(encodeRecordBody(r));
    return d.ok() ? std::string() : d.error().message;
  };
  const std::string id64(64, 'a'), id65(65, 'a');
  const std::string text4096(kMaxTextBytes, 'x'), text4097(kMaxTextBytes + 1, 'x');
  struct Case {
    std::string field;
    std::function<Payload(const std::string&)> make;
    std::string atLimit, overLimit;
  };
  CaseEvent event = std::get<CaseEvent>(testing::sampleCaseEvent("430102", 1));
  std::vector<Case> cases = {
      {"catalogItem.code",
       [](const std::string& v) {
         return CatalogItem{CatalogOp::kInsert, v, "n", 3, 20, 10, true, {}};
       },
       id64, id65},
      {"catalogItem.name",
       [](const std::string& v) {
         return CatalogItem{CatalogOp::kInsert, "XK", v, 3, 20, 10, true, {}};
       },
       text4096, text4097},
      {"delegation.item",
       [](const std::string& v) {
         return Delegation{
             v, "430102",    DelegationScope::kNode, DelegationMode::kEntrust, false, 0,
             0, std::nullopt};
       },
       id64, id65},
      {"caseEvent.caseId",
       [&](const std::string& v) {
         CaseEvent e = event;
         e.caseId = v;
         return e;
       },
       id64, id65},
      {"received.item",
       [&](const std::string& v) {
         CaseEvent e = event;
         e.received.item = v;
         return e;
       },
       id64, id65},
      {"received.firstResponsible",
       [&](const std::string& v) {
         CaseEvent e = event;
         e.received.firstResponsible = v;
         return e;
       },
       text4096, text4097},
      {"supervisionOrder.caseId",
       [](const std::string& v) {
         return SupervisionOrder{v, OrderKind::kUrge, std::nullopt, "", ""};
       },
       id64, id65},
      {"supervisionOrder.note",
       [](const std::string& v) {
         return SupervisionOrder{"c", OrderKind::kUrge, std::nullopt, "", v};
       },
       text4096, text4097},
      {"complaint.complaintId",
       [](const std::string& v) {
         return Complaint{v, "", "430102", ""};
       },
       id64, id65},
      {"complaint.caseId",
       [](const std::string& v) {
         return Complaint{"c", v, "430102", ""};
       },
       id64, id65},
      {"complaint.summary",
       [](const std::string& v) {
         return Complaint{"c", "", "430102", v};
       },
       text4096, text4097},
      {"complaintUpdate.complaintId",
       [](const std::string& v) {
         return ComplaintUpdate{v, ComplaintStatus::kHandling, ""};
       },
       id64, id65},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    EXPECT_EQ(fieldError(Record{envelope(), c.make(c.atLimit)}), "");
    std::string error = fieldError(Record{envelope(), c.make(c.overLimit)});
    EXPECT_NE(error.find(c.field + ": text of " + std::to_string(c.overLimit.size()) +
                         " bytes exceeds " + std::to_string(c.atLimit.size())),
              std::string::npos)
        << error;
  }
  // Lists: 256 items, not 257.
  CaseEvent list = event;
  list.received.materials.assign(kMaxListItems, "x");
  EXPECT_EQ(fieldError(Record{envelope(), list}), "");
  list.received.materials.push_back("x");
  EXPECT_NE(fieldError(Record{envelope(), list}).find("received.materials"), std::string::npos);
  // The frontier: 16 ancestors, not 17.
  Envelope e = envelope();
  e.frontier.clear();
  for (int i = 0; i < static_cast<int>(kMaxFrontierEntries); ++i)
    e.frontier.push_back({"4301" + std::to_string(10 + i), 1});
  EXPECT_EQ(fieldError(Record{e, everyPayloadKind()[1]}), "");
  e.frontier.push_back({"430199", 1});
  EXPECT_EQ(fieldError(Record{e, everyPayloadKind()[1]}), "frontier: 17 entries exceed 16");
}

TEST(RecordCodecTest, APreviousHashIsRequiredFromTheSecondRecordOn) {
  Envelope e = envelope(2);
  e.prevHash.clear();
  EXPECT_EQ(bodyError(e).message, "prevHash: must be 32 bytes after seq 1, got 0");
  e = envelope(1);
  EXPECT_TRUE(decodeRecordBody(encodeRecordBody(Record{e, everyPayloadKind()[1]})).ok());
}

TEST(RecordCodecTest, EnumValuesBeyondTheSchemaAreRejected) {
  auto withDelegation = [](uint16_t scope, uint16_t mode) {
    capnp::MallocMessageBuilder m;
    auto b = m.initRoot<wire::Record>();
    b.setAuthor("430100");
    b.setKeySerial(1);
    b.setSeq(1);
    b.setLamport(1);
    auto d = b.initDelegation();
    d.setItem("XK");
    d.setGrantee("430102");
    d.setScope(static_cast<wire::DelegationScope>(scope));
    d.setMode(static_cast<wire::DelegationMode>(mode));
    return decodeRecordBody(capnp_io::toFlatBytes(m));
  };
  EXPECT_TRUE(withDelegation(1, 1).ok());
  auto badMode = withDelegation(0, 2);
  ASSERT_FALSE(badMode.ok());
  EXPECT_NE(badMode.error().message.find("delegation.mode"), std::string::npos)
      << badMode.error().message;
  auto badScope = withDelegation(2, 0);
  ASSERT_FALSE(badScope.ok());
  EXPECT_NE(badScope.error().message.find("delegation.scope"), std::string::npos)
      << badScope.error().message;
}

TEST(RecordCodecTest, PayloadRulesAreEnforced) {
  CaseEvent noId = std::get<CaseEvent>(testing::sampleCaseEvent("430102", 1));
  noId.caseId.clear();
  EXPECT_NE(bodyError(envelope(), noId).message.find("caseId"), std::string::npos);
  CaseEvent shortHash = std::get<CaseEvent>(testing::sampleCaseEvent("430102", 1));
  shortHash.received.applicantHash.resize(8);
  EXPECT_NE(bodyError(envelope(), shortHash).message.find("applicantHash"), std::string::npos);
  CaseEvent tooMany = std::get<CaseEvent>(testing::sampleCaseEvent("430102", 1));
  tooMany.received.materials.assign(kMaxListItems + 1, "x");
  EXPECT_NE(bodyError(envelope(), tooMany).message.find("materials"), std::string::npos);
  Delegation badGrantee{
      "XK", "4301", DelegationScope::kNode, DelegationMode::kEntrust, false, 0, 0, std::nullopt};
  EXPECT_NE(bodyError(envelope(), badGrantee).message.find("grantee"), std::string::npos);
  EXPECT_NE(bodyError(envelope(), KeyRevocation{"430102", 1, 0, ""}).message.find("fromSeq"),
            std::string::npos);
  CatalogItem longText{
      CatalogOp::kInsert, "XK", std::string(kMaxTextBytes + 1, 'a'), 3, 20, 10, true, {}};
  EXPECT_NE(bodyError(envelope(), longText).message.find("name"), std::string::npos);
}

TEST(RecordCodecTest, UnknownRecordKindFromANewerVersionIsRejectedAsSuch) {
  capnp::MallocMessageBuilder m;
  auto b = m.initRoot<wire::Record>();
  b.setAuthor("430102");
  b.setKeySerial(1);
  b.setSeq(1);
  b.setLamport(1);
  b.initKeyRevocation();
  // Write a discriminant no schema of ours has, where the union keeps it.
  auto offset = capnp::Schema::from<wire::Record>().getProto().getStruct().getDiscriminantOffset();
  auto data = capnp::toAny(b).getDataSection();
  ASSERT_LT(offset * 2 + 1, data.size());
  data[offset * 2] = 42;
  data[offset * 2 + 1] = 0;
  auto r = decodeRecordBody(capnp_io::toFlatBytes(m));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnknownKind) << r.error().message;
}

TEST(RecordCodecTest, TrailingBytesAndOddSizesAreRejected) {
  Bytes body = encodeRecordBody(Record{envelope(), everyPayloadKind()[1]});
  Bytes trailing = body;
  trailing.insert(trailing.end(), 8, 0);
  EXPECT_EQ(decodeRecordBody(trailing).error().code, ErrorCode::kMalformed);
  Bytes odd = body;
  odd.push_back(0);
  EXPECT_EQ(decodeRecordBody(odd).error().code, ErrorCode::kMalformed);
  EXPECT_EQ(decodeRecordBody(Bytes{}).error().code, ErrorCode::kMalformed);
  EXPECT_EQ(decodeRecordBody(Bytes(kMaxRecordBodyBytes + 8, 0)).error().code, ErrorCode::kTooLarge);
  for (size_t cut = 8; cut < body.size(); cut += 8) {
    EXPECT_FALSE(decodeRecordBody(ByteView(body).first(cut)).ok()) << "truncated at " << cut;
  }
}

TEST(RecordCodecTest, SignedRecordNeedsA64ByteSignature) {
  SignedRecord sr{encodeRecordBody(Record{envelope(), everyPayloadKind()[1]}), Bytes(63, 7)};
  auto r = decodeSignedRecord(encodeSignedRecord(sr));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("signature"), std::string::npos);
}

}  // namespace
}  // namespace govbus
