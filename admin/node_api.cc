#include "admin/node_api.h"

#include <httplib.h>

#include "admin/admin_commands.h"
#include "node/node_config.h"

namespace govbus::admin {

namespace {

using Json = nlohmann::json;

// The node's error message from a JSON error body, or the HTTP status.
std::string messageOf(const httplib::Response& r) {
  Json body = Json::parse(r.body, nullptr, false);
  if (!body.is_discarded() && body.is_object() && body.contains("error") &&
      body["error"].is_string()) {
    return body["error"].get<std::string>();
  }
  return "HTTP " + std::to_string(r.status);
}

}  // namespace

Result<NodeApi> NodeApi::fromDir(const std::filesystem::path& dir, bool needToken) {
  const std::filesystem::path config = dir / kConfigFileName;
  if (!std::filesystem::exists(config)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "no " + std::string(kConfigFileName) + " in " + dir.string() +
                         ": give --dir the node's directory (where govbus-admin init wrote it)");
  }
  GOVBUS_ASSIGN_OR_RETURN(NodeConfig c, loadNodeConfig(config));
  NodeApi api;
  api.host_ = c.apiHost;
  api.port_ = c.apiPort;
  api.dir_ = dir;
  api.tokenFile_ = c.apiTokenFile;
  if (needToken) {
    auto token = loadApiToken(c.apiTokenFile);
    if (!token) {
      return makeError(token.error().code,
                       "writes need the node's API token: " + token.error().message);
    }
    api.token_ = *token;
  }
  // Best effort: a command that reads no cases must work for an operator who cannot read the
  // token files; a case read without a token is then refused by the node with a clear message.
  api.readTokenFile_ = c.apiReadTokenFile.value_or(c.apiTokenFile);
  if (auto t = loadApiToken(api.readTokenFile_)) api.readToken_ = *t;
  return api;
}

NodeApi NodeApi::at(std::string host, uint16_t port) {
  NodeApi api;
  api.host_ = std::move(host);
  api.port_ = port;
  return api;
}

Result<Json> NodeApi::get(const std::string& pathAndQuery) const {
  httplib::Client client(host_, port_);
  client.set_url_encode(false);
  client.set_connection_timeout(kApiConnectSeconds, 0);
  client.set_read_timeout(kApiReadSeconds, 0);
  httplib::Headers headers;
  if (!readToken_.empty()) headers.emplace("Authorization", "Bearer " + readToken_);
  auto r = client.Get(pathAndQuery, headers);
  if (!r) {
    return makeError(ErrorCode::kIo, "cannot reach the node's API at " + address() + " (" +
                                         httplib::to_string(r.error()) +
                                         "): is govbus-node running? (see its log)");
  }
  if (r->status >= 500) {
    return makeError(ErrorCode::kIo, "the node at " + address() + " failed GET " + pathAndQuery +
                                         ": " + messageOf(*r) + " (HTTP " +
                                         std::to_string(r->status) + ")");
  }
  if (r->status == 401) {
    return makeError(ErrorCode::kInvalidArgument,
                     readToken_.empty()
                         ? "the node at " + address() + " needs a token for " + pathAndQuery +
                               " and none could be read from " + readTokenFile_.string() +
                               " (run as the node's user, or check the file's mode)"
                         : "the node at " + address() + " refused the token in " +
                               readTokenFile_.string() +
                               ": --dir must be the directory of the node that serves this API");
  }
  if (r->status != 200) {
    return makeError(r->status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument,
                     messageOf(*r));
  }
  Json body = Json::parse(r->body, nullptr, false);
  if (body.is_discarded()) {
    return makeError(ErrorCode::kIo, "the node at " + address() + " answered GET " + pathAndQuery +
                                         " with something other than JSON");
  }
  return body;
}

Result<Json> NodeApi::post(const std::string& path, const Json& body, Json* errorBody) const {
  httplib::Client client(host_, port_);
  client.set_url_encode(false);
  client.set_connection_timeout(kApiConnectSeconds, 0);
  client.set_read_timeout(kApiReadSeconds, 0);
  httplib::Headers headers = {{"Authorization", "Bearer " + token_}};
  auto r = client.Post(path, headers, body.dump(), "application/json");
  if (!r) {
    return makeError(ErrorCode::kIo, "cannot reach the node's API at " + address() + " (" +
                                         httplib::to_string(r.error()) +
                                         "): is govbus-node running? (see its log)");
  }
  if (r->status == 401) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the node at " + address() + " refused the token in " + tokenFile_.string() +
                         ": --dir must be the directory of the node that serves this API");
  }
  Json answer = Json::parse(r->body, nullptr, false);
  if (errorBody && r->status != 201 && !answer.is_discarded()) *errorBody = answer;
  if (r->status >= 500) {
    return makeError(ErrorCode::kIo, "the node at " + address() + " did not complete POST " + path +
                                         ": " + messageOf(*r) + " (HTTP " +
                                         std::to_string(r->status) + ")");
  }
  if (r->status != 201) {
    return makeError(r->status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument,
                     messageOf(*r));
  }
  if (answer.is_discarded()) {
    return makeError(ErrorCode::kIo, "the node at " + address() + " answered POST " + path +
                                         " with something other than JSON");
  }
  return answer;
}

std::string urlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~';
    if (keep) {
      out += c;
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

}  // namespace govbus::admin
