// Reading and writing single Cap'n Proto messages with the limits of protocol/limits.h.
//
// This is the one place where untrusted bytes meet Cap'n Proto. Cap'n Proto throws kj::Exception on
// malformed input, lazily, when a bad pointer is first followed; readMessage therefore runs the
// whole decode inside the callback and turns any exception into a kMalformed error. Callers must
// copy what they need out of the reader before the callback returns.
//
// The field readers below (readText, readCode) are the only way the codecs copy text out of a
// reader, so every text field of every message gets the same checks: its size limit, no NUL byte,
// and for division codes a code that parses. Errors name the field: "hello.node: …".
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "protocol/limits.h"

namespace govbus::capnp_io {

// A kMalformed error naming the field: "field: problem".
Error malformed(std::string_view field, std::string_view problem);

// Copies a text field out of a reader: at most `maxBytes`, and no NUL byte (Cap'n Proto text may
// hold one; C strings, logs and JSON cut there, so two different signed messages could look alike).
Result<std::string> readText(capnp::Text::Reader text, std::string_view field,
                             size_t maxBytes = kMaxTextBytes);
// A division code field: readText within kMaxDivisionCodeChars, then a code that parses. With
// `optional`, an empty field is an empty string.
Result<std::string> readCode(capnp::Text::Reader text, std::string_view field,
                             bool optional = false);

// Text for a builder with its explicit size: kj's implicit conversion from std::string stops at a
// NUL, which would silently sign something other than what the caller passed.
inline capnp::Text::Reader text(const std::string& s) {
  return capnp::Text::Reader(s.data(), s.size());
}

// Decodes `bytes` as one flat (unpacked) message with root `Root` and hands its reader to `decode`,
// which returns Result<T>. Rejects: size over `maxBytes`, a size that is not whole words, trailing
// bytes after the message, nesting or traversal over the limits, and anything Cap'n Proto rejects.
template <typename Root, typename Decode>
auto readMessage(ByteView bytes, size_t maxBytes, std::string_view what, Decode&& decode)
    -> decltype(decode(std::declval<typename Root::Reader>())) {
  if (bytes.size() > maxBytes) {
    return makeError(ErrorCode::kTooLarge,
                     std::string(what) + " is " + std::to_string(bytes.size()) +
                         " bytes, over the limit of " + std::to_string(maxBytes));
  }
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return makeError(ErrorCode::kMalformed, std::string(what) + " is " +
                                                std::to_string(bytes.size()) +
                                                " bytes, not a whole number of 8-byte words");
  }
  // Cap'n Proto reads words in place; bytes from a socket or an LMDB page need not be aligned.
  kj::Array<capnp::word> aligned;
  kj::ArrayPtr<const capnp::word> words;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
    words = kj::ArrayPtr<const capnp::word>(reinterpret_cast<const capnp::word*>(bytes.data()),
                                            bytes.size() / sizeof(capnp::word));
  } else {
    aligned = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(aligned.begin(), bytes.data(), bytes.size());
    words = aligned.asPtr();
  }
  capnp::ReaderOptions options;
  options.traversalLimitInWords = words.size() * kTraversalWordsPerMessageWord;
  options.nestingLimit = kMaxNestingDepth;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) {
      return makeError(ErrorCode::kMalformed,
                       std::string(what) + " has trailing bytes after the message");
    }
    return decode(reader.getRoot<Root>());
  } catch (const kj::Exception& e) {
    return makeError(ErrorCode::kMalformed,
                     std::string(what) + " is malformed: " + e.getDescription().cStr());
  }
}

// Serializes a built message into one flat byte buffer.
inline Bytes toFlatBytes(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> b = words.asBytes();
  return Bytes(b.begin(), b.end());
}

}  // namespace govbus::capnp_io
