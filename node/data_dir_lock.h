// DataDirLock: one daemon per data directory.
//
// LMDB lets several processes open one environment, and two govbus-node processes started on the
// same data directory would both take writes under one identity — each signing its own next
// sequence number, a fork of the node's own feed. The daemon therefore takes an exclusive flock(2)
// on DIR/govbus.lock before it opens the store and holds it until it exits; the kernel releases it
// when the process dies, however it dies, so a stale file never blocks a restart. The file holds
// the owner's pid, which the refusal names. govbus-admin's read-only commands (verify, backup) do
// not take it: they are LMDB readers beside the node.
//
// Thread safety: a value owned by the daemon's main thread.
#pragma once

#include <filesystem>

#include "base/result.h"

namespace govbus {

inline constexpr const char* kDataDirLockFileName = "govbus.lock";

class DataDirLock {
 public:
  // Creates `dir` if needed and locks it. Fails with "data directory DIR in use by pid N" (kIo)
  // when another process holds the lock, and with kStorage when the directory or the lock file
  // cannot be created or locked at all.
  static Result<DataDirLock> acquire(const std::filesystem::path& dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace govbus
