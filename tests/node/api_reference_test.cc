// docs/API.md against the endpoints a real node serves: every route the node registers (it lists
// them at GET /v1) has a "### METHOD PATH" section in the reference, and every such section is a
// route the node serves, so the reference can neither miss an endpoint nor keep a removed one.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "node/node_harness.h"

namespace govbus::testing {
namespace {

std::set<std::string> documentedRoutes() {
  std::ifstream in(std::string(GOVBUS_DOCS_DIR) + "/API.md");
  EXPECT_TRUE(in) << "docs/API.md is missing";
  std::set<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("### GET ", 0) == 0 || line.rfind("### POST ", 0) == 0) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
      EXPECT_TRUE(out.insert(line.substr(4)).second) << "documented twice: " << line;
    }
  }
  return out;
}

TEST(ApiReferenceTest, EveryRouteTheNodeServesIsDocumentedAndNothingElse) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  cluster.start("430000");
  HttpResult index = province.get("/v1");
  ASSERT_EQ(index.status, 200) << index.text;
  std::set<std::string> served;
  for (const Json& r : index.body["routes"])
    served.insert(r.value("method", "") + " " + r.value("path", ""));
  ASSERT_GT(served.size(), 20u) << index.text;

  const std::set<std::string> documented = documentedRoutes();
  for (const std::string& r : served)
    EXPECT_TRUE(documented.contains(r))
        << r << " is served but has no '### " << r << "' section in docs/API.md";
  for (const std::string& r : documented)
    EXPECT_TRUE(served.contains(r))
        << "docs/API.md documents " << r << ", which the node does not serve";

  // An endpoint that does not exist says so, and where the list is.
  HttpResult missing = province.get("/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.text.find("GET /v1 lists the endpoints"), std::string::npos) << missing.text;
}

// What docs/API.md promises about errors: a named code in every error body, limits that are the
// records' own (an id the wire format would refuse is refused at the API with its field named).
TEST(ApiReferenceTest, ErrorsCarryANamedCodeAndIdsAreCheckedAgainstTheWireLimit) {
  NodeCluster cluster;
  NodeProcess& province = cluster.add("430000", "湖南省");
  cluster.start("430000");

  HttpResult missing = province.get("/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.value("code", ""), "not_found") << missing.text;

  const std::string longId(65, 'x');
  HttpResult longCase =
      province.post("/v1/cases/" + longId + "/events", Json{{"type", "accepted"}});
  EXPECT_EQ(longCase.status, 400) << longCase.text;
  EXPECT_NE(longCase.text.find("case id"), std::string::npos) << longCase.text;
  EXPECT_NE(longCase.text.find("64 bytes"), std::string::npos) << longCase.text;
  HttpResult longComplaint = province.post(
      "/v1/complaints", Json{{"against", "430000"}, {"summary", "x"}, {"complaint_id", longId}});
  EXPECT_EQ(longComplaint.status, 400) << longComplaint.text;
  EXPECT_NE(longComplaint.text.find("complaint_id"), std::string::npos) << longComplaint.text;
  // Found by fuzz_api_json: an update of a complaint whose id in the URL is over the limit.
  HttpResult longUpdate =
      province.post("/v1/complaints/" + longId + "/updates", Json{{"status", "handling"}});
  EXPECT_EQ(longUpdate.status, 400) << longUpdate.text;
  EXPECT_EQ(longUpdate.body.value("code", ""), "invalid_argument") << longUpdate.text;
  EXPECT_NE(longUpdate.text.find("complaint id"), std::string::npos) << longUpdate.text;

  for (const std::string limit : {"-1", "0", "ten", "99999999999"}) {
    HttpResult r = province.get("/v1/cases?limit=" + limit);
    EXPECT_EQ(r.status, 400) << limit << ": " << r.text;
    EXPECT_EQ(r.body.value("code", ""), "invalid_argument") << r.text;
  }
  EXPECT_EQ(province.get("/v1/cases?limit=5000").status, 200) << "capped, not refused";
}

}  // namespace
}  // namespace govbus::testing
