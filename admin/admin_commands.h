// govbus-admin commands: the operator's tool for a node's files and its local API.
//
// Each command returns a Status whose message says what is wrong and what to do; main() prints it
// on stderr as one line and exits non-zero. What a command prints on success is meant to be read by
// a person (the next step is always spelled out). Commands:
//   init    a node directory: key (0600), API token (0600), config; prints the public key
//   anchor  the province's self-signed certificate (the trust anchor every node installs)
//   enroll  a child's certificate signed with the parent's key; writes the child's chain and the
//           anchor, and publishes the certificate through the parent's API when it is running
//   status  a running node's status and peers, from its API
//   pubkey  the public key of a node's key file
// Issue #5 adds the rest (catalog, delegations, explain, overdue, verify, backup/restore).
//
// Thread safety: single-threaded command-line code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"

namespace govbus::admin {

inline constexpr const char* kConfigFileName = "govbus-node.toml";
inline constexpr const char* kKeyFileName = "node.key";
inline constexpr const char* kTokenFileName = "api.token";
inline constexpr const char* kAnchorFileName = "anchor.cert";
inline constexpr const char* kChainFileName = "chain.certs";
inline constexpr const char* kIssuedDirName = "issued";
inline constexpr int kDefaultAnchorYears = 20;
inline constexpr int kDefaultChildYears = 10;
// A freshly issued certificate is valid from a little before now, so a child whose clock is
// slightly behind the parent's can use it at once.
inline constexpr int64_t kClockSkewAllowanceMs = 3600 * 1000;
inline constexpr int kApiTimeoutSeconds = 10;

struct InitOptions {
  std::string code;
  std::filesystem::path dir;
  std::string parentEndpoint;  // optional
  std::string listen;          // optional
  std::string api = "127.0.0.1:8101";
};
Status init(const InitOptions& options);

struct AnchorOptions {
  std::string code;
  std::string name;
  std::filesystem::path keyFile;
  std::filesystem::path out;
  int validYears = kDefaultAnchorYears;
};
Status anchor(const AnchorOptions& options);

struct EnrollOptions {
  std::string childKeyHex;
  std::string code;
  std::string name;
  std::filesystem::path parentDir;
  std::filesystem::path out;  // directory for the child's chain.certs and anchor.cert
  uint32_t serial = 1;
  int validYears = kDefaultChildYears;
  bool publish = true;
};
Status enroll(const EnrollOptions& options);

// Prints the public key of a node's key file (what `enroll --child-key` takes).
Status publicKey(const std::filesystem::path& keyFile);

struct StatusOptions {
  std::filesystem::path dir;  // a node directory (its config names the API), or
  std::string api;            // host:port
  bool json = false;
};
Status status(const StatusOptions& options);

}  // namespace govbus::admin
