// Rogue peer: an enrolled node running hostile code, for invariant 3 (integrity) of
// `govbus-testnet --procs`.
//
// The rogue has a real key and a real certificate (enrolled by a city like any county), so the
// attacked node's ZAP handler admits it; everything it then sends is hostile:
//   garbage   random bytes as frames (counted by the node as frames rejected, "malformed");
//   framing   two-part messages where one frame is expected ("framing");
//   forgeries after a proper Hello, batches of records the node must refuse: a real county's next
//             record signed with the rogue's key and the rogue's own first record signed by a
//             stranger ("bad_signature"), and a record of a node nobody enrolled
//             ("unknown_signer").
// Every forged record is a `received` case event whose case id starts with kForgedCasePrefix, so a
// check can ask every node's API that no such case exists. What is sent derives from the seed.
//
// Then, for invariant 6, the rogue equivocates with its real key: it connects to its parent as a
// child would and sends A, a validly signed record at its own sequence 1; once the parent holds A
// it sends B, a different record at the same sequence (the parent detects the fork and authors a
// fork report, which travels up); once the attacked node (the province) holds A too, through the
// parent, B goes there as well (the province detects the fork itself). A reaches every holder
// before B, so every node keeps A in its feed (the branch a node keeps is the first to arrive) and
// the network still converges.
// Afterwards the rogue stays connected, reading and discarding what the node sends, until
// `settled` says the node has counted everything (or `settleLimit` passes): a rogue that hung up
// at once would have the node drop its link and then refuse the frames still in flight as "no
// hello" before checking them.
//
// Thread safety: a free function; runs on the caller's thread (it blocks for a few seconds).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace govbus::testnet {

inline constexpr const char* kForgedCasePrefix = "FORGED-";

struct RogueResult;

struct RoguePlan {
  std::string rogueCode;                 // enrolled, never started as a node
  std::filesystem::path rogueKeyFile;    // its node.key
  std::filesystem::path rogueChainFile;  // its chain.certs
  std::string targetEndpoint;            // tcp://127.0.0.1:port of the attacked node
  std::filesystem::path targetKeyFile;   // the attacked node's key (for its CurveZMQ public key)
  std::string victim;                    // a real county whose records the rogue forges
  uint64_t victimNextSeq = 1;            // the first sequence number to forge
  std::string strangerCode;              // a code nobody enrolled
  uint64_t seed = 1;
  int garbageFrames = 20;
  int framingFrames = 3;
  int forgedBatches = 4;
  std::function<bool(const RogueResult&)> settled;  // polled about every 200 ms
  std::chrono::milliseconds settleLimit{15'000};
  // Equivocation, when `parentEndpoint` is set: the parent's endpoint and key, and whether a node
  // (the parent, or the attacked node) holds the rogue's sequence 1 as the record with id `id`.
  std::string parentEndpoint;
  std::filesystem::path parentKeyFile;
  std::function<bool(bool atTarget, const std::string& idHex)> holdsFirst;
  std::chrono::milliseconds propagateLimit{30'000};
};

struct RogueResult {
  bool helloAnswered = false;  // without it no forged batch is sent
  uint64_t garbage = 0;
  uint64_t framing = 0;
  uint64_t badSignature = 0;   // forged records that must be rejected as bad_signature
  uint64_t unknownSigner = 0;  // … as unknown_signer
  bool settled = false;        // `settled` said yes before the limit
  // Equivocation: A and B were both sent to the parent (after it held A), and B to the attacked
  // node (after it held A); ids in hex; why it stopped short, if it did.
  bool forkAtParent = false;
  bool forkAtTarget = false;
  std::string firstId, secondId;
  std::string equivocationNote;
  std::vector<std::string> forgedCaseIds;
  uint64_t injected() const { return garbage + framing + badSignature + unknownSigner; }
};

Result<RogueResult> runRogue(const RoguePlan& plan);

}  // namespace govbus::testnet
