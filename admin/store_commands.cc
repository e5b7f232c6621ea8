// govbus-admin commands that work on a node's store directly, without its API: verify, backup,
// restore (declared in admin/admin_commands.h).
//
// The store is opened read-only (node/lmdb_store.h): beside a running node that is an ordinary
// LMDB reader in a second process — one snapshot, the node's writer never waits — so the admin
// tool must run as the node's user (it needs write access to lock.mdb, like mdb_copy).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <thread>

#include "admin/admin_commands.h"
#include "admin/progress.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "node/chain_file.h"
#include "node/daemon.h"
#include "node/lmdb_store.h"
#include "node/node_config.h"
#include "protocol/certificate_codec.h"
#include "protocol/division_code.h"
#include "protocol/record_codec.h"
#include "sync/memory_store.h"
#include "sync/replica.h"
#include "sync/state_engine.h"
#include "sync/trust_store.h"

namespace govbus::admin {

namespace {

using Json = nlohmann::json;

// Records handed to the in-memory replica per transaction while verifying.
constexpr size_t kVerifyBatchRecords = 1024;
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

// Sorts issuers before the certificates they signed: by the subject's depth, then serial.
std::pair<int, uint32_t> certificateOrder(const SignedCertificate& c) {
  auto body = decodeCertificateBody(c.body);
  if (!body) return {0, 0};
  auto code = DivisionCode::parse(body->subject);
  return {code ? code->depth() : 0, body->serial};
}

struct Cursor {
  uint64_t lamport;
  std::string author;
  uint64_t seq;
  bool operator>(const Cursor& o) const {
    return std::tie(lamport, author, seq) > std::tie(o.lamport, o.author, o.seq);
  }
};

}  // namespace

// --- verify -----------------------------------------------------------------------------------

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

  std::string anchorSource;
  SignedCertificate anchor;
  if (!o.anchor.empty() || config) {
    const std::filesystem::path file = !o.anchor.empty() ? o.anchor : config->anchorFile;
    GOVBUS_ASSIGN_OR_RETURN(anchor, readCertificateFile(file));
    anchorSource = file.string();
  } else {
    GOVBUS_ASSIGN_OR_RETURN(anchor, anchorInStore(*view));
    anchorSource = "the store itself (no --anchor given)";
  }
  auto anchorCert = verifyAnchor(anchor);
  if (!anchorCert) return usage("anchor " + anchorSource + ": " + anchorCert.error().message);

  std::vector<std::string> problems;
  auto problem = [&](std::string text) {
    // Past the first few, the rest is usually one break echoed down a feed: count, do not print.
    if (!o.json && problems.size() < kMaxPrintedProblems) {
      std::printf("problem: %s\n", text.c_str());
    }
    problems.push_back(std::move(text));
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
  GOVBUS_ASSIGN_OR_RETURN(TrustStore check, TrustStore::create(anchor));
  for (const auto& [cert, error] : check.admitAll(certificates)) {
    auto body = decodeCertificateBody(cert.body);
    problem("certificate " +
            (body ? body->subject + " serial " + std::to_string(body->serial) : std::string("?")) +
            " does not chain to the anchor: " + error.message);
  }
  // Issuers before subjects: the replica admits certificates in the order given.
  std::stable_sort(certificates.begin(), certificates.end(),
                   [](const SignedCertificate& a, const SignedCertificate& b) {
                     return certificateOrder(a) < certificateOrder(b);
                   });

  GOVBUS_ASSIGN_OR_RETURN(StoreSummary stored, summarize(*view));
  GOVBUS_ASSIGN_OR_RETURN(uint64_t pending, view->pendingCount());
  GOVBUS_ASSIGN_OR_RETURN(std::vector<ForkEvidence> forks, view->forks());

  // Replay every feed through the real core into an empty in-memory store: the integrity check
  // at the door (signature, key, chain, hash link, sequence, limits) and the state engine. Feeds
  // are merged in Lamport order, which keeps each feed's own order and approximates the order
  // the node learned them in (a key revocation acts at the door only on what follows it).
  MemoryStore memory;
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<Replica> replica, Replica::open(memory, anchor));
  std::priority_queue<Cursor, std::vector<Cursor>, std::greater<>> next;
  auto push = [&](const std::string& author, uint64_t seq) -> Status {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view->record(author, seq));
    if (!raw) {
      problem("feed " + author + " lacks record " + std::to_string(seq) + " below its head");
      return Status::Ok();
    }
    auto sr = decodeSignedRecord(*raw);
    auto env = sr ? decodeEnvelope(sr->body) : Result<Envelope>(sr.error());
    next.push(Cursor{env ? env->lamport : 0, author, seq});
    return Status::Ok();
  };
  std::map<std::string, uint64_t> headOf;
  for (const auto& [author, head] : stored.heads) {
    headOf[author] = head.seq;
    if (head.seq > 0) GOVBUS_TRY(push(author, 1));
  }
  Progress progress("verify", "records", stored.records);
  uint64_t done = 0;
  bool first = true;
  while (!next.empty() || first) {
    std::vector<Bytes> batch;
    std::vector<std::pair<std::string, uint64_t>> where;
    while (!next.empty() && batch.size() < kVerifyBatchRecords) {
      Cursor c = next.top();
      next.pop();
      GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view->record(c.author, c.seq));
      GOVBUS_ASSIGN_OR_RETURN(std::optional<Hash256> id, view->recordId(c.author, c.seq));
      if (raw && id) {
        // The id stored beside the record must be the hash of the body it keeps.
        auto sr = decodeSignedRecord(*raw);
        if (sr && blake2b256(sr->body) != *id) {
          problem("record " + c.author + "#" + std::to_string(c.seq) +
                  ": the stored id is not the hash of its body");
        }
        batch.emplace_back(raw->begin(), raw->end());
        where.emplace_back(c.author, c.seq);
      }
      if (c.seq < headOf[c.author]) GOVBUS_TRY(push(c.author, c.seq + 1));
    }
    std::span<const SignedCertificate> certs;
    if (first) certs = certificates;
    first = false;
    if (batch.empty() && certs.empty()) break;
    GOVBUS_ASSIGN_OR_RETURN(BatchResult result, replica->ingest(batch, certs));
    for (size_t i = 0; i < result.results.size() && i < where.size(); ++i) {
      const IngestResult& r = result.results[i];
      if (r.outcome == IngestOutcome::kAppended) continue;
      problem("record " + where[i].first + "#" + std::to_string(where[i].second) + ": " +
              ingestOutcomeName(r.outcome) + (r.error ? ": " + r.error->message : std::string()));
    }
    done += batch.size();
    progress.update(done);
  }
  progress.finish();

  // The heads the store claims must be the records it holds.
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> replayed, memory.beginRead());
  for (const auto& [author, head] : stored.heads) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> h, replayed->head(author));
    if (!h || h->seq != head.seq || h->id != head.id) {
      problem("feed " + author + ": the stored head (seq " + std::to_string(head.seq) +
              ") is not the last record that verifies (seq " + std::to_string(h ? h->seq : 0) +
              ")");
    }
  }
  GOVBUS_ASSIGN_OR_RETURN(Hash256 recomputed, StateEngine::digest(*replayed));
  const bool same = recomputed == stored.digest;
  if (!same) {
    problem("the state recomputed from the feeds (digest " + toHex(recomputed) +
            ") differs from the stored state (digest " + toHex(stored.digest) +
            "): rebuild the derived state, or restore a backup that verifies");
  }

  if (o.json) {
    Json out{{"store", data.string()},
             {"anchor", anchorSource},
             {"feeds", stored.heads.size()},
             {"records", stored.records},
             {"certificates", certificates.size()},
             {"pending_records", pending},
             {"fork_evidence", forks.size()},
             {"digest", toHex(recomputed)},
             {"stored_digest", toHex(stored.digest)},
             {"ok", problems.empty()},
             {"problems", problems}};
    printJson(out);
  } else {
    std::printf("store %s (one read-only snapshot), anchor %s from %s\n", data.c_str(),
                anchorCert->subject.c_str(), anchorSource.c_str());
    std::printf(
        "%zu feeds, %llu records, %zu certificate(s); %llu buffered out of order, %zu fork(s) in "
        "evidence\n",
        stored.heads.size(), static_cast<unsigned long long>(stored.records), certificates.size(),
        static_cast<unsigned long long>(pending), forks.size());
    std::printf("state digest %s (recomputed from the feeds)\n", toHex(recomputed).c_str());
    std::printf("stored       %s%s\n", toHex(stored.digest).c_str(),
                same ? " (equal)" : " (DIFFERENT)");
    if (problems.empty()) {
      std::printf(
          "OK: every record's signature, key, certificate chain and hash link verified, and the "
          "state recomputed from the feeds equals the stored state\n");
    }
  }
  if (!problems.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "verify found " + std::to_string(problems.size()) + " problem" +
                         (problems.size() == 1 ? "" : "s") + " in " + data.string() +
                         " (listed above); restore a backup that verifies, or let the node "
                         "re-sync from its parent into an empty data directory");
  }
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
