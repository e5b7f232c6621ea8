#include "crypto/applicant_key.h"

#include <sodium.h>

#include "crypto/secret_file.h"

namespace govbus {

namespace {

constexpr std::string_view kHeader = "govbus-applicant-key-v1";
constexpr std::string_view kWhat = "applicant key file";

Result<ApplicantKey> keyFrom(Result<Bytes> bytes) {
  if (!bytes) return bytes.error();
  auto key = ApplicantKey::fromBytes(*bytes);
  sodium_memzero(bytes->data(), bytes->size());
  return key;
}

}  // namespace

ApplicantKey ApplicantKey::generate() {
  ApplicantKey k;
  randombytes_buf(k.key_.data(), k.key_.size());
  return k;
}

Result<ApplicantKey> ApplicantKey::fromBytes(ByteView bytes) {
  if (bytes.size() != kSecretBytes) {
    return makeError(ErrorCode::kMalformed,
                     "an applicant key is 32 bytes, not " + std::to_string(bytes.size()));
  }
  ApplicantKey k;
  std::copy(bytes.begin(), bytes.end(), k.key_.begin());
  return k;
}

std::string normalizeApplicantId(std::string_view id) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!id.empty() && space(id.front())) id.remove_prefix(1);
  while (!id.empty() && space(id.back())) id.remove_suffix(1);
  std::string out(id);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

Hash256 ApplicantKey::hash(std::string_view applicantId) const {
  const std::string id = normalizeApplicantId(applicantId);
  Hash256 out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(id.data()),
                     id.size(), key_.data(), key_.size());
  return out;
}

Status saveApplicantKey(const std::filesystem::path& path, const ApplicantKey& key) {
  return saveSecretFile(path, kHeader, key.bytes(), kWhat);
}

Result<ApplicantKey> loadApplicantKey(const std::filesystem::path& path) {
  return keyFrom(loadSecretFile(path, kHeader, kWhat));
}

Result<ApplicantKey> parseApplicantKey(std::string_view text) {
  return keyFrom(parseSecretFile(text, kHeader, kWhat));
}

}  // namespace govbus
