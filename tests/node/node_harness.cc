#include "node/node_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "protocol/division_code.h"
#include "testnet/loopback_port.h"

namespace govbus::testing {

namespace {

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& out,
            const std::filesystem::path& err, bool append) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    // A node must not outlive a test process that crashed before its destructors ran.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC);
    int o = ::open(out.c_str(), flags, 0644);
    int e = out == err ? o : ::open(err.c_str(), flags, 0644);
    if (o < 0 || e < 0) ::_exit(126);
    ::dup2(o, 1);
    ::dup2(e, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

std::string nodeBinary() { return GOVBUS_NODE_BINARY; }
std::string adminBinary() { return GOVBUS_ADMIN_BINARY; }

uint16_t freePort() {
  Result<uint16_t> port = testnet::freeLoopbackPort();
  if (!port.ok()) ADD_FAILURE() << port.error().message;
  return port.ok() ? *port : 0;
}

CommandResult runCommand(const std::vector<std::string>& argv) {
  TempDir tmp;
  pid_t pid = spawn(argv, tmp.path() / "out", tmp.path() / "err", false);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = readFile(tmp.path() / "out");
  r.err = readFile(tmp.path() / "err");
  return r;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// --- NodeProcess ------------------------------------------------------------------------------

NodeProcess::NodeProcess(std::string code, std::string name, std::filesystem::path dir,
                         bool listens)
    : code_(std::move(code)),
      name_(std::move(name)),
      dir_(std::move(dir)),
      apiPort_(freePort()),
      listenPort_(freePort()),
      listens_(listens) {}

NodeProcess::~NodeProcess() { kill9(); }

std::string NodeProcess::token() const { return trim(readFile(dir_ / "api.token")); }

void NodeProcess::writeConfig(const std::vector<std::pair<std::string, std::string>>& upstreams) {
  std::ostringstream t;
  t << "code = \"" << code_ << "\"\n"
    << "data_dir = \"data\"\nkey_file = \"node.key\"\nanchor_file = \"anchor.cert\"\n";
  if (std::filesystem::exists(dir_ / "chain.certs") || !upstreams.empty()) {
    t << "certificate_chain_file = \"chain.certs\"\n";
  }
  if (listens_) t << "listen = \"" << endpoint() << "\"\n";
  if (!upstreams.empty()) {
    t << "upstreams = [\n";
    for (const auto& [code, endpoint] : upstreams) {
      t << "  { code = \"" << code << "\", endpoint = \"" << endpoint << "\" },\n";
    }
    t << "]\n";
  }
  t << "api = \"127.0.0.1:" << apiPort_
    << "\"\napi_token_file = \"api.token\"\napi_read_token_file = \"api-read.token\"\n"
    << "applicant_key_file = \"applicant.key\"\nlog_level = \"info\"\n"
    << "[store]\nmap_size_mb = 1024\n"
    << "[sync]\nheartbeat_ms = " << kHarnessHeartbeatMs
    << "\npeer_timeout_ms = " << kHarnessPeerTimeoutMs
    << "\nfallback_after_ms = " << kHarnessFallbackAfterMs
    << "\nparent_probe_ms = " << kHarnessParentProbeMs
    << "\nwitness_interval_ms = " << kHarnessWitnessIntervalMs << "\n";
  std::ofstream(configFile()) << t.str();
}

void NodeProcess::start() {
  if (running()) return;
  pid_ = spawn({nodeBinary(), "--config", configFile().string()}, dir_ / "node.log",
               dir_ / "node.log", true);
}

bool NodeProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

bool NodeProcess::waitHealthy(std::chrono::milliseconds timeout) {
  return eventually([&] { return !running() || get("/healthz").status == 200; }, timeout) &&
         running();
}

void NodeProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void NodeProcess::sendSignal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

int NodeProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill9();
  return -1;
}

HttpResult NodeProcess::get(const std::string& path) const {
  httplib::Client client("127.0.0.1", apiPort_);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(10, 0);
  HttpResult r;
  // Case reads need a token; the write token opens them too.
  httplib::Headers headers;
  if (const std::string t = token(); !t.empty()) headers.emplace("Authorization", "Bearer " + t);
  auto res = client.Get(path, headers);
  if (!res) return r;
  r.status = res->status;
  r.text = res->body;
  r.body = Json::parse(res->body, nullptr, false);
  if (r.body.is_discarded()) r.body = nullptr;
  return r;
}

HttpResult NodeProcess::post(const std::string& path, const Json& body, bool withToken) const {
  httplib::Client client("127.0.0.1", apiPort_);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(40, 0);
  httplib::Headers headers;
  if (withToken) headers.emplace("Authorization", "Bearer " + token());
  HttpResult r;
  auto res = client.Post(path, headers, body.dump(), "application/json");
  if (!res) return r;
  r.status = res->status;
  r.text = res->body;
  r.body = Json::parse(res->body, nullptr, false);
  if (r.body.is_discarded()) r.body = nullptr;
  return r;
}

std::string NodeProcess::metrics() const { return get("/metrics").text; }

uint64_t NodeProcess::metric(const std::string& sample) const {
  std::istringstream in(metrics());
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(sample + " ", 0) == 0) return std::stoull(line.substr(sample.size() + 1));
  }
  return 0;
}

uint64_t NodeProcess::head(const std::string& author) const {
  HttpResult r = get("/v1/feeds?author=" + author);
  if (r.status != 200 || !r.body.is_object() || !r.body["feeds"].contains(author)) return 0;
  return r.body["feeds"][author]["seq"].get<uint64_t>();
}

std::string NodeProcess::digest() const {
  HttpResult r = get("/v1/status");
  return r.status == 200 ? r.body.value("digest", "") : "";
}

std::string NodeProcess::logTail(size_t lines) const {
  std::string all = readFile(dir_ / "node.log");
  size_t at = all.size();
  for (size_t n = 0; n <= lines && at != std::string::npos && at > 0; ++n)
    at = all.rfind('\n', at - 1);
  return at == std::string::npos || at >= all.size() ? all : all.substr(at + 1);
}

// --- NodeCluster ------------------------------------------------------------------------------

NodeCluster::NodeCluster() = default;

NodeCluster::~NodeCluster() {
  // A graceful stop of every node still running: it must drain and exit 0 (and, under the
  // sanitizers, report leaks at exit).
  for (auto& [code, node] : nodes_) {
    if (!node->running()) continue;
    int status = node->terminate();
    if (status != 0)
      ADD_FAILURE() << "node " << code << " exited with status " << status << " on SIGTERM";
  }
  // Under -DGOVBUS_SANITIZE=ON a node reports memory and UB errors in its log, not to the test.
  for (const auto& [code, node] : nodes_) {
    std::string log = readFile(node->dir() / "node.log");
    if (log.find("Sanitizer") != std::string::npos ||
        log.find("runtime error:") != std::string::npos) {
      ADD_FAILURE() << "node " << code << " reported a sanitizer error in "
                    << (node->dir() / "node.log");
    }
  }
  if (::testing::Test::HasFailure()) dumpLogs();
}

void NodeCluster::dumpLogs() const {
  for (const std::string& code : order_) {
    std::fprintf(stderr, "----- %s (%s) -----\n%s\n", code.c_str(), nodes_.at(code)->dir().c_str(),
                 nodes_.at(code)->logTail().c_str());
  }
}

NodeProcess& NodeCluster::add(const std::string& code, const std::string& name,
                              const std::vector<std::string>& upstreams, bool listens) {
  std::filesystem::path dir = dir_.path() / code;
  auto node = std::make_unique<NodeProcess>(code, name, dir, listens);
  CommandResult init = runCommand({adminBinary(), "init", "--code", code, "--dir", dir.string()});
  EXPECT_EQ(init.exitCode, 0) << init.err;
  if (nodes_.empty()) {
    CommandResult anchor =
        runCommand({adminBinary(), "anchor", "--code", code, "--name", name, "--key",
                    (dir / "node.key").string(), "--out", (dir / "anchor.cert").string()});
    EXPECT_EQ(anchor.exitCode, 0) << anchor.err;
  }
  std::vector<std::pair<std::string, std::string>> ups;
  for (const std::string& u : upstreams) ups.emplace_back(u, nodes_.at(u)->endpoint());
  node->writeConfig(ups);
  NodeProcess& ref = *node;
  nodes_[code] = std::move(node);
  order_.push_back(code);
  return ref;
}

void NodeCluster::enroll(const std::string& child, const std::string& parent) {
  NodeProcess& c = *nodes_.at(child);
  CommandResult key = runCommand({adminBinary(), "pubkey", "--dir", c.dir().string()});
  ASSERT_EQ(key.exitCode, 0) << key.err;
  CommandResult r = runCommand({adminBinary(), "enroll", "--child-key", trim(key.out), "--code",
                                child, "--name", c.name(), "--parent-dir",
                                nodes_.at(parent)->dir().string(), "--out", c.dir().string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("published as record"), std::string::npos) << r.out;
}

void NodeCluster::start(const std::string& code) {
  NodeProcess& n = *nodes_.at(code);
  n.start();
  EXPECT_TRUE(n.waitHealthy()) << code << " did not become healthy:\n" << n.logTail();
}

}  // namespace govbus::testing
