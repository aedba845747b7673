// Errors as values. Every fallible lib/ function returns Status or Result<T>;
// exceptions from third-party libraries are caught at the boundary and turned
// into one of these codes. The code decides the process exit status
// (see util/exit_status.h); the message names its subject (file:line:col,
// table, connection with the password removed).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace csbridge {

enum class ErrorCode {
  kOk,
  kInvalidArgument,  // bad usage: unknown option value, malformed connection string
  kConfig,           // config or mapping file error (file:line:col)
  kNotFound,         // table, column, file or entity that does not exist
  kNotSupported,     // operation the backend does not offer (names the backend)
  kUnreachable,      // source/target could not be reached: host, auth, driver
  kIo,               // read/write failure of a local file
  kData,             // input data that cannot be parsed (names row/offset)
  kPermissionDenied, // the account may not read or write that object (a grant is missing)
  kConflict,         // another run holds what this one needs (the target's migration lock)
  kInternal,         // a bug: an invariant did not hold
};

const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "prefix: message" (keeps the code).
  Status with_context(const std::string& prefix) const {
    if (is_ok()) return *this;
    return Status(code_, prefix + ": " + message_);
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status config_error(std::string m) { return {ErrorCode::kConfig, std::move(m)}; }
inline Status not_found(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status not_supported(std::string m) { return {ErrorCode::kNotSupported, std::move(m)}; }
inline Status unreachable(std::string m) { return {ErrorCode::kUnreachable, std::move(m)}; }
inline Status io_error(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
inline Status data_error(std::string m) { return {ErrorCode::kData, std::move(m)}; }
inline Status internal_error(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }  // NOLINT

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace csbridge

// Propagates a non-ok Status from the enclosing function.
#define CSB_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::csbridge::Status csb_status_ = (expr);   \
    if (!csb_status_.is_ok()) return csb_status_; \
  } while (0)

#define CSB_CONCAT_INNER(a, b) a##b
#define CSB_CONCAT(a, b) CSB_CONCAT_INNER(a, b)
// Declares `lhs` from a Result, or returns its Status.
#define CSB_ASSIGN_OR_RETURN(lhs, expr)                                  \
  auto CSB_CONCAT(csb_result_, __LINE__) = (expr);                       \
  if (!CSB_CONCAT(csb_result_, __LINE__).is_ok())                        \
    return CSB_CONCAT(csb_result_, __LINE__).status();                   \
  lhs = std::move(CSB_CONCAT(csb_result_, __LINE__)).value()
