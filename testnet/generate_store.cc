#include "testnet/generate_store.h"

#include <chrono>
#include <cstdio>

#include "node/chain_file.h"
#include "node/lmdb_store.h"
#include "node/worker_pool.h"
#include "sync/replica.h"
#include "testnet/province_mix.h"

namespace govbus::testnet {

namespace {

constexpr size_t kGenerateBatch = 4096;  // records per durable commit

Status requireAppended(const BatchResult& r) {
  for (const IngestResult& i : r.results) {
    if (i.outcome != IngestOutcome::kAppended) {
      return makeError(ErrorCode::kStorage,
                       "generated record " + i.author + "#" + std::to_string(i.seq) + " was " +
                           ingestOutcomeName(i.outcome) + " instead of stored" +
                           (i.error ? ": " + i.error->message : std::string()));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<GenerateReport> generateStore(const GenerateOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(o.dir, ec) && (!fs::is_directory(o.dir, ec) || !fs::is_empty(o.dir, ec))) {
    return makeError(ErrorCode::kInvalidArgument,
                     o.dir.string() +
                         " is not empty: the store is generated into a new or empty "
                         "directory");
  }
  fs::create_directories(o.dir, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot create " + o.dir.string() + ": " + ec.message());
  GOVBUS_ASSIGN_OR_RETURN(Topology topology, provinceTopology(o.dataDir, o.province));
  MixOptions mixOptions;
  mixOptions.seed = o.seed;
  mixOptions.stepMs = kProvinceYearMs / static_cast<int64_t>(kProvinceRecordsPerYear);
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<ProvinceMix> mix,
                          ProvinceMix::create(topology, mixOptions));
  GOVBUS_TRY(writeCertificateFile(o.dir / "anchor.cert", mix->anchor()));

  LmdbOptions storeOptions;
  storeOptions.mapSizeBytes = o.mapSizeBytes;
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> store,
                          LmdbStore::open(o.dir / "data", storeOptions));
  WorkerPool pool(o.threads);
  GOVBUS_ASSIGN_OR_RETURN(
      std::unique_ptr<Replica> replica,
      Replica::open(*store, mix->anchor(), std::nullopt, IngestLimits{}, &pool));
  const auto started = std::chrono::steady_clock::now();
  GenerateReport report;
  report.threads = pool.width();
  std::vector<SignedRecord> setup = mix->setup();
  report.setupRecords = setup.size();
  const uint64_t total = setup.size() + o.records;
  for (size_t i = 0; i < setup.size(); i += kGenerateBatch) {
    std::vector<SignedRecord> batch(
        setup.begin() + static_cast<ptrdiff_t>(i),
        setup.begin() + static_cast<ptrdiff_t>(std::min(setup.size(), i + kGenerateBatch)));
    report.records += batch.size();
    GOVBUS_ASSIGN_OR_RETURN(BatchResult r, replica->ingest(std::move(batch)));
    GOVBUS_TRY(requireAppended(r));
    if (o.progress) o.progress(report.records, total);
  }
  setup.clear();
  uint64_t left = o.records;
  std::vector<SignedRecord> batch;
  while (left > 0) {
    batch.clear();
    mix->next(static_cast<size_t>(std::min<uint64_t>(left, kGenerateBatch)), batch);
    left -= batch.size();
    report.records += batch.size();
    GOVBUS_ASSIGN_OR_RETURN(BatchResult r, replica->ingest(std::move(batch)));
    GOVBUS_TRY(requireAppended(r));
    batch = {};
    if (o.progress) o.progress(report.records, total);
    if (report.records % (16 * kGenerateBatch) < kGenerateBatch) store->releaseMappedPages();
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  GOVBUS_ASSIGN_OR_RETURN(Hash256 digest, replica->digest());
  report.digest = toHex(digest);
  replica.reset();
  GOVBUS_ASSIGN_OR_RETURN(LmdbStore::Size size, store->size());
  report.fileBytes = size.fileBytes;
  report.usedBytes = size.usedBytes;

  const double perRecord = static_cast<double>(report.usedBytes) /
                           static_cast<double>(std::max<uint64_t>(1, report.records));
  char text[1024];
  std::snprintf(
      text, sizeof text,
      "generated a store of province %s (%zu cities, %zu case-taking counties) in %s\n"
      "%llu records (%llu setup: certificates, catalog, warm-up; %llu of the mix), wall time "
      "%.1f days\n"
      "ingested in %.1f s: %.0f records/s through Replica::ingest on %zu thread(s)\n"
      "data.mdb: %llu bytes on disk, %llu in use: %.0f bytes/record, %.1f GiB per "
      "province-year (%llu records)\n"
      "state digest %s\n"
      "check it: govbus-admin verify --data %s --anchor %s\n",
      o.province.c_str(), mix->cities(), mix->counties(), (o.dir / "data").c_str(),
      static_cast<unsigned long long>(report.records),
      static_cast<unsigned long long>(report.setupRecords),
      static_cast<unsigned long long>(o.records),
      static_cast<double>(report.records) * static_cast<double>(mixOptions.stepMs) / 86'400'000.0,
      report.seconds, static_cast<double>(report.records) / std::max(report.seconds, 1e-9),
      report.threads, static_cast<unsigned long long>(report.fileBytes),
      static_cast<unsigned long long>(report.usedBytes), perRecord,
      perRecord * static_cast<double>(kProvinceRecordsPerYear) / static_cast<double>(1ULL << 30),
      static_cast<unsigned long long>(kProvinceRecordsPerYear), report.digest.c_str(),
      (o.dir / "data").c_str(), (o.dir / "anchor.cert").c_str());
  report.summary = text;
  return report;
}

}  // namespace govbus::testnet
