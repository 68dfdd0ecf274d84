#include "exchange/accounts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "age/keys.h"
#include "auth/totp.h"
#include "crypto/random.h"
#include "exchange/defender.h"
#include "exchange/totp_secrets.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::exchange {
namespace {
namespace fs = std::filesystem;

SecretBuffer Pw(std::string_view s) { return SecretBuffer::CopyOf(AsBytes(s)); }

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-accounts-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto a = Accounts::Open(dir_.string());
    ASSERT_TRUE(a.ok()) << a.error().message();
    accounts_.emplace(std::move(*a));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Code(int64_t at) {
    return auth::FormatOtp(auth::Hotp(SecretBuffer::CopyOf(secret_), auth::TotpStep(at), 6), 6);
  }
  // An active account for Jeanne, enrolled at now_.
  std::vector<std::string> Enrol(std::string_view email = "jeanne@lab42.example") {
    auto token =
        accounts_->AddUser("Jeanne Martin", email, Role::kRecipient, now_ + 365 * 86400, now_,
                           /*allow_same_name=*/true);
    EXPECT_TRUE(token.ok());
    auto e = accounts_->BeginEnrolment(*token, now_);
    EXPECT_TRUE(e.ok());
    secret_.assign(e->totp_secret.RevealBytes().begin(), e->totp_secret.RevealBytes().end());
    EXPECT_EQ(e->otpauth_uri.rfind("otpauth://totp/cordon%20exchange:", 0), 0u);
    auto codes = accounts_->FinishEnrolment(*token, Pw(kPassword), Code(now_), now_);
    EXPECT_TRUE(codes.ok()) << codes.error().message();
    // The token is spent.
    EXPECT_FALSE(accounts_->BeginEnrolment(*token, now_).ok());
    return codes.ok() ? *codes : std::vector<std::string>{};
  }

  static constexpr const char* kPassword = "violet tram seventeen lanterns";
  fs::path dir_;
  std::optional<Accounts> accounts_;
  int64_t now_ = 1800000000;
  Bytes secret_;
};

TEST_F(AccountsTest, EnrolLoginSessionLogout) {
  auto codes = Enrol();
  EXPECT_EQ(codes.size(), 10u);
  now_ += 60;
  auto token =
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.0.0.7", now_);
  ASSERT_TRUE(token.ok()) << token.error().message();
  auto who = accounts_->Session(*token, now_ + 60);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, Role::kRecipient);
  EXPECT_EQ(who->last_login_ip, "10.0.0.7");
  ASSERT_TRUE(accounts_->Logout(*token).ok());
  EXPECT_FALSE(accounts_->Session(*token, now_ + 61).ok());
}

TEST_F(AccountsTest, SessionsEndAfter15MinutesIdleAnd12HoursInAll) {
  Enrol();
  now_ += 60;
  auto token = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "ip", now_);
  ASSERT_TRUE(token.ok());
  // Active every 10 minutes: alive until 12 h.
  int64_t t = now_;
  for (; t + 600 < now_ + 12 * 3600; t += 600) ASSERT_TRUE(accounts_->Session(*token, t).ok()) << t;
  EXPECT_FALSE(accounts_->Session(*token, now_ + 12 * 3600).ok());
  now_ += 13 * 3600;
  auto idle = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "ip", now_);
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE(accounts_->Session(*idle, now_ + 14 * 60).ok());
  EXPECT_FALSE(accounts_->Session(*idle, now_ + 14 * 60 + 15 * 60).ok());
}

// NIST SP 800-63B, and review F8: a stranger's wrong passwords slow the
// account's logins down but never lock its owner out for long, never end
// an open session; only 100 failures in a row lock it, until an admin.
TEST_F(AccountsTest, FailuresSlowDownNeverEndSessionsAndLockOnlyAtAHundred) {
  Enrol();
  now_ += 60;
  auto session = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "ip", now_);
  ASSERT_TRUE(session.ok());
  LoginAttempt at;
  for (int i = 1; i <= 5; ++i) {
    auto r = accounts_->Login("jeanne@lab42.example", Pw("wrong password here"), "000000",
                              "attacker", now_, &at);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kAuthFailed);
    EXPECT_EQ(at.consecutive_failures, i);
  }
  EXPECT_TRUE(at.delays_started);
  // The owner's session lives on (the old code ended it).
  EXPECT_TRUE(accounts_->Session(*session, now_ + 1).ok());
  // From the guessing address, within the delay, even the right password
  // is not looked at, and the answer is the same as for a wrong one.
  auto slowed = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_ + 30), "attacker",
                                 now_ + 1, &at);
  ASSERT_FALSE(slowed.ok());
  EXPECT_EQ(slowed.error().code(), ErrorCode::kAuthFailed);
  EXPECT_EQ(at.outcome, LoginOutcome::kThrottled);
  // The owner, from elsewhere, is not slowed at all (review N9), and the
  // count starts over.
  EXPECT_TRUE(
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_ + 30), "ip", now_ + 1)
          .ok());
  now_ += 31;
  // 100 failures in a row, waiting out every delay: locked, the owner told.
  int64_t t = now_ + 60;
  for (int i = 1; i <= 100; ++i) {
    auto r = accounts_->Login("jeanne@lab42.example", Pw("wrong password here"), "000000",
                              "attacker", t, &at);
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(at.consecutive_failures, i);
    t += 16 * 60;  // longer than the longest delay
  }
  EXPECT_TRUE(at.locked_now);
  auto locked = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(t), "ip", t, &at);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code(), ErrorCode::kRefused);  // said only to the owner
  EXPECT_EQ(at.outcome, LoginOutcome::kLocked);
  ASSERT_TRUE(accounts_->Unlock("jeanne@lab42.example", t).ok());
  EXPECT_TRUE(accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(t + 30), "ip", t).ok());
}

// Review F10: without the right password and code, a disabled, enrolling,
// expired or IP-restricted account answers exactly like a wrong password.
TEST_F(AccountsTest, AnAccountsStateShowsOnlyAfterCorrectCredentials) {
  Enrol();
  ASSERT_TRUE(
      accounts_
          ->AddUser("Nina Enrolling", "nina@lab42.example", Role::kRecipient, now_ + 86400, now_)
          .ok());
  ASSERT_TRUE(accounts_->SetAllowList("jeanne@lab42.example", {"10.0.0.0/8"}).ok());
  auto unknown = accounts_->Login("nobody@lab42.example", Pw("x y z w v u t s"), "1", "ip", now_);
  ASSERT_FALSE(unknown.ok());
  const Error wrong = unknown.error();
  for (const char* email : {"nina@lab42.example", "jeanne@lab42.example"}) {
    auto r = accounts_->Login(email, Pw("wrong password here"), "000000", "192.0.2.1", now_ + 60);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), wrong.code()) << email;
    EXPECT_EQ(r.error().message(), wrong.message()) << email;
  }
  // With the right ones, the restriction is said.
  auto right = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_ + 60), "192.0.2.1",
                                now_ + 60);
  ASSERT_FALSE(right.ok());
  EXPECT_EQ(right.error().code(), ErrorCode::kRefused);
}

// Review F1: disabling an account kills its enrolment token; only an
// account still enrolling can enrol.
TEST_F(AccountsTest, ADisabledAccountNeverComesBackThroughItsEnrolment) {
  auto token =
      accounts_->AddUser("Eve Leaver", "eve@vendor.example", Role::kOperator, now_ + 86400, now_);
  ASSERT_TRUE(token.ok());
  auto begun = accounts_->BeginEnrolment(*token, now_);
  ASSERT_TRUE(begun.ok());
  secret_.assign(begun->totp_secret.RevealBytes().begin(), begun->totp_secret.RevealBytes().end());
  ASSERT_TRUE(accounts_->Disable("eve@vendor.example").ok());
  EXPECT_FALSE(accounts_->FinishEnrolment(*token, Pw(kPassword), Code(now_), now_).ok());
  EXPECT_FALSE(accounts_->BeginEnrolment(*token, now_).ok());
  EXPECT_EQ(accounts_->Find("eve@vendor.example")->status, AccountStatus::kDisabled);
}

// Review F21: one person, one account.
TEST_F(AccountsTest, ASecondAccountWithTheSameNameNeedsToBeMeant) {
  ASSERT_TRUE(
      accounts_
          ->AddUser("Rachel Petit", "rachel@lab42.example", Role::kRecipient, now_ + 86400, now_)
          .ok());
  auto twin = accounts_->AddUser("rachel  PETIT", "r.petit@lab42.example", Role::kApprover,
                                 now_ + 86400, now_);
  ASSERT_FALSE(twin.ok());
  EXPECT_EQ(twin.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(accounts_
                  ->AddUser("Rachel Petit", "r.petit@lab42.example", Role::kApprover, now_ + 86400,
                            now_, /*allow_same_name=*/true)
                  .ok());
  EXPECT_TRUE(SameName("Rachel Petit", " rachel   petit "));
  EXPECT_FALSE(SameName("Rachel Petit", "Rachel Petitjean"));
}

// Packages belong to recipients: an account is bound to age recipients.
TEST_F(AccountsTest, RecipientsAreValidatedAndReplaced) {
  Enrol();
  const auto id = accounts_->Find("jeanne@lab42.example")->id;
  EXPECT_FALSE(accounts_->SetRecipients("jeanne@lab42.example", {"age1notarecipient"}).ok());
  const std::string r1 = age::X25519Identity::Generate().Recipient().Encode();
  const std::string r2 = age::X25519Identity::Generate().Recipient().Encode();
  ASSERT_TRUE(accounts_->SetRecipients("jeanne@lab42.example", {r1, r2}).ok());
  EXPECT_EQ(accounts_->Recipients(id)->size(), 2u);
  ASSERT_TRUE(accounts_->SetRecipients("jeanne@lab42.example", {r2}).ok());
  EXPECT_EQ(*accounts_->Recipients(id), std::vector<std::string>{r2});
}

TEST_F(AccountsTest, CodesAreSingleUseAndRecoveryCodesWorkOnce) {
  auto recovery = Enrol();
  now_ += 60;
  const std::string code = Code(now_);
  ASSERT_TRUE(accounts_->Login("jeanne@lab42.example", Pw(kPassword), code, "ip", now_).ok());
  EXPECT_FALSE(accounts_->Login("jeanne@lab42.example", Pw(kPassword), code, "ip", now_ + 1).ok());
  ASSERT_TRUE(
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), recovery[3], "ip", now_ + 2).ok());
  EXPECT_FALSE(
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), recovery[3], "ip", now_ + 3).ok());
  // A code without the password is nothing.
  EXPECT_FALSE(
      accounts_->Login("jeanne@lab42.example", Pw("not the password!"), recovery[4], "ip", now_ + 4)
          .ok());
}

TEST_F(AccountsTest, ExpiredDisabledIdleAndUnknownAccounts) {
  Enrol();
  EXPECT_FALSE(accounts_->Login("nobody@lab42.example", Pw(kPassword), "000000", "ip", now_).ok());
  auto late = now_ + 366 * 86400;
  auto expired = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(late), "ip", late);
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message().find("expired"), std::string::npos);
  ASSERT_TRUE(accounts_->Extend("jeanne@lab42.example", late + 86400).ok());
  // 90 days unused: locked until an admin unlocks it.
  auto idle = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(late), "ip", late);
  ASSERT_FALSE(idle.ok());
  EXPECT_NE(idle.error().message().find("90 days"), std::string::npos);
  ASSERT_TRUE(accounts_->Unlock("jeanne@lab42.example", late).ok());
  auto token = accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(late), "ip", late);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(accounts_->Disable("jeanne@lab42.example").ok());
  EXPECT_FALSE(accounts_->Session(*token, late + 1).ok());
  EXPECT_FALSE(
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(late + 30), "ip", late + 30)
          .ok());
}

TEST_F(AccountsTest, EnrolmentRulesAndNamedAccounts) {
  auto token = accounts_->AddUser("Jeanne Martin", "jeanne@lab42.example", Role::kApprover,
                                  now_ + 86400, now_);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(accounts_->AddUser("Other", "JEANNE@lab42.example", Role::kAdmin, now_ + 86400, now_)
                .error()
                .code(),
            ErrorCode::kAlreadyExists);  // e-mails are unique, whatever the case
  EXPECT_FALSE(accounts_->AddUser("", "x@y.z", Role::kAdmin, now_ + 86400, now_).ok());
  EXPECT_FALSE(accounts_->AddUser("X", "x@y.z", Role::kAdmin, now_ - 1, now_).ok());
  auto e = accounts_->BeginEnrolment(*token, now_);
  ASSERT_TRUE(e.ok());
  secret_.assign(e->totp_secret.RevealBytes().begin(), e->totp_secret.RevealBytes().end());
  // Weak password, wrong code: refused, the token still valid.
  EXPECT_FALSE(
      accounts_->FinishEnrolment(*token, Pw("martin martin martin"), Code(now_), now_).ok());
  EXPECT_FALSE(accounts_->FinishEnrolment(*token, Pw(kPassword), "000000", now_).ok());
  // The link expires after 72 hours.
  EXPECT_FALSE(accounts_->BeginEnrolment(*token, now_ + 73 * 3600).ok());
  EXPECT_TRUE(accounts_->FinishEnrolment(*token, Pw(kPassword), Code(now_ + 60), now_ + 60).ok());
  EXPECT_EQ(accounts_->Find("jeanne@lab42.example")->status, AccountStatus::kActive);
}

TEST_F(AccountsTest, LoginHistoryRecordsEveryAttemptAndNewAddresses) {
  Enrol();
  now_ += 60;
  LoginAttempt at;
  ASSERT_TRUE(
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.0.0.7", now_, &at)
          .ok());
  EXPECT_EQ(at.outcome, LoginOutcome::kOk);
  EXPECT_EQ(at.mfa, "totp");
  EXPECT_FALSE(at.new_ip);  // the first login has nothing to compare with
  now_ += 60;
  EXPECT_FALSE(
      accounts_
          ->Login("jeanne@lab42.example", Pw("wrong password!!"), "000000", "10.9.9.9", now_, &at)
          .ok());
  EXPECT_EQ(at.outcome, LoginOutcome::kWrongCredentials);
  ASSERT_TRUE(at.account_id.has_value());
  now_ += 60;
  ASSERT_TRUE(
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.9.9.9", now_, &at)
          .ok());
  EXPECT_TRUE(at.new_ip);
  const int64_t jeanne = *at.account_id;
  EXPECT_FALSE(
      accounts_->Login("nobody@lab42.example", Pw(kPassword), "000000", "10.9.9.9", now_, &at)
          .ok());
  EXPECT_FALSE(at.account_id.has_value());
  auto history = accounts_->LoginHistory(std::nullopt, 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);  // unknown e-mails have no history to join
  EXPECT_EQ((*history)[0].outcome, "ok");
  EXPECT_EQ((*history)[0].ip, "10.9.9.9");
  EXPECT_EQ((*history)[1].outcome, "wrong_credentials");
  EXPECT_EQ((*history)[1].mfa, "");
  EXPECT_EQ((*history)[2].ip, "10.0.0.7");
  auto mine = accounts_->LoginHistory(jeanne, 1);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->size(), 1u);
}

TEST_F(AccountsTest, TotpSecretsAreSealedWithAKeyOutsideTheDatabase) {
  Enrol();
  {
    auto db = OpenExchangeDb(dir_.string());
    ASSERT_TRUE(db.ok());
    auto q = db->Prepare("SELECT totp_secret FROM users");
    ASSERT_TRUE(q.ok() && q->Step().value());
    const Bytes stored = q->Blob(0);
    EXPECT_EQ(stored.size(), secret_.size() + 12 + 16);  // nonce, ciphertext, tag
    EXPECT_EQ(std::search(stored.begin(), stored.end(), secret_.begin(), secret_.end()),
              stored.end());
  }
  EXPECT_EQ(fs::status(dir_ / "secrets.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // The database with another key (a copy taken elsewhere) opens no account.
  accounts_.reset();
  fs::remove(dir_ / "secrets.key");
  auto other = Accounts::Open(dir_.string());
  ASSERT_TRUE(other.ok());
  now_ += 60;
  auto token = other->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.0.0.7", now_);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code(), ErrorCode::kAuthFailed);
}

// Someone who can write the database but not read secrets.key copies their
// own sealed secret (whose codes they know) into another account's row.
TEST_F(AccountsTest, ASealedSecretMovedToAnotherAccountDoesNotOpen) {
  Enrol("jeanne@lab42.example");
  const Bytes jeanne_secret = secret_;
  Enrol("mallory@lab42.example");
  const Bytes mallory_secret = secret_;
  auto db = OpenExchangeDb(dir_.string());
  ASSERT_TRUE(db.ok());
  auto sealed_of = [&](const char* email) {
    auto q = db->Prepare("SELECT totp_secret FROM users WHERE email = ?");
    EXPECT_TRUE(q.ok());
    q->Bind(1, std::string_view(email));
    EXPECT_TRUE(q->Step().value());
    return q->Blob(0);
  };
  auto set_sealed = [&](const char* email, const Bytes& sealed) {
    auto u = db->Prepare("UPDATE users SET totp_secret = ? WHERE email = ?");
    ASSERT_TRUE(u.ok());
    ASSERT_TRUE(u->Bind(1, ByteView(sealed)).Bind(2, std::string_view(email)).Run().ok());
  };
  const Bytes jeanne_sealed = sealed_of("jeanne@lab42.example");
  set_sealed("jeanne@lab42.example", sealed_of("mallory@lab42.example"));

  now_ += 60;
  secret_ = mallory_secret;  // codes from the moved secret
  LoginAttempt at;
  auto moved =
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.0.0.7", now_, &at);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code(), ErrorCode::kAuthFailed);
  EXPECT_NE(at.outcome, LoginOutcome::kOk);
  EXPECT_TRUE(at.second_factor_unreadable) << "the operator must hear of it";
  // The answer is the one a wrong password gets: it must not confirm that
  // the password was right (the attacker's review, M2).
  auto wrong = accounts_->Login("jeanne@lab42.example", Pw("not her password at all"), Code(now_),
                                "10.0.0.8", now_);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(moved.error().message(), wrong.error().message());
  EXPECT_EQ(moved.error().hint(), wrong.error().hint());
  secret_ = jeanne_secret;  // nor does Jeanne's own code open it
  EXPECT_FALSE(
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.0.0.7", now_).ok());

  // Put back, her own sealed secret opens again: the binding was the reason.
  set_sealed("jeanne@lab42.example", jeanne_sealed);
  now_ += 30;
  auto token =
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.0.0.7", now_);
  EXPECT_TRUE(token.ok()) << token.error().message();
}

// A database schema 2 made (secrets sealed without associated data) is
// upgraded on open: each secret sealed again bound to its account, and the
// owner's authenticator app keeps working.
TEST_F(AccountsTest, ASchemaTwoDatabaseUpgradesAndItsTotpStillVerifies) {
  Enrol("other@lab42.example");
  const Bytes other_secret = secret_;
  Enrol();
  accounts_.reset();
  auto key = LoadSecretsKey(dir_.string());
  ASSERT_TRUE(key.ok() && key->has_value());
  auto sealer = crypto::ChaCha20Poly1305::Create(SecretBuffer::CopyOf((*key)->RevealBytes()));
  ASSERT_TRUE(sealer.ok());
  Bytes unbound(crypto::ChaCha20Poly1305::kNonceSize);
  Bytes lost(other_secret.size() + 12 + 16);
  crypto::RandomBytes(lost);
  {
    // Back to what schema 2 stored: nonce ‖ Seal(secret) with no associated data.
    crypto::ChaCha20Poly1305::Nonce nonce;
    crypto::RandomBytes(nonce);
    std::copy(nonce.begin(), nonce.end(), unbound.begin());
    const Bytes sealed = sealer->Seal(nonce, secret_);
    unbound.insert(unbound.end(), sealed.begin(), sealed.end());
    auto db = Db::Open((dir_ / "exchange.db").string());
    ASSERT_TRUE(db.ok());
    auto u = db->Prepare("UPDATE users SET totp_secret = ? WHERE email = ?");
    ASSERT_TRUE(u.ok());
    ASSERT_TRUE(u->Bind(1, ByteView(unbound)).Bind(2, "jeanne@lab42.example").Run().ok());
    // The other account's secret was sealed with a key long lost: it opened
    // for no login before the upgrade, and must not stop the upgrade.
    auto v = db->Prepare("UPDATE users SET totp_secret = ? WHERE email = ?");
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(v->Bind(1, ByteView(lost)).Bind(2, "other@lab42.example").Run().ok());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 2").ok());
  }
  {
    auto db = OpenExchangeDb(dir_.string());  // any opener migrates
    ASSERT_TRUE(db.ok()) << db.error().message();
    EXPECT_EQ(*db->UserVersion(), kSchemaVersion);
    auto kept = db->Prepare("SELECT totp_secret FROM users WHERE email = 'other@lab42.example'");
    ASSERT_TRUE(kept.ok() && kept->Step().value());
    EXPECT_EQ(kept->Blob(0), lost);
    kept->Reset();
    auto q = db->Prepare("SELECT id, totp_secret FROM users WHERE email = 'jeanne@lab42.example'");
    ASSERT_TRUE(q.ok() && q->Step().value());
    const int64_t id = q->Int(0);
    const Bytes stored = q->Blob(1);
    EXPECT_NE(stored, unbound);
    EXPECT_FALSE(OpenTotpSecret(*sealer, id, unbound).ok()) << "schema 2 values are not bound";
    auto opened = OpenTotpSecret(*sealer, id, stored);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(Bytes(opened->RevealBytes().begin(), opened->RevealBytes().end()), secret_);
    EXPECT_FALSE(OpenTotpSecret(*sealer, id + 1, stored).ok());
    EXPECT_FALSE(OpenUnboundTotpSecret(*sealer, stored).ok());
  }
  auto reopened = Accounts::Open(dir_.string());
  ASSERT_TRUE(reopened.ok());
  now_ += 60;
  auto token = reopened->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.0.0.7", now_);
  EXPECT_TRUE(token.ok()) << token.error().message();
}

TEST(AccountStatusTest, NamesAreTheStoredWordsAndUnknownOnesAreErrors) {
  for (auto [status, name] : {std::pair{AccountStatus::kEnrolling, "enrolling"},
                              std::pair{AccountStatus::kActive, "active"},
                              std::pair{AccountStatus::kDisabled, "disabled"}}) {
    EXPECT_EQ(AccountStatusName(status), name);
    EXPECT_EQ(*ParseAccountStatus(name), status);
  }
  EXPECT_EQ(ParseAccountStatus("frozen").error().code(), ErrorCode::kMalformed);
  EXPECT_FALSE(ParseAccountStatus("").ok());
  EXPECT_FALSE(ParseRole("superuser").ok());
  EXPECT_EQ(LoginOutcomeName(LoginOutcome::kWrongCredentials), "wrong_credentials");
  EXPECT_EQ(LoginOutcomeName(LoginOutcome::kCodeReused), "code_reused");
  EXPECT_EQ(LoginOutcomeName(LoginOutcome::kNone), "");
}

TEST(AllowListTest, BlocksAndAddresses) {
  auto list = NormalizeAllowList({"10.1.2.3/16", "192.0.2.7", "2001:db8::1/32"});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, "10.1.0.0/16,192.0.2.7/32,2001:db8::/32");
  EXPECT_TRUE(AddressAllowed(*list, "10.1.200.9"));
  EXPECT_FALSE(AddressAllowed(*list, "10.2.0.1"));
  EXPECT_TRUE(AddressAllowed(*list, "192.0.2.7"));
  EXPECT_FALSE(AddressAllowed(*list, "192.0.2.8"));
  EXPECT_TRUE(AddressAllowed(*list, "2001:db8:ffff::5"));
  EXPECT_FALSE(AddressAllowed(*list, "2001:db9::5"));
  EXPECT_FALSE(AddressAllowed(*list, "not an address"));
  EXPECT_TRUE(AddressAllowed("", "203.0.113.1"));  // no list: anywhere
  for (const char* bad : {"10.1.2.3/33", "10.1.2/8", "host.example", "::1/129", "1.2.3.4/"}) {
    EXPECT_FALSE(NormalizeAllowList({bad}).ok()) << bad;
  }
}

TEST_F(AccountsTest, AnAllowListRefusesLoginsAndSessionsFromElsewhere) {
  Enrol();
  ASSERT_TRUE(accounts_->SetAllowList("jeanne@lab42.example", {"10.0.0.0/8"}).ok());
  now_ += 60;
  LoginAttempt at;
  auto refused =
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "192.0.2.1", now_, &at);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(at.outcome, LoginOutcome::kIpNotAllowed);
  now_ += 30;
  auto token =
      accounts_->Login("jeanne@lab42.example", Pw(kPassword), Code(now_), "10.0.0.7", now_);
  ASSERT_TRUE(token.ok()) << token.error().message();
  EXPECT_TRUE(accounts_->Session(*token, now_ + 1, "10.9.9.9").ok());
  EXPECT_FALSE(accounts_->Session(*token, now_ + 2, "192.0.2.1").ok());  // and it ends
  EXPECT_FALSE(accounts_->Session(*token, now_ + 3, "10.9.9.9").ok());
}

TEST(DefenderTest, BansAnAddressAfterRepeatedFailuresLongerEachTime) {
  const test_support::ScopedTempDir scratch;
  const auto dir = fs::path(scratch.path()) / "exchange";
  auto d = Defender::Open(dir.string());
  ASSERT_TRUE(d.ok());
  int64_t now = 1800000000;
  for (int i = 0; i < 9; ++i) {
    auto b = d->RecordFailure("203.0.113.9", now + i);
    ASSERT_TRUE(b.ok());
    EXPECT_FALSE(b->has_value());
  }
  EXPECT_FALSE(d->BannedUntil("203.0.113.9", now + 9)->has_value());
  auto first = d->RecordFailure("203.0.113.9", now + 9);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ(**first, now + 9 + 15 * 60);
  EXPECT_TRUE(d->BannedUntil("203.0.113.9", now + 10)->has_value());
  EXPECT_FALSE(d->BannedUntil("198.51.100.1", now + 10)->has_value());  // others unaffected
  EXPECT_FALSE(d->BannedUntil("203.0.113.9", now + 9 + 15 * 60)->has_value());
  now += 3600;
  std::optional<int64_t> second;
  for (int i = 0; i < 10; ++i) second = *d->RecordFailure("203.0.113.9", now);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second, now + 30 * 60);  // doubled
  // Failures spread wider than the window never add up to a ban.
  for (int i = 0; i < 30; ++i) {
    EXPECT_FALSE(d->RecordFailure("192.0.2.4", now + i * 120)->has_value());
  }
}

}  // namespace
}  // namespace cordon::exchange
