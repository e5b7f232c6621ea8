#include "node/peer_keys.h"

#include <algorithm>
#include <limits>

#include "protocol/certificate_codec.h"

namespace govbus {

namespace {

// The certificate `subject` signs with now, if its key may be used now: trusted, valid at `nowMs`
// and not revoked (a revoked key is refused whatever sequence it was revoked from — a compromised
// transport key must not connect).
const Certificate* usableCertificate(const TrustStore& trust, const std::string& subject,
                                     uint32_t serial, int64_t nowMs) {
  Envelope probe;
  probe.author = subject;
  probe.keySerial = serial;
  probe.seq = std::numeric_limits<uint64_t>::max();
  probe.wallTimeMs = nowMs;
  auto signer = trust.signerFor(probe);
  return signer ? *signer : nullptr;
}

std::optional<Curve25519Key> curveOf(const Certificate& c) {
  auto pk = PublicKey::fromBytes(c.publicKey);
  if (!pk) return std::nullopt;
  auto curve = pk->curve25519();
  if (!curve) return std::nullopt;
  return *curve;
}

}  // namespace

Result<PeerKeys> computePeerKeys(const std::string& self, const std::vector<std::string>& ancestors,
                                 FeedReader& view, const TrustStore& trust, int64_t nowMs) {
  GOVBUS_ASSIGN_OR_RETURN(std::vector<Bytes> stored, view.certificates());
  std::map<std::string, uint32_t> highest;            // subject → highest trusted serial
  std::map<std::string, std::set<uint32_t>> serials;  // subject → every trusted serial
  for (const Bytes& raw : stored) {
    auto sc = decodeSignedCertificate(raw);
    if (!sc) continue;
    auto c = decodeCertificateBody(sc->body);
    if (!c || trust.find(c->subject, c->serial) == nullptr) continue;
    uint32_t& h = highest[c->subject];
    h = std::max(h, c->serial);
    serials[c->subject].insert(c->serial);
  }
  PeerKeys out;
  const std::string& root = trust.anchor().subject;
  // When the answer changes by the clock alone: a certificate's validity starts or ends.
  auto watch = [&](const std::string& subject, uint32_t serial) {
    const SignedCertificate* sc = trust.find(subject, serial);
    if (sc == nullptr) return;
    auto c = decodeCertificateBody(sc->body);
    if (!c) return;
    if (c->notBeforeMs > nowMs) out.staleAtMs = std::min(out.staleAtMs, c->notBeforeMs);
    if (c->notAfterMs >= nowMs && c->notAfterMs < INT64_MAX)
      out.staleAtMs = std::min(out.staleAtMs, c->notAfterMs + 1);
  };
  for (const auto& [subject, subjectSerials] : serials) {
    if (subject == self || subject == root) continue;
    auto chain = trust.chainFor(subject);
    if (!chain) continue;
    bool below = false;
    bool child = false;
    for (size_t i = 0; i < chain->size(); ++i) {
      auto c = decodeCertificateBody((*chain)[i].body);
      if (c && c->issuer == self) {
        below = true;
        child = i + 1 == chain->size();
      }
    }
    if (!below) continue;
    for (const SignedCertificate& link : *chain) {
      if (auto c = decodeCertificateBody(link.body)) watch(c->subject, c->serial);
    }
    // Every serial's key stays admitted while it is valid and not revoked, as in the trust store: a
    // node re-enrolled with a new key keeps its connection on the old one until it restarts.
    for (uint32_t each : subjectSerials) {
      watch(subject, each);
      const Certificate* usable = usableCertificate(trust, subject, each, nowMs);
      if (usable == nullptr) continue;
      if (auto curve = curveOf(*usable)) out.descendants[*curve] = subject;
    }
    if (child) out.children.insert(subject);
  }
  for (const std::string& a : ancestors) {
    const Certificate* c = nullptr;
    if (a == root) {
      c = &trust.anchor();
    } else if (auto it = highest.find(a); it != highest.end()) {
      watch(a, it->second);
      c = usableCertificate(trust, a, it->second, nowMs);
    }
    if (c == nullptr) continue;
    if (auto curve = curveOf(*c)) out.ancestors[a] = *curve;
  }
  return out;
}

}  // namespace govbus
