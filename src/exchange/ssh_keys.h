// SSH signing keys registered to the exchange's accounts (issue 17): the
// keys an account's holder signs their decisions with from the command line
// (ssh/signing_key.h), as passkeys are the keys they sign with in the
// pages. A key is registered with a proof that its holder has it — a
// signature by it over a document naming the account and the exchange —
// because a public key is public: without the proof, someone could
// register a colleague's key and pass the colleague's signatures off as
// their own.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "exchange/db.h"
#include "ssh/signing_key.h"

namespace cordon::exchange {

// The SSHSIG namespace of a key's proof of possession, before "@" and the
// exchange's RP ID: a signature made for anything else is no proof.
inline constexpr std::string_view kSshKeyNamespace = "cordon-ssh-key";
// Keys per account: one or two security keys and a spare is the norm.
inline constexpr int64_t kMaxSshKeysPerAccount = 10;

// The namespace of a command-line login signed with a registered key
// (cordon-login@RP_ID): a login's signature is never a decision's, nor the
// reverse.
inline constexpr std::string_view kKeyLoginNamespace = "cordon-login";

struct SshSigningKey {
  int64_t id = 0;
  int64_t account_id = 0;
  ssh::SigningKey key;
  uint32_t sign_counter = 0;  // sk- keys: the last counter seen
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
};

// The document a key's holder signs to register it to `account_email` on
// the exchange at `origin`: canonical JSON (keys sorted, no whitespace),
// which the exchange derives again when the proof comes back.
std::string SshKeyProofDocument(std::string_view account_email, std::string_view origin,
                                const ssh::SigningKey& key);

// What a person whose account logs in with its passkey signs, with a key
// registered to that account, to log in from the command line once their
// password and code were right: canonical JSON naming the exchange at
// `origin`, the account and the exchange's one-time `challenge` (base64url),
// which the exchange derives again when the signature comes back.
std::string KeyLoginDocument(std::string_view account_email, std::string_view origin,
                             std::string_view challenge);

// Thread-safety: a view over one connection, used by the thread that owns it.
class SshSigningKeys {
 public:
  explicit SshSigningKeys(Db& db) : db_(db) {}

  // Keeps a key whose proof was verified, in one transaction with `record`
  // (its ledger event). kRefused: the key is registered already (to anyone,
  // revoked ones included: one key, one person), is a passkey's key, or the
  // account has kMaxSshKeysPerAccount. `counter` is the security key's
  // counter in the proof (0 for a key file): signatures must go above it.
  Result<SshSigningKey> Add(int64_t account_id, const ssh::SigningKey& key, int64_t now,
                            const std::function<Status(const SshSigningKey&)>& record = {},
                            uint32_t counter = 0);
  // The account's keys, revoked ones included, oldest first.
  Result<std::vector<SshSigningKey>> ForAccount(int64_t account_id);
  // The account's active key with this fingerprint. kNotFound.
  Result<SshSigningKey> FindActive(int64_t account_id, std::string_view fingerprint);
  // Keys the account ever registered: once it has had one, its decisions
  // are signatures.
  Result<int64_t> CountEver(int64_t account_id);
  // Stores a verified signature's counter, only if the stored one is still
  // `seen` (two decisions racing with one cloned key's signatures: the
  // second is refused, kAuthFailed).
  Status RecordUse(int64_t key_id, uint32_t seen, uint32_t counter, int64_t now);
  // The owner retires one of their keys (lost, replaced). kNotFound: not
  // theirs or revoked already.
  Status Revoke(int64_t account_id, int64_t key_id, int64_t now,
                const std::function<Status()>& record = {});

 private:
  Db& db_;
};

}  // namespace cordon::exchange
