// libFuzzer target: a node's TOML config file (node/node_config.h).
//
// Oracles beyond "no crash": a refusal names the file; an accepted config has a valid division
// code, paths under the config's directory when given relative, and a loopback API unless it
// opted in to a remote one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "node/node_config.h"
#include "protocol/division_code.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace govbus;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto c = parseNodeConfig(text, "/etc/govbus", "fuzz.toml");
  if (!c) {
    if (c.error().message.find("fuzz.toml") == std::string::npos) std::abort();
    return 0;
  }
  if (!DivisionCode::parse(c->code)) std::abort();
  if (c->dataDir.empty() || c->keyFile.empty() || c->anchorFile.empty()) std::abort();
  if (!c->apiAllowRemote && !isLoopbackHost(c->apiHost)) std::abort();
  return 0;
}
