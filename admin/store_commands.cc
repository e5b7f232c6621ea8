// govbus-admin commands that work on a node's store directly, without its API: verify, backup,
// restore (declared in admin/admin_commands.h).
//
// The store is opened read-only (node/lmdb_store.h): beside a running node that is an ordinary
// LMDB reader in a second process — one snapshot, the node's writer never waits — so the admin
// tool must run as the node's user (it needs write access to lock.mdb, like mdb_copy).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "admin/admin_commands.h"
#include "admin/progress.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "node/chain_file.h"
#include "node/daemon.h"
#include "node/lmdb_store.h"
#include "node/node_config.h"
#include "node/worker_pool.h"
#include "protocol/certificate_codec.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"
#include "sync/replay.h"
#include "sync/state_engine.h"
#include "sync/trust_store.h"

namespace govbus::admin {

namespace {

using Json = nlohmann::json;

// Long scans let go of the store pages they read this often (LmdbStore::releaseMappedPages).
constexpr uint64_t kReleasePagesEveryRecords = 8192;
constexpr size_t kCopyChunkBytes = 1 << 20;
constexpr int kBackupPollMs = 100;
constexpr size_t kMaxPrintedProblems = 50;

Error usage(const std::string& message) { return makeError(ErrorCode::kInvalidArgument, message); }

void printJson(const Json& j) {
  std::printf("%s\n", j.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
}

std::string mib(uint64_t bytes) {
  char buf[32];
  if (bytes < (1 << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  }
  return buf;
}

// What a store holds, read in one snapshot.
struct StoreSummary {
  Hash256 digest{};
  std::vector<std::pair<std::string, FeedHead>> heads;
  uint64_t records = 0;
};

Result<StoreSummary> summarize(FeedReader& view) {
  StoreSummary s;
  GOVBUS_ASSIGN_OR_RETURN(s.digest, StateEngine::digest(view));
  GOVBUS_ASSIGN_OR_RETURN(s.heads, view.heads());
  for (const auto& [author, head] : s.heads) s.records += head.seq;
  return s;
}

Json feedsJson(const StoreSummary& s) {
  Json feeds = Json::object();
  for (const auto& [author, head] : s.heads) feeds[author] = head.seq;
  return feeds;
}

// The node directory's config, when there is one.
Result<std::optional<NodeConfig>> configOf(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / kConfigFileName;
  if (!std::filesystem::exists(file)) return std::optional<NodeConfig>();
  GOVBUS_ASSIGN_OR_RETURN(NodeConfig c, loadNodeConfig(file));
  return std::optional<NodeConfig>(std::move(c));
}

// The data directory: --data, or the config's data_dir of --dir.
Result<std::filesystem::path> dataDirOf(const std::filesystem::path& data,
                                        const std::filesystem::path& dir,
                                        const std::optional<NodeConfig>& config) {
  if (!data.empty()) return data;
  if (config) return config->dataDir;
  return usage("no " + std::string(kConfigFileName) + " in " + dir.string() +
               ": give --dir the node's directory, or --data the store directory");
}

Result<std::unique_ptr<LmdbStore>> openReadOnly(const std::filesystem::path& where) {
  LmdbOptions options;
  options.readOnly = true;
  options.mapSizeBytes = 0;  // the size recorded in the store
  auto store = LmdbStore::open(where, options);
  if (!store) {
    if (store.error().code == ErrorCode::kNotFound) return store.error();
    std::string hint;
    if (store.error().message.find("ermission") != std::string::npos) {
      hint = " (run govbus-admin as the node's user, e.g. sudo -u govbus govbus-admin …)";
    }
    return makeError(store.error().code, "cannot open the store " + where.string() + ": " +
                                             store.error().message + hint);
  }
  return store;
}

// The province's anchor published as the first record of its feed (a fallback when no anchor file
// is at hand: it proves the store is self-consistent, not that it belongs to this province).
Result<SignedCertificate> anchorInStore(FeedReader& view) {
  GOVBUS_ASSIGN_OR_RETURN(auto heads, view.heads());
  for (const auto& [author, head] : heads) {
    auto code = DivisionCode::parse(author);
    if (!code || code->depth() != 1) continue;
    GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view.record(author, 1));
    if (!raw) continue;
    auto sr = decodeSignedRecord(*raw);
    if (!sr) continue;
    auto record = decodeRecordBody(sr->body);
    if (!record) continue;
    const auto* cert = std::get_if<SignedCertificate>(&record->payload);
    if (cert && verifyAnchor(*cert)) return *cert;
  }
  return makeError(ErrorCode::kNotFound,
                   "the store holds no province feed starting with its anchor; give --anchor FILE");
}

}  // namespace

// --- verify and rebuild: the whole store, streamed ----------------------------------------

namespace {

// The anchor for a store: --anchor, the config's anchor file, else the province's anchor record.
Result<std::pair<SignedCertificate, std::string>> anchorFor(const std::filesystem::path& anchor,
                                                            const std::optional<NodeConfig>& config,
                                                            FeedReader& view) {
  std::pair<SignedCertificate, std::string> out;
  if (!anchor.empty() || config) {
    const std::filesystem::path file = !anchor.empty() ? anchor : config->anchorFile;
    GOVBUS_ASSIGN_OR_RETURN(out.first, readCertificateFile(file));
    out.second = file.string();
  } else {
    GOVBUS_ASSIGN_OR_RETURN(out.first, anchorInStore(view));
    out.second = "the store itself (no --anchor given)";
  }
  if (auto c = verifyAnchor(out.first); !c)
    return usage("anchor " + out.second + ": " + c.error().message);
  return out;
}

uint64_t peakRssMib() {
  struct rusage u {};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<uint64_t>(u.ru_maxrss) / 1024;  // KiB on Linux
}

// Progress of a scan of every record: a redrawn line on a terminal, and records/s at the end.
class ScanMeter {
 public:
  ScanMeter(const char* what, LmdbStore& store) : progress_(what, "records", 0), store_(store) {}
  void update(uint64_t done, uint64_t total) {
    progress_.setTotal(total);
    progress_.update(done);
    if (done - released_ >= kReleasePagesEveryRecords) {
      store_.releaseMappedPages();
      released_ = done;
    }
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void finish() { progress_.finish(); }

 private:
  Progress progress_;
  LmdbStore& store_;
  uint64_t released_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

std::string rateLine(uint64_t records, double seconds, size_t threads) {
  char b[200];
  std::snprintf(b, sizeof b,
                "%llu records in %.1f s: %.0f records/s on %zu thread(s); peak memory %llu MiB",
                static_cast<unsigned long long>(records), seconds,
                seconds > 0 ? static_cast<double>(records) / seconds : 0.0, threads,
                static_cast<unsigned long long>(peakRssMib()));
  return b;
}

}  // namespace

Status verify(const VerifyOptions& o) {
  const std::filesystem::path dir = o.dir.empty() ? std::filesystem::path(".") : o.dir;
  std::optional<NodeConfig> config;
  if (o.data.empty() || o.anchor.empty()) {
    GOVBUS_ASSIGN_OR_RETURN(config, configOf(dir));
  }
  GOVBUS_ASSIGN_OR_RETURN(std::filesystem::path data, dataDirOf(o.data, dir, config));
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> store, openReadOnly(data));
  // One read snapshot for everything: the stored digest and the feeds it was derived from.
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, store->beginRead());
  GOVBUS_ASSIGN_OR_RETURN(auto anchored, anchorFor(o.anchor, config, *view));
  const auto& [anchor, anchorSource] = anchored;
  const std::string anchorSubject = verifyAnchor(anchor)->subject;

  std::vector<std::string> problems;
  uint64_t problemCount = 0;
  auto problem = [&](const std::string& text) {
    // Past the first few, the rest is usually one break echoed down a feed: count, do not print.
    ++problemCount;
    if (problems.size() < kMaxPrintedProblems) {
      if (!o.json) std::printf("problem: %s\n", text.c_str());
      problems.push_back(text);
    }
  };

  // Certificates: every one the node admitted must chain to the anchor again.
  std::vector<SignedCertificate> certificates;
  GOVBUS_ASSIGN_OR_RETURN(std::vector<Bytes> rawCerts, view->certificates());
  for (const Bytes& raw : rawCerts) {
    auto c = decodeSignedCertificate(raw);
    if (!c) {
      problem("a stored certificate does not decode: " + c.error().message);
      continue;
    }
    certificates.push_back(std::move(*c));
  }
  GOVBUS_ASSIGN_OR_RETURN(TrustStore trust, TrustStore::create(anchor));
  for (const auto& [cert, error] : trust.admitAll(certificates)) {
    auto body = decodeCertificateBody(cert.body);
    problem("certificate " +
            (body ? body->subject + " serial " + std::to_string(body->serial) : std::string("?")) +
            " does not chain to the anchor: " + error.message);
  }

  GOVBUS_ASSIGN_OR_RETURN(StoreSummary stored, summarize(*view));
  GOVBUS_ASSIGN_OR_RETURN(uint64_t pending, view->pendingCount());
  GOVBUS_ASSIGN_OR_RETURN(std::vector<ForkEvidence> forks, view->forks());

  // Every record again through the real core, in feed order, streamed (sync/replay.h): the
  // integrity check at the door and the state engine, whose state goes into a scratch store.
  const std::filesystem::path scratchParent =
      o.scratch.empty() ? std::filesystem::temp_directory_path() : o.scratch;
  std::string scratchDir = (scratchParent / "govbus-verify-XXXXXX").string();
  if (::mkdtemp(scratchDir.data()) == nullptr) {
    return makeError(ErrorCode::kIo, "cannot create a scratch directory in " +
                                         scratchParent.string() + ": " + std::strerror(errno) +
                                         " (--scratch DIR chooses where)");
  }
  struct RemoveWhenDone {
    std::filesystem::path dir;
    ~RemoveWhenDone() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } removeScratch{scratchDir};
  LmdbOptions scratchOptions;
  scratchOptions.durable = false;  // thrown away at the end
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> scratch,
                          LmdbStore::open(std::filesystem::path(scratchDir), scratchOptions));
  WorkerPool pool(o.threads);
  ScanMeter meter("verify", *store);
  ReplayOptions options;
  options.parallel = &pool;
  options.progress = [&](uint64_t done, uint64_t total) {
    meter.update(done, total);
    if (done % kReleasePagesEveryRecords < options.batchRecords) scratch->releaseMappedPages();
  };
  GOVBUS_ASSIGN_OR_RETURN(ReplayResult replayed,
                          replayForVerify(*view, *scratch, std::move(trust), options, problem));
  meter.finish();
  const double seconds = meter.seconds();
  scratch.reset();

  // The heads the store claims must be the records it holds.
  for (const auto& [author, head] : stored.heads) {
    auto h = replayed.heads.find(author);
    if (h == replayed.heads.end() || h->second.seq != head.seq || h->second.id != head.id) {
      problem("feed " + author + ": the stored head (seq " + std::to_string(head.seq) +
              ") is not the last record that verifies (seq " +
              std::to_string(h == replayed.heads.end() ? 0 : h->second.seq) + ")");
    }
  }
  const Hash256 recomputed = replayed.digest;
  const bool same = recomputed == stored.digest;
  if (!same) {
    problem("the state recomputed from the feeds (digest " + toHex(recomputed) +
            ") differs from the stored state (digest " + toHex(stored.digest) +
            "): rebuild the derived state (govbus-admin rebuild, node stopped), or restore a "
            "backup that verifies");
  }

  if (o.json) {
    Json out{
        {"store", data.string()},
        {"anchor", anchorSource},
        {"feeds", stored.heads.size()},
        {"records", stored.records},
        {"certificates", certificates.size()},
        {"pending_records", pending},
        {"fork_evidence", forks.size()},
        {"digest", toHex(recomputed)},
        {"stored_digest", toHex(stored.digest)},
        {"seconds", seconds},
        {"records_per_second", seconds > 0 ? static_cast<double>(replayed.records) / seconds : 0.0},
        {"threads", pool.width()},
        {"peak_rss_mib", peakRssMib()},
        {"ok", problemCount == 0},
        {"problem_count", problemCount},
        {"problems", problems}};
    printJson(out);
  } else {
    std::printf("store %s (one read-only snapshot), anchor %s from %s\n", data.c_str(),
                anchorSubject.c_str(), anchorSource.c_str());
    std::printf(
        "%zu feeds, %llu records, %zu certificate(s); %llu buffered out of order, %zu fork(s) in "
        "evidence\n",
        stored.heads.size(), static_cast<unsigned long long>(stored.records), certificates.size(),
        static_cast<unsigned long long>(pending), forks.size());
    std::printf("verified %s\n", rateLine(replayed.records, seconds, pool.width()).c_str());
    std::printf("state digest %s (recomputed from the feeds)\n", toHex(recomputed).c_str());
    std::printf("stored       %s%s\n", toHex(stored.digest).c_str(),
                same ? " (equal)" : " (DIFFERENT)");
    if (problemCount == 0) {
      std::printf(
          "OK: every record's signature, key, certificate chain and hash link verified, and the "
          "state recomputed from the feeds equals the stored state\n");
    }
  }
  if (problemCount > 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     "verify found " + std::to_string(problemCount) + " problem" +
                         (problemCount == 1 ? "" : "s") + " in " + data.string() +
                         (problemCount > problems.size()
                              ? " (the first " + std::to_string(problems.size()) + " listed above)"
                              : " (listed above)") +
                         "; restore a backup that verifies, or let the node re-sync from its "
                         "parent into an empty data directory");
  }
  return Status::Ok();
}

Status rebuild(const RebuildOptions& o) {
  const std::filesystem::path dir = o.dir.empty() ? std::filesystem::path(".") : o.dir;
  std::optional<NodeConfig> config;
  if (o.data.empty() || o.anchor.empty()) {
    GOVBUS_ASSIGN_OR_RETURN(config, configOf(dir));
  }
  GOVBUS_ASSIGN_OR_RETURN(std::filesystem::path data, dataDirOf(o.data, dir, config));
  if (!std::filesystem::exists(data / "data.mdb"))
    return makeError(ErrorCode::kNotFound, "no store in " + data.string() + " (no data.mdb)");
  LmdbOptions options;
  options.mapSizeBytes = config ? config->mapSizeMb << 20 : LmdbOptions{}.mapSizeBytes;
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> store, LmdbStore::open(data, options));
  std::pair<SignedCertificate, std::string> anchored;
  Hash256 before{};
  {
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, store->beginRead());
    GOVBUS_ASSIGN_OR_RETURN(anchored, anchorFor(o.anchor, config, *view));
    GOVBUS_ASSIGN_OR_RETURN(before, StateEngine::digest(*view));
  }
  StateEngine engine(verifyAnchor(anchored.first)->subject);
  WorkerPool pool(o.threads);
  ScanMeter meter("rebuild", *store);
  ReplayOptions replay;
  replay.parallel = &pool;
  replay.progress = [&](uint64_t done, uint64_t total) { meter.update(done, total); };
  GOVBUS_ASSIGN_OR_RETURN(ReplayResult rebuilt,
                          rebuildState(*store, engine, anchored.first, replay));
  meter.finish();
  if (o.json) {
    printJson(Json{{"store", data.string()},
                   {"records", rebuilt.records},
                   {"digest", toHex(rebuilt.digest)},
                   {"previous_digest", toHex(before)},
                   {"seconds", meter.seconds()},
                   {"threads", pool.width()},
                   {"peak_rss_mib", peakRssMib()}});
    return Status::Ok();
  }
  std::printf("rebuilt the derived state of %s from its feeds\n", data.c_str());
  std::printf("%s\n", rateLine(rebuilt.records, meter.seconds(), pool.width()).c_str());
  std::printf("state digest %s\n", toHex(rebuilt.digest).c_str());
  std::printf(
      "before       %s%s\n", toHex(before).c_str(),
      before == rebuilt.digest ? " (equal)" : " (different: the stored state was not the feeds')");
  return Status::Ok();
}

// --- backup -----------------------------------------------------------------------------------

Status backup(const BackupOptions& o) {
  if (o.to.empty()) return usage("--to FILE: where to write the backup");
  if (std::filesystem::exists(o.to)) {
    return usage(o.to.string() +
                 " already exists: a backup never overwrites a file; choose a new "
                 "name");
  }
  const std::filesystem::path dir = o.dir.empty() ? std::filesystem::path(".") : o.dir;
  std::optional<NodeConfig> config;
  if (o.data.empty()) {
    GOVBUS_ASSIGN_OR_RETURN(config, configOf(dir));
  }
  GOVBUS_ASSIGN_OR_RETURN(std::filesystem::path data, dataDirOf(o.data, dir, config));
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> store, openReadOnly(data));

  std::error_code ec;
  const uint64_t sourceBytes = std::filesystem::file_size(data / "data.mdb", ec);
  Progress progress("backup", "MiB", ec ? 0 : sourceBytes >> 20);
  std::atomic<bool> copying{true};
  // The copy is one LMDB call; its progress is the size of the file it writes.
  std::thread watcher([&] {
    while (copying.load()) {
      std::error_code e;
      uint64_t size = std::filesystem::file_size(o.to, e);
      if (!e) progress.update(size >> 20);
      std::this_thread::sleep_for(std::chrono::milliseconds(kBackupPollMs));
    }
  });
  Status copied = store->backupTo(o.to);
  copying = false;
  watcher.join();
  progress.finish();
  store.reset();
  if (!copied) {
    std::filesystem::remove(o.to, ec);  // O_EXCL made it ours: a partial copy must not look valid
    return copied.error();
  }

  // The digest is read from the copy itself: it is the source's committed state at the moment of
  // the copy's snapshot, byte for byte.
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> copy, openReadOnly(o.to));
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, copy->beginRead());
  GOVBUS_ASSIGN_OR_RETURN(StoreSummary s, summarize(*view));
  const uint64_t bytes = std::filesystem::file_size(o.to, ec);
  if (o.json) {
    printJson(Json{{"file", o.to.string()},
                   {"store", data.string()},
                   {"bytes", bytes},
                   {"digest", toHex(s.digest)},
                   {"records", s.records},
                   {"feeds", feedsJson(s)}});
    return Status::Ok();
  }
  std::printf("backup of %s written to %s (%s, compacted, mode 0600)\n", data.c_str(), o.to.c_str(),
              mib(bytes).c_str());
  std::printf("%zu feeds, %llu records; state digest at the moment of the copy:\n%s\n",
              s.heads.size(), static_cast<unsigned long long>(s.records), toHex(s.digest).c_str());
  std::printf(
      "keep it with the node's key (node.key is not in the backup). Restore with:\n"
      "  govbus-admin restore --from %s --data <new empty dir>\n",
      o.to.c_str());
  return Status::Ok();
}

// --- restore ----------------------------------------------------------------------------------

Status restore(const RestoreOptions& o) {
  if (o.from.empty()) return usage("--from FILE: the backup to restore");
  const std::filesystem::path dir = o.dir.empty() ? std::filesystem::path(".") : o.dir;
  std::optional<NodeConfig> config;
  if (o.data.empty()) {
    GOVBUS_ASSIGN_OR_RETURN(config, configOf(dir));
  }
  GOVBUS_ASSIGN_OR_RETURN(std::filesystem::path data, dataDirOf(o.data, dir, config));
  std::error_code ec;
  if (std::filesystem::exists(data, ec) &&
      (!std::filesystem::is_directory(data, ec) || !std::filesystem::is_empty(data, ec))) {
    return usage(data.string() +
                 " is not empty: restore writes only into a new or empty directory, so that it "
                 "never overwrites a store. Stop the node, move the old data directory aside, "
                 "and run this again");
  }
  if (!std::filesystem::is_regular_file(o.from, ec)) {
    return usage("--from " + o.from.string() + ": no such backup file");
  }
  StoreSummary s;
  {
    // Check that the file is a store this build reads before copying anything.
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> backupStore, openReadOnly(o.from));
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, backupStore->beginRead());
    GOVBUS_ASSIGN_OR_RETURN(s, summarize(*view));
  }
  std::filesystem::create_directories(data, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot create " + data.string() + ": " + ec.message());
  std::filesystem::permissions(data, std::filesystem::perms::owner_all, ec);

  const std::filesystem::path tmp = data / "data.mdb.tmp";
  const std::filesystem::path target = data / "data.mdb";
  auto copyFile = [&]() -> Status {
    int in = ::open(o.from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return makeError(ErrorCode::kIo, o.from.string() + ": " + std::strerror(errno));
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
      ::close(in);
      return makeError(ErrorCode::kIo, tmp.string() + ": " + std::strerror(errno));
    }
    struct stat st {};
    ::fstat(in, &st);
    Progress progress("restore", "MiB", static_cast<uint64_t>(st.st_size) >> 20);
    std::vector<char> buf(kCopyChunkBytes);
    uint64_t total = 0;
    Status result = Status::Ok();
    while (true) {
      ssize_t n = ::read(in, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        result = makeError(ErrorCode::kIo, o.from.string() + ": " + std::strerror(errno));
        break;
      }
      if (n == 0) break;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(out, buf.data() + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          result = makeError(ErrorCode::kIo, tmp.string() + ": " + std::strerror(errno));
          break;
        }
        off += w;
      }
      if (!result) break;
      total += static_cast<uint64_t>(n);
      progress.update(total >> 20);
    }
    if (result && ::fsync(out) != 0)
      result = makeError(ErrorCode::kIo, tmp.string() + ": fsync failed");
    ::close(in);
    ::close(out);
    return result;
  };
  if (Status c = copyFile(); !c) {
    std::filesystem::remove(tmp, ec);
    return c;
  }
  // The marker first, then the store: a node never starts on a restored store without it.
  const std::string marker =
      "This store was restored by govbus-admin from " + o.from.string() +
      ".\nThe node takes no API writes until its upstream has confirmed its own feed; it removes "
      "this file then.\n";
  GOVBUS_TRY(writeFileAtomically(data / kRestoreMarkerFileName, asBytes(marker), 0600));
  std::filesystem::rename(tmp, target, ec);
  if (ec)
    return makeError(ErrorCode::kIo,
                     "cannot move " + tmp.string() + " into place: " + ec.message());
  if (int d = ::open(data.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }

  if (o.json) {
    printJson(Json{{"from", o.from.string()},
                   {"data", data.string()},
                   {"digest", toHex(s.digest)},
                   {"records", s.records},
                   {"feeds", feedsJson(s)}});
    return Status::Ok();
  }
  std::printf("restored %s into %s: %zu feeds, %llu records, state digest\n%s\n", o.from.c_str(),
              data.c_str(), s.heads.size(), static_cast<unsigned long long>(s.records),
              toHex(s.digest).c_str());
  std::printf(
      "next:\n"
      "  govbus-admin verify --data %s      (optional: re-checks every record offline)\n"
      "  start the node with data_dir = %s; it re-syncs what it missed from its upstream and "
      "takes\n"
      "  API writes only once the upstream has confirmed its own feed (answers 503 until then;\n"
      "  see govbus-admin peers). %s is removed then.\n",
      data.c_str(), data.c_str(), kRestoreMarkerFileName);
  return Status::Ok();
}

}  // namespace govbus::admin
