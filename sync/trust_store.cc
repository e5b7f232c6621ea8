#include "sync/trust_store.h"

#include <algorithm>

#include "protocol/division_code.h"

namespace govbus {

TrustStore::TrustStore(Certificate anchor, SignedCertificate signedAnchor) : anchor_(anchor) {
  Key key{anchor.subject, anchor.serial};
  certs_.emplace(std::move(key), Entry{std::move(anchor), std::move(signedAnchor)});
}

Result<TrustStore> TrustStore::create(const SignedCertificate& anchor) {
  GOVBUS_ASSIGN_OR_RETURN(Certificate c, verifyAnchor(anchor));
  return TrustStore(std::move(c), anchor);
}

const TrustStore::Entry* TrustStore::findEntry(std::string_view subject, uint32_t serial) const {
  auto it = certs_.find(std::make_pair(std::string(subject), serial));
  return it == certs_.end() ? nullptr : &it->second;
}

const SignedCertificate* TrustStore::find(std::string_view subject, uint32_t serial) const {
  const Entry* e = findEntry(subject, serial);
  return e ? &e->signedCertificate : nullptr;
}

Result<bool> TrustStore::admit(const SignedCertificate& certificate, const Envelope* publishedIn) {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Certificate> verified, verify(certificate, publishedIn));
  if (!verified) return false;
  Key key{verified->subject, verified->serial};
  certs_.emplace(std::move(key), Entry{std::move(*verified), certificate});
  return true;
}

Result<bool> TrustStore::check(const SignedCertificate& certificate,
                               const Envelope* publishedIn) const {
  GOVBUS_ASSIGN_OR_RETURN(std::optional<Certificate> verified, verify(certificate, publishedIn));
  return verified.has_value();
}

Result<std::optional<Certificate>> TrustStore::verify(const SignedCertificate& certificate,
                                                      const Envelope* publishedIn) const {
  GOVBUS_ASSIGN_OR_RETURN(Certificate c, decodeCertificateBody(certificate.body));
  const Entry* same = findEntry(c.subject, c.serial);
  if (same && same->signedCertificate.body == certificate.body) return std::optional<Certificate>();
  // Re-enrolment keeps the parent: a different issuer for a known subject is a takeover attempt.
  auto known = certs_.lower_bound(Key{c.subject, 0});
  if (known != certs_.end() && known->first.first == c.subject &&
      known->second.certificate.issuer != c.issuer) {
    return makeError(ErrorCode::kBadChain, "certificate of " + c.subject + " is issued by " +
                                               c.issuer + ", but it is enrolled under " +
                                               known->second.certificate.issuer);
  }
  if (same) {
    return makeError(ErrorCode::kBadChain, "a different certificate for " + c.subject + " serial " +
                                               std::to_string(c.serial) + " is already trusted");
  }
  const Entry* issuer = findEntry(c.issuer, c.issuerSerial);
  if (issuer == nullptr) {
    return makeError(ErrorCode::kUnknownSigner,
                     "certificate of " + c.subject + ": issuer " + c.issuer + " serial " +
                         std::to_string(c.issuerSerial) + " is not known yet");
  }
  GOVBUS_ASSIGN_OR_RETURN(Certificate verified, verifyIssuedBy(certificate, issuer->certificate));
  if (auto revoked = revokedFromSeq_.find(Key{c.issuer, c.issuerSerial});
      revoked != revokedFromSeq_.end()) {
    const bool publishedBefore = publishedIn != nullptr && publishedIn->author == c.issuer &&
                                 publishedIn->keySerial == c.issuerSerial &&
                                 publishedIn->seq < revoked->second;
    if (!publishedBefore) {
      return makeError(ErrorCode::kRevokedKey,
                       "certificate of " + c.subject + ": the key of its issuer " + c.issuer +
                           " serial " + std::to_string(c.issuerSerial) + " is revoked from seq " +
                           std::to_string(revoked->second) + "; it is admitted only as " +
                           c.issuer + "'s own record signed before that");
    }
  }
  return std::optional<Certificate>(std::move(verified));
}

bool TrustStore::alreadyHolds(const SignedCertificate& certificate) const {
  auto c = decodeCertificateBody(certificate.body);
  if (!c) return true;
  const Entry* known = findEntry(c->subject, c->serial);
  return known && known->signedCertificate.body == certificate.body;
}

std::vector<std::pair<SignedCertificate, Error>> TrustStore::admitAll(
    std::span<const SignedCertificate> certificates) {
  std::vector<SignedCertificate> waiting(certificates.begin(), certificates.end());
  std::vector<std::pair<SignedCertificate, Error>> failed;
  bool progress = true;
  while (progress && !waiting.empty()) {
    progress = false;
    failed.clear();
    std::vector<SignedCertificate> next;
    for (auto& c : waiting) {
      auto r = admit(c);
      if (r.ok()) {
        progress = true;
      } else if (r.error().code == ErrorCode::kUnknownSigner) {
        next.push_back(c);
        failed.emplace_back(std::move(c), r.error());
      } else {
        failed.emplace_back(std::move(c), r.error());
      }
    }
    waiting = std::move(next);
  }
  return failed;
}

Status TrustStore::revoke(std::string_view revoker, const KeyRevocation& revocation) {
  GOVBUS_ASSIGN_OR_RETURN(DivisionCode revokerCode, DivisionCode::parse(revoker));
  GOVBUS_ASSIGN_OR_RETURN(DivisionCode subjectCode, DivisionCode::parse(revocation.subject));
  if (!revokerCode.strictlyContains(subjectCode)) {
    return makeError(ErrorCode::kInvalidArgument,
                     std::string(revoker) + " may not revoke the key of " + revocation.subject +
                         ": only an ancestor may revoke a key");
  }
  Key key{revocation.subject, revocation.serial};
  auto [it, inserted] = revokedFromSeq_.emplace(key, revocation.fromSeq);
  if (!inserted) it->second = std::min(it->second, revocation.fromSeq);
  return Status::Ok();
}

Result<const Certificate*> TrustStore::signerFor(const Envelope& env) const {
  const Entry* e = findEntry(env.author, env.keySerial);
  if (e == nullptr) {
    return makeError(ErrorCode::kUnknownSigner, "no enrolment certificate for " + env.author +
                                                    " key serial " + std::to_string(env.keySerial));
  }
  auto revoked = revokedFromSeq_.find(Key{env.author, env.keySerial});
  if (revoked != revokedFromSeq_.end() && env.seq >= revoked->second) {
    return makeError(ErrorCode::kRevokedKey,
                     "key of " + env.author + " serial " + std::to_string(env.keySerial) +
                         " is revoked from seq " + std::to_string(revoked->second) +
                         " (record seq " + std::to_string(env.seq) + ")");
  }
  GOVBUS_TRY(checkValidAt(e->certificate, env.wallTimeMs));
  return &e->certificate;
}

Status TrustStore::verifyRecordSignature(const Envelope& env, ByteView body,
                                         ByteView signature) const {
  GOVBUS_ASSIGN_OR_RETURN(const Certificate* signer, signerFor(env));
  GOVBUS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::fromBytes(signer->publicKey));
  if (!key.verify(kRecordSignatureDomain, body, signature)) {
    return makeError(ErrorCode::kBadSignature,
                     "signature of " + env.author + "#" + std::to_string(env.seq) +
                         " does not verify under its key serial " + std::to_string(env.keySerial));
  }
  return Status::Ok();
}

Result<std::vector<SignedCertificate>> TrustStore::chainFor(std::string_view subject) const {
  std::vector<SignedCertificate> chain;
  std::string current(subject);
  // Highest serial of `current`: the last entry with that subject in key order.
  auto newest = [&](const std::string& code) -> const Entry* {
    auto it = certs_.lower_bound(Key{code, UINT32_MAX});
    if (it != certs_.end() && it->first.first == code) return &it->second;
    if (it == certs_.begin()) return nullptr;
    --it;
    return it->first.first == code ? &it->second : nullptr;
  };
  const Entry* e = newest(current);
  if (e == nullptr) return makeError(ErrorCode::kNotFound, "no certificate known for " + current);
  while (e->certificate.subject != anchor_.subject) {
    chain.push_back(e->signedCertificate);
    e = findEntry(e->certificate.issuer, e->certificate.issuerSerial);
    if (e == nullptr) return makeError(ErrorCode::kBadChain, "broken chain above " + current);
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

}  // namespace govbus
