#include "protocol/certificate_codec.h"

#include <cstring>

#include "protocol/capnp_io.h"
#include "protocol/certificate.capnp.h"
#include "protocol/division_code.h"
#include "protocol/limits.h"
#include "protocol/record_codec.h"

namespace govbus {

namespace {

// Text with its explicit size: kj's implicit conversion from std::string stops at a NUL, which
// would silently sign something other than what the caller passed.
capnp::Text::Reader text(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

Error malformed(std::string_view problem) {
  return makeError(ErrorCode::kMalformed, "certificate: " + std::string(problem));
}

Result<std::string> readCode(capnp::Text::Reader text, std::string_view field) {
  std::string code(text.cStr(), text.size());
  auto parsed = DivisionCode::parse(code);
  if (!parsed) return malformed(std::string(field) + ": " + parsed.error().message);
  return code;
}

}  // namespace

Result<Certificate> decodeCertificateBody(ByteView body) {
  return capnp_io::readMessage<wire::Certificate>(
      body, kMaxCertificateBytes, "certificate body",
      [](wire::Certificate::Reader r) -> Result<Certificate> {
        Certificate c;
        GOVBUS_ASSIGN_OR_RETURN(c.subject, readCode(r.getSubject(), "subject"));
        // Read once: every get() of a pointer field counts against the traversal budget, and five
        // reads of a long name exceeded it.
        capnp::Text::Reader name = r.getSubjectName();
        if (name.size() > kMaxTextBytes) return malformed("subjectName too long");
        if (std::memchr(name.cStr(), '\0', name.size()) != nullptr) {
          return malformed("subjectName contains a NUL byte");
        }
        c.subjectName = std::string(name.cStr(), name.size());
        auto key = r.getPublicKey();
        if (key.size() != kPublicKeyBytes) return malformed("publicKey must be 32 bytes");
        c.publicKey = Bytes(key.begin(), key.end());
        GOVBUS_ASSIGN_OR_RETURN(c.issuer, readCode(r.getIssuer(), "issuer"));
        c.serial = r.getSerial();
        if (c.serial == 0) return malformed("serial must be at least 1");
        c.notBeforeMs = r.getNotBeforeMs();
        c.notAfterMs = r.getNotAfterMs();
        if (c.notAfterMs < c.notBeforeMs) return malformed("validity period ends before it starts");
        c.issuerSerial = r.getIssuerSerial();
        if (c.issuerSerial == 0) return malformed("issuerSerial must be at least 1");
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
          return malformed("body must be 1.." + std::to_string(kMaxCertificateBytes) + " bytes");
        }
        if (r.getSignature().size() != kSignatureBytes)
          return malformed("signature must be 64 bytes");
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
