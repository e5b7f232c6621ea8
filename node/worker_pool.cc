#include "node/worker_pool.h"

#include <algorithm>

namespace govbus {

WorkerPool::WorkerPool(size_t width) {
  if (width == 0) width = std::max<size_t>(1, std::thread::hardware_concurrency());
  for (size_t i = 1; i < width; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::forEach(size_t n, const std::function<void(size_t)>& fn) {
  std::lock_guard call(call_);
  if (threads_.empty() || n <= kChunkItems) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard lock(mu_);
    fn_ = &fn;
    n_ = n;
    next_.store(0);
    busy_ = threads_.size();
    ++generation_;
  }
  wake_.notify_all();
  runChunks();
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return busy_ == 0; });
  fn_ = nullptr;
}

void WorkerPool::runChunks() {
  for (size_t begin = next_.fetch_add(kChunkItems); begin < n_;
       begin = next_.fetch_add(kChunkItems)) {
    const size_t end = std::min(begin + kChunkItems, n_);
    for (size_t i = begin; i < end; ++i) (*fn_)(i);
  }
}

void WorkerPool::work() {
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    runChunks();
    std::lock_guard lock(mu_);
    if (--busy_ == 0) done_.notify_one();
  }
}

}  // namespace govbus
