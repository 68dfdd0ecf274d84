#include "client/remote_access.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

#include "client/answer.h"
#include "core/encoding.h"
#include "core/file.h"
#include "recording/verify.h"

namespace cordon::client {

using nlohmann::json;

Result<TargetList> ListTargets(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("GET", "/api/v1/targets", {200}));
  TargetList r;
  for (const json& t : ArrayField(j, "targets")) {
    r.targets.push_back({TextField(t, "name"), TextField(t, "address"), TextField(t, "principal"),
                         TextField(t, "organisation"), IntField(t, "approvals", 1)});
  }
  r.answer = std::move(j);
  return r;
}

Result<SshCertificate> IssueSshCertificate(Connection& connection, int64_t grant_id,
                                           const std::string& public_key_line) {
  CORDON_ASSIGN_OR_RETURN(
      json j,
      connection.Call("POST", "/api/v1/grants/" + std::to_string(grant_id) + "/ssh-certificate",
                      {200, 201}, json{{"public_key", public_key_line}}.dump()));
  SshCertificate c;
  c.certificate = TextField(j, "certificate");
  c.serial = IntField(j, "serial");
  c.key_id = TextField(j, "key_id");
  c.valid_before = TimeField(j, "valid_before");
  c.bastion = TextField(j, "bastion");
  if (c.certificate.empty()) {
    return Error(ErrorCode::kMalformed, "the exchange answered without a certificate");
  }
  c.answer = std::move(j);
  return c;
}

namespace {

// A name or an e-mail travels in the path: all but unreserved bytes
// percent-encoded.
std::string PathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

}  // namespace

Status ResumeOrganisation(Connection& connection, const std::string& name) {
  CORDON_TRY(connection.Call("POST", "/api/v1/organisations/" + PathSegment(name) + "/resume",
                             {200}, "{}"));
  return Ok();
}

Result<json> UnlockAccount(Connection& connection, const std::string& email,
                           const std::string& reason) {
  return connection.Call("POST", "/api/v1/accounts/" + PathSegment(email) + "/unlock", {200},
                         json{{"reason", reason}}.dump());
}

Result<json> ListPasskeys(Connection& connection, const std::string& email) {
  return connection.Call("GET", "/api/v1/passkeys?email=" + PathSegment(email), {200});
}

Result<json> RevokePasskey(Connection& connection, int64_t passkey_id, const std::string& reason) {
  return connection.Call("POST", "/api/v1/passkeys/" + std::to_string(passkey_id) + "/revoke",
                         {200}, json{{"reason", reason}}.dump());
}

Result<json> OpenCampaign(Connection& connection, const std::string& organisation,
                          const std::string& deadline) {
  return connection.Call("POST", "/api/v1/reviews/campaigns", {201},
                         json{{"organisation", organisation}, {"deadline", deadline}}.dump());
}

Result<json> ListCampaigns(Connection& connection) {
  return connection.Call("GET", "/api/v1/reviews/campaigns", {200});
}

Result<json> GetCampaign(Connection& connection, int64_t id) {
  return connection.Call("GET", "/api/v1/reviews/campaigns/" + std::to_string(id), {200});
}

Result<json> DecideInCampaign(Connection& connection, int64_t id, int64_t account,
                              const std::string& decision) {
  return connection.Call("POST", "/api/v1/reviews/campaigns/" + std::to_string(id) + "/decisions",
                         {200, 201}, json{{"account", account}, {"decision", decision}}.dump());
}

Status CheckCampaignDecisionDocument(const DecisionToSign& d, int64_t id, int64_t account,
                                     std::string_view decision, std::string_view host) {
  // What the person signs is what they typed — this decision, on this
  // account, in this campaign, for the exchange they reach, under its
  // namespace — whatever a compromised or impostor exchange sends.
  const json doc = json::parse(d.document, nullptr, false);
  const json& campaign = doc.is_object() ? ObjectField(doc, "campaign") : doc;
  const json& who = doc.is_object() ? ObjectField(doc, "account") : doc;
  const bool ok = doc.is_object() && TextField(doc, "format") == "cordon-review-decision" &&
                  IntField(doc, "version") == 1 && TextField(doc, "decision") == decision &&
                  id > 0 && IntField(campaign, "id") == id && account > 0 &&
                  IntField(who, "id") == account && doc.dump() == d.document && !host.empty() &&
                  RpIdOfOrigin(TextField(doc, "exchange")) == host &&
                  d.ns == "cordon-review@" + std::string(host);
  if (!ok) {
    return Error(ErrorCode::kRefused,
                 "the exchange asked to sign something else than \"" + std::string(decision) +
                     "\" on account " + std::to_string(account) + " in campaign " +
                     std::to_string(id) + ": nothing signed",
                 "the exchange may be compromised or not the one you meant; tell its operator");
  }
  return Ok();
}

Result<DecisionToSign> FetchCampaignDecisionToSign(Connection& connection, int64_t id,
                                                   int64_t account, const std::string& decision) {
  CORDON_ASSIGN_OR_RETURN(json c, GetCampaign(connection, id));
  if (c.contains("not_yours")) return Error(ErrorCode::kRefused, TextField(c, "not_yours"));
  const json& sign = ObjectField(c, "sign");
  const json& offered =
      ObjectField(ObjectField(ObjectField(sign, "decisions"), std::to_string(account).c_str()),
                  decision.c_str());
  const std::string b64 = TextField(offered, "document_base64");
  if (b64.empty()) {
    return Error(
        ErrorCode::kRefused,
        "the exchange offers you no \"" + decision + "\" on account " + std::to_string(account) +
            " in campaign " + std::to_string(id),
        !BoolField(c, "open")
            ? "the campaign is closed (cordon remote campaign show " + std::to_string(id) + ")"
            : "your own account is not yours to review, and signed decisions need the "
              "exchange's [web] origin set");
  }
  auto document = Base64Decode(b64);
  if (!document.ok()) return document.error().WithContext("the exchange's decision document");
  DecisionToSign out{std::string(document->begin(), document->end()), TextField(sign, "namespace")};
  CORDON_TRY(
      CheckCampaignDecisionDocument(out, id, account, decision, RpIdOfOrigin(connection.url())));
  return out;
}

Result<json> DecideInCampaignSigned(Connection& connection, int64_t id, int64_t account,
                                    const std::string& decision, const std::string& sshsig) {
  return connection.Call(
      "POST", "/api/v1/reviews/campaigns/" + std::to_string(id) + "/decisions", {200},
      json{{"account", account}, {"decision", decision}, {"sshsig", sshsig}}.dump());
}

Result<json> ListRemoteSessions(Connection& connection) {
  return connection.Call("GET", "/api/v1/remote-sessions", {200});
}

Result<FetchedRecording> FetchRecording(Connection& connection, int64_t id,
                                        const std::string& out) {
  CORDON_ASSIGN_OR_RETURN(json list, ListRemoteSessions(connection));
  const json* session = nullptr;
  for (const json& s : ArrayField(list, "sessions")) {
    if (IntField(s, "id") == id) session = &s;
  }
  if (session == nullptr) {
    return Error(ErrorCode::kNotFound, "no session " + std::to_string(id) + " you may see",
                 "cordon remote sessions lists them");
  }
  recording::Anchor last;
  last.chunks = static_cast<uint64_t>(IntField(*session, "chunks"));
  last.bytes = static_cast<uint64_t>(IntField(*session, "bytes"));
  last.head = TextField(*session, "head");
  last.header_sha256 = TextField(*session, "header_sha256");
  const bool ended = !TextField(*session, "ended_at").empty();
  // Streamed into an anonymous file beside `out` (a recording can be
  // large), checked there, and only then given its name: a copy that is not
  // the anchored recording, or a run interrupted midway, leaves nothing
  // (attack review 29, F4).
  std::string dir =
      out.substr(0, out.find_last_of('/') == std::string::npos ? 0 : out.find_last_of('/') + 1);
  if (dir.empty()) dir = ".";
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd.get() < 0) return ErrnoError(dir + ": an anonymous file (O_TMPFILE)");
  struct stat there {};
  if (::lstat(out.c_str(), &there) == 0) {  // a file, a link (even dangling), a device
    return Error(ErrorCode::kAlreadyExists, out + " exists: it is never replaced",
                 "give another -o path");
  }
  FdSink sink(fd.get(), out);
  CORDON_ASSIGN_OR_RETURN(
      net::ClientResponse answer,
      connection.http().Fetch("/api/v1/remote-sessions/" + std::to_string(id) + "/recording",
                              connection.Auth(), sink));
  if (answer.status != 200) return ErrorFromAnswer(answer.status, answer.body);
  if (::fsync(fd.get()) != 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0) return ErrnoError(out);
  FdSource in(fd.get(), out);
  auto report = recording::VerifyRecording(in, {last}, ended);
  if (!report.ok()) {
    return report.error().WithContext("the exchange's copy of session " + std::to_string(id) +
                                      " (not kept)");
  }
  struct stat st {};
  const uint64_t bytes = ::fstat(fd.get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  const std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
  if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, out.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    if (errno == EEXIST) {
      return Error(ErrorCode::kAlreadyExists, out + " appeared meanwhile: it is not replaced");
    }
    return ErrnoError(out);
  }
  CORDON_TRY(SyncDirectory(dir));
  return FetchedRecording{bytes, report->Summary()};
}

}  // namespace cordon::client
