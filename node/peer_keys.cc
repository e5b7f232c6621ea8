#include "node/peer_keys.h"

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
  std::map<std::string, uint32_t> highest;  // subject → highest trusted serial
  for (const Bytes& raw : stored) {
    auto sc = decodeSignedCertificate(raw);
    if (!sc) continue;
    auto c = decodeCertificateBody(sc->body);
    if (!c || trust.find(c->subject, c->serial) == nullptr) continue;
    uint32_t& h = highest[c->subject];
    h = std::max(h, c->serial);
  }
  PeerKeys out;
  const std::string& root = trust.anchor().subject;
  for (const auto& [subject, serial] : highest) {
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
    const Certificate* usable = usableCertificate(trust, subject, serial, nowMs);
    if (usable == nullptr) continue;
    if (auto curve = curveOf(*usable)) out.descendants[*curve] = subject;
    if (child) out.children.insert(subject);
  }
  for (const std::string& a : ancestors) {
    const Certificate* c = nullptr;
    if (a == root) {
      c = &trust.anchor();
    } else if (auto it = highest.find(a); it != highest.end()) {
      c = usableCertificate(trust, a, it->second, nowMs);
    }
    if (c == nullptr) continue;
    if (auto curve = curveOf(*c)) out.ancestors[a] = *curve;
  }
  return out;
}

}  // namespace govbus
