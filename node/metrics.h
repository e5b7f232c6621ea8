// Metrics: the node's counters and its commit-latency histogram, rendered as Prometheus text.
//
// Counters are grouped in families with one label each (a reason, an outcome, a kind); label values
// come from small fixed sets (error-code names, void-reason names, payload kinds, peer codes), so
// the number of series stays bounded. Gauges (link state, lag, void records) are not kept here:
// the API computes them from snapshots when /metrics is scraped.
//
// Thread safety: every method may be called from any thread (one mutex; increments are per batch or
// per frame, never per byte).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace govbus {

enum class Counter : uint8_t {
  kRecordsReceived,     // label outcome: appended, duplicate, buffered, fork, rejected
  kRecordsRejected,     // label reason: error-code name (bad_signature, unknown_signer, …)
  kRecordsSent,         // label peer
  kRecordsAuthored,     // label kind: payload kind
  kFramesReceived,      // label kind: hello, records_batch, ack, ping
  kFramesSent,          // label kind
  kFramesRejected,      // label reason: malformed, too_large, unknown_kind, framing, no_hello,
                        // bad_hello, backpressure, …
  kZapAdmitted,         // label peer
  kZapRefused,          // label reason: unknown_key, not_curve, bad_request
  kApiErrors,           // label status: HTTP status code
  kConnectionsRefused,  // label reason: handshake_failed, oversize_message, key_no_longer_admitted
  kCount,
};

class Metrics {
 public:
  void add(Counter counter, std::string_view label, uint64_t n = 1);
  uint64_t get(Counter counter, std::string_view label) const;
  uint64_t total(Counter counter) const;
  void observeCommitSeconds(double seconds);
  // Counter families and the histogram in the Prometheus text exposition format.
  std::string render() const;

 private:
  static constexpr std::array<double, 10> kCommitBucketsSeconds = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0};
  mutable std::mutex mu_;
  std::map<std::pair<Counter, std::string>, uint64_t> counters_;
  std::array<uint64_t, kCommitBucketsSeconds.size()> commitBuckets_{};
  uint64_t commitCount_ = 0;
  double commitSum_ = 0;
};

// Escapes a Prometheus label value (backslash, quote, newline).
std::string promLabel(std::string_view value);

}  // namespace govbus
