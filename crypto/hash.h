// BLAKE2b-256: record ids (hash of the signed body), previous-record links, state digests.
//
// Thread safety: free functions are reentrant; a Blake2bHasher is one caller's.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace govbus {

Hash256 blake2b256(ByteView data);

// Incremental hashing, for digests over many pieces (the state digest).
class Blake2bHasher {
 public:
  Blake2bHasher();
  void update(ByteView data);
  void updateU64(uint64_t v);
  // Length-prefixed, so that ("ab","c") and ("a","bc") hash differently.
  void updateField(ByteView data);
  Hash256 finish();

 private:
  alignas(64) std::array<uint8_t, 384> state_;  // crypto_generichash_state, opaque here
};

}  // namespace govbus
