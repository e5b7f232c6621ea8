#include "protocol/sync_codec.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "protocol/capnp_io.h"
#include "protocol/division_code.h"
#include "protocol/limits.h"
#include "protocol/record_codec.h"
#include "protocol/sync.capnp.h"

namespace govbus {

namespace {

using capnp_io::malformed;
using capnp_io::readCode;
using capnp_io::readMessage;

Error tooLarge(std::string_view field, std::string_view problem) {
  return makeError(ErrorCode::kTooLarge, std::string(field) + ": " + std::string(problem));
}

// "hello.chain" + 3 → "hello.chain[3]"; built only on the error path.
std::string indexed(std::string_view field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

// Counts are checked before any element is read, so an oversized list costs nothing to reject.
Status checkCount(size_t count, size_t limit, std::string_view field) {
  if (count > limit) {
    return tooLarge(
        field, std::to_string(count) + " entries exceed the limit of " + std::to_string(limit));
  }
  return Status::Ok();
}

// A body and a signature, as in SignedRecord and SignedCertificate: the limits differ, the rules
// do not. Signatures are checked for length only; verifying them is sync/'s job.
template <typename Reader>
Result<std::pair<Bytes, Bytes>> readSigned(Reader r, size_t maxBodyBytes, std::string_view field,
                                           size_t index) {
  auto body = r.getBody();
  if (body.size() > maxBodyBytes) {
    return tooLarge(indexed(field, index), "body of " + std::to_string(body.size()) +
                                               " bytes exceeds " + std::to_string(maxBodyBytes));
  }
  if (body.size() == 0) return malformed(indexed(field, index), "body is empty");
  auto signature = r.getSignature();
  if (signature.size() != kSignatureBytes) {
    return malformed(indexed(field, index), "signature must be " + std::to_string(kSignatureBytes) +
                                                " bytes, got " + std::to_string(signature.size()));
  }
  return std::make_pair(Bytes(body.begin(), body.end()), Bytes(signature.begin(), signature.end()));
}

Result<std::vector<SignedCertificate>> readCertificates(
    capnp::List<wire::SignedCertificate>::Reader list, std::string_view field) {
  GOVBUS_TRY(checkCount(list.size(), kMaxCertificatesPerMessage, field));
  std::vector<SignedCertificate> out;
  out.reserve(list.size());
  for (unsigned i = 0; i < list.size(); ++i) {
    GOVBUS_ASSIGN_OR_RETURN(auto parts, readSigned(list[i], kMaxCertificateBytes, field, i));
    out.push_back(SignedCertificate{std::move(parts.first), std::move(parts.second)});
  }
  return out;
}

Result<std::vector<SignedRecord>> readRecords(capnp::List<wire::SignedRecord>::Reader list,
                                              std::string_view field) {
  GOVBUS_TRY(checkCount(list.size(), kMaxRecordsPerBatch, field));
  std::vector<SignedRecord> out;
  out.reserve(list.size());
  for (unsigned i = 0; i < list.size(); ++i) {
    GOVBUS_ASSIGN_OR_RETURN(auto parts, readSigned(list[i], kMaxRecordBodyBytes, field, i));
    out.push_back(SignedRecord{std::move(parts.first), std::move(parts.second)});
  }
  return out;
}

// A feed frontier: one entry per feed, sorted by author, so that two frontiers compare in one pass
// and a repeated feed cannot claim two positions.
Result<Frontier> readFrontier(capnp::List<wire::FrontierEntry>::Reader list,
                              std::string_view field) {
  GOVBUS_TRY(checkCount(list.size(), kMaxFeedsPerFrontier, field));
  Frontier out;
  out.reserve(list.size());
  for (unsigned i = 0; i < list.size(); ++i) {
    auto entry = list[i];
    auto author = readCode(entry.getAuthor(), "author");
    if (!author) {
      return makeError(ErrorCode::kMalformed, indexed(field, i) + "." + author.error().message);
    }
    if (!out.empty() && !(out.back().author < *author)) {
      return malformed(indexed(field, i) + ".author",
                       "entries must be sorted by author without repeats, but " + *author +
                           " follows " + out.back().author);
    }
    out.push_back(FrontierEntry{std::move(*author), entry.getSeq()});
  }
  return out;
}

Result<SyncMessage> readHello(wire::Hello::Reader r) {
  Hello hello;
  hello.protocolVersion = r.getProtocolVersion();
  GOVBUS_ASSIGN_OR_RETURN(hello.node, readCode(r.getNode(), "hello.node"));
  GOVBUS_ASSIGN_OR_RETURN(hello.chain, readCertificates(r.getChain(), "hello.chain"));
  GOVBUS_ASSIGN_OR_RETURN(hello.frontier, readFrontier(r.getFrontier(), "hello.frontier"));
  return SyncMessage(std::move(hello));
}

Result<SyncMessage> readBatch(wire::RecordsBatch::Reader r) {
  RecordsBatch batch;
  GOVBUS_ASSIGN_OR_RETURN(batch.certificates,
                          readCertificates(r.getCertificates(), "records.certificates"));
  GOVBUS_ASSIGN_OR_RETURN(batch.records, readRecords(r.getRecords(), "records.records"));
  return SyncMessage(std::move(batch));
}

Result<SyncMessage> readSyncMessage(wire::SyncMessage::Reader r) {
  switch (r.which()) {
    case wire::SyncMessage::HELLO:
      return readHello(r.getHello());
    case wire::SyncMessage::RECORDS:
      return readBatch(r.getRecords());
    case wire::SyncMessage::ACK: {
      Ack ack;
      GOVBUS_ASSIGN_OR_RETURN(ack.frontier, readFrontier(r.getAck().getFrontier(), "ack.frontier"));
      return SyncMessage(std::move(ack));
    }
    case wire::SyncMessage::PING: {
      auto p = r.getPing();
      return SyncMessage(Ping{p.getNonce(), p.getSentMs()});
    }
    case wire::SyncMessage::RECONNECT:
      return SyncMessage(Reconnect{});
  }
  return makeError(ErrorCode::kUnknownKind, "sync message: unknown kind " +
                                                std::to_string(static_cast<int>(r.which())) +
                                                " (sent by a newer version?)");
}

// --- writing ---

capnp::Data::Reader dataOf(const Bytes& b) { return capnp::Data::Reader(b.data(), b.size()); }

// Explicit size: kj's implicit conversion from std::string goes through c_str() and would cut a
// string at an embedded NUL.
capnp::Text::Reader textOf(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

// Words for a Data blob and its pointer, rounded up: used to size the first segment so that a
// message is usually written as one segment without reallocation.
size_t blobWords(const Bytes& b) { return 1 + (b.size() + 7) / 8; }

template <typename Signed>
size_t signedWords(const std::vector<Signed>& items) {
  size_t words = 1;  // composite list tag
  for (const Signed& s : items) words += blobWords(s.body) + blobWords(s.signature);
  return words;
}

size_t frontierWords(const Frontier& frontier) {
  size_t words = 1;
  for (const FrontierEntry& e : frontier) words += 2 + (e.author.size() + 1 + 7) / 8;
  return words;
}

template <typename Builder, typename Signed>
void writeSigned(Builder list, const std::vector<Signed>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    list[static_cast<unsigned>(i)].setBody(dataOf(items[i].body));
    list[static_cast<unsigned>(i)].setSignature(dataOf(items[i].signature));
  }
}

// Takes a copy to sort: the decoder requires author order, callers need not keep it.
void writeFrontier(capnp::List<wire::FrontierEntry>::Builder list, Frontier frontier) {
  std::sort(frontier.begin(), frontier.end());
  for (size_t i = 0; i < frontier.size(); ++i) {
    list[static_cast<unsigned>(i)].setAuthor(textOf(frontier[i].author));
    list[static_cast<unsigned>(i)].setSeq(frontier[i].seq);
  }
}

struct SizeEstimate {
  size_t operator()(const Hello& h) const {
    return 4 + (h.node.size() + 8) / 8 + signedWords(h.chain) + frontierWords(h.frontier);
  }
  size_t operator()(const RecordsBatch& b) const {
    return 4 + signedWords(b.certificates) + signedWords(b.records);
  }
  size_t operator()(const Ack& a) const { return 4 + frontierWords(a.frontier); }
  size_t operator()(const Ping&) const { return 6; }
  size_t operator()(const Reconnect&) const { return 4; }
};

struct MessageWriter {
  wire::SyncMessage::Builder b;
  void operator()(const Hello& h) {
    auto n = b.initHello();
    n.setProtocolVersion(h.protocolVersion);
    n.setNode(textOf(h.node));
    writeSigned(n.initChain(static_cast<unsigned>(h.chain.size())), h.chain);
    writeFrontier(n.initFrontier(static_cast<unsigned>(h.frontier.size())), h.frontier);
  }
  void operator()(const RecordsBatch& r) {
    auto n = b.initRecords();
    writeSigned(n.initCertificates(static_cast<unsigned>(r.certificates.size())), r.certificates);
    writeSigned(n.initRecords(static_cast<unsigned>(r.records.size())), r.records);
  }
  void operator()(const Ack& a) {
    writeFrontier(b.initAck().initFrontier(static_cast<unsigned>(a.frontier.size())), a.frontier);
  }
  void operator()(const Ping& p) {
    auto n = b.initPing();
    n.setNonce(p.nonce);
    n.setSentMs(p.sentMs);
  }
  void operator()(const Reconnect&) { b.setReconnect(); }
};

}  // namespace

Result<SyncMessage> decodeSyncMessage(ByteView bytes) {
  return readMessage<wire::SyncMessage>(bytes, kMaxSyncMessageBytes, "sync message",
                                        readSyncMessage);
}

Bytes encodeSyncMessage(const SyncMessage& message) {
  size_t words = std::visit(SizeEstimate{}, message);
  capnp::MallocMessageBuilder builder(static_cast<unsigned>(std::min<size_t>(words, 1u << 28)));
  std::visit(MessageWriter{builder.initRoot<wire::SyncMessage>()}, message);
  return capnp_io::toFlatBytes(builder);
}

}  // namespace govbus
