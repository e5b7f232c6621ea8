// ApplicantKey: the province's applicant key (申请人标识密钥), which keys the hash of an
// applicant's id before it goes into a `received` record.
//
// Why keyed: an 18-character resident id (居民身份证号) has a few billion plausible values
// (region, birth date, sequence, check digit), so an unkeyed hash of it is reversed by brute
// force in minutes. With a 32-byte secret that only enrolled nodes hold, a leaked store or feed
// does not give applicants away, while the same applicant still hashes the same anywhere in the
// province (so cases can be matched to one person).
//
// The province creates the key once (`govbus-admin anchor`); `govbus-admin enroll` copies it into
// every child's enrolment directory, next to its chain. File: `applicant.key`, a secret file
// (crypto/secret_file.h) with the header "govbus-applicant-key-v1".
//
// Hash (docs/PROTOCOL.md "Applicant hash"): BLAKE2b-256 keyed with the 32 bytes (RFC 7693 key
// input), over the id in UTF-8 after normalisation: surrounding whitespace removed and ASCII
// letters upper-cased, so "43010219900101001x" and "43010219900101001X" are one applicant.
//
// Thread safety: value type.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace govbus {

inline constexpr const char* kApplicantKeyFileName = "applicant.key";

class ApplicantKey {
 public:
  static ApplicantKey generate();
  static Result<ApplicantKey> fromBytes(ByteView bytes);

  Hash256 hash(std::string_view applicantId) const;
  ByteView bytes() const { return ByteView(key_.data(), key_.size()); }

 private:
  ApplicantKey() = default;
  std::array<uint8_t, 32> key_{};
};

// What the hash is taken over (see above); exposed for tests.
std::string normalizeApplicantId(std::string_view applicantId);

// Fails if `path` already exists.
Status saveApplicantKey(const std::filesystem::path& path, const ApplicantKey& key);
Result<ApplicantKey> loadApplicantKey(const std::filesystem::path& path);
Result<ApplicantKey> parseApplicantKey(std::string_view text);

}  // namespace govbus
