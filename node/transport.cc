#include "node/transport.h"

#include <spdlog/spdlog.h>

#include <zmq.hpp>

#include <algorithm>
#include <cstring>

#include "node/clock.h"
#include "node/zap_handler.h"

namespace govbus {

namespace {

// ZMQ_ZAP_ENFORCE_DOMAIN is a draft option in libzmq 4.3's header but implemented by the library:
// with it, a CURVE server refuses clients when no ZAP handler answers instead of admitting them.
constexpr int kZmqZapEnforceDomain = 93;
constexpr int64_t kDownstreamExpiryScanMs = 500;

std::string shortId(const std::string& routingId) {
  return toHex(asBytes(routingId)).substr(0, 10);
}

}  // namespace

struct Transport::Session {
  std::unique_ptr<zmq::socket_t> socket;
  std::string peerKey;
  std::string code;
  std::string endpoint;
  int64_t startedMs = 0;    // steady
  int64_t lastHeardMs = 0;  // steady
  int64_t lastPingMs = 0;   // steady
  bool established = false;
};

Transport::Transport(zmq::context_t& context, Engine& engine, Outbox& outbox,
                     const PeerKeysSnapshot& keys, Metrics& metrics, TransportOptions options,
                     std::function<void(const std::string&)> onFatal)
    : context_(context),
      engine_(engine),
      outbox_(outbox),
      keys_(keys),
      metrics_(metrics),
      options_(std::move(options)),
      onFatal_(std::move(onFatal)) {
  status_.state = "idle";
}

Transport::~Transport() { stop(); }

Status Transport::start() {
  std::promise<Status> bound;
  std::future<Status> ready = bound.get_future();
  thread_ = std::thread([this, &bound] { run(bound); });
  Status s = ready.get();
  if (!s) stop();
  return s;
}

void Transport::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Transport::setUpstreams(std::vector<UpstreamConfig> upstreams) {
  std::lock_guard lock(mu_);
  pendingUpstreams_ = std::move(upstreams);
}

UpstreamStatus Transport::upstreamStatus() const {
  std::lock_guard lock(mu_);
  return status_;
}

void Transport::publishStatus(const std::string& state, const std::string& error) {
  std::lock_guard lock(mu_);
  bool changed = status_.state != state;
  status_.state = state;
  if (session_) {
    status_.code = session_->code;
    status_.endpoint = session_->endpoint;
  } else if (index_ < upstreams_.size()) {
    status_.code = upstreams_[index_].code;
    status_.endpoint = upstreams_[index_].endpoint;
  } else {
    status_.code.clear();
    status_.endpoint.clear();
  }
  status_.fallback = index_ != 0;
  if (changed) status_.sinceMs = wallClockMs();
  if (!error.empty()) status_.lastError = error;
}

void Transport::run(std::promise<Status>& bound) {
  try {
    if (!options_.listen.empty()) {
      router_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
      zmq::socket_t& r = *router_;
      r.set(zmq::sockopt::linger, 0);
      r.set(zmq::sockopt::curve_server, true);
      r.set(zmq::sockopt::curve_secretkey,
            zmq::const_buffer(options_.secretKey.data(), options_.secretKey.size()));
      r.set(zmq::sockopt::zap_domain, std::string(kZapDomain));
      int one = 1;
      if (zmq_setsockopt(r.handle(), kZmqZapEnforceDomain, &one, sizeof one) != 0) {
        spdlog::warn("this libzmq cannot enforce the ZAP domain; relying on the ZAP handler alone");
      }
      r.set(zmq::sockopt::router_mandatory, true);
      r.set(zmq::sockopt::sndhwm, kSendQueueFrames);
      r.set(zmq::sockopt::rcvhwm, kReceiveQueueFrames);
      r.set(zmq::sockopt::maxmsgsize, kMaxFrameBytesRead);
      r.set(zmq::sockopt::handshake_ivl, static_cast<int>(options_.timings.peerTimeoutMs));
      const std::string monitorEndpoint =
          "inproc://govbus.monitor." + std::to_string(reinterpret_cast<uintptr_t>(this));
      if (zmq_socket_monitor(
              r.handle(), monitorEndpoint.c_str(),
              ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                  ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                  ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0) {
        throw zmq::error_t();
      }
      monitor_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pair);
      monitor_->set(zmq::sockopt::linger, 0);
      monitor_->connect(monitorEndpoint);
      r.bind(options_.listen);
    }
  } catch (const zmq::error_t& e) {
    monitor_.reset();
    router_.reset();
    bound.set_value(
        makeError(ErrorCode::kIo, "cannot listen on " + options_.listen + ": " + e.what()));
    return;
  }
  running_ = true;
  bound.set_value(Status::Ok());
  try {
    loop();
  } catch (const std::exception& e) {
    running_ = false;
    session_.reset();
    probe_.reset();
    router_.reset();
    onFatal_(std::string("the transport thread failed: ") + e.what());
    return;
  }
  running_ = false;
}

void Transport::loop() {
  while (!stop_) {
    std::optional<std::vector<UpstreamConfig>> pending;
    {
      std::lock_guard lock(mu_);
      pending.swap(pendingUpstreams_);
    }
    if (pending && *pending != upstreams_) {
      // Start over from the parent with the new list.
      closeProbe();
      closeSession();
      upstreams_ = std::move(*pending);
      index_ = 0;
      downSinceMs_ = 0;
      backoffMs_ = kReconnectBackoffMsMin;
      nextAttemptMs_ = 0;
      publishStatus(upstreams_.empty() ? "idle" : "backoff");
    }
    std::vector<zmq::pollitem_t> items;
    items.push_back({nullptr, outbox_.wakeFd(), ZMQ_POLLIN, 0});
    int routerAt = -1, sessionAt = -1, probeAt = -1, monitorAt = -1;
    if (router_) {
      routerAt = static_cast<int>(items.size());
      items.push_back({router_->handle(), 0, ZMQ_POLLIN, 0});
    }
    if (monitor_) {
      monitorAt = static_cast<int>(items.size());
      items.push_back({monitor_->handle(), 0, ZMQ_POLLIN, 0});
    }
    if (session_) {
      sessionAt = static_cast<int>(items.size());
      items.push_back({session_->socket->handle(), 0, ZMQ_POLLIN, 0});
    }
    if (probe_) {
      probeAt = static_cast<int>(items.size());
      items.push_back({probe_->socket->handle(), 0, ZMQ_POLLIN, 0});
    }
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(kTransportPollMs));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[0].revents & ZMQ_POLLIN) outbox_.clearWake();
    sendOutbox();
    if (monitorAt >= 0 && (items[monitorAt].revents & ZMQ_POLLIN)) readMonitor();
    if (receiving_) {
      if (routerAt >= 0 && (items[routerAt].revents & ZMQ_POLLIN)) readRouter();
      if (sessionAt >= 0 && session_ && (items[sessionAt].revents & ZMQ_POLLIN)) readUpstream();
      if (probeAt >= 0 && probe_ && (items[probeAt].revents & ZMQ_POLLIN)) readProbe();
    }
    const int64_t now = steadyClockMs();
    if (receiving_) upstreamTick(now);
    expireDownstream(now);
    if (auto keys = keys_.get(); keys != admitted_) {
      admitted_ = keys;
      closeUnadmitted(*keys);
    }
  }
  // Final acks and hellos the engine queued while draining.
  sendOutbox();
  for (zmq::socket_t* s : {router_.get(), session_ ? session_->socket.get() : nullptr}) {
    if (s != nullptr) s->set(zmq::sockopt::linger, kStopLingerMs);
  }
  probe_.reset();
  session_.reset();
  if (router_) zmq_socket_monitor(router_->handle(), nullptr, 0);
  monitor_.reset();
  router_.reset();
}

void Transport::dropFrame(const std::string& reason, const std::string& peer,
                          const std::string& detail) {
  metrics_.add(Counter::kFramesRejected, reason);
  uint64_t suppressed = 0;
  if (limiter_.allow(peer + ":" + reason, steadyClockMs(), suppressed)) {
    spdlog::warn("dropped a frame from {}: {}: {}{}", peer, reason, detail,
                 suppressedNote(suppressed));
  }
}

void Transport::readMonitor() {
  for (int i = 0; i < kMaxFramesPerTurn; ++i) {
    zmq::message_t head;
    if (!monitor_->recv(head, zmq::recv_flags::dontwait)) return;
    zmq::message_t endpoint;
    if (head.more()) (void)monitor_->recv(endpoint, zmq::recv_flags::dontwait);
    if (head.size() < 6) continue;
    uint16_t event = 0;
    uint32_t value = 0;
    std::memcpy(&event, head.data(), 2);
    std::memcpy(&value, static_cast<const uint8_t*>(head.data()) + 2, 4);
    const int64_t now = steadyClockMs();
    auto refuse = [&](const char* reason, const std::string& what) {
      metrics_.add(Counter::kConnectionsRefused, reason);
      uint64_t suppressed = 0;
      if (limiter_.allow(std::string("connection:") + reason, now, suppressed)) {
        spdlog::warn("{} on {}: {}{}", reason, options_.listen, what, suppressedNote(suppressed));
      }
    };
    auto nextHandshaking = [&]() -> std::optional<int> {
      if (handshaking_.empty()) return std::nullopt;
      int fd = handshaking_.front();
      handshaking_.pop_front();
      return fd;
    };
    switch (event) {
      case ZMQ_EVENT_ACCEPTED:
        handshaking_.push_back(static_cast<int>(value));
        if (options_.openConnections) ++*options_.openConnections;
        break;
      case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        if (auto fd = nextHandshaking()) established_.insert(*fd);
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        (void)nextHandshaking();  // the ZAP handler refused it and counted it
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        (void)nextHandshaking();
        refuse("handshake_failed",
               value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                   ? "a client without CurveZMQ (plain or another mechanism) was refused"
                   : "a handshake failed (ZMTP error " + std::to_string(value) +
                         "): not a GovBus peer, or a broken CurveZMQ client");
        break;
      case ZMQ_EVENT_DISCONNECTED: {
        const int fd = static_cast<int>(value);
        if (options_.openConnections && *options_.openConnections > 0) --*options_.openConnections;
        if (auto at = std::find(handshaking_.begin(), handshaking_.end(), fd);
            at != handshaking_.end()) {
          handshaking_.erase(at);
          refuse("no_handshake",
                 "a TCP connection closed before any handshake (not a ZeroMQ peer: garbage or a "
                 "port scan)");
        } else if (established_.erase(fd) > 0) {
          refuse("disconnected",
                 "a connection closed after its handshake: the peer closed it, the network "
                 "failed, or it sent a frame over " +
                     std::to_string(kMaxFrameBytesRead) + " bytes, which ZeroMQ refuses to read");
        }
        break;
      }
      default:
        break;
    }
  }
}

void Transport::readRouter() {
  const std::shared_ptr<const PeerKeys> keys = keys_.get();
  for (int i = 0; i < kMaxFramesPerTurn; ++i) {
    zmq::message_t id;
    if (!router_->recv(id, zmq::recv_flags::dontwait)) return;
    if (!id.more()) continue;  // ROUTER always prefixes the routing id; nothing follows: ignore
    zmq::message_t body;
    if (!router_->recv(body, zmq::recv_flags::dontwait)) return;
    int extra = 0;
    for (bool more = body.more(); more; ++extra) {
      zmq::message_t rest;
      if (!router_->recv(rest, zmq::recv_flags::dontwait)) break;
      more = rest.more();
    }
    std::string routingId = id.to_string();
    std::string code;
    try {
      const char* userId = body.gets("User-Id");
      code = userId != nullptr ? userId : "";
    } catch (const zmq::error_t&) {
      code.clear();
    }
    if (code.empty()) {
      dropFrame("unauthenticated", shortId(routingId), "a frame without a ZAP user id");
      continue;
    }
    Curve25519Key key{};
    bool hasKey = false;
    try {
      Bytes raw;
      const char* hex = body.gets(kZapCurveKeyProperty);
      if (hex != nullptr && fromHex(hex, raw) && raw.size() == key.size()) {
        std::copy(raw.begin(), raw.end(), key.begin());
        hasKey = true;
      }
    } catch (const zmq::error_t&) {
      hasKey = false;
    }
    const int64_t now = steadyClockMs();
    if (!hasKey || !keys->admits(key, code)) {
      // Admitted at its handshake, but not any more (or the snapshot moved since the last scan).
      if (auto open = downstream_.find(routingId); open != downstream_.end()) {
        engine_.peerClosed("d" + routingId);
        downstream_.erase(open);
      }
      forgetDownstream(routingId, code);
      metrics_.add(Counter::kConnectionsRefused, "key_no_longer_admitted");
      (void)answerForgotten(routingId, /*isHello=*/false, now);
      continue;
    }
    auto it = downstream_.find(routingId);
    if (it == downstream_.end() && forgotten_.contains(routingId)) {
      bool hello = false;
      if (extra == 0) {
        auto m = decodeSyncMessage(ByteView(body.data<uint8_t>(), body.size()));
        hello = m && std::holds_alternative<Hello>(*m);
      }
      if (answerForgotten(routingId, hello, now)) continue;
    }
    if (it == downstream_.end()) {
      if (downstream_.size() >= kMaxDownstreamConnections) {
        dropFrame("too_many_peers", code, "too many downstream connections");
        continue;
      }
      it = downstream_.emplace(routingId, Downstream{code, key, now}).first;
      spdlog::debug("connection {} from {}", shortId(routingId), code);
    }
    it->second.lastHeardMs = now;
    if (extra > 0) {
      dropFrame("framing", code,
                "a message of " + std::to_string(extra + 1) + " frames (one expected)");
      continue;
    }
    auto message = decodeSyncMessage(ByteView(body.data<uint8_t>(), body.size()));
    if (!message) {
      dropFrame(std::string(errorCodeName(message.error().code)), code, message.error().message);
      continue;
    }
    if (std::holds_alternative<Ping>(*message)) {
      metrics_.add(Counter::kFramesReceived, "ping");
      try {
        if (router_->send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
            router_->send(body, zmq::send_flags::dontwait)) {
          metrics_.add(Counter::kFramesSent, "ping");
        }
      } catch (const zmq::error_t&) {
        // The peer went away between its ping and our echo.
      }
      continue;
    }
    if (!receiving_) continue;
    engine_.deliver(PeerMessage{"d" + routingId, code, PeerDirection::kDownstream,
                                std::move(*message), body.size()});
  }
}

void Transport::readUpstream() {
  for (int i = 0; i < kMaxFramesPerTurn && session_; ++i) {
    zmq::message_t body;
    if (!session_->socket->recv(body, zmq::recv_flags::dontwait)) return;
    const int64_t now = steadyClockMs();
    session_->lastHeardMs = now;
    if (body.more()) {
      for (bool more = true; more;) {
        zmq::message_t rest;
        if (!session_->socket->recv(rest, zmq::recv_flags::dontwait)) break;
        more = rest.more();
      }
      dropFrame("framing", session_->code, "a message of several frames (one expected)");
      continue;
    }
    auto message = decodeSyncMessage(ByteView(body.data<uint8_t>(), body.size()));
    if (!message) {
      dropFrame(std::string(errorCodeName(message.error().code)), session_->code,
                message.error().message);
      continue;
    }
    if (std::holds_alternative<Reconnect>(*message)) {
      metrics_.add(Counter::kFramesReceived, "reconnect");
      failUpstream(now,
                   "it no longer knew this connection (this node was silent past its peer "
                   "timeout, or it restarted the link) and asked for a new one");
      return;
    }
    if (const auto* ping = std::get_if<Ping>(&*message)) {
      metrics_.add(Counter::kFramesReceived, "ping");
      std::lock_guard lock(mu_);
      status_.rttMs = now - ping->sentMs;
      status_.lastHeardMs = wallClockMs();
      continue;
    }
    if (std::holds_alternative<Hello>(*message) && !session_->established) {
      session_->established = true;
      backoffMs_ = kReconnectBackoffMsMin;
      downSinceMs_ = 0;
      nextProbeMs_ = now + options_.timings.parentProbeMs;
      spdlog::info("connected to {} {} at {}", index_ == 0 ? "parent" : "fallback upstream",
                   session_->code, session_->endpoint);
      publishStatus("connected");
    }
    engine_.deliver(PeerMessage{session_->peerKey, session_->code, PeerDirection::kUpstream,
                                std::move(*message), body.size()});
  }
}

void Transport::readProbe() {
  zmq::message_t body;
  while (probe_ && probe_->socket->recv(body, zmq::recv_flags::dontwait)) {
    if (decodeSyncMessage(ByteView(body.data<uint8_t>(), body.size()))) probe_->established = true;
  }
}

void Transport::sendOutbox() {
  std::deque<OutboundFrame> frames = outbox_.take();
  for (OutboundFrame& f : frames) {
    const int64_t now = steadyClockMs();
    if (f.peerKey.empty()) continue;
    if (f.peerKey[0] == 'u') {
      if (!session_ || session_->peerKey != f.peerKey) continue;  // that connection is gone
      if (f.close) {
        failUpstream(now, "the link was restarted by this node");
        continue;
      }
      if (!session_->socket->send(zmq::const_buffer(f.frame.data(), f.frame.size()),
                                  zmq::send_flags::dontwait)) {
        // Ours, not the peer's: counted with the dropped frames; failUpstream logs the one line.
        metrics_.add(Counter::kFramesRejected, "send_queue_full");
        failUpstream(now, "its send queue is full (it does not read); this frame was not sent");
      }
      continue;
    }
    std::string routingId = f.peerKey.substr(1);
    if (f.close) {
      auto it = downstream_.find(routingId);
      forgetDownstream(routingId, it != downstream_.end() ? it->second.code : "");
      if (it != downstream_.end()) downstream_.erase(it);
      continue;
    }
    if (!router_) continue;
    if (!sendRouted(routingId, f.frame)) {
      // Gone, or so slow that its queue is full: forget the connection; the peer reconnects with a
      // fresh hello when it notices.
      auto it = downstream_.find(routingId);
      std::string code = it != downstream_.end() ? it->second.code : shortId(routingId);
      metrics_.add(Counter::kFramesRejected, "send_failed");
      uint64_t suppressed = 0;
      if (limiter_.allow(code + ":send_failed", steadyClockMs(), suppressed)) {
        spdlog::warn(
            "cannot send to downstream {}: the connection is gone or its send queue is "
            "full; forgetting it (it reconnects with a hello){}",
            code, suppressedNote(suppressed));
      }
      forgetDownstream(routingId, code);
      if (it != downstream_.end()) downstream_.erase(it);
      engine_.peerClosed(f.peerKey);
    }
  }
}

std::unique_ptr<zmq::socket_t> Transport::dial(const std::string& endpoint,
                                               const Curve25519Key& serverKey) {
  auto s = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  s->set(zmq::sockopt::linger, 0);
  s->set(zmq::sockopt::curve_serverkey, zmq::const_buffer(serverKey.data(), serverKey.size()));
  s->set(zmq::sockopt::curve_publickey,
         zmq::const_buffer(options_.publicKey.data(), options_.publicKey.size()));
  s->set(zmq::sockopt::curve_secretkey,
         zmq::const_buffer(options_.secretKey.data(), options_.secretKey.size()));
  s->set(zmq::sockopt::reconnect_ivl, -1);  // each attempt is a new socket and a new hello
  s->set(zmq::sockopt::sndhwm, kSendQueueFrames);
  s->set(zmq::sockopt::rcvhwm, kReceiveQueueFrames);
  s->set(zmq::sockopt::maxmsgsize, kMaxFrameBytesRead);
  s->set(zmq::sockopt::connect_timeout, static_cast<int>(options_.timings.peerTimeoutMs));
  s->set(zmq::sockopt::handshake_ivl, static_cast<int>(options_.timings.peerTimeoutMs));
  s->connect(endpoint);
  return s;
}

void Transport::connectUpstream(int64_t now) {
  const UpstreamConfig& u = upstreams_[index_];
  auto keys = keys_.get();
  auto key = keys->ancestors.find(u.code);
  if (key == keys->ancestors.end()) {
    spdlog::error("no valid certificate of upstream {} is known; cannot dial {}", u.code,
                  u.endpoint);
    nextAttemptMs_ = now + kReconnectBackoffMsMax;
    publishStatus("backoff", "no valid certificate of " + u.code);
    return;
  }
  session_ = std::make_unique<Session>();
  try {
    session_->socket = dial(u.endpoint, key->second);
  } catch (const zmq::error_t& e) {
    session_.reset();
    spdlog::error("cannot dial upstream {} at {}: {}", u.code, u.endpoint, e.what());
    nextAttemptMs_ = now + kReconnectBackoffMsMax;
    publishStatus("backoff", e.what());
    return;
  }
  session_->peerKey = "u" + std::to_string(++epoch_);
  session_->code = u.code;
  session_->endpoint = u.endpoint;
  session_->startedMs = session_->lastHeardMs = now;
  if (downSinceMs_ == 0) downSinceMs_ = now;
  publishStatus("connecting");
  engine_.peerOpened(session_->peerKey, u.code, PeerDirection::kUpstream);
}

void Transport::closeSession() {
  if (!session_) return;
  engine_.peerClosed(session_->peerKey);
  session_.reset();
}

void Transport::failUpstream(int64_t now, const std::string& why) {
  if (!session_) return;
  const std::string code = session_->code;
  const std::string endpoint = session_->endpoint;
  const bool wasEstablished = session_->established;
  closeSession();
  closeProbe();
  if (wasEstablished || downSinceMs_ == 0) downSinceMs_ = now;
  bool switched = false;
  if (upstreams_.size() > 1 && now - downSinceMs_ >= options_.timings.fallbackAfterMs) {
    index_ = (index_ + 1) % upstreams_.size();
    downSinceMs_ = 0;
    backoffMs_ = kReconnectBackoffMsMin;
    switched = true;
  }
  uint64_t suppressed = 0;
  if (wasEstablished || switched || limiter_.allow("upstream:" + code, now, suppressed)) {
    spdlog::warn(
        "upstream {} at {}: {}; {}", code, endpoint, why,
        switched ? fmt::format("switching to {} {}", index_ == 0 ? "parent" : "fallback upstream",
                               upstreams_[index_].code)
                 : fmt::format("next attempt in {} ms", backoffMs_));
  }
  if (switched) {
    nextAttemptMs_ = now;
  } else {
    nextAttemptMs_ = now + backoffMs_;
    backoffMs_ = std::min(backoffMs_ * 2, kReconnectBackoffMsMax);
  }
  publishStatus("backoff", why);
}

void Transport::upstreamTick(int64_t now) {
  if (upstreams_.empty()) {
    closeProbe();
    closeSession();
    return;
  }
  if (!session_) {
    if (now >= nextAttemptMs_) connectUpstream(now);
    return;
  }
  Session& s = *session_;
  const SyncTimings& t = options_.timings;
  if (!s.established && now - s.startedMs > t.peerTimeoutMs) {
    failUpstream(now, "no hello within " + std::to_string(t.peerTimeoutMs) +
                          " ms (is it running, and does it know this node's certificate?)");
    return;
  }
  if (s.established && now - s.lastHeardMs > t.peerTimeoutMs) {
    failUpstream(now, "silent for " + std::to_string(now - s.lastHeardMs) + " ms");
    return;
  }
  if (now - s.lastPingMs >= t.heartbeatMs) {
    s.lastPingMs = now;
    Bytes ping = encodeSyncMessage(Ping{++pingNonce_, now});
    if (s.socket->send(zmq::const_buffer(ping.data(), ping.size()), zmq::send_flags::dontwait)) {
      metrics_.add(Counter::kFramesSent, "ping");
    }
  }
  if (s.established && index_ != 0) {
    probeTick(now);
  } else {
    closeProbe();
  }
}

void Transport::probeTick(int64_t now) {
  if (!probe_) {
    if (now < nextProbeMs_) return;
    nextProbeMs_ = now + options_.timings.parentProbeMs;
    auto keys = keys_.get();
    auto key = keys->ancestors.find(upstreams_[0].code);
    if (key == keys->ancestors.end()) return;
    probe_ = std::make_unique<Session>();
    try {
      probe_->socket = dial(upstreams_[0].endpoint, key->second);
    } catch (const zmq::error_t&) {
      probe_.reset();
      return;
    }
    probe_->code = upstreams_[0].code;
    probe_->startedMs = now;
    Bytes ping = encodeSyncMessage(Ping{++pingNonce_, now});
    (void)probe_->socket->send(zmq::const_buffer(ping.data(), ping.size()),
                               zmq::send_flags::dontwait);
    return;
  }
  if (probe_->established) {
    spdlog::info("parent {} answers again; leaving fallback upstream {}", upstreams_[0].code,
                 session_ ? session_->code : "");
    closeProbe();
    closeSession();
    index_ = 0;
    downSinceMs_ = 0;
    backoffMs_ = kReconnectBackoffMsMin;
    nextAttemptMs_ = now;
    publishStatus("backoff");
    return;
  }
  if (now - probe_->startedMs > options_.timings.peerTimeoutMs) closeProbe();
}

void Transport::closeProbe() { probe_.reset(); }

void Transport::expireDownstream(int64_t now) {
  if (now - lastExpiryMs_ < kDownstreamExpiryScanMs) return;
  lastExpiryMs_ = now;
  for (auto it = downstream_.begin(); it != downstream_.end();) {
    if (now - it->second.lastHeardMs > options_.timings.peerTimeoutMs) {
      spdlog::debug("connection {} from {} went silent", shortId(it->first), it->second.code);
      engine_.peerClosed("d" + it->first);
      forgetDownstream(it->first, it->second.code);
      it = downstream_.erase(it);
    } else {
      ++it;
    }
  }
}

void Transport::closeUnadmitted(const PeerKeys& keys) {
  const int64_t now = steadyClockMs();
  for (auto it = downstream_.begin(); it != downstream_.end();) {
    if (keys.admits(it->second.key, it->second.code)) {
      ++it;
      continue;
    }
    const std::string routingId = it->first;
    const std::string code = it->second.code;
    spdlog::warn(
        "closing the connection of {}: its key is no longer admitted (revoked, or its certificate "
        "expired); it may reconnect only with a key this node admits",
        code);
    metrics_.add(Counter::kConnectionsRefused, "key_no_longer_admitted");
    engine_.peerClosed("d" + routingId);
    it = downstream_.erase(it);
    forgetDownstream(routingId, code);
    (void)answerForgotten(routingId, /*isHello=*/false, now);  // Reconnect: redial, meet ZAP
  }
}

bool Transport::sendRouted(const std::string& routingId, ByteView frame) {
  try {
    return router_->send(zmq::const_buffer(routingId.data(), routingId.size()),
                         zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
           router_->send(zmq::const_buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    if (e.num() != EHOSTUNREACH) throw;  // ROUTER_MANDATORY: the peer is gone
    return false;
  }
}

void Transport::forgetDownstream(const std::string& routingId, const std::string& code) {
  if (!forgotten_.try_emplace(routingId, Forgotten{code, std::nullopt}).second) return;
  forgottenOrder_.push_back(routingId);
  while (forgottenOrder_.size() > kMaxForgottenConnections) {
    forgotten_.erase(forgottenOrder_.front());
    forgottenOrder_.pop_front();
  }
}

bool Transport::answerForgotten(const std::string& routingId, bool isHello, int64_t now) {
  auto f = forgotten_.find(routingId);
  if (f == forgotten_.end()) return false;
  if (isHello) {
    forgotten_.erase(f);  // a fresh start on the same connection is as good as a new one
    return false;
  }
  metrics_.add(Counter::kFramesRejected, "forgotten_connection");
  if (f->second.lastRequestMs && now - *f->second.lastRequestMs < kReconnectRequestMs) return true;
  f->second.lastRequestMs = now;
  if (sendRouted(routingId, encodeSyncMessage(Reconnect{})))
    metrics_.add(Counter::kFramesSent, "reconnect");
  uint64_t suppressed = 0;
  const std::string who = f->second.code.empty() ? shortId(routingId) : f->second.code;
  if (limiter_.allow(who + ":forgotten_connection", now, suppressed)) {
    spdlog::info(
        "{} spoke on connection {}, which this node had forgotten; asked it to reconnect{}", who,
        shortId(routingId), suppressedNote(suppressed));
  }
  return true;
}

}  // namespace govbus
