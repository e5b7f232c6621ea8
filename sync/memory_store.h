// MemoryStore: a FeedStore held entirely in memory, for the deterministic simulator.
//
// Same observable semantics as LmdbStore (node/lmdb_store.h), checked by
// tests/sync/feed_store_conformance_test.cc: records, heads sorted by author, the out-of-order
// buffer, fork evidence (the first per (author, seq) is kept), peer positions, certificates,
// revocations (the lowest fromSeq per (subject, serial) is kept, with its revoker), the ordered
// derived-state table, and maxLamport. Codes are keyed by their first 12 bytes, as LmdbStore does.
// Thousands of these live in one simulator process, so nothing is copied per transaction: a
// write transaction stages its changes in an overlay that reads fall through to the committed
// maps, and commit() moves the overlay's nodes into them.
//
// Transactions:
//   - at most one FeedTxn is open at a time: beginWrite blocks on a mutex until the previous one
//     commits or is destroyed (so never open two on one thread, exactly as with LMDB);
//   - a FeedTxn reads its own writes; commit() applies them all at once and ends the transaction
//     (every later call on it fails with kInvalidArgument); destroying it uncommitted discards
//     them. A simulated crash is just that: the uncommitted transactions are destroyed;
//   - a FeedReader sees committed data only, but unlike an LMDB reader it is NOT a snapshot: a
//     reader held across another transaction's commit sees the newer data from then on. The
//     single-threaded simulator never relies on snapshot isolation;
//   - a ByteView from record() stays valid at least until its transaction ends (in fact until the
//     store is destroyed: feeds are append-only, so committed records never move, and staged ones
//     keep their buffers when commit() moves them).
//
// Disk full: with Options::maxBytes != 0, a write that would take the stored bytes (keys plus
// values, counted as LmdbStore lays them out, without page overhead) above maxBytes fails with
// kMapFull, and like an LMDB transaction that hit MDB_MAP_FULL the transaction is then poisoned:
// every later write and commit() fail with kMapFull, so nothing of it is ever stored (reads
// still work; LMDB fails them too, with kStorage).
//
// Deliberate difference: stateDel refuses a key of bad size (empty or over 511 bytes) with
// kInvalidArgument, as statePut and stateGet do; LmdbStore passes it to LMDB.
//
// Thread safety: the store may be shared between threads and each transaction belongs to one
// thread, as with LmdbStore; a reader's call waits while another thread's commit() applies, so a
// stateScan visitor must not commit a write transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "sync/feed_store.h"

namespace govbus {

class MemoryStore final : public FeedStore {
 public:
  struct Options {
    // Bytes the store may hold; 0 means no bound. Lets the simulator inject a full disk.
    uint64_t maxBytes = 0;
  };

  MemoryStore();
  explicit MemoryStore(Options options);
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  Result<std::unique_ptr<FeedTxn>> beginWrite() override;
  Result<std::unique_ptr<FeedReader>> beginRead() override;

  // Bytes committed so far, as counted against Options::maxBytes.
  uint64_t storedBytes() const;

  struct Tables;  // the committed data; defined in memory_store.cc

 private:
  Options options_;
  std::mutex writer_;               // held by the one open FeedTxn
  mutable std::shared_mutex data_;  // readers share it; commit() takes it exclusively
  std::unique_ptr<Tables> tables_;
};

}  // namespace govbus
