#include "crypto/certificate.h"

#include "protocol/division_code.h"

namespace govbus {

namespace {

Error badChain(const std::string& subject, std::string_view problem) {
  return makeError(ErrorCode::kBadChain, "certificate of " + subject + ": " + std::string(problem));
}

}  // namespace

SignedCertificate issueCertificate(const Certificate& certificate, const SigningKey& issuerKey) {
  Bytes body = encodeCertificateBody(certificate);
  Bytes sig = issuerKey.sign(kCertificateSignatureDomain, body);
  return SignedCertificate{std::move(body), std::move(sig)};
}

Result<Certificate> verifyAnchor(const SignedCertificate& anchor) {
  GOVBUS_ASSIGN_OR_RETURN(Certificate c, decodeCertificateBody(anchor.body));
  if (c.issuer != c.subject || c.issuerSerial != c.serial) {
    return badChain(c.subject, "an anchor must be self-signed (issuer " + c.issuer + ")");
  }
  GOVBUS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::fromBytes(c.publicKey));
  if (!key.verify(kCertificateSignatureDomain, anchor.body, anchor.signature)) {
    return badChain(c.subject, "anchor signature does not verify");
  }
  return c;
}

Result<Certificate> verifyIssuedBy(const SignedCertificate& child, const Certificate& issuer) {
  GOVBUS_ASSIGN_OR_RETURN(Certificate c, decodeCertificateBody(child.body));
  if (c.issuer != issuer.subject) {
    return badChain(c.subject, "names issuer " + c.issuer + ", not " + issuer.subject);
  }
  if (c.issuerSerial != issuer.serial) {
    return badChain(c.subject, "was signed by " + c.issuer + " key serial " +
                                   std::to_string(c.issuerSerial) + ", not serial " +
                                   std::to_string(issuer.serial));
  }
  GOVBUS_ASSIGN_OR_RETURN(DivisionCode issuerCode, DivisionCode::parse(issuer.subject));
  GOVBUS_ASSIGN_OR_RETURN(DivisionCode subjectCode, DivisionCode::parse(c.subject));
  if (!issuerCode.strictlyContains(subjectCode)) {
    return badChain(c.subject, "lies outside the region of its issuer " + issuer.subject +
                                   " (codes inside it start with '" +
                                   std::string(issuerCode.regionPrefix()) + "' and are deeper)");
  }
  GOVBUS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::fromBytes(issuer.publicKey));
  if (!key.verify(kCertificateSignatureDomain, child.body, child.signature)) {
    return badChain(c.subject, "signature does not verify under the key of " + issuer.subject);
  }
  return c;
}

Status checkValidAt(const Certificate& c, int64_t atMs) {
  if (atMs < c.notBeforeMs || atMs > c.notAfterMs) {
    return makeError(ErrorCode::kExpiredCertificate,
                     "certificate of " + c.subject + " serial " + std::to_string(c.serial) +
                         " is valid from " + std::to_string(c.notBeforeMs) + " to " +
                         std::to_string(c.notAfterMs) + " ms, not at " + std::to_string(atMs));
  }
  return Status::Ok();
}

Result<Certificate> verifyChain(const Certificate& anchor, std::span<const SignedCertificate> chain,
                                int64_t atMs) {
  GOVBUS_TRY(checkValidAt(anchor, atMs));
  Certificate current = anchor;
  for (const SignedCertificate& link : chain) {
    GOVBUS_ASSIGN_OR_RETURN(Certificate next, verifyIssuedBy(link, current));
    GOVBUS_TRY(checkValidAt(next, atMs));
    current = std::move(next);
  }
  return current;
}

}  // namespace govbus
