// Certificates: issuing and verifying the enrolment certificates that define the node tree.
//
// The province's self-signed certificate is the trust anchor. Every other certificate is signed by
// its parent (the issuer), and is trusted only when:
//   - the issuer's certificate is trusted and names the serial (`issuerSerial`) whose key signed
//   it;
//   - the signature verifies under that key over the certificate body;
//   - the subject lies strictly inside the issuer's region (a city signs only counties of its own
//     prefix; a province may enrol any code in its region, which covers 省直管县 counties);
//   - for a chain checked at a time, every certificate's validity period contains that time.
//
// Thread safety: free functions over values.
#pragma once

#include <span>

#include "base/result.h"
#include "crypto/keys.h"
#include "protocol/certificate_codec.h"

namespace govbus {

SignedCertificate issueCertificate(const Certificate& certificate, const SigningKey& issuerKey);

// Verifies a self-signed anchor certificate: issuer == subject, serials equal, signature by its own
// key.
Result<Certificate> verifyAnchor(const SignedCertificate& anchor);

// Verifies `child` against a trusted issuer certificate (no time check).
Result<Certificate> verifyIssuedBy(const SignedCertificate& child, const Certificate& issuer);

// kExpiredCertificate unless notBeforeMs <= atMs <= notAfterMs.
Status checkValidAt(const Certificate& certificate, int64_t atMs);

// Verifies a chain ordered from the anchor's first child down to the subject, every certificate
// valid at `atMs`; returns the subject's certificate. An empty chain is the anchor itself.
Result<Certificate> verifyChain(const Certificate& anchor, std::span<const SignedCertificate> chain,
                                int64_t atMs);

}  // namespace govbus
