// The supervision board page and the reads behind it, on a real province and city: what a
// province admin opening http://127.0.0.1:8101/ in a browser gets.
#include <gtest/gtest.h>

#include "node/node_harness.h"

namespace govbus::testing {
namespace {

Json cityItem() {
  return Json{{"code", "XK-CITY"},      {"name", "市级许可"},  {"level", "province"},
              {"legal_days", 30},       {"promised_days", 20}, {"delegable", true},
              {"materials", {"申请书"}}};
}

const Json* findByKey(const Json& list, const std::string& key, const std::string& value) {
  for (const Json& e : list)
    if (e.value(key, "") == value) return &e;
  return nullptr;
}

TEST(BoardTest, ServesTheBoardPageAndTheTreeAndDelegationsItReads) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  cluster.add("430100", "长沙市", {"430000"});
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");

  HttpResult page = province.get("/board");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.text.find("电子监察"), std::string::npos);
  EXPECT_NE(page.text.find("Supervision board"), std::string::npos) << "English labels are there";
  for (const char* read : {"/v1/supervision", "/v1/tree", "/v1/delegations"})
    EXPECT_NE(page.text.find(read), std::string::npos) << "the page reads " << read;
  EXPECT_EQ(page.text.find("http://"), std::string::npos) << "nothing loaded from outside";

  HttpResult tree = province.get("/v1/tree");
  ASSERT_EQ(tree.status, 200) << tree.text;
  EXPECT_EQ(tree.body["root"], "430000");
  const Json* city = findByKey(tree.body["nodes"], "code", "430100");
  ASSERT_NE(city, nullptr) << tree.text;
  EXPECT_EQ(city->value("name", ""), "长沙市");
  EXPECT_EQ(city->value("parent", ""), "430000");
  const Json* root = findByKey(tree.body["nodes"], "code", "430000");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->value("name", ""), "湖南省");

  ASSERT_EQ(province.post("/v1/catalog", Json{{"items", {cityItem()}}}).status, 201);
  EXPECT_TRUE(province.get("/v1/delegations").body["delegations"].empty());
  HttpResult d = province.post(
      "/v1/delegations",
      Json{{"item", "XK-CITY"}, {"grantee", "430100"}, {"scope", "subtree"}, {"mode", "devolve"}});
  ASSERT_EQ(d.status, 201) << d.text;
  HttpResult list = province.get("/v1/delegations");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["delegations"].size(), 1u) << list.text;
  const Json& one = list.body["delegations"][0];
  EXPECT_EQ(one["author"], "430000");
  EXPECT_EQ(one["grantee"], "430100");
  EXPECT_EQ(one["item_name"], "市级许可");
  EXPECT_EQ(one["scope"], "subtree");
  EXPECT_EQ(one["mode"], "devolve");

  // Revoked, it leaves the board's list.
  ASSERT_EQ(province.post("/v1/delegations/revoke", Json{{"delegation", d.body}}).status, 201);
  EXPECT_TRUE(province.get("/v1/delegations").body["delegations"].empty());
}

}  // namespace
}  // namespace govbus::testing
