#include "node/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <zmq.hpp>

#include "node/api_server.h"
#include "node/clock.h"
#include "node/data_dir_lock.h"
#include "node/engine.h"
#include "node/lmdb_store.h"
#include "node/log_format.h"
#include "node/node_config.h"
#include "node/node_identity.h"
#include "node/transport.h"
#include "node/worker_pool.h"
#include "node/zap_handler.h"

namespace govbus {

namespace {

constexpr long kSignalPollMs = 200;

// The resolved log format of this process (runNode sets it first).
LogFormat gLogFormat = LogFormat::kPlain;

int failStartup(int status, const std::string& message) {
  std::fprintf(stderr, "%s\n", plainLogLine(gLogFormat, spdlog::level::err, message).c_str());
  return status;
}

void setupLogging(const std::string& level) {
  auto logger = spdlog::stdout_logger_mt("govbus");
  logger->set_formatter(makeLogFormatter(gLogFormat));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

// A thread that cannot go on records why and wakes the main thread.
class FatalSignal {
 public:
  void raise(const std::string& why) {
    {
      std::lock_guard lock(mu_);
      if (message_.empty()) message_ = why;
    }
    spdlog::critical("{}", why);
    raised_ = true;
    ::kill(::getpid(), SIGTERM);
  }
  bool raised() const { return raised_.load(); }
  std::string message() const {
    std::lock_guard lock(mu_);
    return message_;
  }

 private:
  mutable std::mutex mu_;
  std::string message_;
  std::atomic<bool> raised_{false};
};

void reload(const NodeConfig& current, const NodeIdentity& identity, Transport& transport) {
  auto next = loadNodeConfig(current.file);
  if (!next) {
    spdlog::error("SIGHUP: keeping the running configuration: {}", next.error().message);
    return;
  }
  if (Status s = resolveUpstreams(next->upstreams, identity.ancestors); !s) {
    spdlog::error("SIGHUP: keeping the running configuration: {}", s.error().message);
    return;
  }
  spdlog::set_level(spdlog::level::from_str(next->logLevel));
  transport.setUpstreams(next->upstreams);
  std::string upstreams;
  for (const UpstreamConfig& u : next->upstreams)
    upstreams += (upstreams.empty() ? "" : ", ") + u.code + "@" + u.endpoint;
  spdlog::info("SIGHUP: log level {}, upstreams [{}]", next->logLevel, upstreams);
  if (next->code != current.code || next->dataDir != current.dataDir ||
      next->keyFile != current.keyFile || next->listen != current.listen ||
      next->apiHost != current.apiHost || next->apiPort != current.apiPort ||
      next->mapSizeMb != current.mapSizeMb || next->authorQuotaMb != current.authorQuotaMb ||
      next->apiTokenFile != current.apiTokenFile ||
      next->apiReadTokenFile != current.apiReadTokenFile ||
      next->applicantKeyFile != current.applicantKeyFile) {
    spdlog::warn(
        "SIGHUP: other changed keys (code, data_dir, key_file, listen, api, api_token_file, "
        "api_read_token_file, applicant_key_file, store) take effect after a restart");
  }
}

}  // namespace

int runNode(const std::filesystem::path& configFile, bool checkOnly, LogFormat logFormat) {
  gLogFormat = resolveLogFormat(logFormat);
  // Block the signals before any thread exists, so that every thread inherits the mask and only
  // the main thread takes them (sigtimedwait below).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto config = loadNodeConfig(configFile);
  if (!config) return failStartup(kExitConfigError, config.error().message);
  setupLogging(config->logLevel);
  // [testing] clock_offset_days shifts every wall-clock reading of this node (0 in production).
  const int64_t clockOffsetMs = config->clockOffsetMs;
  auto now = [clockOffsetMs] { return wallClockMs() + clockOffsetMs; };
  auto identity = loadNodeIdentity(*config, now());
  if (!identity) return failStartup(kExitConfigError, identity.error().message);
  if (Status s = resolveUpstreams(config->upstreams, identity->ancestors); !s) {
    return failStartup(kExitConfigError, s.error().message);
  }
  auto token = loadApiToken(config->apiTokenFile);
  if (!token) return failStartup(kExitConfigError, token.error().message);
  std::string readToken;
  if (config->apiReadTokenFile) {
    auto t = loadApiToken(*config->apiReadTokenFile, "api_read_token_file");
    if (!t) return failStartup(kExitConfigError, t.error().message);
    readToken = std::move(*t);
  }
  std::optional<ApplicantKey> applicantKey;
  if (config->applicantKeyFile) {
    auto k = loadApplicantKey(*config->applicantKeyFile);
    if (!k) {
      std::error_code ec;
      if (!std::filesystem::exists(*config->applicantKeyFile, ec)) {
        return failStartup(
            kExitConfigError,
            "applicant_key_file " + config->applicantKeyFile->string() +
                " does not exist: copy applicant.key from this node's enrolment directory (the "
                "parent's `govbus-admin enroll --out`), or at the province run `govbus-admin "
                "anchor` again, which creates it beside the key file");
      }
      return failStartup(kExitConfigError, k.error().message);
    }
    applicantKey = std::move(*k);
  } else {
    spdlog::warn(
        "no applicant_key_file in the config: the API takes applicant_hash only, not applicant_id "
        "(docs/OPERATIONS.md, \"Applicant key\")");
  }
  auto curvePublic = identity->key.publicKey().curve25519();
  if (!curvePublic)
    return failStartup(kExitConfigError, "key_file: " + curvePublic.error().message);

  // One daemon per data directory, taken before the store is opened (node/data_dir_lock.h). A
  // --check beside a running node only reads.
  std::optional<DataDirLock> dataLock;
  if (!checkOnly) {
    auto lock = DataDirLock::acquire(config->dataDir);
    if (!lock && lock.error().code == ErrorCode::kIo)
      return failStartup(kExitRuntimeError, lock.error().message);
    if (!lock) {
      return failStartup(kExitConfigError,
                         "data_dir " + config->dataDir.string() + ": " + lock.error().message);
    }
    dataLock.emplace(std::move(*lock));
  }
  LmdbOptions storeOptions;
  storeOptions.mapSizeBytes = config->mapSizeMb << 20;
  auto store = LmdbStore::open(config->dataDir, storeOptions);
  if (!store)
    return failStartup(kExitConfigError,
                       "data_dir " + config->dataDir.string() + ": " + store.error().message);
  Identity self{identity->code, identity->own.serial, &identity->key, identity->ancestors};
  // Signature checks of incoming batches run on every core (and a rebuild of the derived state,
  // when the store needs one, too).
  WorkerPool pool;
  // Per-author quota (issue 13, item 6): no other node's feed may take more than
  // [store] author_quota_mb of this store; this node and its ancestors have none.
  IngestLimits limits;
  limits.maxBytesPerAuthor = config->authorQuotaMb << 20;
  limits.exemptAuthors.insert(identity->code);
  limits.exemptAuthors.insert(identity->ancestors.begin(), identity->ancestors.end());
  auto replica = Replica::open(**store, identity->anchor, self, limits, &pool);
  if (!replica) {
    return failStartup(kExitConfigError,
                       "data_dir " + config->dataDir.string() + ": " + replica.error().message);
  }
  if (checkOnly) {
    std::printf("govbus-node: %s: configuration, identity and store of %s are fine\n",
                configFile.c_str(), identity->code.c_str());
    return kExitOk;
  }
  // The node's own chain is trusted from the start: it signs with the last certificate of it, and
  // peers need the chain in hellos.
  (*replica)->setClock(now());
  if (auto admitted = (*replica)->ingest(std::vector<SignedRecord>{}, identity->chain); !admitted) {
    return failStartup(kExitRuntimeError,
                       "cannot store this node's certificate chain: " + admitted.error().message);
  }
  if (identity->isRoot()) {
    auto view = (*store)->beginRead();
    if (!view) return failStartup(kExitRuntimeError, view.error().message);
    auto head = (*view)->head(identity->code);
    view->reset();
    if (!head) return failStartup(kExitRuntimeError, head.error().message);
    if (!*head) {
      // The province publishes its own anchor as its first record: the tree starts there.
      if (auto r = (*replica)->author(identity->anchor, now()); !r) {
        return failStartup(kExitRuntimeError,
                           "cannot publish the anchor certificate: " + r.error().message);
      }
    }
  }
  FatalSignal fatal;
  auto onFatal = [&fatal](const std::string& why) { fatal.raise(why); };
  zmq::context_t context(1);
  Metrics metrics;
  PeerKeysSnapshot keys;
  Outbox outbox;
  if (!outbox.ok())
    return failStartup(kExitRuntimeError, "cannot create an eventfd for the writer's outbox");

  Engine engine(**replica, *identity, outbox, keys, metrics, config->sync, onFatal);
  if (clockOffsetMs != 0) {
    spdlog::warn(
        "TEST CLOCK: [testing] clock_offset_days = {} — this node's wall clock runs {} days ahead "
        "of the system clock (records it signs, deadlines, cards). Never use this in production.",
        clockOffsetMs / 86'400'000, clockOffsetMs / 86'400'000);
    engine.setClockOffsetMs(clockOffsetMs);
  }
  const std::filesystem::path restoreMarker = config->dataDir / kRestoreMarkerFileName;
  if (std::filesystem::exists(restoreMarker)) {
    spdlog::warn(
        "the store in {} was restored from a backup ({} exists): API writes are refused until {} "
        "has confirmed this node's own feed and the node holds it",
        config->dataDir.string(), restoreMarker.string(),
        identity->isRoot() ? "a child" : "the upstream");
    engine.requireOwnFeedConfirmation([restoreMarker] {
      std::error_code ec;
      std::filesystem::remove(restoreMarker, ec);
      if (ec) {
        spdlog::error("cannot remove {}: {}; remove it by hand", restoreMarker.string(),
                      ec.message());
      } else {
        spdlog::info("own feed confirmed after the restore; removed {}", restoreMarker.string());
      }
    });
  }
  engine.setStoreUsage([lmdb = store->get()]() -> std::optional<Engine::MapUsage> {
    auto size = lmdb->size();
    if (!size || size->mapBytes == 0) return std::nullopt;
    return Engine::MapUsage{
        static_cast<double>(size->usedBytes) / static_cast<double>(size->mapBytes),
        size->mapBytes >> 20};
  });
  if (Status s = engine.start(); !s)
    return failStartup(kExitRuntimeError, "cannot start: " + s.error().message);
  std::atomic<int64_t> openConnections{0};  // the listening socket's, kept by its monitor
  ZapHandler zap(context, keys, metrics, onFatal, &openConnections);
  if (Status s = zap.start(); !s) return failStartup(kExitRuntimeError, s.error().message);
  TransportOptions transportOptions{config->listen, config->sync, *curvePublic,
                                    identity->key.curve25519Secret(), &openConnections};
  Transport transport(context, engine, outbox, keys, metrics, std::move(transportOptions), onFatal);
  transport.setUpstreams(config->upstreams);
  if (Status s = transport.start(); !s) return failStartup(kExitRuntimeError, s.error().message);
  ApiServer api(
      engine, transport, metrics, *identity,
      ApiOptions{config->apiHost, config->apiPort, *token, readToken, applicantKey, clockOffsetMs},
      [&zap, &transport]() -> std::string {
        if (!zap.running()) return "the ZAP handler is not running";
        if (!transport.running()) return "the transport thread is not running";
        return "";
      });
  if (Status s = api.start(); !s) return failStartup(kExitRuntimeError, s.error().message);

  std::string upstreams;
  for (const UpstreamConfig& u : config->upstreams)
    upstreams += (upstreams.empty() ? "" : ", ") + u.code + "@" + u.endpoint;
  spdlog::info("node {} ready: listen {}, upstreams [{}], api http://{}:{}, data {}",
               identity->code, config->listen.empty() ? "(none)" : config->listen, upstreams,
               config->apiHost, config->apiPort, config->dataDir.string());

  while (true) {
    timespec wait{0, kSignalPollMs * 1'000'000};
    int sig = sigtimedwait(&signals, nullptr, &wait);
    if (fatal.raised()) break;
    if (sig == SIGHUP) {
      reload(*config, *identity, transport);
    } else if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("{}: draining and stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
  }
  // Stop taking work, let the writer finish what is queued (its acks go out), then close sockets.
  api.stop();
  transport.stopReceiving();
  engine.stop();
  transport.stop();
  zap.stop();
  context.close();
  if (fatal.raised()) {
    std::fprintf(stderr, "%s\n",
                 plainLogLine(gLogFormat, spdlog::level::critical, fatal.message()).c_str());
    return kExitRuntimeError;
  }
  spdlog::info("node {} stopped", identity->code);
  return kExitOk;
}

}  // namespace govbus
