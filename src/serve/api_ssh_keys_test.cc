// SSH signing keys over the API (issue 17): registered with a proof of
// possession, and grant decisions from the command line signed with them —
// verified by the exchange, kept with the decision, verifiable offline with
// stock ssh-keygen.
#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "serve/api_internal.h"
#include "ssh/fake_security_key.h"
#include "ssh/signing_key.h"
#include "ssh/ssh_keygen_oracle.h"
#include "ssh/wire.h"
#include "testing/remote_exchange.h"
#include "testing/scoped_temp_dir.h"
#include "testing/ssh_key_file.h"

namespace cordon::serve {
namespace {

using ssh::oracle::Q;
using ssh::testkit::FakeSecurityKey;
using testkit::RemoteExchange;
using testkit::Unbase64;

using testkit::KeyFile;

// Registers `line` to `session`'s account with `sign` as the proof maker;
// the final answer.
template <typename Signer>
Response Register(RemoteExchange& e, const std::string& session, const std::string& line,
                  const Signer& sign) {
  Response asked = e.Call("POST", "/ssh-keys", session, {{"public_key", line}});
  if (asked.status != 200) return asked;
  const nlohmann::json a = RemoteExchange::J(asked);
  const std::string doc = Unbase64(a, "document_base64");
  return e.Call("POST", "/ssh-keys", session,
                {{"public_key", line}, {"proof", sign(a["namespace"].get<std::string>(), doc)}});
}

TEST(ApiSshKeysTest, AnApproverSignsADecisionFromTheCommandLineAndItVerifiesOffline) {
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen not installed";
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string colleague = e.Person("alba", exchange::Role::kApprover, "CHU Exemple");
  KeyFile key, other;

  // The registration document names the account, the exchange and the key.
  Response asked = e.Call("POST", "/ssh-keys", e.approver, {{"public_key", key.Line()}});
  ASSERT_EQ(asked.status, 200) << asked.body;
  const nlohmann::json a = RemoteExchange::J(asked);
  const std::string reg_doc = Unbase64(a, "document_base64");
  const std::string reg_ns = a["namespace"];
  EXPECT_EQ(reg_ns, "cordon-ssh-key@" + std::string(ssh::testkit::kFakeRp));
  EXPECT_NE(reg_doc.find("anne@example.org"), std::string::npos) << reg_doc;
  EXPECT_NE(reg_doc.find(ssh::testkit::kFakeOrigin), std::string::npos) << reg_doc;
  // No proof, a proof by another key, a proof of another document or for
  // another namespace: nothing registered.
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/ssh-keys", e.approver))["ssh_keys"].size(), 0u);
  const auto with_proof = [&](const std::string& proof) {
    return e.Call("POST", "/ssh-keys", e.approver, {{"public_key", key.Line()}, {"proof", proof}})
        .status;
  };
  EXPECT_EQ(with_proof(other.Sign(reg_ns, reg_doc)), 401);
  EXPECT_EQ(with_proof(key.Sign(reg_ns, reg_doc + " ")), 401);
  EXPECT_EQ(with_proof(key.Sign("cordon-grant@" + std::string(ssh::testkit::kFakeRp), reg_doc)),
            401);
  // A colleague cannot take the key with the approver's proof: it names
  // the approver's account.
  EXPECT_EQ(e.Call("POST", "/ssh-keys", colleague,
                   {{"public_key", key.Line()}, {"proof", key.Sign(reg_ns, reg_doc)}})
                .status,
            401);
  EXPECT_EQ(e.Call("POST", "/ssh-keys", e.approver, {{"public_key", "ssh-rsa AAAAB3Nza x"}}).status,
            400);
  Response registered =
      Register(e, e.approver, key.Line(), [&](auto ns, auto doc) { return key.Sign(ns, doc); });
  ASSERT_EQ(registered.status, 201) << registered.body;
  const nlohmann::json k = RemoteExchange::J(registered);
  EXPECT_EQ(k["key_type"], "ssh-ed25519");
  EXPECT_EQ(k["security_key"], false);
  // Once, to one account.
  EXPECT_EQ(
      Register(e, e.approver, key.Line(), [&](auto ns, auto doc) { return key.Sign(ns, doc); })
          .status,
      409);
  EXPECT_NE(e.Ledger().find("\"action\":\"exchange.ssh_key.register\""), std::string::npos);

  // A grant to decide on.
  Response req = e.Call("POST", "/grants", e.vendor,
                        {{"target", "pacs01"},
                         {"reason", "replace the disk of the archive"},
                         {"duration_hours", 4},
                         {"ticket", "CHG-79"}});
  ASSERT_EQ(req.status, 201) << req.body;
  const std::string g = "/grants/" + std::to_string(RemoteExchange::J(req)["id"].get<int64_t>());
  // With a key, an unsigned decision is refused, and says how to sign.
  Response bare = e.Call("POST", g + "/approve", e.approver, nlohmann::json::object());
  EXPECT_EQ(bare.status, 403);
  EXPECT_NE(bare.body.find("--sign-with"), std::string::npos) << bare.body;

  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", g, e.approver));
  const std::string ns = shown["sign"]["namespace"];
  const std::string doc = Unbase64(shown["sign"]["decisions"]["approve"], "document_base64");
  const std::string deny_doc = Unbase64(shown["sign"]["decisions"]["deny"], "document_base64");
  const auto decide = [&](const std::string& session, const std::string& sshsig) {
    return e.Call("POST", g + "/approve", session, {{"sshsig", sshsig}});
  };
  EXPECT_EQ(decide(e.approver, key.Sign(ns, deny_doc)).status, 401) << "a deny does not approve";
  EXPECT_EQ(decide(e.approver, key.Sign(reg_ns, doc)).status, 401) << "another namespace";
  EXPECT_EQ(decide(e.approver, other.Sign(ns, doc)).status, 403) << "a key not registered";
  EXPECT_EQ(decide(colleague, key.Sign(ns, doc)).status, 403) << "someone else's key";
  EXPECT_EQ(decide(e.approver, "not a signature").status, 400);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", g, e.approver))["status"], "requested");

  const std::string sshsig = key.Sign(ns, doc);
  Response decided = decide(e.approver, sshsig);
  ASSERT_EQ(decided.status, 200) << decided.body;
  EXPECT_EQ(RemoteExchange::J(decided)["status"], "approved");
  EXPECT_NE(decide(e.approver, sshsig).status, 200) << "a replay takes nothing more";
  const nlohmann::json after = RemoteExchange::J(e.Call("GET", g, e.approver));
  ASSERT_EQ(after["signatures"].size(), 1u) << after;
  const nlohmann::json& s = after["signatures"][0];
  EXPECT_EQ(s["ssh_key_id"], k["id"]);
  EXPECT_TRUE(s["passkey_id"].is_null());
  EXPECT_EQ(s["sshsig"], sshsig);
  EXPECT_EQ(s["security_key"], false);
  EXPECT_EQ(Unbase64(s, "document_base64"), doc);
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find(HexEncode(crypto::Sha256::Hash(AsBytes(doc)))), std::string::npos);

  // Offline: the document, the signature and the key line, nothing else.
  test_support::ScopedTempDir dir;
  ssh::oracle::WriteText(dir / "decision.json", doc);
  ssh::oracle::WriteText(dir / "decision.json.sig", sshsig);
  const std::string key_line = s["ssh_public_key"];
  ssh::oracle::WriteText(dir / "allowed_signers",
                         "anne@example.org namespaces=\"" + ns + "\" " + key_line + "\n");
  const std::string verify = "ssh-keygen -Y verify -f " + Q(dir / "allowed_signers") +
                             " -I anne@example.org -n " + ns + " -s " +
                             Q(dir / "decision.json.sig") + " < ";
  auto good = ssh::oracle::Run(verify + Q(dir / "decision.json"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  ssh::oracle::WriteText(dir / "deny.json", deny_doc);
  EXPECT_NE(ssh::oracle::Run(verify + Q(dir / "deny.json")).exit_code, 0);

  // Revoked, the key signs nothing more; decisions stay signed.
  EXPECT_EQ(e.Call("POST", "/ssh-keys/" + std::to_string(k["id"].get<int64_t>()) + "/revoke",
                   colleague, nlohmann::json::object())
                .status,
            404);
  ASSERT_EQ(e.Call("POST", "/ssh-keys/" + std::to_string(k["id"].get<int64_t>()) + "/revoke",
                   e.approver, nlohmann::json::object())
                .status,
            200);
  const std::string revoke_doc =
      Unbase64(RemoteExchange::J(e.Call("GET", g, e.approver))["sign"]["decisions"]["revoke"],
               "document_base64");
  EXPECT_EQ(
      e.Call("POST", g + "/revoke", e.approver, {{"sshsig", key.Sign(ns, revoke_doc)}}).status,
      403);
  EXPECT_EQ(e.Call("POST", g + "/revoke", e.approver, nlohmann::json::object()).status, 403)
      << "still no unsigned decision";
}

// A security key's signature: a touch required, and a counter that must
// advance (a cloned key's does not).
TEST(ApiSshKeysTest, ASecurityKeysSignatureNeedsATouchAndACounterThatAdvances) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakeSecurityKey sk(ssh::SigningKeyType::kSkEd25519);
  Response registered = Register(e, e.approver, sk.Key().Line(), [&](auto ns, auto doc) {
    return sk.Sign(ns, doc, ssh::testkit::kSkUserPresent, 1);  // the proof: counter 1
  });
  ASSERT_EQ(registered.status, 201) << registered.body;
  EXPECT_EQ(RemoteExchange::J(registered)["security_key"], true);
  const auto grant = [&]() {
    Response req = e.Call("POST", "/grants", e.vendor,
                          {{"target", "pacs01"},
                           {"reason", "restart the archive service"},
                           {"duration_hours", 1},
                           {"ticket", "CHG-80"}});
    EXPECT_EQ(req.status, 201) << req.body;
    return "/grants/" + std::to_string(RemoteExchange::J(req)["id"].get<int64_t>());
  };
  const auto doc_of = [&](const std::string& g, const char* verb) {
    return Unbase64(RemoteExchange::J(e.Call("GET", g, e.approver))["sign"]["decisions"][verb],
                    "document_base64");
  };
  const std::string ns = "cordon-grant@" + std::string(ssh::testkit::kFakeRp);
  const std::string g1 = grant();
  EXPECT_EQ(e.Call("POST", g1 + "/approve", e.approver,
                   {{"sshsig", sk.Sign(ns, doc_of(g1, "approve"), /*flags=*/0, 5)}})
                .status,
            401)
      << "not touched";
  ASSERT_EQ(
      e.Call("POST", g1 + "/approve", e.approver,
             {{"sshsig", sk.Sign(ns, doc_of(g1, "approve"), ssh::testkit::kSkUserPresent, 5)}})
          .status,
      200);
  const std::string g2 = grant();
  EXPECT_EQ(e.Call("POST", g2 + "/deny", e.approver,
                   {{"sshsig", sk.Sign(ns, doc_of(g2, "deny"), ssh::testkit::kSkUserPresent, 5)}})
                .status,
            401)
      << "the counter did not advance";
  EXPECT_EQ(e.Call("POST", g2 + "/deny", e.approver,
                   {{"sshsig", sk.Sign(ns, doc_of(g2, "deny"), ssh::testkit::kSkUserPresent, 6)}})
                .status,
            200);
}

// The counter starts at the registration proof's: a signature made before
// it and held back is not newer (attack review of 2026-12-05).
TEST(ApiSshKeysTest, ASecurityKeysCounterStartsAtItsRegistrationProof) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakeSecurityKey sk(ssh::SigningKeyType::kSkEd25519);
  Response registered = Register(e, e.approver, sk.Key().Line(), [&](auto ns, auto doc) {
    return sk.Sign(ns, doc, ssh::testkit::kSkUserPresent, 100);
  });
  ASSERT_EQ(registered.status, 201) << registered.body;
  Response req = e.Call("POST", "/grants", e.vendor,
                        {{"target", "pacs01"},
                         {"reason", "restart the archive service"},
                         {"duration_hours", 1},
                         {"ticket", "CHG-81"}});
  ASSERT_EQ(req.status, 201) << req.body;
  const std::string g = "/grants/" + std::to_string(RemoteExchange::J(req)["id"].get<int64_t>());
  const std::string doc =
      Unbase64(RemoteExchange::J(e.Call("GET", g, e.approver))["sign"]["decisions"]["approve"],
               "document_base64");
  const std::string ns = "cordon-grant@" + std::string(ssh::testkit::kFakeRp);
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver,
                   {{"sshsig", sk.Sign(ns, doc, ssh::testkit::kSkUserPresent, 50)}})
                .status,
            401)
      << "older than the proof";
  EXPECT_EQ(e.Call("POST", g + "/approve", e.approver,
                   {{"sshsig", sk.Sign(ns, doc, ssh::testkit::kSkUserPresent, 101)}})
                .status,
            200);
}

// A key outlives the session that adds it: a stale session (a stolen
// token) adds none, and once the account has a passkey only a session
// opened with the passkey does — as for a second passkey.
TEST(ApiSshKeysTest, OnlyAFreshSessionAddsAKeyAndAPasskeysOwnersOnlyWithIt) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakeSecurityKey sk(ssh::SigningKeyType::kSkEcdsa);
  const auto sign = [&](auto ns, auto doc) { return sk.Sign(ns, doc); };
  const int64_t opened = e.now;
  e.now = opened + 11 * 60;
  Response stale = Register(e, e.approver, sk.Key().Line(), sign);
  EXPECT_EQ(stale.status, 403) << stale.body;
  EXPECT_NE(stale.body.find("10 minutes"), std::string::npos) << stale.body;
  e.now = opened;
  const ssh::testkit::FakePasskey pk;
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(e.vendor, pk, Bytes(16, 31)));
  Response without = Register(e, e.vendor, sk.Key().Line(), sign);
  EXPECT_EQ(without.status, 403) << without.body;
  EXPECT_NE(without.body.find("passkey"), std::string::npos) << without.body;
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/ssh-keys", e.vendor))["ssh_keys"].size(), 0u);
  Response fresh = Register(e, e.approver, sk.Key().Line(), sign);
  EXPECT_EQ(fresh.status, 201) << fresh.body;
  const std::string alerts = e.Alerts();
  EXPECT_NE(alerts.find("ssh_key_registered"), std::string::npos) << alerts;
}

// A refusal quoting bytes that are not UTF-8 (a hostile signature's hash
// field) is recorded like any other — the ledger refuses such an entry, and
// with it the batch of other people's events (attack review of 2026-12-03,
// F2) — and a malformed key is recorded too (F5).
TEST(ApiSshKeysTest, RefusalsOfHostileBytesAreRecordedAsText) {
  RemoteExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakeSecurityKey sk(ssh::SigningKeyType::kSkEd25519);
  ASSERT_EQ(
      Register(e, e.approver, sk.Key().Line(), [&](auto ns, auto doc) { return sk.Sign(ns, doc); })
          .status,
      201);
  Response req = e.Call("POST", "/grants", e.vendor,
                        {{"target", "pacs01"},
                         {"reason", "restart the archive service"},
                         {"duration_hours", 1},
                         {"ticket", "CHG-81"}});
  ASSERT_EQ(req.status, 201) << req.body;
  const std::string g = "/grants/" + std::to_string(RemoteExchange::J(req)["id"].get<int64_t>());
  ssh::WireWriter w;
  w.Raw(std::string_view("SSHSIG"));
  w.U32(1);
  w.String(sk.Key().Blob());
  w.String(std::string_view("cordon-grant@cordon.chu-exemple.fr"));
  w.String(std::string_view(""));
  w.String(std::string_view("\xff\xfe\xfd"));
  w.String(std::string_view("x"));
  const std::string hostile = "-----BEGIN SSH SIGNATURE-----\n" + Base64Encode(AsBytes(w.bytes())) +
                              "\n-----END SSH SIGNATURE-----\n";
  const auto refusals = [&] {
    const std::string ledger = e.Ledger();
    size_t n = 0;
    for (size_t p = 0; (p = ledger.find("\"outcome\":\"refused\"", p)) != std::string::npos; ++p)
      ++n;
    return n;
  };
  const size_t before = refusals();
  Response bad = e.Call("POST", g + "/deny", e.approver, {{"sshsig", hostile}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(refusals(), before + 1) << "the refusal was not recorded";
  EXPECT_NE(e.Ledger().find("hash \\\"???\\\""), std::string::npos) << "the bytes, printable";
  EXPECT_EQ(e.Call("POST", "/ssh-keys", e.approver, {{"public_key", "ssh-rsa AAAAB3Nza x"}}).status,
            400);
  EXPECT_EQ(refusals(), before + 2) << "a malformed key's refusal was not recorded";
}

// Whatever text an event quotes, it reaches the ledger as UTF-8: bytes that
// are not become U+FFFD (the ledger would refuse the entry, and its batch).
TEST(ApiSshKeysTest, AnEventsTextIsMadeUtf8BeforeTheLedgerSeesIt) {
  nlohmann::json event = {
      {"why", std::string("hash \xff\xfe\xfd")},
      {"nested", {{"list", {std::string("caf\xc3\xa9"), std::string("\xc3")}}}}};
  api_internal::WithholdPersonalData(event);
  EXPECT_EQ(event["why"], "hash \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(event["nested"]["list"][0], "caf\xc3\xa9") << "valid UTF-8 is kept as it is";
  EXPECT_EQ(event["nested"]["list"][1], "\xef\xbf\xbd");
  EXPECT_NO_THROW((void)event.dump());
}

TEST(ApiSshKeysTest, WithoutAWebOriginThereIsNothingToBindSignaturesTo) {
  RemoteExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const FakeSecurityKey sk(ssh::SigningKeyType::kSkEcdsa);
  EXPECT_EQ(e.Call("POST", "/ssh-keys", e.approver, {{"public_key", sk.Key().Line()}}).status, 503);
  EXPECT_EQ(e.Call("GET", "/ssh-keys", e.approver).status, 200);
}

}  // namespace
}  // namespace cordon::serve
