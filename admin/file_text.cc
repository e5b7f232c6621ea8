#include "admin/file_text.h"

#include <algorithm>
#include <cstdint>
#include <fstream>

namespace govbus::admin {

namespace {
constexpr size_t kMaxShownBytes = 60;
}  // namespace

Result<std::string> readSmallFile(const std::filesystem::path& file, size_t maxBytes,
                                  std::string_view what) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    return makeError(
        ec == std::errc::no_such_file_or_directory ? ErrorCode::kNotFound : ErrorCode::kIo,
        "cannot read " + file.string() + ": " + ec.message());
  }
  if (size > maxBytes) {
    return makeError(ErrorCode::kTooLarge, file.string() + " is " + std::to_string(size) +
                                               " bytes; " + std::string(what) + " is at most " +
                                               std::to_string(maxBytes) + " (split it)");
  }
  std::ifstream in(file, std::ios::binary);
  std::string text(size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) {
    return makeError(ErrorCode::kIo, "cannot read " + file.string());
  }
  return text;
}

std::string FileProblem::location() const {
  if (field == "file") return "file";
  if (line > 0) return "line " + std::to_string(line);
  return "items[" + std::to_string(index) + "]";
}

size_t utf8Length(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b = byte(pos);
  if (b < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    cp = b & 0x0F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    cp = b & 0x07;
  } else {
    return 0;
  }
  if (pos + n > text.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

bool isValidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    size_t n = utf8Length(text, pos);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

bool hasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

std::string shown(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "'";
  size_t pos = 0;
  while (pos < value.size()) {
    if (pos >= kMaxShownBytes) {
      out += "…";
      break;
    }
    size_t n = utf8Length(value, pos);
    auto u = static_cast<unsigned char>(value[pos]);
    if (n == 0 || u < 0x20 || u == 0x7F) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
      ++pos;
    } else {
      out.append(value.substr(pos, n));
      pos += n;
    }
  }
  return out + "'";
}

std::string keyName(const std::string& key) {
  bool plain = !key.empty() && key.size() <= kMaxShownBytes &&
               std::all_of(key.begin(), key.end(), [](char c) {
                 return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_';
               });
  return plain ? key : shown(key);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace govbus::admin
