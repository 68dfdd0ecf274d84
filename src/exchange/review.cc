#include "exchange/review.h"

#include "exchange/db.h"

namespace cordon::exchange {
namespace {

nlohmann::ordered_json Opt(const std::optional<int64_t>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

Result<nlohmann::ordered_json> AccessReview(const std::string& data_dir, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Accounts accounts, Accounts::Open(data_dir));
  CORDON_ASSIGN_OR_RETURN(Grants grants, Grants::Open(data_dir));
  CORDON_ASSIGN_OR_RETURN(auto people, accounts.List());
  nlohmann::ordered_json review;
  review["format"] = "cordon-access-review";
  review["generated_at"] = now;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  int pending = 0;
  for (const Account& a : people) {
    CORDON_ASSIGN_OR_RETURN(auto theirs, grants.List(a.id));
    nlohmann::ordered_json gs = nlohmann::ordered_json::array();
    for (const Grant& g : theirs) {
      if (g.break_glass && !g.reviewed_by) ++pending;
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
    }
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
         {"last_login_ip", a.last_login_ip},
         {"grants", gs}});
  }
  review["accounts"] = list;
  review["break_glass_to_review"] = pending;
  CORDON_ASSIGN_OR_RETURN(Db db, OpenExchangeDb(data_dir));
  CORDON_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT approver_id, review_sha256, attested_at "
                                                  "FROM review_attestations ORDER BY id"));
  nlohmann::ordered_json att = nlohmann::ordered_json::array();
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    att.push_back(
        {{"approver_id", q.Int(0)}, {"review_sha256", q.Text(1)}, {"attested_at", q.Int(2)}});
  }
  review["attestations"] = att;
  return review;
}

Status AttestReview(const std::string& data_dir, const Account& approver,
                    std::string_view review_sha256, int64_t now) {
  if (approver.role != Role::kApprover) {
    return Error(ErrorCode::kRefused, "only an approver attests an access review");
  }
  if (review_sha256.size() != 64) {
    return Error(ErrorCode::kInvalidArgument, "attest a review by its SHA-256 (64 hex digits)");
  }
  CORDON_ASSIGN_OR_RETURN(Db db, OpenExchangeDb(data_dir));
  CORDON_ASSIGN_OR_RETURN(Statement s, db.Prepare("INSERT INTO review_attestations(approver_id, "
                                                  "review_sha256, attested_at) VALUES (?, ?, ?)"));
  return s.Bind(1, approver.id).Bind(2, review_sha256).Bind(3, now).Run();
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
