// govbus-admin as a program: what it prints and its exit codes. The catalog validation path needs
// no node; the API commands run against a real province → city → county on loopback
// (tests/node/node_harness.h).
#include <gtest/gtest.h>
#include <lmdb.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "node/chain_file.h"
#include "node/lmdb_store.h"
#include "node/node_harness.h"
#include "protocol/certificate_codec.h"
#include "sync/ingest.h"

namespace govbus::testing {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnavailable = 3;

CommandResult admin(std::vector<std::string> args) {
  args.insert(args.begin(), adminBinary());
  return runCommand(args);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// 湖南省 → 长沙市 → 芙蓉区 (the county only dials out), enrolled by their parents and running.
void startProvinceCityCounty(NodeCluster& cluster) {
  cluster.add("430000", "湖南省");
  cluster.add("430100", "长沙市", {"430000"});
  cluster.add("430102", "芙蓉区", {"430100"}, /*listens=*/false);
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");
  cluster.enroll("430102", "430100");
  cluster.start("430102");
}

std::filesystem::path sampleCatalog() {
  return std::filesystem::path(GOVBUS_TEST_DATA_DIR) / "sample-catalog.csv";
}

TEST(AdminCliTest, CatalogPublishReportsEveryBadRowAndPublishesNothing) {
  TempDir dir;
  const std::filesystem::path file = dir.path() / "bad.csv";
  std::ofstream(file) << "item_code,name,statutory_level,legal_days,promised_days,delegable,"
                         "materials\n"
                         "XK-A,好,county,20,10,true,申请书\n"
                         "XK-B,坏一,town,20,10,true,\n"
                         "XK-C,坏二,county,30,21,true,\n"
                         "XK-D,坏三,city,abc,10,maybe,\n"
                         "XK-A,重复,county,20,10,true,\n";
  // --dir names no node at all: the file is checked before any node is looked at.
  CommandResult r = admin({"catalog", "publish", file.string(), "--dir", dir.path().string()});
  EXPECT_EQ(r.exitCode, kExitRefused) << r.out << r.err;
  EXPECT_NE(r.err.find("line 3, statutory_level: 'town'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 4, promised_days: 21 is more than ⌊2/3 × legal_days 30⌋ = 20"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("line 5, legal_days:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 5, delegable:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 6, item_code: 'XK-A' is also on line 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("5 problems in 4 rows; nothing was published"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");

  CommandResult json = admin({"catalog", "publish", file.string(), "--json"});
  EXPECT_EQ(json.exitCode, kExitRefused);
  Json answer = Json::parse(json.out, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << json.out;
  EXPECT_EQ(answer["problems"].size(), 5u);
  EXPECT_EQ(answer["published"], 0);
  EXPECT_EQ(answer["problems"][0]["line"], 3);
}

TEST(AdminCliTest, ExitCodesSayWhatKindOfFailureItWas) {
  TempDir dir;
  CommandResult dry = admin({"catalog", "publish", sampleCatalog().string(), "--dry-run"});
  EXPECT_EQ(dry.exitCode, kExitOk) << dry.err;
  EXPECT_NE(dry.out.find("12 items, all valid"), std::string::npos) << dry.out;

  EXPECT_EQ(admin({"catalog", "publish"}).exitCode, kExitUsage);
  EXPECT_EQ(admin({"cases", "--card", "purple"}).exitCode, kExitUsage);
  EXPECT_EQ(admin({"catalog", "publish", (dir.path() / "none.csv").string()}).exitCode,
            kExitRefused);
  CommandResult noNode = admin({"catalog", "list", "--dir", dir.path().string()});
  EXPECT_EQ(noNode.exitCode, kExitRefused) << "no config in --dir: the operator's mistake";
  EXPECT_NE(noNode.err.find("give --dir the node's directory"), std::string::npos) << noNode.err;

  // Issue 13, item 11: init writes no config the node would refuse to start with.
  CommandResult remote = admin(
      {"init", "--code", "430000", "--dir", (dir.path() / "r").string(), "--api", "0.0.0.0:8101"});
  EXPECT_EQ(remote.exitCode, kExitRefused) << remote.err;
  EXPECT_NE(remote.err.find("0.0.0.0 is not a loopback address"), std::string::npos) << remote.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "r" / "govbus-node.toml"));

  // A node directory whose node is not running.
  CommandResult init = admin({"init", "--code", "430000", "--dir", (dir.path() / "p").string(),
                              "--api", "127.0.0.1:" + std::to_string(freePort())});
  ASSERT_EQ(init.exitCode, kExitOk) << init.err;
  CommandResult down = admin({"catalog", "list", "--dir", (dir.path() / "p").string()});
  EXPECT_EQ(down.exitCode, kExitUnavailable) << down.err;
  EXPECT_NE(down.err.find("is govbus-node running?"), std::string::npos) << down.err;

  CommandResult help = admin({"delegate", "--help"});
  EXPECT_EQ(help.exitCode, kExitOk);
  EXPECT_NE(help.out.find("Example:"), std::string::npos) << help.out;
}

// The whole operator flow against running nodes: publish, list, delegate down two levels (the
// city's parent delegation found by itself), explain, file a case, list and show it, revoke.
TEST(AdminCliTest, CatalogDelegationAuthorityCasesAndRevocationThroughTheApi) {
  NodeCluster cluster;
  startProvinceCityCounty(cluster);
  NodeProcess& province = cluster.node("430000");
  NodeProcess& city = cluster.node("430100");
  NodeProcess& county = cluster.node("430102");
  const std::string p = province.dir().string();
  const std::string c = city.dir().string();
  const std::string k = county.dir().string();

  CommandResult notRoot = admin({"catalog", "publish", sampleCatalog().string(), "--dir", c});
  EXPECT_EQ(notRoot.exitCode, kExitRefused);
  EXPECT_NE(notRoot.err.find("is not the province"), std::string::npos) << notRoot.err;

  CommandResult pub = admin({"catalog", "publish", sampleCatalog().string(), "--dir", p, "--json"});
  ASSERT_EQ(pub.exitCode, kExitOk) << pub.err;
  Json published = Json::parse(pub.out);
  EXPECT_EQ(published["published"], 12);
  EXPECT_EQ(published["inserted"], 12);
  CommandResult again = admin({"catalog", "publish", sampleCatalog().string(), "--dir", p});
  EXPECT_EQ(again.exitCode, kExitOk) << again.err;
  EXPECT_NE(again.out.find("nothing to publish"), std::string::npos) << again.out;

  ASSERT_TRUE(eventually([&] {
    CommandResult list = admin({"catalog", "list", "--dir", k});
    return list.exitCode == 0 && list.out.find("XK-SL-001") != std::string::npos &&
           list.out.find("12 items") != std::string::npos;
  })) << "the catalog did not reach the county";

  // The province devolves a province-level item to the city, which may re-delegate it.
  CommandResult d1 = admin({"delegate", "--item", "XK-SL-001", "--to", "430100", "--devolve",
                            "--redelegate", "--dir", p, "--json"});
  ASSERT_EQ(d1.exitCode, kExitOk) << d1.err;
  const std::string grant = Json::parse(d1.out)["record"];
  ASSERT_TRUE(eventually([&] {
    return city.get("/v1/authority?item=XK-SL-001&region=430100").body.value("handler", "") ==
           "430100";
  }));
  // Without --parent the city re-delegates under the delegation that gives it the item.
  CommandResult d2 = admin({"delegate", "--item", "XK-SL-001", "--to", "430102", "--dir", c});
  ASSERT_EQ(d2.exitCode, kExitOk) << d2.err;
  EXPECT_NE(d2.out.find("under delegation " + grant + ", which gives 430100 the item"),
            std::string::npos)
      << d2.out;
  // Delegation flows down only: the node's refusal names the rule.
  CommandResult upwards =
      admin({"delegate", "--item", "XK-SCJG-001", "--to", "430100", "--dir", k});
  EXPECT_EQ(upwards.exitCode, kExitRefused);
  EXPECT_NE(upwards.err.find("grantee_not_below_author"), std::string::npos) << upwards.err;

  ASSERT_TRUE(eventually([&] {
    CommandResult why =
        admin({"authority", "--item", "XK-SL-001", "--region", "430102", "--dir", p});
    return why.out.find("handled by 430102") != std::string::npos;
  }));
  CommandResult why = admin({"authority", "--item", "XK-SL-001", "--region", "430102", "--dir", p});
  EXPECT_NE(why.out.find("holds it through " + grant + " → 430100#"), std::string::npos) << why.out;
  EXPECT_EQ(admin({"authority", "--item", "NO-SUCH", "--region", "430102", "--dir", p}).exitCode,
            kExitRefused);

  // A case at the county, seen by the province.
  ASSERT_EQ(county
                .post("/v1/cases/430102-FR1/events", Json{{"type", "received"},
                                                          {"item", "XK-SL-001"},
                                                          {"region", "430102"},
                                                          {"applicant_id", "91430102MA4L000001"},
                                                          {"first_responsible", "窗口 1 号"}})
                .status,
            201);
  ASSERT_EQ(county.post("/v1/cases/430102-FR1/events", Json{{"type", "accepted"}}).status, 201);
  ASSERT_TRUE(eventually([&] {
    return province.get("/v1/cases/430102-FR1").body.value("status", "") == "under_review";
  }));
  CommandResult list = admin({"cases", "--region", "430100", "--card", "green", "--dir", p});
  EXPECT_EQ(list.exitCode, kExitOk) << list.err;
  EXPECT_NE(list.out.find("430102-FR1"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("1 case"), std::string::npos) << list.out;
  CommandResult show = admin({"case", "show", "430102-FR1", "--dir", p});
  EXPECT_EQ(show.exitCode, kExitOk) << show.err;
  EXPECT_NE(show.out.find("handler 430102"), std::string::npos) << show.out;
  EXPECT_EQ(count(show.out, " valid "), 2u) << show.out;
  CommandResult missing = admin({"case", "show", "NOPE", "--dir", p});
  EXPECT_EQ(missing.exitCode, kExitRefused);
  EXPECT_NE(missing.err.find("not known"), std::string::npos) << missing.err;
  CommandResult board = admin({"supervision", "--dir", p});
  EXPECT_EQ(board.exitCode, kExitOk) << board.err;
  EXPECT_NE(board.out.find("    430102"), std::string::npos) << "counties are indented twice\n"
                                                             << board.out;

  // Supervision orders: from an ancestor of the handler only.
  CommandResult urge = admin({"order", "urge", "430102-FR1", "--note", "请三日内办结", "--dir", p});
  EXPECT_EQ(urge.exitCode, kExitOk) << urge.err;
  EXPECT_NE(urge.out.find("urge (督办) order on case 430102-FR1 — record 430000#"),
            std::string::npos)
      << urge.out;
  CommandResult noTarget = admin({"order", "transfer", "430102-FR1", "--dir", p});
  EXPECT_EQ(noTarget.exitCode, kExitRefused);
  EXPECT_NE(noTarget.err.find("needs --to CODE"), std::string::npos) << noTarget.err;
  CommandResult byHandler = admin({"order", "halt", "430102-FR1", "--dir", k});
  EXPECT_EQ(byHandler.exitCode, kExitRefused);
  EXPECT_NE(byHandler.err.find("order_not_by_ancestor"), std::string::npos) << byHandler.err;
  EXPECT_EQ(admin({"order", "scold", "430102-FR1", "--dir", p}).exitCode, kExitUsage);

  // Peers: the city has its parent upstream and its county downstream.
  ASSERT_TRUE(eventually([&] {
    CommandResult peers = admin({"peers", "--dir", c});
    return peers.exitCode == 0 && peers.out.find("upstream 430000") != std::string::npos &&
           peers.out.find("430102     downstream ready") != std::string::npos;
  })) << admin({"peers", "--dir", c}).out;
  CommandResult peersJson = admin({"peers", "--dir", c, "--json"});
  ASSERT_EQ(peersJson.exitCode, kExitOk);
  EXPECT_EQ(Json::parse(peersJson.out)["code"], "430100");

  // Enrolment outside the parent's region is refused with the reason.
  CommandResult pub2 = admin({"pubkey", "--dir", k});
  ASSERT_EQ(pub2.exitCode, kExitOk);
  std::string key = pub2.out.substr(0, 64);
  CommandResult outside = admin({"enroll", "--child-key", key, "--code", "440106", "--name",
                                 "天河区", "--parent-dir", c, "--no-publish"});
  EXPECT_EQ(outside.exitCode, kExitRefused);
  EXPECT_NE(outside.err.find("cannot enrol 440106 under 430100"), std::string::npos) << outside.err;

  // Statutory authority is not a delegation: nothing can revoke it.
  const std::string catalogRecord =
      province.get("/v1/catalog").body["items"][0]["record"]["author"].get<std::string>() + "#" +
      std::to_string(province.get("/v1/catalog").body["items"][0]["record"]["seq"].get<int>());
  CommandResult statutory = admin({"revoke", catalogRecord, "--dir", p});
  EXPECT_EQ(statutory.exitCode, kExitRefused);
  EXPECT_NE(statutory.err.find("can never be taken back (不得上收)"), std::string::npos)
      << statutory.err;

  // Key revocation: by the parent (serial found in its issued/), never of a node not below.
  CommandResult rk = admin(
      {"revoke-key", "--child", "430102", "--from-seq", "100000", "--reason", "test", "--dir", c});
  EXPECT_EQ(rk.exitCode, kExitOk) << rk.err;
  EXPECT_NE(rk.out.find("revoked the key of 430102 serial 1 from seq 100000"), std::string::npos)
      << rk.out;
  CommandResult rkUp =
      admin({"revoke-key", "--child", "430000", "--serial", "1", "--from-seq", "5", "--dir", c});
  EXPECT_EQ(rkUp.exitCode, kExitRefused);
  EXPECT_NE(rkUp.err.find("only an ancestor revokes"), std::string::npos) << rkUp.err;
  CommandResult rkNoSerial =
      admin({"revoke-key", "--child", "430102", "--from-seq", "5", "--dir", p});
  EXPECT_EQ(rkNoSerial.exitCode, kExitRefused);
  EXPECT_NE(rkNoSerial.err.find("give --serial"), std::string::npos) << rkNoSerial.err;

  // The province revokes its grant: the county's re-delegation falls with it.
  CommandResult rv = admin({"revoke", grant, "--transfer-pending", "--dir", p});
  EXPECT_EQ(rv.exitCode, kExitOk) << rv.err;
  CommandResult after =
      admin({"authority", "--item", "XK-SL-001", "--region", "430102", "--dir", p});
  EXPECT_NE(after.out.find("handled by 430000"), std::string::npos) << after.out;
  CommandResult twice = admin({"revoke", "430000#999", "--dir", p});
  EXPECT_EQ(twice.exitCode, kExitRefused);
  EXPECT_NE(twice.err.find("would be void"), std::string::npos) << twice.err;
}

// Four operator messages that used to mislead (issue 13, item 14): an unknown item named as a
// missing handler, "refused" said twice, an unenrolled node's start-up failure, and govbus-node's
// exit status for a missing --config outside its documented 0/1/2.
TEST(AdminCliTest, OperatorMessagesSayWhatIsWrongOnceWithADocumentedExitStatus) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  NodeProcess& county = cluster.add("430102", "芙蓉区", {"430000"}, /*listens=*/false);
  cluster.start("430000");

  HttpResult unknown =
      province.post("/v1/cases/430000-1/events", Json{{"type", "received"},
                                                      {"item", "XK-NOPE"},
                                                      {"region", "430000"},
                                                      {"applicant_hash", std::string(64, 'a')},
                                                      {"first_responsible", "窗口 1 号"}});
  EXPECT_EQ(unknown.status, 400) << unknown.text;
  EXPECT_EQ(unknown.body.value("error", ""),
            "field 'item': XK-NOPE is not in the catalog in force on this node (see GET "
            "/v1/catalog)")
      << unknown.text;

  CommandResult revoke = admin({"revoke", "430000#999", "--dir", province.dir().string()});
  EXPECT_EQ(revoke.exitCode, kExitRefused);
  EXPECT_NE(revoke.err.find("refused to revoke 430000#999: this delegation_revocation would be "
                            "void (revocation_target_unknown)"),
            std::string::npos)
      << revoke.err;
  EXPECT_EQ(count(revoke.err, "refused"), 1u) << revoke.err;

  // 430102 was initialised but nobody enrolled it: no anchor.cert, no chain.certs.
  CommandResult unenrolled = runCommand({nodeBinary(), "--config", county.configFile().string()});
  EXPECT_EQ(unenrolled.exitCode, 2) << unenrolled.err;
  EXPECT_EQ(unenrolled.err.rfind("govbus-node: not enrolled yet: run `govbus-admin enroll", 0), 0u)
      << unenrolled.err;
  EXPECT_NE(unenrolled.err.find("copy anchor.cert and chain.certs"), std::string::npos)
      << unenrolled.err;

  CommandResult noConfig = runCommand({nodeBinary()});
  EXPECT_EQ(noConfig.exitCode, 2) << noConfig.err;
  EXPECT_NE(noConfig.err.find("--config"), std::string::npos) << noConfig.err;
  EXPECT_EQ(runCommand({nodeBinary(), "--help"}).exitCode, 0);
}

// Issue 13, item 3: the province enrolled 430103, a county its city had enrolled, with the county's
// own key, exit status 0 — and every /v1/tree then showed the province as its parent. Now
// govbus-admin refuses before writing anything, the node refuses to publish such a certificate
// however it is asked, and the tree keeps the city.
TEST(AdminCliTest, TheProvinceCannotTakeOverACountyItsCityEnrolled) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  NodeProcess& city = cluster.add("430100", "长沙市", {"430000"});
  NodeProcess& county = cluster.add("430103", "天心区", {"430100"}, /*listens=*/false);
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");
  cluster.enroll("430103", "430100");
  auto parentAtProvince = [&]() -> std::string {
    for (const Json& n : province.get("/v1/tree").body.value("nodes", Json::array())) {
      if (n.value("code", "") == "430103" && n["parent"].is_string()) return n["parent"];
    }
    return "";
  };
  ASSERT_TRUE(eventually([&] { return parentAtProvince() == "430100"; }));
  const std::string key = admin({"pubkey", "--dir", county.dir().string()}).out.substr(0, 64);
  const std::filesystem::path out = cluster.root() / "takeover";
  CommandResult takeover =
      admin({"enroll", "--child-key", key, "--code", "430103", "--name", "天心区", "--parent-dir",
             province.dir().string(), "--out", out.string()});
  EXPECT_EQ(takeover.exitCode, kExitRefused) << takeover.out << takeover.err;
  EXPECT_NE(takeover.err.find("430103 is already enrolled under 430100, not 430000"),
            std::string::npos)
      << takeover.err;
  EXPECT_FALSE(std::filesystem::exists(out)) << "a refused enroll writes nothing";

  // The node itself refuses, whoever asks: the certificate signed offline, posted to its API.
  CommandResult offline =
      admin({"enroll", "--child-key", key, "--code", "430103", "--name", "天心区", "--parent-dir",
             province.dir().string(), "--out", out.string(), "--no-publish"});
  ASSERT_EQ(offline.exitCode, kExitOk) << offline.err;
  auto chain = readChainFile(out / "chain.certs");
  ASSERT_TRUE(chain.ok());
  HttpResult posted = province.post(
      "/v1/enrollments", Json{{"certificate", toHex(encodeSignedCertificate(chain->back()))}});
  EXPECT_EQ(posted.status, 400) << posted.text;
  EXPECT_NE(posted.text.find("cannot be published: certificate of 430103 is issued by 430000, but "
                             "it is enrolled under 430100"),
            std::string::npos)
      << posted.text;
  EXPECT_EQ(parentAtProvince(), "430100");
  EXPECT_EQ(city.get("/v1/tree").status, 200);
}

// The first capture group of `pattern` in `text`, or "" when it does not match.
std::string capture(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

// Key rotation end to end (DESIGN §3): a new key at the county, re-enrolled by its parent with
// the next serial, switched while the county is stopped; the county's next records are signed
// with the new key, so they still reach the city and the province after the city revoked the old
// key from exactly that sequence, and nobody sees a fork.
TEST(AdminCliTest, RotateKeyReenrolsSwitchesAndRevokesTheOldKey) {
  NodeCluster cluster;
  startProvinceCityCounty(cluster);
  NodeProcess& province = cluster.node("430000");
  NodeProcess& city = cluster.node("430100");
  NodeProcess& county = cluster.node("430102");
  const std::string c = city.dir().string();
  const std::string k = county.dir().string();
  ASSERT_EQ(
      admin({"catalog", "publish", sampleCatalog().string(), "--dir", province.dir().string()})
          .exitCode,
      kExitOk);
  ASSERT_TRUE(eventually([&] { return county.get("/v1/catalog").body["items"].size() == 12; }));
  auto file = [&](const std::string& id, const std::string& type) {
    Json event{{"type", type}};
    if (type == "received") {
      event = Json{{"type", "received"},
                   {"item", "XK-SCJG-001"},
                   {"region", "430102"},
                   {"applicant_id", "91430102MA4L000001"},
                   {"first_responsible", "窗口 1 号"}};
    }
    return county.post("/v1/cases/" + id + "/events", event);
  };
  ASSERT_EQ(file("430102-FR1", "received").status, 201);  // signed with the old key

  CommandResult province1 = admin({"rotate-key", "--dir", province.dir().string()});
  EXPECT_EQ(province1.exitCode, kExitRefused);
  EXPECT_NE(province1.err.find("the trust anchor"), std::string::npos) << province1.err;

  // 1. At the county: a new key pair beside the old one.
  CommandResult step1 = admin({"rotate-key", "--dir", k});
  ASSERT_EQ(step1.exitCode, kExitOk) << step1.err;
  const std::string newKey = capture(step1.out, "new public key: ([0-9a-f]{64})");
  ASSERT_FALSE(newKey.empty()) << step1.out;
  EXPECT_NE(step1.out.find("--serial 2"), std::string::npos) << step1.out;
  EXPECT_TRUE(std::filesystem::exists(county.dir() / "node.key.next"));
  EXPECT_EQ(admin({"rotate-key", "--dir", k}).exitCode, kExitRefused)
      << "a second start would overwrite the new key";

  // 2. At the city: re-enrol with the next serial, published through the city's API.
  const std::filesystem::path out = cluster.root() / "enroll-430102-2";
  CommandResult reenrol =
      admin({"enroll", "--child-key", newKey, "--code", "430102", "--name", "芙蓉区", "--serial",
             "2", "--parent-dir", c, "--out", out.string()});
  ASSERT_EQ(reenrol.exitCode, kExitOk) << reenrol.err;
  EXPECT_NE(reenrol.out.find("published as record"), std::string::npos) << reenrol.out;
  const std::string chain = (out / "chain.certs").string();

  // 3. At the county: not while it runs (it signs with the old key until it restarts).
  CommandResult running = admin({"rotate-key", "--finish", "--chain", chain, "--dir", k});
  EXPECT_EQ(running.exitCode, kExitUnavailable) << running.out << running.err;
  EXPECT_NE(running.err.find("the node is running"), std::string::npos) << running.err;
  ASSERT_EQ(file("430102-FR1", "accepted").status, 201);  // still the old key
  const uint64_t oldHead = county.head("430102");
  ASSERT_GT(oldHead, 0u);
  ASSERT_TRUE(eventually([&] { return city.head("430102") == oldHead; }));
  ASSERT_EQ(county.terminate(), 0);
  // The chain of serial 1 is not a rotation.
  EXPECT_EQ(admin({"rotate-key", "--finish", "--chain", (county.dir() / "chain.certs").string(),
                   "--dir", k})
                .exitCode,
            kExitRefused);
  CommandResult finish = admin({"rotate-key", "--finish", "--chain", chain, "--dir", k});
  ASSERT_EQ(finish.exitCode, kExitOk) << finish.err;
  EXPECT_TRUE(std::filesystem::exists(county.dir() / "node.key.old-1"));
  EXPECT_TRUE(std::filesystem::exists(county.dir() / "chain.certs.old-1"));
  EXPECT_FALSE(std::filesystem::exists(county.dir() / "node.key.next"));
  const std::string fromSeq = capture(finish.out, "--serial 1 --from-seq ([0-9]+)");
  ASSERT_EQ(fromSeq, std::to_string(oldHead + 1)) << finish.out;

  // The county restarts with the new key; its next record reaches the city and the province.
  cluster.start("430102");
  HttpResult next = file("430102-FR2", "received");
  ASSERT_EQ(next.status, 201) << next.text;
  EXPECT_EQ(next.body["seq"], oldHead + 1);
  ASSERT_TRUE(eventually([&] {
    return city.head("430102") == oldHead + 1 && province.head("430102") == oldHead + 1;
  })) << "city "
      << city.head("430102") << " province " << province.head("430102");

  // 4. At the city: the old key is revoked from the first sequence the new key signed. Had the
  // county signed that record or a later one with the old key, it would now be rejected.
  CommandResult revoke = admin({"revoke-key", "--child", "430102", "--serial", "1", "--from-seq",
                                fromSeq, "--reason", "key rotated", "--dir", c});
  ASSERT_EQ(revoke.exitCode, kExitOk) << revoke.err;
  EXPECT_NE(revoke.out.find("revoked the key of 430102 serial 1 from seq " + fromSeq),
            std::string::npos)
      << revoke.out;
  ASSERT_EQ(file("430102-FR2", "accepted").status, 201);
  ASSERT_TRUE(eventually([&] {
    return city.head("430102") == oldHead + 2 && province.head("430102") == oldHead + 2;
  })) << "city "
      << city.head("430102") << " province " << province.head("430102");
  EXPECT_EQ(city.get("/v1/status").body["forks"], 0);
  EXPECT_EQ(province.get("/v1/status").body["forks"], 0);
  // The city's store, replayed offline with both certificates and the revocation, holds up.
  CommandResult verify = admin({"verify", "--dir", c});
  EXPECT_EQ(verify.exitCode, kExitOk) << verify.out << verify.err;
}

// The YYYY-MM-DD that is `days` from now in UTC+8.
std::string dateInDays(int days) {
  using namespace std::chrono;
  const sys_days day = floor<std::chrono::days>(system_clock::now() + hours(8) + hours(24) * days);
  const year_month_day ymd{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

Certificate leafOf(const std::filesystem::path& chainFile) {
  auto chain = readChainFile(chainFile);
  EXPECT_TRUE(chain && !chain->empty()) << chainFile;
  if (!chain || chain->empty()) return {};
  auto leaf = decodeCertificateBody(chain->back().body);
  EXPECT_TRUE(leaf);
  return leaf ? *leaf : Certificate{};
}

// enroll --until: the end of that day in UTC+8, never in the past, never past the parent's own
// certificate (on the parent's last day it ends with the parent's certificate).
TEST(AdminCliTest, EnrollUntilADateWithinTheParentsValidity) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  NodeProcess& city = cluster.add("430100", "长沙市", {"430000"});
  CommandResult pub = admin({"pubkey", "--dir", city.dir().string()});
  ASSERT_EQ(pub.exitCode, kExitOk);
  const std::string key = pub.out.substr(0, 64);
  const std::filesystem::path out = cluster.root() / "enroll-430100";
  auto enroll = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"enroll",       "--child-key",  key,
                                  "--code",       "430100",       "--name",
                                  "长沙市",       "--parent-dir", province.dir().string(),
                                  "--no-publish", "--out",        out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return admin(args);
  };

  CommandResult both = enroll({"--until", dateInDays(30), "--valid-years", "3"});
  EXPECT_EQ(both.exitCode, kExitUsage) << both.err;
  for (const char* bad : {"31/12/2030", "2030-1-1", "2030-12-31x", "２０３０-01-01"}) {
    CommandResult r = enroll({"--until", bad});
    EXPECT_EQ(r.exitCode, kExitRefused) << bad;
    EXPECT_NE(r.err.find("give a date as YYYY-MM-DD"), std::string::npos) << bad << r.err;
  }
  CommandResult noDay = enroll({"--until", "2031-02-29"});
  EXPECT_EQ(noDay.exitCode, kExitRefused);
  EXPECT_NE(noDay.err.find("no such date"), std::string::npos) << noDay.err;
  CommandResult past = enroll({"--until", dateInDays(-1)});
  EXPECT_EQ(past.exitCode, kExitRefused);
  EXPECT_NE(past.err.find("is in the past (today is " + dateInDays(0) + ", UTC+8)"),
            std::string::npos)
      << past.err;
  // The anchor is valid 20 years: 30 years is beyond it, and the refusal names its last day.
  CommandResult tooLong = enroll({"--until", dateInDays(30 * 366)});
  EXPECT_EQ(tooLong.exitCode, kExitRefused);
  EXPECT_NE(tooLong.err.find("cannot outlive its issuer's"), std::string::npos) << tooLong.err;
  const std::string lastDay = capture(tooLong.err, "give --until ([0-9-]{10}) or earlier");
  ASSERT_FALSE(lastDay.empty()) << tooLong.err;
  EXPECT_FALSE(std::filesystem::exists(out)) << "a refused enroll writes nothing";

  const std::string day = dateInDays(400);
  CommandResult ok = enroll({"--until", day});
  ASSERT_EQ(ok.exitCode, kExitOk) << ok.err;
  EXPECT_NE(ok.out.find("serial 1, valid through " + day + " (UTC+8)"), std::string::npos)
      << ok.out;
  const Certificate leaf = leafOf(out / "chain.certs");
  EXPECT_EQ(leaf.serial, 1u);
  // 23:59:59.999 in UTC+8 is 15:59:59.999 UTC.
  EXPECT_EQ((leaf.notAfterMs + 1) % 86'400'000, 16 * 3'600'000) << leaf.notAfterMs;
  const int64_t nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  EXPECT_GT(leaf.notAfterMs, nowMs + 399LL * 86'400'000);
  EXPECT_LE(leaf.notAfterMs, nowMs + 401LL * 86'400'000);

  // On the parent's last day the certificate ends exactly when the parent's does.
  CommandResult edge = enroll({"--serial", "2", "--until", lastDay});
  ASSERT_EQ(edge.exitCode, kExitOk) << edge.err;
  auto anchor = readCertificateFile(province.dir() / "anchor.cert");
  ASSERT_TRUE(anchor);
  auto anchorBody = decodeCertificateBody(anchor->body);
  ASSERT_TRUE(anchorBody);
  EXPECT_EQ(leafOf(out / "chain.certs").notAfterMs, anchorBody->notAfterMs);
  EXPECT_NE(edge.out.find("valid through " + lastDay), std::string::npos) << edge.out;

  // Today counts (valid through its end), and --valid-years is still the default way.
  CommandResult today = enroll({"--serial", "4", "--until", dateInDays(0)});
  EXPECT_EQ(today.exitCode, kExitOk) << today.err;
  CommandResult years = enroll({"--serial", "3", "--valid-years", "2"});
  ASSERT_EQ(years.exitCode, kExitOk) << years.err;
  EXPECT_NE(years.out.find("valid through " + dateInDays(730)), std::string::npos) << years.out;
}

// The must-show of issue #5: a backup of the city taken while its counties write, verified
// offline with the digest the backup reported, restored into the city's data directory in place
// of the original, where it waits for its parent before signing anything, gets back what it had
// signed after the backup, and catches up with the digest the original had.
TEST(AdminCliTest, BackupUnderWriteLoadVerifiesRestoresAndCatchesUp) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  NodeProcess& city = cluster.add("430100", "长沙市", {"430000"});
  NodeProcess& furong = cluster.add("430102", "芙蓉区", {"430100"}, /*listens=*/false);
  NodeProcess& tianxin = cluster.add("430103", "天心区", {"430100"}, /*listens=*/false);
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");
  cluster.enroll("430102", "430100");
  cluster.enroll("430103", "430100");
  cluster.start("430102");
  cluster.start("430103");
  const std::string p = province.dir().string();
  const std::string c = city.dir().string();
  ASSERT_EQ(admin({"catalog", "publish", sampleCatalog().string(), "--dir", p}).exitCode, kExitOk);
  ASSERT_TRUE(eventually([&] {
    return furong.get("/v1/catalog").body["items"].size() == 12 &&
           tianxin.get("/v1/catalog").body["items"].size() == 12;
  }));

  // Both counties file cases (county-level item: each county handles its own) until told to stop.
  std::atomic<bool> stop{false};
  std::atomic<int> filed{0};
  auto writer = [&](NodeProcess& county) {
    for (int i = 0; !stop.load(); ++i) {
      const std::string id = county.code() + "-" + std::to_string(i);
      HttpResult r = county.post("/v1/cases/" + id + "/events",
                                 Json{{"type", "received"},
                                      {"item", "XK-SCJG-001"},
                                      {"region", county.code()},
                                      {"applicant_id", "9143" + std::to_string(i)},
                                      {"first_responsible", "窗口 1 号"}});
      if (r.status == 201 &&
          county.post("/v1/cases/" + id + "/events", Json{{"type", "accepted"}}).status == 201) {
        ++filed;
      }
    }
  };
  std::thread w1(writer, std::ref(furong));
  std::thread w2(writer, std::ref(tianxin));
  ASSERT_TRUE(eventually([&] { return filed.load() >= 10; }));

  const std::filesystem::path backupFile = cluster.root() / "city-backup.mdb";
  CommandResult backup = admin({"backup", "--to", backupFile.string(), "--dir", c, "--json"});
  ASSERT_TRUE(eventually([&] { return filed.load() >= 30; }));  // writes go on after the copy
  stop = true;
  w1.join();
  w2.join();
  ASSERT_EQ(backup.exitCode, kExitOk) << backup.err;
  const Json backedUp = Json::parse(backup.out);
  const std::string backupDigest = backedUp["digest"];
  const uint64_t cityHeadAtBackup = backedUp["feeds"].value("430100", uint64_t{0});
  EXPECT_EQ(admin({"backup", "--to", backupFile.string(), "--dir", c}).exitCode, kExitRefused)
      << "a backup never overwrites a file";

  // The backup file verifies offline, with the digest the backup reported.
  CommandResult verifyFile = admin({"verify", "--data", backupFile.string(), "--anchor",
                                    (city.dir() / "anchor.cert").string(), "--json"});
  ASSERT_EQ(verifyFile.exitCode, kExitOk) << verifyFile.out << verifyFile.err;
  EXPECT_EQ(Json::parse(verifyFile.out)["digest"], backupDigest);
  EXPECT_TRUE(Json::parse(verifyFile.out)["ok"].get<bool>());

  // The city signs after the backup: orders on county cases. A restore must not reuse these
  // sequence numbers.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(admin({"order", "urge", "430102-" + std::to_string(i), "--dir", c}).exitCode,
              kExitOk);
  }
  const uint64_t cityHead = city.head("430100");
  ASSERT_GT(cityHead, cityHeadAtBackup);
  // Everything settles: the province holds the city's and the counties' feeds.
  ASSERT_TRUE(eventually([&] {
    return province.head("430100") == cityHead &&
           province.head("430102") == furong.head("430102") &&
           province.head("430103") == tianxin.head("430103") &&
           city.head("430102") == furong.head("430102") &&
           city.head("430103") == tianxin.head("430103");
  }));
  const std::string liveDigest = city.digest();
  CommandResult verifyLive = admin({"verify", "--dir", c});  // beside the running node
  EXPECT_EQ(verifyLive.exitCode, kExitOk) << verifyLive.out << verifyLive.err;
  EXPECT_NE(verifyLive.out.find("OK: every record"), std::string::npos) << verifyLive.out;

  // Disk lost: the city is replaced by the backup, with its parent down at first.
  ASSERT_EQ(city.terminate(), 0);
  ASSERT_EQ(province.terminate(), 0);
  std::filesystem::rename(city.dir() / "data", city.dir() / "data.lost");
  CommandResult restore = admin({"restore", "--from", backupFile.string(), "--dir", c});
  ASSERT_EQ(restore.exitCode, kExitOk) << restore.err;
  EXPECT_NE(restore.out.find(backupDigest), std::string::npos) << restore.out;
  CommandResult again = admin({"restore", "--from", backupFile.string(), "--dir", c});
  EXPECT_EQ(again.exitCode, kExitRefused);
  EXPECT_NE(again.err.find("is not empty"), std::string::npos) << again.err;
  CommandResult verifyRestored = admin({"verify", "--dir", c, "--json"});
  ASSERT_EQ(verifyRestored.exitCode, kExitOk) << verifyRestored.out << verifyRestored.err;
  EXPECT_EQ(Json::parse(verifyRestored.out)["digest"], backupDigest);

  cluster.start("430100");
  // Without its parent the restored city cannot know how far its own feed went: no writes.
  HttpResult refused = city.post("/v1/orders", Json{{"case_id", "430102-1"}, {"kind", "urge"}});
  EXPECT_EQ(refused.status, 503) << refused.text;
  EXPECT_NE(refused.text.find("restored from a backup"), std::string::npos) << refused.text;
  EXPECT_TRUE(std::filesystem::exists(city.dir() / "data" / "restored-from-backup"));
  // The operator sees why in `status`, not only in the 503s.
  CommandResult waiting = admin({"status", "--dir", c});
  ASSERT_EQ(waiting.exitCode, kExitOk) << waiting.out << waiting.err;
  EXPECT_NE(waiting.out.find("writes: REFUSED (503) until the upstream confirms this node's own "
                             "feed: the store was restored from a backup"),
            std::string::npos)
      << waiting.out;

  cluster.start("430000");
  ASSERT_TRUE(eventually([&] { return city.digest() == liveDigest; }))
      << "restored " << city.digest() << " live " << liveDigest;
  // At least: once its feed is confirmed the city may witness its counties' feeds at once.
  EXPECT_GE(city.head("430100"), cityHead) << "the parent gave the city its own records back";
  ASSERT_TRUE(eventually(
      [&] { return !std::filesystem::exists(city.dir() / "data" / "restored-from-backup"); }));
  HttpResult order = city.post("/v1/orders", Json{{"case_id", "430102-1"}, {"kind", "urge"}});
  ASSERT_EQ(order.status, 201) << order.text;
  // The next sequence number, not a reused one (the city may have witnessed its counties' feeds
  // in between, so not necessarily cityHead + 1).
  const uint64_t orderSeq = order.body["seq"].get<uint64_t>();
  EXPECT_GT(orderSeq, cityHead) << "a reused sequence number";
  CommandResult taking = admin({"status", "--dir", c});
  EXPECT_NE(taking.out.find("writes: taken"), std::string::npos) << taking.out;
  ASSERT_TRUE(eventually([&] { return province.head("430100") >= orderSeq; }));
  EXPECT_EQ(province.get("/v1/status").body["forks"], 0);
}

// A backup cut short (a full disk, an interrupted copy) used to kill verify and restore with SIGBUS
// (exit 135) when LMDB touched a page past the end of the file; every command that opens a store
// now says the file is truncated and exits 3, and restore writes nothing.
TEST(AdminCliTest, VerifyRestoreAndBackupOfATruncatedStoreAreAClearErrorNotABusError) {
  TempDir dir;
  TestNetwork net;
  TrustStore trust = net.trustStore();
  const std::filesystem::path live = dir.path() / "live";
  const std::filesystem::path file = dir.path() / "backup.mdb";
  {
    auto store = LmdbStore::open(live);
    ASSERT_TRUE(store.ok());
    std::vector<Bytes> records;
    for (int i = 0; i < 200; ++i) {
      records.push_back(
          wireBytes(net.author("430102", sampleCaseEvent("430102", i, /*bytes=*/1000))));
    }
    ASSERT_TRUE(ingestBatch(**store, trust, records).ok());
    ASSERT_TRUE((*store)->backupTo(file).ok());
  }
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);

  CommandResult verify = admin({"verify", "--data", file.string()});
  EXPECT_EQ(verify.exitCode, kExitUnavailable) << verify.err;
  EXPECT_NE(verify.err.find("backup.mdb is truncated"), std::string::npos) << verify.err;

  const std::filesystem::path target = dir.path() / "restored";
  CommandResult restore = admin({"restore", "--from", file.string(), "--data", target.string()});
  EXPECT_EQ(restore.exitCode, kExitUnavailable) << restore.err;
  EXPECT_NE(restore.err.find("is truncated"), std::string::npos) << restore.err;
  EXPECT_FALSE(std::filesystem::exists(target / "data.mdb")) << "restore copied a truncated file";

  std::filesystem::resize_file(live / "data.mdb",
                               std::filesystem::file_size(live / "data.mdb") / 2);
  CommandResult backup =
      admin({"backup", "--to", (dir.path() / "again.mdb").string(), "--data", live.string()});
  EXPECT_EQ(backup.exitCode, kExitUnavailable) << backup.err;
  EXPECT_NE(backup.err.find("data.mdb is truncated"), std::string::npos) << backup.err;
}

// Changes one stored value of a copied store behind the node's back, as a bad disk or a hand
// would: `edit` gets the value's bytes to alter.
void tamper(const std::filesystem::path& dir, const char* table, const std::string& key,
            const std::function<void(std::string&)>& edit) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 16);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0600), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi = 0;
  ASSERT_EQ(mdb_dbi_open(txn, table, 0, &dbi), 0);
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  ASSERT_EQ(mdb_get(txn, dbi, &k, &v), 0) << table;
  std::string value(static_cast<const char*>(v.mv_data), v.mv_size);
  edit(value);
  MDB_val nv{value.size(), value.data()};
  ASSERT_EQ(mdb_put(txn, dbi, &k, &nv, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

std::string feedKey(const std::string& author, uint64_t seq) {
  std::string k = author;
  k.resize(12, '\0');
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>((seq >> (8 * i)) & 0xFF));
  return k;
}

// verify must be able to fail: a record whose bytes changed, and a stored state that does not
// follow from the feeds, are both reported, with exit status 1.
TEST(AdminCliTest, VerifyReportsATamperedRecordAndAStateThatDoesNotFollowFromTheFeeds) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  cluster.start("430000");
  const std::string p = province.dir().string();
  ASSERT_EQ(admin({"catalog", "publish", sampleCatalog().string(), "--dir", p}).exitCode, kExitOk);
  const std::filesystem::path file = cluster.root() / "p.mdb";
  ASSERT_EQ(admin({"backup", "--to", file.string(), "--dir", p}).exitCode, kExitOk);
  const std::string anchor = (province.dir() / "anchor.cert").string();
  const std::filesystem::path a = cluster.root() / "a", b = cluster.root() / "b";
  ASSERT_EQ(admin({"restore", "--from", file.string(), "--data", a.string()}).exitCode, kExitOk);
  ASSERT_EQ(admin({"restore", "--from", file.string(), "--data", b.string()}).exitCode, kExitOk);
  CommandResult clean = admin({"verify", "--data", a.string(), "--anchor", anchor});
  ASSERT_EQ(clean.exitCode, kExitOk) << clean.out << clean.err;
  // Without --anchor and without a config, the store's own anchor record is used, and said so.
  CommandResult own = admin({"verify", "--data", a.string()});
  EXPECT_EQ(own.exitCode, kExitOk) << own.err;
  EXPECT_NE(own.out.find("from the store itself"), std::string::npos) << own.out;

  // One byte of the province's 5th record (a catalog item), in the middle of its stored bytes.
  tamper(a, "feeds", feedKey("430000", 5),
         [](std::string& v) { v[32 + (v.size() - 32) / 2] ^= 1; });
  CommandResult bad = admin({"verify", "--data", a.string(), "--anchor", anchor});
  EXPECT_EQ(bad.exitCode, kExitRefused) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("problem: record 430000#5"), std::string::npos) << bad.out;
  EXPECT_NE(bad.err.find("verify found"), std::string::npos) << bad.err;

  // A stored digest that the feeds do not give.
  tamper(b, "state", "mdigest", [](std::string& v) { v[0] ^= 1; });
  CommandResult wrong = admin({"verify", "--data", b.string(), "--anchor", anchor, "--json"});
  EXPECT_EQ(wrong.exitCode, kExitRefused) << wrong.out << wrong.err;
  Json answer = Json::parse(wrong.out, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << wrong.out;
  EXPECT_FALSE(answer["ok"].get<bool>());
  EXPECT_NE(answer["digest"], answer["stored_digest"]);
  EXPECT_NE(answer["problems"][0].get<std::string>().find("differs from the stored state"),
            std::string::npos)
      << wrong.out;

  // Node down and nothing on disk: the offline commands say what is missing.
  CommandResult none = admin({"verify", "--data", (cluster.root() / "none").string()});
  EXPECT_NE(none.exitCode, kExitOk);
  EXPECT_NE(none.err.find("no store in"), std::string::npos) << none.err;
  CommandResult help = admin({"backup", "--help"});
  EXPECT_NE(help.out.find("Example:"), std::string::npos);
}

// The README's quick tour: a case whose promised time passes shows on the province's
// `cases --overdue` with a red card, seen through the test clock ([testing] clock_offset_days).
TEST(AdminCliTest, ACaseShowsAsOverdueOnTheProvinceOnceTheTestClockPassesItsPromisedTime) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  NodeProcess& county = cluster.add("430102", "芙蓉区", {"430000"}, /*listens=*/false);
  cluster.start("430000");
  cluster.enroll("430102", "430000");
  cluster.start("430102");
  const std::string p = province.dir().string();
  ASSERT_EQ(admin({"catalog", "publish", sampleCatalog().string(), "--dir", p}).exitCode, kExitOk);
  CommandResult devolve =
      admin({"delegate", "--item", "XK-SL-001", "--to", "430102", "--devolve", "--dir", p});
  ASSERT_EQ(devolve.exitCode, kExitOk) << devolve.err;
  ASSERT_TRUE(eventually([&] {
    return admin({"authority", "--item", "XK-SL-001", "--region", "430102", "--dir",
                  county.dir().string()})
               .out.find("handled by 430102") != std::string::npos;
  })) << "the delegation did not reach the county";
  HttpResult filed =
      county.post("/v1/cases/430102-0001/events", Json{{"type", "received"},
                                                       {"item", "XK-SL-001"},
                                                       {"region", "430102"},
                                                       {"applicant_id", "91430102MA4L000001"},
                                                       {"first_responsible", "窗口 1 号"}});
  ASSERT_EQ(filed.status, 201) << filed.text;
  ASSERT_EQ(county.post("/v1/cases/430102-0001/events", Json{{"type", "accepted"}}).status, 201);
  ASSERT_TRUE(eventually([&] {
    return province.get("/v1/cases/430102-0001").body.value("status", "") == "under_review";
  }));
  CommandResult onTime = admin({"cases", "--overdue", "--dir", p});
  EXPECT_EQ(onTime.exitCode, kExitOk) << onTime.err;
  EXPECT_NE(onTime.out.find("no cases match"), std::string::npos) << onTime.out;

  // 31 days later by the province's clock; the promised time (承诺时限) of XK-SL-001 is 30
  // calendar days, counted from the day after acceptance.
  ASSERT_EQ(province.terminate(), 0);
  std::ofstream(province.configFile(), std::ios::app) << "[testing]\nclock_offset_days = 31\n";
  cluster.start("430000");
  EXPECT_NE(province.logTail().find("TEST CLOCK"), std::string::npos) << province.logTail();
  CommandResult overdue = admin({"cases", "--overdue", "--dir", p});
  ASSERT_EQ(overdue.exitCode, kExitOk) << overdue.err;
  EXPECT_TRUE(std::regex_search(overdue.out,
                                std::regex("430102-0001 +XK-SL-001 +430102 +430102 +under_review "
                                           "+red +3[01]\\.\\d/30")))
      << overdue.out;
  EXPECT_NE(overdue.out.find("1 case"), std::string::npos) << overdue.out;
  // The county's clock is the real one: there the case is still on time.
  CommandResult atCounty = admin({"cases", "--overdue", "--dir", county.dir().string()});
  EXPECT_NE(atCounty.out.find("no cases match"), std::string::npos) << atCounty.out;

  // Durations the province prints are on its own clock: the county's link has been up for
  // seconds, not 31 days (nor clamped to zero by mixing the two clocks).
  ASSERT_TRUE(eventually([&] {
    CommandResult links = admin({"peers", "--dir", p});
    return std::regex_search(
        links.out, std::regex("430102 +downstream +ready +0 +0 +0 +(-|[0-9]+s) +[1-9][0-9]*s "));
  })) << admin({"peers", "--dir", p}).out;
}

// Witnessed time (DESIGN §6): the province's clock runs 3 days ahead of its county's, so to the
// province the county reports everything 3 days late — as a county that backdates by 3 days would.
// The county's certificate covers every time it claims: the witness alone catches it.
TEST(AdminCliTest, ADecisionReportedThreeDaysLateIsFlaggedAndCountsAtItsWitnessedTime) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  NodeProcess& county = cluster.add("430102", "芙蓉区", {"430000"}, /*listens=*/false);
  std::ofstream(province.configFile(), std::ios::app) << "[testing]\nclock_offset_days = 3\n";
  cluster.start("430000");
  cluster.enroll("430102", "430000");
  cluster.start("430102");
  const std::string p = province.dir().string();
  // A county item with a one-day promise, in calendar days so that the test holds on any weekday.
  const std::filesystem::path catalog = cluster.root() / "fast.json";
  std::ofstream(catalog) << R"({"items": [{"code": "XK-FAST", "name": "快办事项", "level": "county",
      "legal_days": 2, "promised_days": 1, "delegable": true, "limit_unit": "calendar_days"}]})";
  CommandResult published = admin({"catalog", "publish", catalog.string(), "--dir", p});
  ASSERT_EQ(published.exitCode, kExitOk) << published.err;
  ASSERT_TRUE(eventually(
      [&] { return county.get("/v1/catalog").body.dump().find("XK-FAST") != std::string::npos; }));
  const std::string path = "/v1/cases/430102-0007/events";
  HttpResult received = county.post(path, Json{{"type", "received"},
                                               {"item", "XK-FAST"},
                                               {"region", "430102"},
                                               {"applicant_id", "430102199001010011"},
                                               {"first_responsible", "窗口 2 号"}});
  ASSERT_EQ(received.status, 201) << received.text;
  ASSERT_EQ(county.post(path, Json{{"type", "accepted"}}).status, 201);
  ASSERT_EQ(county.post(path, Json{{"type", "approved"}, {"licence", "芙证-7"}}).status, 201)
      << county.logTail();
  // By its own claims the county decided within minutes: on time, where nothing witnessed it.
  Json atCounty = county.get("/v1/cases/430102-0007").body;
  EXPECT_EQ(atCounty["status"], "approved");

  // The province stores the records, witnesses them on its clock, and judges by the witness.
  Json c;
  ASSERT_TRUE(eventually([&] {
    c = province.get("/v1/cases/430102-0007").body;
    return c.value("status", "") == "approved" && c["flagged_times"].size() == 3;
  })) << c.dump(2);
  for (const Json& f : c["flagged_times"]) {
    EXPECT_EQ(f["flag"], "reported_late") << f.dump();
    EXPECT_NEAR(f["reported_late_ms"].get<double>(), 3.0 * 86'400'000, 10.0 * 60'000) << f.dump();
    EXPECT_TRUE(f["outages"].empty()) << "the county reported no outage: " << f.dump();
  }
  EXPECT_EQ(c["deadline"]["card"], "red")
      << "decided, at its witnessed time, past the promise: " << c["deadline"].dump();
  EXPECT_GE(c["deadline"]["used_days"].get<double>(), 2.0);
  bool approvedLate = false;
  for (const Json& r : c["records"]) {
    if (r.value("type", "") == "approved") approvedLate = r.value("reported_late", false);
  }
  EXPECT_TRUE(approvedLate) << c["records"].dump(2);

  CommandResult late = admin({"cases", "--late", "--dir", p});
  ASSERT_EQ(late.exitCode, kExitOk) << late.err;
  EXPECT_TRUE(std::regex_search(
      late.out, std::regex("430102-0007 +approved +430102#\\d+ .* 7[0-9]\\.\\d h +none")))
      << late.out;
  CommandResult board = admin({"supervision", "--dir", p});
  EXPECT_TRUE(std::regex_search(board.out, std::regex("430102 +0 +0 +0 +0 +0 +1 +0 +0 +3\\n")))
      << board.out;
  CommandResult overdue = admin({"cases", "--overdue", "--dir", p});
  EXPECT_NE(overdue.out.find("430102-0007"), std::string::npos) << overdue.out;

  // The witness records travel down too: once the county holds them, both judge alike.
  ASSERT_TRUE(eventually([&] {
    return county.get("/v1/status").body.value("digest", "") ==
           province.get("/v1/status").body.value("digest", "");
  })) << "the county and the province hold the same feeds but report different digests";
  EXPECT_EQ(county.get("/v1/cases/430102-0007").body["deadline"]["card"], "red");
}

// Issue 17: a city answers a complaint with govbus-admin, not raw JSON.
TEST(AdminCliTest, AComplaintIsFiledAnsweredAndClosedWithTheComplaintCommands) {
  NodeCluster cluster;
  startProvinceCityCounty(cluster);
  const std::string county = cluster.node("430102").dir().string();
  const std::string city = cluster.node("430100").dir().string();

  CommandResult filed = admin({"complaint", "file", "--against", "430102", "--summary", "窗口推诿",
                               "--case", "430102-0001", "--id", "TS-2026-0009", "--dir", county});
  ASSERT_EQ(filed.exitCode, kExitOk) << filed.out << filed.err;
  EXPECT_NE(filed.out.find("complaint TS-2026-0009 against 430102 filed — record 430102#"),
            std::string::npos)
      << filed.out;
  CommandResult generated = admin({"complaint", "file", "--against", "430102", "--summary",
                                   "多次跑腿", "--dir", county, "--json"});
  ASSERT_EQ(generated.exitCode, kExitOk) << generated.err;
  Json g = Json::parse(generated.out, nullptr, false);
  ASSERT_TRUE(g.is_object()) << generated.out;
  EXPECT_EQ(g.value("complaint_id", "").rfind("430102-", 0), 0u) << "the node made the id";

  ASSERT_TRUE(eventually([&] {
    return admin({"supervision", "--dir", city}).out.find("TS-2026-0009") != std::string::npos;
  })) << "the complaint reaches the city it is routed to";

  // The county complained about cannot answer its own complaint.
  CommandResult self =
      admin({"complaint", "answer", "TS-2026-0009", "--note", "没有推诿", "--dir", county});
  EXPECT_EQ(self.exitCode, kExitRefused) << self.out;
  EXPECT_NE(self.err.find("complaint_update_not_by_supervisor"), std::string::npos) << self.err;
  EXPECT_NE(self.err.find("routed to"), std::string::npos) << self.err;

  CommandResult answered =
      admin({"complaint", "answer", "TS-2026-0009", "--note", "已转经办窗口核查", "--dir", city});
  ASSERT_EQ(answered.exitCode, kExitOk) << answered.err;
  EXPECT_NE(answered.out.find("complaint TS-2026-0009 answered (handling"), std::string::npos)
      << answered.out;
  EXPECT_NE(admin({"supervision", "--dir", city}).out.find("TS-2026-0009"), std::string::npos)
      << "answered is still open";

  CommandResult closed =
      admin({"complaint", "close", "TS-2026-0009", "--note", "已整改并回复", "--dir", city});
  ASSERT_EQ(closed.exitCode, kExitOk) << closed.err;
  EXPECT_NE(closed.out.find("closed (resolved"), std::string::npos) << closed.out;
  EXPECT_EQ(admin({"supervision", "--dir", city}).out.find("TS-2026-0009"), std::string::npos)
      << "a closed complaint leaves the board";

  EXPECT_EQ(admin({"complaint", "close", "--dir", city}).exitCode, kExitUsage);
  EXPECT_EQ(
      admin({"complaint", "file", "--against", "4301", "--summary", "x", "--dir", city}).exitCode,
      kExitRefused);
}

}  // namespace
}  // namespace govbus::testing
