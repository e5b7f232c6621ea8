// Fuzz fixture: a fixed PKI and sample inputs shared by the fuzz targets and fuzz_corpus_gen.
//
// Keys derive from constant seeds, so the fixture is the same in every process: records and
// certificates that fuzz_corpus_gen writes verify inside the fuzz targets, and the fuzzer can
// explore past the signature check instead of stopping at it. The network is province 430000,
// city 430100 and county 430102, valid from 2025 to 2035; records are authored in 2026.
//
// Thread safety: instance() is initialised once (C++ static); everything after is const.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keys.h"
#include "protocol/record.h"
#include "sync/trust_store.h"

namespace govbus::fuzz {

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

 private:
  FuzzNetwork();

  std::optional<TrustStore> trust_;  // set in the constructor; TrustStore has no empty state
  std::vector<SignedCertificate> certificates_;
  std::vector<SignedRecord> records_;
  std::string keyFile_;
};

// Named sample inputs for one target's corpus ("record", "sync_message", "certificate",
// "key_file", "catalog_csv").
std::vector<std::pair<std::string, Bytes>> corpusFor(const std::string& target);

}  // namespace govbus::fuzz
