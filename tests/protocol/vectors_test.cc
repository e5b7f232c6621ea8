// Known answers for the wire (tests/vectors/records.json, sync_messages.json): a record of every
// kind and every case event, signed with fixed keys, and a sync message of every kind. Each is
// checked both ways — built in code, it encodes, signs and hashes to the file's bytes; the file's
// bytes decode to the same values, whose fields are spelled in the file — so a change to an
// encoding, to the record signature domain or to the record id fails here.
// Regenerate on purpose only: GOVBUS_WRITE_VECTORS=1 build/tests/protocol_test
// --gtest_filter='*Vectors*' (tests/vectors/README.md, docs/PROTOCOL.md "Compatibility").
#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "protocol/record_codec.h"
#include "protocol/sync_codec.h"
#include "testing/test_network.h"
#include "testing/vectors.h"

namespace govbus {
namespace {

using testing::hex;
using testing::Json;
using testing::kTestEpochMs;
using testing::TestKeys;
using testing::TestNetwork;
using testing::toJson;
using testing::unhex;
using T = CaseEventType;

struct NamedRecord {
  std::string name;
  SignedRecord signedRecord;
  Record record;
};

// Every record kind, every case event, every order kind and complaint status, optional fields both
// present and absent — authored in feed order by a network whose keys come from fixed seeds.
class RecordSet {
 public:
  RecordSet() : net_(TestKeys::kFixed) {
    add("nodeCertificate.anchor", "430000", net_.anchor());
    add("nodeCertificate.city", "430000", net_.node("430100").certificate);
    add("catalogItem.insert", "430000",
        CatalogItem{CatalogOp::kInsert,
                    "XK-SCJG-001",
                    "食品经营许可",
                    3,
                    20,
                    13,
                    true,
                    {"申请书", "营业执照"}});
    add("catalogItem.update", "430000",
        CatalogItem{CatalogOp::kUpdate, "XK-SCJG-001", "食品经营许可", 3, 20, 10, false, {}});
    add("keyRevocation", "430000", KeyRevocation{"430211", 1, 7, "密钥泄露"});
    RecordRef statutory =
        add("delegation.statutory", "430100",
            Delegation{"XK-CITY", "430102", DelegationScope::kNode, DelegationMode::kEntrust, false,
                       kTestEpochMs, 0, std::nullopt},
            {{"430000", 4}});
    add("delegation.redelegation", "430100",
        Delegation{"XK-PROV", "430103", DelegationScope::kSubtree, DelegationMode::kDevolve, true,
                   kTestEpochMs, kTestEpochMs + 30LL * 86'400'000, RecordRef{"430000", 3}},
        {{"430000", 5}});
    add("delegationRevocation", "430000", DelegationRevocation{statutory, true, "收回并移交"});

    CaseEvent received = event(T::kReceived);
    received.received = CaseReceived{"XK-CITY",
                                     "430102",
                                     "430102",
                                     toBytes(blake2b256(asBytes("applicant 1"))),
                                     {"申请书", "身份证明"},
                                     statutory,
                                     "首问 李四"};
    RecordRef first = add("caseEvent.received", "430102", received, {{"430000", 5}, {"430100", 2}});
    CaseEvent bare = received;
    bare.caseId = "430102-2";
    bare.received.authority.reset();
    bare.received.materials.clear();
    bare.received.firstResponsible.clear();
    add("caseEvent.received.withoutAuthority", "430102", bare);
    add("caseEvent.accepted", "430102", event(T::kAccepted));
    CaseEvent requested = event(T::kMaterialsRequested);
    requested.materials = {"场所平面图", "健康证明"};
    add("caseEvent.materialsRequested", "430102", requested);
    CaseEvent supplied = event(T::kMaterialsSupplied);
    supplied.materials = {"场所平面图"};
    add("caseEvent.materialsSupplied", "430102", supplied);
    add("caseEvent.stepCompleted", "430102", event(T::kStepCompleted, "初审通过"));
    add("caseEvent.suspended", "430102", event(T::kSuspended, "听证"));
    add("caseEvent.resumed", "430102", event(T::kResumed));
    add("caseEvent.approved", "430102", event(T::kApproved, "XK-2026-0001"));
    CaseEvent denied = event(T::kDenied);
    denied.reason = "不符合条件";
    denied.legalBasis = "《行政许可法》第三十八条";
    add("caseEvent.denied", "430102", denied);
    add("caseEvent.closed", "430102", event(T::kClosed));
    add("caseEvent.withdrawn", "430102", event(T::kWithdrawn, "申请人撤回"));
    add("caseEvent.transferred", "430102", event(T::kTransferred, "430100"));

    add("supervisionOrder.urge", "430100",
        SupervisionOrder{"430102-1", OrderKind::kUrge, first, "", "请加快办理"});
    add("supervisionOrder.correct", "430100",
        SupervisionOrder{"430102-1", OrderKind::kCorrect, RecordRef{"430102", 9}, "", "纠错"});
    add("supervisionOrder.halt", "430000",
        SupervisionOrder{"430102-1", OrderKind::kHalt, RecordRef{"430102", 3}, "", ""});
    add("supervisionOrder.transfer", "430100",
        SupervisionOrder{"430102-1", OrderKind::kTransfer, first, "430100", "转办"});
    add("supervisionOrder.withoutLastSeen", "430100",
        SupervisionOrder{"430102-1", OrderKind::kUrge, std::nullopt, "", ""});

    add("complaint", "430102", Complaint{"c-1", "430102-1", "430102", "窗口推诿"});
    add("complaint.withoutCase", "430211", Complaint{"c-2", "", "430211", "超时"});
    add("complaintUpdate.received", "430100",
        ComplaintUpdate{"c-1", ComplaintStatus::kReceived, "已接收"});
    add("complaintUpdate.handling", "430100",
        ComplaintUpdate{"c-1", ComplaintStatus::kHandling, ""});
    add("complaintUpdate.resolved", "430000",
        ComplaintUpdate{"c-1", ComplaintStatus::kResolved, "已整改"});

    // Two records 天心区 signed at one sequence: the evidence a fork report carries.
    Envelope e = net_.nextEnvelope("430103");
    SignedRecord a = net_.signAs("430103", e, event(T::kApproved, "L-a"));
    SignedRecord b = net_.signAs("430103", e, event(T::kApproved, "L-b"));
    add("forkReport", "430100", ForkReport{"430103", e.seq, a, b});

    // The clock rules' records (PROTOCOL §11).
    add("workingCalendar", "430000",
        WorkingCalendar{
            2026, {"2026-01-01", "2026-10-01"}, {"2026-09-20"}, "国办发明电〔2025〕7号"});
    add("provinceSetting", "430000", ProvinceSetting{"witness_tolerance_ms", 900'000});
    add("witness", "430100", Witness{{{"430102", 3}, {"430103", 1}}});
    add("linkOutage", "430102", LinkOutage{"430100", kTestEpochMs, kTestEpochMs + 5LL * 60 * 1000});

    // A body larger than the encoder's first segment (128 words): a two-segment message, which
    // every decoder must read.
    CaseEvent large = received;
    large.caseId = "430102-3";
    large.received.materials.clear();
    for (int i = 1; i <= 40; ++i)
      large.received.materials.push_back("申请材料第 " + std::to_string(i) + " 份");
    add("caseEvent.received.multiSegment", "430102", large);

    // The shortest first-responsible text that makes the body spill out of the first segment: a
    // body of exactly 129 words, so the first segment's size is pinned to the word.
    CaseEvent edge = received;
    edge.caseId = "430102-4";
    Envelope next = net_.nextEnvelope("430102");
    for (size_t pad = 0; pad < 4096; ++pad) {
      edge.received.firstResponsible.assign(pad, 'x');
      Bytes body = encodeRecordBody(Record{next, edge});
      if (body[0] != 0) break;  // the segment table counts a second segment
    }
    add("caseEvent.received.firstSegmentEdge", "430102", edge);
  }

  const std::vector<NamedRecord>& records() const { return records_; }
  TestNetwork& network() { return net_; }

 private:
  static CaseEvent event(T type, std::string text = "") {
    CaseEvent e;
    e.caseId = "430102-1";
    e.type = type;
    e.text = std::move(text);
    return e;
  }

  RecordRef add(std::string name, const std::string& author, Payload payload,
                Frontier frontier = {}) {
    SignedRecord sr = net_.author(author, std::move(payload), std::move(frontier));
    auto decoded = decodeRecordBody(sr.body);
    EXPECT_TRUE(decoded.ok()) << name << ": " << decoded.error().message;
    records_.push_back({std::move(name), sr, decoded.ok() ? *decoded : Record{}});
    return RecordRef{author, net_.node(author).seq};
  }

  TestNetwork net_;
  std::vector<NamedRecord> records_;
};

Json publicKeys(TestNetwork& net) {
  Json keys = Json::object();
  for (const char* code : {"430000", "430100", "430102", "430103", "430200", "430211"})
    keys[code] = hex(net.node(code).key.publicKey().bytes());
  return keys;
}

Json recordVectors() {
  RecordSet set;
  Json out = {{"about",
               "Known-answer records: body = Cap'n Proto Record message (unpacked, segment table "
               "included); signature = Ed25519 over 'govbus/record/v1' NUL body; id = "
               "BLAKE2b-256(body); signed = SignedRecord message. See README.md."},
              {"signatureDomainHex", hex(asBytes(kRecordSignatureDomain))},
              {"publicKeys", publicKeys(set.network())},
              {"records", Json::array()}};
  for (const NamedRecord& r : set.records()) {
    out["records"].push_back({{"name", r.name},
                              {"fields", toJson(r.record)},
                              {"body", hex(r.signedRecord.body)},
                              {"signature", hex(r.signedRecord.signature)},
                              {"id", hex(blake2b256(r.signedRecord.body))},
                              {"signed", hex(encodeSignedRecord(r.signedRecord))}});
  }
  return out;
}

TEST(RecordVectors, EveryRecordKindEncodesSignsAndHashesToTheKnownBytes) {
  Json built = recordVectors();
  if (testing::writingVectors()) return testing::writeVectors("records.json", built);
  Json file = testing::readVectors("records.json");
  EXPECT_EQ(file["signatureDomainHex"], built["signatureDomainHex"])
      << "the record signature domain changed";
  EXPECT_EQ(file["publicKeys"], built["publicKeys"]) << "the fixed-seed keys changed";
  ASSERT_EQ(file["records"].size(), built["records"].size());
  for (size_t i = 0; i < built["records"].size(); ++i) {
    const Json& want = file["records"][i];
    const Json& got = built["records"][i];
    SCOPED_TRACE(got["name"].get<std::string>());
    EXPECT_EQ(want["name"], got["name"]);
    EXPECT_EQ(want["body"], got["body"]) << "the encoding of this record changed";
    EXPECT_EQ(want["signature"], got["signature"]) << "the signature (domain or key) changed";
    EXPECT_EQ(want["id"], got["id"]) << "the record id changed";
    EXPECT_EQ(want["signed"], got["signed"]) << "the SignedRecord framing changed";
  }
}

TEST(RecordVectors, KnownBytesDecodeToTheKnownValuesAndVerify) {
  if (testing::writingVectors()) GTEST_SKIP() << "writing vectors";
  Json file = testing::readVectors("records.json");
  RecordSet set;
  ASSERT_EQ(file["records"].size(), set.records().size());
  size_t kinds = 0;
  std::vector<bool> seenKind(std::variant_size_v<Payload>, false);
  for (size_t i = 0; i < set.records().size(); ++i) {
    const Json& v = file["records"][i];
    const NamedRecord& expected = set.records()[i];
    SCOPED_TRACE(expected.name);
    auto sr = decodeSignedRecord(unhex(v["signed"]));
    ASSERT_TRUE(sr.ok()) << sr.error().message;
    EXPECT_EQ(hex(sr->body), v["body"]);
    EXPECT_EQ(hex(sr->signature), v["signature"]);
    EXPECT_EQ(hex(blake2b256(sr->body)), v["id"]);
    auto record = decodeRecordBody(sr->body);
    ASSERT_TRUE(record.ok()) << record.error().message;
    EXPECT_EQ(toJson(*record), v["fields"]) << "decoded fields differ from the file's";
    EXPECT_TRUE(*record == expected.record) << "decoded value differs from the one built in code";
    auto key = PublicKey::fromBytes(unhex(file["publicKeys"][record->envelope.author]));
    ASSERT_TRUE(key.ok());
    Bytes domain = unhex(file["signatureDomainHex"]);
    EXPECT_TRUE(key->verify(asChars(domain), sr->body, sr->signature));
    EXPECT_TRUE(key->verify(kRecordSignatureDomain, sr->body, sr->signature))
        << "this build's record domain does not verify the known signature";
    if (!seenKind[record->payload.index()]) ++kinds;
    seenKind[record->payload.index()] = true;
  }
  EXPECT_EQ(kinds, std::variant_size_v<Payload>) << "a record kind has no vector";
}

// --- sync messages ---

std::vector<std::pair<std::string, SyncMessage>> syncMessages() {
  RecordSet set;
  TestNetwork& net = set.network();
  const auto& r = set.records();
  Hello hello{kSyncProtocolVersion,
              "430102",
              net.chainOf("430102"),
              {{"430000", 8}, {"430100", 3}, {"430102", 14}}};
  Hello anchorHello{kSyncProtocolVersion, "430000", {}, {}};
  RecordsBatch batch{net.chainOf("430102"), {r[0].signedRecord, r[1].signedRecord}};
  return {{"hello", hello},
          {"hello.anchor", anchorHello},
          {"records", batch},
          {"records.empty", RecordsBatch{}},
          {"ack", Ack{{{"430000", 2}, {"430102", 0}}}},
          // 9- and 12-digit codes: the encoder's size estimate per frontier entry is pinned too.
          {"ack.townships", Ack{{{"430102001", 1},
                                 {"430102002", 2},
                                 {"430102003", 3},
                                 {"430102004", 4},
                                 {"430102005", 5},
                                 {"430102006", 6},
                                 {"430102007001", 7},
                                 {"430102007002", 8}}}},
          {"ping", Ping{0x0123456789abcdefULL, kTestEpochMs}},
          {"reconnect", Reconnect{}}};
}

TEST(SyncMessageVectors, EveryMessageKindEncodesToTheKnownBytesAndBack) {
  auto messages = syncMessages();
  Json built = {{"about",
                 "Known-answer sync messages: bytes = one SyncMessage (Cap'n Proto, unpacked, "
                 "segment table included), as one ZeroMQ frame carries it. See README.md."},
                {"protocolVersion", kSyncProtocolVersion},
                {"messages", Json::array()}};
  for (const auto& [name, m] : messages)
    built["messages"].push_back(
        {{"name", name}, {"fields", toJson(m)}, {"bytes", hex(encodeSyncMessage(m))}});
  if (testing::writingVectors()) return testing::writeVectors("sync_messages.json", built);
  Json file = testing::readVectors("sync_messages.json");
  EXPECT_EQ(file["protocolVersion"], built["protocolVersion"]);
  ASSERT_EQ(file["messages"].size(), messages.size());
  std::vector<bool> seenKind(std::variant_size_v<SyncMessage>, false);
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json& v = file["messages"][i];
    SCOPED_TRACE(messages[i].first);
    EXPECT_EQ(v["name"], messages[i].first);
    EXPECT_EQ(v["bytes"], built["messages"][i]["bytes"]) << "the encoding changed";
    auto decoded = decodeSyncMessage(unhex(v["bytes"]));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_TRUE(*decoded == messages[i].second);
    EXPECT_EQ(toJson(*decoded), v["fields"]);
    seenKind[decoded->index()] = true;
  }
  EXPECT_EQ(std::count(seenKind.begin(), seenKind.end(), true),
            static_cast<long>(std::variant_size_v<SyncMessage>))
      << "a sync message kind has no vector";
}

}  // namespace
}  // namespace govbus
