// ProcNode: one real govbus-node process of `govbus-testnet --procs` and a client of its HTTP API;
// runCommand: a short-lived child such as govbus-admin.
//
// A node's stdout and stderr go to <dir>/node.log, appended across restarts. Every child gets
// PR_SET_PDEATHSIG(SIGKILL), so no node outlives a govbus-testnet that crashed; that signal fires
// when the *thread* that forked exits, so start, restart and run commands from one thread that
// lives as long as the nodes (runProcs uses its calling thread). Children start with SIGPIPE at its
// default and an empty signal mask, whatever govbus-testnet set for itself.
//
// get/post distinguish "no connection" (the request certainly did not arrive: a killed node) from
// every other failure (a paused node, a timeout, a reset: it may have arrived and been committed).
//
// Thread safety: process control (start, kill9, pause, resume, terminate, reap) from one thread;
// get, post and the accessors from any thread (they read only what is fixed before start).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "testnet/loopback_port.h"

namespace govbus::testnet {

using Json = nlohmann::json;

struct HttpReply {
  int status = 0;             // 0: no answer
  bool notConnected = false;  // no TCP connection: the request never reached the node
  Json body;                  // null when the body is not JSON
  std::string text;           // the body, or why there was no answer
  bool ok() const { return status >= 200 && status < 300; }
};

struct CommandOutput {
  int exitCode = -1;   // -1: killed by a signal or could not run
  std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` (argv[0] a path) to completion; its output goes through `captureFile`.
Result<CommandOutput> runCommand(const std::vector<std::string>& argv,
                                 const std::filesystem::path& captureFile);

class ProcNode {
 public:
  ProcNode(std::string code, std::filesystem::path dir, uint16_t apiPort);
  ~ProcNode();  // kill -9 when still running
  ProcNode(const ProcNode&) = delete;
  ProcNode& operator=(const ProcNode&) = delete;

  const std::string& code() const { return code_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path configFile() const { return dir_ / "govbus-node.toml"; }
  std::filesystem::path logFile() const { return dir_ / "node.log"; }
  uint16_t apiPort() const { return apiPort_; }

  // Reads <dir>/api.token (written by govbus-admin init); needed before post().
  Status loadToken();
  Status start(const std::filesystem::path& nodeBinary);
  bool running() const { return pid_ > 0; }
  bool paused() const { return paused_; }
  void kill9();
  void pause();   // SIGSTOP
  void resume();  // SIGCONT
  // SIGTERM (after SIGCONT), then waits up to `grace`; the exit status, or -1 when it had to be
  // killed or died of a signal.
  int terminate(std::chrono::milliseconds grace);
  // When the process has exited since the last call, its wait status (and it is no longer running).
  std::optional<int> reap();

  HttpReply get(const std::string& path, std::chrono::milliseconds timeout) const;
  HttpReply post(const std::string& path, const Json& body,
                 std::chrono::milliseconds timeout) const;
  // The last `lines` lines of node.log.
  std::string logTail(size_t lines) const;

 private:
  std::string code_;
  std::filesystem::path dir_;
  uint16_t apiPort_;
  std::string token_;
  pid_t pid_ = -1;
  bool paused_ = false;
};

// Describes a wait status: "exit 3", "killed by signal 6".
std::string describeWaitStatus(int status);

// Runs `govbus-admin args…` to completion (output through `captureFile`): what it printed, trimmed,
// or an error naming the command, its exit status and what it printed.
Result<std::string> runAdmin(const std::filesystem::path& adminBinary,
                             const std::vector<std::string>& args,
                             const std::filesystem::path& captureFile);

// A node directory made the way an operator makes it (`govbus-admin init`) for a node on
// 127.0.0.1, and its ProcNode with the API token loaded.
struct LoopbackNodeSpec {
  std::string code;
  std::filesystem::path dir;
  uint16_t apiPort = 0;
  std::string listenEndpoint;  // empty: it only dials out
  std::string parentEndpoint;  // empty: the province (the root)
};
Result<std::unique_ptr<ProcNode>> initLoopbackNode(const std::filesystem::path& adminBinary,
                                                   const LoopbackNodeSpec& spec,
                                                   const std::filesystem::path& captureFile);

// Starts `node` and waits until its /healthz answers 200; an error with the tail of its log when it
// exits first or `timeout` passes.
Status startHealthy(ProcNode& node, const std::filesystem::path& nodeBinary,
                    std::chrono::milliseconds timeout);

}  // namespace govbus::testnet
