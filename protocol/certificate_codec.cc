#include "protocol/certificate_codec.h"

#include <cstring>

#include "protocol/capnp_io.h"
#include "protocol/certificate.capnp.h"
#include "protocol/division_code.h"
#include "protocol/limits.h"
#include "protocol/record_codec.h"

namespace govbus {

namespace {

using capnp_io::malformed;
using capnp_io::readCode;
using capnp_io::readText;
using capnp_io::text;

}  // namespace

Result<Certificate> decodeCertificateBody(ByteView body) {
  return capnp_io::readMessage<wire::Certificate>(
      body, kMaxCertificateBytes, "certificate body",
      [](wire::Certificate::Reader r) -> Result<Certificate> {
        Certificate c;
        GOVBUS_ASSIGN_OR_RETURN(c.subject, readCode(r.getSubject(), "certificate.subject"));
        GOVBUS_ASSIGN_OR_RETURN(c.subjectName,
                                readText(r.getSubjectName(), "certificate.subjectName"));
        auto key = r.getPublicKey();
        if (key.size() != kPublicKeyBytes)
          return malformed("certificate.publicKey", "must be 32 bytes");
        c.publicKey = Bytes(key.begin(), key.end());
        GOVBUS_ASSIGN_OR_RETURN(c.issuer, readCode(r.getIssuer(), "certificate.issuer"));
        c.serial = r.getSerial();
        if (c.serial == 0) return malformed("certificate.serial", "must be at least 1");
        c.notBeforeMs = r.getNotBeforeMs();
        c.notAfterMs = r.getNotAfterMs();
        if (c.notAfterMs < c.notBeforeMs)
          return malformed("certificate.notAfterMs", "validity period ends before it starts");
        c.issuerSerial = r.getIssuerSerial();
        if (c.issuerSerial == 0) return malformed("certificate.issuerSerial", "must be at least 1");
        return c;
      });
}

Bytes encodeCertificateBody(const Certificate& c) {
  capnp::MallocMessageBuilder message(64);
  auto b = message.initRoot<wire::Certificate>();
  b.setSubject(text(c.subject));
  b.setSubjectName(text(c.subjectName));
  b.setPublicKey(capnp::Data::Reader(c.publicKey.data(), c.publicKey.size()));
  b.setIssuer(text(c.issuer));
  b.setSerial(c.serial);
  b.setNotBeforeMs(c.notBeforeMs);
  b.setNotAfterMs(c.notAfterMs);
  b.setIssuerSerial(c.issuerSerial);
  return capnp_io::toFlatBytes(message);
}

Result<SignedCertificate> decodeSignedCertificate(ByteView bytes) {
  return capnp_io::readMessage<wire::SignedCertificate>(
      bytes, kMaxCertificateBytes + 256, "signed certificate",
      [](wire::SignedCertificate::Reader r) -> Result<SignedCertificate> {
        if (r.getBody().size() == 0 || r.getBody().size() > kMaxCertificateBytes) {
          return malformed("signedCertificate.body",
                           "must be 1.." + std::to_string(kMaxCertificateBytes) + " bytes");
        }
        if (r.getSignature().size() != kSignatureBytes)
          return malformed("signedCertificate.signature", "must be 64 bytes");
        return SignedCertificate{Bytes(r.getBody().begin(), r.getBody().end()),
                                 Bytes(r.getSignature().begin(), r.getSignature().end())};
      });
}

Bytes encodeSignedCertificate(const SignedCertificate& c) {
  capnp::MallocMessageBuilder message(64);
  auto b = message.initRoot<wire::SignedCertificate>();
  b.setBody(capnp::Data::Reader(c.body.data(), c.body.size()));
  b.setSignature(capnp::Data::Reader(c.signature.data(), c.signature.size()));
  return capnp_io::toFlatBytes(message);
}

}  // namespace govbus
