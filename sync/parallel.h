// Parallel: how the core asks its shell to spread independent work over the machine's cores.
//
// The core starts no threads. Where it has work whose items do not depend on each other — the
// integrity check of a batch's records (decode, hash, Ed25519 verification: checkRecord) — it
// hands it to a Parallel, which the shell implements with a worker pool (node/worker_pool.h) and
// the simulator and tests leave serial. Each call fn(i) writes only what belongs to item i, and
// forEach returns when every item is done, so what the core does next — and what it stores, in
// what order — never depends on thread timing.
//
// Thread safety: forEach is called from one thread at a time; fn must be safe to run concurrently
// for distinct i.
#pragma once

#include <cstddef>
#include <functional>

namespace govbus {

class Parallel {
 public:
  virtual ~Parallel() = default;
  // Calls fn(i) for every i in [0, n), possibly on several threads, and returns when all are done.
  virtual void forEach(size_t n, const std::function<void(size_t)>& fn) = 0;
  // How many threads forEach may use (1: serial).
  virtual size_t width() const = 0;
};

// Everything on the calling thread, in order.
class Serial final : public Parallel {
 public:
  void forEach(size_t n, const std::function<void(size_t)>& fn) override {
    for (size_t i = 0; i < n; ++i) fn(i);
  }
  size_t width() const override { return 1; }
};

}  // namespace govbus
