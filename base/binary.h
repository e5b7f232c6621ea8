// BinaryWriter / BinaryReader: the encoding of derived-state values the node writes for itself.
//
// Fixed-width big-endian integers and length-prefixed byte strings, nothing else, so that equal
// values always encode to equal bytes (state digests hash these bytes). The reader checks every
// length against what is left and reports failure instead of reading past the end.
//
// Thread safety: value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace govbus {

class BinaryWriter {
 public:
  BinaryWriter& u8(uint8_t v) {
    out_.push_back(v);
    return *this;
  }
  BinaryWriter& u32(uint32_t v) {
    for (int i = 3; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  BinaryWriter& u64(uint64_t v) {
    for (int i = 7; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  BinaryWriter& i64(int64_t v) { return u64(static_cast<uint64_t>(v)); }
  BinaryWriter& boolean(bool v) { return u8(v ? 1 : 0); }
  BinaryWriter& bytes(ByteView v) {
    u32(static_cast<uint32_t>(v.size()));
    out_.insert(out_.end(), v.begin(), v.end());
    return *this;
  }
  BinaryWriter& str(std::string_view v) { return bytes(asBytes(v)); }
  // Raw bytes without a length: for keys whose parts have fixed widths or separators.
  BinaryWriter& raw(ByteView v) {
    out_.insert(out_.end(), v.begin(), v.end());
    return *this;
  }
  BinaryWriter& raw(std::string_view v) { return raw(asBytes(v)); }

  Bytes take() { return std::move(out_); }
  const Bytes& bytesSoFar() const { return out_; }

 private:
  Bytes out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(ByteView in) : in_(in) {}

  bool ok() const { return ok_; }
  bool atEnd() const { return pos_ == in_.size(); }

  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  int64_t i64() { return static_cast<int64_t>(fixed(8)); }
  bool boolean() { return u8() != 0; }
  Bytes bytes() {
    uint32_t n = u32();
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    Bytes out(in_.begin() + static_cast<ptrdiff_t>(pos_),
              in_.begin() + static_cast<ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }
  std::string str() {
    Bytes b = bytes();
    return std::string(b.begin(), b.end());
  }

 private:
  uint64_t fixed(size_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = v << 8 | in_[pos_ + i];
    pos_ += n;
    return v;
  }

  ByteView in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace govbus
