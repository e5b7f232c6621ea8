// Record codec: SignedRecord and Record bodies between bytes and protocol/record.h types.
//
// Decoders take untrusted bytes and never crash or throw: they return kMalformed, kTooLarge or
// kUnknownKind with a message that names the field. A decoded record is structurally sound (sizes,
// lists, enum ranges, codes); whether it is *allowed* is for sync/ (integrity) and the core
// (validity).
//
// Thread safety: free functions over values.
#pragma once

#include "base/result.h"
#include "protocol/record.h"

namespace govbus {

inline constexpr size_t kSignatureBytes = 64;

// The stored and transmitted form of one record (a SignedRecord message).
Result<SignedRecord> decodeSignedRecord(ByteView bytes);
Bytes encodeSignedRecord(const SignedRecord& record);

// The signed body. decodeRecordBody validates the structure of every field it returns.
Result<Record> decodeRecordBody(ByteView body);
Bytes encodeRecordBody(const Record& record);

// The case id of a case event, reading nothing else of the record; empty for any other payload.
// For scans over stored records, which were validated in full when they were appended.
Result<std::string> caseEventIdOf(ByteView signedRecord);

// Decodes just the envelope (author, sequence, links), skipping payload validation: for hot paths
// that have already validated the body once (reading the own store).
Result<Envelope> decodeEnvelope(ByteView body);

}  // namespace govbus
