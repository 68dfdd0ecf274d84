#include "ledger/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "core/encoding.h"
#include "ledger/merkle.h"

namespace cordon::ledger {
namespace {

namespace fs = std::filesystem;

nlohmann::json Actor(const std::string& person) {
  nlohmann::json a = {{"user", "ana"}, {"host", "lab"}, {"person", nullptr}};
  if (!person.empty()) a["person"] = {{"name", person}, {"key_id", "1A2B3C4D5E6F7081"}};
  return a;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cordon-report-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    Status init = Ledger::Init(tmp_ + "/ledger", "lab.example/ledger", sign::SecretKey::Generate());
    ASSERT_TRUE(init.ok()) << init.error().message();
    auto l = Ledger::Open(tmp_ + "/ledger", Ledger::Access::kAppend);
    ASSERT_TRUE(l.ok()) << l.error().message();
    ledger_.emplace(std::move(*l));
    ledger_->SetClockForTesting([] { return std::string("2026-11-22T18:00:00Z"); });
  }
  void TearDown() override { fs::remove_all(tmp_); }

  void Append(nlohmann::json event) { ASSERT_TRUE(ledger_->Append({std::move(event)}).ok()); }
  OrderReport Build(std::string_view order) {
    auto note = ledger_->Checkpoint();
    EXPECT_TRUE(note.ok());
    auto r = BuildOrderReport(*ledger_, order, *note);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return *r;
  }

  std::string tmp_;
  std::optional<Ledger> ledger_;
};

TEST_F(ReportTest, ListsTheOrdersEventsInLedgerOrderOnly) {
  Append({{"action", "order.sign"},
          {"actor", Actor("Ana Martin")},
          {"key_id", "1A2B"},
          {"order", {{"id", "LIS-1"}}},
          {"outcome", "ok"}});
  Append({{"action", "extract"},
          {"actor", Actor("")},
          {"order", {{"id", "LIS-2"}}},
          {"outcome", "ok"}});
  // Mentions "LIS-1" as an id, but not as the order's.
  Append(
      {{"action", "plan"}, {"actor", Actor("")}, {"grant", {{"id", "LIS-1"}}}, {"outcome", "ok"}});
  Append({{"action", "extract"},
          {"actor", Actor("")},
          {"order", {{"id", "LIS-1"}}},
          {"tables", {{{"name", "patients"}, {"rows_read", 1500}, {"rows_written", 1200}}}},
          {"outcome", "refused"},
          {"error", "the order has expired"}});
  const OrderReport r = Build("LIS-1");
  EXPECT_EQ(r.order_id, "LIS-1");
  EXPECT_EQ(r.origin, "lab.example/ledger");
  EXPECT_EQ(r.checkpoint_size, 5u);  // the creation event, then four
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].index, 1u);
  EXPECT_EQ(r.events[1].index, 4u);
  EXPECT_EQ(r.events[0].what, "Signed the order with key 1A2B.");
  EXPECT_EQ(r.events[0].outcome_text, "done");
  EXPECT_EQ(r.events[0].time, "2026-11-22T18:00:00Z");
  EXPECT_EQ(r.events[1].what,
            "Extracted and sealed a package. Left: patients: 1,200 rows of 1,500.");
  EXPECT_EQ(r.events[1].outcome, "refused");
  EXPECT_EQ(r.events[1].outcome_text, "REFUSED: the order has expired");
}

// The same ledger, in French: each sentence, heading and number as a
// French DPO reads them; the evidence is the same bytes.
TEST_F(ReportTest, TheReportIsWrittenInFrenchWhenAsked) {
  Append({{"action", "order.sign"},
          {"actor", Actor("Ana Martin")},
          {"key_id", "1A2B"},
          {"order", {{"id", "LIS-1"}}},
          {"outcome", "ok"}});
  Append({{"action", "extract"},
          {"actor", Actor("")},
          {"order", {{"id", "LIS-1"}}},
          {"tables", {{{"name", "patients"}, {"rows_read", 1500}, {"rows_written", 1200}}}},
          {"outcome", "refused"},
          {"error", "the order has expired"}});
  Append({{"action", "exchange.grant.approve"},
          {"actor", {{"account", 7}, {"role", "approver"}, {"ip", "192.0.2.1"}}},
          {"grant", 3},
          {"order", {{"id", "LIS-1"}}},
          {"outcome", "ok"}});
  auto note = ledger_->Checkpoint();
  ASSERT_TRUE(note.ok());
  auto fr = BuildOrderReport(*ledger_, "LIS-1", *note, nullptr, ReportLanguage::kFrench);
  ASSERT_TRUE(fr.ok()) << fr.error().message();
  ASSERT_EQ(fr->events.size(), 3u);
  EXPECT_EQ(fr->events[0].what, "A signé l'ordre avec la clé 1A2B.");
  EXPECT_EQ(fr->events[0].outcome_text, "fait");
  EXPECT_EQ(fr->events[0].who, "Ana Martin (clé 1A2B3C4D5E6F7081; ana@lab)");
  EXPECT_EQ(fr->events[1].what,
            "A extrait et scellé un paquet. Sorti : patients : 1\u202f200 lignes sur 1\u202f500.");
  EXPECT_EQ(fr->events[1].outcome_text, "REFUSÉ : the order has expired");
  EXPECT_EQ(fr->events[1].who, "ana@lab — aucune clé personnelle");
  EXPECT_EQ(fr->events[2].what,
            "Le compte 7 (approver, depuis 192.0.2.1) a approuvé l'autorisation 3.");
  const std::string html = RenderHtml(*fr);
  EXPECT_NE(html.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_NE(html.find("<h1>Ce qui a été fait sous l'ordre LIS-1</h1>"), std::string::npos)
      << html.substr(0, 400);
  for (const char* words :
       {"<th>Quand (UTC)</th>", "<th>Qui</th>", "<th>Quoi</th>", "<th>Résultat</th>",
        "Comment vérifier ce rapport", "Point de contrôle signé"}) {
    EXPECT_NE(html.find(words), std::string::npos) << words;
  }
  EXPECT_EQ(html.find("What was done"), std::string::npos);
  const std::string md = RenderMarkdown(*fr);
  EXPECT_NE(md.find("| # | Quand (UTC) | Qui | Quoi | Résultat |"), std::string::npos);
  // The evidence does not depend on the language.
  auto en = BuildOrderReport(*ledger_, "LIS-1", *note);
  ASSERT_TRUE(en.ok());
  EXPECT_EQ(EvidenceJson(*fr), EvidenceJson(*en));
  EXPECT_NE(RenderHtml(*en).find("<html lang=\"en\">"), std::string::npos);
  EXPECT_EQ(ParseReportLanguage("fr"), ReportLanguage::kFrench);
  EXPECT_EQ(ParseReportLanguage("en"), ReportLanguage::kEnglish);
  EXPECT_FALSE(ParseReportLanguage("de").has_value());
  EXPECT_FALSE(ParseReportLanguage("FR").has_value());
}

TEST_F(ReportTest, AMissingPersonIsShownAsSuch) {
  Append(
      {{"action", "open"}, {"actor", Actor("")}, {"order", {{"id", "LIS-1"}}}, {"outcome", "ok"}});
  Append({{"action", "open"},
          {"actor", Actor("Ana Martin")},
          {"order", {{"id", "LIS-1"}}},
          {"outcome", "ok"}});
  const OrderReport r = Build("LIS-1");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_TRUE(r.events[0].no_person);
  EXPECT_EQ(r.events[0].who, "ana@lab — no personal key");
  EXPECT_FALSE(r.events[1].no_person);
  EXPECT_EQ(r.events[1].who, "Ana Martin (key 1A2B3C4D5E6F7081; ana@lab)");
  const std::string html = RenderHtml(r);
  EXPECT_NE(html.find("<td class=\"noperson\">ana@lab — no personal key</td>"), std::string::npos);
  EXPECT_EQ(html.find("class=\"noperson\">Ana"), std::string::npos);
  const std::string md = RenderMarkdown(r);
  EXPECT_NE(md.find("<span style=\"color:#a00\">**ana\\@lab — no personal key**</span>"),
            std::string::npos);
}

TEST_F(ReportTest, RecordedTextIsEscapedInHtmlAndMarkdown) {
  const std::string name = "Ana <script>alert(1)</script>";
  const std::string error = "bad \"x\" & <img src=x onerror=alert(2)> | [link](http://evil)";
  Append({{"action", "open"},
          {"actor", Actor(name)},
          {"order", {{"id", "LIS-1"}}},
          {"outcome", "failed"},
          {"error", error}});
  const OrderReport r = Build("LIS-1");
  const std::string html = RenderHtml(r);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("Ana &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("FAILED: bad &quot;x&quot; &amp; &lt;img"), std::string::npos);
  // Only our own script element, and the evidence inside cannot close it.
  EXPECT_EQ(html.find("</script>"), html.rfind("</script>"));
  const std::string md = RenderMarkdown(r);
  EXPECT_NE(md.find("Ana \\<script\\>alert(1)\\</script\\>"), std::string::npos);
  EXPECT_NE(md.find("\\| \\[link](http\\://evil)"), std::string::npos);
  EXPECT_EQ(HtmlEscape("a&<>\"'"), "a&amp;&lt;&gt;&quot;'");
  EXPECT_EQ(MarkdownEscape("|*_`<[x"), "\\|\\*\\_\\`\\<\\[x");
  // A backslash cannot cancel the escape of the next character...
  EXPECT_EQ(MarkdownEscape("a\\| b"), "a\\\\\\| b");
  // Entities, strike-through, images, headings, quotes and autolinks stay text.
  EXPECT_EQ(MarkdownEscape("&lt; ~~x~~ ![i](u) # > y"),
            "\\&lt; \\~\\~x\\~\\~ \\!\\[i](u) \\# \\> y");
  EXPECT_EQ(MarkdownEscape("see https://evil.example/x or WWW.evil.example, mail a@b.fr"),
            "see https\\://evil.example/x or WWW\\.evil.example, mail a\\@b.fr");
  // Not every dot: a file name or a version is left as it is.
  EXPECT_EQ(MarkdownEscape("export.csv v1.2 awww.x"), "export.csv v1.2 awww.x");
  // ...and a line break cannot end the row and start markup of its own.
  EXPECT_EQ(MarkdownEscape("x\n| forged | row |\r\n"), "x \\| forged \\| row \\|  ");
}

TEST_F(ReportTest, EvidenceHasItsFormatAndProvesEachEntry) {
  Append(
      {{"action", "plan"}, {"actor", Actor("")}, {"order", {{"id", "LIS-1"}}}, {"outcome", "ok"}});
  Append({{"action", "extract"},
          {"actor", Actor("")},
          {"order", {{"id", "LIS-1"}}},
          {"outcome", "ok"}});
  const OrderReport r = Build("LIS-1");
  const std::string text = EvidenceJson(r);
  const nlohmann::json e = nlohmann::json::parse(text);
  EXPECT_EQ(e["format"], "cordon-report-evidence-v1");
  EXPECT_EQ(e["order_id"], "LIS-1");
  EXPECT_EQ(e["vkey"], ledger_->verifier().Format());
  EXPECT_EQ(e["checkpoint"], r.checkpoint);
  EXPECT_EQ(text.find("\"format\""), 3u);  // first, indented by one space
  ASSERT_EQ(e["entries"].size(), 2u);
  auto cp = OpenCheckpoint(r.checkpoint, ledger_->verifier());
  ASSERT_TRUE(cp.ok());
  for (size_t i = 0; i < 2; ++i) {
    const nlohmann::json& x = e["entries"][i];
    EXPECT_EQ(x["index"], r.events[i].index);
    auto entry = Base64Decode(x["entry"].get<std::string>());
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(AsChars(*entry), r.events[i].entry);
    const Hash leaf = LeafHash(*entry);
    EXPECT_EQ(x["leaf_hash"], Base64Encode(leaf));
    std::vector<Hash> proof;
    for (const auto& p : x["proof"]) {
      auto b = Base64Decode(p.get<std::string>());
      ASSERT_TRUE(b.ok());
      ASSERT_EQ(b->size(), 32u);
      Hash h;
      std::copy(b->begin(), b->end(), h.begin());
      proof.push_back(h);
    }
    EXPECT_TRUE(VerifyInclusion(x["index"].get<uint64_t>(), cp->size, leaf, proof, cp->root));
  }
  // The HTML embeds the same evidence, readable by a JSON parser.
  const std::string html = RenderHtml(r);
  const std::string open = "<script type=\"application/json\" id=\"cordon-evidence\">\n";
  const size_t from = html.find(open) + open.size();
  EXPECT_EQ(nlohmann::json::parse(html.substr(from, html.find("\n</script>") - from)), e);
}

TEST_F(ReportTest, CompactEvidenceGivesEachHashOnceAndTheSameProofs) {
  for (int i = 0; i < 37; ++i) {
    Append({{"action", "exchange.download"},
            {"actor", Actor("")},
            {"order", {{"id", i % 3 == 0 ? "LIS-2" : "LIS-1"}}},
            {"outcome", "ok"}});
  }
  const OrderReport r = Build("LIS-1");
  ASSERT_EQ(r.events.size(), 24u);
  const nlohmann::json e = nlohmann::json::parse(CompactEvidenceJson(r));
  EXPECT_EQ(e["format"], "cordon-report-evidence-v2");
  EXPECT_EQ(e["order_id"], "LIS-1");
  EXPECT_EQ(e["vkey"], ledger_->verifier().Format());
  EXPECT_EQ(e["checkpoint"], r.checkpoint);
  auto nodes = Base64Decode(e["nodes"].get<std::string>());
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size() % 32, 0u);
  std::vector<Hash> hashes(nodes->size() / 32);
  for (size_t k = 0; k < hashes.size(); ++k) {
    std::copy_n(nodes->begin() + static_cast<ptrdiff_t>(32 * k), 32, hashes[k].begin());
  }
  const std::set<Hash> distinct(hashes.begin(), hashes.end());
  EXPECT_EQ(distinct.size(), hashes.size()) << "a hash given twice";
  size_t references = 0;
  ASSERT_EQ(e["entries"].size(), r.events.size());
  for (size_t i = 0; i < r.events.size(); ++i) {
    const nlohmann::json& x = e["entries"][i];
    EXPECT_EQ(x["index"], r.events[i].index);
    EXPECT_FALSE(x.contains("leaf_hash"));
    auto entry = Base64Decode(x["entry"].get<std::string>());
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(AsChars(*entry), r.events[i].entry);
    std::vector<Hash> proof;
    for (const auto& n : x["proof"]) proof.push_back(hashes.at(n.get<size_t>()));
    EXPECT_EQ(proof, r.events[i].proof);  // the same proofs, by reference
    references += proof.size();
  }
  // Shared upper nodes are given once: fewer hashes than references.
  EXPECT_LT(hashes.size(), references);
}

TEST_F(ReportTest, AnIndexGivesTheSameReportReadingOnlyWhatIsNew) {
  auto add = [&](const char* order) {
    Append({{"action", "exchange.download"},
            {"actor", Actor("")},
            {"order", {{"id", order}}},
            {"outcome", "ok"}});
  };
  add("LIS-1");
  add("LIS-2");
  Append({{"action", "exchange.login"}, {"actor", Actor("")}, {"outcome", "ok"}});
  // Another order whose id holds LIS-1's, and a field named like it.
  add("LIS-10");
  Append({{"action", "note"}, {"actor", Actor("")}, {"id", "LIS-1"}, {"outcome", "ok"}});
  OrderIndex index;
  auto same = [&](std::string_view order) {
    auto note = ledger_->Checkpoint();
    ASSERT_TRUE(note.ok());
    auto scanned = BuildOrderReport(*ledger_, order, *note);
    auto indexed = BuildOrderReport(*ledger_, order, *note, &index);
    ASSERT_TRUE(scanned.ok() && indexed.ok());
    EXPECT_EQ(index.caught_up(), ledger_->size());
    ASSERT_EQ(indexed->events.size(), scanned->events.size());
    for (size_t k = 0; k < scanned->events.size(); ++k) {
      EXPECT_EQ(indexed->events[k].index, scanned->events[k].index);
      EXPECT_EQ(indexed->events[k].entry, scanned->events[k].entry);
      EXPECT_EQ(indexed->events[k].proof, scanned->events[k].proof);
    }
    EXPECT_EQ(EvidenceJson(*indexed), EvidenceJson(*scanned));
  };
  same("LIS-1");
  ASSERT_EQ(index.Of("LIS-1").size(), 1u);
  add("LIS-1");  // appended since: found by the next look
  same("LIS-1");
  EXPECT_EQ(index.Of("LIS-1").size(), 2u);
  same("LIS-2");
  same("NONE");
  EXPECT_TRUE(index.Of("NONE").empty());
  EXPECT_FALSE(index.CatchUp(*ledger_, ledger_->size() + 1).ok()) << "past the ledger's end";
}

TEST_F(ReportTest, AnOrderWithoutEventsSaysSo) {
  const OrderReport r = Build("LIS-9");
  EXPECT_TRUE(r.events.empty());
  EXPECT_NE(RenderHtml(r).find("No operation is recorded under this order."), std::string::npos);
  EXPECT_NE(RenderMarkdown(r).find("**No operation is recorded under this order.**"),
            std::string::npos);
  EXPECT_TRUE(nlohmann::json::parse(EvidenceJson(r))["entries"].empty());
}

TEST_F(ReportTest, RefusesACheckpointSignedByAnotherKey) {
  const std::string other = tmp_ + "/other";
  Status init = Ledger::Init(other, "lab.example/ledger", sign::SecretKey::Generate());
  ASSERT_TRUE(init.ok()) << init.error().message();
  auto o = Ledger::Open(other, Ledger::Access::kAppend);
  ASSERT_TRUE(o.ok()) << o.error().message();
  auto note = o->Checkpoint();
  ASSERT_TRUE(note.ok());
  auto r = BuildOrderReport(*ledger_, "LIS-1", *note);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace cordon::ledger
