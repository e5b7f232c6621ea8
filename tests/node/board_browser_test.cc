// The supervision board in a real browser (ctest label `browser`): a province, a city and two
// counties as real processes; a case past its time by the province's test clock, one county
// stopped; tests/node/board_browser.py opens /board in headless Chromium (selenium) and checks the
// rendered page: the tree, the red card, the stopped county offline at every ancestor, a case's
// timeline opened by a click, no console errors. It leaves a screenshot in the build directory.
#include <gtest/gtest.h>

#include <fstream>

#include "node/node_harness.h"

namespace govbus::testing {
namespace {

Json countyItem() {
  return Json{{"code", "XK-COUNTY"},    {"name", "县级许可"},  {"level", "county"},
              {"legal_days", 20},       {"promised_days", 10}, {"delegable", true},
              {"materials", {"申请书"}}};
}

Json received(const std::string& region, const std::string& applicant) {
  return Json{{"type", "received"},
              {"item", "XK-COUNTY"},
              {"region", region},
              {"applicant_id", applicant},
              {"first_responsible", "窗口 1 号"}};
}

void restartWithClockOffset(NodeCluster& cluster, NodeProcess& n, int days) {
  ASSERT_EQ(n.terminate(), 0);
  std::ofstream(n.configFile(), std::ios::app) << "[testing]\nclock_offset_days = " << days << "\n";
  cluster.start(n.code());
}

TEST(BoardBrowserTest, ShowsTheTreeARedCardAnOfflineCountyAndACaseTimeline) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  NodeProcess& city = cluster.add("430100", "长沙市", {"430000"});
  NodeProcess& countyA = cluster.add("430102", "芙蓉区", {"430100"}, /*listens=*/false);
  NodeProcess& countyB = cluster.add("430103", "天心区", {"430100"}, /*listens=*/false);
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");
  cluster.enroll("430102", "430100");
  cluster.start("430102");
  cluster.enroll("430103", "430100");
  cluster.start("430103");

  ASSERT_EQ(province.post("/v1/catalog", Json{{"items", {countyItem()}}}).status, 201);
  for (NodeProcess* county : {&countyA, &countyB}) {
    ASSERT_TRUE(eventually([&] {
      return county->get("/v1/catalog").text.find("XK-COUNTY") != std::string::npos;
    })) << county->code()
        << " did not get the catalog";
  }
  ASSERT_EQ(
      countyA.post("/v1/cases/430102-0001/events", received("430102", "430102199001011234")).status,
      201);
  ASSERT_EQ(countyA.post("/v1/cases/430102-0001/events", Json{{"type", "accepted"}}).status, 201);
  ASSERT_EQ(
      countyB.post("/v1/cases/430103-0001/events", received("430103", "430103199001011234")).status,
      201);
  // A denial (否定报备) at 天心区 and a complaint about it that 长沙市 takes.
  ASSERT_EQ(
      countyB.post("/v1/cases/430103-0002/events", received("430103", "430103199202021234")).status,
      201);
  ASSERT_EQ(countyB.post("/v1/cases/430103-0002/events", Json{{"type", "accepted"}}).status, 201);
  HttpResult denied =
      countyB.post("/v1/cases/430103-0002/events", Json{{"type", "denied"},
                                                        {"reason", "材料不符合法定条件"},
                                                        {"legal_basis", "行政许可法第三十八条"}});
  ASSERT_EQ(denied.status, 201) << denied.text;
  HttpResult complaint =
      city.post("/v1/complaints",
                Json{{"against", "430103"}, {"summary", "窗口推诿"}, {"case_id", "430103-0001"}});
  ASSERT_EQ(complaint.status, 201) << complaint.text;
  ASSERT_TRUE(eventually([&] {
    return province.get("/v1/cases/430102-0001").body.value("status", "") == "under_review" &&
           province.get("/v1/cases/430103-0002").body.value("denied", false) &&
           province.get("/v1/cases/430103-0001").status == 200;
  })) << "the cases did not reach the province";
  HttpResult urge = province.post(
      "/v1/orders", Json{{"case_id", "430102-0001"}, {"kind", "urge"}, {"note", "请按时办结"}});
  ASSERT_EQ(urge.status, 201) << urge.text;
  ASSERT_TRUE(eventually([&] { return countyA.head("430000") >= province.head("430000"); }));

  // 天心区 goes down. 31 days later by the province's clock the case is red; 芙蓉区 runs on the
  // same test clock and writes a record, so the province has heard from it lately.
  ASSERT_EQ(countyB.terminate(), 0);
  restartWithClockOffset(cluster, province, 31);
  restartWithClockOffset(cluster, countyA, 31);
  ASSERT_EQ(
      countyA.post("/v1/cases/430102-0002/events", received("430102", "430102199202021234")).status,
      201);
  ASSERT_TRUE(eventually([&] { return province.get("/v1/cases/430102-0002").status == 200; }));
  HttpResult red = province.get("/v1/cases/430102-0001");
  ASSERT_EQ(red.body["deadline"].value("card", ""), "red") << red.text;

  const std::string shot = std::string(GOVBUS_BUILD_DIR) + "/board-browser.png";
  CommandResult r =
      runCommand({GOVBUS_BOARD_BROWSER_SCRIPT, "--url",
                  "http://127.0.0.1:" + std::to_string(province.apiPort()), "--token-file",
                  (province.dir() / "api-read.token").string(), "--screenshot", shot, "--offline",
                  "430103", "--online", "430102", "--online", "430100", "--red-case", "430102-0001",
                  "--offline-after-s", "60"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  std::cout << r.out;
  EXPECT_NE(province.get("/favicon.ico").status, 404);
}

}  // namespace
}  // namespace govbus::testing
