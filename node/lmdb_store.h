// LmdbStore: a node's feeds, buffers, evidence and positions in one LMDB environment.
//
// Named databases (schema version 2):
//   feeds     (author[12] seq[8 BE]) → id[32] || SignedRecord message
//   heads     author[12]             → seq[8] id[32] lamport[8] bytes[8] (version 1: no bytes)
//   pending   (author[12] seq[8 BE]) → "GBP1" arrival ms[8 BE] SignedRecord message (the
//             out-of-order buffer; the value's layout is sync/ingest.cc's, opaque here)
//   forks     (author[12] seq[8 BE]) → len[8] first || second (SignedRecord messages)
//   peers     peer code              → encoded frontier (acknowledged positions)
//   certs     (subject[12] serial[4 BE]) → SignedCertificate message
//   revocations (subject[12] serial[4 BE]) → fromSeq[8 BE] revoker[12]
//   meta      "schema_version" → u64 BE; "max_lamport" → u64 BE
//   state     derived state of the deterministic core (sync/state_engine.h), keys ≤ 511 bytes
// Author codes are NUL-padded to 12 bytes so keys sort by author, then sequence.
//
// LMDB rules apply: one write transaction at a time (beginWrite blocks while another is open, so
// never open two on one thread); read transactions are short. commit() fsyncs unless the store was
// opened with `durable = false` (benchmarks of the raw put rate only). Every LMDB failure becomes
// an Error naming the operation; MDB_MAP_FULL becomes kMapFull with the remedy.
//
// Thread safety: the store may be shared between threads; each transaction belongs to one thread.
#pragma once

#include <filesystem>
#include <memory>

#include "sync/feed_store.h"

namespace govbus {

// Version 2 added the byte count to every head (48 → 56 bytes). A writable open upgrades a
// version-1 store in place (one pass over the feeds); a read-only open reads it as it is. An older
// build refuses a version-2 store with kVersion instead of misreading its heads.
inline constexpr uint32_t kStoreSchemaVersion = 2;
inline constexpr uint32_t kFirstStoreSchemaVersion = 1;

struct LmdbOptions {
  // Address space reserved for the map; the file grows as data is written. Raise it when the node
  // reports map_full.
  uint64_t mapSizeBytes = uint64_t{64} << 30;
  // Skip fsync on commit. Never for a real node: an acknowledged record must survive power loss.
  bool durable = true;
  // Open without writing anything: beginWrite fails. A directory is opened beside the process that
  // owns it (LMDB's lock file coordinates readers across processes, so this needs write access
  // to lock.mdb: run as the node's user); a regular file (a backup) is opened as a private
  // snapshot without a lock file. Map size 0 takes the size recorded in the store.
  bool readOnly = false;
};

class LmdbStore final : public FeedStore {
 public:
  // Creates `dir` if needed (unless readOnly). Fails with a specific error for an unreadable
  // directory, a store written by a newer schema version, a data file shorter than its newest
  // meta page says (truncated: kStorage, checked before mapping, so never a SIGBUS), or an LMDB
  // error.
  static Result<std::unique_ptr<LmdbStore>> open(const std::filesystem::path& dir,
                                                 LmdbOptions options = {});
  ~LmdbStore() override;

  Result<std::unique_ptr<FeedTxn>> beginWrite() override;
  Result<std::unique_ptr<FeedReader>> beginRead() override;

  // A consistent copy of the store, taken while it runs (mdb_env_copy2 with compaction).
  Status backupTo(const std::filesystem::path& file);

  // Lets go of the file pages this process has read through the map (madvise MADV_DONTNEED): they
  // stay in the kernel's page cache, so reading them again costs a minor fault, but they no longer
  // count toward this process's resident memory. A scan of the whole store (verify, rebuild)
  // calls it now and then, so that its resident memory stays bounded whatever the store's size.
  // Call it between transactions' uses of record views (the views stay valid: the pages are read
  // back on the next access).
  void releaseMappedPages();

  // The bytes the store's file takes on disk, the bytes of it LMDB uses (pages in use), and the
  // map's size (the most it can use). Callable from any thread.
  struct Size {
    uint64_t fileBytes = 0;
    uint64_t usedBytes = 0;
    uint64_t mapBytes = 0;
  };
  Result<Size> size();

  struct Impl;

 private:
  explicit LmdbStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace govbus
