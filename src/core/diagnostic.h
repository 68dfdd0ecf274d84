// The one place that decides how cordon talks to people: every message the
// CLI shows goes through these functions, so all wording has one voice
// ("cordon: error: …", then "cordon: hint: …"). The library never prints; it
// returns Errors and the CLI formats them here.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon {

// "cordon: error: <message>\n" plus "cordon: hint: <hint>\n" when there is one.
std::string FormatError(const Error& error);
std::string FormatWarning(std::string_view message);
std::string FormatNote(std::string_view message);

// The process exit code for an error, stable for scripts:
// 1 = failure (I/O, malformed input, limits), 2 = usage (bad flags or
// arguments), 3 = verification failed or refused (a MAC, tag or signature,
// no key matches, an order that is unsigned, expired or does not fit),
// 4 = refused to overwrite an existing file.
int ExitCodeFor(const Error& error);

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitVerification = 3;
inline constexpr int kExitExists = 4;

}  // namespace cordon
