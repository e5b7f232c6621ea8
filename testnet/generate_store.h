// generateStore: a province's store of N records on disk, made on demand (`govbus-testnet
// --generate-store DIR --records N`) — to measure verify, rebuild and catch-up on a realistic
// history, and to let operators size disks.
//
// The records are the province mix (testnet/province_mix.h) on a real topology (province 43 from
// data/divisions by default), valid signatures throughout, ingested through the real write path
// (Replica::ingest into a durable LmdbStore, signatures checked on every core): the store is what
// the province's node would hold after taking those records, derived state included. Wall time
// advances by kProvinceYearMs / kProvinceRecordsPerYear per record, so N records span the part of
// a province-year they would (10^8 records a year: 134 counties × ~200,000 cases × ~5 events).
//
// DIR must be new or empty; it gets data/ (the store) and anchor.cert (the province's anchor), so
// that `govbus-admin verify --data DIR/data --anchor DIR/anchor.cert` checks it.
//
// Thread safety: blocks the calling thread; uses a worker pool of its own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "base/result.h"

namespace govbus::testnet {

inline constexpr uint64_t kProvinceRecordsPerYear = 100'000'000;
inline constexpr int64_t kProvinceYearMs = 365LL * 24 * 3600 * 1000;

struct GenerateOptions {
  std::filesystem::path dir;
  uint64_t records = 1'000'000;  // records of the mix, after the setup
  uint64_t seed = 20260101;
  std::filesystem::path dataDir;  // the repository's data/ folder
  std::string province = "43";
  uint64_t mapSizeBytes = uint64_t{64} << 30;
  size_t threads = 0;  // 0: one per hardware thread
  // After each batch: records stored so far and in all.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct GenerateReport {
  uint64_t setupRecords = 0;
  uint64_t records = 0;  // setup + mix
  uint64_t fileBytes = 0;
  uint64_t usedBytes = 0;
  double seconds = 0;
  size_t threads = 0;
  std::string digest;   // hex
  std::string summary;  // what to print
};

Result<GenerateReport> generateStore(const GenerateOptions& options);

}  // namespace govbus::testnet
