// WorkerPool: threads for the core's parallel work (sync/parallel.h) — phase 1 of ingest (decode,
// hash, Ed25519 verification) on every core, in the daemon, in `govbus-admin verify` and rebuild,
// and in the store generator.
//
// forEach(n, fn) cuts [0, n) into chunks of kChunkItems; the calling thread and the workers take
// chunks until none is left, and forEach returns when every item has run. The caller works too,
// so a pool of width w starts w - 1 threads; width 1 runs everything on the caller. Which thread
// runs which item varies from call to call; what each item writes does not, so the results never
// depend on thread timing.
//
// Thread safety: forEach may be called from any thread, one call at a time (a second caller waits
// for the first). fn must not throw.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "sync/parallel.h"

namespace govbus {

class WorkerPool final : public Parallel {
 public:
  // Items handed out at a time: a few hundred microseconds of signature checks.
  static constexpr size_t kChunkItems = 16;

  // `width` threads in all, the caller included; 0 means one per hardware thread.
  explicit WorkerPool(size_t width = 0);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void forEach(size_t n, const std::function<void(size_t)>& fn) override;
  size_t width() const override { return threads_.size() + 1; }

 private:
  void work();
  void runChunks();

  std::mutex call_;  // one forEach at a time
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t n_ = 0;
  std::atomic<size_t> next_{0};
  size_t busy_ = 0;          // workers still on the current call
  uint64_t generation_ = 0;  // one per call
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace govbus
