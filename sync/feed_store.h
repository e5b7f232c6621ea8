// FeedStore: the storage interface the sync layer needs, implemented by node/lmdb_store.h.
//
// sync/ never touches a disk; it sees feeds through these transactions. Rules, as in LMDB:
//   - at most one FeedTxn (write transaction) is open at a time; beginWrite blocks until the
//     previous one ends;
//   - FeedReader snapshots are cheap and must be short-lived;
//   - a ByteView returned by a transaction stays valid until that transaction ends;
//   - a FeedTxn that is destroyed without commit() is rolled back: nothing of it is visible.
// Stored record bytes are SignedRecord messages exactly as verified.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "protocol/record.h"

namespace govbus {

struct FeedHead {
  uint64_t seq = 0;
  Hash256 id{};          // id (BLAKE2b-256 of the body) of the record at `seq`
  uint64_t lamport = 0;  // that record's Lamport clock
  uint64_t bytes = 0;    // the feed's stored SignedRecord messages, in bytes (per-author quota)
  friend bool operator==(const FeedHead&, const FeedHead&) = default;
};

struct ForkEvidence {
  std::string author;
  uint64_t seq = 0;
  Bytes first;   // SignedRecord message, the one stored in the feed
  Bytes second;  // SignedRecord message, the conflicting one
};

class FeedReader {
 public:
  virtual ~FeedReader() = default;
  virtual Result<std::optional<FeedHead>> head(std::string_view author) = 0;
  // Every feed held, sorted by author.
  virtual Result<std::vector<std::pair<std::string, FeedHead>>> heads() = 0;
  virtual Result<std::optional<Hash256>> recordId(std::string_view author, uint64_t seq) = 0;
  // The stored SignedRecord message at (author, seq).
  virtual Result<std::optional<ByteView>> record(std::string_view author, uint64_t seq) = 0;
  // Highest Lamport clock of any stored record (0 when empty).
  virtual Result<uint64_t> maxLamport() = 0;
  virtual Result<uint64_t> pendingCount() = 0;
  // Calls `visit` for every buffered record of `author` (every author when empty), in key order
  // (author, then seq), with its stored value, until it returns false.
  virtual Status scanPending(
      std::string_view author,
      const std::function<bool(std::string_view author, uint64_t seq, ByteView value)>& visit) = 0;
  virtual Result<std::vector<ForkEvidence>> forks() = 0;
  virtual Result<std::optional<Frontier>> peerPosition(std::string_view peer) = 0;
  // Signed certificates (encoded SignedCertificate messages) and revocations learned so far.
  virtual Result<std::vector<Bytes>> certificates() = 0;
  // Revocations with the code of the node that authored each.
  virtual Result<std::vector<std::pair<std::string, KeyRevocation>>> revocations() = 0;

  // The derived-state table: an ordered key-value map the deterministic core keeps its
  // materialized state in, written in the same transaction as the records it derives from.
  virtual Result<std::optional<Bytes>> stateGet(ByteView key) = 0;
  // Calls `visit` for every entry whose key starts with `prefix`, in key order, until it returns
  // false.
  virtual Status stateScan(ByteView prefix,
                           const std::function<bool(ByteView key, ByteView value)>& visit) = 0;
  // The same from the first key >= `from` (which should itself start with `prefix`): lets an
  // index be read in ranges and skipped through, not only from a prefix's start.
  virtual Status stateScanFrom(ByteView from, ByteView prefix,
                               const std::function<bool(ByteView key, ByteView value)>& visit) = 0;
};

class FeedTxn : public FeedReader {
 public:
  // Appends the record at head.seq + 1 and moves the head; the caller has checked the link.
  virtual Status append(std::string_view author, const FeedHead& newHead,
                        ByteView signedRecord) = 0;
  // The out-of-order buffer: records that arrived before their predecessor.
  virtual Status putPending(std::string_view author, uint64_t seq, ByteView signedRecord) = 0;
  // Removes and returns the buffered record at (author, seq), if any.
  virtual Result<std::optional<Bytes>> takePending(std::string_view author, uint64_t seq) = 0;
  virtual Result<std::optional<Bytes>> peekPending(std::string_view author, uint64_t seq) = 0;
  virtual Status putForkEvidence(const ForkEvidence& evidence) = 0;
  virtual Status putPeerPosition(std::string_view peer, const Frontier& position) = 0;
  virtual Status putCertificate(std::string_view subject, uint32_t serial,
                                ByteView signedCertificate) = 0;
  virtual Status putRevocation(std::string_view revoker, const KeyRevocation& revocation) = 0;
  virtual Status statePut(ByteView key, ByteView value) = 0;
  virtual Status stateDel(ByteView key) = 0;
  // Removes every entry of the derived-state table (a rebuild starts from nothing).
  virtual Status stateClear() = 0;
  // Makes every change durable (fsync) and visible; the transaction is finished either way.
  virtual Status commit() = 0;
};

class FeedStore {
 public:
  virtual ~FeedStore() = default;
  virtual Result<std::unique_ptr<FeedTxn>> beginWrite() = 0;
  virtual Result<std::unique_ptr<FeedReader>> beginRead() = 0;
};

}  // namespace govbus
