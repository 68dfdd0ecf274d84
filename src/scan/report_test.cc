#include "scan/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace cordon::scan {
namespace {

using nlohmann::json;

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// nlohmann's parser rejects invalid UTF-8: parsing back proves the text is JSON.
std::string RoundTrip(std::string_view s) { return json::parse(JsonString(s)).get<std::string>(); }

TEST(AppendJsonString, KeepsValidUtf8AndEscapesControls) {
  EXPECT_EQ(JsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\u000a\\u0001\"");
  EXPECT_EQ(JsonString("é € \xF0\x9F\x98\x80"), "\"é € \xF0\x9F\x98\x80\"");
  EXPECT_EQ(RoundTrip("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(AppendJsonString, ReplacesOverlongForm) {
  // C0 AF is an overlong '/': passed raw it would be invalid JSON, and a
  // lenient reader would see a path separator.
  EXPECT_EQ(RoundTrip("a\xC0\xAF"
                      "b"),
            "a\uFFFD\uFFFDb");
  EXPECT_EQ(RoundTrip("\xE0\x80\xAF"), "\uFFFD\uFFFD\uFFFD");
}

TEST(AppendJsonString, ReplacesSurrogate) {
  EXPECT_EQ(RoundTrip("x\xED\xA0\x80y"), "x\uFFFD\uFFFD\uFFFDy");
}

TEST(AppendJsonString, ReplacesLeadBytesPastUnicode) {
  EXPECT_EQ(RoundTrip("\xF5\x80\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(RoundTrip("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");  // U+110000
  EXPECT_EQ(RoundTrip("\xFF"), "\uFFFD");
}

TEST(AppendJsonString, ReplacesTruncatedAndStraySequences) {
  EXPECT_EQ(RoundTrip("ab\xE2\x82"), "ab\uFFFD\uFFFD");
  EXPECT_EQ(RoundTrip("\x80z"), "\uFFFDz");
  EXPECT_EQ(RoundTrip("\xC3(z"), "\uFFFD(z");
}

FileResult OneFinding(std::string path, std::string part = {}) {
  FileResult f;
  f.path = std::move(path);
  f.bytes = 120;
  f.counts[static_cast<size_t>(detect::Kind::kPhone)] = 1;
  Finding x;
  x.part = std::move(part);
  x.line = 3;
  x.column = 7;
  x.char_column = 6;
  x.offset = 40;
  x.length = 14;
  x.kind = detect::Kind::kPhone;
  x.confidence = detect::Confidence::kHigh;
  x.masked = "06 •• •• •• 78";
  f.findings.push_back(x);
  return f;
}

std::string Render(ReportFormat format, const std::vector<FileResult>& files) {
  auto reporter = MakeReporter(format);
  std::string out = reporter->Begin();
  ScanReport report;
  for (const auto& f : files) {
    out += reporter->File(f);
    report.files.push_back(f);
    report.bytes += f.bytes;
  }
  return out + reporter->End(report, Summarize(report));
}

const std::string kBadNames[] = {
    "dir/a\xC0\xAF"
    "b.txt",
    "dir/\xED\xA0\x80.log", "dir/\xF5\x80\x80\x80.csv"};

TEST(JsonReport, InvalidUtf8InFileNamesStillParses) {
  for (const auto& name : kBadNames) {
    SCOPED_TRACE(name);
    FileResult f = OneFinding(name);
    f.warnings.push_back("changed while read");
    const json doc = json::parse(Render(ReportFormat::kJson, {f}));
    EXPECT_EQ(doc["version"], 1);
    ASSERT_EQ(doc["findings"].size(), 1u);
    const std::string path = doc["findings"][0]["path"];
    EXPECT_NE(path.find("\uFFFD"), std::string::npos);
    EXPECT_EQ(doc["findings"][0]["kind"], "phone");
    EXPECT_EQ(doc["files"][0]["path"].get<std::string>().find("dir/"), 0u);
    EXPECT_EQ(doc["summary"]["findings"], 1);
    EXPECT_EQ(doc["summary"]["counts"]["phone"], 1);
  }
}

TEST(JsonReport, EmptyScanIsAValidDocument) {
  const json doc = json::parse(Render(ReportFormat::kJson, {}));
  EXPECT_TRUE(doc["findings"].empty());
  EXPECT_EQ(doc["summary"]["files"], 0);
}

TEST(SarifReport, HasVersionRulesAndLocations) {
  FileResult plain = OneFinding("logs/a b.log");
  FileResult inside = OneFinding("/srv/dump.zip", "x/app.log");
  const json doc = json::parse(Render(ReportFormat::kSarif, {plain, inside}));
  EXPECT_EQ(doc["version"], "2.1.0");
  EXPECT_EQ(doc["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  ASSERT_EQ(doc["runs"].size(), 1u);
  const json& run = doc["runs"][0];
  const json& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 6u);
  EXPECT_EQ(rules[0]["id"], "cordon/nir");
  EXPECT_EQ(rules[5]["id"], "cordon/phone");
  ASSERT_EQ(run["results"].size(), 2u);
  const json& r0 = run["results"][0];
  EXPECT_EQ(r0["ruleId"], "cordon/phone");
  EXPECT_EQ(rules[r0["ruleIndex"].get<size_t>()]["id"], r0["ruleId"]);
  const json& loc0 = r0["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc0["artifactLocation"]["uri"], "logs/a%20b.log");
  EXPECT_EQ(loc0["region"]["startLine"], 3);
  EXPECT_EQ(loc0["region"]["startColumn"], 6);  // code points, as columnKind says
  EXPECT_EQ(loc0["region"]["byteOffset"], 40);
  EXPECT_EQ(run["columnKind"], "unicodeCodePoints");
  // Inside an archive: no region of the archive's bytes, a logical location.
  const json& r1 = run["results"][1];
  const json& loc1 = r1["locations"][0];
  EXPECT_EQ(loc1["physicalLocation"]["artifactLocation"]["uri"], "file:///srv/dump.zip");
  EXPECT_FALSE(loc1["physicalLocation"].contains("region"));
  EXPECT_EQ(loc1["logicalLocations"][0]["fullyQualifiedName"], "x/app.log");
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], true);
}

TEST(SarifReport, InvalidUtf8InFileNamesStillParses) {
  for (const auto& name : kBadNames) {
    SCOPED_TRACE(name);
    FileResult f = OneFinding(name);
    f.error = "unreadable";
    const json doc = json::parse(Render(ReportFormat::kSarif, {f}));
    const json& run = doc["runs"][0];
    // The URI is percent-encoded bytes; the message names the place in text.
    const std::string uri =
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    EXPECT_TRUE(std::all_of(uri.begin(), uri.end(), [](char c) { return c > 0x20 && c < 0x7F; }))
        << uri;
    EXPECT_NE(run["results"][0]["message"]["text"].get<std::string>().find("\uFFFD"),
              std::string::npos);
    EXPECT_EQ(run["invocations"][0]["toolExecutionNotifications"][0]["level"], "error");
  }
}

TEST(TextReport, ListsFilesThenTotals) {
  FileResult f = OneFinding("notes.txt");
  FileResult clean;
  clean.path = "empty.txt";
  EXPECT_EQ(Render(ReportFormat::kText, {f, clean}),
            "notes.txt: 1 phone\n"
            "  notes.txt:3:7  phone  06 •• •• •• 78\n"
            "1 file with findings out of 2; 120 B in 0.00 s; 1 phone\n");
}

TEST(TextReport, ShowsAtMostTheFirstLocations) {
  FileResult f = OneFinding("many.txt");
  for (int i = 0; i < 9; ++i) f.findings.push_back(f.findings[0]);
  f.counts[static_cast<size_t>(detect::Kind::kPhone)] = 10;
  auto reporter = MakeReporter(ReportFormat::kText);
  const std::string out = reporter->File(f);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1 + static_cast<long>(kTextLocationsShown));
  EXPECT_EQ(out.substr(0, out.find('\n')), "many.txt: 10 phone");
}

TEST(TextReport, AFileNameCannotForgeLinesOrDriveTheTerminal) {
  // A name with a newline, a forged summary and an ANSI escape (the
  // attacker's review, L6): printed as \xNN, one line per file still.
  FileResult f = OneFinding("a\n0 files with findings\x1b[2J\\b.txt");
  auto reporter = MakeReporter(ReportFormat::kText);
  const std::string out = reporter->File(f);
  EXPECT_EQ(out.substr(0, out.find('\n')), "a\\x0a0 files with findings\\x1b[2J\\\\b.txt: 1 phone");
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST(CountsText, ThousandsInKindOrder) {
  KindCounts c{};
  c[static_cast<size_t>(detect::Kind::kEmail)] = 1234;
  c[static_cast<size_t>(detect::Kind::kNir)] = 2;
  EXPECT_EQ(CountsText(c, "; "), "2 nir; 1,234 email");
  EXPECT_EQ(CountsText(KindCounts{}, ", "), "");
}

}  // namespace
}  // namespace cordon::scan
