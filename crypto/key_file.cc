#include "crypto/key_file.h"

#include <algorithm>

#include "crypto/secret_file.h"

namespace govbus {

namespace {

constexpr std::string_view kHeader = "govbus-ed25519-seed-v1";
constexpr std::string_view kWhat = "key file";

Result<SigningKey> keyFromSeed(Result<Bytes> seed) {
  if (!seed) return seed.error();
  auto key = SigningKey::fromSeed(*seed);
  std::fill(seed->begin(), seed->end(), 0);
  return key;
}

}  // namespace

Result<SigningKey> parseSigningKey(std::string_view text) {
  return keyFromSeed(parseSecretFile(text, kHeader, kWhat));
}

Status saveSigningKey(const std::filesystem::path& path, const SigningKey& key) {
  return saveSecretFile(path, kHeader, key.seed(), kWhat);
}

Result<SigningKey> loadSigningKey(const std::filesystem::path& path) {
  return keyFromSeed(loadSecretFile(path, kHeader, kWhat));
}

}  // namespace govbus
