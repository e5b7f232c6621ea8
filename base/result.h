// Result<T> and Status: errors as values at module boundaries.
//
// An Error carries a machine-readable code (what metrics and callers switch on) and a specific,
// human-readable message (what an operator reads at 3 a.m.). Bugs are not errors: they are
// assertions. Both types are [[nodiscard]] so an ignored failure is a compile error under -Werror.
//
// Thread safety: value types; no shared state.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace govbus {

// Every way an operation can fail that a caller may want to tell apart. Keep names stable: they
// appear in metrics labels and in `govbus-admin --json` output.
enum class ErrorCode {
  kInvalidArgument,     // the caller's input breaks a documented rule
  kMalformed,           // outside bytes that do not parse within our limits
  kTooLarge,            // outside bytes over a size limit
  kUnknownKind,         // a union discriminant this build does not know
  kBadSignature,        // signature does not verify under the signer's key
  kUnknownSigner,       // no certificate for the claimed author / key serial
  kRevokedKey,          // the signer's key is revoked from this sequence on
  kExpiredCertificate,  // the record's time lies outside the certificate's validity
  kBadChain,            // certificate chain does not lead to the anchor, or breaks a region rule
  kBrokenLink,          // previous-hash does not match the stored predecessor
  kForked,              // the author equivocated: two records at one sequence
  kBufferFull,          // out-of-order buffer is at its bound; the sender must retry later
  kNotFound,
  kStorage,  // LMDB or file-system failure
  kMapFull,  // LMDB map is full; the operator must raise map_size
  kIo,
  kVersion,        // on-disk or on-wire version this build cannot read
  kBadClock,       // a record's Lamport clock or wall time breaks its feed's clock rules
  kQuotaExceeded,  // an author's records would take more of the store than its quota
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
};

inline Error makeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor): ergonomic returns
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& takeError() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

// Propagate an error from a Status or Result expression; `GOVBUS_TRY(x)` keeps call sites short
// without exceptions.
#define GOVBUS_TRY(expr)                                                   \
  do {                                                                     \
    auto govbus_try_status_ = (expr);                                      \
    if (!govbus_try_status_) return govbus_try_error_(govbus_try_status_); \
  } while (0)

template <typename T>
Error govbus_try_error_(const Result<T>& r) {
  return r.error();
}
inline Error govbus_try_error_(const Status& s) { return s.error(); }

// Unwrap a Result into `lhs`, or return its error.
#define GOVBUS_ASSIGN_OR_RETURN(lhs, expr)                               \
  auto GOVBUS_CONCAT_(govbus_res_, __LINE__) = (expr);                   \
  if (!GOVBUS_CONCAT_(govbus_res_, __LINE__))                            \
    return std::move(GOVBUS_CONCAT_(govbus_res_, __LINE__)).takeError(); \
  lhs = std::move(GOVBUS_CONCAT_(govbus_res_, __LINE__)).value()

#define GOVBUS_CONCAT_INNER_(a, b) a##b
#define GOVBUS_CONCAT_(a, b) GOVBUS_CONCAT_INNER_(a, b)

}  // namespace govbus
