// libFuzzer target: one sync message (one ZeroMQ frame from a linked peer).
//
// Oracle beyond "no crash": a decoded message re-encodes to a frame that decodes to the same
// message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "protocol/limits.h"
#include "protocol/sync_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace govbus;
  auto message = decodeSyncMessage(ByteView(data, size));
  if (!message) return 0;
  Bytes again = encodeSyncMessage(*message);
  if (again.size() > kMaxSyncMessageBytes) return 0;  // aliasing inputs may re-encode larger
  auto reread = decodeSyncMessage(again);
  if (!reread || !(*reread == *message)) std::abort();
  return 0;
}
