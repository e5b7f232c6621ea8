#include "protocol/sync_codec.h"

#include <gtest/gtest.h>

#include <capnp/any.h>
#include <capnp/message.h>

#include <cstring>

#include "protocol/capnp_io.h"
#include "protocol/limits.h"
#include "protocol/record_codec.h"
#include "protocol/sync.capnp.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TestNetwork;

// --- helpers ---

void expectRoundTrip(const SyncMessage& message) {
  Bytes bytes = encodeSyncMessage(message);
  auto decoded = decodeSyncMessage(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->index(), message.index());
  EXPECT_TRUE(*decoded == message);
}

void expectError(ByteView bytes, ErrorCode code, std::string_view mentions = {}) {
  auto decoded = decodeSyncMessage(bytes);
  ASSERT_FALSE(decoded.ok()) << "decoded a message that should be rejected";
  EXPECT_EQ(errorCodeName(decoded.error().code), errorCodeName(code)) << decoded.error().message;
  if (!mentions.empty()) {
    EXPECT_NE(decoded.error().message.find(mentions), std::string::npos) << decoded.error().message;
  }
}

Bytes flat(capnp::MallocMessageBuilder& message) { return capnp_io::toFlatBytes(message); }

Bytes filled(size_t n, uint8_t value) { return Bytes(n, value); }

SignedRecord fakeRecord(size_t bodyBytes = 40, size_t signatureBytes = kSignatureBytes) {
  return SignedRecord{filled(bodyBytes, 0xab), filled(signatureBytes, 0x5a)};
}

// A Hello written directly with the schema's builder, so that tests can break any rule.
Bytes rawHello(std::string_view node, const std::vector<std::string>& frontierAuthors) {
  capnp::MallocMessageBuilder message;
  auto hello = message.initRoot<wire::SyncMessage>().initHello();
  hello.setProtocolVersion(kSyncProtocolVersion);
  hello.setNode(capnp_io::text(std::string(node)));
  auto frontier = hello.initFrontier(static_cast<unsigned>(frontierAuthors.size()));
  for (size_t i = 0; i < frontierAuthors.size(); ++i) {
    frontier[static_cast<unsigned>(i)].setAuthor(capnp_io::text(frontierAuthors[i]));
    frontier[static_cast<unsigned>(i)].setSeq(i + 1);
  }
  return flat(message);
}

// Cap'n Proto wire words, for messages the builder API cannot express (aliasing, cycles).
uint64_t structPointer(int32_t offsetWords, uint16_t dataWords, uint16_t pointers) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(offsetWords) << 2)) |
         (static_cast<uint64_t>(dataWords) << 32) | (static_cast<uint64_t>(pointers) << 48);
}
uint64_t listPointer(int32_t offsetWords, uint8_t elementSize, uint32_t count) {
  return 1u | (static_cast<uint64_t>(static_cast<uint32_t>(offsetWords) << 2)) |
         (static_cast<uint64_t>(elementSize) << 32) | (static_cast<uint64_t>(count) << 35);
}
constexpr uint8_t kByteElements = 2;
constexpr uint8_t kCompositeElements = 7;

// Single-segment framing around `segment`.
Bytes frame(const std::vector<uint64_t>& segment) {
  std::vector<uint64_t> words;
  words.push_back(static_cast<uint64_t>(segment.size()) << 32);  // one segment of this many words
  words.insert(words.end(), segment.begin(), segment.end());
  Bytes out(words.size() * 8);
  std::memcpy(out.data(), words.data(), out.size());  // little-endian host, as Cap'n Proto's wire
  return out;
}

// --- round trips ---

TEST(SyncCodec, RoundTripsHelloWithChainAndFrontier) {
  TestNetwork net;
  Hello hello;
  hello.node = "430102";
  hello.chain = net.chainOf("430102");
  ASSERT_EQ(hello.chain.size(), 2u);
  hello.frontier = {{"430000", 7}, {"430100", 3}, {"430102", 12}, {"430102001", 1}};
  expectRoundTrip(hello);
}

TEST(SyncCodec, RoundTripsEmptyHelloOfTheAnchor) {
  Hello hello;
  hello.node = "430000";
  expectRoundTrip(hello);
}

TEST(SyncCodec, RoundTripsRecordsBatchWithRealRecordsAndCertificates) {
  TestNetwork net;
  RecordsBatch batch;
  batch.certificates = net.chainOf("430211");
  for (uint64_t i = 0; i < 5; ++i) {
    batch.records.push_back(
        net.author("430211", testing::sampleCaseEvent("430211", i, 200 + 300 * i)));
  }
  expectRoundTrip(batch);

  // Each record inside the batch is byte-for-byte the signed form it was authored as.
  auto decoded = decodeSyncMessage(encodeSyncMessage(batch));
  ASSERT_TRUE(decoded.ok());
  const auto& records = std::get<RecordsBatch>(*decoded).records;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].body, batch.records[i].body);
    EXPECT_TRUE(decodeRecordBody(records[i].body).ok());
  }
}

TEST(SyncCodec, RoundTripsEmptyRecordsBatch) { expectRoundTrip(RecordsBatch{}); }

TEST(SyncCodec, RoundTripsAck) {
  expectRoundTrip(Ack{{{"430100", 1}, {"430102", 99}, {"430103", 18'446'744'073'709'551'615ull}}});
  expectRoundTrip(Ack{});
}

TEST(SyncCodec, RoundTripsPing) {
  expectRoundTrip(Ping{0, 0});
  expectRoundTrip(Ping{0xfedcba9876543210ull, -1});
  expectRoundTrip(Ping{42, testing::kTestEpochMs});
}

TEST(SyncCodec, RoundTripsReconnect) { expectRoundTrip(Reconnect{}); }

TEST(SyncCodec, RoundTripsAnyProtocolVersionForSyncToJudge) {
  Hello hello;
  hello.node = "430000";
  hello.protocolVersion = 0xffffffffu;
  expectRoundTrip(hello);
}

TEST(SyncCodec, EncoderSortsFrontierSoThatDecodingAcceptsIt) {
  Ack ack{{{"430200", 2}, {"430000", 1}, {"430102", 3}}};
  auto decoded = decodeSyncMessage(encodeSyncMessage(ack));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  Frontier expected = {{"430000", 1}, {"430102", 3}, {"430200", 2}};
  EXPECT_EQ(std::get<Ack>(*decoded).frontier, expected);
}

TEST(SyncCodec, DecodesUnalignedInput) {
  Bytes bytes = encodeSyncMessage(Ping{7, 8});
  Bytes shifted(bytes.size() + 1);
  std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
  auto decoded = decodeSyncMessage(ByteView(shifted).subspan(1));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(std::get<Ping>(*decoded), (Ping{7, 8}));
}

TEST(SyncCodec, DecodesBatchAtTheRecordCountLimit) {
  RecordsBatch batch;
  batch.records.assign(kMaxRecordsPerBatch, fakeRecord(8));
  auto decoded = decodeSyncMessage(encodeSyncMessage(batch));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(std::get<RecordsBatch>(*decoded).records.size(), kMaxRecordsPerBatch);
}

TEST(SyncCodec, DecodesRecordBodyAtTheByteLimit) {
  RecordsBatch batch;
  batch.records.push_back(fakeRecord(kMaxRecordBodyBytes));
  expectRoundTrip(batch);
}

// --- framing ---

TEST(SyncCodec, RejectsEmptyInput) {
  expectError(ByteView(), ErrorCode::kMalformed, "8-byte words");
}

TEST(SyncCodec, RejectsSizeThatIsNotWholeWords) {
  Bytes bytes = encodeSyncMessage(Ping{1, 2});
  bytes.push_back(0);
  expectError(bytes, ErrorCode::kMalformed, "8-byte words");
  expectError(ByteView(bytes).first(13), ErrorCode::kMalformed, "8-byte words");
}

TEST(SyncCodec, RejectsTruncatedMessage) {
  TestNetwork net;
  RecordsBatch batch;
  batch.records.push_back(net.author("430100", testing::sampleCaseEvent("430100", 1)));
  Bytes bytes = encodeSyncMessage(batch);
  for (size_t cut = 8; cut < bytes.size(); cut += 8) {
    SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
    expectError(ByteView(bytes).first(cut), ErrorCode::kMalformed);
  }
}

TEST(SyncCodec, RejectsTrailingBytes) {
  Bytes bytes = encodeSyncMessage(Ping{1, 2});
  bytes.resize(bytes.size() + 8, 0);
  expectError(bytes, ErrorCode::kMalformed, "trailing bytes");
}

TEST(SyncCodec, RejectsMessageOverTheFrameLimit) {
  Bytes bytes(kMaxSyncMessageBytes + 8, 0);
  expectError(bytes, ErrorCode::kTooLarge, "over the limit");
}

TEST(SyncCodec, RejectsHugeSegmentCountAndSize) {
  Bytes bytes = encodeSyncMessage(Ping{1, 2});
  // The first word holds (segment count - 1) and the first segment's size in words. (All ones in
  // the count wraps to one segment inside Cap'n Proto and reads as the same message: harmless,
  // since a frame's framing is never signed or stored as received.)
  for (uint32_t countMinusOne :
       {uint32_t{1}, uint32_t{511}, uint32_t{512}, uint32_t{0x7fffffff}, uint32_t{0xfffffffe}}) {
    SCOPED_TRACE("segment count - 1 = " + std::to_string(countMinusOne));
    Bytes hugeCount = bytes;
    std::memcpy(hugeCount.data(), &countMinusOne, 4);
    expectError(hugeCount, ErrorCode::kMalformed);
  }
  for (uint32_t size : {uint32_t{0x10000}, uint32_t{0x7fffffff}, uint32_t{0xffffffff}}) {
    SCOPED_TRACE("segment size " + std::to_string(size));
    Bytes hugeSize = bytes;
    std::memcpy(hugeSize.data() + 4, &size, 4);
    expectError(hugeSize, ErrorCode::kMalformed);
  }
}

// --- limits on lists and blobs ---

TEST(SyncCodec, RejectsTooManyRecordsInBatch) {
  RecordsBatch batch;
  batch.records.assign(kMaxRecordsPerBatch + 1, fakeRecord(8));
  expectError(encodeSyncMessage(batch), ErrorCode::kTooLarge, "records.records");
}

TEST(SyncCodec, RejectsTooManyCertificates) {
  SignedCertificate cert{filled(8, 1), filled(kSignatureBytes, 2)};
  RecordsBatch batch;
  batch.certificates.assign(kMaxCertificatesPerMessage + 1, cert);
  expectError(encodeSyncMessage(batch), ErrorCode::kTooLarge, "records.certificates");

  Hello hello;
  hello.node = "430000";
  hello.chain.assign(kMaxCertificatesPerMessage + 1, cert);
  expectError(encodeSyncMessage(hello), ErrorCode::kTooLarge, "hello.chain");
}

TEST(SyncCodec, RejectsFrontierWithTooManyFeeds) {
  // Distinct valid 12-digit codes, already sorted: 430102001001, 430102001002, ...
  Ack ack;
  for (size_t i = 0; i <= kMaxFeedsPerFrontier; ++i) {
    char code[32];
    std::snprintf(code, sizeof code, "430102%03zu%03zu", 1 + i / 999, 1 + i % 999);
    ack.frontier.push_back({code, 1});
  }
  // The codes above must all be valid, or the test would pass for the wrong reason.
  Ack atLimit{Frontier(ack.frontier.begin(), ack.frontier.begin() + kMaxFeedsPerFrontier)};
  ASSERT_TRUE(decodeSyncMessage(encodeSyncMessage(atLimit)).ok());
  expectError(encodeSyncMessage(ack), ErrorCode::kTooLarge, "ack.frontier");
}

TEST(SyncCodec, RejectsRecordSignatureOfWrongLength) {
  for (size_t length : {size_t{0}, size_t{63}, size_t{65}, size_t{128}}) {
    SCOPED_TRACE("signature of " + std::to_string(length) + " bytes");
    RecordsBatch batch;
    batch.records = {fakeRecord(), fakeRecord(40, length)};
    expectError(encodeSyncMessage(batch), ErrorCode::kMalformed, "records.records[1]: signature");
  }
}

TEST(SyncCodec, RejectsCertificateSignatureOfWrongLength) {
  TestNetwork net;
  Hello hello;
  hello.node = "430102";
  hello.chain = net.chainOf("430102");
  hello.chain[1].signature.pop_back();
  expectError(encodeSyncMessage(hello), ErrorCode::kMalformed, "hello.chain[1]: signature");
}

TEST(SyncCodec, RejectsEmptyRecordBody) {
  RecordsBatch batch;
  batch.records = {fakeRecord(0)};
  expectError(encodeSyncMessage(batch), ErrorCode::kMalformed, "records.records[0]: body is empty");
}

TEST(SyncCodec, RejectsRecordBodyOverTheLimit) {
  RecordsBatch batch;
  batch.records = {fakeRecord(kMaxRecordBodyBytes + 1)};
  expectError(encodeSyncMessage(batch), ErrorCode::kTooLarge, "records.records[0]: body");
}

TEST(SyncCodec, RejectsCertificateBodyEmptyOrOverTheLimit) {
  RecordsBatch empty;
  empty.certificates = {SignedCertificate{{}, filled(kSignatureBytes, 1)}};
  expectError(encodeSyncMessage(empty), ErrorCode::kMalformed,
              "records.certificates[0]: body is empty");

  RecordsBatch large;
  large.certificates = {
      SignedCertificate{filled(kMaxCertificateBytes + 1, 1), filled(kSignatureBytes, 1)}};
  expectError(encodeSyncMessage(large), ErrorCode::kTooLarge, "records.certificates[0]: body");
}

// --- codes and frontiers ---

TEST(SyncCodec, RejectsBadNodeCode) {
  for (std::string_view node :
       {"", "43010", "4301020", "43010x", "430102000000000", "４３０１０２"}) {
    SCOPED_TRACE(std::string("node '") + std::string(node) + "'");
    expectError(rawHello(node, {}), ErrorCode::kMalformed, "hello.node");
  }
}

TEST(SyncCodec, KeepsEmbeddedNulSoThatACodeWithOneIsRejectedNotTruncated) {
  Hello hello;
  hello.node = std::string("430102\0", 7);
  expectError(encodeSyncMessage(hello), ErrorCode::kMalformed, "hello.node");

  Ack ack{{{std::string("430100\0"
                        "1",
                        8),
            1}}};
  expectError(encodeSyncMessage(ack), ErrorCode::kMalformed, "ack.frontier[0].author");
}

// Every codec reads codes through one helper (protocol/capnp_io.h), so a NUL byte in a division
// code is refused as such in a sync message, exactly as in a record or a certificate.
TEST(SyncCodec, ADivisionCodeWithANulByteIsRefusedForTheNulByte) {
  expectError(rawHello(std::string_view("4301\0"
                                        "2",
                                        6),
                       {}),
              ErrorCode::kMalformed, "hello.node: text contains a NUL byte");
  expectError(rawHello("430000", {std::string("4300\0"
                                              "0",
                                              6)}),
              ErrorCode::kMalformed, "hello.frontier[0].author: text contains a NUL byte");
}

TEST(SyncCodec, RejectsUnsortedFrontier) {
  expectError(rawHello("430000", {"430100", "430000"}), ErrorCode::kMalformed,
              "hello.frontier[1].author");
}

TEST(SyncCodec, RejectsRepeatedFeedInFrontier) {
  expectError(rawHello("430000", {"430000", "430100", "430100"}), ErrorCode::kMalformed,
              "hello.frontier[2].author");
}

TEST(SyncCodec, RejectsBadCodeInFrontier) {
  expectError(rawHello("430000", {"430000", "abc"}), ErrorCode::kMalformed,
              "hello.frontier[1].author");

  capnp::MallocMessageBuilder message;
  auto frontier = message.initRoot<wire::SyncMessage>().initAck().initFrontier(1);
  frontier[0].setAuthor("43");
  frontier[0].setSeq(1);
  expectError(flat(message), ErrorCode::kMalformed, "ack.frontier[0].author");
}

// --- hostile structure ---

TEST(SyncCodec, RejectsUnknownMessageKind) {
  capnp::MallocMessageBuilder message;
  message.initRoot<wire::SyncMessage>().initPing().setNonce(5);
  // The union discriminant is the first 16 bits of SyncMessage's data section; a newer version's
  // sixth kind would write 5 there.
  for (uint16_t kind : {uint16_t{5}, uint16_t{6}, uint16_t{0xffff}}) {
    SCOPED_TRACE("kind " + std::to_string(kind));
    auto data = message.getRoot<capnp::AnyStruct>().getDataSection();
    ASSERT_GE(data.size(), 2u);
    std::memcpy(data.begin(), &kind, sizeof kind);
    expectError(flat(message), ErrorCode::kUnknownKind, "unknown kind");
  }
}

TEST(SyncCodec, RejectsPointersThatAliasOneBlobBeyondTheTraversalBudget) {
  // A batch of N records whose body pointers all point at one 64 KiB blob: the frame is ~130 KiB,
  // but copying it out would read N * 64 KiB. The traversal limit must stop that amplification.
  constexpr uint32_t kRecords = kMaxRecordsPerBatch;
  constexpr uint32_t kBlobBytes = kMaxRecordBodyBytes;
  std::vector<uint64_t> seg;
  seg.push_back(structPointer(0, 1, 1));                             // 0: root → SyncMessage at 1
  seg.push_back(static_cast<uint64_t>(wire::SyncMessage::RECORDS));  // 1: discriminant
  seg.push_back(structPointer(0, 0, 2));  // 2: records → RecordsBatch at 3
  seg.push_back(0);                       // 3: certificates: null
  seg.push_back(listPointer(0, kCompositeElements, 2 * kRecords));     // 4: records → list at 5
  seg.push_back(structPointer(static_cast<int32_t>(kRecords), 0, 2));  // 5: composite tag
  const size_t firstElement = seg.size();
  const size_t signatureAt = firstElement + 2 * kRecords;
  const size_t blobAt = signatureAt + kSignatureBytes / 8;
  for (size_t i = 0; i < kRecords; ++i) {
    size_t body = firstElement + 2 * i;
    seg.push_back(
        listPointer(static_cast<int32_t>(blobAt - (body + 1)), kByteElements, kBlobBytes));
    seg.push_back(listPointer(static_cast<int32_t>(signatureAt - (body + 2)), kByteElements,
                              kSignatureBytes));
  }
  seg.resize(blobAt + kBlobBytes / 8, 0x4242424242424242ull);
  Bytes bytes = frame(seg);
  ASSERT_LT(bytes.size(), 200u * 1024);
  expectError(bytes, ErrorCode::kMalformed, "traversal limit");

  // The same construction with two records stays within the budget and decodes: the limit is
  // what rejected the large one, not the aliasing itself.
  std::vector<uint64_t> small(seg.begin(), seg.begin() + static_cast<ptrdiff_t>(firstElement));
  small[4] = listPointer(0, kCompositeElements, 4);
  small[5] = structPointer(2, 0, 2);
  const size_t smallSignatureAt = firstElement + 4;
  const size_t smallBlobAt = smallSignatureAt + kSignatureBytes / 8;
  for (size_t i = 0; i < 2; ++i) {
    size_t body = firstElement + 2 * i;
    small.push_back(
        listPointer(static_cast<int32_t>(smallBlobAt - (body + 1)), kByteElements, kBlobBytes));
    small.push_back(listPointer(static_cast<int32_t>(smallSignatureAt - (body + 2)), kByteElements,
                                kSignatureBytes));
  }
  small.resize(smallBlobAt + kBlobBytes / 8, 0x4242424242424242ull);
  auto decoded = decodeSyncMessage(frame(small));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(std::get<RecordsBatch>(*decoded).records.size(), 2u);
}

TEST(SyncCodec, RejectsPointerCycle) {
  // SyncMessage.ack points back at the root struct itself; Ack.frontier is then that same pointer.
  std::vector<uint64_t> seg = {
      structPointer(0, 1, 1),                         // 0: root → 1
      static_cast<uint64_t>(wire::SyncMessage::ACK),  // 1: discriminant
      structPointer(-2, 1, 1),                        // 2: ack → 1 (the root again)
  };
  expectError(frame(seg), ErrorCode::kMalformed);

  // A list whose element pointer points at the list's own pointer.
  std::vector<uint64_t> loop = {
      structPointer(0, 1, 1),                         // 0: root → 1
      static_cast<uint64_t>(wire::SyncMessage::ACK),  // 1
      structPointer(0, 0, 1),                         // 2: ack → 3
      listPointer(0, kCompositeElements, 2),          // 3: frontier → 4
      structPointer(1, 0, 2),                         // 4: tag: one entry, 0 data, 2 pointers
      structPointer(-3, 0, 2),                        // 5: author → 3 (a struct, not text)
      0,                                              // 6
  };
  expectError(frame(loop), ErrorCode::kMalformed);
}

TEST(SyncCodec, RejectsPointerOutOfTheSegment) {
  std::vector<uint64_t> seg = {
      structPointer(0, 1, 1),
      static_cast<uint64_t>(wire::SyncMessage::HELLO),
      structPointer(1'000'000, 1, 3),
  };
  expectError(frame(seg), ErrorCode::kMalformed);
}

TEST(SyncCodec, NullRootDecodesAsHelloWithoutNodeAndIsRejected) {
  expectError(frame({0}), ErrorCode::kMalformed, "hello.node");
}

}  // namespace
}  // namespace govbus
