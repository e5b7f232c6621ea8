// Progress: one updating line on stderr for long operations (verify, backup, restore), shown only
// when stderr is a terminal, so that scripts and logs get nothing but the result.
//
// Thread safety: one object per operation; update() may be called from one thread at a time.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace govbus::admin {

class Progress {
 public:
  // `unit` names what is counted ("records", "MiB"); `total` 0 means unknown.
  Progress(std::string what, std::string unit, uint64_t total)
      : what_(std::move(what)), unit_(std::move(unit)), total_(total), tty_(::isatty(2) == 1) {}
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void setTotal(uint64_t total) { total_ = total; }

  // Redraws at most every kRedrawMs.
  void update(uint64_t done) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(kRedrawMs)) return;
    last_ = now;
    drawn_ = true;
    if (total_ > 0) {
      std::fprintf(stderr, "\r%s: %llu of %llu %s (%llu%%)\033[K", what_.c_str(),
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                   unit_.c_str(), static_cast<unsigned long long>(done * 100 / total_));
    } else {
      std::fprintf(stderr, "\r%s: %llu %s\033[K", what_.c_str(),
                   static_cast<unsigned long long>(done), unit_.c_str());
    }
    std::fflush(stderr);
  }

  // Erases the line, so that what follows starts clean.
  void finish() {
    if (tty_ && drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  static constexpr int kRedrawMs = 100;
  std::string what_;
  std::string unit_;
  uint64_t total_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace govbus::admin
