// Grant decisions signed with passkeys over the API (issue 17).
#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "serve/api_internal.h"
#include "ssh/allowed_signers.h"
#include "ssh/ssh_keygen_oracle.h"
#include "ssh/sshsig.h"
#include "testing/remote_exchange.h"

namespace cordon::serve {
namespace {

using testkit::RemoteExchange;
using testkit::Unbase64;

// An approver with a passkey decides on a grant by signing the decision
// document GET /grants/{id} gives: the decision and its SSHSIG are kept in
// one transaction, shown with the grant, and ssh-keygen accepts them with
// the passkey's key and nothing from the exchange. Unsigned decisions,
// other bytes, another decision's challenge, another person's passkey and
// answers without user verification are refused.
TEST(ApiRemoteTest, AnApproverSignsAGrantDecisionWithAPasskeyAndItVerifiesOffline) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string colleague = e.Person("alba", exchange::Role::kApprover, "CHU Exemple");
  const std::string stranger = e.Person("olga", exchange::Role::kOperator, "Other SA");
  Response req = e.Call("POST", "/grants", e.vendor,
                        {{"target", "pacs01"},
                         {"reason", "<img src=x onerror=alert(1)> replace the disk"},
                         {"duration_hours", 4},
                         {"ticket", "CHG-78"}});
  ASSERT_EQ(req.status, 201) << req.body;
  const int64_t grant = RemoteExchange::J(req)["id"];
  const std::string g = "/grants/" + std::to_string(grant);

  const testkit::FakePasskey pk, colleague_pk;
  const Bytes cred(16, 21), colleague_cred(16, 22);
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(e.approver, pk, cred));
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(colleague, colleague_pk, colleague_cred));
  // With a passkey, a bare decision is no longer taken.
  Response bare = e.Call("POST", g + "/approve", e.approver, nlohmann::json::object());
  EXPECT_EQ(bare.status, 403);
  EXPECT_NE(bare.body.find("passkey"), std::string::npos) << bare.body;

  // What the approver sees: the grant, who asks and their history, and a
  // document to sign per open decision.
  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", g, e.approver));
  EXPECT_EQ(shown["requester"]["email"], "victor@example.org");
  EXPECT_TRUE(shown["requester"]["recent_logins"].is_array());
  EXPECT_EQ(shown["reason"], "<img src=x onerror=alert(1)> replace the disk");
  const std::string ns = shown["sign"]["namespace"];
  EXPECT_EQ(ns, "cordon-grant@" + std::string(ssh::testkit::kFakeRp));
  ASSERT_TRUE(shown["sign"]["decisions"].contains("approve")) << shown;
  ASSERT_TRUE(shown["sign"]["decisions"].contains("deny")) << shown;
  EXPECT_FALSE(shown["sign"]["decisions"].contains("revoke"));
  const std::string doc = Unbase64(shown["sign"]["decisions"]["approve"], "document_base64");
  const std::string challenge = shown["sign"]["decisions"]["approve"]["challenge"];
  EXPECT_EQ(challenge, Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc)))));
  const auto parsed = nlohmann::json::parse(doc);
  EXPECT_EQ(parsed["decision"], "approve");
  EXPECT_EQ(parsed["grant"]["id"], grant);
  EXPECT_EQ(parsed["grant"]["requester"]["email"], "victor@example.org");
  EXPECT_EQ(parsed.dump(), doc) << "canonical: sorted keys, no whitespace";
  // Others: the requester sees their grant without the approver's context;
  // an approver of another organisation is told why they cannot sign;
  // someone else's grant is not there.
  const nlohmann::json own = RemoteExchange::J(e.Call("GET", g, e.vendor));
  EXPECT_FALSE(own.contains("sign"));
  EXPECT_FALSE(own["requester"].contains("recent_logins"));
  const nlohmann::json foreign = RemoteExchange::J(e.Call("GET", g, e.vendor_boss));
  EXPECT_FALSE(foreign.contains("sign"));
  EXPECT_TRUE(foreign.contains("not_yours")) << foreign;
  EXPECT_FALSE(foreign["requester"].contains("recent_logins")) << "not theirs to decide";
  EXPECT_EQ(e.Call("GET", g, stranger).status, 404);
  EXPECT_EQ(e.Call("GET", "/grants/999", e.approver).status, 404);

  const auto answer = [&](const testkit::FakePasskey& key, const Bytes& id, uint32_t counter,
                          const std::string& over,
                          uint8_t flags = ssh::kUserPresent | ssh::kUserVerified) {
    testkit::FakePasskey::Options o;
    o.counter = counter;
    o.flags = flags;
    return testkit::Asserted(key, id, over, o);
  };
  const std::string other_bytes =
      Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(doc + " "))));
  const std::string deny_challenge = shown["sign"]["decisions"]["deny"]["challenge"];
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 1, other_bytes)).status,
            401);
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 2, deny_challenge)).status,
            401)
      << "a deny signature does not approve";
  EXPECT_EQ(
      e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 3, challenge, ssh::kUserPresent))
          .status,
      401);
  EXPECT_EQ(e.Call("POST", g + "/approve", colleague, answer(pk, cred, 4, challenge)).status, 403);
  // A malformed answer is refused, and recorded like the others.
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver, {{"credential_id", "!!!"}}).status, 400);
  EXPECT_NE(e.Ledger().find("send the passkey's answer"), std::string::npos);
  EXPECT_EQ(
      e.Call("POST", "/grants/999/approve", e.approver, answer(pk, cred, 5, challenge)).status,
      404);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", g, e.approver))["status"], "requested");

  Response decided = e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 10, challenge));
  ASSERT_EQ(decided.status, 200) << decided.body;
  const nlohmann::json d = RemoteExchange::J(decided);
  EXPECT_EQ(d["status"], "approved");
  const std::string sshsig = d["signature"]["sshsig"];
  EXPECT_EQ(d["signature"]["namespace"], ns);
  EXPECT_NE(d["signature"]["verify"].get<std::string>().find("-n " + ns), std::string::npos);
  // A replayed answer takes nothing more.
  EXPECT_NE(e.Call("POST", g + "/approve", e.approver, answer(pk, cred, 10, challenge)).status,
            200);

  const nlohmann::json after = RemoteExchange::J(e.Call("GET", g, e.approver));
  ASSERT_EQ(after["signatures"].size(), 1u) << after;
  EXPECT_EQ(after["signatures"][0]["decision"], "approve");
  EXPECT_EQ(after["signatures"][0]["signer_id"], e.ids["anne"]);
  EXPECT_EQ(after["signatures"][0]["sshsig"], sshsig);
  EXPECT_EQ(Unbase64(after["signatures"][0], "document_base64"), doc);
  EXPECT_EQ(after["signatures"][0]["ssh_public_key"], pk.Key().Line());
  EXPECT_TRUE(after["sign"]["decisions"].contains("revoke")) << after;
  EXPECT_FALSE(after["sign"]["decisions"].contains("approve"));
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find("\"action\":\"exchange.grant.approve\""), std::string::npos) << ledger;
  EXPECT_NE(ledger.find(HexEncode(crypto::Sha256::Hash(AsBytes(doc)))), std::string::npos);

  // Verified here, then offline by stock ssh-keygen.
  ssh::SshsigPolicy policy;
  policy.ns = ns;
  policy.origin = ssh::testkit::kFakeOrigin;
  EXPECT_TRUE(ssh::VerifySshsig(sshsig, AsBytes(doc), pk.Key(), policy).ok());
  EXPECT_FALSE(ssh::VerifySshsig(sshsig, AsBytes(doc + " "), pk.Key(), policy).ok());
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen is not installed";
  const std::string dir = e.x.d;
  ssh::oracle::WriteText(dir + "/grant.json", doc);
  ssh::oracle::WriteText(dir + "/grant.json.sig", sshsig);
  ssh::oracle::WriteText(dir + "/allowed_signers",
                         *ssh::AllowedSignersLine("anne@example.org", ns, pk.Key()) + "\n");
  const std::string verify = "ssh-keygen -Y verify -f " + ssh::oracle::Q(dir + "/allowed_signers") +
                             " -I anne@example.org -n " + ns + " -s " +
                             ssh::oracle::Q(dir + "/grant.json.sig") + " < ";
  auto ok = ssh::oracle::Run(verify + ssh::oracle::Q(dir + "/grant.json"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  std::string denied = doc;
  denied.replace(denied.find("\"approve\""), 9, "\"deny\"");
  ssh::oracle::WriteText(dir + "/altered.json", denied);
  EXPECT_NE(ssh::oracle::Run(verify + ssh::oracle::Q(dir + "/altered.json")).exit_code, 0);
}

// An approver who asks for a role for themselves is shown no decision to
// sign on it, and cannot take one.
TEST(ApiRemoteTest, NobodySignsADecisionOnTheirOwnRequest) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  Response req = e.Call(
      "POST", "/grants", e.approver,
      {{"role", "recipient"}, {"reason", "read a support case's export"}, {"duration_hours", 8}});
  ASSERT_EQ(req.status, 201) << req.body;
  const std::string g = "/grants/" + std::to_string(RemoteExchange::J(req)["id"].get<int64_t>());
  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", g, e.approver));
  EXPECT_EQ(shown["own_request"], true) << shown;
  EXPECT_FALSE(shown.contains("sign"));
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver, nlohmann::json::object()).status, 403);
}

}  // namespace
}  // namespace cordon::serve
