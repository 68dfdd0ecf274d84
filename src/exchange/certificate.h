// Deletion certificates: the controller's proof that a package is gone.
// A certificate is canonical JSON (the ledger's entry rules) naming the
// package, its order, every file with its SHA-256, who confirmed, why and
// when it was deleted, and the ledger entry that recorded the deletion with
// its inclusion proof and signed checkpoint; it is signed with the
// exchange's key in minisign format, so `minisign -V` checks it too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"
#include "exchange/package_store.h"
#include "sign/minisign.h"

namespace cordon::exchange {

// Where the deletion sits in the exchange's ledger.
struct LedgerEvidence {
  uint64_t index = 0;
  uint64_t tree_size = 0;
  std::string leaf_hash;           // base64
  std::vector<std::string> proof;  // base64, RFC 6962 audit path
  std::string checkpoint;          // the signed note
};

struct Certificate {
  std::string json;       // canonical
  std::string signature;  // .minisig text
};

Result<Certificate> MakeDeletionCertificate(const DeletionRecord& record,
                                            const LedgerEvidence& evidence,
                                            const sign::SecretKey& exchange_key);

// A session recording deleted by the bastion once its retention passed:
// what its certificate names (never the recording's content, which the
// exchange never had).
struct RecordingDeletion {
  int64_t session = 0, grant = 0, account = 0;
  std::string target;
  std::string header_sha256, head;  // the recording's name and its last anchored chain head
  int64_t chunks = 0, bytes = 0;
  int64_t started_at = 0;
  std::optional<int64_t> ended_at;
  int64_t retention_days = 0;
  int64_t deleted_at = 0;
};

// Format "cordon-recording-deletion-certificate", signed like the package
// one (minisign -V checks it), with the deletion's ledger evidence.
Result<Certificate> MakeRecordingDeletionCertificate(const RecordingDeletion& deletion,
                                                     const LedgerEvidence& evidence,
                                                     const sign::SecretKey& exchange_key);

// Checks the signature with the exchange's public key and returns the
// certificate's JSON; kAuthFailed otherwise.
Result<std::string> VerifyDeletionCertificate(const Certificate& certificate,
                                              const sign::PublicKey& exchange_key);

}  // namespace cordon::exchange
