#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace govbus {

namespace {

constexpr std::string_view kHeader = "govbus-ed25519-seed-v1";

Error ioError(const std::filesystem::path& path, std::string_view what) {
  return makeError(ErrorCode::kIo, "key file " + path.string() + ": " + std::string(what) + ": " +
                                       std::strerror(errno));
}

}  // namespace

Result<SigningKey> parseSigningKey(std::string_view text) {
  auto nl = text.find('\n');
  if (nl == std::string_view::npos || text.substr(0, nl) != kHeader) {
    return makeError(ErrorCode::kMalformed,
                     "key file does not start with the line '" + std::string(kHeader) + "'");
  }
  std::string_view hex = text.substr(nl + 1);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) {
    hex.remove_suffix(1);
  }
  Bytes seed;
  if (hex.size() != 64 || !fromHex(hex, seed)) {
    return makeError(ErrorCode::kMalformed, "key file's second line must be 64 hex digits");
  }
  auto key = SigningKey::fromSeed(seed);
  std::fill(seed.begin(), seed.end(), 0);
  return key;
}

Status saveSigningKey(const std::filesystem::path& path, const SigningKey& key) {
  std::string contents = std::string(kHeader) + "\n" + toHex(key.seed()) + "\n";
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ioError(tmp, "cannot create");
  bool ok =
      ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
      ::fsync(fd) == 0;
  ::close(fd);
  std::fill(contents.begin(), contents.end(), '\0');
  if (!ok) {
    ::unlink(tmp.c_str());
    return ioError(tmp, "cannot write");
  }
  // link() refuses to replace an existing file, unlike rename(): never overwrite a key.
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    Error e = errno == EEXIST
                  ? makeError(ErrorCode::kIo, "key file " + path.string() +
                                                  " already exists; refusing to overwrite a key")
                  : ioError(path, "cannot create");
    ::unlink(tmp.c_str());
    return e;
  }
  ::unlink(tmp.c_str());
  return Status::Ok();
}

Result<SigningKey> loadSigningKey(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ioError(path, "cannot read");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", st.st_mode & 0777);
    return makeError(ErrorCode::kIo, "key file " + path.string() + " is readable by others (mode " +
                                         mode + "); run: chmod 600 " + path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ioError(path, "cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  auto key = parseSigningKey(text);
  std::fill(text.begin(), text.end(), '\0');
  if (!key) return makeError(key.error().code, path.string() + ": " + key.error().message);
  return key;
}

}  // namespace govbus
