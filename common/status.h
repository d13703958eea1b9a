// Status and Result<T>: errors are values in ramette (LevelDB style). Exceptions are used only
// for bad configuration at start-up and are caught in main.
#ifndef RAMETTE_COMMON_STATUS_H_
#define RAMETTE_COMMON_STATUS_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ramette {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,     // bad input (a record, a CSV row, a flag)
    kNotFound,            // a named thing does not exist
    kFailedPrecondition,  // the operation is not allowed in the current state
    kIoError,             // the file system or database failed
    kCorruption,          // stored data is not what ramette wrote
    kUnavailable,         // a peer could not be reached; retrying may help
    kInternal,            // a bug
    kUnauthenticated,     // no valid credential (missing, unknown or revoked agent token)
    kPermissionDenied,    // a valid credential that does not allow this (another server id)
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return Status(Code::kInvalidArgument, std::move(m));
  }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status FailedPrecondition(std::string m) {
    return Status(Code::kFailedPrecondition, std::move(m));
  }
  static Status IoError(std::string m) { return Status(Code::kIoError, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }
  static Status Unauthenticated(std::string m) {
    return Status(Code::kUnauthenticated, std::move(m));
  }
  static Status PermissionDenied(std::string m) {
    return Status(Code::kPermissionDenied, std::move(m));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The same code with `context` before the message ("context: message").
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }
  // "OK" or the message alone: messages are written to be shown to a person as they are.
  std::string ToString() const { return ok() ? std::string("OK") : message_; }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none. A Result built from an OK status is
// a bug (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
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

}  // namespace ramette

#define RAMETTE_RETURN_IF_ERROR(expr) \
  do {                                \
    ::ramette::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)

#endif  // RAMETTE_COMMON_STATUS_H_
