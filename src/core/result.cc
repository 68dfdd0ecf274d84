#include "core/result.h"

#include <cstdio>
#include <cstdlib>

namespace cordon {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid-argument";
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kAlreadyExists:
      return "already-exists";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kTruncated:
      return "truncated";
    case ErrorCode::kAuthFailed:
      return "auth-failed";
    case ErrorCode::kNoMatch:
      return "no-match";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kLimitExceeded:
      return "limit-exceeded";
    case ErrorCode::kRefused:
      return "refused";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

void AbortOnBadResultAccess() {
  (void)std::fputs("cordon: internal error: value() of a Result holding an error\n", stderr);
  std::abort();
}

}  // namespace cordon
