// Certificate codec: enrolment certificates between bytes and plain types (certificate.capnp).
//
// Decoding checks structure only (sizes, codes, key length). Whether a certificate is *trusted*
// (signature, chain to the anchor, region rule, validity) is decided in crypto/certificate.h.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "protocol/record.h"

namespace govbus {

inline constexpr size_t kPublicKeyBytes = 32;

struct Certificate {
  std::string subject;
  std::string subjectName;
  Bytes publicKey;  // Ed25519, 32 bytes
  std::string issuer;
  uint32_t serial = 0;
  int64_t notBeforeMs = 0;
  int64_t notAfterMs = 0;
  uint32_t issuerSerial = 0;
  friend bool operator==(const Certificate&, const Certificate&) = default;
};

Result<Certificate> decodeCertificateBody(ByteView body);
Bytes encodeCertificateBody(const Certificate& certificate);

// A SignedCertificate as a standalone message (certificate files, the anchor file).
Result<SignedCertificate> decodeSignedCertificate(ByteView bytes);
Bytes encodeSignedCertificate(const SignedCertificate& certificate);

}  // namespace govbus
