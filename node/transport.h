// Transport: the node's ZeroMQ I/O thread — every socket, and nothing slower than decoding.
//
// Sockets (all created, used and closed on the transport thread):
//   - a ROUTER bound to `listen` (when configured), CurveZMQ server with the node's own key; the
//   ZAP
//     handler admits only enrolled descendants and names each connection's node (User-Id);
//     ZMQ_ZAP_ENFORCE_DOMAIN makes ZeroMQ refuse clients should the handler ever be gone;
//   - one DEALER dialling the current upstream (CurveZMQ client; the server key is the upstream's
//     certified key, so a man in the middle cannot pose as the parent). ZeroMQ's own reconnection
//     is off: every connection attempt is a fresh socket, so that every connection starts with a
//     Hello and the peer never sees records on a connection it has not greeted;
//   - while on a fallback upstream, a short-lived DEALER that probes the parent with a Ping.
// Each frame is one SyncMessage. Frames are size-checked and decoded here (decodeSyncMessage, which
// never throws); Pings are answered here, so liveness does not wait on the writer; Hello,
// RecordsBatch and Ack go to the Engine, which verifies signatures and commits off this thread.
// Undecodable frames, extra frames and oversized messages are dropped, counted
// (govbus_frames_rejected_total{reason}) and logged at most once per kRejectLogIntervalMs per peer
// and reason; the connection — and every other peer — carries on.
//
// Upstream policy: dial the parent; after `fallback_after_ms` without a working connection to it,
// dial the fallbacks in order; while on a fallback, probe the parent every `parent_probe_ms` and go
// back as soon as it answers. Failed attempts back off exponentially from kReconnectBackoffMsMin to
// kReconnectBackoffMsMax. A connection counts as dead after `peer_timeout_ms` of silence (a child
// pings every `heartbeat_ms`; the parent echoes); downstream connections silent that long are
// forgotten.
//
// Forgotten is not gone: a child that was paused (SIGSTOP, a stalled VM) past the timeout resumes
// on its old connection, and records or acks on a connection whose hello the engine no longer knows
// would be dropped until the child's ack timeout. So the routing ids of forgotten downstream
// connections (expired, closed by the engine, or whose send failed) are remembered
// (kMaxForgottenConnections, oldest first out; ZeroMQ never reuses a routing id on a socket), and
// any frame but a Hello on one is answered with Reconnect (at most once per kReconnectRequestMs per
// connection) instead of being passed on or echoed. The child closes that connection and dials
// again at once: an established session's backoff is the minimum.
//
// Keys can stop being admitted while a connection is open (ZAP runs only at the handshake): the ZAP
// handler passes each connection's CURVE key as metadata, and whenever the engine publishes new
// peer keys (a key revocation, a certificate expiring: node/peer_keys.h) the transport closes the
// downstream connections whose key is no longer admitted, and drops any later frame on them
// (govbus_connections_refused_total{reason="key_no_longer_admitted"}).
//
// Below the sync protocol, a socket monitor on the listening socket counts and logs (rate-limited)
// what ZeroMQ otherwise handles silently, in govbus_connections_refused_total{reason}:
//   handshake_failed  a plain (non-CURVE) client, or a broken CURVE handshake (a key the ZAP
//                     handler refuses is counted there, in govbus_zap_refused_total);
//   no_handshake      a TCP connection closed before any handshake outcome (raw garbage, scanners);
//   disconnected      a connection closed after its handshake: by the peer, by the network, or by
//                     ZeroMQ because the peer sent a frame over kMaxFrameBytesRead (libzmq 4.3
//                     reports an oversized message only as a disconnect).
// Handshake outcomes carry no file descriptor, so they are matched to accepted connections in
// order; totals are exact once the connections are closed.
//
// Thread safety: start/stop/setUpstreams/status from any thread; the rest runs on its own thread.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "crypto/keys.h"
#include "node/engine.h"
#include "node/metrics.h"
#include "node/node_config.h"
#include "node/outbox.h"
#include "node/peer_keys.h"
#include "node/rate_limited_log.h"
#include "protocol/limits.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace govbus {

inline constexpr int64_t kReconnectBackoffMsMin = 100;
inline constexpr int64_t kReconnectBackoffMsMax = 10'000;
// ZeroMQ's limits (ZMQ_MAXMSGSIZE, ZMQ_RCVHWM, ZMQ_SNDHWM, connections) are in
// node/memory_budget.h, derived from one byte budget per connection and one per node.
// Frames read from one socket per loop turn, so that one busy socket cannot starve the others.
inline constexpr int kMaxFramesPerTurn = 256;
inline constexpr int kTransportPollMs = 20;
// On stop, how long queued frames (final acks) may take to leave.
inline constexpr int kStopLingerMs = 500;
inline constexpr size_t kMaxForgottenConnections = 4096;
inline constexpr int64_t kReconnectRequestMs = 1000;

static_assert(kReconnectBackoffMsMin < kReconnectBackoffMsMax);

struct TransportOptions {
  std::string listen;  // empty: no listening socket
  SyncTimings timings;
  Curve25519Key publicKey{};
  Curve25519Key secretKey{};
  // Open TCP connections on the listening socket, kept from its socket monitor for the ZAP
  // handler, which refuses handshakes beyond kMaxDownstreamConnections (optional).
  std::atomic<int64_t>* openConnections = nullptr;
};

struct UpstreamStatus {
  std::string code;
  std::string endpoint;
  std::string state;      // idle, connecting, connected, backoff
  bool fallback = false;  // connected through a fallback, not the parent
  int64_t sinceMs = 0;    // wall time the state began
  int64_t lastHeardMs = 0;
  int64_t rttMs = -1;
  std::string lastError;
};

class Transport {
 public:
  Transport(zmq::context_t& context, Engine& engine, Outbox& outbox, const PeerKeysSnapshot& keys,
            Metrics& metrics, TransportOptions options,
            std::function<void(const std::string&)> onFatal);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Starts the thread; returns once the listening socket is bound (or binding failed).
  Status start();
  // Stops reading from peers (the engine drains what it has); frames keep being sent.
  void stopReceiving() { receiving_ = false; }
  // Sends what the outbox still holds (bounded by kStopLingerMs), closes every socket, joins.
  void stop();
  // Replaces the upstream list (SIGHUP). Codes must be resolved.
  void setUpstreams(std::vector<UpstreamConfig> upstreams);
  UpstreamStatus upstreamStatus() const;
  bool running() const { return running_.load(); }

 private:
  struct Session;
  struct Downstream {
    std::string code;
    Curve25519Key key{};      // the CURVE key ZAP admitted the connection with
    int64_t lastHeardMs = 0;  // steady
  };
  struct Forgotten {
    std::string code;
    std::optional<int64_t> lastRequestMs;  // steady; when we last answered it with Reconnect
  };

  void run(std::promise<Status>& bound);
  void loop();
  void readRouter();
  // Socket monitor of the listening socket: what happens below the sync protocol.
  void readMonitor();
  void readUpstream();
  void readProbe();
  void sendOutbox();
  // One frame to a downstream connection on the ROUTER; false when it is gone or its queue is full.
  bool sendRouted(const std::string& routingId, ByteView frame);
  void upstreamTick(int64_t now);
  void connectUpstream(int64_t now);
  void failUpstream(int64_t now, const std::string& why);
  void closeSession();
  void probeTick(int64_t now);
  void closeProbe();
  void expireDownstream(int64_t now);
  void forgetDownstream(const std::string& routingId, const std::string& code);
  // Closes every open downstream connection whose key the current peer keys no longer admit (a
  // revocation or an expiry since its handshake): the engine drops its link, the peer is told to
  // reconnect, and its new handshake meets the ZAP handler.
  void closeUnadmitted(const PeerKeys& keys);
  // A frame on a forgotten connection: answer Reconnect (rate-limited); false for a Hello, which
  // starts the connection afresh.
  bool answerForgotten(const std::string& routingId, bool isHello, int64_t now);
  std::unique_ptr<zmq::socket_t> dial(const std::string& endpoint, const Curve25519Key& serverKey);
  void dropFrame(const std::string& reason, const std::string& peer, const std::string& detail);
  void publishStatus(const std::string& state, const std::string& error = "");

  zmq::context_t& context_;
  Engine& engine_;
  Outbox& outbox_;
  const PeerKeysSnapshot& keys_;
  Metrics& metrics_;
  TransportOptions options_;
  std::function<void(const std::string&)> onFatal_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> receiving_{true};
  std::atomic<bool> running_{false};
  std::thread thread_;

  mutable std::mutex mu_;  // guards pendingUpstreams_ and status_
  std::optional<std::vector<UpstreamConfig>> pendingUpstreams_;
  UpstreamStatus status_;

  // Transport-thread state.
  std::unique_ptr<zmq::socket_t> router_;
  std::unique_ptr<zmq::socket_t> monitor_;
  std::deque<int> handshaking_;  // fds accepted, handshake outcome not seen yet (oldest first)
  std::set<int> established_;    // fds whose handshake succeeded
  std::map<std::string, Downstream> downstream_;  // by routing id
  std::shared_ptr<const PeerKeys> admitted_;      // the snapshot closeUnadmitted last applied
  std::map<std::string, Forgotten> forgotten_;    // by routing id
  std::deque<std::string> forgottenOrder_;        // oldest first, for the bound
  std::vector<UpstreamConfig> upstreams_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<Session> probe_;
  size_t index_ = 0;    // which upstream: 0 is the parent
  uint64_t epoch_ = 0;  // connection counter: peer keys of upstream connections
  int64_t backoffMs_ = kReconnectBackoffMsMin;
  int64_t nextAttemptMs_ = 0;
  int64_t downSinceMs_ = 0;  // steady ms since the current upstream has had no working connection
  int64_t nextProbeMs_ = 0;
  int64_t lastExpiryMs_ = 0;
  uint64_t pingNonce_ = 0;
  RateLimiter limiter_;
};

}  // namespace govbus
