#include "crypto/keys.h"

#include <sodium.h>

#include <cassert>
#include <cstdlib>
#include <cstring>

namespace govbus {

namespace {

// libsodium must be initialised once before use; sodium_init is idempotent and thread-safe, so
// every entry point that needs randomness or picks an implementation calls this.
void ensureSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();  // no usable randomness: nothing secure can run
}

Bytes prefixed(std::string_view domain, ByteView message) {
  Bytes buf;
  buf.reserve(domain.size() + message.size());
  buf.insert(buf.end(), domain.begin(), domain.end());
  buf.insert(buf.end(), message.begin(), message.end());
  return buf;
}

}  // namespace

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 &&
              crypto_sign_BYTES == 64 && crypto_sign_SEEDBYTES == 32);

Result<PublicKey> PublicKey::fromBytes(ByteView bytes) {
  if (bytes.size() != 32) {
    return makeError(ErrorCode::kInvalidArgument,
                     "public key must be 32 bytes, got " + std::to_string(bytes.size()));
  }
  PublicKey k;
  std::memcpy(k.key_.data(), bytes.data(), 32);
  return k;
}

bool PublicKey::verify(std::string_view domain, ByteView message, ByteView signature) const {
  if (signature.size() != crypto_sign_BYTES) return false;
  ensureSodium();
  Bytes m = prefixed(domain, message);
  return crypto_sign_verify_detached(signature.data(), m.data(), m.size(), key_.data()) == 0;
}

Result<Curve25519Key> PublicKey::curve25519() const {
  Curve25519Key out;
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), key_.data()) != 0) {
    return makeError(ErrorCode::kInvalidArgument, "public key has no Curve25519 form");
  }
  return out;
}

SigningKey SigningKey::generate() {
  ensureSodium();
  SigningKey k;
  std::array<uint8_t, 32> pk;
  crypto_sign_keypair(pk.data(), k.secret_.data());
  return k;
}

Result<SigningKey> SigningKey::fromSeed(ByteView seed) {
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return makeError(ErrorCode::kInvalidArgument,
                     "key seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  ensureSodium();
  SigningKey k;
  std::array<uint8_t, 32> pk;
  crypto_sign_seed_keypair(pk.data(), k.secret_.data(), seed.data());
  return k;
}

SigningKey::SigningKey(SigningKey&& other) noexcept : secret_(other.secret_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

PublicKey SigningKey::publicKey() const {
  auto k = PublicKey::fromBytes(ByteView(secret_.data() + 32, 32));
  assert(k.ok());
  return *k;
}

Bytes SigningKey::sign(std::string_view domain, ByteView message) const {
  Bytes m = prefixed(domain, message);
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, m.data(), m.size(), secret_.data());
  return sig;
}

Curve25519Key SigningKey::curve25519Secret() const {
  Curve25519Key out;
  crypto_sign_ed25519_sk_to_curve25519(out.data(), secret_.data());
  return out;
}

}  // namespace govbus
