#include "crypto/hash.h"

#include <sodium.h>

#include <cassert>
#include <cstring>

namespace govbus {

static_assert(sizeof(crypto_generichash_state) <= 384, "Blake2bHasher state buffer too small");
static_assert(crypto_generichash_BYTES == kHashBytes);

Hash256 blake2b256(ByteView data) {
  Hash256 out;
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Blake2bHasher::Blake2bHasher() {
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_.data()), nullptr, 0,
                          kHashBytes);
}

void Blake2bHasher::update(ByteView data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_.data()), data.data(),
                            data.size());
}

void Blake2bHasher::updateU64(uint64_t v) {
  uint8_t b[8];
  putBigEndian64(v, b);
  update(ByteView(b, 8));
}

void Blake2bHasher::updateField(ByteView data) {
  updateU64(data.size());
  update(data);
}

Hash256 Blake2bHasher::finish() {
  Hash256 out;
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_.data()), out.data(),
                           out.size());
  return out;
}

}  // namespace govbus
