// Secret files: 32 secret bytes on disk, readable by their owner only.
//
// Format (text, one line each): a header line naming what the secret is ("govbus-ed25519-seed-v1",
// "govbus-applicant-key-v1"), then the 32 bytes in hex. Saving is atomic (temporary file, fsync,
// link) with mode 0600 and never replaces an existing file; loading refuses a file that group or
// others can read, as ssh does with its keys. Messages start with `what` ("key file", …).
#pragma once

#include <filesystem>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace govbus {

inline constexpr size_t kSecretBytes = 32;

// Fails if `path` already exists: a secret is never overwritten by accident.
Status saveSecretFile(const std::filesystem::path& path, std::string_view header, ByteView secret,
                      std::string_view what);
Result<Bytes> loadSecretFile(const std::filesystem::path& path, std::string_view header,
                             std::string_view what);
// Parses the file contents (exposed for tests and the fuzz targets).
Result<Bytes> parseSecretFile(std::string_view text, std::string_view header,
                              std::string_view what);

}  // namespace govbus
