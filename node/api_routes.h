// ApiRoutes: what every route of the node's HTTP API shares (internal to ApiServer): registering a
// handler under its documented path, JSON replies and errors with a named code, the two token
// checks, reading a JSON body, and committing a record through the Engine.
//
// The routes themselves live one resource per file (api_case_routes.cc, api_supervision_routes.cc,
// api_authority_routes.cc, api_calendar_routes.cc, api_node_routes.cc), as ApiServer members.
//
// Thread safety: built once in ApiServer::start(); its const members run on the HTTP threads.
#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/api_json.h"
#include "node/api_server.h"
#include "node/engine.h"
#include "node/metrics.h"

namespace govbus {

using httplib::Request;
using httplib::Response;

// JSON as the API writes it: one line, invalid UTF-8 replaced, a newline at the end.
std::string jsonText(const Json& j);
// name="value" for a Prometheus sample, the value escaped.
std::string metricLabel(std::string_view name, std::string_view value);

class ApiRoutes {
 public:
  using Handler = std::function<void(const Request&, Response&)>;
  using Parse = std::function<Result<Payload>(const Json&, const Request&)>;

  ApiRoutes(httplib::Server& server, Engine& engine, Metrics& metrics, const ApiOptions& options,
            std::vector<ApiRoute>& routes);

  // `path` as documented in docs/API.md, `{name}` standing for one path segment.
  void get(const std::string& path, Handler handler);
  // The handler gets the whole body, whatever the content type (see api_routes.cc).
  void post(const std::string& path, Handler handler);

  void reply(Response& res, int status, const Json& body) const;
  void fail(Response& res, int status, const std::string& message, std::string_view code) const;
  void failWith(Response& res, const Error& e) const;

  // The write token; on a mismatch answers 401 and returns false.
  bool mayWrite(const Request& req, Response& res) const;
  // Answers 401 with `message` and the Bearer challenge; returns false.
  bool refuse(Response& res, const std::string& message) const;
  // Case reads carry applicant data: the read token or the write token.
  // Also accepts the board's login cookie (kBoardCookie), which holds the read token.
  bool mayReadCases(const Request& req, Response& res) const;
  // The board page's reads: open on loopback; from elsewhere they need what mayReadCases needs.
  bool mayReadBoard(const Request& req, Response& res) const;
  bool hasReadCredentials(const Request& req) const;
  // `given` is the read token or the write token (constant time).
  bool isReadToken(std::string_view given) const;
  static std::string boardCookie(const Request& req);
  static bool isLoopback(const Request& req);
  static constexpr std::string_view kBoardCookie = "govbus_read";
  // The body as a JSON object, or answers 400 and returns nothing.
  std::optional<Json> body(const Request& req, Response& res) const;
  // Has the Engine author `payload` and waits for the commit; on failure answers and returns
  // nothing.
  std::optional<RecordRef> commit(Payload payload, Response& res) const;
  // Token, body, `parse`, commit, then 201 with the record's reference.
  void write(const Request& req, Response& res, const Parse& parse) const;

 private:
  httplib::Server& server_;
  Engine& engine_;
  Metrics& metrics_;
  const ApiOptions& options_;
  std::vector<ApiRoute>& routes_;
};

}  // namespace govbus
