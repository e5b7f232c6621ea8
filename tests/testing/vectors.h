// Known-answer vectors: the JSON files in tests/vectors/ that pin the wire, the key file format,
// the void reason numbers and the state digest (tests/vectors/README.md describes each file).
//
// A vector test builds its values in code from fixed seeds, and compares them both ways with the
// file: encode → the file's bytes, and the file's bytes → decode → the same values and the same
// JSON rendering of their fields. The files are written only on purpose: run the test with
// GOVBUS_WRITE_VECTORS=1 and the test writes its file from the code instead of comparing (and says
// so). A changed vector is a protocol change (docs/PROTOCOL.md, "Compatibility").
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "protocol/certificate_codec.h"
#include "protocol/record.h"
#include "protocol/sync_codec.h"

namespace govbus::testing {

using Json = nlohmann::ordered_json;

// True when GOVBUS_WRITE_VECTORS=1: write the vector files instead of checking them.
bool writingVectors();

// Reads tests/vectors/<name>; an empty object (and a test failure) when it is missing or
// unparsable.
Json readVectors(const std::string& name);
// Writes tests/vectors/<name> (two-space indented, one trailing newline).
void writeVectors(const std::string& name, const Json& vectors);

// The fields of each value, as the files spell them: bytes as lower-case hex strings, enums by
// their schema names, absent optional references as null.
Json toJson(const Record& record);
Json toJson(const Certificate& certificate);
Json toJson(const SignedCertificate& certificate);
Json toJson(const SignedRecord& record);
Json toJson(const SyncMessage& message);

// The schema name of a case event (protocol/record.capnp): "received", "materialsRequested", …
std::string caseEventName(CaseEventType type);

// Hex helpers that fail the test on bad input.
std::string hex(ByteView bytes);
Bytes unhex(const Json& value);

}  // namespace govbus::testing
