#include "node/node_identity.h"

#include "crypto/key_file.h"
#include "node/chain_file.h"

namespace govbus {

namespace {

Error identityError(const Error& e, const std::string& prefix) {
  return makeError(e.code, prefix + e.message);
}

}  // namespace

Result<NodeIdentity> loadNodeIdentity(const NodeConfig& config, int64_t nowMs) {
  auto key = loadSigningKey(config.keyFile);
  if (!key) return key.error();  // names the file and the fix
  // A node that `govbus-admin init` set up but nobody enrolled yet has a config naming its chain
  // and anchor files, and neither file: say what to do rather than "cannot read".
  std::error_code ec;
  const bool hasAnchor = std::filesystem::exists(config.anchorFile, ec);
  const bool hasChain = config.chainFile && std::filesystem::exists(*config.chainFile, ec);
  if (config.chainFile && (!hasAnchor || !hasChain)) {
    const std::filesystem::path dir = config.chainFile->parent_path();
    return makeError(ErrorCode::kInvalidArgument,
                     "not enrolled yet: run `govbus-admin enroll --child-key <this node's public "
                     "key> --code " +
                         config.code +
                         " …` on the parent and copy anchor.cert and chain.certs from its --out "
                         "directory into " +
                         dir.string() + " (missing: " +
                         (!hasAnchor ? config.anchorFile.string() : config.chainFile->string()) +
                         ")");
  }
  if (!hasAnchor) {
    return makeError(ErrorCode::kInvalidArgument,
                     "no anchor yet: " + config.anchorFile.string() +
                         " does not exist; at the province run `govbus-admin anchor --code " +
                         config.code + " --name <省名> --key " + config.keyFile.string() +
                         " --out " + config.anchorFile.string() +
                         "`, on any other node get it with enrolment from the parent");
  }
  auto anchor = readCertificateFile(config.anchorFile);
  if (!anchor) return identityError(anchor.error(), "anchor_file: ");
  auto anchorCert = verifyAnchor(*anchor);
  if (!anchorCert) {
    return identityError(anchorCert.error(), "anchor_file " + config.anchorFile.string() +
                                                 " is not a valid self-signed anchor: ");
  }
  NodeIdentity id{config.code, std::move(*key), *anchor, *anchorCert, {}, *anchorCert, {}};
  if (config.code == anchorCert->subject) {
    if (config.chainFile) {
      auto chain = readChainFile(*config.chainFile);
      if (!chain) return identityError(chain.error(), "certificate_chain_file: ");
      if (!chain->empty()) {
        return makeError(ErrorCode::kInvalidArgument,
                         "certificate_chain_file " + config.chainFile->string() +
                             ": the root node's chain must be empty (its certificate "
                             "is the anchor)");
      }
    }
  } else {
    if (!config.chainFile) {
      return makeError(ErrorCode::kInvalidArgument,
                       "missing required key 'certificate_chain_file' (every node but the root " +
                           anchorCert->subject + " needs the chain its parent issued)");
    }
    auto chain = readChainFile(*config.chainFile);
    if (!chain) return identityError(chain.error(), "certificate_chain_file: ");
    if (chain->empty()) {
      return makeError(ErrorCode::kInvalidArgument, "certificate_chain_file " +
                                                        config.chainFile->string() +
                                                        " is empty; only the root has no chain");
    }
    auto leaf = verifyChain(*anchorCert, *chain, nowMs);
    if (!leaf) {
      return identityError(leaf.error(), "certificate_chain_file " + config.chainFile->string() +
                                             " does not lead to the anchor in " +
                                             config.anchorFile.string() + ": ");
    }
    if (leaf->subject != config.code) {
      return makeError(ErrorCode::kInvalidArgument,
                       "certificate_chain_file " + config.chainFile->string() + " certifies " +
                           leaf->subject + ", but code is " + config.code);
    }
    id.own = *leaf;
    id.ancestors.push_back(anchorCert->subject);
    for (size_t i = 0; i + 1 < chain->size(); ++i) {
      auto c = decodeCertificateBody((*chain)[i].body);
      if (!c) return identityError(c.error(), "certificate_chain_file: ");
      id.ancestors.push_back(c->subject);
    }
    id.chain = std::move(*chain);
  }
  const PublicKey minePublic = id.key.publicKey();
  ByteView mine = minePublic.bytes();
  if (!std::equal(mine.begin(), mine.end(), id.own.publicKey.begin(), id.own.publicKey.end())) {
    return makeError(ErrorCode::kInvalidArgument,
                     "key_file " + config.keyFile.string() + " does not match the certificate of " +
                         config.code + " (certified public key " + toHex(id.own.publicKey) +
                         ", this key's public key " + toHex(mine) +
                         "); use the key the certificate was issued for, or enrol this key again");
  }
  return id;
}

}  // namespace govbus
