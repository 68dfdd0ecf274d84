#include "exchange/campaigns.h"

#include <nlohmann/json.hpp>

namespace cordon::exchange {
namespace {

Error Refused(std::string m, std::string hint = {}) {
  return Error(ErrorCode::kRefused, std::move(m), std::move(hint));
}

}  // namespace

Result<int64_t> Campaigns::Open(const Account& approver, std::string_view organisation,
                                int64_t deadline, int64_t now) {
  if (approver.role != Role::kApprover) return Refused("only an approver opens a review campaign");
  if (organisation.empty()) {
    return Error(ErrorCode::kInvalidArgument, "name the organisation whose accounts are reviewed");
  }
  if (approver.organisation == organisation) {
    return Refused("an organisation never reviews its own accounts",
                   "an approver of another organisation (the hospital's) opens the campaign");
  }
  if (deadline <= now) return Error(ErrorCode::kInvalidArgument, "the deadline is in the past");
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    CORDON_ASSIGN_OR_RETURN(Statement q,
                            db_.Prepare("SELECT id FROM review_campaigns WHERE organisation = ? "
                                        "AND closed_at IS NULL"));
    q.Bind(1, organisation);
    CORDON_ASSIGN_OR_RETURN(bool open, q.Step());
    if (open) {
      return Error(ErrorCode::kAlreadyExists,
                   "campaign " + std::to_string(q.Int(0)) + " of this organisation is open");
    }
  }
  CORDON_ASSIGN_OR_RETURN(Statement s,
                          db_.Prepare("INSERT INTO review_campaigns(organisation, opened_by, "
                                      "opened_at, deadline) VALUES (?, ?, ?, ?)"));
  CORDON_TRY(s.Bind(1, organisation).Bind(2, approver.id).Bind(3, now).Bind(4, deadline).Run());
  const int64_t id = db_.LastInsertId();
  CORDON_TRY(tx.Commit());
  return id;
}

Result<Campaign> Campaigns::Get(int64_t id) {
  Campaign c;
  {
    CORDON_ASSIGN_OR_RETURN(Statement q,
                            db_.Prepare("SELECT id, organisation, opened_by, opened_at, deadline, "
                                        "closed_at FROM review_campaigns WHERE id = ?"));
    q.Bind(1, id);
    CORDON_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) return Error(ErrorCode::kNotFound, "no campaign " + std::to_string(id));
    c.id = q.Int(0);
    c.organisation = q.Text(1);
    c.opened_by = q.Int(2);
    c.opened_at = q.Int(3);
    c.deadline = q.Int(4);
    if (!q.IsNull(5)) c.closed_at = q.Int(5);
  }
  {
    CORDON_ASSIGN_OR_RETURN(Statement q,
                            db_.Prepare("SELECT id FROM users WHERE organisation = ? AND status "
                                        "<> 'disabled' ORDER BY id"));
    q.Bind(1, c.organisation);
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      c.accounts.push_back(q.Int(0));
    }
  }
  CORDON_ASSIGN_OR_RETURN(Statement q,
                          db_.Prepare("SELECT account_id, decision, decided_by, at FROM "
                                      "campaign_decisions WHERE campaign_id = ? ORDER BY "
                                      "account_id"));
  q.Bind(1, id);
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return c;
    c.decisions.push_back({q.Int(0), q.Text(1), q.Int(2), q.Int(3)});
  }
}

Status Campaigns::Decide(const Account& approver, int64_t campaign_id, int64_t account_id,
                         std::string_view decision, int64_t now,
                         const std::function<Status()>& record) {
  if (approver.role != Role::kApprover) return Refused("only an approver decides in a review");
  if (decision != "keep" && decision != "remove") {
    return Error(ErrorCode::kInvalidArgument, "decision: keep or remove");
  }
  CORDON_ASSIGN_OR_RETURN(Campaign c, Get(campaign_id));
  if (c.closed_at || now >= c.deadline) {
    return Refused("campaign " + std::to_string(campaign_id) + " is closed");
  }
  if (approver.organisation == c.organisation) {
    return Refused("an organisation never reviews its own accounts");
  }
  if (approver.id == account_id) return Refused("nobody reviews their own account");
  bool member = false;
  for (int64_t a : c.accounts) member = member || a == account_id;
  if (!member) {
    return Error(ErrorCode::kNotFound, "account " + std::to_string(account_id) + " is not one of " +
                                           c.organisation + "'s");
  }
  CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  CORDON_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("INSERT INTO campaign_decisions(campaign_id, account_id, decision, decided_by, "
                  "at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(campaign_id, account_id) DO "
                  "UPDATE SET decision = ?3, decided_by = ?4, at = ?5"));
  CORDON_TRY(s.Bind(1, campaign_id)
                 .Bind(2, account_id)
                 .Bind(3, decision)
                 .Bind(4, approver.id)
                 .Bind(5, now)
                 .Run());
  if (record) CORDON_TRY(record());
  return tx.Commit();
}

Result<std::vector<CampaignResult>> Campaigns::CloseDue(
    int64_t now, const std::function<Status(const CampaignResult&)>& record) {
  std::vector<int64_t> due;
  {
    CORDON_ASSIGN_OR_RETURN(Statement q,
                            db_.Prepare("SELECT id FROM review_campaigns WHERE closed_at IS NULL "
                                        "AND deadline <= ? ORDER BY id"));
    q.Bind(1, now);
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      due.push_back(q.Int(0));
    }
  }
  std::vector<CampaignResult> out;
  for (int64_t id : due) {
    CORDON_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    CORDON_ASSIGN_OR_RETURN(Campaign c, Get(id));
    if (c.closed_at) continue;  // another instance closed it meanwhile
    CampaignResult r{id, c.organisation, {}, {}};
    for (int64_t account : c.accounts) {
      bool kept = false;
      for (const auto& d : c.decisions)
        kept = kept || (d.account_id == account && d.decision == "keep");
      if (kept) {
        r.kept.push_back(account);
        continue;
      }
      // No decision is a removal (the default a CISO asks for).
      r.disabled.push_back(account);
      for (const char* sql :
           {"UPDATE users SET status = 'disabled' WHERE id = ?",
            "DELETE FROM sessions WHERE user_id = ?", "DELETE FROM enrolments WHERE user_id = ?"}) {
        CORDON_ASSIGN_OR_RETURN(Statement u, db_.Prepare(sql));
        CORDON_TRY(u.Bind(1, account).Run());
      }
    }
    nlohmann::json result = {{"kept", r.kept}, {"disabled", r.disabled}};
    CORDON_ASSIGN_OR_RETURN(
        Statement u,
        db_.Prepare("UPDATE review_campaigns SET closed_at = ?, result = ? WHERE id = ?"));
    CORDON_TRY(u.Bind(1, now).Bind(2, result.dump()).Bind(3, id).Run());
    if (record) CORDON_TRY(record(r));
    CORDON_TRY(tx.Commit());
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cordon::exchange
