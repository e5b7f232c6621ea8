#include "testnet/procs_node.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace govbus::testnet {

namespace {

std::string readText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// fork + exec with stdout and stderr on `log`. Only async-signal-safe calls between fork and exec:
// govbus-testnet has other threads running.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log, bool append) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string logPath = log.string();
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(logPath.c_str(), flags, 0644);
    if (fd < 0) ::_exit(126);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

HttpReply toReply(const httplib::Result& res) {
  HttpReply r;
  if (!res) {
    r.notConnected = res.error() == httplib::Error::Connection;
    r.text = httplib::to_string(res.error());
    return r;
  }
  r.status = res->status;
  r.text = res->body;
  r.body = Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (r.body.is_discarded()) r.body = nullptr;
  return r;
}

void setTimeouts(httplib::Client& client, std::chrono::milliseconds timeout) {
  const auto connect = std::min(timeout, std::chrono::milliseconds(1000));
  client.set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(connect));
  client.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  client.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
}

}  // namespace

std::string describeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

Result<CommandOutput> runCommand(const std::vector<std::string>& argv,
                                 const std::filesystem::path& captureFile) {
  pid_t pid = spawn(argv, captureFile, /*append=*/false);
  if (pid < 0) return makeError(ErrorCode::kIo, "cannot fork: " + std::string(strerror(errno)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return makeError(ErrorCode::kIo, "waitpid: " + std::string(strerror(errno)));
  }
  CommandOutput out;
  out.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  out.output = readText(captureFile);
  return out;
}

// --- ProcNode -----------------------------------------------------------------------------------

ProcNode::ProcNode(std::string code, std::filesystem::path dir, uint16_t apiPort)
    : code_(std::move(code)), dir_(std::move(dir)), apiPort_(apiPort) {}

ProcNode::~ProcNode() { kill9(); }

Status ProcNode::loadToken() {
  std::string t = readText(dir_ / "api.token");
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty())
    return makeError(ErrorCode::kIo, "no API token in " + (dir_ / "api.token").string());
  token_ = std::move(t);
  return Status::Ok();
}

Status ProcNode::start(const std::filesystem::path& nodeBinary) {
  if (running()) return Status::Ok();
  pid_ = spawn({nodeBinary.string(), "--config", configFile().string()}, logFile(), true);
  paused_ = false;
  if (pid_ < 0) return makeError(ErrorCode::kIo, "cannot fork: " + std::string(strerror(errno)));
  return Status::Ok();
}

void ProcNode::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  paused_ = false;
}

void ProcNode::pause() {
  if (pid_ <= 0 || paused_) return;
  ::kill(pid_, SIGSTOP);
  paused_ = true;
}

void ProcNode::resume() {
  if (pid_ <= 0 || !paused_) return;
  ::kill(pid_, SIGCONT);
  paused_ = false;
}

int ProcNode::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  resume();
  ::kill(pid_, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  return -1;
}

std::optional<int> ProcNode::reap() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  pid_ = -1;
  paused_ = false;
  return status;
}

HttpReply ProcNode::get(const std::string& path, std::chrono::milliseconds timeout) const {
  httplib::Client client("127.0.0.1", apiPort_);
  setTimeouts(client, timeout);
  // Case reads need a token; the write token opens them too.
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  return toReply(client.Get(path, headers));
}

HttpReply ProcNode::post(const std::string& path, const Json& body,
                         std::chrono::milliseconds timeout) const {
  httplib::Client client("127.0.0.1", apiPort_);
  setTimeouts(client, timeout);
  httplib::Headers headers = {{"Authorization", "Bearer " + token_}};
  return toReply(client.Post(path, headers, body.dump(), "application/json"));
}

std::string ProcNode::logTail(size_t lines) const {
  std::string all = readText(logFile());
  size_t at = all.size();
  for (size_t n = 0; n <= lines && at != std::string::npos && at > 0; ++n)
    at = all.rfind('\n', at - 1);
  return at == std::string::npos || at >= all.size() ? all : all.substr(at + 1);
}

Result<std::string> runAdmin(const std::filesystem::path& adminBinary,
                             const std::vector<std::string>& args,
                             const std::filesystem::path& captureFile) {
  std::vector<std::string> argv = {adminBinary.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  GOVBUS_ASSIGN_OR_RETURN(CommandOutput out, runCommand(argv, captureFile));
  std::string printed = std::move(out.output);
  while (!printed.empty() && std::isspace(static_cast<unsigned char>(printed.back())))
    printed.pop_back();
  if (out.exitCode != 0) {
    std::string cmd;
    for (const std::string& a : args) cmd += " " + a;
    return makeError(ErrorCode::kIo, "govbus-admin" + cmd + " failed (exit " +
                                         std::to_string(out.exitCode) + "): " + printed);
  }
  return printed;
}

Result<std::unique_ptr<ProcNode>> initLoopbackNode(const std::filesystem::path& adminBinary,
                                                   const LoopbackNodeSpec& spec,
                                                   const std::filesystem::path& captureFile) {
  std::vector<std::string> args = {"init",
                                   "--code",
                                   spec.code,
                                   "--dir",
                                   spec.dir.string(),
                                   "--api",
                                   "127.0.0.1:" + std::to_string(spec.apiPort)};
  if (!spec.listenEndpoint.empty()) {
    args.push_back("--listen");
    args.push_back(spec.listenEndpoint);
  }
  if (!spec.parentEndpoint.empty()) {
    args.push_back("--parent-endpoint");
    args.push_back(spec.parentEndpoint);
  }
  GOVBUS_TRY(runAdmin(adminBinary, args, captureFile));
  auto node = std::make_unique<ProcNode>(spec.code, spec.dir, spec.apiPort);
  GOVBUS_TRY(node->loadToken());
  return node;
}

Status startHealthy(ProcNode& node, const std::filesystem::path& nodeBinary,
                    std::chrono::milliseconds timeout) {
  GOVBUS_TRY(node.start(nodeBinary));
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (auto status = node.reap()) {
      return makeError(ErrorCode::kIo, "node " + node.code() + " exited at start (" +
                                           describeWaitStatus(*status) + "):\n" + node.logTail(20));
    }
    if (node.get("/healthz", std::chrono::seconds(1)).status == 200) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return makeError(ErrorCode::kIo, "node " + node.code() + " did not become healthy within " +
                                       std::to_string(timeout.count() / 1000) + " s:\n" +
                                       node.logTail(20));
}

}  // namespace govbus::testnet
