// Small string helpers every layer needed and several re-implemented: ASCII
// case folding (locale-independent, so a Turkish locale cannot change how a
// header or an e-mail compares) and the shape of a SHA-256 as cordon writes
// it. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cordon {

// Hashes std::string and std::string_view alike, so that an unordered
// container keyed by std::string is searched with a view, without a copy
// (with std::equal_to<>).
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// 'A'–'Z' → 'a'–'z'; every other byte (UTF-8 included) unchanged.
char AsciiLower(char c);
std::string AsciiLower(std::string_view s);

// Equal once ASCII letters are folded; other bytes must match exactly.
bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b);

// Exactly 64 lowercase hex digits: a SHA-256 as cordon writes it (package
// ids, file digests). Uppercase is refused: one id has one spelling.
bool IsHex64(std::string_view s);
// The 1-based line of the first byte that is not plain ASCII text (printable,
// tab, CR, LF), or 0 when there is none: configuration files given to toml++
// are checked with it first (core/toml.h).
int FirstNonPlainAsciiLine(std::string_view text);

// Text from a file or a file name as a text report prints it: control
// characters (ESC, CR, newline…) as \xNN, so the text can neither forge
// report lines nor drive the terminal; a backslash is doubled so the escape
// is unambiguous. Other bytes (UTF-8 included) unchanged.
std::string PrintableText(std::string_view text);

// An e-mail address cordon stores, writes into a header or an SMTP
// envelope: an RFC 5321 dot-atom local part (at most 64 characters, no '%'
// or '!', which some relays route on) "@" a domain of letter, digit and
// hyphen labels (at most 253 characters); ASCII only. Quoted local parts,
// comments, display names and address literals are refused: whatever could
// carry a line break, a second address or a header must not get in.
bool IsMailAddress(std::string_view address);

}  // namespace cordon
