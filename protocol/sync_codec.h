// Sync codec: the messages two linked nodes exchange (protocol/sync.capnp), as plain C++ types.
//
// One SyncMessage travels per ZeroMQ frame. decodeSyncMessage takes untrusted bytes and never
// crashes or throws; it checks structure only and returns an error naming the field:
//   - kTooLarge: the frame is over kMaxSyncMessageBytes, a list is over its count limit
//     (kMaxRecordsPerBatch, kMaxCertificatesPerMessage, kMaxFeedsPerFrontier), or a record or
//     certificate body is over its byte limit;
//   - kUnknownKind: a message kind this build does not know (sent by a newer version);
//   - kMalformed: everything else (framing, codes, frontier order, empty bodies, signature
//   lengths).
// A decoded message is structurally sound: every division code parses, every frontier is sorted by
// author without repeats, every record and certificate has a non-empty body within its limit and a
// 64-byte signature. It is *not* authenticated: signatures, certificate chains and the protocol
// version are for sync/ to judge.
//
// encodeSyncMessage does not enforce the limits: a sender must split batches so that the encoded
// frame stays within kMaxSyncMessageBytes and kMaxRecordsPerBatch. It sorts frontiers by author,
// so a frontier with distinct authors always round-trips.
//
// Thread safety: free functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "protocol/record.h"

namespace govbus {

// The version a node sends in its Hello. Decoding accepts any value; sync/ refuses peers whose
// version it cannot speak (kVersion).
inline constexpr uint32_t kSyncProtocolVersion = 1;

// The first message on a link: who the sender is, its certificate chain (anchor's child first, the
// sender's own certificate last) and the highest sequence it holds of every feed it stores.
struct Hello {
  uint32_t protocolVersion = kSyncProtocolVersion;
  std::string node;
  std::vector<SignedCertificate> chain;
  Frontier frontier;
  friend bool operator==(const Hello&, const Hello&) = default;
};

// Records, in per-feed sequence order, with the certificates of their authors that the receiver
// may not know yet.
struct RecordsBatch {
  std::vector<SignedCertificate> certificates;
  std::vector<SignedRecord> records;
  friend bool operator==(const RecordsBatch&, const RecordsBatch&) = default;
};

// Highest contiguous sequence now committed per feed.
struct Ack {
  Frontier frontier;
  friend bool operator==(const Ack&, const Ack&) = default;
};

// Liveness probe; the peer echoes it.
struct Ping {
  uint64_t nonce = 0;
  int64_t sentMs = 0;
  friend bool operator==(const Ping&, const Ping&) = default;
};

// From a server to a connection it has forgotten (or never greeted): close it and dial again with a
// Hello. No fields.
struct Reconnect {
  friend bool operator==(const Reconnect&, const Reconnect&) = default;
};

// The message union, in schema order: `std::variant::index()` is the wire discriminant.
using SyncMessage = std::variant<Hello, RecordsBatch, Ack, Ping, Reconnect>;

Result<SyncMessage> decodeSyncMessage(ByteView bytes);
Bytes encodeSyncMessage(const SyncMessage& message);

}  // namespace govbus
