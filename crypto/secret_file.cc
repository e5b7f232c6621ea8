#include "crypto/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace govbus {

namespace {

Error ioError(std::string_view what, const std::filesystem::path& path, std::string_view doing) {
  return makeError(ErrorCode::kIo, std::string(what) + " " + path.string() + ": " +
                                       std::string(doing) + ": " + std::strerror(errno));
}

}  // namespace

Result<Bytes> parseSecretFile(std::string_view text, std::string_view header,
                              std::string_view what) {
  auto nl = text.find('\n');
  if (nl == std::string_view::npos || text.substr(0, nl) != header) {
    return makeError(ErrorCode::kMalformed, std::string(what) + " does not start with the line '" +
                                                std::string(header) + "'");
  }
  std::string_view hex = text.substr(nl + 1);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) {
    hex.remove_suffix(1);
  }
  Bytes secret;
  if (hex.size() != 2 * kSecretBytes || !fromHex(hex, secret)) {
    return makeError(ErrorCode::kMalformed,
                     std::string(what) + "'s second line must be 64 hex digits");
  }
  return secret;
}

Status saveSecretFile(const std::filesystem::path& path, std::string_view header, ByteView secret,
                      std::string_view what) {
  std::string contents = std::string(header) + "\n" + toHex(secret) + "\n";
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ioError(what, tmp, "cannot create");
  bool ok =
      ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
      ::fsync(fd) == 0;
  ::close(fd);
  std::fill(contents.begin(), contents.end(), '\0');
  if (!ok) {
    ::unlink(tmp.c_str());
    return ioError(what, tmp, "cannot write");
  }
  // link() refuses to replace an existing file, unlike rename(): never overwrite a secret.
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    Error e = errno == EEXIST ? makeError(ErrorCode::kIo, std::string(what) + " " + path.string() +
                                                              " already exists; refusing to "
                                                              "overwrite it")
                              : ioError(what, path, "cannot create");
    ::unlink(tmp.c_str());
    return e;
  }
  ::unlink(tmp.c_str());
  return Status::Ok();
}

Result<Bytes> loadSecretFile(const std::filesystem::path& path, std::string_view header,
                             std::string_view what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ioError(what, path, "cannot read");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", st.st_mode & 0777);
    return makeError(ErrorCode::kIo, std::string(what) + " " + path.string() +
                                         " is readable by others (mode " + mode +
                                         "); run: chmod 600 " + path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ioError(what, path, "cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  auto secret = parseSecretFile(text, header, what);
  std::fill(text.begin(), text.end(), '\0');
  if (!secret) return makeError(secret.error().code, path.string() + ": " + secret.error().message);
  return secret;
}

}  // namespace govbus
