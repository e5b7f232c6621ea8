// libFuzzer target: the contents of a key file.
//
// Oracle beyond "no crash": a parsed key written back in the canonical format parses to the same
// key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "crypto/key_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace govbus;
  auto key = parseSigningKey(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!key) return 0;
  auto again = parseSigningKey("govbus-ed25519-seed-v1\n" + toHex(key->seed()) + "\n");
  if (!again || !(again->publicKey() == key->publicKey())) std::abort();
  return 0;
}
