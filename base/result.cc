#include "base/result.h"

namespace govbus {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kUnknownKind:
      return "unknown_kind";
    case ErrorCode::kBadSignature:
      return "bad_signature";
    case ErrorCode::kUnknownSigner:
      return "unknown_signer";
    case ErrorCode::kRevokedKey:
      return "revoked_key";
    case ErrorCode::kExpiredCertificate:
      return "expired_certificate";
    case ErrorCode::kBadChain:
      return "bad_chain";
    case ErrorCode::kBrokenLink:
      return "broken_link";
    case ErrorCode::kForked:
      return "forked";
    case ErrorCode::kBufferFull:
      return "buffer_full";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kStorage:
      return "storage";
    case ErrorCode::kMapFull:
      return "map_full";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kVersion:
      return "version";
    case ErrorCode::kBadClock:
      return "bad_clock";
    case ErrorCode::kQuotaExceeded:
      return "quota_exceeded";
  }
  return "unknown";
}

}  // namespace govbus
