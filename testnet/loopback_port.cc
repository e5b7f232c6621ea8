#include "testnet/loopback_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

namespace govbus::testnet {

namespace {

constexpr uint16_t kLowestPort = 10000;

// The first port of the kernel's ephemeral range; the Linux default when it cannot be read.
uint16_t ephemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 0, high = 0;
  if (in >> low >> high && low > 0 && low <= 65535) return static_cast<uint16_t>(low);
  return 32768;
}

// Binds `port` on 127.0.0.1 and releases it; 0 asks the kernel for any free port. Returns the
// port bound, or 0 when it was taken.
uint16_t tryBind(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  socklen_t len = sizeof addr;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  return ok ? ntohs(addr.sin_port) : 0;
}

}  // namespace

Result<uint16_t> freeLoopbackPort() {
  uint16_t low = ephemeralLow();
  if (low > kLowestPort + 1000) {
    std::random_device seed;
    std::mt19937 pick(seed());
    std::uniform_int_distribution<uint32_t> in(kLowestPort, low - 1u);
    for (int attempt = 0; attempt < 200; ++attempt)
      if (uint16_t port = tryBind(static_cast<uint16_t>(in(pick))); port != 0) return port;
  }
  // A machine whose ephemeral range starts too low to leave room: take what the kernel gives.
  if (uint16_t port = tryBind(0); port != 0) return port;
  return makeError(ErrorCode::kIo, "cannot find a free port on 127.0.0.1");
}

}  // namespace govbus::testnet
