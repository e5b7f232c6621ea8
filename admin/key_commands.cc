// govbus-admin key commands (declared in admin/admin_commands.h):
//   rotate-key   at the node, in two steps around the parent's re-enrolment (DESIGN §3):
//                1. a new key pair beside the old one (node.key.next); prints the enroll command
//                   the parent runs with a higher serial;
//                2. --finish --chain FILE, with the node stopped: checks the new chain against the
//                   new key and the anchor, swaps key and chain (the old ones are kept as
//                   *.old-SERIAL), and prints the revoke-key command for the parent, from the
//                   first sequence the new key signs.
//   revoke-key   at the parent, through its API: a key revocation record for a child's key from a
//                feed sequence on.
#include <httplib.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "admin/admin_commands.h"
#include "admin/node_api.h"
#include "crypto/certificate.h"
#include "crypto/key_file.h"
#include "node/chain_file.h"
#include "node/clock.h"
#include "node/lmdb_store.h"
#include "node/node_config.h"
#include "node/node_identity.h"
#include "protocol/certificate_codec.h"
#include "protocol/division_code.h"

namespace govbus::admin {

namespace {

using Json = nlohmann::json;

Error refused(const std::string& message) {
  return makeError(ErrorCode::kInvalidArgument, message);
}

std::filesystem::path withSuffix(const std::filesystem::path& p, const std::string& suffix) {
  return std::filesystem::path(p.string() + suffix);
}

// True when the node's API answers: the node is running.
bool nodeAnswers(const NodeConfig& c) {
  httplib::Client client(c.apiHost, c.apiPort);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(2, 0);
  auto r = client.Get("/healthz");
  return static_cast<bool>(r);
}

}  // namespace

Status rotateKey(const RotateKeyOptions& o) {
  const std::filesystem::path dir = o.dir.empty() ? std::filesystem::path(".") : o.dir;
  if (!std::filesystem::exists(dir / kConfigFileName)) {
    return refused("no " + std::string(kConfigFileName) + " in " + dir.string() +
                   ": give --dir the node's directory");
  }
  GOVBUS_ASSIGN_OR_RETURN(NodeConfig config, loadNodeConfig(dir / kConfigFileName));
  GOVBUS_ASSIGN_OR_RETURN(NodeIdentity identity, loadNodeIdentity(config, wallClockMs()));
  if (identity.isRoot()) {
    return refused(
        "this is the province (the trust anchor): its key is the anchor's key; rotating it means "
        "a new anchor on every node, which rotate-key does not do");
  }
  const std::filesystem::path next = withSuffix(config.keyFile, ".next");

  if (!o.finish) {
    if (std::filesystem::exists(next)) {
      return refused(next.string() +
                     " exists: a rotation is under way. Finish it with rotate-key --finish "
                     "--chain FILE, or remove that file to start over");
    }
    SigningKey key = SigningKey::generate();
    GOVBUS_TRY(saveSigningKey(next, key));
    const std::string pub = toHex(key.publicKey().bytes());
    const std::string name = !o.name.empty() ? o.name : identity.own.subjectName;
    std::printf("new key pair for %s written to %s (mode 0600); the node still signs with %s\n",
                identity.code.c_str(), next.c_str(), config.keyFile.c_str());
    std::printf("new public key: %s\n", pub.c_str());
    std::printf(
        "next:\n"
        "  1. on the parent (%s), re-enrol this node with the new key and a higher serial:\n"
        "       govbus-admin enroll --child-key %s --code %s --name %s --serial %u "
        "--parent-dir <parent dir> --out <dir>\n"
        "  2. here, stop the node, then switch to the new key and chain:\n"
        "       govbus-admin rotate-key --finish --chain <dir>/%s --dir %s\n",
        identity.ancestors.back().c_str(), pub.c_str(), identity.code.c_str(), name.c_str(),
        identity.own.serial + 1, kChainFileName, dir.c_str());
    return Status::Ok();
  }

  if (o.chain.empty()) return refused("--finish needs --chain FILE, the chain.certs enroll wrote");
  if (!std::filesystem::exists(next)) {
    return refused("no new key at " + next.string() + ": run rotate-key without --finish first");
  }
  GOVBUS_ASSIGN_OR_RETURN(SigningKey newKey, loadSigningKey(next));
  GOVBUS_ASSIGN_OR_RETURN(std::vector<SignedCertificate> chain, readChainFile(o.chain));
  auto leaf = verifyChain(identity.anchorCertificate, chain, wallClockMs());
  if (!leaf) return refused(o.chain.string() + ": " + leaf.error().message);
  if (leaf->subject != identity.code) {
    return refused(o.chain.string() + " is the chain of " + leaf->subject + ", not of " +
                   identity.code);
  }
  if (leaf->publicKey != toBytes(newKey.publicKey().bytes())) {
    return refused(o.chain.string() + " certifies another key than " + next.string() +
                   ": the parent must enrol the public key rotate-key printed");
  }
  if (leaf->serial <= identity.own.serial) {
    return refused(o.chain.string() + " has serial " + std::to_string(leaf->serial) +
                   ", not above the current " + std::to_string(identity.own.serial) +
                   ": the parent must enrol the new key with --serial " +
                   std::to_string(identity.own.serial + 1));
  }
  if (nodeAnswers(config)) {
    return makeError(ErrorCode::kIo,
                     "the node is running (its API answers at " + config.apiHost + ":" +
                         std::to_string(config.apiPort) +
                         "): stop it first — it signs with the old key until it restarts, and "
                         "the old key's revocation must start after its last record");
  }
  // The first sequence the new key signs: the own feed's head now, plus one.
  uint64_t head = 0;
  {
    LmdbOptions options;
    options.readOnly = true;
    options.mapSizeBytes = 0;
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> store,
                            LmdbStore::open(config.dataDir, options));
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, store->beginRead());
    GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> h, view->head(identity.code));
    head = h ? h->seq : 0;
  }
  const std::string oldSuffix = ".old-" + std::to_string(identity.own.serial);
  const std::filesystem::path chainFile =
      config.chainFile ? *config.chainFile : dir / kChainFileName;
  std::error_code ec;
  // New chain first, then the key: a crash in between leaves a node that refuses to start with a
  // clear "key does not match the chain" error, and both old files are still there.
  std::filesystem::rename(chainFile, withSuffix(chainFile, oldSuffix), ec);
  if (ec)
    return makeError(ErrorCode::kIo, "cannot move " + chainFile.string() + ": " + ec.message());
  GOVBUS_TRY(writeChainFile(chainFile, chain));
  std::filesystem::rename(config.keyFile, withSuffix(config.keyFile, oldSuffix), ec);
  if (ec)
    return makeError(ErrorCode::kIo,
                     "cannot move " + config.keyFile.string() + ": " + ec.message());
  std::filesystem::rename(next, config.keyFile, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot move " + next.string() + ": " + ec.message());
  std::printf(
      "%s now has the key of certificate serial %u; the old key and chain are kept as %s and %s\n",
      identity.code.c_str(), leaf->serial, withSuffix(config.keyFile, oldSuffix).c_str(),
      withSuffix(chainFile, oldSuffix).c_str());
  std::printf(
      "next:\n"
      "  1. start the node: its records from seq %llu on are signed with the new key\n"
      "  2. on the parent (%s), revoke the old key from that sequence:\n"
      "       govbus-admin revoke-key --child %s --serial %u --from-seq %llu --dir <parent dir>\n",
      static_cast<unsigned long long>(head + 1), identity.ancestors.back().c_str(),
      identity.code.c_str(), identity.own.serial, static_cast<unsigned long long>(head + 1));
  return Status::Ok();
}

Status revokeKey(const RevokeKeyOptions& o) {
  if (auto c = DivisionCode::parse(o.child); !c) return refused("--child: " + c.error().message);
  if (o.fromSeq == 0) return refused("--from-seq starts at 1 (1 revokes every record of that key)");
  const std::filesystem::path dir = o.node.dir.empty() ? std::filesystem::path(".") : o.node.dir;
  uint32_t serial = o.serial;
  if (serial == 0) {
    // The certificates this node issued (enroll keeps them in issued/) say which serials exist.
    std::set<uint32_t> issued;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir / kIssuedDirName, ec)) {
      auto cert = readCertificateFile(e.path());
      if (!cert) continue;
      auto body = decodeCertificateBody(cert->body);
      if (body && body->subject == o.child) issued.insert(body->serial);
    }
    if (issued.size() != 1) {
      std::string list;
      for (uint32_t s : issued) list += (list.empty() ? "" : ", ") + std::to_string(s);
      return refused("give --serial: " +
                     (issued.empty() ? "no certificate for " + o.child + " in " +
                                           (dir / kIssuedDirName).string()
                                     : o.child + " has serials " + list) +
                     " (the serial whose key to revoke)");
    }
    serial = *issued.begin();
  }
  GOVBUS_ASSIGN_OR_RETURN(NodeApi api, NodeApi::fromDir(dir, true));
  Json body{{"subject", o.child}, {"serial", serial}, {"from_seq", o.fromSeq}};
  if (!o.reason.empty()) body["reason"] = o.reason;
  auto r = api.post("/v1/key-revocations", body);
  if (!r) {
    if (r.error().code != ErrorCode::kInvalidArgument) return r.error();
    return refused("the node refused to revoke the key of " + o.child + ": " + r.error().message);
  }
  const std::string record =
      r->value("author", std::string("?")) + "#" + std::to_string(r->value("seq", 0));
  if (o.node.json) {
    Json out = *r;
    out["record"] = record;
    out["subject"] = o.child;
    out["serial"] = serial;
    out["from_seq"] = o.fromSeq;
    std::printf("%s\n", out.dump(2).c_str());
    return Status::Ok();
  }
  std::printf(
      "revoked the key of %s serial %u from seq %llu on — record %s\n"
      "every node rejects %s's records signed with that key from that sequence once this record "
      "reaches it; records it had already stored stay (PROTOCOL.md §16)\n",
      o.child.c_str(), serial, static_cast<unsigned long long>(o.fromSeq), record.c_str(),
      o.child.c_str());
  return Status::Ok();
}

}  // namespace govbus::admin
