// The API's tests' exchange for remote maintenance, orders and grants:
// a target, a vendor's on-call operator, two hospital approvers, a
// bastion's machine token, and calls made straight to Api::Handle.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "exchange/accounts.h"
#include "exchange/remote_access.h"
#include "exchange/targets.h"
#include "serve/api.h"
#include "ssh/fake_passkey.h"
#include "testing/passkey_browser.h"
#include "testing/test_exchange.h"

namespace cordon::serve::testkit {

// An exchange with a target, a vendor's on-call operator, two hospital
// approvers, and a bastion; people's sessions are made directly (login and
// enrolment are tested elsewhere).
struct RemoteExchange {
  RemoteExchange() {
    x.tweak = [this](ApiOptions& o) {
      o.clock = [this] { return now; };
      o.remote.bastion_source_address = "10.1.0.5/32";
      o.remote.recording_recipients = {
          "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"};
      o.remote.bastion_address = "bastion.chu.example:22";
      if (web) o.web = *MakeWebPolicy(ssh::testkit::kFakeOrigin);
    };
  }
  void Start() {
    x.Start();
    ASSERT_TRUE(x.api);
    auto accounts = exchange::Accounts::Open(x.d);
    ASSERT_TRUE(accounts.ok());
    auto db = exchange::OpenExchangeDb(x.d);
    ASSERT_TRUE(db.ok());
    auto person = [&](const std::string& name, exchange::Role role, const std::string& org,
                      bool on_call) { return AddPerson(*accounts, *db, name, role, org, on_call); };
    vendor = person("victor", exchange::Role::kOperator, "Vendor SA", true);
    approver = person("anne", exchange::Role::kApprover, "CHU Exemple", false);
    vendor_boss = person("vera", exchange::Role::kApprover, "Vendor SA", false);
    exchange::Target t;
    t.name = "pacs01";
    t.address = "10.1.2.3:22";
    t.principal = "pacs01";
    t.organisation = "CHU Exemple";
    ASSERT_TRUE(exchange::Targets(*db).Add(t, now).ok());
    auto token = exchange::Machines(*db).Add("bastion01", now);
    ASSERT_TRUE(token.ok());
    machine = *token;
  }
  // An active account with a web session; its session token.
  std::string AddPerson(exchange::Accounts& accounts, exchange::Db& db, const std::string& name,
                        exchange::Role role, const std::string& org, bool on_call) {
    const std::string email = name + "@example.org";
    EXPECT_TRUE(accounts.AddUser(name, email, role, now + 300 * 86400, now).ok());
    EXPECT_TRUE(accounts.SetOrganisation(email, org, on_call).ok());
    auto u = db.Prepare("UPDATE users SET status = 'active' WHERE email = ?");
    EXPECT_TRUE(u->Bind(1, email).Run().ok());
    const int64_t id = accounts.Find(email)->id;
    const std::string token = "session-of-" + name;
    auto h = crypto::Sha256::Hash(AsBytes(token));
    auto s = db.Prepare(
        "INSERT INTO sessions(token_hash, user_id, created_at, last_seen_at, ip) VALUES (?, ?, "
        "?, ?, '192.0.2.1')");
    EXPECT_TRUE(
        s->Bind(1, ByteView(h.data(), h.size())).Bind(2, id).Bind(3, now).Bind(4, now).Run().ok());
    ids[name] = id;
    return token;
  }
  std::string Person(const std::string& name, exchange::Role role, const std::string& org) {
    auto accounts = exchange::Accounts::Open(x.d);
    auto db = exchange::OpenExchangeDb(x.d);
    EXPECT_TRUE(accounts.ok() && db.ok());
    return AddPerson(*accounts, *db, name, role, org, false);
  }
  Response Call(const std::string& method, const std::string& path, const std::string& token,
                const nlohmann::json& body = nullptr) {
    Request r;
    r.method = method;
    r.path = "/api/v1" + path.substr(0, path.find('?'));
    // "?k=v&k2=v2" as the server's parser gives it (tests send no escapes).
    for (std::string_view q = path.find('?') == std::string::npos
                                  ? std::string_view()
                                  : std::string_view(path).substr(path.find('?') + 1);
         !q.empty();) {
      const std::string_view pair = q.substr(0, q.find('&'));
      const size_t eq = pair.find('=');
      r.query[std::string(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
      q.remove_prefix(std::min(q.size(), pair.size() + 1));
    }
    r.client_ip = "192.0.2.1";
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    if (!body.is_null()) r.body = body.dump();
    return x.api->Handle(r);
  }
  static nlohmann::json J(const Response& r) { return nlohmann::json::parse(r.body); }
  // The vendor's engineer requests a grant on the hospital's pacs01: from
  // then on Vendor SA reaches CHU Exemple, whose approvers review and
  // re-open its accounts (exchange::VendorReaches).
  void VendorRequestsTheHospitalsTarget() {
    Response r =
        Call("POST", "/grants", vendor,
             {{"target", "pacs01"}, {"reason", "yearly PACS upgrade"}, {"duration_hours", 2}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Registers `key` (credential `id`) to the account of `session` (web on).
  void RegisterPasskey(const std::string& session, const testkit::FakePasskey& key,
                       const Bytes& id) {
    Response begin = Call("POST", "/passkeys/begin", session, nlohmann::json::object());
    ASSERT_EQ(begin.status, 200) << begin.body;
    nlohmann::json finish = testkit::Created(key, id, J(begin)["challenge"]);
    finish["label"] = "key";
    ASSERT_EQ(Call("POST", "/passkeys/finish", session, finish).status, 201);
  }
  std::string Ledger() const {
    std::ifstream in(x.dir / "ledger" / "ledger.log", std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }
  std::string Alerts() const {
    std::ifstream in(x.dir / "alerts.jsonl");
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

  TestExchange x;
  int64_t now = 1800000000;
  bool web = false;  // passkeys on (the fake passkey's origin)
  std::string vendor, approver, vendor_boss, machine;
  std::map<std::string, int64_t> ids;
};

// The base64 field `key` of `j`, decoded (an order's, a plan's, a document's).
inline std::string Unbase64(const nlohmann::json& j, const char* key) {
  auto b = Base64Decode(j[key].get<std::string>());
  EXPECT_TRUE(b.ok());
  return b.ok() ? std::string(b->begin(), b->end()) : std::string();
}

}  // namespace cordon::serve::testkit
