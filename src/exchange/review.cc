#include "exchange/review.h"

#include <map>
#include <set>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "exchange/db.h"
#include "exchange/remote_access.h"
#include "exchange/targets.h"

namespace cordon::exchange {
namespace {

nlohmann::ordered_json Opt(const std::optional<int64_t>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

// What a scoped review lets through: the scope's own accounts whole, a
// reaching vendor's accounts with what they did on the scope's targets.
class ScopeFilter {
 public:
  static Result<ScopeFilter> Make(Db& db, const ReviewScope& scope) {
    ScopeFilter f;
    f.organisation_ = scope.organisation;
    if (!scope.organisation) return f;
    CORDON_ASSIGN_OR_RETURN(auto vendors, VendorsReaching(db, *scope.organisation));
    f.vendors_ = std::set<std::string, std::less<>>(vendors.begin(), vendors.end());
    CORDON_ASSIGN_OR_RETURN(auto targets, Targets(db).List());
    for (const Target& t : targets) {
      if (t.organisation == *scope.organisation) f.targets_.insert(t.name);
    }
    return f;
  }
  bool Everything() const { return !organisation_; }
  bool Shows(const Account& a) const {
    return Everything() || a.organisation == *organisation_ || vendors_.contains(a.organisation);
  }
  // Everything of the scope's own accounts; of a vendor's, its work on
  // the scope's targets only.
  bool ShowsWork(const Account& a, std::string_view target) const {
    return Everything() || a.organisation == *organisation_ || targets_.contains(target);
  }
  bool Own(const Account& a) const { return Everything() || a.organisation == *organisation_; }

 private:
  std::optional<std::string> organisation_;
  std::set<std::string, std::less<>> vendors_, targets_;
};

}  // namespace

Result<nlohmann::ordered_json> AccessReview(const std::string& data_dir, int64_t now,
                                            const ReviewScope& scope, int64_t countersign_seconds,
                                            int64_t idle_account_seconds) {
  CORDON_ASSIGN_OR_RETURN(Accounts accounts, Accounts::Open(data_dir));
  CORDON_ASSIGN_OR_RETURN(Grants grants, Grants::Open(data_dir));
  CORDON_ASSIGN_OR_RETURN(Db remote_db, OpenExchangeDb(data_dir));
  const RemotePolicy no_policy;
  RemoteAccess remote(remote_db, accounts, grants, no_policy);
  CORDON_ASSIGN_OR_RETURN(auto people, accounts.List());
  CORDON_ASSIGN_OR_RETURN(ScopeFilter in_scope, ScopeFilter::Make(remote_db, scope));
  std::set<int64_t> own_accounts;  // whose attestations the review lists
  // Per organisation: its accounts, their open grants and overdue
  // break-glass, and whether it is suspended (the vendor campaigns' view).
  std::map<std::string, nlohmann::ordered_json> orgs;
  int overdue_total = 0;
  nlohmann::ordered_json review;
  review["format"] = "cordon-access-review";
  review["generated_at"] = now;
  review["scope"] = scope.organisation
                        ? nlohmann::ordered_json({{"organisation", *scope.organisation}})
                        : nlohmann::ordered_json("exchange");
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  int pending = 0;
  for (const Account& a : people) {
    if (!in_scope.Shows(a)) continue;
    if (in_scope.Own(a)) own_accounts.insert(a.id);
    CORDON_ASSIGN_OR_RETURN(auto theirs, grants.List(a.id));
    nlohmann::ordered_json gs = nlohmann::ordered_json::array();
    int open_grants = 0, overdue = 0;
    for (const Grant& g : theirs) {
      if (!in_scope.ShowsWork(a, g.target())) continue;
      if (g.break_glass && !g.reviewed_by) ++pending;
      if (g.OpenAt(now)) ++open_grants;
      // Red in the review: emergency access on a target nobody countersigned.
      const bool late = g.break_glass && !g.reviewed_by && !g.target().empty() &&
                        now - g.requested_at >= countersign_seconds;
      overdue += late ? 1 : 0;
      gs.push_back({{"id", g.id},
                    {"package", g.package},
                    {"reason", g.reason},
                    {"status", g.status},
                    {"open_now", g.OpenAt(now)},
                    {"opens_at", Opt(g.opens_at)},
                    {"closes_at", Opt(g.closes_at)},
                    {"approver_id", Opt(g.approver_id)},
                    {"break_glass", g.break_glass},
                    {"reviewed_by", Opt(g.reviewed_by)}});
      if (!g.target().empty()) {
        gs.back()["target"] = std::string(g.target());
        gs.back()["ticket"] = g.ticket ? nlohmann::ordered_json(*g.ticket) : nullptr;
        gs.back()["approvals"] = g.approvals;
        if (g.break_glass) gs.back()["overdue"] = late;
      }
    }
    overdue_total += overdue;
    CORDON_ASSIGN_OR_RETURN(auto all_sessions, remote.Sessions(a.id));
    std::vector<RemoteSession> sessions;
    for (auto& s : all_sessions) {
      if (in_scope.ShowsWork(a, s.target)) sessions.push_back(std::move(s));
    }
    const bool dormant = Dormant(a, now, idle_account_seconds);
    list.push_back(
        {{"id", a.id},
         {"name", a.name},
         {"email", a.email},
         {"role", RoleName(a.role)},
         {"status", AccountStatusName(a.status)},
         {"expires_at", a.expires_at},
         {"expired", now >= a.expires_at},
         {"locked", a.hard_locked},
         {"slowed_down_until", now < a.locked_until ? nlohmann::ordered_json(a.locked_until)
                                                    : nlohmann::ordered_json(nullptr)},
         {"last_login_at", Opt(a.last_login_at)},
         // An address is its own organisation's to read (as in the alerts
         // feed): a hospital does not learn its vendor's addresses.
         {"last_login_ip", in_scope.Own(a) ? nlohmann::ordered_json(a.last_login_ip)
                                           : nlohmann::ordered_json(nullptr)},
         {"grants", gs}});
    // Remote maintenance: who the account works for, when it was last used
    // (a certificate, a session), and what stands against it.
    auto& row = list.back();
    row["organisation"] = a.organisation;
    row["on_call"] = a.on_call;
    row["last_used_at"] = Opt(a.last_used_at);
    row["sessions"] = sessions.size();
    row["dormant"] = dormant;
    row["locked_reason"] = a.locked_reason;
    row["overdue_break_glass"] = overdue;
    if (!a.organisation.empty()) {
      auto& o = orgs[a.organisation];
      if (o.is_null()) {
        o = {{"name", a.organisation}, {"accounts", nlohmann::ordered_json::array()}};
      }
      o["accounts"].push_back({{"id", a.id},
                               {"role", RoleName(a.role)},
                               {"status", AccountStatusName(a.status)},
                               {"expires_at", a.expires_at},
                               {"last_used_at", Opt(a.last_used_at)},
                               {"sessions", sessions.size()},
                               {"open_grants", open_grants},
                               {"overdue_break_glass", overdue},
                               {"dormant", dormant},
                               {"locked", a.hard_locked || !a.locked_reason.empty()}});
    }
  }
  review["accounts"] = list;
  review["break_glass_to_review"] = pending;
  review["break_glass_overdue"] = overdue_total;
  nlohmann::ordered_json sections = nlohmann::ordered_json::array();
  Organisations known(remote_db);
  for (auto& [name, o] : orgs) {
    CORDON_ASSIGN_OR_RETURN(auto state, known.Get(name));
    o["suspended"] = state && state->suspended();
    sections.push_back(std::move(o));
  }
  review["organisations"] = sections;
  CORDON_ASSIGN_OR_RETURN(Db db, OpenExchangeDb(data_dir));
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db.Prepare("SELECT approver_id, review_sha256, attested_at, sshsig FROM "
                                     "review_attestations ORDER BY id"));
  nlohmann::ordered_json att = nlohmann::ordered_json::array();
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    // A signed attestation shows its signature's SHA-256: the review that
    // follows commits to it (GET /reviews/access/attestations has the rest).
    if (!in_scope.Everything() && !own_accounts.contains(q.Int(0))) continue;
    const bool is_signed = !q.IsNull(3);
    att.push_back({{"approver_id", q.Int(0)},
                   {"review_sha256", q.Text(1)},
                   {"attested_at", q.Int(2)},
                   {"signed", is_signed},
                   {"signature_sha256", is_signed ? nlohmann::ordered_json(HexEncode(
                                                        crypto::Sha256::Hash(AsBytes(q.Text(3)))))
                                                  : nlohmann::ordered_json(nullptr)}});
  }
  review["attestations"] = att;
  return review;
}

std::string ReviewSha256(const nlohmann::json& review) {
  const std::string text = review.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return HexEncode(crypto::Sha256::Hash(AsBytes(text)));
}

std::string AttestationDocument(std::string_view review_sha256, const Account& approver,
                                std::string_view origin) {
  using nlohmann::json;
  // nlohmann's object is a std::map: keys come out sorted, and dump()
  // without indentation writes no whitespace (RFC 8785's form here).
  const json doc = {{"format", "cordon-review-attestation"},
                    {"version", 1},
                    {"exchange", std::string(origin)},
                    {"review_sha256", std::string(review_sha256)},
                    {"approver",
                     {{"id", approver.id},
                      {"email", approver.email},
                      {"name", approver.name},
                      {"organisation", approver.organisation}}}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status AttestReview(const std::string& data_dir, const Account& approver,
                    std::string_view review_sha256, int64_t now,
                    const AttestationSignature* signature) {
  if (approver.role != Role::kApprover) {
    return Error(ErrorCode::kRefused, "only an approver attests an access review");
  }
  if (review_sha256.size() != 64) {
    return Error(ErrorCode::kInvalidArgument, "attest a review by its SHA-256 (64 hex digits)");
  }
  if (signature && (signature->passkey_id.has_value() == signature->ssh_key_id.has_value() ||
                    signature->document.empty() || signature->sshsig.empty())) {
    return Error(ErrorCode::kInvalidArgument,
                 "an attestation's signature is by a passkey or an SSH key (one), over a document");
  }
  CORDON_ASSIGN_OR_RETURN(Db db, OpenExchangeDb(data_dir));
  CORDON_ASSIGN_OR_RETURN(bool again, AlreadyAttested(db, approver.id, review_sha256));
  if (again) {
    return Error(ErrorCode::kAlreadyExists, "you attested this review already",
                 "read the review again (GET /api/v1/reviews/access) and attest the new one");
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement s, db.Prepare("INSERT INTO review_attestations(approver_id, review_sha256, "
                              "attested_at, passkey_id, ssh_key_id, document, sshsig) VALUES (?, "
                              "?, ?, ?, ?, ?, ?)"));
  s.Bind(1, approver.id).Bind(2, review_sha256).Bind(3, now);
  if (signature) {
    if (signature->passkey_id) s.Bind(4, *signature->passkey_id);
    if (signature->ssh_key_id) s.Bind(5, *signature->ssh_key_id);
    s.Bind(6, AsBytes(signature->document)).Bind(7, signature->sshsig);
  }
  return s.Run();
}

Result<bool> AlreadyAttested(Db& db, int64_t approver_id, std::string_view review_sha256) {
  CORDON_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT 1 FROM review_attestations WHERE "
                                                  "approver_id = ? AND review_sha256 = ?"));
  q.Bind(1, approver_id).Bind(2, review_sha256);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  q.Reset();
  return found;
}

Result<std::vector<Attestation>> RecentAttestations(
    Db& db, int limit, const std::optional<std::string>& organisation) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT r.id, r.approver_id, r.review_sha256, r.attested_at, r.passkey_id, "
                 "r.ssh_key_id, r.document, r.sshsig FROM review_attestations r JOIN users u ON "
                 "u.id = r.approver_id WHERE ?1 IS NULL OR u.organisation = ?1 ORDER BY r.id "
                 "DESC LIMIT ?2"));
  if (organisation) q.Bind(1, *organisation);
  q.Bind(2, limit);
  std::vector<Attestation> out;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Attestation a{q.Int(0), q.Int(1), q.Int(3), q.Text(2), std::nullopt};
    if (!q.IsNull(7)) {
      const Bytes doc = q.Blob(6);
      a.signature =
          AttestationSignature{q.IsNull(4) ? std::nullopt : std::optional<int64_t>(q.Int(4)),
                               q.IsNull(5) ? std::nullopt : std::optional<int64_t>(q.Int(5)),
                               std::string(doc.begin(), doc.end()), q.Text(7)};
    }
    out.push_back(std::move(a));
  }
  return out;
}

Status ServedReviews::Record(std::string_view review_sha256, int64_t account_id, int64_t at) {
  CORDON_ASSIGN_OR_RETURN(Statement s,
                          db_.Prepare("INSERT OR IGNORE INTO served_reviews(sha256, account_id, "
                                      "served_at) VALUES (?, ?, ?)"));
  return s.Bind(1, review_sha256).Bind(2, account_id).Bind(3, at).Run();
}

Result<bool> ServedReviews::WasServed(std::string_view review_sha256, int64_t account_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT 1 FROM served_reviews WHERE sha256 = ? AND account_id = ?"));
  q.Bind(1, review_sha256).Bind(2, account_id);
  CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
  q.Reset();
  return found;
}

}  // namespace cordon::exchange
