// Key files: a node's secret key on disk, readable by its owner only.
//
// Format (text, one line each): "govbus-ed25519-seed-v1" then the 32-byte seed in hex. The file is
// written atomically (temporary file, fsync, rename) with mode 0600, and loading refuses a file
// that group or others can read, as ssh does, because a leaked key lets anyone sign as the node.
#pragma once

#include <filesystem>

#include "base/result.h"
#include "crypto/keys.h"

namespace govbus {

// Fails if `path` already exists: a key is never overwritten by accident.
Status saveSigningKey(const std::filesystem::path& path, const SigningKey& key);
Result<SigningKey> loadSigningKey(const std::filesystem::path& path);

// Parses the file contents (exposed for tests and the fuzz target).
Result<SigningKey> parseSigningKey(std::string_view text);

}  // namespace govbus
