// Test fixtures: a temporary directory and a small enrolled network with real division codes.
//
// TestNetwork builds a province (430000 湖南省) with cities 430100 长沙市 and 430200 株洲市,
// counties 430102 芙蓉区 and 430103 天心区 under 长沙, 430211 天元区 under 株洲, plus a Hubei-style
// province-administered county for the region rule tests. Every node has a real Ed25519 key and a
// certificate signed by its parent; nodes can author records to their own feeds.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "protocol/record.h"
#include "sync/trust_store.h"

namespace govbus::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline constexpr int64_t kTestEpochMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline constexpr int64_t kYearMs = 365LL * 24 * 3600 * 1000;

struct TestNode {
  std::string code;
  std::string parent;  // empty for the province
  SigningKey key;
  uint32_t serial = 1;
  SignedCertificate certificate;
  // Own feed state, for authoring records without a store.
  uint64_t seq = 0;
  Hash256 lastId{};
  uint64_t lamport = 0;
};

// How a TestNetwork makes its nodes' keys. kFixed derives each node's Ed25519 seed from its code
// (fixedSeed below), so that every signature, record id and digest is the same on every run: the
// known-answer vectors in tests/vectors/ are made this way.
enum class TestKeys { kRandom, kFixed };

// BLAKE2b-256 of "govbus vector key " ‖ code: the seed of `code`'s key in a kFixed network.
Bytes fixedSeed(const std::string& code);

class TestNetwork {
 public:
  // Province 430000 with the tree described above.
  explicit TestNetwork(TestKeys keys = TestKeys::kRandom);

  TestNode& node(const std::string& code) { return *nodes_.at(code); }
  const SignedCertificate& anchor() const { return nodes_.at(province_)->certificate; }
  TrustStore trustStore() const;  // anchor plus every certificate
  // Certificates from the anchor's child down to `code`.
  std::vector<SignedCertificate> chainOf(const std::string& code) const;

  // Adds a node enrolled by `parent` (any code; the test decides whether it is legal).
  TestNode& enroll(const std::string& code, const std::string& parent);

  // Authors the next record of `code`'s feed with a plausible envelope; advances that feed.
  SignedRecord author(const std::string& code, Payload payload, Frontier frontier = {});
  // Signs an arbitrary envelope with `code`'s key (for forks, gaps, bad links).
  SignedRecord signAs(const std::string& code, const Envelope& envelope,
                      const Payload& payload) const;
  Envelope nextEnvelope(const std::string& code) const;

 private:
  SigningKey keyFor(const std::string& code) const;

  TestKeys keys_;
  std::string province_ = "430000";
  std::map<std::string, std::unique_ptr<TestNode>> nodes_;
};

// A realistic payload of roughly `bytes` bytes once encoded (a case event with materials).
Payload sampleCaseEvent(const std::string& handler, uint64_t n, size_t bytes = 400);

// Encoded SignedRecord message.
Bytes wireBytes(const SignedRecord& record);

}  // namespace govbus::testing
