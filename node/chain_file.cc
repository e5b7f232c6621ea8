#include "node/chain_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "protocol/certificate_codec.h"
#include "protocol/limits.h"

namespace govbus {

namespace {

constexpr size_t kLengthBytes = 4;
// The largest chain file: magic plus maximal entries.
constexpr size_t kMaxChainFileBytes =
    kChainFileMagic.size() + kMaxChainCertificates * (kLengthBytes + kMaxCertificateBytes);

Error ioError(const std::filesystem::path& path, std::string_view what) {
  return makeError(ErrorCode::kIo,
                   path.string() + ": " + std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Status writeFileAtomically(const std::filesystem::path& path, ByteView contents, unsigned mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ioError(tmp, "cannot create");
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = ioError(tmp, "cannot write");
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    Error e = ioError(tmp, "cannot sync");
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = ioError(path, "cannot replace");
    ::unlink(tmp.c_str());
    return e;
  }
  return Status::Ok();
}

Result<Bytes> readSmallFile(const std::filesystem::path& path, size_t maxBytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError(path, "cannot open");
  Bytes out;
  uint8_t buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = ioError(path, "cannot read");
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > maxBytes) {
      ::close(fd);
      return makeError(ErrorCode::kTooLarge, path.string() + ": larger than " +
                                                 std::to_string(maxBytes) +
                                                 " bytes; not the expected file");
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

Result<SignedCertificate> readCertificateFile(const std::filesystem::path& path) {
  GOVBUS_ASSIGN_OR_RETURN(Bytes bytes, readSmallFile(path, kMaxCertificateBytes + 1024));
  auto cert = decodeSignedCertificate(bytes);
  if (!cert)
    return makeError(cert.error().code,
                     path.string() + ": not a certificate file: " + cert.error().message);
  return std::move(*cert);
}

Status writeCertificateFile(const std::filesystem::path& path,
                            const SignedCertificate& certificate) {
  return writeFileAtomically(path, encodeSignedCertificate(certificate), 0644);
}

Bytes encodeChain(std::span<const SignedCertificate> chain) {
  Bytes out(kChainFileMagic.begin(), kChainFileMagic.end());
  for (const SignedCertificate& c : chain) {
    Bytes one = encodeSignedCertificate(c);
    uint32_t n = static_cast<uint32_t>(one.size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
    out.insert(out.end(), one.begin(), one.end());
  }
  return out;
}

Result<std::vector<SignedCertificate>> decodeChain(ByteView bytes) {
  if (bytes.size() < kChainFileMagic.size() ||
      asChars(bytes.subspan(0, kChainFileMagic.size())) != kChainFileMagic) {
    return makeError(ErrorCode::kMalformed,
                     "not a certificate chain file (it does not start with " +
                         std::string(kChainFileMagic) + ")");
  }
  std::vector<SignedCertificate> chain;
  size_t at = kChainFileMagic.size();
  while (at < bytes.size()) {
    if (chain.size() == kMaxChainCertificates) {
      return makeError(ErrorCode::kTooLarge, "certificate chain has more than " +
                                                 std::to_string(kMaxChainCertificates) +
                                                 " certificates");
    }
    if (bytes.size() - at < kLengthBytes) {
      return makeError(ErrorCode::kMalformed, "certificate chain is truncated after certificate " +
                                                  std::to_string(chain.size()));
    }
    uint32_t n = 0;
    for (size_t i = 0; i < kLengthBytes; ++i) n = (n << 8) | bytes[at + i];
    at += kLengthBytes;
    if (n == 0 || n > kMaxCertificateBytes + 512 || n > bytes.size() - at) {
      return makeError(ErrorCode::kMalformed, "certificate " + std::to_string(chain.size() + 1) +
                                                  " of the chain has a bad length (" +
                                                  std::to_string(n) + ")");
    }
    auto cert = decodeSignedCertificate(bytes.subspan(at, n));
    if (!cert) {
      return makeError(cert.error().code, "certificate " + std::to_string(chain.size() + 1) +
                                              " of the chain: " + cert.error().message);
    }
    chain.push_back(std::move(*cert));
    at += n;
  }
  return chain;
}

Result<std::vector<SignedCertificate>> readChainFile(const std::filesystem::path& path) {
  GOVBUS_ASSIGN_OR_RETURN(Bytes bytes, readSmallFile(path, kMaxChainFileBytes));
  auto chain = decodeChain(bytes);
  if (!chain) return makeError(chain.error().code, path.string() + ": " + chain.error().message);
  return std::move(*chain);
}

Status writeChainFile(const std::filesystem::path& path, std::span<const SignedCertificate> chain) {
  if (chain.size() > kMaxChainCertificates) {
    return makeError(
        ErrorCode::kInvalidArgument,
        "a chain has at most " + std::to_string(kMaxChainCertificates) + " certificates");
  }
  return writeFileAtomically(path, encodeChain(chain), 0644);
}

}  // namespace govbus
