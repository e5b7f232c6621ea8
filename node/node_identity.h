// NodeIdentity: who this node is, from its key file, the anchor and its certificate chain.
//
// loadNodeIdentity checks, in this order, and fails with a message naming the file and the fix:
//   - the key file loads (mode 0600, well-formed);
//   - the anchor file holds a valid self-signed certificate;
//   - the chain file (required unless this node is the anchor's subject) leads from the anchor to
//     a certificate whose subject is `code`, every certificate valid now;
//   - the key's public half equals the public key in that certificate (or the anchor's, at the
//     root) — the commonest mistake is a key and a chain from two different enrolments.
//
// Thread safety: value type (SigningKey is move-only).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "node/node_config.h"

namespace govbus {

struct NodeIdentity {
  std::string code;
  SigningKey key;
  SignedCertificate anchor;
  Certificate anchorCertificate;
  std::vector<SignedCertificate> chain;  // anchor's child … own; empty at the root
  Certificate own;                       // the leaf (the anchor at the root)
  std::vector<std::string> ancestors;    // root first, parent last; empty at the root

  bool isRoot() const { return ancestors.empty(); }
};

Result<NodeIdentity> loadNodeIdentity(const NodeConfig& config, int64_t nowMs);

}  // namespace govbus
