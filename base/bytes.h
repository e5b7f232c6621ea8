// Byte buffers: owned (`Bytes`) and borrowed (`ByteView`), plus the few helpers every layer needs.
//
// A ByteView never owns: whoever hands one out states how long it stays valid (for the store, until
// the transaction that produced it ends).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace govbus {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// A BLAKE2b-256 digest: record ids, previous-record links, state digests.
inline constexpr size_t kHashBytes = 32;
using Hash256 = std::array<uint8_t, kHashBytes>;

inline ByteView asBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view asChars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes toBytes(ByteView b) { return Bytes(b.begin(), b.end()); }

// Lower-case hex, for logs, ids shown to operators, and JSON.
std::string toHex(ByteView b);
// Parses lower- or upper-case hex; returns false on odd length or a non-hex digit.
bool fromHex(std::string_view hex, Bytes& out);

// Big-endian fixed-width integers: keys that sort in numeric order under memcmp (LMDB's default).
void putBigEndian64(uint64_t v, uint8_t out[8]);
uint64_t getBigEndian64(const uint8_t in[8]);

}  // namespace govbus
