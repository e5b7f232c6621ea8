// Text from the operator's files (catalogs, calendars), checked and quoted for messages, and the
// problem a file check reports: one place, so that every file names its problems the same way.
//
// Thread safety: free functions over values.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace govbus::admin {

// One thing wrong with a file, named so that the operator can find it.
struct FileProblem {
  size_t line = 0;    // CSV: the line where the row starts (1 is the header); JSON: 0
  size_t index = 0;   // JSON: the item's position in the list, from 0; CSV: unused
  std::string field;  // the column or field; "row" for the row as a whole, "file" for the file
  std::string rule;   // what is wrong and what it must be
  // "line 7" (CSV) or "items[3]" (JSON); "file" for a problem of the whole file.
  std::string location() const;
};

// The whole of an operator's file, refused (kTooLarge) past `maxBytes`; `what` names the kind of
// file in the message ("a catalog file").
Result<std::string> readSmallFile(const std::filesystem::path& file, size_t maxBytes,
                                  std::string_view what);

// Length of the UTF-8 sequence at `text[pos]`, or 0 when it is not a well-formed one.
size_t utf8Length(std::string_view text, size_t pos);
bool isValidUtf8(std::string_view text);
bool hasControl(std::string_view text);
// A value as it can be shown in a message: quoted, at most 60 bytes, bytes that are not printable
// UTF-8 as \xNN (so a message is always valid UTF-8 and one line).
std::string shown(std::string_view value);
// A JSON key as a field name: plain names as they are, anything else quoted and escaped.
std::string keyName(const std::string& key);
// Without surrounding spaces and tabs.
std::string trim(std::string_view s);
// ASCII letters in lower case.
std::string lower(std::string s);

}  // namespace govbus::admin
