// libFuzzer target: the contents of a secret file, read both as a node's key file and as the
// province's applicant key file (the same parser under two headers).
//
// Oracle beyond "no crash": a parsed secret written back in the canonical format parses to the
// same secret.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "crypto/applicant_key.h"
#include "crypto/key_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace govbus;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto key = parseSigningKey(text)) {
    auto again = parseSigningKey("govbus-ed25519-seed-v1\n" + toHex(key->seed()) + "\n");
    if (!again || !(again->publicKey() == key->publicKey())) std::abort();
  }
  if (auto key = parseApplicantKey(text)) {
    auto again = parseApplicantKey("govbus-applicant-key-v1\n" + toHex(key->bytes()) + "\n");
    if (!again || again->hash("x") != key->hash("x")) std::abort();
  }
  return 0;
}
