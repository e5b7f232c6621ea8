// Cases (办件): a case event written by the window's software, one case with its records, and the
// case list with its filters.
#include "node/api_server.h"

#include <atomic>
#include <map>
#include <optional>

#include "node/api_routes.h"
#include "node/clock.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"
#include "sync/state_engine.h"
#include "sync/witness_index.h"

namespace govbus {

void ApiServer::caseRoutes(ApiRoutes& api) {
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
  api.post("/v1/cases/{id}/events",
           [&api, handlerLookup, applicantKey](const Request& req, Response& res) {
             api.write(req, res, [&](const Json& j, const Request& r) -> Result<Payload> {
               GOVBUS_ASSIGN_OR_RETURN(CaseEvent e, caseEventFromJson(r.matches[1].str(), j,
                                                                      handlerLookup, applicantKey));
               return Payload(std::move(e));
             });
           });
  api.get("/v1/cases/{id}", [this, &api](const Request& req, Response& res) {
    if (!api.mayReadCases(req, res)) return;
    const std::string id = req.matches[1].str();
    auto view = engine_.store().beginRead();
    if (!view) return api.failWith(res, view.error());
    auto summary = StateEngine::caseSummary(**view, id);
    if (!summary) return api.failWith(res, summary.error());
    if (!*summary)
      return api.fail(res, 404, "case " + id + " is not known to this node", "not_found");
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
      if (!st) return api.failWith(res, st.error());
      f["outages"] = std::move(outages);
    }
    auto refs = StateEngine::caseRecords(**view, id);
    if (!refs) return api.failWith(res, refs.error());
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
      if (!witnessed) return api.failWith(res, witnessed.error());
      r["witnessed_at_ms"] = *witnessed == 0 ? Json(nullptr) : Json(*witnessed);
      const int64_t late = *witnessed == 0 ? 0 : *witnessed - record->envelope.wallTimeMs;
      r["reported_late_ms"] = late;
      r["reported_late"] = late > tolerance;
      r["future_dated"] = -late > tolerance;
      records.push_back(std::move(r));
    }
    out["records"] = std::move(records);
    api.reply(res, 200, out);
  });
  api.get("/v1/cases", [this, &api](const Request& req, Response& res) {
    if (!api.mayReadCases(req, res)) return;
    const bool overdue =
        req.get_param_value("overdue") == "1" || req.get_param_value("overdue") == "true";
    const bool late = req.get_param_value("late") == "1" || req.get_param_value("late") == "true";
    const std::string region = req.get_param_value("region");
    const std::string card = req.get_param_value("card");
    std::optional<DivisionCode> within;
    if (!region.empty()) {
      auto parsed = DivisionCode::parse(region);
      if (!parsed)
        return api.fail(res, 400, "parameter 'region': " + parsed.error().message,
                        "invalid_argument");
      within = *parsed;
    }
    if (!card.empty() && card != "green" && card != "yellow" && card != "red" && card != "none") {
      return api.fail(res, 400, "parameter 'card' must be green, yellow, red or none",
                      "invalid_argument");
    }
    size_t limit = kDefaultListedCases;
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      const bool digits =
          !text.empty() && text.size() <= 9 &&
          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || std::stoul(text) == 0) {
        return api.fail(res, 400,
                        "parameter 'limit' must be a whole number from 1 (at most " +
                            std::to_string(kMaxListedCases) + " are listed)",
                        "invalid_argument");
      }
      limit = std::min<size_t>(std::stoul(text), kMaxListedCases);
    }
    auto view = engine_.store().beginRead();
    if (!view) return api.failWith(res, view.error());
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
    if (!st) return api.failWith(res, st.error());
    api.reply(res, 200, Json{{"cases", cases}, {"truncated", truncated}, {"now_ms", now}});
  });
}

}  // namespace govbus
