// Authority: the catalog (事项目录), delegations and their revocation, who holds an item where,
// the tree, and enrolment and key revocation of the nodes below.
#include "node/api_server.h"

#include <atomic>
#include <map>
#include <optional>

#include "node/api_routes.h"
#include "protocol/division_code.h"
#include "sync/state_engine.h"

namespace govbus {

void ApiServer::authorityRoutes(ApiRoutes& api) {
  api.post("/v1/catalog", [&api](const Request& req, Response& res) {
    if (!api.mayWrite(req, res)) return;
    auto j = api.body(req, res);
    if (!j) return;
    auto items = catalogFromJson(*j);
    if (!items) return api.failWith(res, items.error());
    Json committed = Json::array();
    for (size_t i = 0; i < items->size(); ++i) {
      auto ref = api.commit(Payload((*items)[i]), res);
      if (!ref) {
        // Items are independent records: the ones before stay committed, and the answer says
        // so.
        Json partial = Json::parse(res.body, nullptr, false);
        if (!partial.is_discarded()) {
          partial["index"] = i;
          partial["committed"] = committed;
          res.set_content(jsonText(partial), "application/json");
        }
        return;
      }
      committed.push_back(toJson(*ref));
    }
    api.reply(res, 201, Json{{"records", committed}});
  });
  api.post("/v1/delegations", [this, &api](const Request& req, Response& res) {
    api.write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(Delegation d, delegationFromJson(j, now()));
      return Payload(std::move(d));
    });
  });
  api.post("/v1/delegations/revoke", [&api](const Request& req, Response& res) {
    api.write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(DelegationRevocation r, delegationRevocationFromJson(j));
      return Payload(std::move(r));
    });
  });
  api.post("/v1/key-revocations", [this, &api](const Request& req, Response& res) {
    api.write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(KeyRevocation r, keyRevocationFromJson(j));
      // The state would judge a revocation by anyone but an ancestor void; say so plainly here.
      const auto authority = engine_.authority();
      bool below = false;
      auto up = authority->parentOf(r.subject);
      for (int depth = 0; up && depth <= kMaxTreeDepth; ++depth, up = authority->parentOf(*up)) {
        if (*up == identity_.code) {
          below = true;
          break;
        }
      }
      if (!below) {
        return makeError(ErrorCode::kInvalidArgument,
                         "field 'subject': " + r.subject + " is not enrolled below " +
                             identity_.code + "; only an ancestor revokes a node's key");
      }
      return Payload(std::move(r));
    });
  });
  api.post("/v1/enrollments", [&api](const Request& req, Response& res) {
    api.write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(SignedCertificate c, enrollmentFromJson(j));
      return Payload(std::move(c));
    });
  });

  api.get("/v1/authority", [this, &api](const Request& req, Response& res) {
    const std::string item = req.get_param_value("item");
    const std::string region = req.get_param_value("region");
    if (item.empty()) return api.fail(res, 400, "parameter 'item' is required", "invalid_argument");
    if (Status c = checkCode(region, "region"); !c) {
      return api.fail(
          res, 400,
          "parameter 'region': " + std::string(region.empty() ? "required" : c.error().message),
          "invalid_argument");
    }
    api.reply(res, 200, toJson(engine_.authority()->explain(item, region, now())));
  });
  api.get("/v1/catalog", [this, &api](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json items = Json::array();
    for (const auto& [code, entry] : authority->catalog()) items.push_back(toJson(entry));
    api.reply(res, 200, Json{{"items", items}});
  });
  api.get("/v1/tree", [this, &api](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json nodes = Json::array();
    nodes.push_back(Json{{"code", authority->root()},
                         {"name", authority->nameOf(authority->root())},
                         {"parent", nullptr}});
    for (const auto& [child, parent] : authority->parents()) {
      nodes.push_back(
          Json{{"code", child}, {"name", authority->nameOf(child)}, {"parent", parent}});
    }
    api.reply(res, 200, Json{{"root", authority->root()}, {"nodes", nodes}});
  });
  api.get("/v1/delegations", [this, &api](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json list = Json::array();
    for (const AuthorityRecord* r : authority->validDelegations()) {
      const auto& d = std::get<Delegation>(r->payload);
      const CatalogEntry* entry = authority->item(d.item);
      list.push_back(Json{{"record", toJson(r->ref)},
                          {"author", r->envelope.author},
                          {"item", d.item},
                          {"item_name", entry ? entry->name : ""},
                          {"grantee", d.grantee},
                          {"scope", d.scope == DelegationScope::kSubtree ? "subtree" : "node"},
                          {"mode", d.mode == DelegationMode::kDevolve ? "devolve" : "entrust"},
                          {"may_redelegate", d.mayRedelegate},
                          {"valid_from_ms", d.validFromMs},
                          {"valid_until_ms", d.validUntilMs}});
    }
    api.reply(res, 200, Json{{"delegations", list}});
  });
}

}  // namespace govbus
