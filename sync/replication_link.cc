#include "sync/replication_link.h"

#include <algorithm>

#include "crypto/certificate.h"
#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"

namespace govbus {

void ReplicationLink::reset() {
  peer_.reset();
  peerAncestors_.clear();
  peerHas_.clear();
  sentUpTo_.clear();
  stalledUntil_.clear();
  scopeCache_.clear();
  certificatesSent_.clear();
  inflightBatches_.clear();
  inflight_ = 0;
}

Result<Hello> ReplicationLink::makeHello(const std::string& self, FeedReader& view,
                                         const TrustStore& trust) {
  Hello h;
  h.node = self;
  GOVBUS_ASSIGN_OR_RETURN(h.chain, trust.chainFor(self));
  GOVBUS_ASSIGN_OR_RETURN(auto heads, view.heads());
  for (const auto& [author, head] : heads) h.frontier.push_back({author, head.seq});
  return h;
}

Status ReplicationLink::onHello(const Hello& hello, const TrustStore& trust, int64_t nowMs,
                                const std::optional<std::string>& expectedPeer) {
  if (hello.protocolVersion != kSyncProtocolVersion) {
    return makeError(ErrorCode::kVersion, "peer " + hello.node + " speaks sync protocol version " +
                                              std::to_string(hello.protocolVersion) +
                                              ", this node speaks " +
                                              std::to_string(kSyncProtocolVersion));
  }
  if (expectedPeer && *expectedPeer != hello.node) {
    return makeError(ErrorCode::kBadChain,
                     "peer authenticated as " + *expectedPeer + " says it is " + hello.node);
  }
  GOVBUS_ASSIGN_OR_RETURN(Certificate leaf, verifyChain(trust.anchor(), hello.chain, nowMs));
  if (leaf.subject != hello.node) {
    return makeError(ErrorCode::kBadChain,
                     "peer " + hello.node + " presented the chain of " + leaf.subject);
  }
  reset();
  peer_ = hello.node;
  for (const auto& c : hello.chain) {
    if (auto cert = decodeCertificateBody(c.body); cert && cert->subject != hello.node)
      peerAncestors_.insert(cert->subject);
  }
  peerAncestors_.insert(trust.anchor().subject);
  peerAncestors_.erase(hello.node);
  for (const auto& e : hello.frontier) peerHas_[e.author] = e.seq;
  (void)nowMs;
  return Status::Ok();
}

bool ReplicationLink::inScope(const std::string& author, const TrustStore& trust) {
  auto cached = scopeCache_.find(author);
  if (cached != scopeCache_.end()) return cached->second;
  bool in = author == *peer_ || peerAncestors_.contains(author);
  if (!in) {
    // Is the peer an ancestor of the author? The author's chain says (we hold its records, so
    // we know its certificate).
    if (auto chain = trust.chainFor(author); chain.ok()) {
      for (const auto& c : *chain) {
        auto cert = decodeCertificateBody(c.body);
        if (cert && cert->issuer == *peer_) in = true;
      }
      in = in || (*peer_ == trust.anchor().subject && author != *peer_);
    }
  }
  scopeCache_[author] = in;
  return in;
}

Result<std::optional<RecordsBatch>> ReplicationLink::nextBatch(FeedReader& view,
                                                               const TrustStore& trust,
                                                               int64_t nowMs) {
  if (!peer_ || inflight_ >= limits_.maxInflightRecords) return std::optional<RecordsBatch>();
  GOVBUS_ASSIGN_OR_RETURN(auto heads, view.heads());
  if (heads.empty()) return std::optional<RecordsBatch>();
  RecordsBatch batch;
  InFlight flight;
  size_t bytes = 0;
  const uint64_t room =
      std::min<uint64_t>(limits_.maxBatchRecords, limits_.maxInflightRecords - inflight_);
  cursor_ = (cursor_ + 1) % heads.size();
  for (size_t i = 0; i < heads.size() && flight.records < room && bytes < limits_.maxBatchBytes;
       ++i) {
    const auto& [author, head] = heads[(cursor_ + i) % heads.size()];
    if (!inScope(author, trust)) continue;
    if (auto s = stalledUntil_.find(author); s != stalledUntil_.end() && nowMs < s->second)
      continue;
    uint64_t from = std::max(sentUpTo_[author], peerHas_[author]) + 1;
    if (from > head.seq) continue;
    uint64_t seq = from;
    for (; seq <= head.seq && flight.records < room && bytes < limits_.maxBatchBytes; ++seq) {
      GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view.record(author, seq));
      if (!raw)
        return makeError(ErrorCode::kStorage,
                         "feed " + author + " lacks seq " + std::to_string(seq));
      GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*raw));
      bytes += sr.body.size() + sr.signature.size();
      batch.records.push_back(std::move(sr));
      ++flight.records;
    }
    sentUpTo_[author] = seq - 1;
    flight.lastSeq[author] = seq - 1;
    // The chain of every author sent, once per connection: the peer may not know it yet.
    GOVBUS_ASSIGN_OR_RETURN(std::vector<SignedCertificate> chain, trust.chainFor(author));
    for (auto& c : chain) {
      auto cert = decodeCertificateBody(c.body);
      if (cert && certificatesSent_.insert({cert->subject, cert->serial}).second)
        batch.certificates.push_back(std::move(c));
    }
  }
  if (batch.records.empty()) return std::optional<RecordsBatch>();
  inflight_ += flight.records;
  inflightBatches_.push_back(std::move(flight));
  return std::optional<RecordsBatch>(std::move(batch));
}

Frontier ReplicationLink::onAck(const Ack& ack, int64_t nowMs) {
  Frontier moved;
  for (const auto& e : ack.frontier) {
    uint64_t& has = peerHas_[e.author];
    if (e.seq > has) {
      has = e.seq;
      moved.push_back(e);
    }
  }
  if (inflightBatches_.empty()) return moved;  // an ack we did not ask for: positions only
  InFlight done = std::move(inflightBatches_.front());
  inflightBatches_.pop_front();
  inflight_ -= std::min(inflight_, done.records);
  for (const auto& [author, last] : done.lastSeq) {
    if (peerHas_[author] < last) {
      // The peer did not take all of it (a gap it buffers, or records it rejected): resend from
      // its head, after a pause so that a record it will never take cannot spin the link.
      sentUpTo_[author] = peerHas_[author];
      stalledUntil_[author] = nowMs + limits_.stalledRetryMs;
    }
  }
  return moved;
}

Result<Ack> ReplicationLink::ackFor(FeedReader& view, const RecordsBatch& batch) {
  std::set<std::string> authors;
  for (const auto& r : batch.records) {
    if (auto env = decodeEnvelope(r.body); env) authors.insert(env->author);
  }
  Ack ack;
  for (const std::string& a : authors) {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> h, view.head(a));
    ack.frontier.push_back({a, h ? h->seq : 0});
  }
  return ack;
}

Result<uint64_t> ReplicationLink::lagRecords(FeedReader& view, const TrustStore& trust) {
  if (!peer_) return uint64_t{0};
  GOVBUS_ASSIGN_OR_RETURN(auto heads, view.heads());
  uint64_t lag = 0;
  for (const auto& [author, head] : heads) {
    if (!inScope(author, trust)) continue;
    uint64_t has = peerHas_.contains(author) ? peerHas_.at(author) : 0;
    if (head.seq > has) lag += head.seq - has;
  }
  return lag;
}

}  // namespace govbus

namespace govbus {

void ReplicationLink::notePeerHas(const std::string& author, uint64_t seq) {
  uint64_t& has = peerHas_[author];
  has = std::max(has, seq);
}

Result<std::optional<int64_t>> ReplicationLink::oldestLackingWallTimeMs(FeedReader& view,
                                                                        const TrustStore& trust) {
  if (!peer_) return std::optional<int64_t>();
  GOVBUS_ASSIGN_OR_RETURN(auto heads, view.heads());
  std::optional<int64_t> oldest;
  for (const auto& [author, head] : heads) {
    if (!inScope(author, trust)) continue;
    uint64_t has = peerHas_.contains(author) ? peerHas_.at(author) : 0;
    if (head.seq <= has) continue;
    GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view.record(author, has + 1));
    if (!raw) continue;
    GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*raw));
    GOVBUS_ASSIGN_OR_RETURN(Envelope e, decodeEnvelope(sr.body));
    oldest = oldest ? std::min(*oldest, e.wallTimeMs) : e.wallTimeMs;
  }
  return oldest;
}

}  // namespace govbus
