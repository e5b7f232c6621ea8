// NodeConfig: what `govbus-node --config FILE` reads (TOML), checked before anything starts.
//
// Keys (paths relative to the config file's directory):
//   code                    this node's 6/9/12-digit division code (required)
//   data_dir                the LMDB store directory (required)
//   key_file                the node's Ed25519 key (crypto/key_file.h, mode 0600) (required)
//   anchor_file             the province's self-signed certificate (node/chain_file.h) (required)
//   certificate_chain_file  anchor's child … this node's certificate (required except at the root)
//   listen                  ZeroMQ endpoint children dial, e.g. "tcp://0.0.0.0:7101" (optional)
//   upstreams               parent first, fallbacks after; each entry is an endpoint string (codes
//                           taken in order up the tree: parent, grandparent, …) or a table
//                           { code = "430000", endpoint = "tcp://…" } (optional; none at the root)
//   api                     "host:port" of the local HTTP API (default 127.0.0.1:8101); a host
//                           that is not loopback is refused unless api_allow_remote = true
//   api_allow_remote        bind the API to a non-loopback address (default false): the API
//                           speaks plain HTTP, so the operator must opt in explicitly
//   api_token_file          bearer token for API writes, mode 0600 (required); it also opens
//                           case reads
//   api_read_token_file     bearer token for case reads (GET /v1/cases…), mode 0600 (optional;
//                           without it only the write token opens case reads)
//   applicant_key_file      the province's applicant key (crypto/applicant_key.h), copied from
//                           the enrolment (optional; without it the API takes applicant_hash only,
//                           never applicant_id)
//   log_level               trace | debug | info | warn | error (default info)
//   [store] map_size_mb     LMDB address space in MiB (default 65536)
//   [store] author_quota_mb the most of this store one other node's feed may take, its stored and
//                           buffered records, in MiB (default 4096); this node and its ancestors
//                           have no quota (sync/ingest.h, IngestLimits)
//   [sync]  heartbeat_ms, peer_timeout_ms, fallback_after_ms, parent_probe_ms (see SyncTimings)
//   [testing] clock_offset_days  TEST ONLY: days added to the node's wall clock (records it signs,
//                           deadlines and cards it computes), so that a demo or test can see a
//                           case go overdue without waiting; the node logs a warning at start
// Unknown keys are errors: a misspelt key must not silently fall back to a default.
//
// Thread safety: value types and free functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace govbus {

inline constexpr uint16_t kDefaultApiPort = 8101;
inline constexpr uint64_t kDefaultMapSizeMb = 64 * 1024;
inline constexpr uint64_t kMaxMapSizeMb = uint64_t{1} << 24;  // 16 TiB: beyond any real province
// A county's feed over years: 4 GiB holds about eight million records of half a KiB (a busy county
// centre's case events for a decade), and one node alone can fill at most a sixteenth of the
// default map.
inline constexpr uint64_t kDefaultAuthorQuotaMb = 4 * 1024;
static_assert(kDefaultAuthorQuotaMb * 16 <= kDefaultMapSizeMb);
inline constexpr size_t kMaxUpstreams = 8;
inline constexpr size_t kMaxConfigFileBytes = 1 << 20;
inline constexpr int64_t kMaxClockOffsetDays = 3650;

// Timings of the replication transport. Defaults suit a WAN; tests shorten them.
struct SyncTimings {
  int64_t heartbeatMs = 1000;       // a child pings its upstream this often
  int64_t peerTimeoutMs = 5000;     // silence after which a connection counts as dead
  int64_t fallbackAfterMs = 30000;  // parent unreachable this long → try the fallback upstreams
  int64_t parentProbeMs = 10000;    // on a fallback, check this often whether the parent is back
  int64_t witnessIntervalMs =
      60000;  // at most one Witness record this often (sync/witness_schedule.h)
};

struct UpstreamConfig {
  std::string code;  // empty until resolved: the n-th ancestor for a plain endpoint entry
  std::string endpoint;
  friend bool operator==(const UpstreamConfig&, const UpstreamConfig&) = default;
};

struct NodeConfig {
  std::filesystem::path file;  // where it was read from (SIGHUP rereads it)
  std::string code;
  std::filesystem::path dataDir;
  std::filesystem::path keyFile;
  std::filesystem::path anchorFile;
  std::optional<std::filesystem::path> chainFile;
  std::string listen;  // empty: no children
  std::vector<UpstreamConfig> upstreams;
  std::string apiHost = "127.0.0.1";
  uint16_t apiPort = kDefaultApiPort;
  bool apiAllowRemote = false;
  std::filesystem::path apiTokenFile;
  std::optional<std::filesystem::path> apiReadTokenFile;
  std::optional<std::filesystem::path> applicantKeyFile;
  std::string logLevel = "info";
  uint64_t mapSizeMb = kDefaultMapSizeMb;
  uint64_t authorQuotaMb = kDefaultAuthorQuotaMb;
  SyncTimings sync;
  int64_t clockOffsetMs = 0;  // [testing] clock_offset_days: never set on a production node
};

Result<NodeConfig> loadNodeConfig(const std::filesystem::path& file);
// Parses TOML text; relative paths resolve against `baseDir`. Error messages name the key.
Result<NodeConfig> parseNodeConfig(std::string_view text, const std::filesystem::path& baseDir,
                                   const std::string& sourceName);

// Fills in the code of every upstream given as a plain endpoint (the n-th entry is the n-th
// ancestor up from the parent) and checks that every upstream is an ancestor. `ancestors` is root
// first, parent last.
Status resolveUpstreams(std::vector<UpstreamConfig>& upstreams,
                        const std::vector<std::string>& ancestors);

// Reads the API token file: mode 0600, at least kMinApiTokenChars printable characters.
inline constexpr size_t kMinApiTokenChars = 16;
// `key` names the config key in messages.
Result<std::string> loadApiToken(const std::filesystem::path& file,
                                 std::string_view key = "api_token_file");

// Whether `host` names this machine only: localhost, ::1, or 127.x.y.z.
bool isLoopbackHost(std::string_view host);

// Parses "host:port".
Status parseHostPort(std::string_view text, std::string& host, uint16_t& port);

}  // namespace govbus
