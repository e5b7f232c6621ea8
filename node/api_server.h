// ApiServer: the node's local HTTP/JSON API (cpp-httplib), for the service-centre software, the
// admin tool and monitoring.
//
// Writes (POST) need `Authorization: Bearer <token>`; each turns its body into a payload
// (node/api_json.h) and has the Engine author it, answering only once the record is committed
// (201 with the record's author and seq). Bad input is a 400 naming the field or the void rule —
// never a 500; a full write queue or a node shutting down is a 503.
//   POST /v1/cases/{id}/events   POST /v1/complaints         POST /v1/complaints/{id}/updates
//   POST /v1/catalog             POST /v1/delegations        POST /v1/delegations/revoke
//   POST /v1/orders              POST /v1/enrollments        POST /v1/key-revocations
// Case reads (GET) carry applicant data and need `Authorization: Bearer <token>`, the read token
// (api_read_token_file) or the write token:
//   /v1/cases/{id}  /v1/cases?overdue=1&region=&card=&limit=
// Other reads (GET, no token: the API listens on loopback by default, and they hold no personal
// data):
//   /v1/authority?item=&region=  /v1/catalog  /v1/supervision  /v1/peers  /v1/status
//   /v1/feeds[?author=]  /v1/tree  /v1/delegations  /board  /healthz  /metrics
// Reads run on the HTTP threads against a short LMDB read transaction and the Engine's published
// authority snapshot; they never wait for the writer.
//
// Thread safety: start/stop from the owning thread; handlers run on cpp-httplib's thread pool.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "crypto/applicant_key.h"
#include "node/engine.h"
#include "node/metrics.h"
#include "node/node_identity.h"
#include "node/transport.h"

namespace httplib {
class Server;
}

namespace govbus {

inline constexpr size_t kMaxApiBodyBytes = 1 << 20;
inline constexpr size_t kMaxListedCases = 1000;
inline constexpr size_t kDefaultListedCases = 100;
inline constexpr int kApiIoTimeoutSeconds = 10;
// /healthz fails when the writer thread has not come round its loop for this long.
inline constexpr int64_t kWriterStallMs = 10'000;

class ApiRoutes;

struct ApiOptions {
  std::string host;
  uint16_t port = 0;
  std::string token;                         // writes; also opens case reads
  std::string readToken;                     // case reads only; "" when the config names none
  std::optional<ApplicantKey> applicantKey;  // hashes applicant_id; none: applicant_hash only
  int64_t clockOffsetMs = 0;  // config [testing] clock_offset_days: deadlines and cards read it
};

// One endpoint as documented in docs/API.md: `path` with `{name}` for one path segment.
struct ApiRoute {
  std::string method;
  std::string path;
};

// The regular expression the HTTP library matches for a documented path.
std::string routePattern(const std::string& documentedPath);

class ApiServer {
 public:
  // `health` returns "" when the node's other parts (ZAP handler, transport) are fine, else what
  // is wrong.
  ApiServer(Engine& engine, Transport& transport, Metrics& metrics, const NodeIdentity& identity,
            ApiOptions options, std::function<std::string()> health);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds host:port (fails with a clear error when taken) and serves in a thread.
  Status start();
  // Stops accepting; requests in progress finish first.
  void stop();

 private:
  // One resource per file (node/api_routes.h).
  void routes();
  void caseRoutes(ApiRoutes& api);
  void supervisionRoutes(ApiRoutes& api);
  void authorityRoutes(ApiRoutes& api);
  void calendarRoutes(ApiRoutes& api);
  void nodeRoutes(ApiRoutes& api);
  int64_t now() const;  // the wall clock, with the test offset

  Engine& engine_;
  Transport& transport_;
  Metrics& metrics_;
  const NodeIdentity& identity_;
  ApiOptions options_;
  std::function<std::string()> health_;
  std::unique_ptr<httplib::Server> server_;
  std::vector<ApiRoute> routes_;
  std::unique_ptr<ApiRoutes> api_;
  std::thread thread_;
};

}  // namespace govbus
