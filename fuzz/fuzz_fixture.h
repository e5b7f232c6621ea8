// Fuzz fixture: a fixed PKI and sample inputs shared by the fuzz targets and fuzz_corpus_gen.
//
// Keys derive from constant seeds, so the fixture is the same in every process: records and
// certificates that fuzz_corpus_gen writes verify inside the fuzz targets, and the fuzzer can
// explore past the signature check instead of stopping at it. The network is province 430000,
// city 430100 and county 430102, valid from 2025 to 2035; records are authored in 2026.
//
// Thread safety: instance() is initialised once (C++ static); everything after is const.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keys.h"
#include "protocol/record.h"
#include "sync/trust_store.h"

namespace govbus::fuzz {

// The fixture's records are authored in 2026; certificates are valid from 2025 to 2035.
inline constexpr int64_t kFixtureEpochMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

// Authors the next record of one feed, with a correct link, a lamport clock above every frontier
// entry, and a wall time one second per record after the fixture's epoch.
class FeedWriter {
 public:
  FeedWriter(std::string code, const SigningKey& key) : code_(std::move(code)), key_(key) {}
  SignedRecord next(Payload payload, Frontier frontier = {}, uint64_t lamportStep = 1);
  uint64_t seq() const { return seq_; }
  const std::string& code() const { return code_; }

 private:
  std::string code_;
  const SigningKey& key_;
  uint64_t seq_ = 0;
  uint64_t lamport_ = 0;
  Hash256 lastId_{};
};

class FuzzNetwork {
 public:
  static const FuzzNetwork& instance();

  const TrustStore& trust() const { return *trust_; }
  // Every certificate, the anchor first.
  const std::vector<SignedCertificate>& certificates() const { return certificates_; }
  // Validly signed records of every payload kind, each feed starting at seq 1 and linked.
  const std::vector<SignedRecord>& records() const { return records_; }
  // Contents of a valid key file.
  const std::string& keyFile() const { return keyFile_; }
  // The signing key of 430000, 430100 or 430102.
  const SigningKey& key(const std::string& code) const { return keys_.at(code); }

 private:
  FuzzNetwork();

  std::map<std::string, SigningKey> keys_;
  std::optional<TrustStore> trust_;  // set in the constructor; TrustStore has no empty state
  std::vector<SignedCertificate> certificates_;
  std::vector<SignedRecord> records_;
  std::string keyFile_;
};

// Named sample inputs for one target's corpus ("record", "sync_message", "certificate",
// "key_file", "catalog_csv").
std::vector<std::pair<std::string, Bytes>> corpusFor(const std::string& target);

}  // namespace govbus::fuzz
