// WitnessSchedule: when a node states, in a Witness record, how far it has stored its children's
// feeds (DESIGN §6, witnessed time), and when it reports a link outage.
//
// A witness is cheap only if it is rare: at most one record per interval, and none while no
// witnessed feed moved. With the default minute, a county's record is witnessed within about a
// minute of reaching its parent, well inside the province's 15-minute tolerance, and a busy city
// adds at most 1,440 records a day. The same schedule runs in the daemon and in the simulator.
//
// Thread safety: a value type with one owner.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/record.h"

namespace govbus {

inline constexpr int64_t kDefaultWitnessIntervalMs = 60'000;
// An upstream link down for less than this is not worth a record.
inline constexpr int64_t kMinReportedOutageMs = 60'000;

class WitnessSchedule {
 public:
  explicit WitnessSchedule(int64_t intervalMs = kDefaultWitnessIntervalMs)
      : intervalMs_(intervalMs) {}

  // The witness to author now, given the heads of the feeds this node witnesses (its children's),
  // or nothing when the interval has not passed or no feed moved since the last one. `stopping`
  // ignores the interval: a node that stops states what it stored first, so that its children's
  // latest records are not witnessed only after it is back (and look reported late).
  std::optional<Witness> due(const std::map<std::string, uint64_t>& heads, int64_t nowMs,
                             bool stopping = false) const;
  // After the witness was committed.
  void authored(const Witness& witness, int64_t nowMs);

 private:
  int64_t intervalMs_;
  int64_t lastMs_ = 0;
  std::map<std::string, uint64_t> witnessed_;  // feed → seq last stated
};

// Tracks the node's upstream link and says when to report an outage: when the link comes back
// after being down at least kMinReportedOutageMs.
class OutageTracker {
 public:
  void down(int64_t nowMs) {
    if (downSinceMs_ == 0) downSinceMs_ = nowMs;
  }
  std::optional<LinkOutage> up(const std::string& peer, int64_t nowMs);

 private:
  int64_t downSinceMs_ = 0;
};

}  // namespace govbus
