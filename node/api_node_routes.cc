// The node itself: peers and lag, status and digest, feeds, health, metrics, the board page and
// the list of endpoints.
#include "node/api_server.h"

#include <atomic>
#include <map>
#include <optional>

#include "node/api_routes.h"
#include "node/board_page.h"
#include "node/clock.h"
#include "sync/state_engine.h"

namespace govbus {

void ApiServer::nodeRoutes(ApiRoutes& api) {
  api.get("/v1/peers", [this, &api](const Request&, Response& res) {
    const int64_t now = this->now();
    Json links = Json::array();
    for (const LinkInfo& l : engine_.links()) {
      links.push_back(
          Json{{"peer", l.code},
               {"direction", l.direction == PeerDirection::kUpstream ? "upstream" : "downstream"},
               {"state", l.ready ? "ready" : (l.connected ? "connecting" : "disconnected")},
               {"inflight_records", l.inflightRecords},
               {"lag_records", l.lagRecords},
               {"lag_seconds", l.behindSinceMs > 0 ? (now - l.behindSinceMs) / 1000 : 0},
               {"connected_at_ms", l.connectedAtMs},
               {"last_ack_ms", l.lastAckMs},
               {"records_sent", l.recordsSent},
               {"batches_received", l.batchesReceived}});
    }
    Json out{{"code", identity_.code}, {"now_ms", now}, {"links", links}};
    if (!identity_.isRoot()) {
      UpstreamStatus u = transport_.upstreamStatus();
      // The transport stamps with the host clock; shift to this node's clock (the [testing]
      // offset) so that `now_ms - since_ms` stays a duration.
      if (u.sinceMs > 0) u.sinceMs += options_.clockOffsetMs;
      if (u.lastHeardMs > 0) u.lastHeardMs += options_.clockOffsetMs;
      out["upstream"] = Json{{"code", u.code},
                             {"endpoint", u.endpoint},
                             {"state", u.state},
                             {"fallback", u.fallback},
                             {"since_ms", u.sinceMs},
                             {"rtt_ms", u.rttMs},
                             {"last_heard_ms", u.lastHeardMs},
                             {"last_error", u.lastError}};
    } else {
      out["upstream"] = nullptr;
    }
    api.reply(res, 200, out);
  });
  api.get("/v1/status", [this, &api](const Request&, Response& res) {
    auto view = engine_.store().beginRead();
    if (!view) return api.failWith(res, view.error());
    auto heads = (*view)->heads();
    if (!heads) return api.failWith(res, heads.error());
    auto digest = StateEngine::digest(**view);
    if (!digest) return api.failWith(res, digest.error());
    auto pending = (*view)->pendingCount();
    auto forks = (*view)->forks();
    std::map<std::string, uint64_t> voids;
    uint64_t voidTotal = 0;
    Status st = StateEngine::forEachVoid(**view, [&](const RecordRef&, VoidReason r) {
      ++voids[std::string(voidReasonName(r))];
      ++voidTotal;
      return true;
    });
    if (!st) return api.failWith(res, st.error());
    uint64_t records = 0;
    for (const auto& [author, head] : *heads) records += head.seq;
    const Engine::WriteGate gate = engine_.writeGate();
    Json writes{{"open", gate.open}};
    if (!gate.open) {
      uint64_t have = 0;
      for (const auto& [author, head] : *heads) {
        if (author == identity_.code) have = head.seq;
      }
      std::string why = gate.restored ? "the store was restored from a backup"
                                      : "this node's own feed is empty (first start or lost store)";
      why += gate.upstreamHeard ? "; the upstream says the own feed goes to seq " +
                                      std::to_string(gate.ownFeedTarget) + ", this node has " +
                                      std::to_string(have) + " of it"
                                : "; waiting for the upstream link to announce the own feed's head";
      writes["waiting"] = why;
      writes["own_feed_seq"] = have;
      if (gate.upstreamHeard) writes["own_feed_target"] = gate.ownFeedTarget;
    }
    api.reply(res, 200,
              Json{{"code", identity_.code},
                   {"now_ms", now()},
                   {"feeds", heads->size()},
                   {"records", records},
                   {"digest", toHex(*digest)},
                   {"pending_records", pending ? *pending : 0},
                   {"forks", forks ? forks->size() : 0},
                   {"void_records", voids},
                   {"void_total", voidTotal},
                   {"writes", writes}});
  });
  api.get("/v1/feeds", [this, &api](const Request& req, Response& res) {
    auto view = engine_.store().beginRead();
    if (!view) return api.failWith(res, view.error());
    auto heads = (*view)->heads();
    if (!heads) return api.failWith(res, heads.error());
    const std::string only = req.get_param_value("author");
    Json feeds = Json::object();
    for (const auto& [author, head] : *heads) {
      if (!only.empty() && author != only) continue;
      feeds[author] = Json{{"seq", head.seq}, {"id", toHex(head.id)}};
    }
    api.reply(res, 200, Json{{"feeds", feeds}});
  });
  // The supervision board: a static page that reads the three GETs above and /v1/supervision.
  // From outside loopback it needs the read token, given once on the login page and kept in an
  // HttpOnly, SameSite=Strict cookie that the board's GETs (and case reads) accept.
  api.get("/board", [&api](const Request& req, Response& res) {
    if (!ApiRoutes::isLoopback(req) && !api.hasReadCredentials(req))
      return res.set_redirect("/login");
    res.set_header("Cache-Control", "no-store");
    res.set_content(std::string(boardPageHtml()), "text/html; charset=utf-8");
  });
  api.get("/login", [](const Request&, Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(std::string(loginPageHtml(false)), "text/html; charset=utf-8");
  });
  api.post("/login", [&api](const Request& req, Response& res) {
    // A form post: token=<read token> (application/x-www-form-urlencoded).
    std::string token;
    for (size_t at = 0; at <= req.body.size();) {
      size_t end = req.body.find('&', at);
      if (end == std::string::npos) end = req.body.size();
      const std::string pair = req.body.substr(at, end - at);
      if (pair.rfind("token=", 0) == 0) token = httplib::detail::decode_url(pair.substr(6), true);
      at = end + 1;
    }
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
      token.pop_back();
    res.set_header("Cache-Control", "no-store");
    if (!api.isReadToken(token)) {
      res.status = 401;
      res.set_content(std::string(loginPageHtml(true)), "text/html; charset=utf-8");
      return;
    }
    res.set_header("Set-Cookie", std::string(ApiRoutes::kBoardCookie) + "=" + token +
                                     "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
    res.set_redirect("/board", 303);
  });
  api.post("/logout", [](const Request&, Response& res) {
    res.set_header("Set-Cookie", std::string(ApiRoutes::kBoardCookie) +
                                     "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.set_redirect("/login", 303);
  });
  api.get("/", [](const Request&, Response& res) { res.set_redirect("/board"); });
  // Browsers ask for it with every page: answered, not a counted 404.
  api.get("/favicon.ico", [](const Request&, Response& res) {
    res.status = 204;
    res.set_header("Cache-Control", "max-age=86400");
  });
  api.get("/healthz", [this, &api](const Request&, Response& res) {
    std::string problem = health_ ? health_() : "";
    int64_t stalled = steadyClockMs() - engine_.lastLoopSteadyMs();
    if (problem.empty() && stalled > kWriterStallMs) {
      problem = "the writer thread has not made progress for " + std::to_string(stalled) + " ms";
    }
    if (!problem.empty())
      return api.reply(res, 503,
                       Json{{"status", "unhealthy"}, {"problem", problem}, {"code", "unhealthy"}});
    api.reply(res, 200, Json{{"status", "ok"}, {"code", identity_.code}});
  });
  api.get("/metrics", [this](const Request&, Response& res) {
    std::string out = metrics_.render();
    const int64_t now = this->now();
    std::vector<LinkInfo> links = engine_.links();
    out +=
        "# HELP govbus_link_up Whether a link is connected with hellos exchanged (1) or not (0).\n"
        "# TYPE govbus_link_up gauge\n";
    for (const LinkInfo& l : links) {
      std::string labels =
          metricLabel("peer", l.code) + "," +
          metricLabel("direction",
                      l.direction == PeerDirection::kUpstream ? "upstream" : "downstream");
      out += "govbus_link_up{" + labels + "} " + (l.ready ? "1" : "0") + "\n";
    }
    // One gauge per link, labelled by peer.
    auto perLink = [&](const char* name, const char* help, auto value) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n";
      for (const LinkInfo& l : links)
        out += std::string(name) + "{" + metricLabel("peer", l.code) + "} " +
               std::to_string(value(l)) + "\n";
    };
    perLink("govbus_link_lag_records", "Records in a peer's scope it is not known to hold.",
            [](const LinkInfo& l) { return l.lagRecords; });
    perLink("govbus_link_lag_seconds", "How long a peer has been behind (0 when in sync).",
            [now](const LinkInfo& l) -> int64_t {
              return l.behindSinceMs > 0 ? (now - l.behindSinceMs) / 1000 : 0;
            });
    perLink("govbus_link_inflight_records", "Records sent to a peer and not yet acknowledged.",
            [](const LinkInfo& l) { return l.inflightRecords; });
    if (!identity_.isRoot()) {
      UpstreamStatus u = transport_.upstreamStatus();
      out +=
          "# HELP govbus_upstream_connected Whether this node is connected to an upstream, and "
          "which.\n"
          "# TYPE govbus_upstream_connected gauge\n";
      out += "govbus_upstream_connected{" + metricLabel("peer", u.code) + "," +
             metricLabel("fallback", u.fallback ? "1" : "0") + "} " +
             (u.state == "connected" ? "1" : "0") + "\n";
    }
    if (auto view = engine_.store().beginRead()) {
      std::map<std::string, uint64_t> voids;
      (void)StateEngine::forEachVoid(**view, [&](const RecordRef&, VoidReason r) {
        ++voids[std::string(voidReasonName(r))];
        return true;
      });
      out +=
          "# HELP govbus_void_records Stored records that are void, by reason.\n"
          "# TYPE govbus_void_records gauge\n";
      for (const auto& [reason, n] : voids) {
        out += "govbus_void_records{" + metricLabel("reason", reason) + "} " + std::to_string(n) +
               "\n";
      }
      if (auto heads = (*view)->heads()) {
        uint64_t records = 0;
        for (const auto& [author, head] : *heads) records += head.seq;
        out += "# HELP govbus_feeds Feeds this node stores.\n# TYPE govbus_feeds gauge\n";
        out += "govbus_feeds " + std::to_string(heads->size()) + "\n";
        out +=
            "# HELP govbus_records_stored Records this node stores.\n# TYPE govbus_records_stored "
            "gauge\n";
        out += "govbus_records_stored " + std::to_string(records) + "\n";
      }
      if (auto pending = (*view)->pendingCount()) {
        out +=
            "# HELP govbus_pending_records Records waiting for a predecessor.\n"
            "# TYPE govbus_pending_records gauge\n";
        out += "govbus_pending_records " + std::to_string(*pending) + "\n";
      }
    }
    if (auto usage = engine_.storeUsage()) {
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%.6f", usage->usedRatio);
      out +=
          "# HELP govbus_store_map_used_ratio Share of the LMDB map (store.map_size_mb) in use; "
          "the node warns from 0.8 and stores nothing more at 1.\n"
          "# TYPE govbus_store_map_used_ratio gauge\n";
      out += std::string("govbus_store_map_used_ratio ") + ratio + "\n";
    }
    res.set_content(out, "text/plain; version=0.0.4");
  });

  api.get("/v1", [this, &api](const Request&, Response& res) {
    Json list = Json::array();
    for (const ApiRoute& r : routes_) list.push_back(Json{{"method", r.method}, {"path", r.path}});
    api.reply(res, 200, Json{{"routes", list}, {"reference", "docs/API.md"}});
  });
}

}  // namespace govbus
