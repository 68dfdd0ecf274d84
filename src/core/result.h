// Errors as values: every fallible operation returns Result<T>, which holds
// either a value or an Error with a code and a message a person can act on.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace cordon {

// What went wrong, coarse enough for scripts (exit codes) and tests to rely on.
enum class ErrorCode {
  kInvalidArgument,  // the caller (or the user's flags) asked for something impossible
  kNotFound,         // a named file, key or entry does not exist
  kAlreadyExists,    // refusing to overwrite
  kIo,               // the operating system refused a read or write
  kMalformed,        // untrusted input does not follow its format
  kTruncated,        // untrusted input ends too early
  kAuthFailed,       // a MAC, AEAD tag or signature does not verify
  kNoMatch,          // none of the given keys can open this input
  kUnsupported,      // a well-formed input uses a feature cordon does not implement
  kLimitExceeded,    // untrusted input asks for more work or memory than allowed
  kRefused,          // policy says no: unsigned or expired order, order that does not fit
  kInternal,         // a library call failed unexpectedly
};

// Short stable name of a code ("malformed", "auth-failed", ...), used in --json output.
std::string_view ErrorCodeName(ErrorCode code);

// An error: a code, a message that says what failed (never secret or patient
// material), and optionally a hint that says what to do about it.
class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message, std::string hint = {})
      : code_(code), message_(std::move(message)), hint_(std::move(hint)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

  // Returns this error with "context: " prepended to the message, so an error
  // raised deep down names the file or stage it happened in.
  Error WithContext(std::string_view context) const {
    return Error(code_, std::string(context) + ": " + message_, hint_);
  }
  Error WithHint(std::string hint) const { return Error(code_, message_, std::move(hint)); }

 private:
  ErrorCode code_;
  std::string message_;
  std::string hint_;
};

// Accessing the wrong alternative of a Result (value() of an error, error()
// of a value) is a programming error, not an input error: it aborts.
[[noreturn]] void AbortOnBadResultAccess();

// A value of type T or an Error. Accessing value() of an error aborts: that is
// a programming error, not an input error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  // Not for Result<bool>, where `if (r)` would read as "true" but mean "no
  // error" (Statement::Step, CsvReader::Next, Predicate::Evaluate): write
  // r.ok() and *r there.
  explicit operator bool() const requires(!std::is_same_v<T, bool>) { return ok(); }

  T& value() & { return Checked(), std::get<0>(state_); }
  const T& value() const& { return Checked(), std::get<0>(state_); }
  T&& value() && { return Checked(), std::move(std::get<0>(state_)); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; like value() on an error, error() on a value aborts.
  const Error& error() const {
    if (ok()) AbortOnBadResultAccess();
    return std::get<1>(state_);
  }

 private:
  void Checked() const;
  std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // The error; error() of a success aborts (there is none to report).
  const Error& error() const {
    if (ok_) AbortOnBadResultAccess();
    return error_;
  }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

using Status = Result<void>;

template <typename T>
void Result<T>::Checked() const {
  if (!ok()) AbortOnBadResultAccess();
}

inline Status Ok() { return {}; }

}  // namespace cordon

// NOLINTBEGIN(bugprone-macro-parentheses): `decl` is a declaration, not an expression.
#define CORDON_CONCAT_INNER(a, b) a##b
#define CORDON_CONCAT(a, b) CORDON_CONCAT_INNER(a, b)

// CORDON_TRY(expr): returns the error of a Status/Result expression from the
// enclosing function.
#define CORDON_TRY(expr)                                             \
  do {                                                               \
    auto&& cordon_try_result_ = (expr);                              \
    if (!cordon_try_result_.ok()) return cordon_try_result_.error(); \
  } while (0)

// CORDON_ASSIGN_OR_RETURN(decl, expr): evaluates a Result<T>, returns its
// error, or moves its value into `decl` (e.g. `auto key`). It expands to
// three statements (so that `decl` is declared in the enclosing scope):
// never write it as the body of an unbraced if, else or loop.
#define CORDON_ASSIGN_OR_RETURN(decl, expr) \
  CORDON_ASSIGN_OR_RETURN_IMPL(CORDON_CONCAT(cordon_result_, __LINE__), decl, expr)
#define CORDON_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.error();                  \
  decl = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
