#include "sync/witness_schedule.h"

namespace govbus {

std::optional<Witness> WitnessSchedule::due(const std::map<std::string, uint64_t>& heads,
                                            int64_t nowMs, bool stopping) const {
  if (!stopping && lastMs_ != 0 && nowMs - lastMs_ < intervalMs_) return std::nullopt;
  Witness w;
  for (const auto& [feed, seq] : heads) {
    auto it = witnessed_.find(feed);
    if (seq > 0 && (it == witnessed_.end() || seq > it->second)) w.feeds.push_back({feed, seq});
  }
  if (w.feeds.empty()) return std::nullopt;
  return w;
}

void WitnessSchedule::authored(const Witness& witness, int64_t nowMs) {
  lastMs_ = nowMs;
  for (const FrontierEntry& e : witness.feeds) witnessed_[e.author] = e.seq;
}

std::optional<LinkOutage> OutageTracker::up(const std::string& peer, int64_t nowMs) {
  const int64_t since = downSinceMs_;
  downSinceMs_ = 0;
  if (since == 0 || nowMs - since < kMinReportedOutageMs) return std::nullopt;
  return LinkOutage{peer, since, nowMs};
}

}  // namespace govbus
