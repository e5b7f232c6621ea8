// TrustStore: which keys may sign for which node, learned from certificates and revocations.
//
// It starts from the anchor (the province's self-signed certificate) and admits a certificate only
// when it verifies against an already trusted issuer (crypto/certificate.h). A key revocation takes
// effect only when its author is a strict ancestor of the revoked node. Everything here is in
// memory and deterministic; node/ persists what feeds it (certificates and revocations tables).
//
// Thread safety: none; owned by the node's single writer. Readers that need it on other threads
// (signature checks) get a copy or run under the writer's lock.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "crypto/certificate.h"
#include "protocol/record.h"

namespace govbus {

class TrustStore {
 public:
  static Result<TrustStore> create(const SignedCertificate& anchor);

  const Certificate& anchor() const { return anchor_; }

  // Admits `certificate` if its issuer (at the named serial) is trusted. Ok(false) when it was
  // already known. Validity periods are not checked here: they apply to what a key signs.
  // Revocations are: a certificate whose issuer's key is revoked (from any sequence) is refused
  // (kRevokedKey) — unless `publishedIn` is the envelope of the issuer's own record carrying it,
  // signed with that key before the sequence it is revoked from: such a record passed the door, so
  // the enrolment predates the compromise. A certificate attached to a batch has no such place.
  Result<bool> admit(const SignedCertificate& certificate, const Envelope* publishedIn = nullptr);
  // What admit would answer, without admitting anything (a node checks a certificate it is about
  // to publish: it never signs one its own trust store refuses).
  Result<bool> check(const SignedCertificate& certificate,
                     const Envelope* publishedIn = nullptr) const;

  // Whether admit(certificate) would change nothing: it is held already (or does not decode).
  bool alreadyHolds(const SignedCertificate& certificate) const;

  // Admits every certificate of an unordered set whose issuer becomes trusted, in any order;
  // returns the certificates that could not be admitted with the reason for each.
  std::vector<std::pair<SignedCertificate, Error>> admitAll(
      std::span<const SignedCertificate> certificates);

  // Applies a key revocation authored by `revoker`. Fails (and changes nothing) unless `revoker`
  // is a strict ancestor of the revoked subject. Several revocations of one key keep the lowest
  // sequence.
  Status revoke(std::string_view revoker, const KeyRevocation& revocation);

  // The certificate whose key must have signed a record with this envelope: known subject and
  // serial, not revoked at this sequence, valid at the record's wall time.
  Result<const Certificate*> signerFor(const Envelope& envelope) const;

  // Verifies a record's signature under the key `signerFor` names.
  Status verifyRecordSignature(const Envelope& envelope, ByteView body, ByteView signature) const;

  // The certificate chain for `subject` at its highest serial, from the anchor's child down to
  // `subject` (what a node presents in its hello). Empty for the anchor.
  Result<std::vector<SignedCertificate>> chainFor(std::string_view subject) const;

  const SignedCertificate* find(std::string_view subject, uint32_t serial) const;
  size_t size() const { return certs_.size(); }

 private:
  struct Entry {
    Certificate certificate;
    SignedCertificate signedCertificate;
  };
  using Key = std::pair<std::string, uint32_t>;

  explicit TrustStore(Certificate anchor, SignedCertificate signedAnchor);
  // The verified certificate admit would add; nullopt when it is already known.
  Result<std::optional<Certificate>> verify(const SignedCertificate& certificate,
                                            const Envelope* publishedIn) const;
  const Entry* findEntry(std::string_view subject, uint32_t serial) const;

  Certificate anchor_;
  std::map<Key, Entry, std::less<>> certs_;
  std::map<Key, uint64_t, std::less<>> revokedFromSeq_;
};

}  // namespace govbus
