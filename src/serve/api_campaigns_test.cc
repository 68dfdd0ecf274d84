// Access review campaigns over the API with each decision a signature
// (issue 17): by passkey in the pages, by a registered SSH key from the
// command line; kept with the decision, verifiable offline with stock
// ssh-keygen, and the account's fate at the deadline follows the signed
// decisions only.
#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "exchange/accounts.h"
#include "exchange/db.h"
#include "exchange/targets.h"
#include "serve/api_internal.h"
#include "ssh/allowed_signers.h"
#include "ssh/ssh_keygen_oracle.h"
#include "ssh/sshsig.h"
#include "testing/remote_exchange.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::serve {
namespace {

using ssh::oracle::Q;
using testkit::RemoteExchange;
using testkit::Unbase64;

constexpr const char* kDeadline = "2027-01-22T08:00:00Z";

int64_t OpenVendorCampaign(RemoteExchange& e) {
  e.VendorRequestsTheHospitalsTarget();
  Response opened = e.Call("POST", "/reviews/campaigns", e.approver,
                           {{"organisation", "Vendor SA"}, {"deadline", kDeadline}});
  EXPECT_EQ(opened.status, 201) << opened.body;
  return RemoteExchange::J(opened)["id"];
}

// `ssh-keygen -Y verify` of `doc` and `sig` for `email`'s `key_line`.
int VerifyOffline(const std::string& dir, const std::string& email, const std::string& ns,
                  const std::string& key_line, const std::string& doc, const std::string& sig) {
  ssh::oracle::WriteText(dir + "/decision.json", doc);
  ssh::oracle::WriteText(dir + "/decision.json.sig", sig);
  ssh::oracle::WriteText(dir + "/allowed_signers",
                         email + " namespaces=\"" + ns + "\" " + key_line + "\n");
  return ssh::oracle::Run("ssh-keygen -Y verify -f " + Q(dir + "/allowed_signers") + " -I " +
                          email + " -n " + ns + " -s " + Q(dir + "/decision.json.sig") + " < " +
                          Q(dir + "/decision.json"))
      .exit_code;
}

// `message` signed by the key file `key` with stock ssh-keygen (in `dir`).
std::string SignWithKeyFile(const std::string& dir, const std::string& key, const std::string& ns,
                            const std::string& message) {
  ssh::oracle::WriteText(dir + "/m", message);
  std::filesystem::remove(dir + "/m.sig");
  EXPECT_EQ(
      ssh::oracle::Run("ssh-keygen -q -Y sign -f " + Q(key) + " -n " + ns + " " + Q(dir + "/m"))
          .exit_code,
      0);
  return ssh::oracle::ReadText(dir + "/m.sig");
}

// Registers the key `line` to the approver's account, its proof signed by
// `sign` (POST /ssh-keys twice: the document, then the proof).
template <typename Sign>
void RegisterKeyFile(RemoteExchange& e, const std::string& line, const Sign& sign,
                     int64_t* id = nullptr) {
  Response asked = e.Call("POST", "/ssh-keys", e.approver, {{"public_key", line}});
  ASSERT_EQ(asked.status, 200) << asked.body;
  const nlohmann::json a = RemoteExchange::J(asked);
  Response registered = e.Call(
      "POST", "/ssh-keys", e.approver,
      {{"public_key", line}, {"proof", sign(a["namespace"], Unbase64(a, "document_base64"))}});
  ASSERT_EQ(registered.status, 201) << registered.body;
  if (id) *id = RemoteExchange::J(registered)["id"];
}

TEST(ApiCampaignsTest, AnApproverKeepsAnAccountWithAPasskeyAndTheDecisionVerifiesOffline) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string colleague = e.Person("alba", exchange::Role::kApprover, "CHU Exemple");
  const int64_t id = OpenVendorCampaign(e);
  const std::string c = "/reviews/campaigns/" + std::to_string(id);
  const int64_t victor = e.ids["victor"], vera = e.ids["vera"];

  const testkit::FakePasskey pk, colleague_pk;
  const Bytes cred(16, 31), colleague_cred(16, 32);
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(e.approver, pk, cred));
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(colleague, colleague_pk, colleague_cred));
  // With a passkey, a bare decision is no longer taken.
  Response bare =
      e.Call("POST", c + "/decisions", e.approver, {{"account", victor}, {"decision", "keep"}});
  EXPECT_EQ(bare.status, 403);
  EXPECT_NE(bare.body.find("passkey"), std::string::npos) << bare.body;

  // What the approver sees: the accounts under review, and per account a
  // document to sign for keep and for remove.
  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", c, e.approver));
  EXPECT_TRUE(shown["open"]);
  ASSERT_TRUE(shown["reviewed"].is_array()) << shown;
  bool listed = false;
  for (const auto& r : shown["reviewed"]) listed = listed || r["email"] == "victor@example.org";
  EXPECT_TRUE(listed) << shown;
  const std::string ns = shown["sign"]["namespace"];
  EXPECT_EQ(ns, "cordon-review@" + std::string(ssh::testkit::kFakeRp));
  const nlohmann::json& offer = shown["sign"]["decisions"][std::to_string(victor)];
  const std::string doc = Unbase64(offer["keep"], "document_base64");
  const std::string challenge = offer["keep"]["challenge"];
  EXPECT_EQ(challenge, Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc)))));
  const auto parsed = nlohmann::json::parse(doc);
  EXPECT_EQ(parsed["format"], "cordon-review-decision");
  EXPECT_EQ(parsed["decision"], "keep");
  EXPECT_EQ(parsed["campaign"]["id"], id);
  EXPECT_EQ(parsed["campaign"]["deadline"], kDeadline);
  EXPECT_EQ(parsed["account"]["email"], "victor@example.org");
  EXPECT_EQ(parsed.dump(), doc) << "canonical: sorted keys, no whitespace";
  // The vendor's own approver sees who is under review and decides nothing;
  // another vendor's approver does not see the campaign at all.
  const nlohmann::json own = RemoteExchange::J(e.Call("GET", c, e.vendor_boss));
  EXPECT_FALSE(own.contains("sign"));
  EXPECT_TRUE(own.contains("not_yours")) << own;
  const std::string rival = e.Person("walt", exchange::Role::kApprover, "Vendor B");
  EXPECT_EQ(e.Call("GET", c, rival).status, 404);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/reviews/campaigns", rival))["campaigns"].size(), 0u);
  // Nor does a hospital whose targets the vendor never requested: the
  // vendor is not its vendor (second attack review of 2026-12-05, N1).
  {
    auto db = exchange::OpenExchangeDb(e.x.d);
    ASSERT_TRUE(db.ok());
    exchange::Target ris;
    ris.name = "ris07";
    ris.address = "10.9.0.7:22";
    ris.principal = "ris";
    ris.organisation = "CH Ailleurs";
    ASSERT_TRUE(exchange::Targets(*db).Add(ris, e.now).ok());
  }
  const std::string elsewhere = e.Person("eve", exchange::Role::kApprover, "CH Ailleurs");
  EXPECT_EQ(e.Call("GET", c, elsewhere).status, 404);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/reviews/campaigns", elsewhere))["campaigns"].size(),
            0u);
  // Unsigned too (eve has no key): the answer is the one a campaign that
  // does not exist gets, naming neither the vendor nor the campaign's state
  // (third attack review of 2026-12-05).
  Response unsigned_hidden =
      e.Call("POST", c + "/decisions", elsewhere, {{"account", victor}, {"decision", "remove"}});
  EXPECT_EQ(unsigned_hidden.status, 404);
  EXPECT_EQ(RemoteExchange::J(unsigned_hidden)["error"], "no campaign " + std::to_string(id))
      << unsigned_hidden.body;
  // Nor does a signature check tell them whether a campaign or an account
  // exists: who may not decide is refused before any signature is read.
  const nlohmann::json junk = {{"account", victor}, {"decision", "keep"}, {"sshsig", "junk"}};
  Response hidden = e.Call("POST", c + "/decisions", rival, junk);
  Response missing = e.Call("POST", "/reviews/campaigns/999/decisions", rival, junk);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(RemoteExchange::J(hidden)["code"], RemoteExchange::J(missing)["code"]);
  EXPECT_EQ(RemoteExchange::J(hidden)["error"], "no campaign " + std::to_string(id));
  EXPECT_EQ(e.Call("POST", c + "/decisions", e.vendor_boss, junk).status, 403);
  EXPECT_EQ(e.Call("POST", "/reviews/campaigns", e.vendor_boss,
                   {{"organisation", "CHU Exemple"}, {"deadline", kDeadline}})
                .status,
            404)
      << "a vendor never reviews the hospital";

  const auto answer = [&](const testkit::FakePasskey& key, const Bytes& cid, uint32_t counter,
                          const std::string& over, int64_t account, const std::string& decision,
                          uint8_t flags = ssh::kUserPresent | ssh::kUserVerified) {
    testkit::FakePasskey::Options o;
    o.counter = counter;
    o.flags = flags;
    nlohmann::json body = testkit::Asserted(key, cid, over, o);
    body["account"] = account;
    body["decision"] = decision;
    return body;
  };
  const auto decide = [&](const std::string& session, const nlohmann::json& body) {
    return e.Call("POST", c + "/decisions", session, body).status;
  };
  const std::string remove_challenge = offer["remove"]["challenge"];
  const std::string vera_keep =
      shown["sign"]["decisions"][std::to_string(vera)]["keep"]["challenge"];
  // A signature over "remove" keeps nobody; one over Vera's account keeps
  // not Victor; no user verification, someone else's passkey, a
  // campaign that does not exist: refused, nothing decided.
  EXPECT_EQ(decide(e.approver, answer(pk, cred, 1, remove_challenge, victor, "keep")), 401);
  EXPECT_EQ(decide(e.approver, answer(pk, cred, 2, vera_keep, victor, "keep")), 401);
  EXPECT_EQ(decide(e.approver, answer(pk, cred, 3, challenge, victor, "keep", ssh::kUserPresent)),
            401);
  EXPECT_EQ(decide(colleague, answer(pk, cred, 4, challenge, victor, "keep")), 403);
  EXPECT_EQ(e.Call("POST", "/reviews/campaigns/999/decisions", e.approver,
                   answer(pk, cred, 5, challenge, victor, "keep"))
                .status,
            404);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", c, e.approver))["decisions"].size(), 0u);

  Response kept =
      e.Call("POST", c + "/decisions", e.approver, answer(pk, cred, 10, challenge, victor, "keep"));
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_NE(decide(e.approver, answer(pk, cred, 10, challenge, victor, "keep")), 200)
      << "a replayed answer takes nothing more";
  const nlohmann::json after = RemoteExchange::J(e.Call("GET", c, e.approver));
  ASSERT_EQ(after["decisions"].size(), 1u) << after;
  const nlohmann::json& d = after["decisions"][0];
  EXPECT_TRUE(d["signed"]);
  EXPECT_EQ(d["account"], victor);
  EXPECT_EQ(d["signer_email"], "anne@example.org");
  EXPECT_EQ(Unbase64(d, "document_base64"), doc);
  EXPECT_EQ(d["ssh_public_key"], pk.Key().Line());
  EXPECT_NE(d["verify"].get<std::string>().find("-n " + ns), std::string::npos);
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find("\"action\":\"exchange.review.campaign.decide\""), std::string::npos);
  EXPECT_NE(ledger.find(HexEncode(crypto::Sha256::Hash(AsBytes(doc)))), std::string::npos);

  // The listing names the campaign without the accounts' details.
  const nlohmann::json list = RemoteExchange::J(e.Call("GET", "/reviews/campaigns", e.approver));
  ASSERT_EQ(list["campaigns"].size(), 1u) << list;
  EXPECT_EQ(list["campaigns"][0]["id"], id);
  EXPECT_FALSE(list["campaigns"][0].contains("reviewed"));
  EXPECT_EQ(e.Call("GET", "/reviews/campaigns", e.vendor).status, 403);

  // At the deadline, the signed keep holds; Vera, undecided, is disabled.
  e.now = 1800000000 + 30 * 86400;
  e.x.api->SweepRetention();
  auto accounts = exchange::Accounts::Open(e.x.d);
  EXPECT_EQ(accounts->Get(victor)->status, exchange::AccountStatus::kActive);
  EXPECT_EQ(accounts->Get(vera)->status, exchange::AccountStatus::kDisabled);

  // Offline: the document, the signature and the passkey's key line.
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen is not installed";
  const std::string sshsig = d["sshsig"];
  EXPECT_EQ(VerifyOffline(e.x.d, "anne@example.org", ns, pk.Key().Line(), doc, sshsig), 0);
  std::string removed = doc;
  removed.replace(removed.find("\"keep\""), 6, "\"remove\"");
  EXPECT_NE(VerifyOffline(e.x.d, "anne@example.org", ns, pk.Key().Line(), removed, sshsig), 0);
}

// From the command line: a decision signed by `ssh-keygen -Y sign` with a
// key registered to the approver; a later decision replaces the earlier
// one with its own signature.
TEST(ApiCampaignsTest, AnApproverDecidesFromTheCommandLineWithARegisteredSshKey) {
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  test_support::ScopedTempDir dir;
  const std::string key = dir / "id";
  ASSERT_EQ(ssh::oracle::Run("ssh-keygen -q -t ed25519 -N '' -C anne -f " + Q(key)).exit_code, 0);
  const auto sign = [&](const std::string& ns, const std::string& message) {
    return SignWithKeyFile(dir.path(), key, ns, message);
  };
  const std::string line = ssh::oracle::FirstLine(key + ".pub");
  int64_t key_id = 0;
  ASSERT_NO_FATAL_FAILURE(RegisterKeyFile(e, line, sign, &key_id));

  const int64_t id = OpenVendorCampaign(e);
  const std::string c = "/reviews/campaigns/" + std::to_string(id);
  const int64_t victor = e.ids["victor"];
  Response bare =
      e.Call("POST", c + "/decisions", e.approver, {{"account", victor}, {"decision", "remove"}});
  EXPECT_EQ(bare.status, 403) << "with a key, unsigned decisions are refused";
  EXPECT_NE(bare.body.find("--sign-with"), std::string::npos) << bare.body;

  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", c, e.approver));
  const std::string ns = shown["sign"]["namespace"];
  const nlohmann::json& offer = shown["sign"]["decisions"][std::to_string(victor)];
  const std::string keep_doc = Unbase64(offer["keep"], "document_base64");
  const auto decide = [&](const std::string& decision, const std::string& sshsig) {
    return e.Call("POST", c + "/decisions", e.approver,
                  {{"account", victor}, {"decision", decision}, {"sshsig", sshsig}});
  };
  EXPECT_EQ(decide("remove", sign(ns, keep_doc)).status, 401) << "a keep removes nobody";
  EXPECT_EQ(
      decide("keep", sign("cordon-grant@" + std::string(ssh::testkit::kFakeRp), keep_doc)).status,
      401)
      << "another namespace";
  EXPECT_EQ(decide("keep", "not a signature").status, 400);

  const std::string keep_sig = sign(ns, keep_doc);
  ASSERT_EQ(decide("keep", keep_sig).status, 200);
  // After the keep, the removal's document names it.
  const std::string remove_doc =
      Unbase64(RemoteExchange::J(e.Call(
                   "GET", c, e.approver))["sign"]["decisions"][std::to_string(victor)]["remove"],
               "document_base64");
  const std::string remove_sig = sign(ns, remove_doc);
  Response replaced = decide("remove", remove_sig);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  const nlohmann::json after = RemoteExchange::J(replaced);
  ASSERT_EQ(after["decisions"].size(), 1u) << after;
  const nlohmann::json& d = after["decisions"][0];
  EXPECT_EQ(d["decision"], "remove");
  EXPECT_EQ(d["sshsig"], remove_sig) << "the signature of the decision that stands";
  EXPECT_EQ(Unbase64(d, "document_base64"), remove_doc);
  EXPECT_TRUE(d["passkey_id"].is_null());
  EXPECT_EQ(d["ssh_key_id"], key_id);
  EXPECT_EQ(VerifyOffline(dir.path(), "anne@example.org", ns, d["ssh_public_key"], remove_doc,
                          remove_sig),
            0);
  // The keep signed before the removal cannot be replayed over it: the
  // document names the decision it replaces (attack review of 2026-12-05).
  EXPECT_EQ(decide("keep", keep_sig).status, 401);
  const nlohmann::json again = RemoteExchange::J(e.Call("GET", c, e.approver));
  EXPECT_EQ(again["decisions"][0]["decision"], "remove");
  const auto next = nlohmann::json::parse(
      Unbase64(again["sign"]["decisions"][std::to_string(victor)]["keep"], "document_base64"));
  EXPECT_EQ(next["replaces"]["decision"], "remove");
  EXPECT_EQ(next["replaces"]["signature_sha256"],
            HexEncode(crypto::Sha256::Hash(AsBytes(remove_sig))));
  // A colleague without keys cannot replace a signed decision unsigned.
  const std::string colleague = e.Person("alba", exchange::Role::kApprover, "CHU Exemple");
  EXPECT_EQ(e.Call("POST", c + "/decisions", colleague, {{"account", victor}, {"decision", "keep"}})
                .status,
            403);
}

TEST(ApiCampaignsTest, WithoutAWebOriginDecisionsStayUnsignedForApproversWithoutKeys) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const int64_t id = OpenVendorCampaign(e);
  const std::string c = "/reviews/campaigns/" + std::to_string(id);
  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", c, e.approver));
  EXPECT_FALSE(shown.contains("sign")) << "nothing to bind a signature to";
  Response signed_ = e.Call("POST", c + "/decisions", e.approver,
                            {{"account", e.ids["victor"]}, {"decision", "keep"}, {"sshsig", "x"}});
  EXPECT_EQ(signed_.status, 503);
  Response kept = e.Call("POST", c + "/decisions", e.approver,
                         {{"account", e.ids["victor"]}, {"decision", "keep"}});
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_FALSE(RemoteExchange::J(kept)["decisions"][0]["signed"]);
  EXPECT_EQ(e.Call("POST", c + "/decisions", e.approver,
                   {{"account", e.ids["victor"]}, {"decision", "maybe"}})
                .status,
            400);
}

// The access review's attestation is a signature too (issue 17: "no
// approval anywhere is an unsigned row"): over a document naming the
// review's SHA-256, by passkey in the pages or by a registered SSH key from
// the command line, verifiable offline with stock ssh-keygen.
TEST(ApiCampaignsTest, AnApproverAttestsTheReviewWithASignatureAnyoneVerifies) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const testkit::FakePasskey pk;
  const Bytes cred(16, 41);
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(e.approver, pk, cred));
  const nlohmann::json first = RemoteExchange::J(e.Call("GET", "/reviews/access", e.approver));
  const std::string sha = first["sha256"];
  const std::string ns = first["sign"]["namespace"];
  EXPECT_EQ(ns, "cordon-review@" + std::string(ssh::testkit::kFakeRp));
  const std::string doc = Unbase64(first["sign"], "document_base64");
  const nlohmann::json parsed = nlohmann::json::parse(doc);
  EXPECT_EQ(parsed["format"], "cordon-review-attestation");
  EXPECT_EQ(parsed["review_sha256"], sha);
  EXPECT_EQ(parsed["approver"]["email"], "anne@example.org");
  EXPECT_EQ(parsed.dump(), doc) << "canonical";
  const std::string challenge = first["sign"]["challenge"];
  EXPECT_EQ(challenge, Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc)))));

  // With a passkey, a bare attestation is no longer taken.
  Response bare = e.Call("POST", "/reviews/access/attest", e.approver, {{"sha256", sha}});
  EXPECT_EQ(bare.status, 403) << bare.body;
  const auto answer = [&](uint32_t counter, const std::string& over, const std::string& review,
                          uint8_t flags = ssh::kUserPresent | ssh::kUserVerified) {
    testkit::FakePasskey::Options o;
    o.counter = counter;
    o.flags = flags;
    nlohmann::json body = testkit::Asserted(pk, cred, over, o);
    body["sha256"] = review;
    return body;
  };
  // Another review served to the same approver (an account was added
  // since): a signature over one review does not attest the other.
  e.Person("newcomer", exchange::Role::kRecipient, "CHU Exemple");
  const nlohmann::json second = RemoteExchange::J(e.Call("GET", "/reviews/access", e.approver));
  const std::string other_sha = second["sha256"];
  ASSERT_NE(other_sha, sha);
  EXPECT_EQ(
      e.Call("POST", "/reviews/access/attest", e.approver, answer(1, challenge, other_sha)).status,
      401);
  EXPECT_EQ(e.Call("POST", "/reviews/access/attest", e.approver,
                   answer(2, challenge, sha, ssh::kUserPresent))
                .status,
            401)
      << "without user verification";
  Response attested =
      e.Call("POST", "/reviews/access/attest", e.approver, answer(10, challenge, sha));
  ASSERT_EQ(attested.status, 200) << attested.body;
  const nlohmann::json a = RemoteExchange::J(attested);
  EXPECT_TRUE(a["signed"]);
  const std::string sshsig = a["signature"]["sshsig"];
  EXPECT_EQ(Unbase64(a["signature"], "document_base64"), doc);
  EXPECT_EQ(a["signature"]["ssh_public_key"], pk.Key().Line());
  EXPECT_NE(e.Call("POST", "/reviews/access/attest", e.approver, answer(10, challenge, sha)).status,
            200)
      << "a replayed answer";
  if (ssh::oracle::SshKeygenAvailable()) {
    test_support::ScopedTempDir dir;
    EXPECT_EQ(VerifyOffline(dir.path(), "anne@example.org", ns, pk.Key().Line(), doc, sshsig), 0);
    std::string altered = doc;
    altered.replace(altered.find(sha), sha.size(), other_sha);
    EXPECT_NE(VerifyOffline(dir.path(), "anne@example.org", ns, pk.Key().Line(), altered, sshsig),
              0)
        << "the signature attests this review only";
  }
  // Listed with what a third party needs; the next review commits to it.
  const nlohmann::json listed =
      RemoteExchange::J(e.Call("GET", "/reviews/access/attestations", e.approver));
  ASSERT_EQ(listed["attestations"].size(), 1u) << listed;
  const nlohmann::json& l = listed["attestations"][0];
  EXPECT_TRUE(l["signed"]);
  EXPECT_EQ(l["review_sha256"], sha);
  EXPECT_EQ(l["sshsig"], sshsig);
  EXPECT_EQ(l["ssh_public_key"], pk.Key().Line());
  EXPECT_NE(l["verify"].get<std::string>().find("-n " + ns), std::string::npos);
  const nlohmann::json third = RemoteExchange::J(e.Call("GET", "/reviews/access", e.approver));
  const nlohmann::json& in_review = third["review"]["attestations"][0];
  EXPECT_TRUE(in_review["signed"]);
  EXPECT_EQ(in_review["signature_sha256"], HexEncode(crypto::Sha256::Hash(AsBytes(sshsig))));
  EXPECT_EQ(e.Call("GET", "/reviews/access/attestations", e.vendor).status, 403);
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find(HexEncode(crypto::Sha256::Hash(AsBytes(doc)))), std::string::npos);
}

TEST(ApiCampaignsTest, AnApproverAttestsTheReviewFromTheCommandLineWithAnSshKey) {
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  test_support::ScopedTempDir dir;
  const std::string key = dir / "id";
  ASSERT_EQ(ssh::oracle::Run("ssh-keygen -q -t ed25519 -N '' -C anne -f " + Q(key)).exit_code, 0);
  const auto sign = [&](const std::string& ns, const std::string& message) {
    return SignWithKeyFile(dir.path(), key, ns, message);
  };
  const std::string line = ssh::oracle::FirstLine(key + ".pub");
  ASSERT_NO_FATAL_FAILURE(RegisterKeyFile(e, line, sign));
  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", "/reviews/access", e.approver));
  const std::string sha = shown["sha256"], ns = shown["sign"]["namespace"];
  const std::string doc = Unbase64(shown["sign"], "document_base64");
  Response bare = e.Call("POST", "/reviews/access/attest", e.approver, {{"sha256", sha}});
  EXPECT_EQ(bare.status, 403);
  EXPECT_NE(bare.body.find("--sign-with"), std::string::npos) << bare.body;
  // A signature in another namespace (a campaign's document kind would
  // share it: the format differs) or over other bytes attests nothing.
  EXPECT_EQ(e.Call("POST", "/reviews/access/attest", e.approver,
                   {{"sha256", sha}, {"sshsig", sign("cordon-grant@localhost", doc)}})
                .status,
            401);
  std::string altered = doc;
  altered.replace(altered.find(sha), sha.size(), std::string(64, '0'));
  EXPECT_EQ(e.Call("POST", "/reviews/access/attest", e.approver,
                   {{"sha256", sha}, {"sshsig", sign(ns, altered)}})
                .status,
            401);
  Response ok = e.Call("POST", "/reviews/access/attest", e.approver,
                       {{"sha256", sha}, {"sshsig", sign(ns, doc)}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(e.Call("POST", "/reviews/access/attest", e.approver,
                   {{"sha256", sha}, {"sshsig", sign(ns, doc)}})
                .status,
            409)
      << "a review is attested once: a replayed signature adds nothing";
  const nlohmann::json a = RemoteExchange::J(ok);
  EXPECT_EQ(a["signature"]["ssh_public_key"].get<std::string>().substr(0, 40), line.substr(0, 40));
  EXPECT_EQ(VerifyOffline(dir.path(), "anne@example.org", ns, line, doc, a["signature"]["sshsig"]),
            0);
}

}  // namespace
}  // namespace cordon::serve
