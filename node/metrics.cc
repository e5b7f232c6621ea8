#include "node/metrics.h"

#include <cstdio>

#include "govbus_version.h"

namespace govbus {

namespace {

struct Family {
  const char* name;
  const char* label;
  const char* help;
};

constexpr std::array<Family, static_cast<size_t>(Counter::kCount)> kFamilies = {{
    {"govbus_records_received_total", "outcome", "Records received from peers, by ingest outcome."},
    {"govbus_records_rejected_total", "reason",
     "Records from peers that failed the integrity check, by reason."},
    {"govbus_records_sent_total", "peer", "Records sent to each peer."},
    {"govbus_records_authored_total", "kind",
     "Records this node authored through its API, by kind."},
    {"govbus_frames_received_total", "kind", "Sync frames received, by message kind."},
    {"govbus_frames_sent_total", "kind", "Sync frames sent, by message kind."},
    {"govbus_frames_rejected_total", "reason", "Sync frames dropped without effect, by reason."},
    {"govbus_zap_admitted_total", "peer",
     "CurveZMQ handshakes admitted by the ZAP handler, by peer code."},
    {"govbus_zap_refused_total", "reason",
     "CurveZMQ handshakes refused by the ZAP handler, by reason."},
    {"govbus_api_errors_total", "status", "API requests answered with an error, by HTTP status."},
    {"govbus_connections_refused_total", "reason",
     "Connections refused or closed by this node below the sync protocol (failed handshakes, "
     "oversized messages, keys no longer admitted), by reason."},
}};

}  // namespace

std::string promLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Metrics::add(Counter counter, std::string_view label, uint64_t n) {
  std::lock_guard lock(mu_);
  counters_[std::make_pair(counter, std::string(label))] += n;
}

uint64_t Metrics::get(Counter counter, std::string_view label) const {
  std::lock_guard lock(mu_);
  auto it = counters_.find(std::make_pair(counter, std::string(label)));
  return it == counters_.end() ? 0 : it->second;
}

uint64_t Metrics::total(Counter counter) const {
  std::lock_guard lock(mu_);
  uint64_t sum = 0;
  for (const auto& [key, v] : counters_) {
    if (key.first == counter) sum += v;
  }
  return sum;
}

void Metrics::observeCommitSeconds(double seconds) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < kCommitBucketsSeconds.size(); ++i) {
    if (seconds <= kCommitBucketsSeconds[i]) ++commitBuckets_[i];
  }
  ++commitCount_;
  commitSum_ += seconds;
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (size_t f = 0; f < kFamilies.size(); ++f) {
    const Family& fam = kFamilies[f];
    out +=
        std::string("# HELP ") + fam.name + " " + fam.help + "\n# TYPE " + fam.name + " counter\n";
    for (const auto& [key, v] : counters_) {
      if (static_cast<size_t>(key.first) != f) continue;
      out += std::string(fam.name) + "{" + fam.label + "=\"" + promLabel(key.second) + "\"} " +
             std::to_string(v) + "\n";
    }
  }
  out +=
      "# HELP govbus_commit_latency_seconds Time to check, append, apply and fsync one write "
      "transaction.\n";
  out += "# TYPE govbus_commit_latency_seconds histogram\n";
  char buf[64];
  for (size_t i = 0; i < kCommitBucketsSeconds.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%g", kCommitBucketsSeconds[i]);
    out += std::string("govbus_commit_latency_seconds_bucket{le=\"") + buf + "\"} " +
           std::to_string(commitBuckets_[i]) + "\n";
  }
  out += "govbus_commit_latency_seconds_bucket{le=\"+Inf\"} " + std::to_string(commitCount_) + "\n";
  std::snprintf(buf, sizeof buf, "%.6f", commitSum_);
  out += std::string("govbus_commit_latency_seconds_sum ") + buf + "\n";
  out += "govbus_commit_latency_seconds_count " + std::to_string(commitCount_) + "\n";
  out += "# HELP govbus_build_info The version and commit of this govbus-node (always 1).\n";
  out += "# TYPE govbus_build_info gauge\n";
  out += std::string("govbus_build_info{version=\"") + promLabel(kVersion) + "\",commit=\"" +
         promLabel(kCommit) + "\"} 1\n";
  return out;
}

}  // namespace govbus
