// NodeApi: govbus-admin's client of one running node's local HTTP/JSON API (node/api_server.h),
// found through the node's directory: its govbus-node.toml names the API's host:port and the
// bearer-token file.
//
// Errors say which of two things happened, because the command's exit code tells them apart:
//   - the node answered and refused (4xx): ErrorCode::kInvalidArgument (or kNotFound for a 404),
//     with the node's own message — the request is wrong or the rules forbid it;
//   - the node could not be reached, or failed (5xx): ErrorCode::kIo, naming the address and what
//     to check — the same request may succeed later.
//
// Thread safety: one object per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace govbus::admin {

inline constexpr int kApiConnectSeconds = 3;
// A catalog batch commits up to 256 records, each waited for (node/engine.h kApiWriteTimeoutMs).
inline constexpr int kApiReadSeconds = 60;

class NodeApi {
 public:
  // Reads DIR/govbus-node.toml; with `needToken`, also the API token (writes need it). Case
  // reads send the read token (api_read_token_file, else the write token) when it can be read.
  static Result<NodeApi> fromDir(const std::filesystem::path& dir, bool needToken);
  static NodeApi at(std::string host, uint16_t port);

  Result<nlohmann::json> get(const std::string& pathAndQuery) const;
  // Expects 201 Created. On a refusal, `errorBody` (when given) receives the node's JSON answer
  // (e.g. which catalog items of a batch were committed before the refused one).
  Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body,
                              nlohmann::json* errorBody = nullptr) const;

  std::string address() const { return host_ + ":" + std::to_string(port_); }
  std::string url() const { return "http://" + address(); }

 private:
  NodeApi() = default;
  std::string host_;
  uint16_t port_ = 0;
  std::string token_;
  std::filesystem::path tokenFile_;
  std::string readToken_;
  std::filesystem::path readTokenFile_;
  std::filesystem::path dir_;
};

// Percent-encodes a path segment or query value (everything but A–Z a–z 0–9 - _ . ~).
std::string urlEncode(std::string_view text);

}  // namespace govbus::admin
