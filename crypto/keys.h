// Ed25519 keys: one key pair per node; its Curve25519 form is the node's CurveZMQ key.
//
// Every signature in GovBus is over a domain prefix followed by the exact bytes being signed, so a
// signature made for one purpose (a record) can never be replayed as another (a certificate).
// SigningKey owns secret material: move-only, zeroed on destruction.
//
// Thread safety: const methods may be called concurrently.
#pragma once

#include <array>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace govbus {

// Domain prefixes (NUL-terminated in the signed message).
inline constexpr std::string_view kRecordSignatureDomain{"govbus/record/v1\0", 17};
inline constexpr std::string_view kCertificateSignatureDomain{"govbus/cert/v1\0", 15};

using Curve25519Key = std::array<uint8_t, 32>;

class PublicKey {
 public:
  static Result<PublicKey> fromBytes(ByteView bytes);
  ByteView bytes() const { return key_; }
  // True when `signature` is a valid Ed25519 signature of domain || message.
  bool verify(std::string_view domain, ByteView message, ByteView signature) const;
  // The CurveZMQ public key. Fails for the few Ed25519 points with no Curve25519 form.
  Result<Curve25519Key> curve25519() const;
  friend bool operator==(const PublicKey&, const PublicKey&) = default;

 private:
  std::array<uint8_t, 32> key_{};
};

class SigningKey {
 public:
  static SigningKey generate();
  // Deterministic key from a 32-byte seed (key files store the seed).
  static Result<SigningKey> fromSeed(ByteView seed);

  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  PublicKey publicKey() const;
  Bytes sign(std::string_view domain, ByteView message) const;
  // The seed this key derives from; handle as secret.
  ByteView seed() const { return ByteView(secret_.data(), 32); }
  // The CurveZMQ secret key.
  Curve25519Key curve25519Secret() const;

 private:
  SigningKey() = default;
  std::array<uint8_t, 64> secret_{};  // libsodium layout: seed || public key
};

}  // namespace govbus
