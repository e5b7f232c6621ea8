#include "sync/feed_author.h"

#include <algorithm>

#include "protocol/limits.h"
#include "protocol/record_codec.h"

namespace govbus {

Result<Envelope> FeedAuthor::nextEnvelope(FeedReader& view, int64_t wallTimeMs) const {
  Envelope env;
  env.author = self_;
  env.keySerial = keySerial_;
  GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> own, view.head(self_));
  env.seq = own ? own->seq + 1 : 1;
  if (own) env.prevHash.assign(own->id.begin(), own->id.end());
  GOVBUS_ASSIGN_OR_RETURN(uint64_t maxLamport, view.maxLamport());
  // The door's clock rules (sync/ingest.h), so that this node never signs a record its peers
  // must refuse: above the own predecessor, at most kMaxLamportJump above it, never wrapping.
  const uint64_t prev = own ? own->lamport : 0;
  if (prev == UINT64_MAX) {
    return makeError(ErrorCode::kBadClock,
                     "the Lamport clock of " + self_ + "'s feed is at its maximum; it cannot sign");
  }
  const uint64_t ceiling =
      prev > UINT64_MAX - kMaxLamportJump ? UINT64_MAX : prev + kMaxLamportJump;
  const uint64_t wanted = maxLamport == UINT64_MAX ? UINT64_MAX : maxLamport + 1;
  env.lamport = std::clamp(wanted, prev + 1, ceiling);
  env.wallTimeMs = wallTimeMs;
  if (own) {
    // A clock stepped back (NTP) must not make the next record older than the last one.
    GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> last, view.record(self_, own->seq));
    if (last) {
      GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*last));
      GOVBUS_ASSIGN_OR_RETURN(Envelope prevEnv, decodeEnvelope(sr.body));
      env.wallTimeMs = std::max(env.wallTimeMs, prevEnv.wallTimeMs);
    }
  }
  for (const std::string& ancestor : ancestors_) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> h, view.head(ancestor));
    if (h) env.frontier.push_back({ancestor, h->seq});
  }
  std::sort(env.frontier.begin(), env.frontier.end());
  return env;
}

SignedRecord FeedAuthor::signWith(Envelope envelope, Payload payload) const {
  Bytes body = encodeRecordBody(Record{std::move(envelope), std::move(payload)});
  Bytes sig = key_.sign(kRecordSignatureDomain, body);
  return SignedRecord{std::move(body), std::move(sig)};
}

Result<SignedRecord> FeedAuthor::sign(FeedReader& view, Payload payload, int64_t wallTimeMs) const {
  GOVBUS_ASSIGN_OR_RETURN(Envelope env, nextEnvelope(view, wallTimeMs));
  return signWith(std::move(env), std::move(payload));
}

}  // namespace govbus
