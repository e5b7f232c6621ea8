#include "node/zap_handler.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <future>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "node/memory_budget.h"
#include "node/rate_limited_log.h"

namespace govbus {

namespace {

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, const PeerKeysSnapshot& keys, Metrics& metrics,
                       std::function<void(const std::string&)> onFatal,
                       const std::atomic<int64_t>* openConnections)
    : context_(context),
      keys_(keys),
      metrics_(metrics),
      onFatal_(std::move(onFatal)),
      openConnections_(openConnections) {}

ZapHandler::~ZapHandler() { stop(); }

Status ZapHandler::start() {
  std::promise<Status> bound;
  std::future<Status> ready = bound.get_future();
  thread_ = std::thread([this, &bound] { run(bound); });
  Status s = ready.get();
  if (!s) stop();
  return s;
}

void ZapHandler::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::run(std::promise<Status>& bound) {
  bool announced = false;
  RateLimiter limiter;
  try {
    zmq::socket_t rep(context_, zmq::socket_type::rep);
    rep.set(zmq::sockopt::linger, 0);
    rep.bind(kZapEndpoint);
    running_ = true;
    announced = true;
    bound.set_value(Status::Ok());
    while (!stop_) {
      zmq::pollitem_t items[] = {{rep.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(kZapPollMs));
      if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
      std::vector<zmq::message_t> request;
      if (!zmq::recv_multipart(rep, std::back_inserter(request))) continue;
      // RFC 27 request: version, request id, domain, address, routing id, mechanism, credentials…
      std::string status = "400";
      std::string statusText = "not an enrolled descendant of this node";
      std::string userId;
      std::string metadata;  // ZMTP properties: name length (1 byte), name, value length (4, BE)
      std::string reason = "unknown_key";
      std::string address = request.size() > 3 ? request[3].to_string() : "?";
      if (request.size() < 6 || request[0].to_string() != "1.0") {
        reason = "bad_request";
        statusText = "malformed ZAP request";
      } else if (request[5].to_string() != "CURVE" || request.size() < 7 ||
                 request[6].size() != 32) {
        reason = "not_curve";
        statusText = "only CURVE clients are admitted";
      } else if (openConnections_ != nullptr &&
                 openConnections_->load() > static_cast<int64_t>(kMaxDownstreamConnections)) {
        reason = "too_many_connections";
        statusText = "this node already has " + std::to_string(kMaxDownstreamConnections) +
                     " connections from below";
      } else {
        Curve25519Key key;
        std::memcpy(key.data(), request[6].data(), key.size());
        auto snapshot = keys_.get();
        if (auto it = snapshot->descendants.find(key); it != snapshot->descendants.end()) {
          status = "200";
          statusText = "OK";
          userId = it->second;
          metrics_.add(Counter::kZapAdmitted, userId);
          const std::string name = kZapCurveKeyProperty;
          const std::string value = toHex(ByteView(key.data(), key.size()));
          metadata.push_back(static_cast<char>(name.size()));
          metadata += name;
          for (int shift = 24; shift >= 0; shift -= 8)
            metadata.push_back(static_cast<char>((value.size() >> shift) & 0xFF));
          metadata += value;
        }
      }
      if (status != "200") {
        metrics_.add(Counter::kZapRefused, reason);
        uint64_t suppressed = 0;
        if (limiter.allow(reason + address, steadyMs(), suppressed)) {
          std::string key = request.size() >= 7
                                ? toHex(ByteView(request[6].data<uint8_t>(), request[6].size()))
                                : "";
          spdlog::warn("refused a connection from {}: {} (curve key {}){}", address, statusText,
                       key, suppressedNote(suppressed));
        }
      }
      std::array<zmq::const_buffer, 6> reply = {
          zmq::buffer(std::string_view("1.0")),
          zmq::buffer(request.size() > 1 ? request[1].data() : nullptr,
                      request.size() > 1 ? request[1].size() : 0),
          zmq::buffer(status),
          zmq::buffer(statusText),
          zmq::buffer(userId),
          zmq::buffer(metadata)};
      zmq::send_multipart(rep, reply);
    }
  } catch (const std::exception& e) {
    running_ = false;
    if (!announced) {
      bound.set_value(
          makeError(ErrorCode::kIo, std::string("cannot start the ZAP handler: ") + e.what()));
      return;
    }
    onFatal_(std::string("the ZAP handler failed (") + e.what() +
             "); stopping rather than run unprotected");
    return;
  }
  running_ = false;
}

}  // namespace govbus
