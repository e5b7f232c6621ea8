// RateLimiter: decides whether a log line about one (peer, reason) may be written now, so that a
// peer sending garbage in a loop costs one line per interval instead of filling the disk.
//
// allow() returns true at most once per interval per key and reports how many lines were
// suppressed since the last one. The key table is bounded (kMaxRateLimitKeys); when full it is
// cleared, which at worst lets a few extra lines through.
//
// Thread safety: none; each thread owns its limiter.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace govbus {

inline constexpr int64_t kRejectLogIntervalMs = 10'000;
inline constexpr size_t kMaxRateLimitKeys = 4096;

class RateLimiter {
 public:
  explicit RateLimiter(int64_t intervalMs = kRejectLogIntervalMs) : intervalMs_(intervalMs) {}

  bool allow(const std::string& key, int64_t nowMs, uint64_t& suppressed) {
    if (entries_.size() >= kMaxRateLimitKeys && !entries_.contains(key)) entries_.clear();
    Entry& e = entries_[key];
    if (e.lastMs != 0 && nowMs - e.lastMs < intervalMs_) {
      ++e.suppressed;
      return false;
    }
    suppressed = e.suppressed;
    e.suppressed = 0;
    e.lastMs = nowMs;
    return true;
  }

 private:
  struct Entry {
    int64_t lastMs = 0;
    uint64_t suppressed = 0;
  };
  int64_t intervalMs_;
  std::map<std::string, Entry> entries_;
};

// The tail of an allowed line: " [N similar suppressed]", or nothing when none were.
inline std::string suppressedNote(uint64_t suppressed) {
  return suppressed ? " [" + std::to_string(suppressed) + " similar suppressed]" : std::string();
}

}  // namespace govbus
