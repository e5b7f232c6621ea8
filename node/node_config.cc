#include "node/node_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <set>

#include <toml++/toml.h>

#include "node/chain_file.h"
#include "protocol/division_code.h"

namespace govbus {

namespace {

Error configError(const std::string& source, const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, source + ": " + what);
}

std::filesystem::path resolve(const std::filesystem::path& baseDir, const std::string& value) {
  std::filesystem::path p(value);
  return p.is_absolute() ? p : baseDir / p;
}

// A string key; `required` decides whether absence is an error. Absent: "" (an empty value is an
// error, so "" never means "given").
Result<std::string> stringKey(const toml::table& t, std::string_view key, bool required,
                              const std::string& source) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    if (required) return configError(source, "missing required key '" + std::string(key) + "'");
    return std::string();
  }
  auto v = n->value<std::string>();
  if (!n->is_string() || !v || v->empty()) {
    return configError(source, "key '" + std::string(key) + "' must be a non-empty string");
  }
  return *v;
}

Result<int64_t> positiveInt(const toml::node& n, const std::string& key, int64_t max,
                            const std::string& source) {
  auto v = n.value<int64_t>();
  if (!n.is_integer() || !v || *v <= 0 || *v > max) {
    return configError(source,
                       "key '" + key + "' must be an integer from 1 to " + std::to_string(max));
  }
  return *v;
}

}  // namespace

Status parseHostPort(std::string_view text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return makeError(ErrorCode::kInvalidArgument, "'" + std::string(text) + "' is not host:port");
  }
  unsigned value = 0;
  std::string_view p = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value == 0 || value > 65535) {
    return makeError(ErrorCode::kInvalidArgument,
                     "'" + std::string(text) + "' has no valid port (1-65535)");
  }
  host = std::string(text.substr(0, colon));
  port = static_cast<uint16_t>(value);
  return Status::Ok();
}

bool isLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char ch : host) {
    if (ch == '.') {
      ++dots;
    } else if (ch < '0' || ch > '9') {
      return false;
    }
  }
  return dots == 3;
}

Result<NodeConfig> parseNodeConfig(std::string_view text, const std::filesystem::path& baseDir,
                                   const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return configError(source, "line " + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  static const std::set<std::string, std::less<>> kTopKeys = {"code",
                                                              "data_dir",
                                                              "key_file",
                                                              "anchor_file",
                                                              "certificate_chain_file",
                                                              "listen",
                                                              "upstreams",
                                                              "api",
                                                              "api_token_file",
                                                              "log_level",
                                                              "store",
                                                              "sync",
                                                              "testing",
                                                              "api_allow_remote",
                                                              "api_read_token_file",
                                                              "applicant_key_file"};
  for (auto&& [k, v] : root) {
    if (!kTopKeys.contains(k.str()))
      return configError(source, "unknown key '" + std::string(k.str()) + "'");
  }
  NodeConfig c;
  GOVBUS_ASSIGN_OR_RETURN(auto code, stringKey(root, "code", true, source));
  if (auto parsed = DivisionCode::parse(code); !parsed) {
    return configError(source, "key 'code': " + parsed.error().message);
  }
  c.code = code;
  GOVBUS_ASSIGN_OR_RETURN(auto dataDir, stringKey(root, "data_dir", true, source));
  c.dataDir = resolve(baseDir, dataDir);
  GOVBUS_ASSIGN_OR_RETURN(auto keyFile, stringKey(root, "key_file", true, source));
  c.keyFile = resolve(baseDir, keyFile);
  GOVBUS_ASSIGN_OR_RETURN(auto anchorFile, stringKey(root, "anchor_file", true, source));
  c.anchorFile = resolve(baseDir, anchorFile);
  GOVBUS_ASSIGN_OR_RETURN(auto chainFile, stringKey(root, "certificate_chain_file", false, source));
  if (!chainFile.empty()) c.chainFile = resolve(baseDir, chainFile);
  GOVBUS_ASSIGN_OR_RETURN(auto listen, stringKey(root, "listen", false, source));
  if (!listen.empty()) {
    if (listen.rfind("tcp://", 0) != 0 && listen.rfind("ipc://", 0) != 0) {
      return configError(source,
                         "key 'listen' must be a ZeroMQ endpoint such as tcp://0.0.0.0:7101");
    }
    c.listen = listen;
  }
  if (const toml::node* ups = root.get("upstreams")) {
    const toml::array* list = ups->as_array();
    if (list == nullptr) return configError(source, "key 'upstreams' must be a list");
    if (list->size() > kMaxUpstreams) {
      return configError(
          source, "key 'upstreams' has more than " + std::to_string(kMaxUpstreams) + " entries");
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const toml::node& e = *list->get(i);
      std::string where = "upstreams[" + std::to_string(i) + "]";
      UpstreamConfig u;
      if (auto s = e.value<std::string>(); e.is_string() && s) {
        u.endpoint = *s;
      } else if (const toml::table* t = e.as_table()) {
        for (auto&& [k, v] : *t) {
          if (k.str() != "code" && k.str() != "endpoint") {
            return configError(source, where + ": unknown key '" + std::string(k.str()) + "'");
          }
        }
        GOVBUS_ASSIGN_OR_RETURN(auto ep, stringKey(*t, "endpoint", true, source + ": " + where));
        GOVBUS_ASSIGN_OR_RETURN(auto uc, stringKey(*t, "code", false, source + ": " + where));
        u.endpoint = ep;
        if (!uc.empty()) {
          if (auto parsed = DivisionCode::parse(uc); !parsed) {
            return configError(source, where + ".code: " + parsed.error().message);
          }
          u.code = uc;
        }
      } else {
        return configError(source,
                           where + " must be an endpoint string or a table { code, endpoint }");
      }
      if (u.endpoint.rfind("tcp://", 0) != 0 && u.endpoint.rfind("ipc://", 0) != 0) {
        return configError(
            source, where + ": '" + u.endpoint + "' is not a ZeroMQ endpoint (tcp://host:port)");
      }
      c.upstreams.push_back(std::move(u));
    }
  }
  GOVBUS_ASSIGN_OR_RETURN(auto api, stringKey(root, "api", false, source));
  if (!api.empty()) {
    if (Status s = parseHostPort(api, c.apiHost, c.apiPort); !s) {
      return configError(source, "key 'api': " + s.error().message);
    }
  }
  if (const toml::node* allow = root.get("api_allow_remote")) {
    if (!allow->is_boolean())
      return configError(source, "key 'api_allow_remote' must be true or false");
    c.apiAllowRemote = allow->as_boolean()->get();
  }
  if (!isLoopbackHost(c.apiHost) && !c.apiAllowRemote) {
    return configError(
        source, "key 'api': " + c.apiHost +
                    " is not a loopback address. The API answers case reads with applicant data "
                    "and takes writes over plain HTTP: keep it on 127.0.0.1 and put the "
                    "organisation's TLS reverse proxy in front of it (docs/OPERATIONS.md), or set "
                    "api_allow_remote = true to bind it to " +
                    c.apiHost + " anyway");
  }
  GOVBUS_ASSIGN_OR_RETURN(auto token, stringKey(root, "api_token_file", true, source));
  c.apiTokenFile = resolve(baseDir, token);
  GOVBUS_ASSIGN_OR_RETURN(auto readToken, stringKey(root, "api_read_token_file", false, source));
  if (!readToken.empty()) c.apiReadTokenFile = resolve(baseDir, readToken);
  GOVBUS_ASSIGN_OR_RETURN(auto applicantKey, stringKey(root, "applicant_key_file", false, source));
  if (!applicantKey.empty()) c.applicantKeyFile = resolve(baseDir, applicantKey);
  GOVBUS_ASSIGN_OR_RETURN(auto level, stringKey(root, "log_level", false, source));
  if (!level.empty()) {
    static const std::set<std::string, std::less<>> kLevels = {"trace", "debug", "info", "warn",
                                                               "error"};
    if (!kLevels.contains(level)) {
      return configError(source, "key 'log_level' must be one of trace, debug, info, warn, error");
    }
    c.logLevel = level;
  }
  if (const toml::node* store = root.get("store")) {
    const toml::table* t = store->as_table();
    if (t == nullptr) return configError(source, "[store] must be a table");
    for (auto&& [k, v] : *t) {
      uint64_t* field = k.str() == "map_size_mb"       ? &c.mapSizeMb
                        : k.str() == "author_quota_mb" ? &c.authorQuotaMb
                                                       : nullptr;
      const std::string key = "store." + std::string(k.str());
      if (field == nullptr) return configError(source, "unknown key '" + key + "'");
      GOVBUS_ASSIGN_OR_RETURN(int64_t mb, positiveInt(v, key, kMaxMapSizeMb, source));
      *field = static_cast<uint64_t>(mb);
    }
  }
  if (const toml::node* sync = root.get("sync")) {
    const toml::table* t = sync->as_table();
    if (t == nullptr) return configError(source, "[sync] must be a table");
    constexpr int64_t kMaxTimingMs = 24LL * 3600 * 1000;
    for (auto&& [k, v] : *t) {
      std::string key = "sync." + std::string(k.str());
      int64_t* field = k.str() == "heartbeat_ms"          ? &c.sync.heartbeatMs
                       : k.str() == "peer_timeout_ms"     ? &c.sync.peerTimeoutMs
                       : k.str() == "fallback_after_ms"   ? &c.sync.fallbackAfterMs
                       : k.str() == "parent_probe_ms"     ? &c.sync.parentProbeMs
                       : k.str() == "witness_interval_ms" ? &c.sync.witnessIntervalMs
                                                          : nullptr;
      if (field == nullptr) return configError(source, "unknown key '" + key + "'");
      GOVBUS_ASSIGN_OR_RETURN(*field, positiveInt(v, key, kMaxTimingMs, source));
    }
    if (c.sync.peerTimeoutMs < 2 * c.sync.heartbeatMs) {
      return configError(source, "sync.peer_timeout_ms must be at least twice sync.heartbeat_ms");
    }
  }
  if (const toml::node* testing = root.get("testing")) {
    const toml::table* t = testing->as_table();
    if (t == nullptr) return configError(source, "[testing] must be a table");
    for (auto&& [k, v] : *t) {
      if (k.str() != "clock_offset_days")
        return configError(source, "unknown key 'testing." + std::string(k.str()) + "'");
      std::optional<int64_t> days;
      if (v.is_integer()) days = v.value<int64_t>();
      if (!days || *days < -kMaxClockOffsetDays || *days > kMaxClockOffsetDays) {
        return configError(source, "key 'testing.clock_offset_days' must be an integer from " +
                                       std::to_string(-kMaxClockOffsetDays) + " to " +
                                       std::to_string(kMaxClockOffsetDays));
      }
      c.clockOffsetMs = *days * 86'400'000;
    }
  }
  return c;
}

Result<NodeConfig> loadNodeConfig(const std::filesystem::path& file) {
  auto bytes = readSmallFile(file, kMaxConfigFileBytes);
  if (!bytes) return makeError(bytes.error().code, "config file " + bytes.error().message);
  std::filesystem::path abs = std::filesystem::absolute(file);
  GOVBUS_ASSIGN_OR_RETURN(NodeConfig c,
                          parseNodeConfig(asChars(*bytes), abs.parent_path(), file.string()));
  c.file = abs;
  return c;
}

Status resolveUpstreams(std::vector<UpstreamConfig>& upstreams,
                        const std::vector<std::string>& ancestors) {
  for (size_t i = 0; i < upstreams.size(); ++i) {
    UpstreamConfig& u = upstreams[i];
    std::string where = "upstreams[" + std::to_string(i) + "]";
    if (ancestors.empty()) {
      return makeError(ErrorCode::kInvalidArgument,
                       where + ": the root node has no upstream; remove 'upstreams'");
    }
    if (u.code.empty()) {
      if (i >= ancestors.size()) {
        return makeError(ErrorCode::kInvalidArgument,
                         where + ": this node has only " + std::to_string(ancestors.size()) +
                             " ancestors; name the upstream's code: { code = \"…\", endpoint = \"" +
                             u.endpoint + "\" }");
      }
      u.code = ancestors[ancestors.size() - 1 - i];
    } else if (std::find(ancestors.begin(), ancestors.end(), u.code) == ancestors.end()) {
      return makeError(ErrorCode::kInvalidArgument,
                       where + ": " + u.code +
                           " is not an ancestor of this node; only ancestors can be upstreams");
    }
  }
  if (!upstreams.empty() && upstreams.front().code != ancestors.back()) {
    return makeError(
        ErrorCode::kInvalidArgument,
        "upstreams[0] must be the parent " + ancestors.back() + ", not " + upstreams.front().code);
  }
  return Status::Ok();
}

Result<std::string> loadApiToken(const std::filesystem::path& file, std::string_view key) {
  const std::string what(key);
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) {
    return makeError(ErrorCode::kIo,
                     what + " " + file.string() + ": cannot read: " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return makeError(ErrorCode::kIo, what + " " + file.string() +
                                         " is readable by others; run: chmod 600 " + file.string());
  }
  auto bytes = readSmallFile(file, 4096);
  if (!bytes) return makeError(bytes.error().code, what + " " + bytes.error().message);
  std::string token(asChars(*bytes));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  bool printable =
      std::all_of(token.begin(), token.end(), [](char ch) { return ch > ' ' && ch < 127; });
  if (token.size() < kMinApiTokenChars || !printable) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + " " + file.string() + ": the token must be at least " +
                         std::to_string(kMinApiTokenChars) +
                         " printable characters without spaces on one line");
  }
  return token;
}

}  // namespace govbus
