// The text of cordon's own secret key files (the pseudonym, watch and trace
// keys): '#' comment lines, then one line "<PREFIX><base64 of the secret>".
// Read and written through locked memory: the secret's only other copy is
// its base64 text, wiped (no operator+ temporaries holding it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret_buffer.h"

namespace cordon {

// The secret in `file_text`: the first line that is neither empty nor a
// comment must be `prefix` then the base64 of exactly `size` bytes (a CR
// before the LF is allowed). Anything else is `bad`, which says what the file
// should have been and how to make one; no part of the text is echoed.
Result<SecretBuffer> ParseKeyFile(ByteView file_text, std::string_view prefix, size_t size,
                                  const Error& bad);

// `comment` (whole lines, each "# …\n"), then `prefix`, the base64 of
// `secret` and a newline, assembled in locked memory.
SecretBuffer FormatKeyFile(std::string_view comment, std::string_view prefix,
                           const SecretBuffer& secret);

// Reads a secret key file into locked memory, refusing what is not a
// regular file (a FIFO would block) and a file readable or writable by
// group or others (mode & 077), as the SSH CA key is refused: `what` names
// the key in the error ("the trace key").
Result<SecretBuffer> ReadPrivateKeyFile(const std::string& path, size_t max_size,
                                        std::string_view what);

}  // namespace cordon
