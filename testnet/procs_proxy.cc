#include "testnet/procs_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>  // O_CLOEXEC, O_NONBLOCK for pipe2
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>

namespace govbus::testnet {

namespace {

// Per direction: a reader stops reading while this much waits for the writer.
constexpr size_t kBufferBytes = 256 * 1024;
constexpr int kPollTimeoutMs = 100;

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

}  // namespace

struct LinkProxy::Pair {
  size_t link = 0;
  int a = -1;  // accepted from the child
  int b = -1;  // dialled to the upstream
  bool connected = false;
  std::string ab, ba;  // bytes read from one side, not yet written to the other
  bool dead = false;
};

LinkProxy::~LinkProxy() {
  stop();
  for (Link& l : links_) closeFd(l.listenFd);
}

Result<uint16_t> LinkProxy::add(const std::string& name, uint16_t targetPort) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return makeError(ErrorCode::kIo, "socket: " + std::string(strerror(errno)));
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string why = strerror(errno);
    ::close(fd);
    return makeError(ErrorCode::kIo, "link proxy " + name + ": cannot listen on 127.0.0.1: " + why);
  }
  links_.push_back(Link{name, fd, targetPort});
  std::lock_guard lock(mu_);
  cut_[name] = false;
  return static_cast<uint16_t>(ntohs(addr.sin_port));
}

Status LinkProxy::start() {
  if (::pipe2(wakeFds_, O_CLOEXEC | O_NONBLOCK) != 0)
    return makeError(ErrorCode::kIo, "pipe: " + std::string(strerror(errno)));
  thread_ = std::thread([this] { loop(); });
  return Status::Ok();
}

void LinkProxy::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  wake();
  thread_.join();
  closeFd(wakeFds_[0]);
  closeFd(wakeFds_[1]);
}

void LinkProxy::wake() {
  if (wakeFds_[1] >= 0) {
    char c = 1;
    (void)!::write(wakeFds_[1], &c, 1);
  }
}

void LinkProxy::cut(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    cut_[name] = true;
  }
  wake();
}

void LinkProxy::heal(const std::string& name) {
  std::lock_guard lock(mu_);
  cut_[name] = false;
}

bool LinkProxy::isCut(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = cut_.find(name);
  return it != cut_.end() && it->second;
}

void LinkProxy::loop() {
  std::list<Pair> pairs;
  std::vector<pollfd> fds;
  // Which pollfd belongs to what: -1 the wake pipe, [0, links) a listener, else a pair side.
  struct Slot {
    int kind;  // 0 wake, 1 listener, 2 pair side a, 3 pair side b
    size_t link;
    Pair* pair;
  };
  std::vector<Slot> slots;
  auto closePair = [](Pair& p) {
    closeFd(p.a);
    closeFd(p.b);
    p.dead = true;
  };
  // Reads what `from` has into `buf`; false on EOF or error.
  auto pull = [](int from, std::string& buf) {
    char chunk[16384];
    while (buf.size() < kBufferBytes) {
      ssize_t n = ::read(from, chunk, sizeof chunk);
      if (n > 0) {
        buf.append(chunk, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    return true;
  };
  auto push = [](int to, std::string& buf) {
    while (!buf.empty()) {
      ssize_t n = ::send(to, buf.data(), buf.size(), MSG_NOSIGNAL);
      if (n > 0) {
        buf.erase(0, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    return true;
  };

  while (!stop_) {
    std::map<std::string, bool> cut;
    {
      std::lock_guard lock(mu_);
      cut = cut_;
    }
    for (Pair& p : pairs) {
      if (cut[links_[p.link].name]) closePair(p);
    }
    pairs.remove_if([](const Pair& p) { return p.dead; });

    fds.clear();
    slots.clear();
    fds.push_back(pollfd{wakeFds_[0], POLLIN, 0});
    slots.push_back(Slot{0, 0, nullptr});
    for (size_t i = 0; i < links_.size(); ++i) {
      fds.push_back(pollfd{links_[i].listenFd, POLLIN, 0});
      slots.push_back(Slot{1, i, nullptr});
    }
    for (Pair& p : pairs) {
      short a = 0, b = 0;
      if (!p.connected) {
        b = POLLOUT;
      } else {
        if (p.ab.size() < kBufferBytes) a |= POLLIN;
        if (!p.ba.empty()) a |= POLLOUT;
        if (p.ba.size() < kBufferBytes) b |= POLLIN;
        if (!p.ab.empty()) b |= POLLOUT;
      }
      fds.push_back(pollfd{p.a, a, 0});
      slots.push_back(Slot{2, p.link, &p});
      fds.push_back(pollfd{p.b, b, 0});
      slots.push_back(Slot{3, p.link, &p});
    }
    int n = ::poll(fds.data(), fds.size(), kPollTimeoutMs);
    if (n <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      const short ev = fds[i].revents;
      if (ev == 0) continue;
      const Slot& s = slots[i];
      if (s.kind == 0) {
        char drain[64];
        while (::read(wakeFds_[0], drain, sizeof drain) > 0) {
        }
        continue;
      }
      if (s.kind == 1) {
        for (;;) {
          int c =
              ::accept4(links_[s.link].listenFd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (c < 0) break;
          if (cut[links_[s.link].name]) {
            ++refused_;
            ::close(c);
            continue;
          }
          int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
          sockaddr_in to = loopback(links_[s.link].targetPort);
          if (b < 0 || (::connect(b, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 &&
                        errno != EINPROGRESS)) {
            if (b >= 0) ::close(b);
            ::close(c);
            continue;
          }
          int one = 1;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          ::setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          ++forwarded_;
          Pair p;
          p.link = s.link;
          p.a = c;
          p.b = b;
          pairs.push_back(std::move(p));
        }
        continue;
      }
      Pair& p = *s.pair;
      if (p.dead) continue;
      if (s.kind == 3 && !p.connected) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(p.b, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (ev & (POLLERR | POLLHUP)) != 0) {
          closePair(p);  // nothing listens upstream: the child sees its connection drop
        } else {
          p.connected = true;
        }
        continue;
      }
      if (!p.connected) {  // the child hung up before the upstream answered
        closePair(p);
        continue;
      }
      const int self = s.kind == 2 ? p.a : p.b;
      const int other = s.kind == 2 ? p.b : p.a;
      std::string& in = s.kind == 2 ? p.ab : p.ba;   // read from self, for other
      std::string& out = s.kind == 2 ? p.ba : p.ab;  // for self
      bool ok = true;
      if ((ev & POLLIN) != 0 || (ev & (POLLHUP | POLLERR)) != 0) ok = pull(self, in);
      if (ok && (ev & POLLOUT) != 0) ok = push(self, out);
      if (ok && !in.empty()) ok = push(other, in);
      // One side gone: close both. ZeroMQ peers reconnect; half-open links help nobody here.
      if (!ok) closePair(p);
    }
    pairs.remove_if([](const Pair& p) { return p.dead; });
  }
  for (Pair& p : pairs) closePair(p);
}

}  // namespace govbus::testnet
