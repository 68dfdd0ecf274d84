// Character encodings of legacy exports: UTF-8 (with or without BOM),
// Windows-1252 and ISO-8859-1, and their conversion to UTF-8 (cordon's only
// output encoding).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon::source {

enum class TextEncoding { kUtf8, kWindows1252, kLatin1 };

std::string_view TextEncodingName(TextEncoding e);  // "utf-8", "windows-1252", "iso-8859-1"
// Accepts utf8/utf-8, windows-1252/cp1252, iso-8859-1/latin1 (any case).
Result<TextEncoding> ParseTextEncoding(std::string_view name);

// True when `text` is valid UTF-8. With allow_truncated_tail, a sequence cut
// off by the end of `text` counts as valid (for sniffing a prefix).
bool IsValidUtf8(std::string_view text, bool allow_truncated_tail = false);
// Valid UTF-8 holding no byte 0: text a database may hand over (one pass).
bool IsUtf8Text(std::string_view text);

// Appends `text`, encoded in `from`, to `out` as UTF-8. UTF-8 input is
// copied as is (validate it first); single-byte encodings cannot fail.
void AppendUtf8(std::string_view text, TextEncoding from, std::string& out);

// True when every byte is ASCII (no conversion needed).
bool IsAscii(std::string_view text);

}  // namespace cordon::source
