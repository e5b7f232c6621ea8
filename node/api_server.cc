#include "node/api_server.h"

#include <spdlog/spdlog.h>

#include "node/api_routes.h"
#include "node/clock.h"

namespace govbus {

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
  api_ = std::make_unique<ApiRoutes>(*server_, engine_, metrics_, options_, routes_);
  caseRoutes(*api_);
  supervisionRoutes(*api_);
  authorityRoutes(*api_);
  calendarRoutes(*api_);
  nodeRoutes(*api_);

  httplib::Server& s = *server_;
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
    res.set_content(jsonText(Json{{"error", "internal error: " + what}, {"code", "internal"}}),
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
    res.set_content(jsonText(Json{{"error", message}, {"code", code}}), "application/json");
  });
}

}  // namespace govbus
