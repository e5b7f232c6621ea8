// govbus-admin commands that work through a running node's API: catalog, delegations, authority,
// cases, supervision (declared in admin/admin_commands.h).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "admin/admin_commands.h"
#include "admin/calendar_file.h"
#include "admin/catalog_file.h"
#include "admin/node_api.h"
#include "admin/progress.h"
#include "base/civil_date.h"
#include "protocol/division_code.h"
#include "protocol/limits.h"
#include "sync/working_days.h"

namespace govbus::admin {

namespace {

using Json = nlohmann::json;

Error refused(const std::string& message) {
  return makeError(ErrorCode::kInvalidArgument, message);
}

void printJson(const Json& j) {
  std::printf("%s\n", j.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t num(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

bool flag(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// {"author": "430000", "seq": 14} → "430000#14".
std::string refText(const Json& ref) {
  if (!ref.is_object()) return "-";
  return str(ref, "author") + "#" + std::to_string(num(ref, "seq"));
}

// Times are shown in China Standard Time (UTC+8), the time deadlines are counted in, whatever the
// machine's time zone.
std::string localTime(int64_t ms) {
  if (ms <= 0) return "-";
  const DayNumber day = dayOf(ms);
  const int64_t s = (ms - dayStartMs(day)) / 1000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s %02lld:%02lld:%02lld", isoDate(day).c_str(),
                static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
                static_cast<long long>(s % 60));
  return buf;
}

// A due date: the end of its last counted day reads "YYYY-MM-DD 24:00"; "*" marks a provisional
// one (a year without a published calendar was counted Monday to Friday).
std::string dueText(const Json& deadline) {
  const int64_t ms = num(deadline, "due_at_ms");
  if (ms <= 0) return "-";
  const DayNumber day = dayOf(ms);
  std::string out = ms == dayStartMs(day) ? isoDate(day - 1) + " 24:00" : localTime(ms);
  return flag(deadline, "provisional") ? out + " *" : out;
}

std::string days(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(ms) / 86'400'000.0);
  return buf;
}

// The node's own code (GET /v1/status).
Result<std::string> codeOf(const NodeApi& api) {
  GOVBUS_ASSIGN_OR_RETURN(Json st, api.get("/v1/status"));
  std::string code = str(st, "code");
  if (code.empty()) return makeError(ErrorCode::kIo, "the node's /v1/status names no code");
  return code;
}

Json itemJson(const CatalogItem& item) {
  return Json{{"code", item.code},
              {"name", item.name},
              {"level", levelNameFromDepth(item.statutoryDepth)},
              {"legal_days", item.legalDays},
              {"promised_days", item.promisedDays},
              {"delegable", item.delegable},
              {"materials", item.materials},
              {"limit_unit", limitUnitName(item.limitUnit)}};
}

bool sameItem(const Json& published, const Json& wanted) {
  for (const char* key :
       {"name", "level", "legal_days", "promised_days", "delegable", "materials", "limit_unit"}) {
    if (!published.contains(key) || published[key] != wanted[key]) return false;
  }
  return true;
}

// Prints every problem and returns the error that ends the command.
Error reportProblems(const std::filesystem::path& file, const std::vector<CatalogProblem>& problems,
                     bool json) {
  std::set<std::string> rows;
  for (const CatalogProblem& p : problems) rows.insert(p.location());
  if (json) {
    Json list = Json::array();
    for (const CatalogProblem& p : problems) {
      Json e{{"where", p.location()}, {"field", p.field}, {"rule", p.rule}};
      if (p.line > 0) e["line"] = p.line;
      list.push_back(std::move(e));
    }
    printJson(Json{{"file", file.string()}, {"published", 0}, {"problems", list}});
  } else {
    for (const CatalogProblem& p : problems) {
      std::fprintf(stderr, "%s: %s, %s: %s\n", file.c_str(), p.location().c_str(), p.field.c_str(),
                   p.rule.c_str());
    }
  }
  return refused(file.string() + ": " + std::to_string(problems.size()) + " problem" +
                 (problems.size() == 1 ? "" : "s") + " in " + std::to_string(rows.size()) +
                 (rows.size() == 1 ? " row" : " rows") +
                 "; nothing was published. Fix them and run the command again.");
}

// "YYYY-MM-DD" → the first millisecond after that day, local time.
Result<int64_t> endOfDayMs(const std::string& date) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(date.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || date.size() != 10) {
    return refused("--until " + date + ": give a date as YYYY-MM-DD, e.g. 2026-12-31");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_isdst = -1;
  std::tm check = tm;
  if (std::mktime(&check) == -1 || check.tm_year != y - 1900 || check.tm_mon != m - 1 ||
      check.tm_mday != d) {
    return refused("--until " + date + ": no such date");
  }
  tm.tm_mday += 1;
  std::time_t next = std::mktime(&tm);
  if (next == -1) return refused("--until " + date + ": no such date");
  int64_t ms = static_cast<int64_t>(next) * 1000;
  if (ms <= static_cast<int64_t>(std::time(nullptr)) * 1000) {
    return refused("--until " + date + " is in the past: a delegation must end after it starts");
  }
  return ms;
}

Result<NodeApi> apiFor(const NodeQueryOptions& o, bool needToken) {
  return NodeApi::fromDir(o.dir.empty() ? std::filesystem::path(".") : o.dir, needToken);
}

std::string dirText(const NodeQueryOptions& o) { return o.dir.empty() ? "." : o.dir.string(); }

}  // namespace

// --- catalog ----------------------------------------------------------------------------------

Status catalogPublish(const CatalogPublishOptions& o) {
  // Every row is checked before the node is even looked at: a bad file needs no running node.
  GOVBUS_ASSIGN_OR_RETURN(CatalogFile file, readCatalogFile(o.file));
  if (!file.ok()) return reportProblems(o.file, file.problems, o.json);
  if (o.dryRun) {
    if (o.json) {
      printJson(Json{{"file", o.file.string()}, {"items", file.rows.size()}, {"published", 0}});
    } else {
      std::printf("%s: %zu items, all valid (--dry-run: nothing published)\n", o.file.c_str(),
                  file.rows.size());
    }
    return Status::Ok();
  }

  NodeQueryOptions node{o.dir, o.json};
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(node, true));
  GOVBUS_ASSIGN_OR_RETURN(Json peers, api.get("/v1/peers"));
  const std::string code = str(peers, "code");
  if (peers.contains("upstream") && !peers["upstream"].is_null()) {
    return refused("node " + code + " (" + dirText(node) +
                   ") is not the province: only the root node authors catalog items. Run this "
                   "with --dir of the province's node directory.");
  }
  GOVBUS_ASSIGN_OR_RETURN(Json current, api.get("/v1/catalog"));
  std::map<std::string, Json> inForce;
  for (const Json& e : current.value("items", Json::array())) inForce[str(e, "code")] = e;

  // New items are inserted, changed ones updated, identical ones skipped (so a second run of the
  // same file publishes nothing). An update may not raise the statutory level (不得上收): that is
  // a bad row too, reported before anything is published.
  Json inserts = Json::array(), updates = Json::array();
  std::vector<CatalogProblem> problems;
  size_t unchanged = 0;
  for (const CatalogRow& row : file.rows) {
    Json wanted = itemJson(row.item);
    auto it = inForce.find(row.item.code);
    if (it == inForce.end()) {
      inserts.push_back(wanted);
      continue;
    }
    if (sameItem(it->second, wanted)) {
      ++unchanged;
      continue;
    }
    auto was = depthFromLevelName(str(it->second, "level"));
    if (was && row.item.statutoryDepth < *was) {
      problems.push_back({row.line, row.index, row.line > 0 ? "statutory_level" : "level",
                          "the catalog has " + row.item.code + " at " + str(it->second, "level") +
                              " level (record " + refText(it->second["record"]) +
                              "); an update may lower the level but never raise it to " +
                              std::string(levelNameFromDepth(row.item.statutoryDepth)) +
                              " (不得上收)"});
      continue;
    }
    wanted["op"] = "update";
    updates.push_back(wanted);
  }
  if (!problems.empty()) return reportProblems(o.file, problems, o.json);

  Json all = inserts;
  for (const Json& u : updates) all.push_back(u);
  Json records = Json::array();
  // One line on a terminal while the batches go out (a whole province's catalog is thousands of
  // items, one committed batch of kMaxListItems at a time); nothing in scripts.
  Progress progress("publishing " + o.file.filename().string(), "items", all.size());
  for (size_t start = 0; start < all.size(); start += kMaxListItems) {
    progress.update(start);
    Json batch = Json::array();
    for (size_t i = start; i < std::min(all.size(), start + kMaxListItems); ++i)
      batch.push_back(all[i]);
    Json refusal;
    auto r = api.post("/v1/catalog", Json{{"items", batch}}, &refusal);
    if (!r) {
      size_t done = records.size() + refusal.value("committed", Json::array()).size();
      std::string which;
      if (refusal.contains("index") && refusal["index"].is_number_unsigned()) {
        size_t at = start + refusal["index"].get<size_t>();
        if (at < all.size()) which = " at item " + str(all[at], "code");
      }
      return makeError(r.error().code,
                       "published " + std::to_string(done) + " of " + std::to_string(all.size()) +
                           " items; the node stopped" + which + ": " + r.error().message +
                           ". Fix it and run the command again (published items are skipped).");
    }
    for (const Json& ref : r->value("records", Json::array())) records.push_back(refText(ref));
  }
  progress.finish();

  if (o.json) {
    printJson(Json{{"file", o.file.string()},
                   {"node", code},
                   {"published", records.size()},
                   {"inserted", inserts.size()},
                   {"updated", updates.size()},
                   {"unchanged", unchanged},
                   {"records", records}});
    return Status::Ok();
  }
  std::printf("%s: %zu items, all valid\n", o.file.c_str(), file.rows.size());
  if (records.empty()) {
    std::printf("nothing to publish: all %zu items are already in force on %s\n", unchanged,
                code.c_str());
    return Status::Ok();
  }
  std::printf("published %zu item%s on %s (%zu new, %zu changed); %zu already in force\n",
              records.size(), records.size() == 1 ? "" : "s", code.c_str(), inserts.size(),
              updates.size(), unchanged);
  std::printf(
      "every node receives the catalog through replication; check: govbus-admin catalog list "
      "--dir %s\n",
      dirText(node).c_str());
  return Status::Ok();
}

Status catalogList(const NodeQueryOptions& o) {
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o, false));
  GOVBUS_ASSIGN_OR_RETURN(Json catalog, api.get("/v1/catalog"));
  if (o.json) {
    printJson(catalog);
    return Status::Ok();
  }
  const Json items = catalog.value("items", Json::array());
  if (items.empty()) {
    std::printf(
        "the catalog is empty on this node; publish one on the province with:\n"
        "  govbus-admin catalog publish FILE.csv --dir <province dir>\n");
    return Status::Ok();
  }
  std::printf("%-14s %-9s %5s %8s %-13s %-9s %-12s %s\n", "ITEM", "LEVEL", "LEGAL", "PROMISED",
              "UNIT", "DELEGABLE", "RECORD", "NAME");
  for (const Json& e : items) {
    std::printf("%-14s %-9s %5lld %8lld %-13s %-9s %-12s %s\n", str(e, "code").c_str(),
                str(e, "level").c_str(), static_cast<long long>(num(e, "legal_days")),
                static_cast<long long>(num(e, "promised_days")), str(e, "limit_unit").c_str(),
                flag(e, "delegable") ? "yes" : "no", refText(e.value("record", Json())).c_str(),
                str(e, "name").c_str());
  }
  std::printf(
      "%zu items (working_days: 工作日, by the province's calendar; calendar_days: 自然日)\n",
      items.size());
  return Status::Ok();
}

// --- delegations ------------------------------------------------------------------------------

Status delegate(const DelegateOptions& o) {
  if (o.item.empty()) return refused("--item: the catalog item's code is required");
  if (auto to = DivisionCode::parse(o.to); !to) return refused("--to: " + to.error().message);
  int64_t untilMs = 0;
  if (!o.until.empty()) {
    GOVBUS_ASSIGN_OR_RETURN(untilMs, endOfDayMs(o.until));
  }
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, true));
  GOVBUS_ASSIGN_OR_RETURN(std::string self, codeOf(api));
  GOVBUS_ASSIGN_OR_RETURN(
      Json why, api.get("/v1/authority?item=" + urlEncode(o.item) + "&region=" + urlEncode(self)));
  if (why["catalog"].is_null()) {
    return refused("item " + o.item + " is not in the catalog on " + self +
                   " (see govbus-admin catalog list --dir " + dirText(o.node) + ")");
  }
  std::string parent = o.parent;
  bool inferred = false;
  if (parent.empty()) {
    // A node that holds the item only through a delegation re-delegates under it.
    for (const Json& step : why.value("path", Json::array())) {
      if (str(step, "node") != self || !flag(step, "holds") || flag(step, "statutory")) continue;
      const Json chain = step.value("chain", Json::array());
      if (!chain.empty()) {
        parent = refText(chain.back());
        inferred = true;
      }
    }
  }
  Json body{{"item", o.item},
            {"grantee", o.to},
            {"scope", o.subtree ? "subtree" : "node"},
            {"mode", o.devolve ? "devolve" : "entrust"},
            {"may_redelegate", o.redelegate}};
  if (untilMs > 0) body["valid_until_ms"] = untilMs;
  if (!parent.empty()) body["parent"] = parent;
  auto r = api.post("/v1/delegations", body);
  if (!r) {
    if (r.error().code != ErrorCode::kInvalidArgument) return r.error();
    return refused(self + " refused to delegate " + o.item + " to " + o.to + ": " +
                   r.error().message + " (see govbus-admin authority --item " + o.item +
                   " --region " + self + " --dir " + dirText(o.node) + ")");
  }
  const std::string record = refText(*r);
  if (o.node.json) {
    Json out = *r;
    out["record"] = record;
    out["parent"] = parent.empty() ? Json(nullptr) : Json(parent);
    printJson(out);
    return Status::Ok();
  }
  std::printf("%s %s %s (%s) to %s%s%s, %s — record %s\n", self.c_str(),
              o.devolve ? "devolved (下放)" : "entrusted (委托)", o.item.c_str(),
              str(why["catalog"], "name").c_str(), o.to.c_str(),
              o.subtree ? " and its whole subtree" : "",
              o.redelegate ? ", which may re-delegate it" : "",
              o.until.empty() ? "open-ended" : ("through " + o.until).c_str(), record.c_str());
  if (!parent.empty()) {
    std::printf("under delegation %s%s\n", parent.c_str(),
                inferred ? (", which gives " + self + " the item").c_str() : "");
  }
  std::printf("check: govbus-admin authority --item %s --region %s --dir %s\n", o.item.c_str(),
              o.to.c_str(), dirText(o.node).c_str());
  if (o.redelegate) {
    std::printf(
        "%s may re-delegate: govbus-admin delegate --item %s --to <code below %s> --dir "
        "<%s's dir>\n",
        o.to.c_str(), o.item.c_str(), o.to.c_str(), o.to.c_str());
  }
  std::printf("undo: govbus-admin revoke %s --dir %s\n", record.c_str(), dirText(o.node).c_str());
  return Status::Ok();
}

Status revoke(const RevokeOptions& o) {
  if (o.delegation.find('#') == std::string::npos) {
    return refused(
        "the delegation to revoke is AUTHOR#SEQ, e.g. 430000#14 (the record that "
        "`delegate` printed, or a chain entry of `authority`)");
  }
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, true));
  Json body{{"delegation", o.delegation}, {"transfer_pending", o.transferPending}};
  if (!o.reason.empty()) body["reason"] = o.reason;
  auto r = api.post("/v1/delegations/revoke", body);
  if (!r) {
    if (r.error().code != ErrorCode::kInvalidArgument) return r.error();
    std::string hint;
    if (r.error().message.find("revocation_target_unknown") != std::string::npos) {
      hint = ". " + o.delegation +
             " is not a delegation record: only delegations (委托/下放) can be revoked (收回); "
             "authority an item's statutory level (法定层级) gives can never be taken back "
             "(不得上收). See govbus-admin authority --item ITEM --region REGION for the chain";
    }
    return refused("the node refused to revoke " + o.delegation + ": " + r.error().message + hint);
  }
  if (o.node.json) {
    Json out = *r;
    out["record"] = refText(*r);
    printJson(out);
    return Status::Ok();
  }
  std::printf("revoked (收回) delegation %s and every re-delegation under it — record %s\n",
              o.delegation.c_str(), refText(*r).c_str());
  std::printf("%s\n", o.transferPending
                          ? "pending cases move to the handler the revocation leaves in place"
                          : "pending cases stay with their handler (use --transfer-pending to "
                            "move them)");
  return Status::Ok();
}

Status authority(const AuthorityOptions& o) {
  if (o.item.empty()) return refused("--item: the catalog item's code is required");
  if (auto r = DivisionCode::parse(o.region); !r) return refused("--region: " + r.error().message);
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, false));
  GOVBUS_ASSIGN_OR_RETURN(Json x, api.get("/v1/authority?item=" + urlEncode(o.item) +
                                          "&region=" + urlEncode(o.region)));
  if (x["catalog"].is_null() && str(x, "summary").find("not in the catalog") != std::string::npos) {
    return refused("item " + o.item + " is not in the catalog on this node (see govbus-admin " +
                   "catalog list --dir " + dirText(o.node) + ")");
  }
  if (o.node.json) {
    printJson(x);
    return Status::Ok();
  }
  const std::string handler = str(x, "handler");
  std::printf("%s for region %s: %s\n", o.item.c_str(), o.region.c_str(),
              handler.empty() ? "nobody holds it" : ("handled by " + handler).c_str());
  std::printf("  %s\n", str(x, "summary").c_str());
  if (x["catalog"].is_object()) {
    const Json& c = x["catalog"];
    std::printf("catalog: %s (%s level, legal %lld, promised %lld %s, %s; record %s)\n",
                str(c, "name").c_str(), str(c, "level").c_str(),
                static_cast<long long>(num(c, "legal_days")),
                static_cast<long long>(num(c, "promised_days")), str(c, "limit_unit").c_str(),
                flag(c, "delegable") ? "delegable" : "not delegable",
                refText(c.value("record", Json())).c_str());
  }
  const Json path = x.value("path", Json::array());
  if (!path.empty()) std::printf("path from the root (就近办理: the deepest holder handles):\n");
  for (const Json& step : path) {
    const std::string node = str(step, "node");
    std::string how;
    if (flag(step, "statutory")) {
      how = "holds it (statutory level)";
    } else if (flag(step, "holds")) {
      how = "holds it through";
      const Json chain = step.value("chain", Json::array());
      for (size_t i = 0; i < chain.size(); ++i) how += (i ? " → " : " ") + refText(chain[i]);
    } else {
      how = "does not hold it: " + str(step, "why");
    }
    std::printf("  %-8s %s%s\n", node.c_str(), how.c_str(), node == handler ? "   ← handler" : "");
  }
  return Status::Ok();
}

// --- cases ------------------------------------------------------------------------------------

// Every event reported late or future-dated, with the outages its author recorded at the time:
// a late report during an outage is explained; one without is a backdating to look into.
Status printLateEvents(const NodeApi& api, const Json& cases) {
  std::printf("%-16s %-12s %-14s %-19s %-19s %10s  %s\n", "CASE", "EVENT", "RECORD",
              "CLAIMED (UTC+8)", "WITNESSED (UTC+8)", "LATE", "OUTAGE REPORTED");
  size_t events = 0;
  for (const Json& c : cases) {
    GOVBUS_ASSIGN_OR_RETURN(Json detail, api.get("/v1/cases/" + urlEncode(str(c, "case_id"))));
    std::map<std::string, std::string> types;  // "author#seq" → event type
    for (const Json& r : detail.value("records", Json::array()))
      types[refText(r.value("record", Json()))] = str(r, "type");
    for (const Json& f : detail.value("flagged_times", Json::array())) {
      const std::string ref = refText(f.value("record", Json()));
      const int64_t late = num(f, "reported_late_ms");
      char delay[32];
      std::snprintf(delay, sizeof delay, "%s%.1f h", late < 0 ? "-" : "",
                    static_cast<double>(late < 0 ? -late : late) / 3'600'000.0);
      std::string outage = "none";
      for (const Json& out : f.value("outages", Json::array())) {
        outage = "cut off from " + str(out, "peer") + " " + localTime(num(out, "from_ms")) + " – " +
                 localTime(num(out, "until_ms"));
      }
      if (late < 0) outage = "future-dated";
      std::printf("%-16s %-12s %-14s %-19s %-19s %10s  %s\n", str(c, "case_id").c_str(),
                  types[ref].c_str(), ref.c_str(), localTime(num(f, "claimed_ms")).c_str(),
                  localTime(num(f, "witnessed_ms")).c_str(), delay, outage.c_str());
      ++events;
    }
  }
  std::printf(
      "%zu event%s in %zu case%s reported late or future-dated (beyond the province's "
      "witness tolerance)\n",
      events, events == 1 ? "" : "s", cases.size(), cases.size() == 1 ? "" : "s");
  return Status::Ok();
}

Status cases(const CasesOptions& o) {
  std::string query = "/v1/cases?limit=" + std::to_string(o.limit);
  if (o.overdue) query += "&overdue=1";
  if (o.late) query += "&late=1";
  if (!o.region.empty()) {
    if (auto r = DivisionCode::parse(o.region); !r)
      return refused("--region: " + r.error().message);
    query += "&region=" + urlEncode(o.region);
  }
  if (!o.card.empty()) query += "&card=" + urlEncode(o.card);
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, false));
  GOVBUS_ASSIGN_OR_RETURN(Json list, api.get(query));
  if (o.node.json) {
    printJson(list);
    return Status::Ok();
  }
  const Json all = list.value("cases", Json::array());
  if (all.empty()) {
    std::printf("no cases match\n");
    return Status::Ok();
  }
  if (o.late) return printLateEvents(api, all);
  std::printf("%-16s %-12s %-7s %-7s %-18s %-6s %-12s %s\n", "CASE", "ITEM", "REGION", "HANDLER",
              "STATUS", "CARD", "USED/DAYS", "DUE (UTC+8)");
  bool provisional = false;
  for (const Json& c : all) {
    const Json d = c.value("deadline", Json::object());
    std::string used = days(num(d, "used_ms")) + "/" + std::to_string(num(c, "promised_days"));
    std::string status = str(c, "status");
    if (flag(c, "halted")) status += ",halted";
    if (flag(c, "authority_conflict")) status += ",conflict";
    std::printf("%-16s %-12s %-7s %-7s %-18s %-6s %-12s %s\n", str(c, "case_id").c_str(),
                str(c, "item").c_str(), str(c, "region").c_str(), str(c, "handler").c_str(),
                status.c_str(), str(d, "card").c_str(), used.c_str(), dueText(d).c_str());
    provisional = provisional || flag(d, "provisional");
  }
  std::printf("%zu case%s%s\n", all.size(), all.size() == 1 ? "" : "s",
              flag(list, "truncated") ? " (more match: raise --limit)" : "");
  if (provisional) {
    std::printf(
        "* provisional: the promised or legal limit runs into a year whose working-day "
        "calendar is not published yet (counted Monday to Friday there; govbus-admin "
        "calendar publish)\n");
  }
  return Status::Ok();
}

Status caseShow(const CaseShowOptions& o) {
  if (o.id.empty()) return refused("the case id is required");
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, false));
  auto r = api.get("/v1/cases/" + urlEncode(o.id));
  if (!r) {
    if (r.error().code == ErrorCode::kNotFound) {
      return makeError(ErrorCode::kNotFound,
                       r.error().message +
                           " (a node knows the cases of its own subtree and its ancestors' "
                           "orders; ask the handler's node or an ancestor)");
    }
    return r.error();
  }
  const Json& c = *r;
  if (o.node.json) {
    printJson(c);
    return Status::Ok();
  }
  const Json d = c.value("deadline", Json::object());
  std::printf("case %s: %s for region %s, handler %s (received by %s)\n", str(c, "case_id").c_str(),
              str(c, "item").c_str(), str(c, "region").c_str(), str(c, "handler").c_str(),
              str(c, "receiver").c_str());
  std::printf("status %s%s%s, card %s: %s of %lld promised days used, due %s (legal %lld days%s)\n",
              str(c, "status").c_str(), flag(c, "halted") ? " (halted)" : "",
              flag(c, "authority_conflict") ? " (authority conflict)" : "", str(d, "card").c_str(),
              days(num(d, "used_ms")).c_str(), static_cast<long long>(num(c, "promised_days")),
              dueText(d).c_str(), static_cast<long long>(num(c, "legal_days")),
              flag(d, "past_legal") ? ", PAST the legal time" : "");
  std::printf("received %s, accepted %s, ended %s; materials requests %lld, urges %lld\n",
              localTime(num(c, "received_at_ms")).c_str(),
              localTime(num(c, "accepted_at_ms")).c_str(), localTime(num(c, "ended_at_ms")).c_str(),
              static_cast<long long>(num(c, "materials_requests")),
              static_cast<long long>(num(c, "urges")));
  if (flag(c, "denied")) std::printf("denied: %s\n", str(c, "denial_reason").c_str());
  std::printf("records:\n");
  for (const Json& rec : c.value("records", Json::array())) {
    std::string what = rec.value("kind", "") == "supervision_order" ? "order " + str(rec, "order")
                                                                    : str(rec, "type");
    std::string detail;
    for (const char* key : {"text", "reason", "legal_basis", "note", "transfer_to"}) {
      if (!str(rec, key).empty()) detail += std::string(detail.empty() ? "" : "; ") + str(rec, key);
    }
    if (rec.contains("materials") && rec["materials"].is_array() && !rec["materials"].empty()) {
      std::string m;
      for (const Json& x : rec["materials"]) m += (m.empty() ? "" : ";") + x.get<std::string>();
      detail += std::string(detail.empty() ? "" : "; ") + "materials " + m;
    }
    std::printf("  %-12s %s  %-20s %-8s %s\n", refText(rec.value("record", Json())).c_str(),
                localTime(num(rec, "wall_time_ms")).c_str(), what.c_str(),
                str(rec, "verdict").c_str(), detail.c_str());
  }
  return Status::Ok();
}

// --- supervision ------------------------------------------------------------------------------

Status supervision(const NodeQueryOptions& o) {
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o, false));
  GOVBUS_ASSIGN_OR_RETURN(Json v, api.get("/v1/supervision"));
  if (o.json) {
    printJson(v);
    return Status::Ok();
  }
  const std::string root = str(v, "root");
  const Json own = v.value("own", Json::object());
  const Json subtree = v.value("subtree", Json::object());
  std::set<std::string> nodes = {root};
  for (auto it = own.begin(); it != own.end(); ++it) nodes.insert(it.key());
  for (auto it = subtree.begin(); it != subtree.end(); ++it) nodes.insert(it.key());
  std::map<std::string, int64_t> denials;
  for (const Json& c : v.value("denials", Json::array())) ++denials[str(c, "handler")];
  int rootDepth = 1;
  if (auto r = DivisionCode::parse(root)) rootDepth = r->depth();

  std::printf("supervision board of %s at %s — cases each node handles itself\n", root.c_str(),
              localTime(num(v, "now_ms")).c_str());
  std::printf("%-12s %5s %6s %7s %4s %10s %11s %8s %10s %12s\n", "NODE", "OPEN", "GREEN", "YELLOW",
              "RED", "PAST_LEGAL", "CLOSED_LATE", "DENIALS", "COMPLAINTS", "LATE_REPORTS");
  auto row = [&](const std::string& label, const Json& c, int64_t denied) {
    std::printf("%-12s %5lld %6lld %7lld %4lld %10lld %11lld %8lld %10lld %12lld\n", label.c_str(),
                static_cast<long long>(num(c, "open")), static_cast<long long>(num(c, "green")),
                static_cast<long long>(num(c, "yellow")), static_cast<long long>(num(c, "red")),
                static_cast<long long>(num(c, "past_legal")),
                static_cast<long long>(num(c, "closed_late")), static_cast<long long>(denied),
                static_cast<long long>(num(c, "open_complaints")),
                static_cast<long long>(num(c, "late_reports")));
  };
  int64_t totalDenials = 0;
  for (const std::string& node : nodes) {
    auto code = DivisionCode::parse(node);
    int indent = code ? std::max(0, code->depth() - rootDepth) : 0;
    std::string label = std::string(static_cast<size_t>(2 * indent), ' ') + node;
    row(label, own.contains(node) ? own[node] : Json::object(), denials[node]);
    totalDenials += denials[node];
  }
  row("TOTAL", v.value("total", Json::object()), totalDenials);
  std::printf(
      "OPEN: received, not yet decided; cards: green on time, yellow ≥ 2/3 of the promised time "
      "used, red past it.\nCLOSED_LATE: decided after the promised limit (超期办结). "
      "COMPLAINTS: open complaints routed to that node (the parent of the node complained "
      "about).\nLATE_REPORTS: events that node reported later than the province's witness "
      "tolerance (govbus-admin cases --late).\n");

  const Json denied = v.value("denials", Json::array());
  if (!denied.empty()) std::printf("denials for review (否定报备):\n");
  for (const Json& c : denied) {
    std::printf("  %-16s %-12s by %s: %s\n", str(c, "case_id").c_str(), str(c, "item").c_str(),
                str(c, "handler").c_str(), str(c, "denial_reason").c_str());
  }
  const Json complaints = v.value("open_complaints", Json::array());
  if (!complaints.empty()) std::printf("open complaints (效能投诉), oldest first:\n");
  for (const Json& c : complaints) {
    std::printf("  %-28s against %s (case %s), routed to %s, %s, %lld s old\n",
                str(c, "complaint_id").c_str(), str(c, "against").c_str(),
                str(c, "case_id").empty() ? "-" : str(c, "case_id").c_str(),
                str(c, "routed_to").c_str(), str(c, "status").c_str(),
                static_cast<long long>(num(c, "age_ms") / 1000));
  }
  const Json overdue = v.value("overdue", Json::array());
  if (!overdue.empty()) std::printf("red cards, most overdue first:\n");
  for (const Json& c : overdue) {
    std::printf("  %-16s %-12s handler %s, due %s\n", str(c, "case_id").c_str(),
                str(c, "item").c_str(), str(c, "handler").c_str(),
                dueText(c.value("deadline", Json::object())).c_str());
  }
  return Status::Ok();
}

// --- working-day calendar and province settings -------------------------------------------------

Status calendarPublish(const CalendarPublishOptions& o) {
  GOVBUS_ASSIGN_OR_RETURN(CalendarFile file, readCalendarFile(o.file));
  if (!file.ok()) return reportProblems(o.file, file.problems, o.node.json);
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, true));
  size_t published = 0;
  for (const WorkingCalendar& y : file.years) {
    if (o.year != 0 && y.year != o.year) continue;
    Json body{{"year", y.year},
              {"holidays", y.holidays},
              {"workdays", y.workdays},
              {"note", "published from " + std::filesystem::path(o.file).filename().string()}};
    GOVBUS_ASSIGN_OR_RETURN(Json r, api.post("/v1/calendar", body));
    std::printf("%d: %zu holidays, %zu adjusted working days (调休上班) — record %s\n", y.year,
                y.holidays.size(), y.workdays.size(), refText(r).c_str());
    ++published;
  }
  if (published == 0) return refused(o.file + " has no dates for " + std::to_string(o.year));
  std::printf("published %zu year%s; deadlines of cases in %s now count by %s\n", published,
              published == 1 ? "" : "s", published == 1 ? "that year" : "those years",
              published == 1 ? "it" : "them");
  return Status::Ok();
}

Status calendarShow(const CalendarShowOptions& o) {
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, false));
  GOVBUS_ASSIGN_OR_RETURN(Json v, api.get("/v1/calendar"));
  Json years = Json::array();
  for (const Json& y : v.value("years", Json::array())) {
    if (o.year == 0 || num(y, "year") == o.year) years.push_back(y);
  }
  if (o.node.json) {
    printJson(Json{{"years", years}});
    return Status::Ok();
  }
  if (years.empty()) {
    std::printf(
        "no working-day calendar %s is in force on this node: deadlines in %s count "
        "Monday to Friday and are provisional\n",
        o.year == 0 ? "" : ("for " + std::to_string(o.year)).c_str(),
        o.year == 0 ? "every year" : "that year");
    return Status::Ok();
  }
  for (const Json& y : years) {
    std::printf("%lld (record %s)\n", static_cast<long long>(num(y, "year")),
                refText(y.value("record", Json())).c_str());
    for (const char* kind : {"holidays", "workdays"}) {
      std::string days;
      for (const Json& d : y.value(kind, Json::array())) days += " " + d.get<std::string>();
      std::printf(
          "  %s:%s\n",
          std::string_view(kind) == "holidays" ? "holidays (休)" : "working weekend days (班)",
          days.empty() ? " none" : days.c_str());
    }
  }
  return Status::Ok();
}

Status setting(const SettingOptions& o) {
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, o.value.has_value()));
  if (o.value) {
    GOVBUS_ASSIGN_OR_RETURN(Json r,
                            api.post("/v1/settings", Json{{"name", o.name}, {"value", *o.value}}));
    std::printf("%s = %lld — record %s\n", o.name.c_str(), static_cast<long long>(*o.value),
                refText(r).c_str());
    return Status::Ok();
  }
  GOVBUS_ASSIGN_OR_RETURN(Json v, api.get("/v1/settings"));
  if (o.node.json) {
    printJson(v);
    return Status::Ok();
  }
  for (const Json& e : v.value("settings", Json::array())) {
    if (!o.name.empty() && str(e, "name") != o.name) continue;
    std::printf(
        "%-22s %lld (%s; range %lld..%lld)\n", str(e, "name").c_str(),
        static_cast<long long>(num(e, "value")),
        e["record"].is_object() ? ("set by record " + refText(e["record"])).c_str() : "the default",
        static_cast<long long>(num(e, "min")), static_cast<long long>(num(e, "max")));
  }
  return Status::Ok();
}

// --- supervision orders -----------------------------------------------------------------------

Status order(const OrderOptions& o) {
  static const std::map<std::string, std::string> kNames = {{"urge", "urge (督办)"},
                                                            {"correct", "correct (纠错)"},
                                                            {"halt", "halt"},
                                                            {"transfer", "transfer"}};
  auto name = kNames.find(o.kind);
  if (name == kNames.end()) return refused("the order is urge, correct, halt or transfer");
  if (o.caseId.empty()) return refused("the case id is required");
  if (o.kind == "transfer") {
    if (o.transferTo.empty())
      return refused("a transfer order needs --to CODE, the new handler (this node or below it)");
    if (auto to = DivisionCode::parse(o.transferTo); !to)
      return refused("--to: " + to.error().message);
  } else if (!o.transferTo.empty()) {
    return refused("--to is only for a transfer order");
  }
  if (!o.lastSeen.empty() && o.lastSeen.find('#') == std::string::npos)
    return refused("--last-seen is AUTHOR#SEQ, e.g. 430102#7 (a record of `case show`)");
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, true));
  Json body{{"case_id", o.caseId}, {"kind", o.kind}};
  if (!o.transferTo.empty()) body["transfer_to"] = o.transferTo;
  if (!o.note.empty()) body["note"] = o.note;
  if (!o.lastSeen.empty()) body["last_seen"] = o.lastSeen;
  auto r = api.post("/v1/orders", body);
  if (!r) {
    if (r.error().code != ErrorCode::kInvalidArgument) return r.error();
    return refused("the node refused the " + o.kind + " order on case " + o.caseId + ": " +
                   r.error().message +
                   " (an order comes from a strict ancestor of the case's handler; see "
                   "govbus-admin case show " +
                   o.caseId + " --dir " + dirText(o.node) + ")");
  }
  if (o.node.json) {
    Json out = *r;
    out["record"] = refText(*r);
    printJson(out);
    return Status::Ok();
  }
  std::printf("%s order on case %s%s — record %s\n", name->second.c_str(), o.caseId.c_str(),
              o.transferTo.empty() ? "" : (" to " + o.transferTo).c_str(), refText(*r).c_str());
  std::printf(
      "the handler's node receives it by replication; follow it with: govbus-admin case "
      "show %s --dir %s\n",
      o.caseId.c_str(), dirText(o.node).c_str());
  return Status::Ok();
}

// --- complaints -------------------------------------------------------------------------------

Status complaint(const ComplaintOptions& o) {
  if (o.action == "file") {
    if (o.against.empty()) return refused("--against CODE is required: the node complained about");
    if (auto code = DivisionCode::parse(o.against); !code)
      return refused("--against: " + code.error().message);
    if (o.summary.empty()) return refused("--summary TEXT is required: what the complaint is");
    GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, true));
    Json body{{"against", o.against}, {"summary", o.summary}};
    if (!o.caseId.empty()) body["case_id"] = o.caseId;
    if (!o.complaintId.empty()) body["complaint_id"] = o.complaintId;
    auto r = api.post("/v1/complaints", body);
    if (!r) {
      if (r.error().code != ErrorCode::kInvalidArgument) return r.error();
      return refused("the node refused the complaint: " + r.error().message);
    }
    if (o.node.json) {
      Json out = *r;
      out["record"] = refText(*r);
      printJson(out);
      return Status::Ok();
    }
    const std::string id = r->value("complaint_id", "?");
    std::printf("complaint %s against %s filed — record %s\n", id.c_str(), o.against.c_str(),
                refText(*r).c_str());
    std::printf(
        "it is routed to the parent of %s, which answers it with: govbus-admin complaint answer "
        "%s --note TEXT --dir <that node's dir>\n",
        o.against.c_str(), id.c_str());
    return Status::Ok();
  }
  if (o.action != "answer" && o.action != "close")
    return refused("the action is file, answer or close");
  if (o.complaintId.empty()) return refused("the complaint id is required");
  const std::string status = o.action == "answer" ? "handling" : "resolved";
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o.node, true));
  Json body{{"status", status}};
  if (!o.note.empty()) body["note"] = o.note;
  auto r = api.post("/v1/complaints/" + urlEncode(o.complaintId) + "/updates", body);
  if (!r) {
    if (r.error().code != ErrorCode::kInvalidArgument) return r.error();
    return refused("the node refused to " + o.action + " complaint " + o.complaintId + ": " +
                   r.error().message +
                   " (a complaint is answered and closed by the node it is routed to, the parent "
                   "of the node complained about, or by an ancestor of that node; open "
                   "complaints: govbus-admin supervision --dir " +
                   dirText(o.node) + ")");
  }
  if (o.node.json) {
    Json out = *r;
    out["record"] = refText(*r);
    printJson(out);
    return Status::Ok();
  }
  std::printf("complaint %s %s (%s) — record %s\n", o.complaintId.c_str(),
              o.action == "answer" ? "answered" : "closed",
              o.action == "answer" ? "handling, 有接必理" : "resolved, 有理必果",
              refText(*r).c_str());
  return Status::Ok();
}

// --- peers ------------------------------------------------------------------------------------

namespace {

std::string ago(int64_t nowMs, int64_t thenMs) {
  if (thenMs <= 0) return "-";
  int64_t s = std::max<int64_t>(0, (nowMs - thenMs) / 1000);
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  return std::to_string(s / 3600) + "h";
}

}  // namespace

Status peers(const NodeQueryOptions& o) {
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, apiFor(o, false));
  GOVBUS_ASSIGN_OR_RETURN(Json p, api.get("/v1/peers"));
  if (o.json) {
    printJson(p);
    return Status::Ok();
  }
  // The node's clock, which stamped every time below (it differs from ours under [testing]).
  const int64_t now =
      p.contains("now_ms") ? num(p, "now_ms") : static_cast<int64_t>(std::time(nullptr)) * 1000;
  const std::string self = str(p, "code");
  if (p.contains("upstream") && p["upstream"].is_object()) {
    const Json& u = p["upstream"];
    std::printf(
        "node %s, upstream %s at %s: %s%s for %s%s%s\n", self.c_str(), str(u, "code").c_str(),
        str(u, "endpoint").c_str(), str(u, "state").c_str(),
        flag(u, "fallback") ? " (FALLBACK: the parent is unreachable)" : "",
        ago(now, num(u, "since_ms")).c_str(),
        num(u, "rtt_ms") > 0 ? (", rtt " + std::to_string(num(u, "rtt_ms")) + " ms").c_str() : "",
        str(u, "last_error").empty() ? "" : ("; last error: " + str(u, "last_error")).c_str());
  } else {
    std::printf("node %s (the root: no upstream)\n", self.c_str());
  }
  const Json links = p.value("links", Json::array());
  if (links.empty()) {
    std::printf("no links yet (children appear once enrolled; see govbus-admin enroll)\n");
    return Status::Ok();
  }
  std::printf("%-10s %-10s %-12s %11s %11s %9s %9s %8s %12s\n", "PEER", "DIRECTION", "STATE",
              "LAG_RECORDS", "LAG_SECONDS", "INFLIGHT", "LAST_ACK", "UP_FOR", "RECORDS_SENT");
  uint64_t behind = 0;
  for (const Json& l : links) {
    if (num(l, "lag_records") > 0) ++behind;
    std::printf("%-10s %-10s %-12s %11lld %11lld %9lld %9s %8s %12lld\n", str(l, "peer").c_str(),
                str(l, "direction").c_str(), str(l, "state").c_str(),
                static_cast<long long>(num(l, "lag_records")),
                static_cast<long long>(num(l, "lag_seconds")),
                static_cast<long long>(num(l, "inflight_records")),
                ago(now, num(l, "last_ack_ms")).c_str(),
                ago(now, num(l, "connected_at_ms")).c_str(),
                static_cast<long long>(num(l, "records_sent")));
  }
  std::printf(
      "%zu link%s, %llu behind. LAG: records in the peer's scope it is not known to hold, and "
      "the age of the oldest.\n",
      links.size(), links.size() == 1 ? "" : "s", static_cast<unsigned long long>(behind));
  return Status::Ok();
}

}  // namespace govbus::admin
