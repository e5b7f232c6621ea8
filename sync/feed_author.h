// FeedAuthor: signs the next record of this node's own feed.
//
// The envelope is derived from the store, never from the caller: sequence = own head + 1, previous
// hash = the head's id, Lamport = 1 + the highest Lamport clock stored, ancestor frontier = the
// head of each ancestor's feed (feeds not yet seen are omitted, meaning 0). The clock obeys the
// door's rules (sync/ingest.h), so no peer ever refuses what this node signs: the Lamport clock is
// kept within (own predecessor, predecessor + kMaxLamportJump] — a stored record with a huge clock
// cannot make it wrap — and the wall time is never before the predecessor's. A feed whose own
// clock is at 2^64−1 cannot sign (kBadClock), which the door makes unreachable. The caller must
// hold the write transaction it passes in, so no other record can take the same sequence.
//
// Thread safety: const; the key is borrowed and must outlive the author.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/keys.h"
#include "protocol/record.h"
#include "sync/feed_store.h"

namespace govbus {

class FeedAuthor {
 public:
  FeedAuthor(std::string self, uint32_t keySerial, const SigningKey& key,
             std::vector<std::string> ancestors)
      : self_(std::move(self)),
        keySerial_(keySerial),
        key_(key),
        ancestors_(std::move(ancestors)) {}

  const std::string& self() const { return self_; }

  // The envelope the next record would carry.
  Result<Envelope> nextEnvelope(FeedReader& view, int64_t wallTimeMs) const;
  // Signs `payload` as the next record; does not store it.
  Result<SignedRecord> sign(FeedReader& view, Payload payload, int64_t wallTimeMs) const;
  // Signs a record with an explicit envelope (tests, and re-signing after key rotation).
  SignedRecord signWith(Envelope envelope, Payload payload) const;

 private:
  std::string self_;
  uint32_t keySerial_;
  const SigningKey& key_;
  std::vector<std::string> ancestors_;
};

}  // namespace govbus
