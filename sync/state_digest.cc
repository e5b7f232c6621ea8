#include "sync/state_digest.h"

#include "crypto/hash.h"

namespace govbus {

namespace {

Hash256 entryHash(ByteView key, ByteView value) {
  Blake2bHasher h;
  h.updateField(key);
  h.updateField(value);
  return h.finish();
}

}  // namespace

void StateDigest::add(ByteView key, ByteView value) {
  Hash256 e = entryHash(key, value);
  unsigned carry = 0;
  for (size_t i = 0; i < kHashBytes; ++i) {
    unsigned sum = unsigned{value_[i]} + e[i] + carry;
    value_[i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
  }
}

void StateDigest::remove(ByteView key, ByteView value) {
  Hash256 e = entryHash(key, value);
  int borrow = 0;
  for (size_t i = 0; i < kHashBytes; ++i) {
    int diff = int{value_[i]} - e[i] - borrow;
    borrow = diff < 0 ? 1 : 0;
    value_[i] = static_cast<uint8_t>(diff + (borrow << 8));
  }
}

}  // namespace govbus
