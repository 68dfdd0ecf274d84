#include "pipeline/signed_plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "age/keys.h"
#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "pipeline/extract.h"
#include "pipeline/plan_json.h"
#include "source/csv_source.h"
#include "ssh/fake_passkey.h"
#include "testdata/lis_fr.h"

namespace cordon::pipeline {
namespace {
namespace fs = std::filesystem;
using ssh::testing_passkey::FakePasskey;
using ssh::testing_passkey::kNs;

order::Order TwoTables() {
  order::Order o;
  o.id = "T1";
  o.tables.resize(2);
  o.tables[0].name = "patients";
  o.tables[1].name = "resultats";
  return o;
}

std::string PlanJson(const std::string& id = "T1", uint64_t read = 100, uint64_t selected = 40) {
  return R"({"format": "cordon-plan", "version": 1, "order": {"id": ")" + id +
         R"("}, "tables": [{"name": "patients", "rows_read": )" + std::to_string(read) +
         R"(, "rows_selected": )" + std::to_string(selected) +
         R"(}, {"name": "resultats", "rows_read": 300, "rows_selected": 120}]})";
}

std::string Hex(const std::string& s) { return HexEncode(crypto::Sha256::Hash(AsBytes(s))); }

TEST(SignedPlan, ReadsThePlanTheOrderNamesAndNoOther) {
  order::Order o = TwoTables();
  const std::string plan = PlanJson();
  o.plan_sha256 = Hex(plan);
  auto p = ReadSignedPlan(AsBytes(plan), o);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->sha256, o.plan_sha256);
  ASSERT_EQ(p->tables.size(), 2u);
  EXPECT_EQ(p->tables[0].rows_read, 100u);
  EXPECT_EQ(p->tables[1].rows_selected, 120u);
  // One byte more (a trailing newline) is another plan.
  auto other = ReadSignedPlan(AsBytes(plan + "\n"), o);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), ErrorCode::kRefused);
  EXPECT_NE(other.error().message().find("not the plan the controller approved"),
            std::string::npos);
  // Named by its digest, but of another order, or of other tables, or not
  // a plan at all: refused too.
  for (const std::string& bad :
       {PlanJson("T2"), std::string(R"({"format": "cordon-plan", "version": 2})"),
        std::string(R"({"format": "cordon-plan", "version": 1, "order": {"id": "T1"}, )"
                    R"("tables": [{"name": "resultats", "rows_read": 1, "rows_selected": 1}, )"
                    R"({"name": "patients", "rows_read": 1, "rows_selected": 1}]})"),
        std::string(R"({"format": "cordon-plan", "version": 1, "order": {"id": "T1"}, )"
                    R"("tables": [{"name": "patients", "rows_read": -1, "rows_selected": 1}, )"
                    R"({"name": "resultats", "rows_read": 1, "rows_selected": 1}]})"),
        std::string("not json")}) {
    o.plan_sha256 = Hex(bad);
    auto r = ReadSignedPlan(AsBytes(bad), o);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kRefused) << bad;
  }
}

TEST(SignedPlan, CountsMustMatchWithinTheTolerance) {
  order::Order o = TwoTables();
  const std::string plan = PlanJson();
  o.plan_sha256 = Hex(plan);
  const SignedPlan p = *ReadSignedPlan(AsBytes(plan), o);
  auto run = [](uint64_t read, uint64_t selected) {
    std::vector<TableStats> stats(2);
    stats[0].rows_read = read;
    stats[0].rows_selected = selected;
    stats[1].rows_read = 300;
    stats[1].rows_selected = 120;
    return stats;
  };
  const order::PlanTolerance exact;
  EXPECT_TRUE(CheckPlanCounts(p, run(100, 40), exact).ok());
  auto moved = CheckPlanCounts(p, run(101, 40), exact);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code(), ErrorCode::kRefused);
  EXPECT_NE(moved.error().message().find("patients: 101 rows read, the plan 100"),
            std::string::npos)
      << moved.error().message();
  EXPECT_FALSE(CheckPlanCounts(p, run(100, 39), exact).ok());
  const auto pct = *order::ParsePlanTolerance("5%");
  EXPECT_TRUE(CheckPlanCounts(p, run(105, 42), pct).ok());
  EXPECT_FALSE(CheckPlanCounts(p, run(105, 43), pct).ok()) << "43 is 7.5% above 40";
  const auto rows = *order::ParsePlanTolerance("3");
  EXPECT_TRUE(CheckPlanCounts(p, run(97, 43), rows).ok());
  EXPECT_FALSE(CheckPlanCounts(p, run(96, 40), rows).ok());
  EXPECT_FALSE(CheckPlanCounts(p, std::vector<TableStats>(1), pct).ok());
}

// The whole path: a passkey approves an order that names its plan; extract
// runs only while the source still gives the plan's counts, and a refusal
// leaves nothing behind.
class SignedPlanExtract : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cordon-signed-plan-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(testdata::WriteLisFr(Path("src"), {.patients = 200, .seed = 9}).ok());
    recipient_ = age::X25519Identity::Generate().Recipient().Encode();
    signers_ = *ssh::ParseAllowedSigners("dpo@chu-exemple.fr namespaces=\"" + std::string(kNs) +
                                         "\" " + dpo_.Key().Line() + "\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  std::string OrderText(const std::string& plan_fields) {
    return "[order]\nid = \"T1\"\ncontroller = \"Lab\"\nprocessor = \"Vendor\"\n"
           "purpose = \"Test\"\ncontract = \"DPA\"\nnot_after = 2030-01-01\n"
           "retention_days = 10\nrecipients = [\"" +
           recipient_ + "\"]\n" + plan_fields +
           "[[table]]\nname = \"patients\"\n[table.columns]\n"
           "NUM_DOSSIER = \"keep\"\n";
  }
  // plan.json as `cordon plan --json` writes it for the order as it stands.
  std::string WritePlan() {
    const order::LoadedOrder loaded = order::ParseOrder(OrderText(""), "order.toml");
    EXPECT_TRUE(loaded.problems.empty());
    auto src = source::CsvSource::Open(Path("src"), {});
    auto plan = Plan(loaded.order, *src, 1);
    EXPECT_TRUE(plan.ok()) << plan.error().message();
    const std::string json = FormatPlanJson(loaded.order, *plan);
    EXPECT_TRUE(WriteFileAtomic(Path("plan.json"), AsBytes(json), 0644, Overwrite::kReplace).ok());
    return HexEncode(crypto::Sha256::Hash(AsBytes(json)));
  }
  // order.toml naming the plan, and its passkey signature.
  void WriteSignedOrder(const std::string& plan_fields, const FakePasskey::Options& options = {}) {
    const std::string order = OrderText(plan_fields);
    ASSERT_TRUE(
        WriteFileAtomic(Path("order.toml"), AsBytes(order), 0644, Overwrite::kReplace).ok());
    ASSERT_TRUE(WriteFileAtomic(Path("order.toml.sig"), AsBytes(dpo_.Armored(kNs, order, options)),
                                0644, Overwrite::kReplace)
                    .ok());
  }
  Result<ExtractResult> Run(const std::string& out, const std::string& plan = "plan.json") {
    CORDON_ASSIGN_OR_RETURN(source::CsvSource src, source::CsvSource::Open(Path("src"), {}));
    ExtractRequest req{.order_path = Path("order.toml"),
                       .manifest_signer = ManifestSigner::NobodyOnPurpose(),
                       .out_dir = Path(out),
                       .clock = {order::DaysFromCivil(2029, 1, 1), "2029-01-01T00:00:00Z"}};
    req.controller_signers = &signers_;
    req.plan_path = plan.empty() ? "" : Path(plan);
    return Extract(req, src);
  }
  // One more patient row: a copy of the last one.
  void AddRow() {
    std::string text(AsChars(*ReadFileLimited(Path("src/patients.csv"), 1 << 24)));
    const size_t last = text.rfind('\n', text.size() - 2);
    text += text.substr(last + 1);
    ASSERT_TRUE(
        WriteFileAtomic(Path("src/patients.csv"), AsBytes(text), 0644, Overwrite::kReplace).ok());
  }
  void ExpectNothingWritten(const std::string& out) {
    EXPECT_FALSE(PathExists(Path(out)));
    EXPECT_FALSE(PathExists(Path(out + ".partial")));
  }

  fs::path dir_;
  FakePasskey dpo_;
  std::vector<ssh::AllowedSigner> signers_;
  std::string recipient_;
};

TEST_F(SignedPlanExtract, ThePlanTheDpoSignedIsThePlanThatRuns) {
  const std::string digest = WritePlan();
  WriteSignedOrder("plan_sha256 = \"" + digest + "\"\n");
  auto r = Run("pkg");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->plan_sha256, digest);
  EXPECT_EQ(r->signer.key, dpo_.Key().Fingerprint());
  ASSERT_TRUE(r->passkey_signature.has_value());
  EXPECT_EQ(r->passkey_signature->principal, "");  // an e-mail address: by its hash
  EXPECT_EQ(r->passkey_signature->principal_sha256,
            HexEncode(crypto::Sha256::Hash(AsBytes(std::string("dpo@chu-exemple.fr")))));
  EXPECT_NE(r->manifest.find("\"plan_sha256\": \"" + digest + "\""), std::string::npos);
  EXPECT_NE(r->manifest.find("\"sshsig-webauthn-sk-ecdsa\""), std::string::npos);
  EXPECT_EQ(r->manifest.find("controller_key_id"), std::string::npos);

  // The source moved by one row: refused, nothing written.
  AddRow();
  auto moved = Run("moved");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code(), ErrorCode::kRefused);
  EXPECT_NE(moved.error().message().find("no longer gives the counts"), std::string::npos)
      << moved.error().message();
  ExpectNothingWritten("moved");
  // No plan file, or another plan: refused before anything runs.
  auto none = Run("none", "");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().hint().find("--plan"), std::string::npos);
  ExpectNothingWritten("none");
  WritePlan();  // the plan of the moved source: not the one signed
  auto other = Run("other");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("not the plan the controller approved"),
            std::string::npos);
  ExpectNothingWritten("other");
}

TEST_F(SignedPlanExtract, ALiveSourceMovesWithinTheSignedTolerance) {
  const std::string digest = WritePlan();
  WriteSignedOrder("plan_sha256 = \"" + digest + "\"\nplan_tolerance = \"5%\"\n");
  AddRow();
  auto r = Run("pkg");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_NE(r->manifest.find("\"plan_tolerance\": \"5%\""), std::string::npos);
  // A tolerance of one row, and two rows more.
  WriteSignedOrder("plan_sha256 = \"" + digest + "\"\nplan_tolerance = \"1\"\n");
  AddRow();
  ASSERT_FALSE(Run("pkg2").ok());
  ExpectNothingWritten("pkg2");
}

TEST_F(SignedPlanExtract, APlanForAnOrderThatNamesNoneIsAMistake) {
  WritePlan();
  WriteSignedOrder("");
  auto r = Run("pkg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  ExpectNothingWritten("pkg");
  ASSERT_TRUE(Run("pkg", "").ok()) << "without --plan, an order without plan_sha256 runs";
}

TEST_F(SignedPlanExtract, APasskeySignatureWithoutUserVerificationIsRefused) {
  const std::string digest = WritePlan();
  FakePasskey::Options no_uv;
  no_uv.flags = ssh::kUserPresent;
  WriteSignedOrder("plan_sha256 = \"" + digest + "\"\n", no_uv);
  auto r = Run("pkg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kRefused);
  EXPECT_NE(r.error().message().find("not verified"), std::string::npos);
  ExpectNothingWritten("pkg");
}

TEST(OrderNamespace, CordonOrderAloneOrForOneDomain) {
  EXPECT_TRUE(IsOrderNamespace("cordon-order"));
  EXPECT_TRUE(IsOrderNamespace("cordon-order@chu-exemple.fr"));
  EXPECT_FALSE(IsOrderNamespace("cordon-order@"));
  EXPECT_FALSE(IsOrderNamespace("cordon-order@a@b"));
  EXPECT_FALSE(IsOrderNamespace("cordon-orders@chu-exemple.fr"));
  EXPECT_FALSE(IsOrderNamespace("cordon-grant@chu-exemple.fr"));
  EXPECT_FALSE(IsOrderNamespace("file"));
  EXPECT_FALSE(IsOrderNamespace(""));
}

}  // namespace
}  // namespace cordon::pipeline
