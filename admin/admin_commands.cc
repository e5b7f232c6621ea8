#include "admin/admin_commands.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/civil_date.h"
#include "crypto/applicant_key.h"
#include "crypto/certificate.h"
#include "crypto/key_file.h"
#include "node/chain_file.h"
#include "node/node_config.h"
#include "node/node_identity.h"
#include "protocol/certificate_codec.h"
#include "protocol/division_code.h"

namespace govbus::admin {

namespace {

using Json = nlohmann::json;

constexpr int64_t kYearMs = 365LL * 24 * 3600 * 1000;
constexpr size_t kTokenBytes = 32;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error usage(const std::string& message) { return makeError(ErrorCode::kInvalidArgument, message); }

// Certificate dates are read in China Standard Time (UTC+8, no daylight saving), not the host's
// TZ: the same --until gives the same certificate on a server set to UTC and on a desk in 长沙.
Result<DayNumber> dayArgument(const std::string& flag, const std::string& date) {
  std::optional<DayNumber> day = parseIsoDate(date);
  if (day) return *day;
  const bool shaped = date.size() == 10 && date[4] == '-' && date[7] == '-' &&
                      std::all_of(date.begin(), date.end(),
                                  [](char c) { return c == '-' || (c >= '0' && c <= '9'); });
  if (shaped) return usage(flag + " " + date + ": no such date (or outside 2000–2199)");
  return usage(flag + " " + date + ": give a date as YYYY-MM-DD, e.g. 2030-12-31");
}

// The UTC+8 calendar day of `ms`, as YYYY-MM-DD.
std::string dateUtc8(int64_t ms) { return isoDate(dayOf(ms)); }

Result<Bytes> randomBytes(size_t n) {
  std::ifstream in("/dev/urandom", std::ios::binary);
  Bytes out(n);
  if (!in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n))) {
    return makeError(ErrorCode::kIo, "cannot read /dev/urandom");
  }
  return out;
}

std::string tomlString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct ApiTarget {
  std::string host;
  uint16_t port = 0;
  std::string token;  // empty when not needed or unknown
};

Result<ApiTarget> apiOfDir(const std::filesystem::path& dir, bool needToken) {
  if (!std::filesystem::exists(dir / kConfigFileName)) {
    return usage("no " + std::string(kConfigFileName) + " in " + dir.string() +
                 ": give --dir the node's directory (where govbus-admin init wrote it)");
  }
  GOVBUS_ASSIGN_OR_RETURN(NodeConfig config, loadNodeConfig(dir / kConfigFileName));
  ApiTarget t{config.apiHost, config.apiPort, ""};
  if (needToken) {
    GOVBUS_ASSIGN_OR_RETURN(t.token, loadApiToken(config.apiTokenFile));
  }
  return t;
}

std::string describe(const httplib::Result& r) {
  if (!r) return httplib::to_string(r.error());
  Json body = Json::parse(r->body, nullptr, false);
  if (!body.is_discarded() && body.contains("error")) return body["error"].get<std::string>();
  return "HTTP " + std::to_string(r->status);
}

}  // namespace

int exitCodeFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kIo:
    case ErrorCode::kStorage:
    case ErrorCode::kMapFull:
    case ErrorCode::kBufferFull:
      return kExitUnavailable;
    default:
      return kExitRefused;
  }
}

Status init(const InitOptions& o) {
  auto code = DivisionCode::parse(o.code);
  if (!code) return usage("--code: " + code.error().message);
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot create " + o.dir.string() + ": " + ec.message());
  std::filesystem::permissions(o.dir,
                               std::filesystem::perms::owner_all |
                                   std::filesystem::perms::group_read |
                                   std::filesystem::perms::group_exec,
                               ec);
  const std::filesystem::path config = o.dir / kConfigFileName;
  if (std::filesystem::exists(config)) {
    return usage(config.string() +
                 " already exists: this directory is initialised (remove it to start over)");
  }
  std::string apiHost;
  uint16_t apiPort = 0;
  if (Status s = parseHostPort(o.api, apiHost, apiPort); !s)
    return usage("--api: " + s.error().message);
  if (!isLoopbackHost(apiHost)) {
    return usage("--api: " + apiHost +
                 " is not a loopback address; the node binds its API (plain HTTP) only to "
                 "loopback unless its config says api_allow_remote = true. Use 127.0.0.1 and a "
                 "TLS reverse proxy (docs/OPERATIONS.md), or add that key to the config after "
                 "init");
  }
  if (o.mapSizeMb > kMaxMapSizeMb)
    return usage("--map-size-mb: at most " + std::to_string(kMaxMapSizeMb));
  SigningKey key = SigningKey::generate();
  GOVBUS_TRY(saveSigningKey(o.dir / kKeyFileName, key));
  GOVBUS_ASSIGN_OR_RETURN(Bytes token, randomBytes(kTokenBytes));
  std::string tokenText = toHex(token) + "\n";
  GOVBUS_TRY(writeFileAtomically(o.dir / kTokenFileName, asBytes(tokenText), 0600));
  GOVBUS_ASSIGN_OR_RETURN(Bytes readToken, randomBytes(kTokenBytes));
  std::string readTokenText = toHex(readToken) + "\n";
  GOVBUS_TRY(writeFileAtomically(o.dir / kReadTokenFileName, asBytes(readTokenText), 0600));

  const bool root = code->depth() == 1 && o.parentEndpoint.empty();
  std::ostringstream t;
  t << "# govbus-node configuration for " << o.code << " (written by govbus-admin init).\n"
    << "# Paths are relative to this file. See node/govbus-node.sample.toml for every key.\n"
    << "code = " << tomlString(o.code) << "\n"
    << "data_dir = \"data\"\n"
    << "key_file = " << tomlString(kKeyFileName) << "\n"
    << "anchor_file = " << tomlString(kAnchorFileName) << "\n";
  if (!root) t << "certificate_chain_file = " << tomlString(kChainFileName) << "\n";
  if (!o.listen.empty()) t << "listen = " << tomlString(o.listen) << "\n";
  if (!o.parentEndpoint.empty())
    t << "upstreams = [" << tomlString(o.parentEndpoint) << "]  # parent first, fallbacks after\n";
  t << "api = " << tomlString(o.api) << "\n"
    << "api_token_file = " << tomlString(kTokenFileName) << "\n"
    << "api_read_token_file = " << tomlString(kReadTokenFileName)
    << "  # case reads (GET /v1/cases…)\n"
    << "applicant_key_file = " << tomlString(kApplicantKeyFileName)
    << (root ? "  # made by govbus-admin anchor\n" : "  # copied from the enrolment\n")
    << "log_level = \"info\"\n\n"
    << "[store]\nmap_size_mb = " << (o.mapSizeMb == 0 ? kDefaultMapSizeMb : o.mapSizeMb) << "\n";
  std::string text = t.str();
  GOVBUS_TRY(writeFileAtomically(config, asBytes(text), 0644));

  std::string pub = toHex(key.publicKey().bytes());
  std::printf("initialised node %s in %s\n", o.code.c_str(), o.dir.c_str());
  std::printf("public key: %s\n", pub.c_str());
  if (root) {
    std::printf(
        "next: make the trust anchor (this is the province):\n"
        "  govbus-admin anchor --code %s --name <省名> --key %s --out %s\n"
        "(it also makes applicant.key, which enrolment hands down the tree)\n"
        "then copy %s to every node, and start: govbus-node --config %s\n",
        o.code.c_str(), (o.dir / kKeyFileName).c_str(), (o.dir / kAnchorFileName).c_str(),
        (o.dir / kAnchorFileName).c_str(), config.c_str());
  } else {
    std::printf(
        "next: give this public key to the parent's operator, who runs:\n"
        "  govbus-admin enroll --child-key %s --code %s --name <名称> --parent-dir <parent dir> "
        "--out <dir>\n"
        "then copy %s, %s and %s from <dir> into %s and start: govbus-node --config %s\n",
        pub.c_str(), o.code.c_str(), kAnchorFileName, kChainFileName, kApplicantKeyFileName,
        o.dir.c_str(), config.c_str());
  }
  return Status::Ok();
}

Status anchor(const AnchorOptions& o) {
  auto code = DivisionCode::parse(o.code);
  if (!code) return usage("--code: " + code.error().message);
  if (o.name.empty()) return usage("--name: the province's name is required");
  if (o.validYears <= 0 || o.validYears > 100) return usage("--valid-years must be 1 to 100");
  GOVBUS_ASSIGN_OR_RETURN(SigningKey key, loadSigningKey(o.keyFile));
  const int64_t now = nowMs();
  Certificate c{o.code,
                o.name,
                toBytes(key.publicKey().bytes()),
                o.code,
                1,
                now - kClockSkewAllowanceMs,
                now + o.validYears * kYearMs,
                1};
  SignedCertificate signedCert = issueCertificate(c, key);
  if (auto v = verifyAnchor(signedCert); !v) return v.error();
  GOVBUS_TRY(writeCertificateFile(o.out, signedCert));
  std::printf(
      "anchor of %s (%s) written to %s, valid %d years\n"
      "install it on every node of the province as its anchor_file\n",
      o.code.c_str(), o.name.c_str(), o.out.c_str(), o.validYears);
  // The province's applicant key is made once, beside the province's own key, and never
  // replaced: a new key would make every later hash of the same applicant differ.
  const std::filesystem::path applicantKeyFile = o.keyFile.parent_path() / kApplicantKeyFileName;
  std::error_code ec;
  if (std::filesystem::exists(applicantKeyFile, ec)) {
    if (auto kept = loadApplicantKey(applicantKeyFile); !kept) return kept.error();
    std::printf("kept the province's applicant key %s\n", applicantKeyFile.c_str());
  } else {
    GOVBUS_TRY(saveApplicantKey(applicantKeyFile, ApplicantKey::generate()));
    std::printf(
        "made the province's applicant key %s (enrolment copies it to every node; keep a backup "
        "with the key)\n",
        applicantKeyFile.c_str());
  }
  return Status::Ok();
}

namespace {

// Hands the province's applicant key down to a child being enrolled. A parent whose config names
// no key (a node set up before keys existed) cannot: the child then takes applicant_hash only.
Status copyApplicantKey(const NodeConfig& parent, const std::filesystem::path& out) {
  if (!parent.applicantKeyFile) {
    std::printf(
        "note: the parent's config names no applicant_key_file, so the child gets no applicant "
        "key and its API will take applicant_hash only (docs/OPERATIONS.md, \"Applicant key\")\n");
    return Status::Ok();
  }
  auto key = loadApplicantKey(*parent.applicantKeyFile);
  if (!key) return makeError(key.error().code, "parent node: " + key.error().message);
  const std::filesystem::path target = out / kApplicantKeyFileName;
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) {
    // A re-run of enroll, or --out pointing at the child's own directory that already has it.
    auto existing = loadApplicantKey(target);
    if (existing && std::ranges::equal(existing->bytes(), key->bytes())) return Status::Ok();
    return makeError(ErrorCode::kInvalidArgument,
                     target.string() +
                         " already exists and is not this province's applicant key; move it "
                         "away and run enroll again");
  }
  return saveApplicantKey(target, *key);
}

}  // namespace

Status enroll(const EnrollOptions& o) {
  auto code = DivisionCode::parse(o.code);
  if (!code) return usage("--code: " + code.error().message);
  if (o.name.empty()) return usage("--name: the child's name is required");
  if (o.validYears <= 0 || o.validYears > 100) return usage("--valid-years must be 1 to 100");
  if (o.serial == 0) return usage("--serial starts at 1");
  Bytes childKey;
  if (!fromHex(o.childKeyHex, childKey) || childKey.size() != kPublicKeyBytes) {
    return usage(
        "--child-key must be the 64-hex-digit public key that govbus-admin init printed on the "
        "child");
  }
  if (auto pk = PublicKey::fromBytes(childKey); !pk)
    return usage("--child-key: " + pk.error().message);
  const int64_t now = nowMs();
  int64_t notAfterMs = now + o.validYears * kYearMs;
  if (!o.until.empty()) {
    GOVBUS_ASSIGN_OR_RETURN(DayNumber last, dayArgument("--until", o.until));
    notAfterMs = dayStartMs(last + 1) - 1;  // a certificate's notAfter is inclusive
    if (notAfterMs <= now) {
      return usage("--until " + o.until + " is in the past (today is " + dateUtc8(now) +
                   ", UTC+8): a certificate must end after it is issued");
    }
  }

  auto parentConfig = loadNodeConfig(o.parentDir / kConfigFileName);
  if (!parentConfig) return parentConfig.error();
  auto parent = loadNodeIdentity(*parentConfig, now);
  if (!parent) return makeError(parent.error().code, "parent node: " + parent.error().message);

  if (!o.until.empty() && notAfterMs > parent->own.notAfterMs) {
    // A chain is valid only while every certificate in it is: a longer child certificate would
    // stop working when the parent's does, with no warning at enrolment. On the parent's last day
    // itself the child's certificate ends with the parent's, at that moment of the day.
    if (dateUtc8(parent->own.notAfterMs) == o.until) {
      notAfterMs = parent->own.notAfterMs;
    } else {
      return usage("--until " + o.until + " is after the end of " + parent->code +
                   "'s own certificate (serial " + std::to_string(parent->own.serial) +
                   ", valid through " + dateUtc8(parent->own.notAfterMs) +
                   ", UTC+8): a child's certificate cannot outlive its issuer's; give --until " +
                   dateUtc8(parent->own.notAfterMs) + " or earlier");
    }
  }

  // A node's parent is fixed by its first enrolment (PROTOCOL §10.2): when the running parent
  // already knows the child under another parent, refuse before writing anything (the node would
  // refuse to publish the certificate anyway).
  if (o.publish) {
    httplib::Client client(parentConfig->apiHost, parentConfig->apiPort);
    client.set_connection_timeout(kApiTimeoutSeconds, 0);
    client.set_read_timeout(kApiTimeoutSeconds, 0);
    if (auto tree = client.Get("/v1/tree"); tree && tree->status == 200) {
      Json body = Json::parse(tree->body, nullptr, false);
      for (const Json& n : body.is_object() ? body.value("nodes", Json::array()) : Json::array()) {
        if (!n.is_object() || n.value("code", "") != o.code || !n["parent"].is_string()) continue;
        const std::string enrolledUnder = n["parent"].get<std::string>();
        if (enrolledUnder != parent->code) {
          return usage(
              o.code + " is already enrolled under " + enrolledUnder + ", not " + parent->code +
              ": a node's parent is fixed by its first enrolment, and nobody else may "
              "take it over. Re-enrol it from " +
              enrolledUnder + " (with a higher --serial for a new key), or check the code");
        }
      }
    }
  }

  // One certificate per (child, serial): re-running enroll reuses it, so a retry publishes the same
  // record instead of a conflicting one.
  std::error_code ec;
  const std::filesystem::path issuedDir = o.parentDir / kIssuedDirName;
  std::filesystem::create_directories(issuedDir, ec);
  const std::filesystem::path issuedFile =
      issuedDir / (o.code + "-" + std::to_string(o.serial) + ".cert");
  SignedCertificate cert;
  if (std::filesystem::exists(issuedFile)) {
    GOVBUS_ASSIGN_OR_RETURN(cert, readCertificateFile(issuedFile));
    GOVBUS_ASSIGN_OR_RETURN(Certificate existing, decodeCertificateBody(cert.body));
    if (existing.publicKey != childKey) {
      return usage("a certificate for " + o.code + " serial " + std::to_string(o.serial) +
                   " was already issued for another key (" + issuedFile.string() +
                   "); to re-enrol with a new key, use --serial " + std::to_string(o.serial + 1));
    }
  } else {
    Certificate c;
    c.subject = o.code;
    c.subjectName = o.name;
    c.publicKey = childKey;
    c.issuer = parent->code;
    c.serial = o.serial;
    c.notBeforeMs = now - kClockSkewAllowanceMs;
    c.notAfterMs = notAfterMs;
    c.issuerSerial = parent->own.serial;
    cert = issueCertificate(c, parent->key);
  }
  if (auto v = verifyIssuedBy(cert, parent->own); !v) {
    return makeError(v.error().code, "cannot enrol " + o.code + " under " + parent->code + ": " +
                                         v.error().message);
  }
  GOVBUS_TRY(writeCertificateFile(issuedFile, cert));

  std::vector<SignedCertificate> chain = parent->chain;
  chain.push_back(cert);
  const std::filesystem::path out =
      o.out.empty() ? std::filesystem::path("enrollment-" + o.code) : o.out;
  std::filesystem::create_directories(out, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot create " + out.string() + ": " + ec.message());
  GOVBUS_TRY(writeChainFile(out / kChainFileName, chain));
  GOVBUS_TRY(writeCertificateFile(out / kAnchorFileName, parent->anchor));
  GOVBUS_TRY(copyApplicantKey(*parentConfig, out));
  GOVBUS_ASSIGN_OR_RETURN(Certificate issued, decodeCertificateBody(cert.body));
  std::printf(
      "enrolled %s (%s) under %s, serial %u, valid through %s (UTC+8): wrote %s, %s and %s\n",
      o.code.c_str(), o.name.c_str(), parent->code.c_str(), o.serial,
      dateUtc8(issued.notAfterMs).c_str(), (out / kChainFileName).c_str(),
      (out / kAnchorFileName).c_str(), (out / kApplicantKeyFileName).c_str());

  if (!o.publish) return Status::Ok();
  auto token = loadApiToken(parentConfig->apiTokenFile);
  if (!token) return token.error();
  httplib::Client client(parentConfig->apiHost, parentConfig->apiPort);
  client.set_connection_timeout(kApiTimeoutSeconds, 0);
  client.set_read_timeout(kApiTimeoutSeconds, 0);
  httplib::Headers headers = {{"Authorization", "Bearer " + *token}};
  Json body{{"certificate", toHex(encodeSignedCertificate(cert))}};
  auto r = client.Post("/v1/enrollments", headers, body.dump(), "application/json");
  if (!r) {
    std::printf(
        "note: the parent node's API at %s:%u is not reachable (%s); its certificate record is not "
        "published yet.\n      Start the parent node and run this command again (it reuses %s).\n",
        parentConfig->apiHost.c_str(), parentConfig->apiPort, httplib::to_string(r.error()).c_str(),
        issuedFile.c_str());
    return Status::Ok();
  }
  if (r->status != 201) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the parent node refused to publish the certificate: " + describe(r));
  }
  Json ref = Json::parse(r->body, nullptr, false);
  std::printf(
      "published as record %s#%s on %s; %s may now connect.\n"
      "next: copy %s, %s and %s into the child's directory and start it.\n",
      ref.is_discarded() ? "?" : ref.value("author", "?").c_str(),
      ref.is_discarded() ? "?" : std::to_string(ref.value("seq", 0)).c_str(), parent->code.c_str(),
      o.code.c_str(), (out / kChainFileName).c_str(), (out / kAnchorFileName).c_str(),
      (out / kApplicantKeyFileName).c_str());
  return Status::Ok();
}

Status publicKey(const std::filesystem::path& keyFile) {
  GOVBUS_ASSIGN_OR_RETURN(SigningKey key, loadSigningKey(keyFile));
  std::printf("%s\n", toHex(key.publicKey().bytes()).c_str());
  return Status::Ok();
}

Status status(const StatusOptions& o) {
  ApiTarget target;
  if (!o.api.empty()) {
    if (Status s = parseHostPort(o.api, target.host, target.port); !s)
      return usage("--api: " + s.error().message);
  } else {
    GOVBUS_ASSIGN_OR_RETURN(target,
                            apiOfDir(o.dir.empty() ? std::filesystem::path(".") : o.dir, false));
  }
  httplib::Client client(target.host, target.port);
  client.set_connection_timeout(kApiTimeoutSeconds, 0);
  client.set_read_timeout(kApiTimeoutSeconds, 0);
  auto s = client.Get("/v1/status");
  if (!s || s->status != 200) {
    return makeError(ErrorCode::kIo, "cannot read the status of the node at " + target.host + ":" +
                                         std::to_string(target.port) + ": " + describe(s) +
                                         " (is govbus-node running? see its log)");
  }
  auto p = client.Get("/v1/peers");
  auto h = client.Get("/healthz");
  Json st = Json::parse(s->body, nullptr, false);
  Json peers = p && p->status == 200 ? Json::parse(p->body, nullptr, false) : Json();
  if (o.json) {
    std::printf("%s\n", Json{{"status", st}, {"peers", peers}}.dump(2).c_str());
    return Status::Ok();
  }
  if (st.is_discarded())
    return makeError(ErrorCode::kMalformed,
                     "the node answered /v1/status with something else than JSON");
  std::printf("node %s  health: %s\n", st.value("code", "?").c_str(),
              h && h->status == 200 ? "ok" : ("UNHEALTHY: " + describe(h)).c_str());
  std::printf("feeds %llu  records %llu  pending %llu  forks %llu  void %llu\n",
              static_cast<unsigned long long>(st.value("feeds", 0)),
              static_cast<unsigned long long>(st.value("records", 0)),
              static_cast<unsigned long long>(st.value("pending_records", 0)),
              static_cast<unsigned long long>(st.value("forks", 0)),
              static_cast<unsigned long long>(st.value("void_total", 0)));
  std::printf("state digest %s\n", st.value("digest", "?").c_str());
  if (st.contains("writes") && st["writes"].is_object()) {
    const Json& w = st["writes"];
    if (w.value("open", true)) {
      std::printf("writes: taken\n");
    } else {
      std::printf("writes: REFUSED (503) until the upstream confirms this node's own feed: %s\n",
                  w.value("waiting", "").c_str());
    }
  }
  if (peers.is_object()) {
    if (peers.contains("upstream") && peers["upstream"].is_object()) {
      const Json& u = peers["upstream"];
      std::printf("upstream %s at %s: %s%s%s\n", u.value("code", "?").c_str(),
                  u.value("endpoint", "?").c_str(), u.value("state", "?").c_str(),
                  u.value("fallback", false) ? " (fallback)" : "",
                  u.value("last_error", "").empty()
                      ? ""
                      : ("; last error: " + u.value("last_error", "")).c_str());
    }
    std::printf("%-10s %-10s %-12s %12s %12s %10s\n", "PEER", "DIRECTION", "STATE", "LAG_RECORDS",
                "LAG_SECONDS", "INFLIGHT");
    for (const Json& l : peers.value("links", Json::array())) {
      std::printf("%-10s %-10s %-12s %12llu %12lld %10llu\n", l.value("peer", "?").c_str(),
                  l.value("direction", "?").c_str(), l.value("state", "?").c_str(),
                  static_cast<unsigned long long>(l.value("lag_records", 0)),
                  static_cast<long long>(l.value("lag_seconds", 0)),
                  static_cast<unsigned long long>(l.value("inflight_records", 0)));
    }
  }
  return Status::Ok();
}

}  // namespace govbus::admin
