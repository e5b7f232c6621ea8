// Outbox: frames the writer thread wants sent, handed to the transport thread.
//
// The writer pushes; the transport thread is woken through an eventfd it polls next to its ZeroMQ
// sockets, and takes everything queued. The queue needs no byte bound of its own: what the writer
// pushes is bounded upstream of it — record batches by each link's window (records and bytes in
// flight), acks by the inbound queue they answer, hellos by connections.
//
// Thread safety: push from any thread; take/wakeFd/clearWake from the transport thread.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "base/bytes.h"

namespace govbus {

// Which side of a link a connection is: we dialled it (upstream) or it dialled us (downstream).
enum class PeerDirection : uint8_t { kUpstream, kDownstream };

struct OutboundFrame {
  std::string peerKey;  // the transport's name for the connection
  Bytes frame;          // one encoded SyncMessage; empty with `close`
  const char* kind = "";
  bool close = false;  // drop the connection (a peer whose hello failed)
};

class Outbox {
 public:
  Outbox() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Outbox() {
    if (fd_ >= 0) ::close(fd_);
  }
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  bool ok() const { return fd_ >= 0; }
  void push(OutboundFrame f) {
    {
      std::lock_guard lock(mu_);
      bytes_ += f.frame.size();
      frames_.push_back(std::move(f));
    }
    uint64_t one = 1;
    (void)!::write(fd_, &one, sizeof one);
  }
  std::deque<OutboundFrame> take() {
    std::lock_guard lock(mu_);
    bytes_ = 0;
    return std::exchange(frames_, {});
  }
  size_t queuedBytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }
  int wakeFd() const { return fd_; }
  void clearWake() {
    uint64_t n;
    (void)!::read(fd_, &n, sizeof n);
  }

 private:
  int fd_;
  mutable std::mutex mu_;
  std::deque<OutboundFrame> frames_;
  size_t bytes_ = 0;
};

}  // namespace govbus
