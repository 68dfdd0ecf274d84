// The bastion's calls to the exchange, with its machine credential
// (Connection::OpenMachine). The bastion decides nothing itself: the
// exchange checks the grant, the account, its organisation and the
// certificate's serial at each login and each few seconds of a session, and
// writes the events (docs/remote-maintenance.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/connection.h"
#include "core/result.h"

namespace cordon::client {

// What sshd's AuthorizedPrincipalsCommand gets (%u %i %s %f).
struct LoginQuestion {
  std::string user, key_id, serial, fingerprint;
};
struct LoginDecision {
  bool allow = false;
  std::string principal;  // when allowed
  int64_t valid_before = 0;
  std::string reason;  // when refused
};
Result<LoginDecision> CheckLogin(Connection& connection, const LoginQuestion& question);

struct SessionTarget {
  std::string name, address, principal;
};
struct SessionStart {
  int64_t session = 0, grant = 0, account = 0;
  SessionTarget target;
  int64_t closes_at = 0;
  std::vector<std::string> recipients;  // age1…: who can read the recording
  std::string egress_certificate;       // for the ephemeral key, two minutes
};
Result<SessionStart> StartSession(Connection& connection, const std::string& key_id,
                                  uint64_t serial, const std::string& fingerprint,
                                  const std::string& client_ip,
                                  const std::string& egress_public_key_line);

struct SessionState {
  bool open = false;
  int64_t closes_at = 0;
  std::string reason;  // why it is closed
};
Result<SessionState> PollSession(Connection& connection, int64_t session);

// A point of the recording's hash chain, as the ledger keeps it.
struct AnchorPoint {
  uint64_t chunks = 0, bytes = 0;
  std::string head, header_sha256;  // 64 lowercase hex digits each
};
Result<SessionState> AnchorSession(Connection& connection, int64_t session,
                                   const AnchorPoint& point);

struct SessionEnd {
  AnchorPoint last;
  int64_t duration_seconds = 0;
  std::string reason;
  int exit_status = -1;
};
Status EndSession(Connection& connection, int64_t session, const SessionEnd& end);

// What the KRL revokes: certificates of closed or revoked grants that have
// not expired yet.
struct RevokedList {
  std::vector<std::string> key_ids;
  std::vector<uint64_t> serials;
};
Result<RevokedList> FetchRevoked(Connection& connection);

// Recordings of this bastion's sessions past the exchange's retention.
struct ExpiredRecording {
  int64_t session = 0;
  std::string header_sha256;
  int64_t bytes = 0;
};
Result<std::vector<ExpiredRecording>> FetchExpiredRecordings(Connection& connection);

// Tells the exchange the recording is deleted; its signed certificate back
// (minisign, the exchange's key).
struct RecordingDeletionCertificate {
  std::string json, signature;
};
Result<RecordingDeletionCertificate> ReportRecordingDeleted(Connection& connection, int64_t session,
                                                            const std::string& header_sha256);

// Recordings of this bastion's sessions that are over and that the
// exchange holds no copy of yet (within their retention): what `cordon
// bastion sweep` sends.
struct UncopiedRecording {
  int64_t session = 0;
  std::string header_sha256;
  int64_t bytes = 0;  // what the last anchor covers
  bool ended = false;
};
Result<std::vector<UncopiedRecording>> FetchUncopiedRecordings(Connection& connection);

// Sends the first `bytes` bytes of the sealed recording at `path` — what
// the session's last anchor covers (the whole file once the session ended)
// — for the exchange's copy, which keeps them only if their chain matches
// the ledger's anchors. Never decrypted: the bastion cannot. kAlreadyExists
// when the exchange holds it already; kInvalidArgument for a file shorter
// than `bytes`.
Status SendRecording(Connection& connection, int64_t session, const std::string& path,
                     uint64_t bytes);

}  // namespace cordon::client
