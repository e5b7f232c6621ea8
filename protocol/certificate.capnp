# Enrolment certificates: how a node's key is bound to its division code and to its parent.
#
# A certificate travels as a SignedCertificate. Its `body` holds the exact bytes of a Certificate
# message and the issuer signs those bytes (with a domain prefix, see docs/PROTOCOL.md). Nothing is
# re-serialized before verifying.
@0xceb5d9205514bc5d;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("govbus::wire");

struct Certificate {
  subject @0 :Text;
  # The enrolled node's division code (GB/T 2260, 6 digits; longer codes for townships).

  subjectName @1 :Text;
  # Human name of the region, e.g. "芙蓉区". Informational only.

  publicKey @2 :Data;
  # The subject's Ed25519 public key (32 bytes). Its Curve25519 form is the CurveZMQ key.

  issuer @3 :Text;
  # The parent's division code. Equal to `subject` only for the province's self-signed anchor.

  serial @4 :UInt32;
  # Starts at 1; re-enrolment (key rotation) issues a higher serial for the same subject.

  notBeforeMs @5 :Int64;
  # Validity period in Unix milliseconds, inclusive. A record is accepted only if its wall time
  # lies inside the period of the certificate that signed it.

  notAfterMs @6 :Int64;

  issuerSerial @7 :UInt32;
  # Serial of the issuer's certificate whose key signed this one (equal to `serial` for the anchor).
}

struct SignedCertificate {
  body @0 :Data;
  # Exact bytes of a single-segment Certificate message.

  signature @1 :Data;
  # Ed25519 signature (64 bytes) by the issuer's key over "govbus/cert/v1\0" || body.
}
