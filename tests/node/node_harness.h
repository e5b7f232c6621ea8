// NodeHarness: real govbus-node processes on loopback for integration tests.
//
// A NodeCluster owns a temporary directory with one sub-directory per node. Nodes are set up the
// way an operator does it — `govbus-admin init`, `anchor` for the province, `enroll` by the parent
// (which publishes the certificate through the parent's running API) — except that the harness
// writes each node's config itself, with free loopback ports, short sync timings (so that failure
// detection and fallback take a second or two, not a minute) and the upstream list a test asks for.
// Node output goes to <dir>/node.log; when a test fails the harness prints the tail of every log.
//
// Thread safety: a cluster belongs to one test thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testing/test_network.h"

namespace govbus::testing {

using Json = nlohmann::json;

// Timings every harness node runs with (milliseconds).
inline constexpr int64_t kHarnessHeartbeatMs = 200;
inline constexpr int64_t kHarnessPeerTimeoutMs = 1000;
inline constexpr int64_t kHarnessFallbackAfterMs = 1500;
inline constexpr int64_t kHarnessParentProbeMs = 1000;
inline constexpr int64_t kHarnessWitnessIntervalMs = 200;
inline constexpr auto kHarnessWait = std::chrono::seconds(20);

std::string nodeBinary();
std::string adminBinary();
uint16_t freePort();

struct CommandResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};
CommandResult runCommand(const std::vector<std::string>& argv);

struct HttpResult {
  int status = 0;  // 0: no connection
  Json body;       // null when the body is not JSON
  std::string text;
};

// Polls `done` until it returns true or `timeout` passes.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = kHarnessWait);

class NodeProcess {
 public:
  NodeProcess(std::string code, std::string name, std::filesystem::path dir, bool listens);
  ~NodeProcess();

  const std::string& code() const { return code_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path configFile() const { return dir_ / "govbus-node.toml"; }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(listenPort_); }
  uint16_t apiPort() const { return apiPort_; }
  std::string token() const;

  // Writes the config: `upstreams` are (code, endpoint) pairs, parent first.
  void writeConfig(const std::vector<std::pair<std::string, std::string>>& upstreams);
  void start();
  // Waits for /healthz; false on timeout or when the process exited.
  bool waitHealthy(std::chrono::milliseconds timeout = kHarnessWait);
  void kill9();
  void sendSignal(int signal);
  // SIGTERM and wait; returns the exit status (-1 when it did not exit in time).
  int terminate();
  bool running();
  pid_t pid() const { return pid_; }

  HttpResult get(const std::string& path) const;
  HttpResult post(const std::string& path, const Json& body, bool withToken = true) const;
  std::string metrics() const;
  // Value of one Prometheus sample, e.g.
  // metric("govbus_zap_refused_total{reason=\"unknown_key\"}").
  uint64_t metric(const std::string& sample) const;
  // Head of `author`'s feed here (0 when absent or unreachable).
  uint64_t head(const std::string& author) const;
  std::string digest() const;
  std::string logTail(size_t lines = 40) const;

 private:
  std::string code_;
  std::string name_;
  std::filesystem::path dir_;
  uint16_t apiPort_;
  uint16_t listenPort_;
  bool listens_;
  pid_t pid_ = -1;
};

class NodeCluster {
 public:
  NodeCluster();
  ~NodeCluster();

  // `govbus-admin init` (and `anchor` for the first node, the province). The node's config names
  // `upstreams` by code, parent first; they must have been added before.
  NodeProcess& add(const std::string& code, const std::string& name,
                   const std::vector<std::string>& upstreams = {}, bool listens = true);
  NodeProcess& node(const std::string& code) { return *nodes_.at(code); }
  // `govbus-admin enroll` by `parent` (running, so the certificate gets published), writing the
  // child's chain and anchor into the child's directory.
  void enroll(const std::string& child, const std::string& parent);
  // Starts the node and waits until it is healthy.
  void start(const std::string& code);
  const std::filesystem::path& root() const { return dir_.path(); }
  void dumpLogs() const;

 private:
  TempDir dir_;
  std::map<std::string, std::unique_ptr<NodeProcess>> nodes_;
  std::vector<std::string> order_;
};

}  // namespace govbus::testing
