// govbus-admin as a program: what it prints and its exit codes. The catalog validation path needs
// no node; the API commands run against a real province → city → county on loopback
// (tests/node/node_harness.h).
#include <gtest/gtest.h>

#include <fstream>

#include "node/node_harness.h"

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
  NodeProcess& province = cluster.add("430000", "湖南省");
  NodeProcess& city = cluster.add("430100", "长沙市", {"430000"});
  NodeProcess& county = cluster.add("430102", "芙蓉区", {"430100"}, /*listens=*/false);
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");
  cluster.enroll("430102", "430100");
  cluster.start("430102");
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
                .post("/v1/cases/FR-1/events", Json{{"type", "received"},
                                                    {"item", "XK-SL-001"},
                                                    {"region", "430102"},
                                                    {"applicant_id", "91430102MA4L000001"},
                                                    {"first_responsible", "窗口 1 号"}})
                .status,
            201);
  ASSERT_EQ(county.post("/v1/cases/FR-1/events", Json{{"type", "accepted"}}).status, 201);
  ASSERT_TRUE(eventually(
      [&] { return province.get("/v1/cases/FR-1").body.value("status", "") == "under_review"; }));
  CommandResult list = admin({"cases", "--region", "430100", "--card", "green", "--dir", p});
  EXPECT_EQ(list.exitCode, kExitOk) << list.err;
  EXPECT_NE(list.out.find("FR-1"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("1 case"), std::string::npos) << list.out;
  CommandResult show = admin({"case", "show", "FR-1", "--dir", p});
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

}  // namespace
}  // namespace govbus::testing
