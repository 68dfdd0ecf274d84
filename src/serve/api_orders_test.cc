// Orders over the API (issue 17): an operator submits an order with its
// plan, the organisation's DPO reads the exact bytes and signs a version
// with a passkey; resubmissions are versions; the body streams.
#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"
#include "crypto/hash.h"
#include "exchange/orders.h"
#include "order/plan_digest.h"
#include "serve/api_internal.h"
#include "ssh/allowed_signers.h"
#include "ssh/ssh_keygen_oracle.h"
#include "ssh/sshsig.h"
#include "testing/remote_exchange.h"

namespace cordon::serve {
namespace {

using testkit::RemoteExchange;
using testkit::Unbase64;

std::string TestOrder(const std::string& id, const std::string& plan) {
  const std::string order = "[order]\nid = \"" + id +
                            "\"\ncontroller = \"CHU Exemple\"\nprocessor = \"Vendor SA\"\n"
                            "purpose = \"Migration\"\ncontract = \"DPA 1\"\n"
                            "not_after = 2027-06-30\nretention_days = 30\nrecipients = "
                            "[\"age1fh5kqu9qpe3htgpkh0v0ujkyf7dsx5hmxn3n5qfpjunlx3wptd4qsyhmlh\"]"
                            "\n\n[[table]]\nname = \"patients\"\n[table.columns]\nNUM = \"keep\"\n";
  return *order::WithPlanDigest(order, order::PlanSha256Hex(plan));
}

std::string TestPlan(const std::string& id, int rows = 3) {
  return "{\n  \"format\": \"cordon-plan\",\n  \"version\": 1,\n  \"order\": {\"id\": \"" + id +
         "\"},\n  \"tables\": [{\"name\": \"patients\", \"rows_selected\": " +
         std::to_string(rows) + ", \"sample_masked\": [[\"1*****\"]]}]\n}\n";
}

nlohmann::json Submission(const std::string& order, const std::string& plan) {
  return {{"order_base64", Base64Encode(AsBytes(order))},
          {"plan_base64", Base64Encode(AsBytes(plan))}};
}

struct OrderExchange : RemoteExchange {
  void Start() {
    RemoteExchange::Start();
    dpo = Person("dora", exchange::Role::kDpo, "CHU Exemple");
    other_dpo = Person("otto", exchange::Role::kDpo, "Hopital Autre");
    auditor = Person("audrey", exchange::Role::kAuditor, "");
    recipient = Person("rita", exchange::Role::kRecipient, "CHU Exemple");
    other_vendor = Person("olga", exchange::Role::kOperator, "Other SA");
  }
  std::string dpo, other_dpo, auditor, recipient, other_vendor;
};

TEST(ApiOrdersTest, AnOperatorSubmitsAndTheOrganisationsDpoReadsTheExactBytes) {
  OrderExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string plan = TestPlan("LAB42-2027");
  const std::string order = TestOrder("LAB42-2027", plan);
  Response r = e.Call("POST", "/orders", e.vendor, Submission(order, plan));
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = RemoteExchange::J(r);
  EXPECT_EQ(j["order_id"], "LAB42-2027");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["organisation"], "CHU Exemple");  // the order's controller
  EXPECT_EQ(j["plan_sha256"], order::PlanSha256Hex(plan));
  EXPECT_EQ(j["order_sha256"], order::PlanSha256Hex(order));  // the same SHA-256

  auto list = RemoteExchange::J(e.Call("GET", "/orders", e.dpo));
  ASSERT_EQ(list["orders"].size(), 1u) << list;
  EXPECT_TRUE(RemoteExchange::J(e.Call("GET", "/orders", e.other_dpo))["orders"].empty());
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/orders", e.auditor))["orders"].size(), 1u);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/orders", e.vendor))["orders"].size(), 1u);
  EXPECT_TRUE(RemoteExchange::J(e.Call("GET", "/orders", e.other_vendor))["orders"].empty());

  Response shown = e.Call("GET", "/orders/LAB42-2027", e.dpo);
  ASSERT_EQ(shown.status, 200) << shown.body;
  auto s = RemoteExchange::J(shown);
  EXPECT_EQ(Unbase64(s, "order_base64"), order);
  EXPECT_EQ(Unbase64(s, "plan_base64"), plan);
  EXPECT_EQ(e.Call("GET", "/orders/LAB42-2027", e.other_dpo).status, 404);
  EXPECT_EQ(e.Call("GET", "/orders/LAB42-2027", e.other_vendor).status, 404);
  EXPECT_EQ(e.Call("GET", "/orders/LAB42-2027", e.recipient).status, 403);
  EXPECT_EQ(e.Call("GET", "/orders", e.approver).status, 403);
  // A DPO reaches their own account, and nothing of packages or grants.
  EXPECT_EQ(e.Call("GET", "/me", e.dpo).status, 200);
  EXPECT_EQ(e.Call("GET", "/packages", e.dpo).status, 403);
  EXPECT_EQ(e.Call("GET", "/grants", e.dpo).status, 403);

  // The evidence: digests and ids, never the plan's content.
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find("exchange.order.submit"), std::string::npos);
  EXPECT_NE(ledger.find(order::PlanSha256Hex(plan)), std::string::npos);
  EXPECT_NE(ledger.find("exchange.order.read"), std::string::npos);
  EXPECT_EQ(ledger.find("1*****"), std::string::npos);
  EXPECT_EQ(ledger.find("DPA 1"), std::string::npos);
  // The organisation's DPOs are told, by account id.
  const std::string alerts = e.Alerts();
  EXPECT_NE(alerts.find("\"kind\":\"order_submitted\""), std::string::npos) << alerts;
  EXPECT_NE(alerts.find("\"dpos\":[" + std::to_string(e.ids["dora"]) + "]"), std::string::npos)
      << alerts;
}

// A DPO approves the version they read with their passkey: an SSH
// signature over the order's exact bytes, which ssh-keygen accepts with the
// passkey's key and nothing from the exchange; every other signer, version,
// message or replay is refused and recorded.
TEST(ApiOrdersTest, ADpoSignsAVersionWithAPasskeyAndTheSignatureVerifiesOffline) {
  OrderExchange e;
  e.web = true;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string second_dpo = e.Person("dany", exchange::Role::kDpo, "CHU Exemple");
  const std::string plan = TestPlan("LAB42-2027"), order = TestOrder("LAB42-2027", plan);
  ASSERT_EQ(e.Call("POST", "/orders", e.vendor, Submission(order, plan)).status, 201);
  const testkit::FakePasskey pk, other_pk;
  const Bytes cred(16, 9), other_cred(16, 10);
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(e.dpo, pk, cred));
  ASSERT_NO_FATAL_FAILURE(e.RegisterPasskey(second_dpo, other_pk, other_cred));

  const nlohmann::json shown = RemoteExchange::J(e.Call("GET", "/orders/LAB42-2027", e.dpo));
  const std::string ns = shown["sign"]["namespace"];
  EXPECT_EQ(ns, "cordon-order@" + std::string(ssh::testkit::kFakeRp));
  const std::string challenge = shown["sign"]["challenge"];
  EXPECT_EQ(challenge, Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(order)))));
  const auto answer = [&](const testkit::FakePasskey& key, const Bytes& id, uint32_t counter,
                          const std::string& over, int64_t version) {
    testkit::FakePasskey::Options o;
    o.counter = counter;
    nlohmann::json body = testkit::Asserted(key, id, over, o);
    body["version"] = version;
    return body;
  };
  const std::string path = "/orders/LAB42-2027/signature";

  // Refused before the right one: a version that does not exist, an
  // answer over other bytes, without user verification, someone else's
  // passkey, the vendor, another organisation's DPO.
  EXPECT_EQ(e.Call("POST", path, e.dpo, answer(pk, cred, 1, challenge, 2)).status, 404);
  const std::string other_bytes =
      Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(order + "\n"))));
  EXPECT_EQ(e.Call("POST", path, e.dpo, answer(pk, cred, 2, other_bytes, 1)).status, 401);
  nlohmann::json no_uv = answer(pk, cred, 3, challenge, 1);
  {
    testkit::FakePasskey::Options o;
    o.counter = 3;
    o.flags = ssh::kUserPresent;
    no_uv = testkit::Asserted(pk, cred, challenge, o);
    no_uv["version"] = 1;
  }
  EXPECT_EQ(e.Call("POST", path, e.dpo, no_uv).status, 401);
  EXPECT_EQ(e.Call("POST", path, second_dpo, answer(pk, cred, 4, challenge, 1)).status, 403);
  EXPECT_EQ(e.Call("POST", path, e.vendor, answer(pk, cred, 5, challenge, 1)).status, 403);
  EXPECT_EQ(e.Call("POST", path, e.other_dpo, answer(pk, cred, 6, challenge, 1)).status, 404);

  Response signed_ = e.Call("POST", path, e.dpo, answer(pk, cred, 10, challenge, 1));
  ASSERT_EQ(signed_.status, 201) << signed_.body;
  const std::string sshsig = RemoteExchange::J(signed_)["sshsig"];
  // Signed once per person and version; a replayed answer (its counter no
  // longer advances) is refused for the other DPO too.
  EXPECT_EQ(e.Call("POST", path, e.dpo, answer(pk, cred, 11, challenge, 1)).status, 409);
  EXPECT_EQ(e.Call("POST", path, second_dpo, answer(other_pk, other_cred, 0, challenge, 1)).status,
            201);
  const nlohmann::json after = RemoteExchange::J(e.Call("GET", "/orders/LAB42-2027", e.dpo));
  ASSERT_EQ(after["signatures"].size(), 2u);
  EXPECT_EQ(after["signatures"][0]["sshsig"], sshsig);
  EXPECT_EQ(after["signatures"][0]["signer_id"], e.ids["dora"]);
  const std::string ledger = e.Ledger();
  EXPECT_NE(ledger.find("\"action\":\"exchange.order.sign\""), std::string::npos);

  // Offline: stock ssh-keygen with the passkey's key, the order's bytes.
  if (!ssh::oracle::SshKeygenAvailable()) GTEST_SKIP() << "ssh-keygen is not installed";
  const std::string dir = e.x.d;
  ssh::oracle::WriteText(dir + "/order.toml", order);
  ssh::oracle::WriteText(dir + "/order.toml.sig", sshsig);
  ssh::oracle::WriteText(dir + "/allowed_signers",
                         *ssh::AllowedSignersLine("dora@example.org", ns, pk.Key()) + "\n");
  const std::string verify = "ssh-keygen -Y verify -f " + ssh::oracle::Q(dir + "/allowed_signers") +
                             " -I dora@example.org -n " + ns + " -s " +
                             ssh::oracle::Q(dir + "/order.toml.sig") + " < ";
  auto ok = ssh::oracle::Run(verify + ssh::oracle::Q(dir + "/order.toml"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  ssh::oracle::WriteText(dir + "/altered.toml", order + "\n");
  EXPECT_NE(ssh::oracle::Run(verify + ssh::oracle::Q(dir + "/altered.toml")).exit_code, 0);
}

TEST(ApiOrdersTest, AResubmissionIsANewVersionAndTheOldOneStays) {
  OrderExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string plan1 = TestPlan("LAB42-2027", 3), plan2 = TestPlan("LAB42-2027", 4);
  ASSERT_EQ(
      e.Call("POST", "/orders", e.vendor, Submission(TestOrder("LAB42-2027", plan1), plan1)).status,
      201);
  Response again =
      e.Call("POST", "/orders", e.vendor, Submission(TestOrder("LAB42-2027", plan2), plan2));
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(RemoteExchange::J(again)["version"], 2);
  EXPECT_EQ(Unbase64(RemoteExchange::J(e.Call("GET", "/orders/LAB42-2027", e.dpo)), "plan_base64"),
            plan2);
  Request q;  // the query is parsed by the server: here, set by hand
  q.method = "GET";
  q.path = "/api/v1/orders/LAB42-2027";
  q.query["version"] = "1";
  q.client_ip = "192.0.2.1";
  q.headers["authorization"] = "Bearer " + e.dpo;
  Response first = e.x.api->Handle(q);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Unbase64(RemoteExchange::J(first), "plan_base64"), plan1);
  q.query["version"] = "3";
  EXPECT_EQ(e.x.api->Handle(q).status, 404);
  q.query["version"] = "01";
  EXPECT_EQ(e.x.api->Handle(q).status, 400);
  // Another vendor cannot slip a version into the chain.
  Response hijack =
      e.Call("POST", "/orders", e.other_vendor, Submission(TestOrder("LAB42-2027", plan1), plan1));
  EXPECT_EQ(hijack.status, 409) << hijack.body;
}

TEST(ApiOrdersTest, RefusesWhatIsNotAnOrderWithItsPlan) {
  OrderExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  const std::string plan = TestPlan("LAB42-2027");
  const std::string order = TestOrder("LAB42-2027", plan);
  // Only operators submit.
  EXPECT_EQ(e.Call("POST", "/orders", e.recipient, Submission(order, plan)).status, 403);
  EXPECT_EQ(e.Call("POST", "/orders", e.dpo, Submission(order, plan)).status, 403);
  // A plan that is not JSON, or not this order's (its digest matching).
  for (const std::string& bad : {std::string("not json {"), std::string("[1, 2]"),
                                 TestPlan("OTHER-ORDER"), std::string("{\"format\": \"x\"}")}) {
    Response r = e.Call("POST", "/orders", e.vendor, Submission(TestOrder("LAB42-2027", bad), bad));
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
  }
  // The digest of another plan, or none.
  EXPECT_EQ(
      e.Call("POST", "/orders", e.vendor, Submission(order, TestPlan("LAB42-2027", 9))).status,
      400);
  std::string undigested = order.substr(0, order.find("plan_sha256")) +
                           order.substr(order.find('\n', order.find("plan_sha256")) + 1);
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor, Submission(undigested, plan)).status, 400);
  // Hostile ids: refused by the order parser or the exchange's own rule.
  for (const std::string& id : {std::string("../../etc"), std::string("</script><img src=x>"),
                                std::string("a b"), std::string("-rf")}) {
    const std::string p = TestPlan("X");
    std::string o = TestOrder("X", p);
    o.replace(o.find("\"X\""), 3, nlohmann::json(id).dump());
    Response r = e.Call("POST", "/orders", e.vendor, Submission(o, p));
    EXPECT_EQ(r.status, 400) << id << " " << r.body;
  }
  // Not base64, not an order, an unknown organisation.
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor,
                   {{"order_base64", "%%%"}, {"plan_base64", Base64Encode(AsBytes(plan))}})
                .status,
            400);
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor, Submission("[order]\nid = 1\n", plan)).status, 400);
  auto unknown = Submission(order, plan);
  unknown["organisation"] = "Nobody Inc";
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor, unknown).status, 400);
  // Oversize: refused before decoding.
  auto huge = Submission(order, plan);
  huge["plan_base64"] = std::string((exchange::kMaxSubmittedPlanBytes / 3 + 2) * 4, 'A');
  EXPECT_EQ(e.Call("POST", "/orders", e.vendor, huge).status, 413);
  EXPECT_TRUE(RemoteExchange::J(e.Call("GET", "/orders", e.auditor))["orders"].empty());
  // Path ids that no order can have.
  EXPECT_EQ(e.Call("GET", "/orders/..", e.dpo).status, 404);
  EXPECT_EQ(e.Call("GET", "/orders/%3Cscript%3E", e.dpo).status, 404);
}

TEST(ApiOrdersTest, TheSubmissionStreamsAndIsAuthorizedBeforeItsBody) {
  OrderExchange e;
  ASSERT_NO_FATAL_FAILURE(e.Start());
  Request head;
  head.method = "POST";
  head.path = "/api/v1/orders";
  head.client_ip = "192.0.2.1";
  EXPECT_TRUE(e.x.api->StreamsBody(head));
  head.headers["authorization"] = "Bearer " + e.recipient;
  auto refused = e.x.api->BeginStream(head);
  ASSERT_TRUE(std::holds_alternative<Response>(refused));
  EXPECT_EQ(std::get<Response>(refused).status, 403);
  head.headers["authorization"] = "Bearer " + e.vendor;
  auto begun = e.x.api->BeginStream(head);
  ASSERT_TRUE(std::holds_alternative<BodySink>(begun));
  BodySink sink = std::move(std::get<BodySink>(begun));
  // Larger than a JSON body may be (64 KiB): a plan of many tables.
  std::string plan = TestPlan("BIG-1");
  plan.insert(plan.size() - 3, ", \"padding\": \"" + std::string(200000, 'x') + "\"");
  const std::string body = Submission(TestOrder("BIG-1", plan), plan).dump();
  ASSERT_GT(body.size(), kMaxJsonBody);
  ASSERT_LE(body.size(), sink.max_bytes);
  ASSERT_EQ(write(sink.fd.get(), body.data(), body.size()), static_cast<ssize_t>(body.size()));
  sink.fd = UniqueFd();
  Response r = sink.finish(Ok(), body.size());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(RemoteExchange::J(r)["plan_bytes"], plan.size());
  // A declared length past the bound is refused before the body is read.
  Request too_long = head;
  too_long.headers["content-length"] = std::to_string(sink.max_bytes + 1);
  auto refused_length = e.x.api->BeginStream(too_long);
  ASSERT_TRUE(std::holds_alternative<Response>(refused_length));
  EXPECT_EQ(std::get<Response>(refused_length).status, 413);
  too_long.headers["content-length"] = "99999999999999999999999";
  EXPECT_TRUE(std::holds_alternative<Response>(e.x.api->BeginStream(too_long)));
  // A body cut short stores nothing.
  auto again = e.x.api->BeginStream(head);
  ASSERT_TRUE(std::holds_alternative<BodySink>(again));
  Response cut = std::get<BodySink>(again).finish(
      Error(ErrorCode::kLimitExceeded, "the body is larger than allowed"), 0);
  EXPECT_EQ(cut.status, 413);
  EXPECT_EQ(RemoteExchange::J(e.Call("GET", "/orders", e.auditor))["orders"].size(), 1u);
}

}  // namespace
}  // namespace cordon::serve
