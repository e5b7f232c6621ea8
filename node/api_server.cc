#include "node/api_server.h"

#include <cstdio>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>

#include "node/api_json.h"
#include "node/board_page.h"
#include "node/clock.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"
#include "sync/state_engine.h"
#include "sync/witness_index.h"

namespace govbus {

namespace {

using httplib::Request;
using httplib::Response;

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

int statusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kTooLarge:
    case ErrorCode::kUnknownKind:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kBufferFull:
    case ErrorCode::kExpiredCertificate:
    case ErrorCode::kRevokedKey:
    case ErrorCode::kUnknownSigner:
      return 503;
    case ErrorCode::kBadClock:  // this node's own clock went back: retry once it is fixed
      return 503;
    case ErrorCode::kMapFull:
    case ErrorCode::kQuotaExceeded:
      return 507;
    default:
      return 500;
  }
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + promLabel(value) + "\"";
}

}  // namespace

std::string routePattern(const std::string& documentedPath) {
  std::string pattern;
  for (size_t i = 0; i < documentedPath.size(); ++i) {
    if (documentedPath[i] == '{') {
      const size_t close = documentedPath.find('}', i);
      if (close != std::string::npos) {
        pattern += "([^/]+)";
        i = close;
        continue;
      }
    }
    pattern += documentedPath[i];
  }
  return pattern;
}

ApiServer::ApiServer(Engine& engine, Transport& transport, Metrics& metrics,
                     const NodeIdentity& identity, ApiOptions options,
                     std::function<std::string()> health)
    : engine_(engine),
      transport_(transport),
      metrics_(metrics),
      identity_(identity),
      options_(std::move(options)),
      health_(std::move(health)),
      server_(std::make_unique<httplib::Server>()) {}

ApiServer::~ApiServer() { stop(); }

int64_t ApiServer::now() const { return wallClockMs() + options_.clockOffsetMs; }

Status ApiServer::start() {
  server_->set_payload_max_length(kMaxApiBodyBytes);
  server_->set_read_timeout(kApiIoTimeoutSeconds, 0);
  server_->set_write_timeout(kApiIoTimeoutSeconds, 0);
  // Headers and body leave in two writes: without this, Nagle holds the body back until the
  // client acknowledges the headers, up to its delayed-ACK timeout (40 ms) per keep-alive request.
  server_->set_tcp_nodelay(true);
  // A write holds its thread until the writer thread has committed it; concurrent writes share
  // one commit (Engine: group commit), so the pool, not the disk, would otherwise cap the write
  // rate at threads / fsync time. Waiting threads cost only their stacks.
  constexpr size_t kApiThreads = 64;
  server_->new_task_queue = [] { return new httplib::ThreadPool(kApiThreads); };
  routes();
  if (!server_->bind_to_port(options_.host, options_.port)) {
    return makeError(ErrorCode::kIo,
                     "cannot serve the API on " + options_.host + ":" +
                         std::to_string(options_.port) +
                         " (address in use or not local?); change 'api' in the config");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return Status::Ok();
}

void ApiServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void ApiServer::routes() {
  httplib::Server& s = *server_;
  // Every POST reads its body here rather than letting httplib do it: httplib refuses a body over
  // 8 KiB whose content type is application/x-www-form-urlencoded (what `curl -d` sends) with a
  // 413 that said "larger than 1 MiB". We take JSON whatever the content type; the 1 MiB bound
  // (set_payload_max_length) still applies to the read. The handler gets a copy of the request
  // with the body filled in; its regex matches still point into the original's path, which lives
  // until the handler returns.
  // Every route is registered under its documented path (docs/API.md), `{name}` standing for one
  // path segment, and listed by GET /v1.
  auto documented = [this](std::string method, const std::string& path) {
    routes_.push_back(ApiRoute{std::move(method), path});
    return routePattern(path);
  };
  auto get = [&s, documented](const std::string& path, httplib::Server::Handler handler) {
    s.Get(documented("GET", path), std::move(handler));
  };
  auto post = [&s, documented](const std::string& path,
                               std::function<void(const Request&, Response&)> handler) {
    s.Post(documented("POST", path),
           [handler = std::move(handler)](const Request& req, Response& res,
                                          const httplib::ContentReader& read) {
             Request withBody = req;
             if (!read([&withBody](const char* data, size_t n) {
                   withBody.body.append(data, n);
                   return true;
                 })) {
               if (res.status < 400) res.status = 400;  // httplib set 413 for an oversized body
               return;
             }
             handler(withBody, res);
           });
  };

  auto reply = [](Response& res, int status, const Json& body) {
    res.status = status;
    res.set_content(dump(body), "application/json");
  };
  auto fail = [this, reply](Response& res, int status, const std::string& message,
                            std::string_view code) {
    metrics_.add(Counter::kApiErrors, std::to_string(status));
    reply(res, status, Json{{"error", message}, {"code", code}});
  };
  auto failWith = [fail](Response& res, const Error& e) {
    fail(res, statusFor(e.code), e.message, errorCodeName(e.code));
  };

  // Writes: token, JSON body, then the payload goes to the writer and we wait for the commit.
  auto authorized = [this, fail](const Request& req, Response& res) {
    const std::string expected = "Bearer " + options_.token;
    if (constantTimeEqual(req.get_header_value("Authorization"), expected)) return true;
    res.set_header("WWW-Authenticate", "Bearer");
    fail(res, 401,
         "writes need 'Authorization: Bearer <token>' with the token in the node's api_token_file",
         "unauthorized");
    return false;
  };
  auto body = [fail](const Request& req, Response& res) -> std::optional<Json> {
    Json j = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      fail(res, 400, "the request body is not valid JSON", "invalid_argument");
      return std::nullopt;
    }
    if (!j.is_object()) {
      fail(res, 400, "the request body must be a JSON object", "invalid_argument");
      return std::nullopt;
    }
    return j;
  };
  auto commit =
      [this, fail, failWith](
          Payload payload) -> std::pair<std::optional<RecordRef>, std::function<void(Response&)>> {
    auto future = engine_.author(std::move(payload));
    if (future.wait_for(std::chrono::milliseconds(kApiWriteTimeoutMs)) !=
        std::future_status::ready) {
      return {std::nullopt, [fail](Response& res) {
                fail(res, 503,
                     "the node did not commit the record within " +
                         std::to_string(kApiWriteTimeoutMs / 1000) +
                         " s; it may still be committed — read it back before retrying",
                     "timeout");
              }};
    }
    try {
      Result<RecordRef> r = future.get();
      if (r) return {*r, nullptr};
      Error e = r.error();
      return {std::nullopt, [failWith, e](Response& res) { failWith(res, e); }};
    } catch (const std::future_error&) {
      return {std::nullopt,
              [fail](Response& res) { fail(res, 503, "the node is stopping", "stopping"); }};
    }
  };
  auto write = [authorized, body, reply, failWith, commit](
                   const Request& req, Response& res,
                   const std::function<Result<Payload>(const Json&, const Request&)>& parse) {
    if (!authorized(req, res)) return;
    auto j = body(req, res);
    if (!j) return;
    Result<Payload> payload = parse(*j, req);
    if (!payload) return failWith(res, payload.error());
    auto [ref, error] = commit(std::move(*payload));
    if (!ref) return error(res);
    reply(res, 201, toJson(*ref));
  };
  auto handlerLookup = [this](const std::string& item,
                              const std::string& region) -> Result<std::string> {
    const auto authority = engine_.authority();
    if (authority->item(item) == nullptr) {
      return makeError(ErrorCode::kInvalidArgument,
                       "field 'item': " + item +
                           " is not in the catalog in force on this node (see GET /v1/catalog)");
    }
    return authority->handlerFor(item, region, now());
  };

  const ApplicantKey* applicantKey = options_.applicantKey ? &*options_.applicantKey : nullptr;
  post("/v1/cases/{id}/events",
       [write, handlerLookup, applicantKey](const Request& req, Response& res) {
         write(req, res, [&](const Json& j, const Request& r) -> Result<Payload> {
           GOVBUS_ASSIGN_OR_RETURN(
               CaseEvent e, caseEventFromJson(r.matches[1].str(), j, handlerLookup, applicantKey));
           return Payload(std::move(e));
         });
       });
  post("/v1/complaints", [this, authorized, body, reply, failWith, commit](const Request& req,
                                                                           Response& res) {
    if (!authorized(req, res)) return;
    auto j = body(req, res);
    if (!j) return;
    static std::atomic<uint64_t> counter{0};  // only makes generated ids unique within a run
    std::string id = identity_.code + "-" + std::to_string(now()) + "-" + std::to_string(++counter);
    auto c = complaintFromJson(*j, id);
    if (!c) return failWith(res, c.error());
    const std::string complaintId = c->complaintId;
    auto [ref, error] = commit(Payload(std::move(*c)));
    if (!ref) return error(res);
    // The caller needs the id for updates, and it may have been generated here.
    Json out = toJson(*ref);
    out["complaint_id"] = complaintId;
    reply(res, 201, out);
  });
  post("/v1/complaints/{id}/updates", [write](const Request& req, Response& res) {
    write(req, res, [&](const Json& j, const Request& r) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(ComplaintUpdate u, complaintUpdateFromJson(r.matches[1].str(), j));
      return Payload(std::move(u));
    });
  });
  post("/v1/catalog",
       [authorized, body, reply, failWith, commit](const Request& req, Response& res) {
         if (!authorized(req, res)) return;
         auto j = body(req, res);
         if (!j) return;
         auto items = catalogFromJson(*j);
         if (!items) return failWith(res, items.error());
         Json committed = Json::array();
         for (size_t i = 0; i < items->size(); ++i) {
           auto [ref, error] = commit(Payload((*items)[i]));
           if (!ref) {
             // Items are independent records: the ones before stay committed, and the answer says
             // so.
             error(res);
             Json partial = Json::parse(res.body, nullptr, false);
             if (!partial.is_discarded()) {
               partial["index"] = i;
               partial["committed"] = committed;
               res.set_content(dump(partial), "application/json");
             }
             return;
           }
           committed.push_back(toJson(*ref));
         }
         reply(res, 201, Json{{"records", committed}});
       });
  post("/v1/delegations", [this, write](const Request& req, Response& res) {
    write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(Delegation d, delegationFromJson(j, now()));
      return Payload(std::move(d));
    });
  });
  post("/v1/delegations/revoke", [write](const Request& req, Response& res) {
    write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(DelegationRevocation r, delegationRevocationFromJson(j));
      return Payload(std::move(r));
    });
  });
  post("/v1/orders", [this, write](const Request& req, Response& res) {
    write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
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
  post("/v1/key-revocations", [this, write](const Request& req, Response& res) {
    write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
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
  post("/v1/calendar", [write](const Request& req, Response& res) {
    write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(WorkingCalendar c, calendarFromJson(j));
      return Payload(std::move(c));
    });
  });
  post("/v1/settings", [write](const Request& req, Response& res) {
    write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(ProvinceSetting p, settingFromJson(j));
      return Payload(std::move(p));
    });
  });
  post("/v1/enrollments", [write](const Request& req, Response& res) {
    write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(SignedCertificate c, enrollmentFromJson(j));
      return Payload(std::move(c));
    });
  });

  // --- reads ---
  // Cases carry applicant data (the applicant's hash, materials, notes): the read token or the
  // write token opens them, even on loopback, where other local users may be.
  auto mayReadCases = [this, fail](const Request& req, Response& res) {
    const std::string given = req.get_header_value("Authorization");
    if (constantTimeEqual(given, "Bearer " + options_.token) ||
        (!options_.readToken.empty() && constantTimeEqual(given, "Bearer " + options_.readToken)))
      return true;
    res.set_header("WWW-Authenticate", "Bearer");
    fail(res, 401,
         "case reads need 'Authorization: Bearer <token>' with the token in the node's "
         "api_read_token_file (or api_token_file)",
         "unauthorized");
    return false;
  };
  get("/v1/cases/{id}", [this, reply, failWith, fail, mayReadCases](const Request& req,
                                                                    Response& res) {
    if (!mayReadCases(req, res)) return;
    const std::string id = req.matches[1].str();
    auto view = engine_.store().beginRead();
    if (!view) return failWith(res, view.error());
    auto summary = StateEngine::caseSummary(**view, id);
    if (!summary) return failWith(res, summary.error());
    if (!*summary) return fail(res, 404, "case " + id + " is not known to this node", "not_found");
    const auto authority = engine_.authority();
    Json out = toJson(**summary);
    out["deadline"] = toJson(deadlineAt(**summary, now(), authority->calendar()));
    const int64_t tolerance = authority->setting(kWitnessToleranceSetting);
    // Whether the author said it was cut off from its upstream while the event waited: an
    // outage tells a late report from a backdating.
    for (Json& f : out["flagged_times"]) {
      const std::string author = f["record"]["author"].get<std::string>();
      const int64_t claimed = f["claimed_ms"].get<int64_t>(),
                    seen = f["witnessed_ms"].get<int64_t>();
      Json outages = Json::array();
      Status st = witness::forEachOutage(**view, author, [&](const LinkOutage& o) {
        if (o.fromMs <= seen && o.untilMs >= claimed)
          outages.push_back(Json{{"peer", o.peer}, {"from_ms", o.fromMs}, {"until_ms", o.untilMs}});
        return true;
      });
      if (!st) return failWith(res, st.error());
      f["outages"] = std::move(outages);
    }
    auto refs = StateEngine::caseRecords(**view, id);
    if (!refs) return failWith(res, refs.error());
    Json records = Json::array();
    for (const RecordRef& ref : *refs) {
      auto raw = (*view)->record(ref.author, ref.seq);
      if (!raw || !*raw) continue;
      auto signedRecord = decodeSignedRecord(**raw);
      if (!signedRecord) continue;
      auto record = decodeRecordBody(signedRecord->body);
      if (!record) continue;
      auto verdict = StateEngine::verdict(**view, ref);
      Json r = caseRecordJson(ref, *record, verdict ? voidReasonName(*verdict) : "unknown");
      auto witnessed = witness::earliest(**view, ref.author, ref.seq, *authority);
      if (!witnessed) return failWith(res, witnessed.error());
      r["witnessed_at_ms"] = *witnessed == 0 ? Json(nullptr) : Json(*witnessed);
      const int64_t late = *witnessed == 0 ? 0 : *witnessed - record->envelope.wallTimeMs;
      r["reported_late_ms"] = late;
      r["reported_late"] = late > tolerance;
      r["future_dated"] = -late > tolerance;
      records.push_back(std::move(r));
    }
    out["records"] = std::move(records);
    reply(res, 200, out);
  });
  get("/v1/cases", [this, reply, failWith, fail, mayReadCases](const Request& req, Response& res) {
    if (!mayReadCases(req, res)) return;
    const bool overdue =
        req.get_param_value("overdue") == "1" || req.get_param_value("overdue") == "true";
    const bool late = req.get_param_value("late") == "1" || req.get_param_value("late") == "true";
    const std::string region = req.get_param_value("region");
    const std::string card = req.get_param_value("card");
    std::optional<DivisionCode> within;
    if (!region.empty()) {
      auto parsed = DivisionCode::parse(region);
      if (!parsed)
        return fail(res, 400, "parameter 'region': " + parsed.error().message, "invalid_argument");
      within = *parsed;
    }
    if (!card.empty() && card != "green" && card != "yellow" && card != "red" && card != "none") {
      return fail(res, 400, "parameter 'card' must be green, yellow, red or none",
                  "invalid_argument");
    }
    size_t limit = kDefaultListedCases;
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      const bool digits =
          !text.empty() && text.size() <= 9 &&
          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || std::stoul(text) == 0) {
        return fail(res, 400,
                    "parameter 'limit' must be a whole number from 1 (at most " +
                        std::to_string(kMaxListedCases) + " are listed)",
                    "invalid_argument");
      }
      limit = std::min<size_t>(std::stoul(text), kMaxListedCases);
    }
    auto view = engine_.store().beginRead();
    if (!view) return failWith(res, view.error());
    const int64_t now = this->now();
    const auto authority = engine_.authority();
    Json cases = Json::array();
    bool truncated = false;
    Status st = StateEngine::forEachCase(**view, [&](const CaseSummary& c) {
      if (within) {
        auto r = DivisionCode::parse(c.region);
        if (!r || !within->containsOrEquals(*r)) return true;
      }
      Deadline d = deadlineAt(c, now, authority->calendar());
      if (overdue && d.card != Card::kRed && !d.pastLegal) return true;
      if (late && c.flaggedTimes.empty()) return true;
      if (!card.empty() && cardName(d.card) != card) return true;
      if (cases.size() == limit) {
        truncated = true;
        return false;
      }
      Json e = toJson(c);
      e["deadline"] = toJson(d);
      cases.push_back(std::move(e));
      return true;
    });
    if (!st) return failWith(res, st.error());
    reply(res, 200, Json{{"cases", cases}, {"truncated", truncated}, {"now_ms", now}});
  });
  get("/v1/authority", [this, reply, fail](const Request& req, Response& res) {
    const std::string item = req.get_param_value("item");
    const std::string region = req.get_param_value("region");
    if (item.empty()) return fail(res, 400, "parameter 'item' is required", "invalid_argument");
    if (Status c = checkCode(region, "region"); !c) {
      return fail(
          res, 400,
          "parameter 'region': " + std::string(region.empty() ? "required" : c.error().message),
          "invalid_argument");
    }
    reply(res, 200, toJson(engine_.authority()->explain(item, region, now())));
  });
  get("/v1/catalog", [this, reply](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json items = Json::array();
    for (const auto& [code, entry] : authority->catalog()) items.push_back(toJson(entry));
    reply(res, 200, Json{{"items", items}});
  });
  get("/v1/calendar", [this, reply](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json years = Json::array();
    for (const auto& [year, ref] : authority->calendarRecords()) {
      const YearCalendar* y = authority->calendar().year(year);
      Json holidays = Json::array(), workdays = Json::array();
      for (DayNumber d : y->holidays) holidays.push_back(isoDate(d));
      for (DayNumber d : y->workdays) workdays.push_back(isoDate(d));
      years.push_back(Json{
          {"year", year}, {"holidays", holidays}, {"workdays", workdays}, {"record", toJson(ref)}});
    }
    reply(res, 200, Json{{"years", years}});
  });
  get("/v1/settings", [this, reply](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json settings = Json::array();
    for (const SettingSpec& spec : knownSettings()) {
      auto it = authority->settings().find(spec.name);
      settings.push_back(
          Json{{"name", spec.name},
               {"value", authority->setting(spec.name)},
               {"default", spec.defaultValue},
               {"min", spec.min},
               {"max", spec.max},
               {"record",
                it == authority->settings().end() ? Json(nullptr) : toJson(it->second.second)}});
    }
    reply(res, 200, Json{{"settings", settings}});
  });
  get("/v1/supervision", [this, reply, failWith](const Request&, Response& res) {
    auto view = engine_.store().beginRead();
    if (!view) return failWith(res, view.error());
    auto authority = engine_.authority();
    auto board = supervisionView(**view, *authority, identity_.code, now());
    if (!board) return failWith(res, board.error());
    reply(res, 200, toJson(*board));
  });
  get("/v1/peers", [this, reply](const Request&, Response& res) {
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
    reply(res, 200, out);
  });
  get("/v1/status", [this, reply, failWith](const Request&, Response& res) {
    auto view = engine_.store().beginRead();
    if (!view) return failWith(res, view.error());
    auto heads = (*view)->heads();
    if (!heads) return failWith(res, heads.error());
    auto digest = StateEngine::digest(**view);
    if (!digest) return failWith(res, digest.error());
    auto pending = (*view)->pendingCount();
    auto forks = (*view)->forks();
    std::map<std::string, uint64_t> voids;
    uint64_t voidTotal = 0;
    Status st = StateEngine::forEachVoid(**view, [&](const RecordRef&, VoidReason r) {
      ++voids[std::string(voidReasonName(r))];
      ++voidTotal;
      return true;
    });
    if (!st) return failWith(res, st.error());
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
    reply(res, 200,
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
  get("/v1/feeds", [this, reply, failWith](const Request& req, Response& res) {
    auto view = engine_.store().beginRead();
    if (!view) return failWith(res, view.error());
    auto heads = (*view)->heads();
    if (!heads) return failWith(res, heads.error());
    const std::string only = req.get_param_value("author");
    Json feeds = Json::object();
    for (const auto& [author, head] : *heads) {
      if (!only.empty() && author != only) continue;
      feeds[author] = Json{{"seq", head.seq}, {"id", toHex(head.id)}};
    }
    reply(res, 200, Json{{"feeds", feeds}});
  });
  get("/v1/tree", [this, reply](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json nodes = Json::array();
    nodes.push_back(Json{{"code", authority->root()},
                         {"name", authority->nameOf(authority->root())},
                         {"parent", nullptr}});
    for (const auto& [child, parent] : authority->parents()) {
      nodes.push_back(
          Json{{"code", child}, {"name", authority->nameOf(child)}, {"parent", parent}});
    }
    reply(res, 200, Json{{"root", authority->root()}, {"nodes", nodes}});
  });
  get("/v1/delegations", [this, reply](const Request&, Response& res) {
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
    reply(res, 200, Json{{"delegations", list}});
  });
  // The supervision board: a static page that reads the three GETs above and /v1/supervision.
  get("/board", [](const Request&, Response& res) {
    res.set_content(std::string(boardPageHtml()), "text/html; charset=utf-8");
  });
  get("/", [](const Request&, Response& res) { res.set_redirect("/board"); });
  get("/healthz", [this, reply](const Request&, Response& res) {
    std::string problem = health_ ? health_() : "";
    int64_t stalled = steadyClockMs() - engine_.lastLoopSteadyMs();
    if (problem.empty() && stalled > kWriterStallMs) {
      problem = "the writer thread has not made progress for " + std::to_string(stalled) + " ms";
    }
    if (!problem.empty())
      return reply(res, 503,
                   Json{{"status", "unhealthy"}, {"problem", problem}, {"code", "unhealthy"}});
    reply(res, 200, Json{{"status", "ok"}, {"code", identity_.code}});
  });
  get("/metrics", [this](const Request&, Response& res) {
    std::string out = metrics_.render();
    const int64_t now = this->now();
    std::vector<LinkInfo> links = engine_.links();
    out +=
        "# HELP govbus_link_up Whether a link is connected with hellos exchanged (1) or not (0).\n"
        "# TYPE govbus_link_up gauge\n";
    for (const LinkInfo& l : links) {
      std::string labels =
          label("peer", l.code) + "," +
          label("direction", l.direction == PeerDirection::kUpstream ? "upstream" : "downstream");
      out += "govbus_link_up{" + labels + "} " + (l.ready ? "1" : "0") + "\n";
    }
    out +=
        "# HELP govbus_link_lag_records Records in a peer's scope it is not known to hold.\n"
        "# TYPE govbus_link_lag_records gauge\n";
    for (const LinkInfo& l : links) {
      out += "govbus_link_lag_records{" + label("peer", l.code) + "} " +
             std::to_string(l.lagRecords) + "\n";
    }
    out +=
        "# HELP govbus_link_lag_seconds How long a peer has been behind (0 when in sync).\n"
        "# TYPE govbus_link_lag_seconds gauge\n";
    for (const LinkInfo& l : links) {
      int64_t lag = l.behindSinceMs > 0 ? (now - l.behindSinceMs) / 1000 : 0;
      out += "govbus_link_lag_seconds{" + label("peer", l.code) + "} " + std::to_string(lag) + "\n";
    }
    out +=
        "# HELP govbus_link_inflight_records Records sent to a peer and not yet acknowledged.\n"
        "# TYPE govbus_link_inflight_records gauge\n";
    for (const LinkInfo& l : links) {
      out += "govbus_link_inflight_records{" + label("peer", l.code) + "} " +
             std::to_string(l.inflightRecords) + "\n";
    }
    if (!identity_.isRoot()) {
      UpstreamStatus u = transport_.upstreamStatus();
      out +=
          "# HELP govbus_upstream_connected Whether this node is connected to an upstream, and "
          "which.\n"
          "# TYPE govbus_upstream_connected gauge\n";
      out += "govbus_upstream_connected{" + label("peer", u.code) + "," +
             label("fallback", u.fallback ? "1" : "0") + "} " +
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
        out += "govbus_void_records{" + label("reason", reason) + "} " + std::to_string(n) + "\n";
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

  get("/v1", [this, reply](const Request&, Response& res) {
    Json list = Json::array();
    for (const ApiRoute& r : routes_) list.push_back(Json{{"method", r.method}, {"path", r.path}});
    reply(res, 200, Json{{"routes", list}, {"reference", "docs/API.md"}});
  });

  s.set_exception_handler([this](const Request& req, Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("API {} {} failed: {}", req.method, req.path, what);
    metrics_.add(Counter::kApiErrors, "500");
    res.status = 500;
    res.set_content(dump(Json{{"error", "internal error: " + what}, {"code", "internal"}}),
                    "application/json");
  });
  s.set_error_handler([this](const Request& req, Response& res) {
    if (!res.body.empty()) return;
    metrics_.add(Counter::kApiErrors, std::to_string(res.status));
    std::string message = "request refused", code = "invalid_argument";
    if (res.status == 404) {
      message =
          "no such endpoint: " + req.method + " " + req.path + " (GET /v1 lists the endpoints)";
      code = "not_found";
    } else if (res.status == 413) {
      message = "request body larger than " + std::to_string(kMaxApiBodyBytes) + " bytes";
      code = "too_large";
    } else if (res.status >= 500) {
      code = "internal";
    }
    res.set_content(dump(Json{{"error", message}, {"code", code}}), "application/json");
  });
}

}  // namespace govbus
