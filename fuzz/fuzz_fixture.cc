#include "fuzz/fuzz_fixture.h"

#include <cstdlib>
#include <map>

#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"
#include "protocol/sync_codec.h"

namespace govbus::fuzz {

namespace {

constexpr int64_t kEpochMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr int64_t kYearMs = 365LL * 24 * 3600 * 1000;

SigningKey keyFor(uint8_t n) {
  Bytes seed(32, n);
  auto key = SigningKey::fromSeed(seed);
  if (!key) std::abort();  // a constant 32-byte seed cannot fail
  return std::move(*key);
}

CaseEvent received(uint64_t n) {
  CaseEvent e;
  e.caseId = "430102-" + std::to_string(n);
  e.type = CaseEventType::kReceived;
  e.received.item = "XK-SCJG-001";
  e.received.handler = "430102";
  e.received.region = "430102";
  e.received.applicantHash = toBytes(blake2b256(asBytes("applicant-" + std::to_string(n))));
  e.received.materials = {"申请书", "营业执照"};
  e.received.firstResponsible = "窗口 3 号";
  return e;
}

}  // namespace

SignedRecord FeedWriter::next(Payload payload, Frontier frontier, uint64_t lamportStep) {
  Envelope e;
  e.author = code_;
  e.keySerial = 1;
  e.seq = ++seq_;
  if (e.seq > 1) e.prevHash.assign(lastId_.begin(), lastId_.end());
  lamport_ += lamportStep == 0 ? 1 : lamportStep;
  for (const FrontierEntry& f : frontier) lamport_ = std::max(lamport_, f.seq + 1);
  e.lamport = lamport_;
  e.wallTimeMs = kEpochMs + static_cast<int64_t>(e.seq) * 1000;
  e.frontier = std::move(frontier);
  Bytes body = encodeRecordBody(Record{std::move(e), std::move(payload)});
  lastId_ = blake2b256(body);
  Bytes signature = key_.sign(kRecordSignatureDomain, body);
  return SignedRecord{std::move(body), std::move(signature)};
}

const FuzzNetwork& FuzzNetwork::instance() {
  static const FuzzNetwork network;
  return network;
}

FuzzNetwork::FuzzNetwork() {
  keys_.emplace("430000", keyFor(1));
  keys_.emplace("430100", keyFor(2));
  keys_.emplace("430102", keyFor(3));
  const SigningKey &province = keys_.at("430000"), &city = keys_.at("430100"),
                   &county = keys_.at("430102");
  auto issue = [](const std::string& subject, const std::string& issuer, const SigningKey& key,
                  const SigningKey& issuerKey) {
    Certificate c{subject, "node " + subject,  toBytes(key.publicKey().bytes()), issuer,
                  1,       kEpochMs - kYearMs, kEpochMs + 9 * kYearMs,           1};
    return issueCertificate(c, issuerKey);
  };
  certificates_ = {issue("430000", "430000", province, province),
                   issue("430100", "430000", city, province),
                   issue("430102", "430100", county, city)};
  auto trust = TrustStore::create(certificates_[0]);
  if (!trust) std::abort();
  for (size_t i = 1; i < certificates_.size(); ++i) {
    if (!trust->admit(certificates_[i]).ok()) std::abort();
  }
  trust_.emplace(std::move(*trust));

  FeedWriter p("430000", province), c("430100", city), k("430102", county);
  records_.push_back(p.next(certificates_[1]));
  records_.push_back(p.next(CatalogItem{
      CatalogOp::kInsert, "XK-SCJG-001", "食品经营许可", 3, 20, 10, true, {"申请书", "营业执照"}}));
  records_.push_back(c.next(certificates_[2], {{"430000", 2}}));
  records_.push_back(c.next(Delegation{"XK-SCJG-001", "430102", DelegationScope::kSubtree,
                                       DelegationMode::kDevolve, true, kEpochMs, 0, std::nullopt}));
  records_.push_back(c.next(DelegationRevocation{RecordRef{"430100", 2}, true, "调整"}));
  records_.push_back(k.next(received(1), {{"430000", 2}, {"430100", 2}}));
  CaseEvent denied;
  denied.caseId = "430102-1";
  denied.type = CaseEventType::kDenied;
  denied.reason = "材料不全";
  denied.legalBasis = "第三十二条";
  records_.push_back(k.next(denied));
  records_.push_back(k.next(Complaint{"TS-1", "430102-1", "430102", "超时"}));
  records_.push_back(k.next(ComplaintUpdate{"TS-1", ComplaintStatus::kResolved, "已办结"}));
  records_.push_back(c.next(SupervisionOrder{"430102-1", OrderKind::kTransfer,
                                             RecordRef{"430102", 1}, "430102", "转办"}));
  records_.push_back(p.next(KeyRevocation{"430102", 1, 9, "密钥泄露"}));
  records_.push_back(p.next(ForkReport{"430102", 1, records_[5], records_[6]}));

  keyFile_ = "govbus-ed25519-seed-v1\n" + toHex(county.seed()) + "\n";
}

std::vector<std::pair<std::string, Bytes>> corpusFor(const std::string& target) {
  const FuzzNetwork& net = FuzzNetwork::instance();
  std::vector<std::pair<std::string, Bytes>> out;
  if (target == "record") {
    for (size_t i = 0; i < net.records().size(); ++i) {
      out.emplace_back("signed-record-" + std::to_string(i), encodeSignedRecord(net.records()[i]));
      out.emplace_back("record-body-" + std::to_string(i), net.records()[i].body);
    }
  } else if (target == "certificate") {
    for (size_t i = 0; i < net.certificates().size(); ++i) {
      out.emplace_back("signed-certificate-" + std::to_string(i),
                       encodeSignedCertificate(net.certificates()[i]));
      out.emplace_back("certificate-body-" + std::to_string(i), net.certificates()[i].body);
    }
  } else if (target == "sync_message") {
    const auto& certs = net.certificates();
    const auto& records = net.records();
    out.emplace_back(
        "hello",
        encodeSyncMessage(Hello{
            kSyncProtocolVersion, "430102", {certs[1], certs[2]}, {{"430000", 4}, {"430100", 3}}}));
    out.emplace_back("records", encodeSyncMessage(RecordsBatch{
                                    {certs[1]}, {records[0], records[2], records[5]}}));
    out.emplace_back("ack", encodeSyncMessage(Ack{{{"430000", 4}, {"430102", 4}}}));
    out.emplace_back("ping", encodeSyncMessage(Ping{42, kEpochMs}));
    out.emplace_back("reconnect", encodeSyncMessage(Reconnect{}));
  } else if (target == "key_file") {
    out.emplace_back("key", toBytes(asBytes(net.keyFile())));
    std::string crlf = net.keyFile();
    crlf.insert(crlf.size() - 1, "\r");
    out.emplace_back("key-crlf", toBytes(asBytes(crlf)));
  } else if (target == "catalog_csv") {
    const std::string header =
        "item_code,name,statutory_level,legal_days,promised_days,delegable,materials\n";
    out.emplace_back(
        "csv",
        toBytes(asBytes(header + "XK-SL-001,取水许可,province,45,30,true,申请书;水资源论证报告\n"
                                 "XK-2,\"quoted, \"\"name\"\"\",county,20,10,no,\n")));
    out.emplace_back("csv-crlf-bom",
                     toBytes(asBytes("\xEF\xBB\xBF" + header + "A,甲,city,30,20,1,x；y\r\n")));
    out.emplace_back("json",
                     toBytes(asBytes(R"({"items": [{"code": "A", "name": "甲", "level": "county",)"
                                     R"( "legal_days": 20, "promised_days": 10, "delegable": true,)"
                                     R"( "materials": ["申请书"]}]})")));
  } else if (target == "api_json") {
    // The first byte is the length of the case or complaint id in the URL (fuzz_api_json.cc).
    for (
        const char* body :
        {R"({"type":"received","item":"XK-SL-001","region":"430102","applicant_id":"430102199001010011","materials":["申请书"],"first_responsible":"窗口 1 号"})",
         R"({"type":"accepted"})",
         R"({"type":"denied","reason":"不符合条件","legal_basis":"第八条"})",
         R"({"against":"430102","summary":"窗口推诿","case_id":"430102-0001"})",
         R"({"status":"handling","note":"已受理"})",
         R"({"items":[{"code":"XK-A","name":"甲","level":"county","legal_days":20,"promised_days":10,"delegable":true,"materials":["申请书"]}]})",
         R"({"item":"XK-SL-001","grantee":"430100","mode":"devolve","may_redelegate":true})",
         R"({"delegation":"430000#5","reason":"调整"})",
         R"({"case_id":"430102-0001","kind":"transfer","transfer_to":"430100","last_seen":"430102#2"})",
         R"({"year":2026,"holidays":["2026-10-01"],"workdays":["2026-10-10"]})",
         R"({"name":"witness_tolerance_ms","value":3600000})"}) {
      out.emplace_back("body-" + std::to_string(out.size()),
                       toBytes(asBytes(std::string(1, '\x0c') + body)));
    }
  } else if (target == "validity") {
    // Any bytes make a program; a few lengths start it off.
    for (size_t n : {16, 64, 256, 1024}) {
      Bytes program(n);
      for (size_t i = 0; i < n; ++i) program[i] = static_cast<uint8_t>((i * 37 + n) & 0xff);
      out.emplace_back("program-" + std::to_string(n), std::move(program));
    }
  } else if (target == "node_config") {
    out.emplace_back(
        "config",
        toBytes(asBytes("code = \"430102\"\ndata_dir = \"data\"\nkey_file = \"node.key\"\n"
                        "anchor_file = \"anchor.cert\"\ncertificate_chain_file = \"chain.certs\"\n"
                        "upstreams = [\"tcp://127.0.0.1:7101\", { code = \"430000\", endpoint = "
                        "\"tcp://127.0.0.1:7100\" }]\napi = \"127.0.0.1:8102\"\n"
                        "api_token_file = \"api.token\"\napi_read_token_file = \"api-read.token\"\n"
                        "applicant_key_file = \"applicant.key\"\nlog_level = \"info\"\n"
                        "[store]\nmap_size_mb = 256\nauthor_quota_mb = 64\n"
                        "[sync]\nheartbeat_ms = 500\n[testing]\nclock_offset_days = 3\n")));
  } else if (target == "calendar_csv") {
    out.emplace_back("csv", toBytes(asBytes("date,kind,name_zh,name_en\n"
                                            "2026-10-01,holiday,国庆节,National Day\n"
                                            "2026-10-10,workday,国庆节,National Day\n"
                                            "2027-01-01,holiday,元旦,New Year's Day\n")));
    out.emplace_back("csv-bad", toBytes(asBytes("kind,date\nworkday,2026-10-09\nx,2026-13-01\n")));
  }
  return out;
}

}  // namespace govbus::fuzz
