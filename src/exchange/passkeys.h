// The passkeys of the exchange's accounts (issue 17): the server's side of
// the WebAuthn ceremonies (single-use challenges), and the registered
// credentials. A passkey is kept as an SSH sk-ecdsa key whose application
// is the RP ID (auth/webauthn.h), so that the decisions its owner later
// signs with it verify with `ssh-keygen -Y verify` alone.
//
// Why challenges live in the database and not in memory: every piece of
// the exchange's state is in its store (serve/api.h), so a login begun on
// one worker finishes on another, and a restart forgets nothing that
// matters. Only SHA-256 of a challenge is stored: a copy of the database
// does not give anyone a challenge still waiting to be answered.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/webauthn.h"
#include "core/bytes.h"
#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/db.h"

namespace cordon::exchange {

// What a challenge may be answered for: a registration is bound to the
// account that asked for it, a login to nobody (discoverable credentials:
// the passkey says whose it is, so the login page never asks for an e-mail
// and never tells whether an account exists).
enum class Ceremony { kRegister, kLogin };

inline constexpr size_t kChallengeBytes = 32;
inline constexpr int64_t kChallengeSeconds = 300;  // WebAuthn's recommended ceremony timeout
// Challenges waiting at once: begun logins cost an unauthenticated client
// one row each, so the table has a ceiling (a flood gets 429s, not a disk).
inline constexpr int64_t kMaxPendingChallenges = 10000;
// Per source (an address, or an IPv6 /64): one client cannot fill the table.
inline constexpr int64_t kMaxPendingChallengesPerSource = 20;
// Passkeys per account: two are recommended (one kept safe); a dozen is
// already a sign something is wrong.
inline constexpr int64_t kMaxPasskeysPerAccount = 10;
inline constexpr size_t kMaxPasskeyLabel = 64;

struct Passkey {
  int64_t id = 0;
  int64_t account_id = 0;
  Bytes credential_id;
  ssh::SkEcdsaKey key;
  uint32_t sign_counter = 0;
  std::string label;  // the owner's name for it ("YubiKey bureau")
  std::string aaguid_hex;
  std::string attestation;  // "none", "packed", …
  bool backup_eligible = false;
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
};

// Thread-safety: a view over one connection, used by the thread that owns it.
class Passkeys {
 public:
  explicit Passkeys(Db& db) : db_(db) {}

  // A new random challenge for `ceremony`, valid kChallengeSeconds, begun
  // from `source` (exchange::BanKey of the client's address); expired ones
  // are swept first. kLimitExceeded when kMaxPendingChallengesPerSource wait
  // from that source, or kMaxPendingChallenges in all.
  Result<Bytes> NewChallenge(Ceremony ceremony, std::optional<int64_t> account_id,
                             std::string_view source, int64_t now);
  // Spends a challenge: it is gone whatever comes next (a second answer to
  // it is a replay). kAuthFailed when it was never given, has expired, or
  // was given for another ceremony or another account.
  Status SpendChallenge(ByteView challenge, Ceremony ceremony, std::optional<int64_t> account_id,
                        int64_t now);

  // Keeps a verified registration, in one transaction with `record` (its
  // ledger event: no passkey without its evidence). kRefused: the
  // credential, or its public key, is registered already (to anyone,
  // revoked ones included), or the account has
  // kMaxPasskeysPerAccount; kInvalidArgument: a label that is not 1 to 64
  // printable characters.
  Result<Passkey> Add(int64_t account_id, const auth::RegisteredCredential& credential,
                      std::string_view label, int64_t now,
                      const std::function<Status(const Passkey&)>& record = {});
  // The account's passkeys, revoked ones included, oldest first.
  Result<std::vector<Passkey>> ForAccount(int64_t account_id);
  // The passkey a login names, unless it is revoked. kNotFound.
  Result<Passkey> FindActive(ByteView credential_id);
  // Active passkeys of the account (registration's exclude list, and the
  // rule that a second passkey needs a session opened with the first).
  Result<int64_t> CountActive(int64_t account_id);
  // Passkeys the account ever registered, revoked ones included: once an
  // account has had one, its decisions are signatures (a revoked passkey
  // is replaced, never a reason to decide unsigned).
  Result<int64_t> CountEver(int64_t account_id);
  // Stores a verified login's counter, only if the stored one is still
  // `seen`: of two logins racing with one cloned authenticator's answers,
  // the second finds the counter moved and is refused (kAuthFailed).
  Status RecordUse(int64_t passkey_id, uint32_t seen, uint32_t counter, int64_t now);

  // A lost or stolen passkey is revoked only when two admins approve — not
  // its owner, nor an admin of the owner's name (SameName): one admin, or
  // a thief holding one admin account, cannot strip an account of its
  // passkey and re-enrol it with their own. Each approval is kept, with
  // `record` (its ledger event), in one transaction; the second one revokes
  // the passkey and ends the owner's sessions (one may be the thief's).
  // The owner then registers a new passkey from a password-and-code
  // session (the rule of the first passkey). kNotFound: no such passkey;
  // kRefused: revoked already, approved already by this admin, not an
  // admin, the owner or their namesake; kInvalidArgument: no reason.
  struct Revocation {
    int64_t passkey_id = 0;
    int64_t account_id = 0;
    std::vector<int64_t> approvals;  // admins' account ids, in order
    bool revoked = false;
  };
  Result<Revocation> ApproveRevocation(int64_t passkey_id, const Account& admin,
                                       std::string_view reason, int64_t now,
                                       const std::function<Status(const Revocation&)>& record = {});

 private:
  // The count `sql` (one parameter: the account) answers.
  Result<int64_t> Count(int64_t account_id, const char* sql);
  Db& db_;
};

std::string_view CeremonyName(Ceremony c);

}  // namespace cordon::exchange
