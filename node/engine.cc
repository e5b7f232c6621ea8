#include "node/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "node/clock.h"
#include "protocol/record_codec.h"

namespace govbus {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// A link whose oldest batch has waited this many peer timeouts for an ack is restarted.
constexpr int64_t kAckTimeoutPeerTimeouts = 4;
// Peer keys are recomputed at least this often, so that certificates expire on time.
constexpr int64_t kPeerKeysRefreshMs = 60'000;

const char* directionName(PeerDirection d) {
  return d == PeerDirection::kUpstream ? "upstream" : "downstream";
}

}  // namespace

Engine::Engine(Replica& replica, const NodeIdentity& identity, Outbox& outbox,
               PeerKeysSnapshot& keys, Metrics& metrics, SyncTimings timings,
               std::function<void(const std::string&)> onFatal)
    : replica_(replica),
      identity_(identity),
      outbox_(outbox),
      keys_(keys),
      metrics_(metrics),
      timings_(timings),
      onFatal_(std::move(onFatal)),
      authority_(std::make_shared<const AuthorityState>(replica.engine().authority())),
      witnessSchedule_(timings.witnessIntervalMs) {}

Engine::~Engine() { stop(); }

int64_t Engine::nowMs() const { return wallClockMs() + clockOffsetMs_; }

Status Engine::start() {
  {
    std::lock_guard lock(snapMu_);
    authority_ = std::make_shared<const AuthorityState>(replica_.engine().authority());
  }
  GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedReader> view, store().beginRead());
  GOVBUS_ASSIGN_OR_RETURN(PeerKeys keys, computePeerKeys(identity_.code, identity_.ancestors, *view,
                                                         replica_.trust(), nowMs()));
  GOVBUS_ASSIGN_OR_RETURN(std::optional<FeedHead> own, view->head(identity_.code));
  view.reset();
  peerKeysStaleAtMs_ = keys.staleAtMs;
  keys_.set(std::move(keys));
  ownFeedConfirmed_ = !restored_ && (identity_.isRoot() || own.has_value());
  gateOpen_ = ownFeedConfirmed_;
  lastLoopMs_ = steadyClockMs();
  lastPositionFlushMs_ = lastInfoMs_ = lastPumpMs_ = lastPeerKeysMs_ = steadyClockMs();
  refreshLinkInfo();
  thread_ = std::thread([this] { run(); });
  return Status::Ok();
}

void Engine::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// --- producers -------------------------------------------------------------------------------

void Engine::deliver(PeerMessage message) {
  const auto* batch = std::get_if<RecordsBatch>(&message.message);
  size_t bytes = message.frameBytes;
  bool overBytes = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    Quota& q = quotas_[message.peerKey];
    if (q.messages >= kMaxQueuedMessagesPerPeer) {
      metrics_.add(Counter::kFramesRejected, "queue_full");
      return;
    }
    overBytes =
        q.bytes + bytes > kMaxQueuedBytesPerPeer || queuedBytes_ + bytes > kMaxQueuedBytesTotal;
    if (overBytes && batch == nullptr) {
      // A hello or an ack over the quota: dropped. A lost hello is sent again on the peer's next
      // connection, a lost ack makes the peer resend after its stalled-retry pause.
      if (q.messages == 0) quotas_.erase(message.peerKey);
      metrics_.add(Counter::kFramesRejected, "backpressure");
      return;
    }
    if (!overBytes) {
      q.bytes += bytes;
      ++q.messages;
      queuedBytes_ += bytes;
      size_t records = batch != nullptr ? batch->records.size() : 0;
      std::string peer = message.peerKey;
      queue_.push_back(Queued{CmdMessage{std::move(message)}, std::move(peer), bytes, records});
    }
  }
  if (overBytes) {
    // Too much waiting already: answer with our heads instead, so the peer's link resends these
    // feeds after its stalled-retry pause rather than waiting for an ack that never comes.
    metrics_.add(Counter::kFramesRejected, "backpressure");
    std::set<std::string> authors;
    for (const SignedRecord& r : batch->records) {
      if (auto e = decodeEnvelope(r.body)) authors.insert(e->author);
    }
    std::lock_guard lock(mu_);
    Quota& q = quotas_[message.peerKey];
    q.bytes += kAckOnlyChargeBytes;
    ++q.messages;
    queuedBytes_ += kAckOnlyChargeBytes;
    std::string peer = message.peerKey;
    queue_.push_back(Queued{CmdAckOnly{message.peerKey, {authors.begin(), authors.end()}},
                            std::move(peer), kAckOnlyChargeBytes, 0});
  }
  cv_.notify_one();
}

void Engine::peerOpened(const std::string& peerKey, const std::string& code,
                        PeerDirection direction) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    queue_.push_back(Queued{CmdOpened{peerKey, code, direction}, "", 0, 0});
  }
  cv_.notify_one();
}

void Engine::peerClosed(const std::string& peerKey) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    queue_.push_back(Queued{CmdClosed{peerKey}, "", 0, 0});
  }
  cv_.notify_one();
}

std::future<Result<RecordRef>> Engine::author(Payload payload) {
  std::promise<Result<RecordRef>> done;
  std::future<Result<RecordRef>> result = done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      done.set_value(makeError(ErrorCode::kBufferFull,
                               "the node is shutting down; retry against the restarted node"));
      return result;
    }
    if (pendingApiWrites_ >= kMaxPendingApiWrites) {
      done.set_value(makeError(
          ErrorCode::kBufferFull,
          std::to_string(kMaxPendingApiWrites) + " writes are already waiting; retry shortly"));
      return result;
    }
    ++pendingApiWrites_;
    queue_.push_back(Queued{CmdAuthor{std::move(payload), std::move(done)}, "", 0, 1});
  }
  cv_.notify_one();
  return result;
}

std::shared_ptr<const AuthorityState> Engine::authority() const {
  std::lock_guard lock(snapMu_);
  return authority_;
}

std::vector<LinkInfo> Engine::links() const {
  std::lock_guard lock(snapMu_);
  return linkInfo_;
}

// --- the writer thread ------------------------------------------------------------------------

void Engine::run() {
  try {
    while (true) {
      std::deque<Queued> commands;
      bool drained = false;
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(kEngineTickMs),
                     [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty() && stopping_) break;
        size_t records = 0;
        while (!queue_.empty() &&
               (commands.empty() || records + queue_.front().records <= kMaxRecordsPerCommit)) {
          Queued q = std::move(queue_.front());
          queue_.pop_front();
          if (!q.chargedPeer.empty()) {
            auto it = quotas_.find(q.chargedPeer);
            if (it != quotas_.end()) {
              it->second.bytes -= std::min(it->second.bytes, q.chargedBytes);
              it->second.messages -= std::min<size_t>(it->second.messages, 1);
              if (it->second.messages == 0) quotas_.erase(it);
            }
            queuedBytes_ -= std::min(queuedBytes_, q.chargedBytes);
          }
          if (std::holds_alternative<CmdAuthor>(q.command)) --pendingApiWrites_;
          records += q.records;
          commands.push_back(std::move(q));
        }
        drained = queue_.empty();
      }
      lastLoopMs_ = steadyClockMs();
      process(commands);
      // A backlog of peer batches (a catch-up) copies the authority state for readers at most every
      // kAuthoritySnapshotMs; once the backlog is drained, readers see what was applied at once.
      if (drained) publishAuthority(true);
      tick();
    }
    for (Parked& p : parked_) {
      p.command.done.set_value(
          makeError(ErrorCode::kBufferFull, "the node is shutting down; retry after it restarts"));
    }
    parked_.clear();
    if (ownFeedConfirmed_) witnessChildren(/*stopping=*/true);
    flushPositions();
  } catch (const std::exception& e) {
    // Nothing will be written any more: answer the waiting API callers now instead of letting
    // them time out, then stop the node.
    std::deque<Queued> abandoned;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      abandoned.swap(queue_);
    }
    const Error failed =
        makeError(ErrorCode::kStorage, std::string("the node's writer failed: ") + e.what());
    for (Queued& q : abandoned) {
      if (auto* c = std::get_if<CmdAuthor>(&q.command)) c->done.set_value(failed);
    }
    for (Parked& p : parked_) p.command.done.set_value(failed);
    parked_.clear();
    onFatal_(std::string("the writer thread failed: ") + e.what());
  }
}

void Engine::process(std::deque<Queued>& commands) {
  std::vector<GroupEntry> group;
  std::vector<CmdAuthor*> authors;
  for (Queued& q : commands) {
    std::visit(Overloaded{
                   [&](CmdMessage& c) {
                     PeerMessage& m = c.m;
                     if (auto* h = std::get_if<Hello>(&m.message)) {
                       metrics_.add(Counter::kFramesReceived, "hello");
                       handleHello(m, *h);
                     } else if (auto* a = std::get_if<Ack>(&m.message)) {
                       metrics_.add(Counter::kFramesReceived, "ack");
                       handleAck(m, *a);
                     } else if (auto* b = std::get_if<RecordsBatch>(&m.message)) {
                       metrics_.add(Counter::kFramesReceived, "records_batch");
                       auto it = links_.find(m.peerKey);
                       if (it == links_.end() || !it->second.ready) {
                         reject("no_hello", m.code, "a records batch before a valid hello");
                         forgetConnection(m);
                         return;
                       }
                       ++it->second.batchesReceived;
                       lastSeenMs_[m.code] = nowMs();
                       group.push_back(GroupEntry{m.peerKey, std::move(*b), {}});
                     } else {
                       reject("unexpected", m.code, "a message kind the writer does not take");
                     }
                   },
                   [&](CmdAckOnly& c) {
                     auto it = links_.find(c.peerKey);
                     if (it != links_.end() && it->second.ready) {
                       group.push_back(GroupEntry{c.peerKey, {}, std::move(c.authors)});
                     }
                   },
                   [&](CmdOpened& c) { handleOpened(c); },
                   [&](CmdClosed& c) { handleClosed(c.peerKey); },
                   [&](CmdAuthor& c) {
                     if (ownFeedConfirmed_) {
                       authors.push_back(&c);
                     } else if (parked_.size() >= kMaxPendingApiWrites) {
                       c.done.set_value(makeError(ErrorCode::kBufferFull,
                                                  "too many writes wait for the upstream"));
                     } else {
                       parked_.push_back(Parked{std::move(c), steadyClockMs()});
                     }
                   },
               },
               q.command);
  }
  handleAuthors(authors);
  flushGroup(group);
}

void Engine::handleOpened(const CmdOpened& c) {
  if (links_.size() >= kMaxLinks) {
    outbox_.push(OutboundFrame{c.peerKey, {}, "close", true});
    return;
  }
  auto [it, inserted] =
      links_.try_emplace(c.peerKey, Link{c.code, c.direction, ReplicationLink(identity_.code)});
  if (!inserted) return;
  it->second.connectedAtMs = nowMs();
  spdlog::debug("dialling {} {}", directionName(c.direction), c.code);
  sendHello(c.peerKey);
}

void Engine::handleClosed(const std::string& peerKey) {
  auto it = links_.find(peerKey);
  if (it == links_.end()) return;
  if (it->second.ready)
    spdlog::info("link to {} {} closed", directionName(it->second.direction), it->second.code);
  if (it->second.direction == PeerDirection::kUpstream) upstreamOutage_.down(nowMs());
  links_.erase(it);
}

void Engine::handleHello(const PeerMessage& m, const Hello& hello) {
  auto it = links_.find(m.peerKey);
  if (m.direction == PeerDirection::kUpstream) {
    if (it == links_.end()) return;  // a connection that has been replaced since
  } else if (it == links_.end()) {
    if (links_.size() >= kMaxLinks) {
      reject("too_many_peers", m.code,
             "the node already has " + std::to_string(kMaxLinks) + " links");
      return;
    }
    it = links_.try_emplace(m.peerKey, Link{m.code, m.direction, ReplicationLink(identity_.code)})
             .first;
    it->second.connectedAtMs = nowMs();
  }
  Link& link = it->second;
  Status s = link.link.onHello(hello, replica_.trust(), nowMs(), m.code);
  if (!s) {
    reject("bad_hello", m.code, s.error().message);
    links_.erase(it);
    if (m.direction == PeerDirection::kUpstream) {
      outbox_.push(OutboundFrame{m.peerKey, {}, "close", true});
    } else {
      forgetConnection(m);
    }
    return;
  }
  link.ready = true;
  link.inflightBytes.clear();
  link.inflightBytesTotal = 0;
  link.oldestUnackedSinceMs = 0;
  lastSeenMs_[m.code] = nowMs();
  spdlog::info("link to {} {} is up", directionName(m.direction), m.code);
  if (m.direction == PeerDirection::kUpstream && ownFeedConfirmed_) {
    if (auto outage = upstreamOutage_.up(m.code, nowMs())) {
      spdlog::info("recording the outage of the link to {}: {} s", m.code,
                   (outage->untilMs - outage->fromMs) / 1000);
      authorOwn(std::move(*outage));
    }
  }
  // A restored root has no upstream; its children hold its feed and announce its head.
  if (!ownFeedConfirmed_ &&
      (m.direction == PeerDirection::kUpstream || (restored_ && identity_.isRoot()))) {
    const auto& announced = link.link.peerHeads();
    auto mine = announced.find(identity_.code);
    ownFeedTarget_ = std::max(ownFeedTarget_, mine != announced.end() ? mine->second : 0);
    upstreamHeard_ = true;
    gateTarget_ = ownFeedTarget_;
    gateHeard_ = true;
    checkOwnFeed();
  }
  if (m.direction == PeerDirection::kDownstream) {
    // A node keeps one connection to its upstream: an older one from the same node is stale.
    for (auto other = links_.begin(); other != links_.end();) {
      if (other->first != m.peerKey && other->second.code == m.code &&
          other->second.direction == PeerDirection::kDownstream) {
        other = links_.erase(other);
      } else {
        ++other;
      }
    }
    sendHello(m.peerKey);
  }
  pump(m.peerKey, links_.at(m.peerKey));
}

void Engine::forgetConnection(const PeerMessage& m) {
  // The transport then answers the connection's next frame with Reconnect, so the peer dials again
  // with a hello instead of talking into the void until its ack timeout.
  if (m.direction == PeerDirection::kDownstream)
    outbox_.push(OutboundFrame{m.peerKey, {}, "close", true});
}

void Engine::handleAck(const PeerMessage& m, const Ack& ack) {
  auto it = links_.find(m.peerKey);
  if (it == links_.end() || !it->second.ready) {
    reject("no_hello", m.code, "an ack before a valid hello");
    forgetConnection(m);
    return;
  }
  Link& link = it->second;
  Frontier moved = link.link.onAck(ack, nowMs());
  if (!link.inflightBytes.empty()) {
    link.inflightBytesTotal -=
        std::min<uint64_t>(link.inflightBytesTotal, link.inflightBytes.front());
    link.inflightBytes.pop_front();
  }
  link.lastAckMs = nowMs();
  link.oldestUnackedSinceMs = link.inflightBytes.empty() ? 0 : steadyClockMs();
  lastSeenMs_[link.code] = link.lastAckMs;
  auto& positions = dirtyPositions_[link.code];
  for (const FrontierEntry& e : moved) positions[e.author] = std::max(positions[e.author], e.seq);
  pump(m.peerKey, link);
}

void Engine::handleAuthors(const std::vector<CmdAuthor*>& commands) {
  if (commands.empty()) return;
  std::vector<Payload> payloads;
  std::vector<std::string> kinds;
  std::vector<bool> isAuthority, isTrust;
  bool authority = false;
  bool trust = false;
  for (CmdAuthor* c : commands) {
    kinds.emplace_back(payloadKindName(c->payload));
    isAuthority.push_back(AuthorityState::isAuthorityPayload(c->payload));
    isTrust.push_back(std::holds_alternative<SignedCertificate>(c->payload) ||
                      std::holds_alternative<KeyRevocation>(c->payload));
    payloads.push_back(std::move(c->payload));
  }
  replica_.setClock(nowMs());
  auto start = std::chrono::steady_clock::now();
  std::vector<Result<RecordRef>> results = replica_.authorAll(std::move(payloads), nowMs());
  metrics_.observeCommitSeconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  bool any = false;
  for (size_t i = 0; i < results.size(); ++i) {
    const Result<RecordRef>& r = results[i];
    if (r) {
      any = true;
      metrics_.add(Counter::kRecordsAuthored, kinds[i]);
      authority = authority || isAuthority[i];
      trust = trust || isTrust[i];
    } else if (r.error().code != ErrorCode::kInvalidArgument &&
               r.error().code != ErrorCode::kMalformed && r.error().code != ErrorCode::kTooLarge) {
      spdlog::error("cannot author a {} record: {}", kinds[i], r.error().message);
    }
  }
  if (authority) {
    authorityDirty_ = true;
    publishAuthority(true);  // the caller may read what it just wrote
  }
  if (trust) {
    peerKeysDirty_ = true;
    refreshPeerKeys();  // a freshly enrolled child may dial in at once
  }
  // Answer before pushing: the API caller waits on this, the peers do not.
  for (size_t i = 0; i < results.size(); ++i) commands[i]->done.set_value(std::move(results[i]));
  if (any) pumpAll();
}

Engine::WriteGate Engine::writeGate() const {
  return WriteGate{gateOpen_.load(), restored_, gateHeard_.load(), gateTarget_.load()};
}

void Engine::checkOwnFeed() {
  auto view = store().beginRead();
  if (!view) return;
  auto head = (*view)->head(identity_.code);
  if (!head) return;
  const uint64_t have = head->has_value() ? (*head)->seq : 0;
  if (have < ownFeedTarget_) return;
  view->reset();
  ownFeedConfirmed_ = true;
  gateOpen_ = true;
  spdlog::info("own feed confirmed by the upstream at seq {}; taking writes", have);
  if (onOwnFeedConfirmed_) onOwnFeedConfirmed_();
  std::deque<Parked> waiting;
  waiting.swap(parked_);
  std::vector<CmdAuthor*> commands;
  for (Parked& p : waiting) commands.push_back(&p.command);
  handleAuthors(commands);
}

void Engine::flushGroup(std::vector<GroupEntry>& group) {
  if (group.empty()) return;
  std::vector<SignedRecord> records;
  std::vector<SignedCertificate> certificates;
  for (const GroupEntry& e : group) {
    records.insert(records.end(), e.batch.records.begin(), e.batch.records.end());
    certificates.insert(certificates.end(), e.batch.certificates.begin(),
                        e.batch.certificates.end());
  }
  if (!records.empty() || !certificates.empty()) {
    const size_t trustBefore = replica_.trust().size();
    const size_t count = records.size();
    replica_.setClock(nowMs());
    auto start = std::chrono::steady_clock::now();
    auto result = replica_.ingest(std::move(records), certificates);
    metrics_.observeCommitSeconds(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!result) {
      uint64_t suppressed = 0;
      if (limiter_.allow("storage", steadyClockMs(), suppressed)) {
        spdlog::error("cannot store {} received records: {}", count, result.error().message);
      }
      metrics_.add(Counter::kFramesRejected, errorCodeName(result.error().code), group.size());
    } else if (result->results.size() == count) {
      size_t i = 0;
      for (const GroupEntry& e : group) {
        const std::string& code =
            links_.contains(e.peerKey) ? links_.at(e.peerKey).code : e.peerKey;
        for (size_t k = 0; k < e.batch.records.size(); ++k, ++i) {
          const IngestResult& r = result->results[i];
          metrics_.add(Counter::kRecordsReceived, ingestOutcomeName(r.outcome));
          // What the peer just sent us, it holds: never echo it back.
          if (r.outcome != IngestOutcome::kRejected && r.outcome != IngestOutcome::kFork) {
            if (auto l = links_.find(e.peerKey); l != links_.end())
              l->second.link.notePeerHas(r.author, r.seq);
          }
          if (r.droppedOnRelease > 0) {
            metrics_.add(Counter::kRecordsRejected, "no_longer_fits", r.droppedOnRelease);
            spdlog::warn(
                "{} waiting record(s) of {} after seq {} no longer fit the feed (another record "
                "took that place: a fork?) and were dropped",
                r.droppedOnRelease, r.author, r.seq);
          }
          if (r.outcome == IngestOutcome::kRejected) {
            std::string reason(r.error ? errorCodeName(r.error->code) : "unknown");
            metrics_.add(Counter::kRecordsRejected, reason);
            uint64_t suppressed = 0;
            if (limiter_.allow("record:" + code + ":" + reason, steadyClockMs(), suppressed)) {
              spdlog::warn("rejected a record from peer {}: {}{}", code,
                           r.error ? r.error->message : reason, suppressedNote(suppressed));
            }
          }
        }
      }
      bool authority = false;
      bool trust = replica_.trust().size() != trustBefore;
      for (const CheckedRecord& c : result->appended) {
        authority = authority || AuthorityState::isAuthorityPayload(c.record.payload);
        trust = trust || std::holds_alternative<SignedCertificate>(c.record.payload) ||
                std::holds_alternative<KeyRevocation>(c.record.payload);
      }
      if (authority) {
        authorityDirty_ = true;
        publishAuthority(false);
      }
      if (trust) peerKeysDirty_ = true;
      if (!ownFeedConfirmed_ && upstreamHeard_) checkOwnFeed();
      if (!result->appended.empty()) pumpAll();
    }
  }
  auto view = store().beginRead();
  if (!view) {
    spdlog::error("cannot read heads to acknowledge batches: {}", view.error().message);
    group.clear();
    return;
  }
  for (const GroupEntry& e : group) {
    if (!links_.contains(e.peerKey)) continue;
    Ack ack;
    if (!e.batch.records.empty()) {
      auto a = ReplicationLink::ackFor(**view, e.batch);
      if (!a) continue;
      ack = std::move(*a);
    } else {
      for (const std::string& author : e.ackAuthors) {
        auto h = (*view)->head(author);
        ack.frontier.push_back({author, h.ok() && h->has_value() ? (*h)->seq : 0});
      }
    }
    send(e.peerKey, ack, "ack");
  }
  group.clear();
}

void Engine::pump(const std::string& peerKey, Link& link) {
  if (!link.ready) return;
  auto view = store().beginRead();
  if (!view) return;
  while (link.inflightBytesTotal < kMaxInflightBytesPerLink) {
    auto next = link.link.nextBatch(**view, replica_.trust(), nowMs());
    if (!next) {
      uint64_t suppressed = 0;
      if (limiter_.allow("pump:" + link.code, steadyClockMs(), suppressed)) {
        spdlog::error("cannot prepare records for {}: {}", link.code, next.error().message);
      }
      return;
    }
    if (!next->has_value()) return;
    size_t n = (**next).records.size();
    Bytes frame = encodeSyncMessage(SyncMessage(std::move(**next)));
    if (link.inflightBytes.empty()) link.oldestUnackedSinceMs = steadyClockMs();
    link.inflightBytes.push_back(frame.size());
    link.inflightBytesTotal += frame.size();
    link.recordsSent += n;
    metrics_.add(Counter::kRecordsSent, link.code, n);
    metrics_.add(Counter::kFramesSent, "records_batch");
    outbox_.push(OutboundFrame{peerKey, std::move(frame), "records_batch"});
  }
}

void Engine::pumpAll() {
  for (auto& [key, link] : links_) pump(key, link);
  lastPumpMs_ = steadyClockMs();
}

// Readers get a copy of the authority state, which costs in proportion to it (every delegation
// ever made): after records from peers it is copied at most every kAuthoritySnapshotMs, so a
// catch-up of thousands of batches does not copy it thousands of times.
void Engine::publishAuthority(bool now) {
  if (!authorityDirty_) return;
  const int64_t t = steadyClockMs();
  if (!now && t - lastAuthoritySnapshotMs_ < kAuthoritySnapshotMs) return;
  auto snapshot = std::make_shared<const AuthorityState>(replica_.engine().authority());
  lastAuthoritySnapshotMs_ = t;
  authorityDirty_ = false;
  std::lock_guard lock(snapMu_);
  authority_ = std::move(snapshot);
}

void Engine::tick() {
  const int64_t now = steadyClockMs();
  publishAuthority(false);
  if (now - lastPumpMs_ >= kPumpIntervalMs)
    pumpAll();  // feeds paused after a partial ack resume here
  // Trust changed, or a certificate just began or stopped being valid: the transport closes open
  // connections whose key the new snapshot no longer admits.
  if (peerKeysDirty_ || now - lastPeerKeysMs_ >= kPeerKeysRefreshMs ||
      nowMs() >= peerKeysStaleAtMs_) {
    refreshPeerKeys();
  }
  const int64_t ackTimeoutMs = kAckTimeoutPeerTimeouts * timings_.peerTimeoutMs;
  for (auto it = links_.begin(); it != links_.end();) {
    Link& link = it->second;
    if (link.ready && link.oldestUnackedSinceMs != 0 &&
        now - link.oldestUnackedSinceMs > ackTimeoutMs) {
      spdlog::warn("{} {} has not acknowledged a batch for {} ms; restarting the link",
                   directionName(link.direction), link.code, now - link.oldestUnackedSinceMs);
      metrics_.add(Counter::kFramesRejected, "ack_timeout");
      outbox_.push(OutboundFrame{it->first, {}, "close", true});
      if (link.direction == PeerDirection::kUpstream) upstreamOutage_.down(nowMs());
      it = links_.erase(it);
    } else {
      ++it;
    }
  }
  while (!parked_.empty() && now - parked_.front().sinceMs > kOwnFeedWaitMs) {
    parked_.front().command.done.set_value(makeError(
        ErrorCode::kBufferFull,
        restored_ ? "this node's store was restored from a backup and no upstream has "
                    "confirmed its own feed yet: it may lack records it signed after the "
                    "backup, so it takes no writes until its upstream has given them back "
                    "(otherwise it would fork its own feed); see GET /v1/peers"
                  : "this node's own feed is empty and no upstream has confirmed it yet (first "
                    "start, or a lost store): writes wait for the upstream link so that the "
                    "node cannot fork its own feed; see GET /v1/peers"));
    parked_.pop_front();
  }
  if (now - lastPositionFlushMs_ >= kPositionFlushMs) flushPositions();
  if (lastStoreCheckMs_ == 0 || now - lastStoreCheckMs_ >= kStoreCheckMs) checkStore();
  if (now - lastInfoMs_ >= kLinkInfoRefreshMs) refreshLinkInfo();
  if (ownFeedConfirmed_) witnessChildren();
}

void Engine::witnessChildren(bool stopping) {
  const int64_t now = nowMs();
  const AuthorityState& authority = replica_.engine().authority();
  // The children in the tree, and any other descendant that talks to this node directly (a
  // grandchild on its fallback upstream).
  std::set<std::string> witnessed;
  for (const auto& [child, parent] : authority.parents()) {
    if (parent == identity_.code) witnessed.insert(child);
  }
  for (const auto& [key, link] : links_) {
    if (link.direction == PeerDirection::kDownstream && link.ready &&
        authority.isStrictAncestor(identity_.code, link.code))
      witnessed.insert(link.code);
  }
  if (witnessed.empty()) return;
  auto view = store().beginRead();
  if (!view) return;
  std::map<std::string, uint64_t> heads;
  for (const std::string& feed : witnessed) {
    auto head = (*view)->head(feed);
    if (head && *head) heads[feed] = (*head)->seq;
  }
  view->reset();
  std::optional<Witness> w = witnessSchedule_.due(heads, now, stopping);
  if (!w) return;
  Witness stated = *w;
  authorOwn(std::move(*w));
  witnessSchedule_.authored(stated, now);
}

void Engine::authorOwn(Payload payload) {
  const std::string kind = payloadKindName(payload);
  replica_.setClock(nowMs());
  auto r = replica_.author(std::move(payload), nowMs());
  if (!r) {
    uint64_t suppressed = 0;
    if (limiter_.allow("author:" + kind, steadyClockMs(), suppressed)) {
      spdlog::warn("cannot author a {} record: {}{}", kind, r.error().message,
                   suppressedNote(suppressed));
    }
    return;
  }
  metrics_.add(Counter::kRecordsAuthored, kind);
  pumpAll();
}

void Engine::flushPositions() {
  lastPositionFlushMs_ = steadyClockMs();
  if (dirtyPositions_.empty()) return;
  auto run = [&]() -> Status {
    GOVBUS_ASSIGN_OR_RETURN(std::unique_ptr<FeedTxn> txn, store().beginWrite());
    for (const auto& [peer, heads] : dirtyPositions_) {
      GOVBUS_ASSIGN_OR_RETURN(std::optional<Frontier> stored, txn->peerPosition(peer));
      std::map<std::string, uint64_t> merged(heads.begin(), heads.end());
      if (stored) {
        for (const FrontierEntry& e : *stored) merged[e.author] = std::max(merged[e.author], e.seq);
      }
      Frontier f;
      for (const auto& [author, seq] : merged) f.push_back({author, seq});
      GOVBUS_TRY(txn->putPeerPosition(peer, f));
    }
    return txn->commit();
  };
  if (Status s = run(); !s) {
    spdlog::error("cannot persist peer positions: {}", s.error().message);
    return;
  }
  dirtyPositions_.clear();
}

void Engine::checkStore() {
  lastStoreCheckMs_ = steadyClockMs();
  auto expired = replica_.expireBuffered(nowMs());
  if (!expired) {
    spdlog::error("cannot expire old buffered records: {}", expired.error().message);
  } else if (*expired > 0) {
    metrics_.add(Counter::kRecordsRejected, "buffer_expired", *expired);
    spdlog::warn(
        "dropped {} buffered record(s) that waited more than {} minutes for their predecessor; "
        "their senders resend them once the gap can be filled",
        *expired, kMaxPendingAgeMs / 60'000);
  }
  if (auto usage = storeUsage()) {
    if (auto warning = storeMapWarning(usage->usedRatio, usage->mapSizeMb))
      spdlog::warn("{}", *warning);
  }
}

std::optional<std::string> storeMapWarning(double usedRatio, uint64_t mapSizeMb) {
  if (!(usedRatio >= kStoreMapWarnRatio)) return std::nullopt;
  const int percent = static_cast<int>(usedRatio * 100);
  return "the store's LMDB map is " + std::to_string(percent) + "% used (map_size_mb " +
         std::to_string(mapSizeMb) +
         "); when it is full, the node stores no more records (map_full): raise [store] "
         "map_size_mb in the node config and restart (the file grows only as data is written), "
         "and see which feeds grow (govbus_store_map_used_ratio, mdb_stat -a)";
}

void Engine::refreshPeerKeys() {
  lastPeerKeysMs_ = steadyClockMs();
  auto view = store().beginRead();
  if (!view) return;
  auto keys =
      computePeerKeys(identity_.code, identity_.ancestors, **view, replica_.trust(), nowMs());
  if (!keys) {
    spdlog::error("cannot compute peer keys: {}", keys.error().message);
    peerKeysStaleAtMs_ = nowMs() + 1000;  // try again in a second, not every tick
    return;
  }
  peerKeysStaleAtMs_ = keys->staleAtMs;
  keys_.set(std::move(*keys));
  peerKeysDirty_ = false;
}

void Engine::refreshLinkInfo() {
  const int64_t steadyNow = steadyClockMs();
  lastInfoMs_ = steadyNow;
  auto view = store().beginRead();
  if (!view) return;
  const int64_t now = nowMs();
  std::vector<LinkInfo> infos;
  std::set<std::string> connected;
  for (auto& [key, link] : links_) {
    if (link.ready) {
      if (auto lag = link.link.lagRecords(**view, replica_.trust())) link.lag = *lag;
      // Lag in time: the age of the oldest record the peer lacks.
      if (auto oldest = link.link.oldestLackingWallTimeMs(**view, replica_.trust()); oldest.ok()) {
        link.behindSinceMs = oldest->value_or(0);
      }
    }
    if (link.lag == 0) link.behindSinceMs = 0;
    infos.push_back(LinkInfo{link.code, link.direction, true, link.ready,
                             link.link.inflightRecords(), link.lag, link.behindSinceMs,
                             link.connectedAtMs, link.lastAckMs, link.recordsSent,
                             link.batchesReceived});
    connected.insert(link.code);
  }
  // Children that are not connected: their lag from the positions they last acknowledged.
  auto keys = keys_.get();
  for (const std::string& child : keys->children) {
    if (connected.contains(child)) continue;
    LinkInfo info{child, PeerDirection::kDownstream};
    std::map<std::string, uint64_t> position;
    if (auto stored = (*view)->peerPosition(child); stored.ok() && stored->has_value()) {
      for (const FrontierEntry& e : **stored) position[e.author] = e.seq;
    }
    if (auto d = dirtyPositions_.find(child); d != dirtyPositions_.end()) {
      for (const auto& [author, seq] : d->second)
        position[author] = std::max(position[author], seq);
    }
    auto chain = replica_.trust().chainFor(child);
    if (chain) {
      Hello hello{kSyncProtocolVersion, child, std::move(*chain), {}};
      for (const auto& [author, seq] : position) hello.frontier.push_back({author, seq});
      ReplicationLink offline(identity_.code);
      if (offline.onHello(hello, replica_.trust(), now)) {
        if (auto lag = offline.lagRecords(**view, replica_.trust())) info.lagRecords = *lag;
      }
    }
    if (info.lagRecords > 0) {
      auto seen = lastSeenMs_.find(child);
      info.behindSinceMs = seen != lastSeenMs_.end() ? seen->second : 0;
    }
    infos.push_back(std::move(info));
  }
  std::lock_guard lock(snapMu_);
  linkInfo_ = std::move(infos);
}

void Engine::sendHello(const std::string& peerKey) {
  auto view = store().beginRead();
  if (!view) return;
  auto hello = ReplicationLink::makeHello(identity_.code, **view, replica_.trust());
  if (!hello) {
    spdlog::error("cannot build a hello: {}", hello.error().message);
    return;
  }
  send(peerKey, *hello, "hello");
}

void Engine::send(const std::string& peerKey, const SyncMessage& message, const char* kind) {
  metrics_.add(Counter::kFramesSent, kind);
  outbox_.push(OutboundFrame{peerKey, encodeSyncMessage(message), kind});
}

void Engine::reject(const std::string& reason, const std::string& peer, const std::string& detail) {
  metrics_.add(Counter::kFramesRejected, reason);
  uint64_t suppressed = 0;
  if (limiter_.allow(peer + ":" + reason, steadyClockMs(), suppressed)) {
    spdlog::warn("dropped a message from {}: {}: {}{}", peer, reason, detail,
                 suppressedNote(suppressed));
  }
}

}  // namespace govbus
