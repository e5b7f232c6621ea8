// Authority: the catalog (事项目录), delegations and their revocation, who holds an item where,
// the tree, and enrolment and key revocation of the nodes below.
#include "node/api_server.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "node/api_routes.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"
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
  // Liveness for the board: when this node last heard from each node of the tree (see
  // docs/API.md, GET /v1/tree): now for a ready direct link, else the last time a read of the
  // tree found it ready or its last acknowledgement; or the wall time of the newest record of
  // that node's feed held here (capped at now); the latest of these.
  struct SeenReady {
    std::mutex mu;
    std::map<std::string, int64_t> atMs;  // link peer -> last read of the tree that found it ready
  };
  auto seenReady = std::make_shared<SeenReady>();
  api.get("/v1/tree", [this, &api, seenReady](const Request& req, Response& res) {
    if (!api.mayReadBoard(req, res)) return;
    auto authority = engine_.authority();
    const int64_t now = this->now();
    std::map<std::string, const LinkInfo*> direct;
    const std::vector<LinkInfo> links = engine_.links();
    for (const LinkInfo& l : links) {
      auto& slot = direct[l.code];
      if (slot == nullptr || l.lastAckMs > slot->lastAckMs) slot = &l;
    }
    auto view = engine_.store().beginRead();
    if (!view) return api.failWith(res, view.error());
    auto describe = [&](const std::string& code, const Json& parent) {
      Json n{{"code", code}, {"name", authority->nameOf(code)}, {"parent", parent}};
      int64_t heard = 0;
      std::string via;
      if (code == identity_.code) {
        heard = now;
        via = "self";
      }
      if (auto head = (*view)->head(code); head && *head) {
        if (auto raw = (*view)->record(code, (*head)->seq); raw && *raw) {
          if (auto rec = decodeSignedRecord(**raw)) {
            if (auto envelope = decodeEnvelope(rec->body)) {  // the time only, not the payload
              const int64_t wall = std::min(envelope->wallTimeMs, now);
              n["last_record_ms"] = wall;
              if (wall > heard) {
                heard = wall;
                via = "record";
              }
            }
          }
        }
      }
      if (auto it = direct.find(code); it != direct.end()) {
        const LinkInfo& l = *it->second;
        // A ready link has exchanged heartbeats within the peer timeout: heard now.
        int64_t ack = l.lastAckMs;
        {
          std::lock_guard lock(seenReady->mu);
          int64_t& seen = seenReady->atMs[code];
          if (l.ready) seen = now;
          ack = std::max(ack, seen);
        }
        if (ack > heard) {
          heard = ack;
          via = "link";
        }
        n["link"] =
            Json{{"direction", l.direction == PeerDirection::kUpstream ? "upstream" : "downstream"},
                 {"state", l.ready ? "ready" : (l.connected ? "connecting" : "disconnected")},
                 {"last_ack_ms", l.lastAckMs},
                 {"lag_records", l.lagRecords},
                 {"lag_seconds", l.behindSinceMs > 0 ? (now - l.behindSinceMs) / 1000 : 0}};
      }
      n["last_heard_ms"] = heard == 0 ? Json(nullptr) : Json(heard);
      n["heard_via"] = via.empty() ? Json(nullptr) : Json(via);
      return n;
    };
    Json nodes = Json::array();
    nodes.push_back(describe(authority->root(), nullptr));
    for (const auto& [child, parent] : authority->parents())
      nodes.push_back(describe(child, parent));
    api.reply(res, 200,
              Json{{"root", authority->root()},
                   {"self", identity_.code},
                   {"now_ms", now},
                   {"nodes", nodes}});
  });
  api.get("/v1/delegations", [this, &api](const Request& req, Response& res) {
    if (!api.mayReadBoard(req, res)) return;
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
