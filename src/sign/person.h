// Personal signing keys: the name of the person who holds a minisign key,
// carried where minisign verifies it. Every signature cordon makes with a
// personal key ends its trusted comment with a "\tperson:NAME" field, and
// `cordon sign-keygen --name` writes KEY.pub.minisig, the key's own
// signature over its .pub file with "person:NAME" in the trusted comment
// (docs/threat-model.md, "Who did it"). `minisign -V` checks both.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/io.h"
#include "core/result.h"
#include "sign/minisign.h"

namespace cordon::sign {

inline constexpr size_t kMaxPersonName = 100;

// A person's name as cordon records it: 2 to kMaxPersonName bytes of UTF-8,
// at least one letter, no control characters, and none of '@' (the ledger
// refuses e-mail addresses, and an address names a mailbox, not a person),
// digits (no identifier or phone number), ':' or tab (the trusted
// comment's separators). Returns the name with surrounding spaces removed,
// or kInvalidArgument saying what is wrong.
Result<std::string> CheckPersonName(std::string_view name);

// The person a trusted comment names ("person:NAME" as its last
// tab-separated field), or nullopt. Only meaningful on a comment whose
// signature verified (use VerifiedPerson).
std::optional<std::string> PersonInTrustedComment(std::string_view trusted_comment);

// Verifies `signature` over `message` with `key`, then returns the person
// its trusted comment names (nullopt: signed with a key that names nobody).
// The name is what the key's holder signed; that the key belongs to that
// person is for a registry to say (the exchange's processor keys, a
// controller's published key).
Result<std::optional<std::string>> VerifiedPerson(const PublicKey& key, const Signature& signature,
                                                  ByteSource& message);

// The key statement: the key's signature over its own .pub file, trusted
// comment "cordon personal key\tperson:NAME".
Result<Signature> SignKeyStatement(const SecretKey& key);
// The person a public key file names, proven by its statement (the text of
// KEY.pub.minisig): kAuthFailed if the statement is not that key's
// signature over exactly these bytes, kMalformed if it names nobody.
Result<std::string> PersonOfPublicKey(std::string_view pub_file, std::string_view statement);

}  // namespace cordon::sign
