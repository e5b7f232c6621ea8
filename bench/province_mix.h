// A realistic record mix for one province, signed ahead of time, for the state-apply table of
// govbus-bench.
//
// On top of testing::Scenario's enrolment and catalog (tests/testing/scenario.h) it enrols more
// cities and counties and publishes more catalog items (the untimed setup), then authors the timed
// records: roughly 85% case lifecycle events, 5% supervision orders, 5% complaints and their
// updates, 5% delegations and revocations. Cases are spread over every county and interleaved
// (hundreds open at once); each runs received -> accepted -> stepCompleted x1-2 -> approved |
// denied -> closed, handled by the node the catalog and the delegations in force make the handler.
// Every record is signed on its author's current frontier with a causal Lamport clock
// (Scenario::sign), so the records are authored in a causal order and arrive in that order.
//
// The generator keeps the rules' preconditions (who may act on a case, when an order makes sense;
// no delegation is granted or revoked while a case it would move waits for acceptance), so nearly
// every record is valid; the only void records expected are revoked delegations (a revoked
// delegation is itself judged void, kRevoked).
//
// Deterministic for a given seed and standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "testing/scenario.h"

namespace govbus::bench {

struct ProvinceMix {
  std::unique_ptr<testing::Scenario> scenario;  // owns the network: keys, anchor, certificates
  std::vector<Bytes> setup;  // SignedRecord messages: certificates and catalog, authoring order
  std::vector<Bytes> timed;  // SignedRecord messages: the measured records, authoring order
  size_t cities = 0, counties = 0, catalogItems = 0, cases = 0;
  size_t timedBodyBytes = 0;
  // Timed records per kind ("case received", "order urge", "delegation", ...).
  std::map<std::string, size_t> kinds;
};

// Authors `setup` and then `timedRecords` timed records.
ProvinceMix buildProvinceMix(size_t timedRecords, uint64_t seed);

}  // namespace govbus::bench
