// PeerKeys: which CurveZMQ keys belong to which nodes, derived from this node's trust.
//
// `descendants` maps the Curve25519 form of every enrolled strict descendant's usable keys (every
// trusted serial valid now and not revoked: re-enrolment adds a key, only a revocation or the end
// of a certificate retires one) to its code: the ZAP handler admits exactly these. `ancestors`
// gives the server key of every ancestor, for dialling upstreams (the parent and the fallbacks).
// computePeerKeys reads the certificates the store has persisted (chains presented by peers and
// nodeCertificate records) and keeps only those the TrustStore trusts.
//
// PeerKeysSnapshot publishes one immutable PeerKeys to other threads: the writer thread computes a
// new one whenever trust changes and swaps it in; readers (ZAP thread, transport thread) take a
// shared_ptr and never see a half-built map. A new snapshot is published whenever trust changes (a
// certificate, a key revocation) and when a certificate's validity begins or ends (staleAtMs); the
// transport then closes open connections whose key is no longer admitted.
//
// Thread safety: computePeerKeys runs on the thread that owns the TrustStore; PeerKeysSnapshot is
// safe from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/keys.h"
#include "sync/feed_store.h"
#include "sync/trust_store.h"

namespace govbus {

struct PeerKeys {
  std::map<Curve25519Key, std::string> descendants;  // curve key → code
  std::map<std::string, Curve25519Key> ancestors;    // code → curve key (anchor included)
  std::set<std::string> children;                    // direct children (issued by this node)
  // The first moment a certificate considered here enters or leaves its validity period: the keys
  // must be computed again then (INT64_MAX: never).
  int64_t staleAtMs = INT64_MAX;

  // Whether `key` is admitted now, as the key of `code`.
  bool admits(const Curve25519Key& key, std::string_view code) const {
    auto it = descendants.find(key);
    return it != descendants.end() && it->second == code;
  }
};

Result<PeerKeys> computePeerKeys(const std::string& self, const std::vector<std::string>& ancestors,
                                 FeedReader& view, const TrustStore& trust, int64_t nowMs);

class PeerKeysSnapshot {
 public:
  PeerKeysSnapshot() : current_(std::make_shared<const PeerKeys>()) {}
  void set(PeerKeys keys) {
    auto next = std::make_shared<const PeerKeys>(std::move(keys));
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }
  std::shared_ptr<const PeerKeys> get() const {
    std::lock_guard lock(mu_);
    return current_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const PeerKeys> current_;
};

}  // namespace govbus
