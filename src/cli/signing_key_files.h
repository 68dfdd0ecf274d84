// Loading minisign secret and public keys named on the command line, apart
// from the other key files (key_files.h) so that `cordon-verify` links only
// signatures. Errors name the file; key text is wiped after parsing.
#pragma once

#include <string>

#include "sign/minisign.h"

namespace cordon::cli {

Result<sign::SecretKey> LoadSigningKey(const std::string& path);
Result<sign::PublicKey> LoadPublicKey(const std::string& path);

}  // namespace cordon::cli
