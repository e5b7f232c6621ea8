// ZapHandler: the ZeroMQ authentication handler (ZAP, RFC 27) that decides which CurveZMQ clients
// may talk to this node's listening socket.
//
// It admits a client only when its CURVE public key is the key of an enrolled strict descendant of
// this node (PeerKeysSnapshot::descendants) and tells ZeroMQ the client's node code as its User-Id,
// which the transport then reads from every frame, and the client's CURVE key (hex) as the ZAP
// metadata property X-Curve-Key, with which the transport closes a connection whose key stops being
// admitted (revoked, expired) while it is open: ZAP itself runs only at the handshake. Everything
// else — unknown keys, any other mechanism — is refused with status 400 and counted
// (govbus_zap_refused_total).
//
// Ordering matters for safety: ZeroMQ lets CURVE clients in when no handler is bound, so start()
// returns only once the handler's socket is bound, and the daemon binds its listening socket after
// that (with ZMQ_ZAP_ENFORCE_DOMAIN set as a second line of defence). If the handler thread fails,
// `onFatal` is called and the node stops rather than run unprotected.
//
// Thread safety: start/stop from the owning thread; the handler runs in its own thread.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "base/result.h"
#include "node/metrics.h"
#include "node/peer_keys.h"

namespace zmq {
class context_t;
}

namespace govbus {

inline constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
inline constexpr const char* kZapDomain = "govbus";
// The ZAP metadata property that carries an admitted client's CURVE public key, as 64 hex digits.
inline constexpr const char* kZapCurveKeyProperty = "X-Curve-Key";
// How often the handler thread looks at its stop flag while idle.
inline constexpr int kZapPollMs = 100;

class ZapHandler {
 public:
  // `openConnections`, when given, is the listening socket's open TCP connections (kept by the
  // transport's socket monitor): handshakes beyond kMaxDownstreamConnections are refused
  // (reason too_many_connections), which is what bounds the node's memory (node/memory_budget.h).
  ZapHandler(zmq::context_t& context, const PeerKeysSnapshot& keys, Metrics& metrics,
             std::function<void(const std::string&)> onFatal,
             const std::atomic<int64_t>* openConnections = nullptr);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Starts the thread and waits until its socket is bound (or binding failed).
  Status start();
  void stop();
  bool running() const { return running_.load(); }

 private:
  void run(std::promise<Status>& bound);

  zmq::context_t& context_;
  const PeerKeysSnapshot& keys_;
  Metrics& metrics_;
  std::function<void(const std::string&)> onFatal_;
  const std::atomic<int64_t>* openConnections_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace govbus
