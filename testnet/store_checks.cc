#include "testnet/store_checks.h"

#include <algorithm>
#include <map>
#include <random>

#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"
#include "sync/memory_store.h"
#include "sync/replica.h"
#include "sync/state_engine.h"
#include "testnet/reference.h"

namespace govbus::testnet {

namespace {

// The records of `feeds`, each feed in sequence order.
Result<std::vector<std::vector<SignedRecord>>> recordsOf(
    FeedReader& view, const std::vector<std::pair<std::string, FeedHead>>& feeds) {
  std::vector<std::vector<SignedRecord>> out;
  for (const auto& [feed, head] : feeds) {
    std::vector<SignedRecord> records;
    for (uint64_t s = 1; s <= head.seq; ++s) {
      GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view.record(feed, s));
      if (!raw)
        return makeError(ErrorCode::kStorage, "the root lacks " + feed + "#" + std::to_string(s));
      GOVBUS_ASSIGN_OR_RETURN(SignedRecord sr, decodeSignedRecord(*raw));
      records.push_back(std::move(sr));
    }
    out.push_back(std::move(records));
  }
  return out;
}

// Applies `feeds` to a fresh store through the real core: in feed order when `rng` is null, else
// in a random interleaving that keeps each feed's order, in batches of 1–8.
Result<Hash256> replay(const SignedCertificate& anchor,
                       std::span<const SignedCertificate> certificates,
                       const std::vector<std::vector<SignedRecord>>& feeds, std::mt19937_64* rng) {
  MemoryStore fresh;
  GOVBUS_ASSIGN_OR_RETURN(auto replica, Replica::open(fresh, anchor));
  GOVBUS_TRY(replica->ingest(std::vector<SignedRecord>{}, certificates));
  std::vector<SignedRecord> order;
  if (rng == nullptr) {
    for (const auto& f : feeds) order.insert(order.end(), f.begin(), f.end());
  } else {
    std::vector<size_t> next(feeds.size(), 0), live;
    for (size_t i = 0; i < feeds.size(); ++i) {
      if (!feeds[i].empty()) live.push_back(i);
    }
    while (!live.empty()) {
      size_t pick = std::uniform_int_distribution<size_t>(0, live.size() - 1)(*rng);
      size_t f = live[pick];
      order.push_back(feeds[f][next[f]++]);
      if (next[f] == feeds[f].size()) live.erase(live.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  for (size_t at = 0; at < order.size();) {
    size_t n = rng == nullptr ? order.size() : std::uniform_int_distribution<size_t>(1, 8)(*rng);
    n = std::min(n, order.size() - at);
    std::vector<SignedRecord> batch(order.begin() + static_cast<std::ptrdiff_t>(at),
                                    order.begin() + static_cast<std::ptrdiff_t>(at + n));
    GOVBUS_ASSIGN_OR_RETURN(BatchResult r, replica->ingest(std::move(batch)));
    for (const IngestResult& one : r.results) {
      if (one.outcome == IngestOutcome::kRejected || one.outcome == IngestOutcome::kFork) {
        return makeError(ErrorCode::kStorage,
                         "replay: " + one.author + "#" + std::to_string(one.seq) + " not stored" +
                             (one.error ? " (" + one.error->message + ")" : ""));
      }
    }
    at += n;
  }
  return replica->digest();
}

// The node a record is about, as the root sees it: a case's region, a complaint's target, a
// delegation's grantee, a fork report's or certificate's subject; else its author. A verdict
// depends on records of that node's feed and its ancestors', so every node whose scope covers it
// (the node, its ancestors, its descendants) can judge the record; a node outside cannot (a city
// holds the province's order about a case in another city's county, not the case).
std::string subjectOf(FeedReader& root, const RecordRef& ref) {
  auto raw = root.record(ref.author, ref.seq);
  if (!raw || !*raw) return ref.author;
  auto sr = decodeSignedRecord(**raw);
  auto rec = sr ? decodeRecordBody(sr->body) : Result<Record>(sr.error());
  if (!rec) return ref.author;
  auto caseRegion = [&](const std::string& caseId) {
    auto c = StateEngine::caseSummary(root, caseId);
    return c && *c && !(*c)->region.empty() ? (*c)->region : ref.author;
  };
  auto complaintTarget = [&](const std::string& id) {
    std::string out = ref.author;
    (void)StateEngine::forEachComplaint(root, [&](const ComplaintSummary& c) {
      if (c.complaintId != id) return true;
      if (!c.against.empty()) out = c.against;
      return false;
    });
    return out;
  };
  return std::visit(
      [&](const auto& p) -> std::string {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, CaseEvent>) {
          return p.type == CaseEventType::kReceived && !p.received.region.empty()
                     ? p.received.region
                     : caseRegion(p.caseId);
        } else if constexpr (std::is_same_v<T, SupervisionOrder>) {
          return caseRegion(p.caseId);
        } else if constexpr (std::is_same_v<T, Complaint>) {
          return p.against.empty() ? ref.author : p.against;
        } else if constexpr (std::is_same_v<T, ComplaintUpdate>) {
          return complaintTarget(p.complaintId);
        } else if constexpr (std::is_same_v<T, Delegation>) {
          return p.grantee;
        } else if constexpr (std::is_same_v<T, DelegationRevocation>) {
          return subjectOf(root, p.delegation);
        } else if constexpr (std::is_same_v<T, ForkReport>) {
          return p.author;
        } else if constexpr (std::is_same_v<T, KeyRevocation>) {
          return p.subject;
        } else if constexpr (std::is_same_v<T, SignedCertificate>) {
          auto c = decodeCertificateBody(p.body);
          return c ? c->subject : ref.author;
        } else {
          return ref.author;
        }
      },
      rec->payload);
}

}  // namespace

Result<std::vector<SignedCertificate>> storedCertificates(FeedReader& view) {
  GOVBUS_ASSIGN_OR_RETURN(std::vector<Bytes> raw, view.certificates());
  std::vector<SignedCertificate> out;
  for (const Bytes& b : raw) {
    GOVBUS_ASSIGN_OR_RETURN(SignedCertificate c, decodeSignedCertificate(b));
    out.push_back(std::move(c));
  }
  return out;
}

Result<Invariant> checkOrderIndependence(FeedReader& root, const SignedCertificate& anchor,
                                         std::vector<SignedCertificate> certificates,
                                         std::span<const StoreUnderCheck> nodes,
                                         const ScopeFn& inScope, uint64_t seed, int shuffles) {
  // Issuers before the certificates they issued: a shorter subject code is higher in the tree.
  std::vector<std::pair<std::string, SignedCertificate>> keyed;
  for (SignedCertificate& c : certificates) {
    GOVBUS_ASSIGN_OR_RETURN(Certificate body, decodeCertificateBody(c.body));
    std::string key = body.subject;
    while (!key.empty() && key.back() == '0') key.pop_back();
    keyed.emplace_back(std::to_string(key.size() + 100) + body.subject, std::move(c));
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  certificates.clear();
  for (auto& [k, c] : keyed) certificates.push_back(std::move(c));

  GOVBUS_ASSIGN_OR_RETURN(auto rootHeads, root.heads());
  std::mt19937_64 rng(seed);
  size_t equal = 0, replays = 0;
  uint64_t records = 0;
  std::string firstMismatch;
  for (const StoreUnderCheck& n : nodes) {
    std::vector<std::pair<std::string, FeedHead>> scope;
    for (const auto& [feed, head] : rootHeads) {
      if (inScope(n.code, feed)) scope.emplace_back(feed, head);
    }
    GOVBUS_ASSIGN_OR_RETURN(auto feeds, recordsOf(root, scope));
    GOVBUS_ASSIGN_OR_RETURN(Hash256 actual, StateEngine::digest(*n.view));
    for (int i = 0; i <= shuffles; ++i) {
      auto expected = replay(anchor, certificates, feeds, i == 0 ? nullptr : &rng);
      ++replays;
      for (const auto& f : feeds) records += f.size();
      if (expected && *expected == actual) {
        ++equal;
      } else if (firstMismatch.empty()) {
        firstMismatch = n.code +
                        (i == 0 ? " in feed order" : " in shuffled order " + std::to_string(i)) +
                        (expected ? "" : ": " + expected.error().message);
      }
    }
  }
  std::string orders = shuffles == 0 ? "in feed order"
                                     : "in feed order and " + std::to_string(shuffles) +
                                           " shuffled interleavings each";
  return Invariant{"4 order independence", equal == replays,
                   std::to_string(equal) + "/" + std::to_string(replays) + " replays of " +
                       std::to_string(nodes.size()) + " nodes' scopes (" + std::to_string(records) +
                       " records in all) " + orders + " give the node's digest" +
                       (firstMismatch.empty() ? "" : "; first mismatch: " + firstMismatch)};
}

Result<Invariant> checkAuthoritySafety(const std::string& rootCode, FeedReader& root,
                                       std::span<const StoreUnderCheck> nodes,
                                       const ScopeFn& inScope) {
  // (a) Every acceptance a node judges valid was by a holder of the item as its frontier had seen
  // things — recomputed from that node's raw records by the separate reference model
  // (testnet/reference.h), not by the AuthorityState that produced the verdict.
  uint64_t acceptances = 0, unauthorised = 0;
  std::string firstUnauthorised;
  for (const StoreUnderCheck& n : nodes) {
    FeedReader& view = *n.view;
    GOVBUS_ASSIGN_OR_RETURN(Reference reference, Reference::build(view, rootCode));
    std::map<std::string, std::string> itemOf;  // case id → item of its valid `received`
    for (const Reference::Stored& r : reference.records()) {
      const auto* e = std::get_if<CaseEvent>(&r.payload);
      if (!e || e->type != CaseEventType::kReceived) continue;
      GOVBUS_ASSIGN_OR_RETURN(VoidReason v, StateEngine::verdict(view, r.ref));
      if (v == VoidReason::kNone) itemOf.try_emplace(e->caseId, e->received.item);
    }
    for (const Reference::Stored& r : reference.records()) {
      const auto* e = std::get_if<CaseEvent>(&r.payload);
      if (!e || e->type != CaseEventType::kAccepted) continue;
      GOVBUS_ASSIGN_OR_RETURN(VoidReason v, StateEngine::verdict(view, r.ref));
      if (v != VoidReason::kNone) continue;
      ++acceptances;
      auto item = itemOf.find(e->caseId);
      if (item == itemOf.end() ||
          !reference.holds(r.ref.author, item->second, r.envelope.wallTimeMs, r.envelope)) {
        ++unauthorised;
        if (firstUnauthorised.empty())
          firstUnauthorised = r.ref.author + "#" + std::to_string(r.ref.seq) + " accepting " +
                              e->caseId + " at " + n.code;
      }
    }
  }
  // (b) Verdicts agree wherever a record is held twice.
  std::vector<std::map<RecordRef, VoidReason>> voids(nodes.size());
  std::vector<std::map<std::string, uint64_t>> heads(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    GOVBUS_TRY(StateEngine::forEachVoid(*nodes[i].view, [&](const RecordRef& r, VoidReason why) {
      voids[i][r] = why;
      return true;
    }));
    GOVBUS_ASSIGN_OR_RETURN(auto h, nodes[i].view->heads());
    for (const auto& [feed, head] : h) heads[i][feed] = head.seq;
  }
  uint64_t voidHeld = 0, disagreements = 0;
  std::map<std::string, uint64_t> byReason;
  std::map<RecordRef, std::string> subjects;
  std::string first;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& [ref, why] : voids[i]) {
      auto [s, fresh] = subjects.try_emplace(ref);
      if (fresh) s->second = subjectOf(root, ref);
      const std::string& subject = s->second;
      for (size_t j = 0; j < nodes.size(); ++j) {
        if (j == i || !inScope(nodes[i].code, subject) || !inScope(nodes[j].code, subject))
          continue;
        auto h = heads[j].find(ref.author);
        if (h == heads[j].end() || h->second < ref.seq) continue;
        auto other = voids[j].find(ref);
        VoidReason there = other == voids[j].end() ? VoidReason::kNone : other->second;
        ++voidHeld;
        if (there != why) {
          ++disagreements;
          if (first.empty()) {
            first = ref.author + "#" + std::to_string(ref.seq) + " is " +
                    std::string(voidReasonName(why)) + " at " + nodes[i].code + " but " +
                    (there == VoidReason::kNone ? "valid" : std::string(voidReasonName(there))) +
                    " at " + nodes[j].code;
          }
        }
      }
      ++byReason[std::string(voidReasonName(why))];
    }
  }
  std::string reasons;
  for (const auto& [r, n] : byReason)
    reasons += (reasons.empty() ? "" : ", ") + r + " " + std::to_string(n);
  return Invariant{
      "5 authority safety", unauthorised == 0 && disagreements == 0,
      std::to_string(acceptances) + " valid acceptances at " + std::to_string(nodes.size()) +
          " nodes, " + std::to_string(unauthorised) +
          " without authority per the judging node's frontier; " + std::to_string(voidHeld) +
          " checks of a void record at another node holding it and the feeds it depends on, " +
          std::to_string(disagreements) + " with another verdict" +
          (reasons.empty() ? "" : " (void per node: " + reasons + ")") +
          (first.empty() ? "" : "; first: " + first) +
          (firstUnauthorised.empty() ? "" : "; first unauthorised: " + firstUnauthorised)};
}

Result<std::vector<ForkFinding>> findForks(std::span<const StoreUnderCheck> nodes) {
  std::vector<ForkFinding> out;
  for (const StoreUnderCheck& n : nodes) {
    GOVBUS_ASSIGN_OR_RETURN(std::vector<ForkEvidence> forks, n.view->forks());
    for (const ForkEvidence& f : forks) out.push_back(ForkFinding{n.code, f.author, f.seq});
  }
  return out;
}

Result<std::set<std::string>> forkReportersAbout(FeedReader& view, const std::string& author) {
  std::set<std::string> out;
  GOVBUS_ASSIGN_OR_RETURN(auto heads, view.heads());
  for (const auto& [feed, head] : heads) {
    for (uint64_t s = 1; s <= head.seq; ++s) {
      GOVBUS_ASSIGN_OR_RETURN(std::optional<ByteView> raw, view.record(feed, s));
      if (!raw) continue;
      auto sr = decodeSignedRecord(*raw);
      auto rec = sr ? decodeRecordBody(sr->body) : Result<Record>(sr.error());
      if (!rec) continue;
      const auto* f = std::get_if<ForkReport>(&rec->payload);
      if (f == nullptr || f->author != author) continue;
      GOVBUS_ASSIGN_OR_RETURN(VoidReason v, StateEngine::verdict(view, RecordRef{feed, s}));
      if (v == VoidReason::kNone) out.insert(feed);
    }
  }
  return out;
}

}  // namespace govbus::testnet
