// OpenSSH's allowed_signers file (ssh-keygen(1) "ALLOWED SIGNERS"), read
// as `ssh-keygen -Y verify` reads it, and the check of a passkey SSH
// signature (sshsig.h) against it: who, of the people the file names,
// signed these exact bytes. A third party runs ssh-keygen on the same file
// and bytes and gets the same answer; cordon also requires what ssh-keygen
// does not (user verification, a web origin of the key's relying party).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ssh/sshsig.h"

namespace cordon::ssh {

// One line: `principals [options] keytype base64 [comment]`.
struct AllowedSigner {
  int line = 0;
  // The first field as written ("dpo@chu-exemple.fr", or a comma list);
  // patterns (* ?) are kept as they are, and match as ssh-keygen matches.
  std::string principals;
  // namespaces="a,b" (patterns allowed, ! negates); empty: any namespace.
  std::vector<std::string> namespaces;
  // valid-after / valid-before, in Unix seconds; none when not given.
  std::optional<int64_t> valid_after, valid_before;
  bool cert_authority = false;  // a CA line: never matches a plain key
  std::string key_type;         // "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-ed25519"…
  // The key, for passkey lines; other key types are read and kept aside
  // (cordon verifies passkey signatures only).
  std::optional<SkEcdsaKey> passkey;
};

// Parses the file. Blank lines and # comments are skipped; a malformed line
// is kMalformed naming its number; an unknown option is kMalformed (as
// ssh-keygen refuses it). Times as ssh-keygen writes them: YYYYMMDD,
// YYYYMMDDHHMM or YYYYMMDDHHMMSS, UTC with a trailing "Z", else local time.
Result<std::vector<AllowedSigner>> ParseAllowedSigners(std::string_view text);

// ssh-keygen's pattern list (match.c match_pattern_list): comma-separated
// patterns with * and ?, a leading ! negating; true when one positive
// pattern matches and no negated one does.
bool MatchPatternList(std::string_view value, std::string_view patterns);

// The web origin a passkey signature may carry for a key of relying party
// `rp_id`: https://RP_ID, with a port or not (the RP ID is the site's host).
bool OriginFitsRelyingParty(std::string_view origin, std::string_view rp_id);

// A signature checked against the file.
struct AllowedSignature {
  Sshsig sig;
  // The principals field of every line of the key that allows it (usually
  // one), in file order.
  std::vector<std::string> principals;
  std::string fingerprint;  // "SHA256:…", as ssh-keygen prints it
};

// Verifies `armored` over `message` for namespace `ns` at time `now` (Unix
// seconds): the key must be on a line of `signers` that allows `ns` and
// `now`, and VerifySshsig must accept it with user verification required
// and an origin that fits the key's relying party (no counter: a file
// knows no last one). kAuthFailed says which check failed; a signature of
// another kind is kUnsupported, a damaged one kMalformed.
Result<AllowedSignature> VerifyWithAllowedSigners(std::string_view armored, ByteView message,
                                                  const std::vector<AllowedSigner>& signers,
                                                  std::string_view ns, int64_t now);

}  // namespace cordon::ssh
