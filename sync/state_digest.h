// StateDigest: one value that two nodes compare to know they derived the same state.
//
// The digest is a multiset hash: the sum, modulo 2^256, of BLAKE2b-256(len(key) key len(value)
// value) (lengths as 8-byte big-endian) over
// every entry of the digested state. Adding and removing entries updates it in O(1), and it does
// not depend on the order entries were written — so the incrementally maintained digest equals
// the one a rebuild from feeds computes, whatever order records arrived in.
#pragma once

#include "base/bytes.h"

namespace govbus {

class StateDigest {
 public:
  StateDigest() = default;
  explicit StateDigest(const Hash256& value) : value_(value) {}

  void add(ByteView key, ByteView value);
  void remove(ByteView key, ByteView value);
  const Hash256& value() const { return value_; }

 private:
  Hash256 value_{};  // little-endian 256-bit integer
};

}  // namespace govbus
