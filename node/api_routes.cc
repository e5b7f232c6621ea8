#include "node/api_routes.h"

#include "node/node_config.h"

#include <chrono>

namespace govbus {

namespace {

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

}  // namespace

std::string jsonText(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string metricLabel(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + promLabel(value) + "\"";
}

ApiRoutes::ApiRoutes(httplib::Server& server, Engine& engine, Metrics& metrics,
                     const ApiOptions& options, std::vector<ApiRoute>& routes)
    : server_(server), engine_(engine), metrics_(metrics), options_(options), routes_(routes) {}

void ApiRoutes::get(const std::string& path, Handler handler) {
  routes_.push_back(ApiRoute{"GET", path});
  server_.Get(routePattern(path), std::move(handler));
}

// Every POST reads its body here rather than letting httplib do it: httplib refuses a body over
// 8 KiB whose content type is application/x-www-form-urlencoded (what `curl -d` sends) with a 413
// that said "larger than 1 MiB". We take JSON whatever the content type; the 1 MiB bound
// (set_payload_max_length) still applies to the read. The handler gets a copy of the request with
// the body filled in; its regex matches still point into the original's path, which lives until
// the handler returns.
void ApiRoutes::post(const std::string& path, Handler handler) {
  routes_.push_back(ApiRoute{"POST", path});
  server_.Post(routePattern(path),
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
}

void ApiRoutes::reply(Response& res, int status, const Json& body) const {
  res.status = status;
  res.set_content(jsonText(body), "application/json");
}

void ApiRoutes::fail(Response& res, int status, const std::string& message,
                     std::string_view code) const {
  metrics_.add(Counter::kApiErrors, std::to_string(status));
  reply(res, status, Json{{"error", message}, {"code", code}});
}

void ApiRoutes::failWith(Response& res, const Error& e) const {
  fail(res, statusFor(e.code), e.message, errorCodeName(e.code));
}

bool ApiRoutes::refuse(Response& res, const std::string& message) const {
  res.set_header("WWW-Authenticate", "Bearer");
  fail(res, 401, message, "unauthorized");
  return false;
}

bool ApiRoutes::mayWrite(const Request& req, Response& res) const {
  if (constantTimeEqual(req.get_header_value("Authorization"), "Bearer " + options_.token))
    return true;
  return refuse(
      res,
      "writes need 'Authorization: Bearer <token>' with the token in the node's api_token_file");
}

bool ApiRoutes::isReadToken(std::string_view given) const {
  if (given.empty()) return false;
  const bool write = constantTimeEqual(given, options_.token);
  const bool read = !options_.readToken.empty() && constantTimeEqual(given, options_.readToken);
  return write || read;
}

std::string ApiRoutes::boardCookie(const Request& req) {
  const std::string header = req.get_header_value("Cookie");
  const std::string name = std::string(kBoardCookie) + "=";
  size_t at = 0;
  while (at < header.size()) {
    while (at < header.size() && (header[at] == ' ' || header[at] == ';')) ++at;
    size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    if (header.compare(at, name.size(), name) == 0)
      return header.substr(at + name.size(), end - at - name.size());
    at = end;
  }
  return "";
}

bool ApiRoutes::isLoopback(const Request& req) {
  // Behind a reverse proxy every peer is loopback: a forwarded request counts as remote.
  if (req.has_header("X-Forwarded-For") || req.has_header("Forwarded") ||
      req.has_header("X-Real-IP"))
    return false;
  // An IPv4 peer on a dual-stack socket shows as ::ffff:127.x.y.z.
  std::string_view a = req.remote_addr;
  if (a.starts_with("::ffff:")) a.remove_prefix(7);
  return isLoopbackHost(a);
}

bool ApiRoutes::hasReadCredentials(const Request& req) const {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0 && isReadToken(std::string_view(auth).substr(7))) return true;
  return isReadToken(boardCookie(req));
}

// Even on loopback, where other local users may be.
bool ApiRoutes::mayReadCases(const Request& req, Response& res) const {
  if (hasReadCredentials(req)) return true;
  return refuse(
      res,
      "case reads need 'Authorization: Bearer <token>' with the token in the node's "
      "api_read_token_file (or api_token_file), or the board's login cookie (GET /login)");
}

bool ApiRoutes::mayReadBoard(const Request& req, Response& res) const {
  if (isLoopback(req) || hasReadCredentials(req)) return true;
  return refuse(res,
                "from outside loopback the board's reads need the read token: log in at GET /login "
                "or send 'Authorization: Bearer <token>'");
}

std::optional<Json> ApiRoutes::body(const Request& req, Response& res) const {
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
}

std::optional<RecordRef> ApiRoutes::commit(Payload payload, Response& res) const {
  auto future = engine_.author(std::move(payload));
  if (future.wait_for(std::chrono::milliseconds(kApiWriteTimeoutMs)) != std::future_status::ready) {
    fail(res, 503,
         "the node did not commit the record within " + std::to_string(kApiWriteTimeoutMs / 1000) +
             " s; it may still be committed — read it back before retrying",
         "timeout");
    return std::nullopt;
  }
  try {
    Result<RecordRef> r = future.get();
    if (r) return *r;
    failWith(res, r.error());
  } catch (const std::future_error&) {
    fail(res, 503, "the node is stopping", "stopping");
  }
  return std::nullopt;
}

void ApiRoutes::write(const Request& req, Response& res, const Parse& parse) const {
  if (!mayWrite(req, res)) return;
  auto j = body(req, res);
  if (!j) return;
  Result<Payload> payload = parse(*j, req);
  if (!payload) return failWith(res, payload.error());
  auto ref = commit(std::move(*payload), res);
  if (!ref) return;
  reply(res, 201, toJson(*ref));
}

}  // namespace govbus
