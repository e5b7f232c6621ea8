// Supervision (电子监察): complaints (效能投诉) and their updates, supervision orders (督办, 纠错),
// and the supervision view the board draws.
#include "node/api_server.h"

#include <atomic>
#include <map>
#include <optional>

#include "node/api_routes.h"
#include "sync/state_engine.h"

namespace govbus {

namespace {
constexpr size_t kBoardListLimit = 500;
}  // namespace

void ApiServer::supervisionRoutes(ApiRoutes& api) {
  api.post("/v1/complaints", [this, &api](const Request& req, Response& res) {
    if (!api.mayWrite(req, res)) return;
    auto j = api.body(req, res);
    if (!j) return;
    static std::atomic<uint64_t> counter{0};  // only makes generated ids unique within a run
    std::string id = identity_.code + "-" + std::to_string(now()) + "-" + std::to_string(++counter);
    auto c = complaintFromJson(*j, id);
    if (!c) return api.failWith(res, c.error());
    const std::string complaintId = c->complaintId;
    auto ref = api.commit(Payload(std::move(*c)), res);
    if (!ref) return;
    // The caller needs the id for updates, and it may have been generated here.
    Json out = toJson(*ref);
    out["complaint_id"] = complaintId;
    api.reply(res, 201, out);
  });
  api.post("/v1/complaints/{id}/updates", [&api](const Request& req, Response& res) {
    api.write(req, res, [&](const Json& j, const Request& r) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(ComplaintUpdate u, complaintUpdateFromJson(r.matches[1].str(), j));
      return Payload(std::move(u));
    });
  });
  api.post("/v1/orders", [this, &api](const Request& req, Response& res) {
    api.write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(SupervisionOrder o, orderFromJson(j));
      if (!o.lastSeen) {
        // By default the order names the last handler event this node has seen.
        GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, engine_.store().beginRead());
        GOVBUS_ASSIGN_OR_RETURN(std::optional<CaseSummary> c,
                                StateEngine::caseSummary(*view, o.caseId));
        if (!c) {
          return makeError(ErrorCode::kInvalidArgument,
                           "field 'case_id': case " + o.caseId + " is not known to this node");
        }
        o.lastSeen = c->lastEvent;
      }
      return Payload(std::move(o));
    });
  });
  api.get("/v1/supervision", [this, &api](const Request& req, Response& res) {
    if (!api.mayReadBoard(req, res)) return;
    auto view = engine_.store().beginRead();
    if (!view) return api.failWith(res, view.error());
    auto authority = engine_.authority();
    const int64_t now = this->now();
    auto board = supervisionView(**view, *authority, identity_.code, now);
    if (!board) return api.failWith(res, board.error());
    Json out = toJson(*board);
    // What the board lists beside the counts: yellow cards and open cases under a supervision
    // order (督办), with their deadlines, in the same shape as `overdue`.
    Json yellow = Json::array(), orders = Json::array();
    Status st = StateEngine::forEachCase(**view, [&](const CaseSummary& c) {
      if (!authority->isAncestorOrSelf(identity_.code, c.handler) &&
          !authority->isAncestorOrSelf(identity_.code, c.receiver))
        return true;
      Deadline d = deadlineAt(c, now, authority->calendar());
      const bool open = c.endedAtMs == 0;
      if (d.card == Card::kYellow && yellow.size() < kBoardListLimit) {
        Json e = toJson(c);
        e["deadline"] = toJson(d);
        yellow.push_back(std::move(e));
      }
      if (open && c.urges > 0 && orders.size() < kBoardListLimit) {
        Json e = toJson(c);
        e["deadline"] = toJson(d);
        orders.push_back(std::move(e));
      }
      return true;
    });
    if (!st) return api.failWith(res, st.error());
    out["yellow"] = std::move(yellow);
    out["orders"] = std::move(orders);
    // Item names, for the lists that carry an item code.
    for (const char* list :
         {"overdue", "yellow", "orders", "denials", "second_materials_requests"}) {
      for (Json& e : out[list]) {
        const CatalogEntry* entry = authority->item(e.value("item", ""));
        e["item_name"] = entry ? entry->name : "";
      }
    }
    api.reply(res, 200, out);
  });
}

}  // namespace govbus
