// ProvinceMix: a realistic stream of signed records for one province — what `govbus-bench`
// measures the state apply with, and what `govbus-testnet --generate-store` writes into a store.
//
// The network is a real topology (testnet/topology.h; `provinceTopology(data, "43")` is 湖南省
// with its 14 cities and 122 counties), every node with an Ed25519 key derived from the seed and
// a certificate from its parent, valid for the whole run. setup() returns what precedes the
// measured records: every certificate published by its issuer, the catalog (39 items: county,
// city and province level, one not delegable), and a warm-up of case events that brings the open
// cases to their steady level. next() then authors the mix: roughly 85% case lifecycle events, 5%
// supervision orders, 5% complaints and their updates, 5% delegations and revocations. The mix is
// stationary: the open cases and open complaints stay near their targets, so the work per record
// does not drift with the length of the run. Cases are spread over every county that has a city
// above it and interleaved; each runs received -> accepted -> stepCompleted x1-2 -> approved |
// denied -> closed, handled by the node the catalog and the delegations in force make the handler.
// Delegations (city -> county, province -> city) are valid from the moment they are granted, as the
// API grants them by default.
//
// Every record is signed on its author's current frontier (the heads of its ancestors' feeds) with
// a Lamport clock above every record so far and a wall clock advancing `stepMs` per record, so the
// records are in a causal order and a store that takes them in that order takes every one. The
// generator keeps the rules' preconditions (who may act on a case; no delegation granted or revoked
// while a case it would move waits for acceptance), so nearly every record is valid; the void ones
// expected are revoked delegations (kRevoked).
//
// Memory: what the generator tracks is bounded (open cases, open complaints, delegations in
// force); records go to the caller as they are made. Deterministic for a seed and standard
// library.
//
// Thread safety: one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/record.h"
#include "sync/trust_store.h"
#include "testnet/topology.h"

namespace govbus::testnet {

struct MixOptions {
  uint64_t seed = 20260101;
  int64_t startMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  int64_t stepMs = 60'000;              // wall time between consecutive records
  size_t openCases = 800;               // steady level of open cases
  size_t openComplaints = 100;          // steady level of open complaints
};

class ProvinceMix {
 public:
  static Result<std::unique_ptr<ProvinceMix>> create(const Topology& topology,
                                                     MixOptions options = {});
  ~ProvinceMix();
  ProvinceMix(const ProvinceMix&) = delete;
  ProvinceMix& operator=(const ProvinceMix&) = delete;

  const SignedCertificate& anchor() const;
  // The anchor and every certificate.
  TrustStore trustStore() const;
  // Every certificate but the anchor, issuers first (what a peer attaches).
  std::vector<SignedCertificate> certificates() const;

  // Certificates, catalog and the warm-up, in authoring order. Call once, first.
  std::vector<SignedRecord> setup();
  // Appends the next `n` records of the mix to `out`, in authoring order.
  void next(size_t n, std::vector<SignedRecord>& out);

  size_t cities() const;
  size_t counties() const;  // that take cases
  size_t catalogItems() const;
  size_t cases() const;  // received so far
  // Records authored by next() per kind ("case received", "order urge", "delegation", ...).
  const std::map<std::string, size_t>& kinds() const;

  class Generator;

 private:
  explicit ProvinceMix(std::unique_ptr<Generator> g);
  std::unique_ptr<Generator> g_;
};

}  // namespace govbus::testnet
