// Passkeys over the API: registration from a session, login into a browser
// session (cookie + CSRF token), and every answer an attacker could replay,
// forge or clone refused. The passkey is simulated exactly (FakePasskey:
// OpenSSL P-256, WebAuthn's byte layouts); the browser's JSON is built here.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "auth/totp.h"
#include "core/encoding.h"
#include "crypto/hash.h"
#include "exchange/accounts.h"
#include "exchange/passkeys.h"
#include "serve/api_internal.h"
#include "ssh/fake_passkey.h"
#include "ssh/ssh_keygen_oracle.h"
#include "testing/passkey_browser.h"
#include "testing/ssh_key_file.h"
#include "testing/test_exchange.h"

namespace cordon::serve {
namespace {

using nlohmann::json;
using ssh::testkit::FakePasskey;
using ssh::testkit::kFakeOrigin;
using ssh::testkit::kFakeRp;

using testkit::Asserted;
using testkit::Created;

struct PasskeyExchange {
  PasskeyExchange() {
    x.tweak = [this](ApiOptions& o) {
      o.clock = [this] { return now; };
      o.web = *MakeWebPolicy(kFakeOrigin);
    };
  }
  void Start() {
    x.Start();
    ASSERT_TRUE(x.api);
    dpo_session = AddPerson("dora", exchange::Role::kDpo);
    other_session = AddPerson("oscar", exchange::Role::kApprover);
  }
  // An active account with a session opened by password and TOTP now.
  std::string AddPerson(const std::string& name, exchange::Role role) {
    auto accounts = exchange::Accounts::Open(x.d);
    auto db = exchange::OpenExchangeDb(x.d);
    EXPECT_TRUE(accounts.ok() && db.ok());
    const std::string email = name + "@chu.example";
    EXPECT_TRUE(accounts->AddUser(name, email, role, now + 300 * 86400, now).ok());
    EXPECT_TRUE(accounts->SetOrganisation(email, "CHU Exemple", false).ok());
    EXPECT_TRUE(db->Prepare("UPDATE users SET status = 'active' WHERE email = ?")
                    ->Bind(1, email)
                    .Run()
                    .ok());
    ids[name] = accounts->Find(email)->id;
    const std::string token = "session-of-" + name;
    const auto h = crypto::Sha256::Hash(AsBytes(token));
    EXPECT_TRUE(db->Prepare("INSERT INTO sessions(token_hash, user_id, created_at, last_seen_at, "
                            "ip, mfa) VALUES (?, ?, ?, ?, '192.0.2.1', 'totp')")
                    ->Bind(1, ByteView(h.data(), h.size()))
                    .Bind(2, ids[name])
                    .Bind(3, now)
                    .Bind(4, now)
                    .Run()
                    .ok());
    return token;
  }
  // Another password-and-TOTP session of an existing account (a thief's).
  std::string AddSession(const std::string& name, const std::string& ip) {
    auto db = exchange::OpenExchangeDb(x.d);
    EXPECT_TRUE(db.ok());
    const std::string token = "another-session-of-" + name;
    const auto h = crypto::Sha256::Hash(AsBytes(token));
    EXPECT_TRUE(db->Prepare("INSERT INTO sessions(token_hash, user_id, created_at, last_seen_at, "
                            "ip, mfa) VALUES (?, ?, ?, ?, ?, 'totp')")
                    ->Bind(1, ByteView(h.data(), h.size()))
                    .Bind(2, ids[name])
                    .Bind(3, now)
                    .Bind(4, now)
                    .Bind(5, ip)
                    .Run()
                    .ok());
    return token;
  }
  Response Call(const std::string& method, const std::string& path, const json& body = nullptr,
                const std::string& bearer = {}, const std::string& cookie = {},
                const std::string& csrf = {}) {
    Request r;
    r.method = method;
    r.path = "/api/v1" + path;
    r.client_ip = "192.0.2.1";
    if (!bearer.empty()) r.headers["authorization"] = "Bearer " + bearer;
    if (!cookie.empty()) r.headers["cookie"] = "theme=dark; " + cookie;
    if (!csrf.empty()) r.headers["x-csrf-token"] = csrf;
    if (!body.is_null()) r.body = body.dump();
    return x.api->Handle(r);
  }
  static json J(const Response& r) { return json::parse(r.body); }
  std::string File(const std::string& name) const {
    std::ifstream in(x.dir / name, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }
  // Registers `pk` for the session; the finish's response.
  Response Register(const FakePasskey& pk, const Bytes& credential_id, const std::string& session) {
    Response begin = Call("POST", "/passkeys/begin", json::object(), session);
    EXPECT_EQ(begin.status, 200) << begin.body;
    if (begin.status != 200) return begin;
    json finish = Created(pk, credential_id, J(begin)["challenge"]);
    finish["label"] = "YubiKey bureau";
    return Call("POST", "/passkeys/finish", finish, session);
  }
  // A login with `pk`; the response.
  Response Login(const FakePasskey& pk, const Bytes& credential_id, const FakePasskey::Options& o) {
    Response begin = Call("POST", "/login/passkey/begin", json::object());
    EXPECT_EQ(begin.status, 200) << begin.body;
    return Call("POST", "/login/passkey/finish",
                Asserted(pk, credential_id, J(begin)["challenge"], o));
  }
  static std::string CookieOf(const Response& r) {
    const std::string set = r.headers.at("Set-Cookie");
    return set.substr(0, set.find(';'));
  }

  testkit::TestExchange x;
  int64_t now = 1'800'000'000;
  std::map<std::string, int64_t> ids;
  std::string dpo_session, other_session;
};

FakePasskey::Options Counter(uint32_t c) {
  FakePasskey::Options o;
  o.counter = c;
  return o;
}

TEST(WebPolicy, OriginsAsBrowsersWriteThem) {
  auto p = MakeWebPolicy("https://cordon.chu.example");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->rp_id, "cordon.chu.example");
  EXPECT_EQ(MakeWebPolicy("https://localhost:8443")->rp_id, "localhost");
  for (const char* bad :
       {"cordon.chu.example", "http://cordon.chu.example", "http://localhost",
        "https://Cordon.example", "https://cordon.example/", "https://cordon.example:443",
        "https://cordon.example:0", "https://cordon.example:99999", "https://user@cordon.example",
        "https://", "https://a..b", "https://-a.example"}) {
    EXPECT_FALSE(MakeWebPolicy(bad).ok()) << bad;
  }
}

TEST(PasskeyApi, OffUntilTheOriginIsConfigured) {
  testkit::TestExchange x;
  ASSERT_NO_FATAL_FAILURE(x.Start());
  Request r;
  r.method = "POST";
  r.path = "/api/v1/login/passkey/begin";
  r.client_ip = "192.0.2.1";
  Response off = x.api->Handle(r);
  EXPECT_EQ(off.status, 503);
  EXPECT_NE(off.body.find("[web] origin"), std::string::npos) << off.body;
}

// The whole story: registered from a fresh session, then a login that
// opens a browser session, used with its CSRF token, then logged out.
TEST(PasskeyApi, RegisterThenLogInToABrowserSession) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakePasskey pk;
  const Bytes cred(16, 0x42);
  Response reg = e.Register(pk, cred, e.dpo_session);
  ASSERT_EQ(reg.status, 201) << reg.body;
  const json passkey = e.J(reg)["passkey"];
  EXPECT_EQ(passkey["ssh_public_key"], pk.Key().Line());
  EXPECT_EQ(passkey["label"], "YubiKey bureau");
  // The registration is evidence (the key later signatures verify
  // against), and its owner hears of it.
  const std::string ledger = e.File("ledger/ledger.log");
  EXPECT_NE(ledger.find("exchange.passkey.register"), std::string::npos);
  const std::string key_line = pk.Key().Line();
  EXPECT_NE(
      ledger.find("\"ssh_public_key_base64\":\"" + key_line.substr(key_line.find(' ') + 1) + "\""),
      std::string::npos)
      << ledger;
  EXPECT_NE(e.File("alerts.jsonl").find("\"kind\":\"passkey_registered\""), std::string::npos);
  Response list = e.Call("GET", "/passkeys", nullptr, e.dpo_session);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(e.J(list)["passkeys"].size(), 1u);

  Response in = e.Login(pk, cred, Counter(8));
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string set_cookie = in.headers.at("Set-Cookie");
  for (const char* attr : {"__Host-cordon-session=", "; Path=/", "; Secure", "; HttpOnly",
                           "; SameSite=Strict", "; Max-Age=43200"}) {
    EXPECT_NE(set_cookie.find(attr), std::string::npos) << attr << " in " << set_cookie;
  }
  // The session token goes to the cookie only, never to the page.
  const json body = e.J(in);
  EXPECT_FALSE(body.contains("token"));
  EXPECT_EQ(body["account"]["id"], e.ids["dora"]);
  const std::string csrf = body["csrf_token"];
  const std::string cookie = PasskeyExchange::CookieOf(in);

  Response me = e.Call("GET", "/me", nullptr, {}, cookie);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(e.J(me)["session"]["mfa"], "passkey");
  EXPECT_EQ(e.J(me)["csrf_token"], csrf);
  // A request that changes something, sent by the browser on another
  // site's behalf, carries the cookie but not the token.
  EXPECT_EQ(e.Call("POST", "/logout", json::object(), {}, cookie).status, 403);
  EXPECT_EQ(e.Call("POST", "/logout", json::object(), {}, cookie, csrf + "x").status, 403);
  EXPECT_EQ(
      e.Call("POST", "/logout", json::object(), {}, cookie, std::string(csrf.size(), 'A')).status,
      403);
  // Another session's token is no token for this one.
  Response in2 = e.Login(pk, cred, Counter(9));
  ASSERT_EQ(in2.status, 200) << in2.body;
  EXPECT_EQ(
      e.Call("POST", "/logout", json::object(), {}, cookie, std::string(e.J(in2)["csrf_token"]))
          .status,
      403);
  Response out = e.Call("POST", "/logout", json::object(), {}, cookie, csrf);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.headers.at("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(e.Call("GET", "/me", nullptr, {}, cookie).status, 401);

  // The history says how each login was made.
  Response history = e.Call("GET", "/me/logins", nullptr, e.dpo_session);
  ASSERT_EQ(history.status, 200);
  EXPECT_NE(history.body.find("\"passkey\""), std::string::npos) << history.body;
}

// What an attacker can send instead of a fresh answer by the registered
// passkey: each is refused, counted against the address, and recorded.
TEST(PasskeyApi, LoginAnswersThatAreReplayedForgedOrClonedAreRefused) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakePasskey pk;
  const Bytes cred(16, 0x42);
  ASSERT_EQ(e.Register(pk, cred, e.dpo_session).status, 201);

  // A replayed answer: its challenge was spent by the first login.
  Response begin = e.Call("POST", "/login/passkey/begin", json::object());
  ASSERT_EQ(begin.status, 200);
  EXPECT_EQ(e.J(begin)["rp_id"], std::string(kFakeRp));
  const json answer = Asserted(pk, cred, e.J(begin)["challenge"], Counter(5));
  EXPECT_EQ(e.Call("POST", "/login/passkey/finish", answer).status, 200);
  EXPECT_EQ(e.Call("POST", "/login/passkey/finish", answer).status, 401);

  // A challenge the exchange never gave.
  EXPECT_EQ(e.Call("POST", "/login/passkey/finish",
                   Asserted(pk, cred, Base64UrlEncode(Bytes(32, 7)), Counter(6)))
                .status,
            401);
  // The counter did not advance: a cloned authenticator. Refused, alerted.
  EXPECT_EQ(e.Login(pk, cred, Counter(5)).status, 401);
  EXPECT_NE(e.File("alerts.jsonl").find("\"kind\":\"passkey_counter_went_back\""),
            std::string::npos);
  // No user verification (a touch without the PIN or biometrics).
  FakePasskey::Options no_uv = Counter(20);
  no_uv.flags = ssh::kUserPresent;
  EXPECT_EQ(e.Login(pk, cred, no_uv).status, 401);
  // Made for a phishing site, or another relying party.
  FakePasskey::Options phished = Counter(21);
  phished.origin = "https://cordon.chu-exemple.fr.evil.example";
  EXPECT_EQ(e.Login(pk, cred, phished).status, 401);
  FakePasskey::Options other_rp = Counter(22);
  other_rp.rp = "evil.example";
  EXPECT_EQ(e.Login(pk, cred, other_rp).status, 401);
  // Another key under the registered credential id, and an unknown id.
  const FakePasskey stranger;
  EXPECT_EQ(e.Login(stranger, cred, Counter(23)).status, 401);
  EXPECT_EQ(e.Login(pk, Bytes(16, 0x43), Counter(24)).status, 401);
  // A begun login answered as a registration is refused too.
  Response begin2 = e.Call("POST", "/login/passkey/begin", json::object());
  json as_registration = Created(pk, Bytes(16, 0x44), e.J(begin2)["challenge"]);
  as_registration["label"] = "x";
  EXPECT_EQ(e.Call("POST", "/passkeys/finish", as_registration, e.other_session).status, 401);

  // The registered passkey still works: nothing above changed its state.
  EXPECT_EQ(e.Login(pk, cred, Counter(30)).status, 200);
  const std::string ledger = e.File("ledger/ledger.log");
  size_t refusals = 0;
  for (size_t at = 0; (at = ledger.find("\"outcome\":\"refused\"", at)) != std::string::npos;
       ++at) {
    ++refusals;
  }
  EXPECT_GE(refusals, 8u);
}

TEST(PasskeyApi, RegistrationNeedsAFreshSessionAndTheFirstPasskeyForASecond) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakePasskey first, second;
  // A registration challenge is bound to the account that asked for it.
  Response theirs = e.Call("POST", "/passkeys/begin", json::object(), e.other_session);
  ASSERT_EQ(theirs.status, 200);
  json stolen = Created(first, Bytes(16, 1), e.J(theirs)["challenge"]);
  stolen["label"] = "mine";
  EXPECT_EQ(e.Call("POST", "/passkeys/finish", stolen, e.dpo_session).status, 401);
  // Made on another origin.
  Response begin = e.Call("POST", "/passkeys/begin", json::object(), e.dpo_session);
  json phished = Created(first, Bytes(16, 1), e.J(begin)["challenge"], "https://evil.example");
  phished["label"] = "mine";
  EXPECT_EQ(e.Call("POST", "/passkeys/finish", phished, e.dpo_session).status, 401);
  // A label that is not one line of text.
  Response begin2 = e.Call("POST", "/passkeys/begin", json::object(), e.dpo_session);
  json bad_label = Created(first, Bytes(16, 1), e.J(begin2)["challenge"]);
  bad_label["label"] = "a\nb";
  EXPECT_EQ(e.Call("POST", "/passkeys/finish", bad_label, e.dpo_session).status, 400);

  ASSERT_EQ(e.Register(first, Bytes(16, 1), e.dpo_session).status, 201);
  // The same credential again (to this or any account).
  EXPECT_EQ(e.Register(first, Bytes(16, 1), e.other_session).status, 403);
  // A password-and-TOTP session cannot add a second passkey next to it.
  Response refused = e.Call("POST", "/passkeys/begin", json::object(), e.dpo_session);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("session opened with it"), std::string::npos) << refused.body;
  // A session opened with the first one can.
  Response in = e.Login(first, Bytes(16, 1), Counter(1));
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string cookie = PasskeyExchange::CookieOf(in);
  const std::string csrf = e.J(in)["csrf_token"];
  Response begin3 = e.Call("POST", "/passkeys/begin", json::object(), {}, cookie, csrf);
  ASSERT_EQ(begin3.status, 200) << begin3.body;
  EXPECT_EQ(e.J(begin3)["excludeCredentials"].size(), 1u);
  json finish = Created(second, Bytes(16, 2), e.J(begin3)["challenge"]);
  finish["label"] = "phone";
  EXPECT_EQ(e.Call("POST", "/passkeys/finish", finish, {}, cookie, csrf).status, 201);

  // Eleven minutes after the login, a session no longer registers.
  e.now += 11 * 60;
  Response stale = e.Call("POST", "/passkeys/begin", json::object(), e.other_session);
  EXPECT_EQ(stale.status, 403);
}

// Review F1: a colleague's public key (it is in every signature they
// make) registered under a made-up credential id is refused, so their
// signatures never become another account's.
TEST(PasskeyApi, AKeyIsRegisteredOnceWhateverItsCredentialId) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakePasskey pk;
  ASSERT_EQ(e.Register(pk, Bytes(16, 1), e.dpo_session).status, 201);
  Response stolen = e.Register(pk, Bytes(16, 2), e.other_session);
  EXPECT_EQ(stolen.status, 403) << stolen.body;
  EXPECT_NE(stolen.body.find("key is registered already"), std::string::npos) << stolen.body;
  EXPECT_EQ(e.J(e.Call("GET", "/passkeys", nullptr, e.other_session))["passkeys"].size(), 0u);
}

// Review F3: begin's rules hold at finish too — a challenge taken before
// the owner registered the account's first passkey registers nothing.
TEST(PasskeyApi, ARegistrationBegunBeforeTheOwnersPasskeyCannotFinishAfterIt) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string thief_session = e.AddSession("dora", "192.0.2.66");
  Response early = e.Call("POST", "/passkeys/begin", json::object(), thief_session);
  ASSERT_EQ(early.status, 200);
  const FakePasskey owner, thief;
  ASSERT_EQ(e.Register(owner, Bytes(16, 1), e.dpo_session).status, 201);
  json finish = Created(thief, Bytes(16, 9), e.J(early)["challenge"]);
  finish["label"] = "thief";
  Response late = e.Call("POST", "/passkeys/finish", finish, thief_session);
  // The thief's password session ended with the owner's registration (401);
  // were it alive, the challenge taken before the first passkey is refused
  // (403, review F3).
  EXPECT_EQ(late.status, 401) << late.body;
  EXPECT_EQ(e.J(e.Call("GET", "/passkeys", nullptr, e.dpo_session))["passkeys"].size(), 1u);
}

// Review F4: forged answers naming a credential id raise no clone alert;
// only a valid answer whose counter went back does. F6: the client is not
// told which check failed.
TEST(PasskeyApi, OnlyAValidAnswerWithAnOldCounterRaisesTheCloneAlert) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakePasskey pk, forger;
  const Bytes cred(16, 0x42);
  ASSERT_EQ(e.Register(pk, cred, e.dpo_session).status, 201);
  ASSERT_EQ(e.Login(pk, cred, Counter(10)).status, 200);
  Response forged = e.Login(forger, cred, Counter(3));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(e.J(forged)["error"], "this passkey login was not accepted");
  FakePasskey::Options phished = Counter(3);
  phished.origin = "https://evil.example";
  EXPECT_EQ(e.Login(pk, cred, phished).status, 401);
  EXPECT_EQ(e.File("alerts.jsonl").find("passkey_counter_went_back"), std::string::npos);
  EXPECT_EQ(e.Login(pk, cred, Counter(3)).status, 401);
  EXPECT_NE(e.File("alerts.jsonl").find("passkey_counter_went_back"), std::string::npos);
}

// An account enrolled with its password and TOTP (as a person does), for
// tests that log in through /login; returns the code generator.
std::function<std::string(int64_t)> EnrolByPassword(PasskeyExchange& e, const std::string& name,
                                                    const std::string& email, exchange::Role role) {
  auto accounts = exchange::Accounts::Open(e.x.d);
  EXPECT_TRUE(accounts.ok());
  auto token = accounts->AddUser(name, email, role, e.now + 86400, e.now - 120);
  EXPECT_TRUE(token.ok());
  EXPECT_TRUE(accounts->SetOrganisation(email, "CHU Exemple", false).ok());
  auto enrol = accounts->BeginEnrolment(*token, e.now - 120);
  EXPECT_TRUE(enrol.ok());
  const Bytes secret(enrol->totp_secret.RevealBytes().begin(),
                     enrol->totp_secret.RevealBytes().end());
  auto code = [secret](int64_t t) {
    return auth::FormatOtp(auth::Hotp(SecretBuffer::CopyOf(secret), auth::TotpStep(t), 6), 6);
  };
  const auto pw = SecretBuffer::CopyOf(AsBytes("violet tram seventeen lanterns"));
  EXPECT_TRUE(accounts->FinishEnrolment(*token, pw, code(e.now - 120), e.now - 120).ok());
  return code;
}

// A page logs in with password and code into the cookie too: the token
// never reaches its script.
TEST(PasskeyApi, ABrowsersPasswordLoginGetsTheCookieNotTheToken) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const auto code = EnrolByPassword(e, "Paul Page", "paul@chu.example", exchange::Role::kDpo);
  Response in = e.Call("POST", "/login",
                       {{"email", "paul@chu.example"},
                        {"password", "violet tram seventeen lanterns"},
                        {"code", code(e.now)},
                        {"browser", true}});
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_FALSE(e.J(in).contains("token"));
  const std::string cookie = PasskeyExchange::CookieOf(in);
  EXPECT_EQ(e.Call("GET", "/me", nullptr, {}, cookie).status, 200);
  EXPECT_EQ(e.Call("POST", "/passkeys/begin", json::object(), {}, cookie).status, 403);
  EXPECT_EQ(e.Call("POST", "/passkeys/begin", json::object(), {}, cookie,
                   std::string(e.J(in)["csrf_token"]))
                .status,
            200);
}

TEST(Passkeys, ChallengesAreSingleUseBoundAndExpire) {
  test_support::ScopedTempDir scratch;
  auto db = exchange::OpenExchangeDb(scratch.path());
  ASSERT_TRUE(db.ok()) << db.error().message();
  exchange::Passkeys p(*db);
  const int64_t now = 1'800'000'000;
  using exchange::Ceremony;
  auto c = p.NewChallenge(Ceremony::kLogin, {}, "192.0.2.1", now);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), exchange::kChallengeBytes);
  EXPECT_FALSE(p.SpendChallenge(*c, Ceremony::kRegister, {}, now).ok());  // spent by the try
  auto c2 = p.NewChallenge(Ceremony::kLogin, {}, "192.0.2.1", now);
  EXPECT_FALSE(p.SpendChallenge(*c2, Ceremony::kLogin, {}, now + exchange::kChallengeSeconds).ok());
  auto c3 = p.NewChallenge(Ceremony::kLogin, {}, "192.0.2.1", now);
  EXPECT_FALSE(p.SpendChallenge(*c3, Ceremony::kLogin, int64_t{1}, now).ok());
  auto c4 = p.NewChallenge(Ceremony::kLogin, {}, "192.0.2.1", now);
  EXPECT_TRUE(p.SpendChallenge(*c4, Ceremony::kLogin, {}, now + 1).ok());
  EXPECT_FALSE(p.SpendChallenge(*c4, Ceremony::kLogin, {}, now + 1).ok());
  // Only the digest is stored.
  auto q = db->Prepare("SELECT count(*) FROM webauthn_challenges WHERE challenge_sha256 = ?");
  auto c5 = p.NewChallenge(Ceremony::kLogin, {}, "192.0.2.1", now);
  q->Bind(1, ByteView(*c5));
  ASSERT_TRUE(q->Step().ok());
  EXPECT_EQ(q->Int(0), 0);
  q->Reset();

  // One address cannot fill the table for everyone (review F2): its own
  // quota runs out, another address still begins.
  int begun = 0;
  while (p.NewChallenge(Ceremony::kLogin, {}, "198.51.100.9", now).ok()) ++begun;
  EXPECT_EQ(begun, exchange::kMaxPendingChallengesPerSource);
  auto refused = p.NewChallenge(Ceremony::kLogin, {}, "198.51.100.9", now);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(p.NewChallenge(Ceremony::kLogin, {}, "203.0.113.4", now).ok());
  // Expired ones free the quota.
  EXPECT_TRUE(
      p.NewChallenge(Ceremony::kLogin, {}, "198.51.100.9", now + exchange::kChallengeSeconds).ok());
}

// A lost passkey is revoked when two admins approve — not by its owner, not
// by one admin alone; then the owner's sessions end, the passkey logs in no
// more, and the owner registers a new one from a password-and-code session.

TEST(PasskeyApi, TheyWhoSignLogInWithTheirPasskeyOnceTheyHaveOne) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const auto code = EnrolByPassword(e, "Paul Page", "paul@chu.example", exchange::Role::kDpo);
  const auto op_code =
      EnrolByPassword(e, "Olga Operator", "olga@chu.example", exchange::Role::kOperator);
  auto login = [&](const std::string& email, const std::string& c, bool browser) {
    json body = {{"email", email}, {"password", "violet tram seventeen lanterns"}, {"code", c}};
    if (browser) body["browser"] = true;
    return e.Call("POST", "/login", body);
  };
  // Before any passkey: the password opens the page where one is registered.
  Response earlier = login("paul@chu.example", code(e.now), false);
  ASSERT_EQ(earlier.status, 200) << earlier.body;
  e.now += 30;
  Response first = login("paul@chu.example", code(e.now), false);
  ASSERT_EQ(first.status, 200) << first.body;
  const FakePasskey pk;
  ASSERT_EQ(e.Register(pk, Bytes(16, 0x61), e.J(first)["token"]).status, 201);
  // A password session opened before (a phished code's, maybe) ends with
  // the registration; the one that registered goes on.
  EXPECT_EQ(e.Call("GET", "/me", nullptr, e.J(earlier)["token"]).status, 401);
  EXPECT_EQ(e.Call("GET", "/me", nullptr, e.J(first)["token"]).status, 200);
  e.now += 30;  // each TOTP step logs in once
  Response refused = login("paul@chu.example", code(e.now), true);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("passkey"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.headers.count("Set-Cookie"), 0u) << "no session given";
  EXPECT_NE(e.File("ledger/ledger.log").find("passkey required"), std::string::npos);
  // A wrong password is told apart from nothing: the passkey rule comes after it.
  e.now += 30;
  Response wrong = e.Call("POST", "/login",
                          {{"email", "paul@chu.example"},
                           {"password", "not the password at all"},
                           {"code", code(e.now)},
                           {"browser", true}});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  // Nor a bearer token (re-attack F1: a phishing page that took the password
  // and a code logged in without "browser" and read the DPO's orders).
  e.now += 30;
  Response bearer = login("paul@chu.example", code(e.now), false);
  EXPECT_EQ(bearer.status, 403) << bearer.body;
  EXPECT_EQ(bearer.body.find("token"), std::string::npos) << bearer.body;
  // "browser" is a boolean or nothing: a string is no way around the rule.
  e.now += 30;
  Response odd = e.Call("POST", "/login",
                        {{"email", "paul@chu.example"},
                         {"password", "violet tram seventeen lanterns"},
                         {"code", code(e.now)},
                         {"browser", "false"}});
  EXPECT_EQ(odd.status, 400) << odd.body;
  // Other roles may use a passkey, or their password and code, as they like.
  Response olga = login("olga@chu.example", op_code(e.now), false);
  ASSERT_EQ(olga.status, 200) << olga.body;
  ASSERT_EQ(e.Register(FakePasskey(), Bytes(16, 0x62), e.J(olga)["token"]).status, 201);
  e.now += 30;
  EXPECT_EQ(login("olga@chu.example", op_code(e.now), true).status, 200);
  // A lost passkey, revoked by two admins: the password registers the next.
  const std::string ada = e.AddPerson("ada", exchange::Role::kAdmin);
  const std::string adele = e.AddPerson("adele", exchange::Role::kAdmin);
  Request list;
  list.method = "GET";
  list.path = "/api/v1/passkeys";
  list.client_ip = "192.0.2.1";
  list.query["email"] = "paul@chu.example";
  list.headers["authorization"] = "Bearer " + ada;
  const int64_t id = e.J(e.x.api->Handle(list))["passkeys"][0]["id"];
  const std::string path = "/passkeys/" + std::to_string(id) + "/revoke";
  const json why = {{"reason", "lost, ticket SEC-13"}};
  ASSERT_EQ(e.Call("POST", path, why, ada).status, 200);
  e.now += 30;
  EXPECT_EQ(login("paul@chu.example", code(e.now), true).status, 403) << "one approval of two";
  ASSERT_EQ(e.Call("POST", path, why, adele).status, 200);
  e.now += 30;
  EXPECT_EQ(login("paul@chu.example", code(e.now), true).status, 200);
}

TEST(PasskeyApi, ALostPasskeyIsRevokedByTwoAdminsAndReplaced) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string admin1 = e.AddPerson("ada", exchange::Role::kAdmin);
  const std::string admin2 = e.AddPerson("adele", exchange::Role::kAdmin);
  const FakePasskey pk;
  const Bytes cred(16, 0x51);
  ASSERT_EQ(e.Register(pk, cred, e.dpo_session).status, 201);
  const int64_t id = e.J(e.Call("GET", "/passkeys", nullptr, e.dpo_session))["passkeys"][0]["id"];
  const std::string path = "/passkeys/" + std::to_string(id) + "/revoke";
  const json why = {{"reason", "lost on 2027-01-15, ticket SEC-12"}};
  EXPECT_EQ(e.Call("POST", path, why, e.dpo_session).status, 403) << "the owner is no admin";
  EXPECT_NE(e.File("ledger/ledger.log").find("\"action\":\"exchange.passkey.revoke\""),
            std::string::npos)
      << "a refusal is recorded";
  EXPECT_EQ(e.Call("POST", path, why, e.other_session).status, 403);
  EXPECT_EQ(e.Call("POST", path, json::object(), admin1).status, 400) << "no reason";
  EXPECT_EQ(e.Call("POST", "/passkeys/999/revoke", why, admin1).status, 404);
  // An admin finds the account's passkeys; nobody else lists another's.
  Request list;
  list.method = "GET";
  list.path = "/api/v1/passkeys";
  list.client_ip = "192.0.2.1";
  list.query["email"] = "dora@chu.example";
  list.headers["authorization"] = "Bearer " + admin1;
  Response listed = e.x.api->Handle(list);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(e.J(listed)["passkeys"][0]["id"], id);
  list.headers["authorization"] = "Bearer " + e.other_session;
  EXPECT_EQ(e.x.api->Handle(list).status, 403);

  Response first = e.Call("POST", path, why, admin1);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(e.J(first)["revoked"], false);
  EXPECT_NE(e.Call("POST", path, why, admin1).status, 200) << "one admin twice is one admin";
  EXPECT_EQ(e.Login(pk, cred, Counter(8)).status, 200) << "active until the second approval";
  EXPECT_EQ(e.Call("GET", "/me", nullptr, e.dpo_session).status, 200);
  Response second = e.Call("POST", path, why, admin2);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(e.J(second)["revoked"], true);
  EXPECT_EQ(e.J(second)["approvals"].size(), 2u);
  EXPECT_EQ(e.Call("GET", "/me", nullptr, e.dpo_session).status, 401) << "the owner's sessions end";
  EXPECT_NE(e.Login(pk, cred, Counter(9)).status, 200) << "a revoked passkey logs in no more";
  EXPECT_NE(e.Call("POST", path, why, admin1).status, 200) << "revoked already";
  EXPECT_NE(e.File("ledger/ledger.log").find("exchange.passkey.revoke"), std::string::npos);
  EXPECT_NE(e.File("alerts.jsonl").find("\"kind\":\"passkey_revocation\""), std::string::npos);
  // The owner comes back with password and code, and enrols a new passkey.
  const std::string back = e.AddSession("dora", "192.0.2.7");
  const FakePasskey pk2;
  EXPECT_EQ(e.Register(pk2, Bytes(16, 0x52), back).status, 201);
}

TEST(Passkeys, NoOneApprovesTheRevocationOfTheirOwnNorOfTheirNamesakesPasskey) {
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakePasskey pk;
  ASSERT_EQ(e.Register(pk, Bytes(16, 0x53), e.dpo_session).status, 201);
  const int64_t id = e.J(e.Call("GET", "/passkeys", nullptr, e.dpo_session))["passkeys"][0]["id"];
  auto accounts = exchange::Accounts::Open(e.x.d);
  ASSERT_TRUE(accounts.ok());
  ASSERT_TRUE(accounts
                  ->AddUser("DORA", "dora.admin@chu.example", exchange::Role::kAdmin, e.now + 86400,
                            e.now, /*allow_same_name=*/true)
                  .ok());
  auto db = exchange::OpenExchangeDb(e.x.d);
  ASSERT_TRUE(db.ok());
  exchange::Passkeys passkeys(*db);
  auto namesake =
      passkeys.ApproveRevocation(id, *accounts->Find("dora.admin@chu.example"), "lost", e.now);
  ASSERT_FALSE(namesake.ok());
  EXPECT_EQ(namesake.error().code(), ErrorCode::kRefused);
  EXPECT_FALSE(
      passkeys.ApproveRevocation(id, *accounts->Find("dora@chu.example"), "lost", e.now).ok());
  EXPECT_EQ(*passkeys.CountActive(e.ids["dora"]), 1);
  // One person with two admin accounts approves once.
  ASSERT_TRUE(
      accounts
          ->AddUser("Ada Admin", "ada@chu.example", exchange::Role::kAdmin, e.now + 86400, e.now)
          .ok());
  ASSERT_TRUE(accounts
                  ->AddUser("ADA\u00a0ADMİN", "ada2@chu.example", exchange::Role::kAdmin,
                            e.now + 86400, e.now, /*allow_same_name=*/true)
                  .ok());
  ASSERT_TRUE(
      passkeys.ApproveRevocation(id, *accounts->Find("ada@chu.example"), "lost", e.now).ok());
  auto twice = passkeys.ApproveRevocation(id, *accounts->Find("ada2@chu.example"), "lost", e.now);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kRefused);
  EXPECT_EQ(*passkeys.CountActive(e.ids["dora"]), 1);
}

// The command line of an account that logs in with its passkey: after its
// password and code, its registered SSH key signs the exchange's one-time
// challenge (cordon-login@RP_ID); any other key, namespace, account or a
// second use of the challenge is refused, and the browser still needs the
// passkey.
TEST(PasskeyApi, TheCommandLineLogsInWithARegisteredKeyWhereAPasskeyIsRequired) {
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  PasskeyExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const auto code = EnrolByPassword(e, "Paul Page", "paul@chu.example", exchange::Role::kApprover);
  auto login = [&](bool browser = false) {
    e.now += 30;  // each TOTP step logs in once
    json body = {{"email", "paul@chu.example"},
                 {"password", "violet tram seventeen lanterns"},
                 {"code", code(e.now)}};
    if (browser) body["browser"] = true;
    return e.Call("POST", "/login", body);
  };
  Response first = login();
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string session = e.J(first)["token"];
  const testkit::KeyFile key, stranger;
  {
    Response asked = e.Call("POST", "/ssh-keys", {{"public_key", key.Line()}}, session);
    ASSERT_EQ(asked.status, 200) << asked.body;
    const json a = e.J(asked);
    auto doc = Base64Decode(a["document_base64"].get<std::string>());
    ASSERT_TRUE(doc.ok());
    Response added =
        e.Call("POST", "/ssh-keys",
               {{"public_key", key.Line()},
                {"proof", key.Sign(a["namespace"], std::string(doc->begin(), doc->end()))}},
               session);
    ASSERT_EQ(added.status, 201) << added.body;
  }
  ASSERT_EQ(e.Register(FakePasskey(), Bytes(16, 0x63), session).status, 201);

  // What the exchange asks the key to sign: a login to this exchange, of
  // this account, with its challenge — and no session yet.
  struct Offer {
    std::string ns, challenge, document;
  };
  auto offer = [&]() -> Offer {
    Response r = login();
    EXPECT_EQ(r.status, 401) << r.body;
    const json j = e.J(r);
    EXPECT_EQ(j.value("code", ""), "key_signature_required") << r.body;
    EXPECT_FALSE(j.contains("token"));
    const json& k = j["key_login"];
    auto doc = Base64Decode(k.value("document_base64", ""));
    EXPECT_TRUE(doc.ok());
    return {k.value("namespace", ""), k.value("challenge", ""),
            doc.ok() ? std::string(doc->begin(), doc->end()) : std::string()};
  };
  auto finish = [&](const std::string& email, const Offer& o, const std::string& sshsig) {
    return e.Call("POST", "/login/ssh-key",
                  {{"email", email}, {"challenge", o.challenge}, {"sshsig", sshsig}});
  };
  Offer o = offer();
  EXPECT_EQ(o.ns, "cordon-login@" + std::string(kFakeRp));
  const json doc = json::parse(o.document);
  EXPECT_EQ(doc["format"], "cordon-key-login");
  EXPECT_EQ(doc["account"], "paul@chu.example");
  EXPECT_EQ(doc["exchange"], kFakeOrigin);
  EXPECT_EQ(doc["challenge"], o.challenge);
  EXPECT_EQ(doc.dump(), o.document) << "canonical: sorted keys, no whitespace";
  // A key not registered to the account; then the challenge is spent.
  EXPECT_EQ(finish("paul@chu.example", o, stranger.Sign(o.ns, o.document)).status, 403);
  EXPECT_EQ(finish("paul@chu.example", o, key.Sign(o.ns, o.document)).status, 401);
  // The right key in another namespace (a decision's) signs no login.
  o = offer();
  EXPECT_EQ(
      finish("paul@chu.example", o, key.Sign("cordon-grant@" + std::string(kFakeRp), o.document))
          .status,
      401);
  // Another account's login cannot spend this one's challenge.
  o = offer();
  EXPECT_EQ(finish("dora@chu.example", o, key.Sign(o.ns, o.document)).status, 401);
  o = offer();
  const std::string sig = key.Sign(o.ns, o.document);
  Response in = finish("paul@chu.example", o, sig);
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string token = e.J(in)["token"];
  EXPECT_EQ(e.J(in)["account"]["email"], "paul@chu.example");
  EXPECT_EQ(e.Call("GET", "/me", nullptr, token).status, 200);
  EXPECT_NE(e.File("ledger/ledger.log").find("\"mfa\":\"ssh_key\""), std::string::npos);
  // Once: the same answer again opens nothing.
  EXPECT_EQ(finish("paul@chu.example", o, sig).status, 401);
  // A browser still logs in with the passkey only.
  EXPECT_EQ(login(true).status, 403);
  // Nothing to ask for without the challenge's parts.
  EXPECT_EQ(e.Call("POST", "/login/ssh-key", {{"email", "paul@chu.example"}}).status, 400);
}

}  // namespace
}  // namespace cordon::serve
