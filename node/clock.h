// Clocks the node layer reads: wall time for records and certificates, steady time for timers.
//
// sync/ never reads a clock; node/ passes these values in (Replica::setClock, link nowMs).
#pragma once

#include <chrono>
#include <cstdint>

namespace govbus {

inline int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t steadyClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace govbus
