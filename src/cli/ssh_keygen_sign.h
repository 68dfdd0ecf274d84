// Signing from the command line with the person's own SSH key, through
// stock `ssh-keygen -Y sign`: OpenSSH reads the key, asks for its
// passphrase or PIN on the terminal, and talks to the security key the
// person touches — cordon never sees a private key. The message goes in on
// ssh-keygen's standard input and the armored signature comes back on its
// standard output: no file is written anywhere.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon::cli {

// An armored SSH signature by the key at `key_path` (the private key file,
// or the .pub of a key held in ssh-agent) over `message` for namespace
// `ns`. kIo when ssh-keygen cannot run or refuses (its own message is on
// the terminal above).
Result<std::string> SignWithSshKeygen(const std::string& key_path, std::string_view ns,
                                      std::string_view message);

}  // namespace cordon::cli
