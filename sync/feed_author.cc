#include "sync/feed_author.h"

#include <algorithm>

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
  env.lamport = maxLamport + 1;
  env.wallTimeMs = wallTimeMs;
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
