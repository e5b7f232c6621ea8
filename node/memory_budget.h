// Memory budget: every buffer a peer connection can make this node hold, derived from one byte
// budget per connection and one per node, with the relations checked at compile time.
//
// What one connection can fill:
//   - ZeroMQ's receive side: ZeroMQ allocates a whole message as soon as it has read its size, and
//     keeps up to ZMQ_RCVHWM messages per connection. So ZMQ_MAXMSGSIZE is the largest sync message
//     (a larger frame makes ZeroMQ drop the connection unread; the transport's socket monitor
//     counts it) and ZMQ_RCVHWM is small: the transport drains every socket each turn, and a full
//     queue only makes ZeroMQ stop reading the TCP socket (backpressure, nothing lost).
//   - the writer's queue: decoded messages waiting for the writer thread (bytes and messages per
//     peer, and in total; every message kind counts, hellos and acks as well as batches);
//   - ZeroMQ's send side: the writer sends a peer at most kMaxInflightBytesPerLink of
//   unacknowledged
//     batches (plus the one that crosses the line) and one ack per message the peer sent;
//     ZMQ_SNDHWM is that window in messages, so an honest peer never finds it full.
// A node holds at most kMaxDownstreamConnections connections (the ZAP handler refuses handshakes
// beyond it, counting open connections from the socket monitor) and two upstream ones (the parent
// or a fallback, and a probe of the parent).
//
// Thread safety: constants only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocol/limits.h"
#include "sync/replication_link.h"

namespace govbus {

// --- the writer's queue (node/engine.h) ---
inline constexpr uint64_t kMaxInflightBytesPerLink = 16 * 1024 * 1024;
inline constexpr size_t kMaxQueuedBytesPerPeer = 64 * 1024 * 1024;
inline constexpr size_t kMaxQueuedMessagesPerPeer = 2 * kMaxInflightRecordsPerLink + 256;
inline constexpr size_t kMaxQueuedBytesTotal = 512 * 1024 * 1024;

// --- ZeroMQ (node/transport.h) ---
// ZMQ_MAXMSGSIZE: nothing larger can be a valid sync message.
inline constexpr int64_t kMaxFrameBytesRead = static_cast<int64_t>(kMaxSyncMessageBytes);
// ZMQ_RCVHWM, per connection.
inline constexpr int kReceiveQueueFrames = 2;
// ZMQ_SNDHWM, per connection: a full window of one-record batches and an ack for every message the
// peer may have queued here, with room for hellos, pings and reconnects.
inline constexpr int kSendQueueFrames =
    static_cast<int>(kMaxInflightRecordsPerLink + kMaxQueuedMessagesPerPeer) + 64;
inline constexpr size_t kMaxDownstreamConnections = 256;
inline constexpr size_t kUpstreamConnections = 2;  // the current upstream and a probe

// What one connection can make ZeroMQ hold: its receive queue plus the message being assembled,
// and the batches of its window plus the one that crosses the line.
inline constexpr uint64_t kZmqBytesPerConnection =
    (kReceiveQueueFrames + 1) * static_cast<uint64_t>(kMaxFrameBytesRead) +
    kMaxInflightBytesPerLink + kMaxSyncMessageBytes;

// --- the budgets ---
inline constexpr uint64_t kConnectionBudgetBytes = 160ULL * 1024 * 1024;
inline constexpr uint64_t kNodeBudgetBytes = 24ULL * 1024 * 1024 * 1024;

static_assert(kZmqBytesPerConnection + kMaxQueuedBytesPerPeer <= kConnectionBudgetBytes,
              "one connection's ZeroMQ buffers and writer queue fit its budget");
static_assert((kMaxDownstreamConnections + kUpstreamConnections) * kZmqBytesPerConnection +
                      kMaxQueuedBytesTotal <=
                  kNodeBudgetBytes,
              "every connection at its worst, and the writer's whole queue, fit the node's budget");
static_assert(kMaxQueuedBytesPerPeer <= kMaxQueuedBytesTotal);
static_assert(kMaxInflightBytesPerLink + kMaxSyncBatchBytes + (1 << 20) <= kMaxQueuedBytesPerPeer,
              "a peer that respects its window never fills its inbound quota");
static_assert(kMaxQueuedMessagesPerPeer > kMaxInflightRecordsPerLink,
              "a window of one-record batches fits the message quota");
static_assert(static_cast<uint64_t>(kSendQueueFrames) >
                  kMaxInflightRecordsPerLink + kMaxQueuedMessagesPerPeer,
              "an honest peer's window and our acks never fill the send queue");
static_assert(kMaxFrameBytesRead >= static_cast<int64_t>(kMaxSyncMessageBytes),
              "every valid sync message can be read");

}  // namespace govbus
