#include "protocol/capnp_io.h"

#include "protocol/division_code.h"

namespace govbus::capnp_io {

Error malformed(std::string_view field, std::string_view problem) {
  return makeError(ErrorCode::kMalformed, std::string(field) + ": " + std::string(problem));
}

Result<std::string> readText(capnp::Text::Reader text, std::string_view field, size_t maxBytes) {
  if (text.size() > maxBytes) {
    return malformed(field, "text of " + std::to_string(text.size()) + " bytes exceeds " +
                                std::to_string(maxBytes));
  }
  if (std::memchr(text.cStr(), '\0', text.size()) != nullptr)
    return malformed(field, "text contains a NUL byte");
  return std::string(text.cStr(), text.size());
}

Result<std::string> readCode(capnp::Text::Reader text, std::string_view field, bool optional) {
  if (optional && text.size() == 0) return std::string();
  GOVBUS_ASSIGN_OR_RETURN(std::string code, readText(text, field, kMaxDivisionCodeChars));
  auto parsed = DivisionCode::parse(code);
  if (!parsed) return malformed(field, parsed.error().message);
  return code;
}

}  // namespace govbus::capnp_io
