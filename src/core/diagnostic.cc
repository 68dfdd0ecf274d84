#include "core/diagnostic.h"

namespace cordon {

std::string FormatError(const Error& error) {
  std::string out = "cordon: error: " + error.message() + "\n";
  if (!error.hint().empty()) out += "cordon: hint: " + error.hint() + "\n";
  return out;
}

std::string FormatWarning(std::string_view message) {
  return "cordon: warning: " + std::string(message) + "\n";
}

std::string FormatNote(std::string_view message) {
  return "cordon: " + std::string(message) + "\n";
}

int ExitCodeFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    case ErrorCode::kAuthFailed:
    case ErrorCode::kNoMatch:
    case ErrorCode::kRefused:
      return kExitVerification;
    case ErrorCode::kAlreadyExists:
      return kExitExists;
    default:
      return kExitFailure;
  }
}

}  // namespace cordon
