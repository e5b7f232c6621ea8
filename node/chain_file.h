// Certificate files: the trust anchor and a node's certificate chain on disk.
//
// Anchor file: one encoded SignedCertificate message (protocol/certificate_codec.h), nothing else —
// the province's self-signed certificate, installed on every node like a root CA.
//
// Chain file: the node's certificates from the anchor's child down to the node's own certificate,
// in that order (the anchor itself is not repeated; the province's chain file is empty or absent):
//   magic   8 bytes  "GBCHAIN1"
//   then, per certificate:
//     length  4 bytes, big-endian, 1 .. kMaxCertificateBytes
//     bytes   `length` bytes: one encoded SignedCertificate message
// Nothing may follow the last certificate. At most kMaxChainCertificates entries. Reading checks
// the structure only; whether the chain leads to the anchor is decided by crypto/certificate.h
// (verifyChain), so a chain file can be inspected before the anchor is known.
//
// Both are written atomically (temporary file, fsync, rename), mode 0644: certificates are public.
//
// Thread safety: free functions; concurrent writers of one path are the caller's problem.
#pragma once

#include <filesystem>
#include <span>
#include <vector>

#include "base/result.h"
#include "protocol/record.h"
#include "sync/authority.h"

namespace govbus {

inline constexpr std::string_view kChainFileMagic = "GBCHAIN1";
// A chain has one certificate per level below the anchor.
inline constexpr size_t kMaxChainCertificates = kMaxTreeDepth;

Result<SignedCertificate> readCertificateFile(const std::filesystem::path& path);
Status writeCertificateFile(const std::filesystem::path& path,
                            const SignedCertificate& certificate);

Result<std::vector<SignedCertificate>> readChainFile(const std::filesystem::path& path);
Status writeChainFile(const std::filesystem::path& path, std::span<const SignedCertificate> chain);

// The chain file's bytes (exposed for tests and for tools that send a chain over the wire).
Bytes encodeChain(std::span<const SignedCertificate> chain);
Result<std::vector<SignedCertificate>> decodeChain(ByteView bytes);

// Writes `contents` to `path` atomically with `mode` (temporary file in the same directory, fsync,
// rename over the target).
Status writeFileAtomically(const std::filesystem::path& path, ByteView contents, unsigned mode);
// Reads a whole file of at most `maxBytes`.
Result<Bytes> readSmallFile(const std::filesystem::path& path, size_t maxBytes);

}  // namespace govbus
