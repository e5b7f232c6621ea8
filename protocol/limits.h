// Limits on everything that comes from outside, with units in the names.
//
// These limits exist for security reasons: a peer or an API caller must not be able to make a node
// allocate, traverse or buffer without bound. The relations between them are checked at compile
// time so that changing one cannot silently break another.
#pragma once

#include <cstddef>
#include <cstdint>

namespace govbus {

// A record body (the signed bytes). Real records are a few hundred bytes; a case's materials list
// is the largest field.
inline constexpr size_t kMaxRecordBodyBytes = 64 * 1024;
// A SignedRecord message: body + 64-byte signature + Cap'n Proto framing.
inline constexpr size_t kMaxSignedRecordBytes = kMaxRecordBodyBytes + 512;
// A certificate body and its signed form.
inline constexpr size_t kMaxCertificateBytes = 4 * 1024;
// One sync message (one ZeroMQ frame).
inline constexpr size_t kMaxSyncMessageBytes = 16 * 1024 * 1024;
// Records in one batch message.
inline constexpr size_t kMaxRecordsPerBatch = 4096;
// Certificates in a hello chain or a batch.
inline constexpr size_t kMaxCertificatesPerMessage = 4096;
// Entries in a record's ancestor frontier: one per ancestor, and the tree is shallow.
inline constexpr size_t kMaxFrontierEntries = 16;
// Entries in a hello/ack frontier: one per feed held (a province holds every feed below it).
inline constexpr size_t kMaxFeedsPerFrontier = 65536;
// Feeds one witness record may list: a node witnesses its children, and a node has far fewer.
inline constexpr size_t kMaxWitnessFeeds = 1024;
// Dates in one year's working-day calendar list (holidays, or adjusted working days).
inline constexpr size_t kMaxCalendarDays = 366;
// Cap'n Proto nesting depth; our deepest path (ForkReport > SignedRecord > Data) is far below.
inline constexpr int kMaxNestingDepth = 16;
// Cap'n Proto traversal budget as a multiple of the message size: bounds amplification attacks
// where many pointers alias one large object.
inline constexpr uint64_t kTraversalWordsPerMessageWord = 4;
// Length of a division code: 6 digits (GB/T 2260) or 9/12 with township segments.
inline constexpr size_t kMaxDivisionCodeChars = 12;
// Any text field (names, reasons, material names).
inline constexpr size_t kMaxTextBytes = 4 * 1024;
// Case and complaint ids: short enough to index and show, long enough for any numbering scheme.
inline constexpr size_t kMaxIdBytes = 64;
// Any list of strings in a payload (materials).
inline constexpr size_t kMaxListItems = 256;

// How far one record's Lamport clock may be above its predecessor's in the same feed (and a feed's
// first record above 0). An honest author's clock is 1 + the highest it has stored, which grows by
// at most one per record written anywhere, so a jump this large needs 2^32 records in between; an
// author that wants to exhaust the 64-bit clock of the nodes storing its feed needs 2^32 records.
inline constexpr uint64_t kMaxLamportJump = uint64_t{1} << 32;

static_assert(kMaxSignedRecordBytes > kMaxRecordBodyBytes + 64, "room for signature and framing");
static_assert(UINT64_MAX / kMaxLamportJump >= (uint64_t{1} << 32) - 1,
              "exhausting the 64-bit clock takes some 2^32 records of maximal jumps");
static_assert(kMaxSyncMessageBytes >= 16 * kMaxSignedRecordBytes,
              "a batch holds several maximal records");
static_assert(kMaxTextBytes < kMaxRecordBodyBytes, "one text field fits in a record");
static_assert(kMaxWitnessFeeds * (kMaxDivisionCodeChars + 32) < kMaxRecordBodyBytes,
              "a full witness record fits in a record body");
static_assert(2 * kMaxCalendarDays * 24 < kMaxRecordBodyBytes, "a year's calendar fits");

}  // namespace govbus
