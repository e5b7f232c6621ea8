// The supervision board page and the reads behind it, on a real province and city: what a
// province admin opening http://127.0.0.1:8101/ in a browser gets.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cctype>
#include <fstream>
#include <sstream>

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

// 湖南省 and 长沙市, enrolled and running; returns the province.
NodeProcess& startProvinceAndCity(NodeCluster& cluster) {
  NodeProcess& province = cluster.add("430000", "湖南省");
  cluster.add("430100", "长沙市", {"430000"});
  cluster.start("430000");
  cluster.enroll("430100", "430000");
  cluster.start("430100");
  return province;
}

TEST(BoardTest, ServesTheBoardPageAndTheTreeAndDelegationsItReads) {
  NodeCluster cluster;
  NodeProcess& province = startProvinceAndCity(cluster);

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

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  std::string t = s.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

std::string percentEncoded(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

TEST(BoardTest, TheLoginCookieOpensCaseReadsAndTheBoardFromOutsideLoopback) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  cluster.start("430000");
  httplib::Client c("127.0.0.1", province.apiPort());
  c.set_read_timeout(10, 0);
  const httplib::Headers proxied{{"X-Forwarded-For", "10.1.2.3"}};

  auto fav = c.Get("/favicon.ico");
  ASSERT_TRUE(fav);
  EXPECT_EQ(fav->status, 204) << "not a counted 404";

  // On loopback the board and its reads need nothing; a case read does.
  EXPECT_EQ(c.Get("/board")->status, 200);
  EXPECT_EQ(c.Get("/v1/tree")->status, 200);
  EXPECT_EQ(c.Get("/v1/cases")->status, 401);
  // Through a proxy (X-Forwarded-For) the board sends the browser to the login page.
  auto board = c.Get("/board", proxied);
  EXPECT_EQ(board->status, 302);
  EXPECT_EQ(board->get_header_value("Location"), "/login");
  for (const char* read : {"/v1/supervision", "/v1/tree", "/v1/delegations"})
    EXPECT_EQ(c.Get(read, proxied)->status, 401) << read;
  EXPECT_EQ(c.Get("/login")->status, 200);

  auto wrong = c.Post("/login", "token=nope", "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_TRUE(wrong->get_header_value("Set-Cookie").empty());
  EXPECT_NE(wrong->body.find("login-error"), std::string::npos);

  const std::string readToken = readFile(province.dir() / "api-read.token");
  ASSERT_FALSE(readToken.empty());
  auto ok =
      c.Post("/login", "token=" + percentEncoded(readToken), "application/x-www-form-urlencoded");
  ASSERT_EQ(ok->status, 303);
  EXPECT_EQ(ok->get_header_value("Location"), "/board");
  const std::string cookie = ok->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  const std::string pair = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(pair, "govbus_read=" + readToken);

  httplib::Headers withCookie{{"Cookie", "lang=zh; " + pair}};
  EXPECT_EQ(c.Get("/v1/cases", withCookie)->status, 200);
  withCookie.emplace("X-Forwarded-For", "10.1.2.3");
  EXPECT_EQ(c.Get("/board", withCookie)->status, 200);
  EXPECT_EQ(c.Get("/v1/tree", withCookie)->status, 200);
  // The cookie only reads.
  auto write =
      c.Post("/v1/catalog", withCookie, Json{{"items", {cityItem()}}}.dump(), "application/json");
  EXPECT_EQ(write->status, 401);
  EXPECT_EQ(c.Get("/v1/cases", httplib::Headers{{"Cookie", "govbus_read=wrong"}})->status, 401);
  auto out = c.Post("/logout", "", "application/x-www-form-urlencoded");
  EXPECT_EQ(out->status, 303);
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
}

TEST(BoardTest, TheTreeSaysWhenEachNodeWasLastHeardFrom) {
  NodeCluster cluster;
  NodeProcess& province = startProvinceAndCity(cluster);
  ASSERT_TRUE(eventually([&] {
    HttpResult t = province.get("/v1/tree");
    if (!t.body.is_object() || !t.body["nodes"].is_array()) return false;
    const Json* city = findByKey(t.body["nodes"], "code", "430100");
    return city != nullptr && (*city)["heard_via"] == "link";
  }));
  HttpResult tree = province.get("/v1/tree");
  const int64_t now = tree.body["now_ms"].get<int64_t>();
  const Json* city = findByKey(tree.body["nodes"], "code", "430100");
  EXPECT_EQ((*city)["last_heard_ms"].get<int64_t>(), now);
  EXPECT_EQ((*city)["link"]["state"], "ready");
  const Json* root = findByKey(tree.body["nodes"], "code", "430000");
  EXPECT_EQ((*root)["heard_via"], "self");

  // Stopped, the city is heard from no longer: its last acknowledgement or newest record.
  ASSERT_EQ(cluster.node("430100").terminate(), 0);
  ASSERT_TRUE(eventually([&] {
    HttpResult t = province.get("/v1/tree");
    if (!t.body.is_object() || !t.body["nodes"].is_array()) return false;
    const Json* c = findByKey(t.body["nodes"], "code", "430100");
    return c != nullptr && c->contains("link") && (*c)["link"]["state"] != "ready";
  })) << province.get("/v1/tree").text;
  tree = province.get("/v1/tree");
  city = findByKey(tree.body["nodes"], "code", "430100");
  ASSERT_TRUE((*city)["last_heard_ms"].is_number()) << tree.text;
  EXPECT_LT((*city)["last_heard_ms"].get<int64_t>(), tree.body["now_ms"].get<int64_t>());
}

}  // namespace
}  // namespace govbus::testing
