// LinkProxy: loopback TCP forwarders that `govbus-testnet --procs` places on the links between
// nodes, so that the fault schedule can cut a link (or every link into a subtree: a partition) for
// a while and heal it.
//
// Each link is a listening port on 127.0.0.1; a child's config names that port as its upstream
// and the proxy forwards every connection, byte for byte, to the upstream node's listen port. The
// proxy does not look inside: CurveZMQ runs end to end between the two nodes. Cutting a link closes
// both sides of every connection on it and closes each new connection as soon as it is accepted (a
// node that dials sees its connection drop, as on a network that resets); healing lets new
// connections through again. A connection whose upstream is down (nothing listens on the target
// port) is closed at once, so a child sees what it would see without the proxy.
//
// Thread safety: add() before start(); cut, heal, isCut and counters from any thread. One thread of
// its own runs every connection with poll(); the destructor stops it and closes every socket.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace govbus::testnet {

class LinkProxy {
 public:
  LinkProxy() = default;
  ~LinkProxy();
  LinkProxy(const LinkProxy&) = delete;
  LinkProxy& operator=(const LinkProxy&) = delete;

  // A new link named `name` (e.g. "430102>430100") forwarding to 127.0.0.1:targetPort; returns the
  // port it listens on.
  Result<uint16_t> add(const std::string& name, uint16_t targetPort);
  Status start();
  void stop();

  void cut(const std::string& name);
  void heal(const std::string& name);
  bool isCut(const std::string& name) const;
  // Connections forwarded (accepted while the link was up) and refused (accepted while cut).
  uint64_t forwarded() const { return forwarded_; }
  uint64_t refused() const { return refused_; }

 private:
  struct Link {
    std::string name;
    int listenFd = -1;
    uint16_t targetPort = 0;
  };
  struct Pair;
  void loop();
  void wake();

  std::vector<Link> links_;
  mutable std::mutex mu_;
  std::map<std::string, bool> cut_;  // guarded by mu_
  int wakeFds_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> forwarded_{0}, refused_{0};
  std::thread thread_;
};

}  // namespace govbus::testnet
