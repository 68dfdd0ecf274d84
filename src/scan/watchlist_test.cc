#include "scan/watchlist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <set>

#include "crypto/hash.h"
#include "scan/report.h"
#include "scan/scanner.h"
#include "scan/text_scanner.h"
#include "scan/watchlist_source.h"
#include "testdata/containers.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::scan {
namespace {

using detect::Kind;

// A random valid NIR (15 digits, key right), for lists and look-ups.
std::string RandomNir(std::mt19937_64& rng) {
  char body[14];
  (void)std::snprintf(body, sizeof body, "%d%02d%02d%02d%03d%03d", 1 + static_cast<int>(rng() % 2),
                      static_cast<int>(rng() % 100), 1 + static_cast<int>(rng() % 12),
                      1 + static_cast<int>(rng() % 95), 1 + static_cast<int>(rng() % 990),
                      1 + static_cast<int>(rng() % 999));
  char nir[16];
  (void)std::snprintf(nir, sizeof nir, "%s%02d", body, detect::NirKey(body));
  return nir;
}

// A checker of a watchlist holding `nirs`, with a copy of `key` as a scan
// reads it from its file.
Result<WatchChecker> CheckerOfNirs(const WatchKey& key, const std::vector<std::string>& nirs) {
  WatchlistBuilder b(key);
  for (const auto& n : nirs) EXPECT_TRUE(b.Add(Kind::kNir, n)) << n;
  return WatchChecker::Create(WatchKey::Parse(key.FileText().RevealBytes()).value(), b.Finish());
}

Watchlist ListOf(const WatchKey& key, const std::vector<std::pair<Kind, std::string>>& values) {
  WatchlistBuilder b(key);
  for (const auto& [kind, v] : values) EXPECT_TRUE(b.Add(kind, v)) << v;
  return b.Finish();
}

TEST(WatchKey, FileRoundTripKeepsTheIdAndRefusesGarbage) {
  WatchKey key = WatchKey::Generate();
  EXPECT_EQ(key.id().size(), 16u);
  SecretBuffer text = key.FileText();
  auto again = WatchKey::Parse(text.RevealBytes());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->id(), key.id());
  EXPECT_EQ(again->Digest(Kind::kNir, "184127645108946"),
            key.Digest(Kind::kNir, "184127645108946"));
  EXPECT_NE(WatchKey::Generate().id(), key.id());
  for (std::string bad :
       {"", "# only a comment\n", "CORDON-WATCH-KEY-1 AAAA\n",
        "CORDON-PSEUDONYM-KEY-1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"}) {
    auto parsed = WatchKey::Parse(AsBytes(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed);
  }
}

TEST(WatchKey, DigestsSeparateKindsAndKeys) {
  WatchKey key = WatchKey::Generate(), other = WatchKey::Generate();
  // The same digits as a CPR and as a card number: two domains.
  EXPECT_NE(key.Digest(Kind::kCpr, "0707614285"), key.Digest(Kind::kCard, "0707614285"));
  EXPECT_NE(key.Digest(Kind::kNir, "184127645108946"), other.Digest(Kind::kNir, "184127645108946"));
  EXPECT_FALSE(key.Digest(Kind::kNir, "").has_value());
}

TEST(Watchlist, RoundTripThroughTheFileFormat) {
  WatchKey key = WatchKey::Generate();
  Watchlist list = ListOf(key, {{Kind::kNir, "1 84 12 76 451 089 46"},
                                {Kind::kCpr, "070761-4285"},
                                {Kind::kEmail, "Jean.Dupont@orange.fr"},
                                {Kind::kNir, "184127645108946"}});  // the same NIR again
  EXPECT_EQ(list.size(), 3u);
  Bytes file = list.Serialize();
  EXPECT_EQ(file.size(), Watchlist::FileSize(3));
  EXPECT_TRUE(AsChars(file).starts_with("cordon-watchlist 2\nkey " + key.id() +
                                        "\ndigest aes256-cmac-64\ncount 3\n\n"));
  auto parsed = Watchlist::Parse(file);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->key_id(), key.id());
  EXPECT_EQ(parsed->Serialize(), file);
  auto checker = WatchChecker::Create(std::move(key), std::move(*parsed));
  ASSERT_TRUE(checker.ok());
  // Normalized: the same identifiers written otherwise are found.
  EXPECT_TRUE(checker->IsReal(Kind::kNir, "184127645108946"));
  EXPECT_TRUE(checker->IsReal(Kind::kNir, "1 84 12 76 451 089 46"));
  EXPECT_TRUE(checker->IsReal(Kind::kCpr, "0707614285"));
  EXPECT_TRUE(checker->IsReal(Kind::kEmail, "jean.dupont@ORANGE.fr"));
  EXPECT_FALSE(checker->IsReal(Kind::kNir, "255081416802538"));
  EXPECT_FALSE(checker->IsReal(Kind::kCard, "0707614285")) << "a CPR's digits are not a card";
  EXPECT_FALSE(checker->IsReal(Kind::kPhone, "06 12 34 56 78"));
}

TEST(Watchlist, TheFileHoldsNoIdentifier) {
  WatchKey key = WatchKey::Generate();
  std::mt19937_64 rng(7);
  WatchlistBuilder b(key);
  std::vector<std::string> nirs;
  for (int i = 0; i < 2000; ++i) {
    nirs.push_back(RandomNir(rng));
    b.Add(Kind::kNir, nirs.back());
  }
  Bytes file = b.Finish().Serialize();
  std::string_view text = AsChars(file);
  for (const std::string& nir : nirs) {
    ASSERT_EQ(text.find(nir), std::string_view::npos);
    ASSERT_EQ(text.find(nir.substr(0, 13)), std::string_view::npos);
  }
  EXPECT_EQ(ScanBuffer("prod.watchlist", text, {}).total(), 0u);
}

TEST(Watchlist, AWrongKeyIsRefusedNotSilentlyEmpty) {
  WatchKey key = WatchKey::Generate(), other = WatchKey::Generate();
  Watchlist list = ListOf(key, {{Kind::kNir, "184127645108946"}});
  auto checker = WatchChecker::Create(std::move(other), list);
  ASSERT_FALSE(checker.ok());
  EXPECT_EQ(checker.error().code(), ErrorCode::kNoMatch);
  EXPECT_NE(checker.error().message().find(key.id()), std::string::npos);
}

TEST(Watchlist, MergeIsTheUnionAndRefusesMixedKeys) {
  WatchKey key = WatchKey::Generate();
  Watchlist a = ListOf(key, {{Kind::kNir, "184127645108946"}, {Kind::kCpr, "070761-4285"}});
  Watchlist b = ListOf(key, {{Kind::kNir, "184127645108946"}, {Kind::kNir, "255081416802538"}});
  auto merged = Watchlist::Merge({a, b});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->size(), 3u);
  auto checker = WatchChecker::Create(WatchKey::Parse(key.FileText().RevealBytes()).value(),
                                      std::move(*merged));
  ASSERT_TRUE(checker.ok());
  EXPECT_TRUE(checker->IsReal(Kind::kNir, "255081416802538"));
  EXPECT_TRUE(checker->IsReal(Kind::kCpr, "070761-4285"));
  WatchKey other = WatchKey::Generate();
  Watchlist c = ListOf(other, {{Kind::kNir, "184127645108946"}});
  auto mixed = Watchlist::Merge({a, c});
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message().find(other.id()), std::string::npos);
  EXPECT_FALSE(Watchlist::Merge({}).ok());
}

TEST(Watchlist, VersionOneListsAreStillRead) {
  // A list of the first format (HMAC-SHA-256 digests) made by an earlier
  // cordon: read, looked up with its own digest, never merged with version 2.
  WatchKey key = WatchKey::Generate();
  WatchlistBuilder old(key, DigestScheme::kHmacSha256);
  ASSERT_TRUE(old.Add(Kind::kNir, "184127645108946"));
  Bytes file = old.Finish().Serialize();
  EXPECT_TRUE(AsChars(file).starts_with("cordon-watchlist 1\nkey " + key.id() +
                                        "\ndigest hmac-sha256-64\ncount 1\n\n"));
  auto parsed = Watchlist::Parse(file);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->scheme(), DigestScheme::kHmacSha256);
  EXPECT_EQ(parsed->Serialize(), file);
  EXPECT_NE(key.Digest(DigestScheme::kHmacSha256, Kind::kNir, "184127645108946"),
            key.Digest(DigestScheme::kAesCmac, Kind::kNir, "184127645108946"));
  Watchlist v2 = ListOf(key, {{Kind::kCpr, "070761-4285"}});
  auto mixed = Watchlist::Merge({*parsed, v2});
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message().find("version"), std::string::npos);
  auto checker = WatchChecker::Create(WatchKey::Parse(key.FileText().RevealBytes()).value(),
                                      std::move(*parsed));
  ASSERT_TRUE(checker.ok());
  EXPECT_TRUE(checker->IsReal(Kind::kNir, "1 84 12 76 451 089 46"));
  EXPECT_FALSE(checker->IsReal(Kind::kNir, "255081416802538"));
}

TEST(Watchlist, BatchDigestsEqualOneByOne) {
  WatchKey key = WatchKey::Generate();
  const std::vector<std::pair<Kind, std::string>> ids = {
      {Kind::kNir, "1 84 12 76 451 089 46"},
      {Kind::kCpr, "070761-4285"},
      {Kind::kEmail, "Jean.Dupont@orange.fr"},
      {Kind::kIban, "FR14 2004 1010 0505 0001 3M02 606"},
      {Kind::kPhone, "+33 6 12 34 56 78"},
      {Kind::kCard, "4970 1012 3456 7899"},
      {Kind::kEmail, "a.very.long.name.indeed@some-hospital.example.org"}};
  for (DigestScheme scheme : {DigestScheme::kAesCmac, DigestScheme::kHmacSha256}) {
    DigestBatch batch(scheme);
    std::vector<uint64_t> want;
    for (const auto& [kind, text] : ids) {
      std::optional<uint64_t> d = key.Digest(scheme, kind, text);
      ASSERT_TRUE(d.has_value()) << text;
      want.push_back(*d);
      ASSERT_TRUE(batch.Add(kind, text)) << text;
    }
    EXPECT_FALSE(batch.Add(Kind::kNir, ""));  // no normal form: not added
    std::vector<uint64_t> got;
    key.DigestAll(batch, got);
    EXPECT_EQ(got, want);
    EXPECT_EQ(batch.size(), 0u);  // cleared for the next piece
  }
}

// Rewrites a serialized list's checksum after tampering with it, so that
// the parser's other checks are what must refuse it.
void Reseal(Bytes& file) {
  file.resize(file.size() - 32);
  auto sum = crypto::Sha256::Hash(file);
  file.insert(file.end(), sum.begin(), sum.end());
}

TEST(Watchlist, ParserRefusesGarbage) {
  WatchKey key = WatchKey::Generate();
  Watchlist list = ListOf(key, {{Kind::kNir, "184127645108946"},
                                {Kind::kNir, "255081416802538"},
                                {Kind::kCpr, "070761-4285"}});
  const Bytes good = list.Serialize();
  const size_t header = good.size() - 3 * 8 - 32;
  auto refused = [](const Bytes& b) { return !Watchlist::Parse(b).ok(); };

  // Every truncation, down to nothing.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_TRUE(refused(Bytes(good.begin(), good.begin() + static_cast<ptrdiff_t>(n)))) << n;
  }
  // Bad magic, another version, another digest.
  Bytes magic = good;
  magic[0] = 'C';
  EXPECT_TRUE(refused(magic));
  std::string v3(AsChars(good));
  v3[17] = '3';
  auto version = Watchlist::Parse(AsBytes(v3));
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(version.error().message().find("version"), std::string::npos);
  std::string other_digest(AsChars(good));
  other_digest.replace(other_digest.find("cmac-64"), 7, "cmac-32");
  EXPECT_TRUE(refused(ToBytes(other_digest)));
  // A flipped bit anywhere: the checksum.
  for (size_t i = header; i < good.size(); ++i) {
    Bytes flipped = good;
    flipped[i] ^= 1;
    EXPECT_TRUE(refused(flipped)) << i;
  }
  // Unsorted and duplicated digests, even with a matching checksum.
  Bytes swapped = good;
  std::swap_ranges(swapped.begin() + static_cast<ptrdiff_t>(header),
                   swapped.begin() + static_cast<ptrdiff_t>(header + 8),
                   swapped.begin() + static_cast<ptrdiff_t>(header + 8));
  Reseal(swapped);
  auto unsorted = Watchlist::Parse(swapped);
  ASSERT_FALSE(unsorted.ok());
  EXPECT_NE(unsorted.error().message().find("not greater"), std::string::npos);
  Bytes duplicated = good;
  std::copy_n(duplicated.begin() + static_cast<ptrdiff_t>(header), 8,
              duplicated.begin() + static_cast<ptrdiff_t>(header + 8));
  Reseal(duplicated);
  EXPECT_TRUE(refused(duplicated));
  // Bytes past the checksum; counts that lie; a count with a leading zero.
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_TRUE(refused(trailing));
  for (std::string count : {"count 2", "count 4", "count 03", "count 18446744073709551615",
                            "count 99999999999999999999", "count -3", "count "}) {
    std::string t(AsChars(good));
    t.replace(t.find("count 3"), 7, count);
    auto parsed = Watchlist::Parse(AsBytes(t));
    EXPECT_FALSE(parsed.ok()) << count;
  }
  auto huge = Watchlist::Parse(
      AsBytes(std::string("cordon-watchlist 1\nkey 0123456789abcdef\ndigest hmac-sha256-64\ncount "
                          "2147483647\n\n")));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code(), ErrorCode::kTruncated);
  auto too_many = Watchlist::Parse(
      AsBytes(std::string("cordon-watchlist 1\nkey 0123456789abcdef\ndigest hmac-sha256-64\ncount "
                          "2305843009213693951\n\n")));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), ErrorCode::kLimitExceeded);
  // An upper-case key id.
  std::string upper(AsChars(good));
  for (size_t i = 23; i < 39; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  if (upper != std::string(AsChars(good))) {
    EXPECT_TRUE(refused(ToBytes(upper)));
  }
  // An empty list is a valid list.
  EXPECT_TRUE(Watchlist::Parse(Watchlist(key.id(), {}).Serialize()).ok());
}

// A source that hands out its bytes in reads of uneven sizes, as a pipe or
// a file read in pieces may: whatever the split, the reader must see the
// same bytes.
class UnevenSource final : public ByteSource {
 public:
  explicit UnevenSource(ByteView data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    const size_t n = std::min({out.size(), data_.size(), 1 + (calls_++ * 7919) % 12289});
    std::memcpy(out.data(), data_.data(), n);
    data_ = data_.subspan(n);
    return n;
  }

 private:
  ByteView data_;
  size_t calls_ = 0;
};

void ReadChecksOrderAndChecksum(size_t count) {
  std::mt19937_64 rng(41);
  std::vector<uint64_t> digests(count);
  for (uint64_t& d : digests) d = rng();
  const Watchlist built("0123456789abcdef", digests);
  const Bytes file = built.Serialize();
  const size_t header = file.size() - built.size() * 8 - 32;
  UnevenSource uneven(file);
  auto read = Watchlist::Read(uneven, file.size());
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->Serialize(), file);
  // Every member is found and its neighbours are not, in every bucket.
  std::sort(digests.begin(), digests.end());
  for (uint64_t d : digests) {
    ASSERT_TRUE(read->Contains(d)) << d;
    if (!std::binary_search(digests.begin(), digests.end(), d + 1)) {
      ASSERT_FALSE(read->Contains(d + 1));
    }
    if (!std::binary_search(digests.begin(), digests.end(), d - 1)) {
      ASSERT_FALSE(read->Contains(d - 1));
    }
  }
  EXPECT_FALSE(read->Contains(0));
  EXPECT_FALSE(read->Contains(~uint64_t{0}));

  // A digest out of order near the end, the checksum made to match: named
  // by its index.
  Bytes unsorted = file;
  const size_t at = count - 3000;
  std::swap_ranges(unsorted.begin() + static_cast<ptrdiff_t>(header + at * 8),
                   unsorted.begin() + static_cast<ptrdiff_t>(header + at * 8 + 8),
                   unsorted.begin() + static_cast<ptrdiff_t>(header + (at + 1) * 8));
  Reseal(unsorted);
  auto refused = Watchlist::Parse(unsorted);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("digest " + std::to_string(at + 1) + " is not greater"),
            std::string::npos)
      << refused.error().message();
  // The same swap without a new checksum is corruption first.
  Bytes swapped = file;
  std::copy_n(unsorted.begin() + static_cast<ptrdiff_t>(header), built.size() * 8,
              swapped.begin() + static_cast<ptrdiff_t>(header));
  auto corrupted = Watchlist::Parse(swapped);
  ASSERT_FALSE(corrupted.ok());
  EXPECT_NE(corrupted.error().message().find("corrupted"), std::string::npos);
  // One bit of the first digest flipped: corrupted, not out of order.
  Bytes flipped = file;
  flipped[header] ^= 1;
  auto bit = Watchlist::Parse(flipped);
  ASSERT_FALSE(bit.ok());
  EXPECT_NE(bit.error().message().find("corrupted"), std::string::npos);
  // A file that grew or shrank between its fstat and its read.
  MemorySource longer(file);
  EXPECT_FALSE(Watchlist::Read(longer, file.size() - 8).ok());
  Bytes shrunk(file.begin(), file.end() - 100);
  MemorySource shorter(shrunk);
  auto cut = Watchlist::Read(shorter, file.size());
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code(), ErrorCode::kTruncated);
  Bytes grown = file;
  grown.push_back('x');
  MemorySource grew(grown);
  auto past = Watchlist::Read(grew, file.size());
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.error().message().find("past its checksum"), std::string::npos);
}

TEST(Watchlist, ReadChecksOrderAndChecksumAndIndexesEveryBucket) {
  // 20,000 digests (160 KB: hashed as they are indexed) and 200,000 (1.6 MB:
  // hashed on a thread of their own while they are indexed).
  for (const size_t count : {size_t{20000}, size_t{200000}}) {
    SCOPED_TRACE(count);
    ReadChecksOrderAndChecksum(count);
  }
}

TEST(WatchlistBuilder, NamedColumnsTakeWholeValuesTheDetectorsWouldNot) {
  WatchKey key = WatchKey::Generate();
  WatchlistBuilder b(key);
  // 010199-1234: a real date, no mod 11; as ten bare digits the detectors
  // do not take it, from a column named as holding CPRs it is one.
  // It is also a French phone number's shape (01 01 99 12 34): a value
  // goes in under every kind that validates it, as the scanner may take it
  // for either.
  EXPECT_EQ(b.AddValue(" 0101991234 "), (1u << static_cast<unsigned>(Kind::kCpr)) |
                                            (1u << static_cast<unsigned>(Kind::kPhone)));
  EXPECT_EQ(b.AddValue("1 84 12 76 451 089 46"), 1u << static_cast<unsigned>(Kind::kNir));
  EXPECT_EQ(b.AddValue("Dupont"), 0u);
  EXPECT_EQ(b.AddValue(""), 0u);
  b.AddText("appel du 06 12 34 56 78, mail a.b@orange.fr");
  auto counts = b.DistinctCounts();
  EXPECT_EQ(counts[static_cast<size_t>(Kind::kCpr)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(Kind::kNir)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(Kind::kEmail)], 1u);
  auto checker =
      WatchChecker::Create(WatchKey::Parse(key.FileText().RevealBytes()).value(), b.Finish());
  ASSERT_TRUE(checker.ok());
  EXPECT_TRUE(checker->IsReal(Kind::kCpr, "010199-1234")) << "found by the scanner in this form";
  EXPECT_TRUE(checker->IsReal(Kind::kPhone, "+33 6 12 34 56 78"));
}

TEST(WatchlistSource, ReadsEveryCellAndTheNamedColumns) {
  test_support::ScopedTempDir dir;
  {
    std::ofstream f(dir.path() + "/patients.csv");
    f << "ID;NIR;CPR;NOTE\n"
         "1;1 84 12 76 451 089 46;010199-1234;rappeler au 06 12 34 56 78\n"
         "2;255081416802538;;voir jean.dupont@orange.fr\n";
  }
  auto src = source::CsvSource::Open(dir.path(), {});
  ASSERT_TRUE(src.ok()) << src.error().message();
  WatchKey key = WatchKey::Generate();
  WatchlistBuilder b(key);
  auto stats = AddCsvSource(*src, {{"", "CPR"}, {"patients", "NIR"}, {"", "MISSING"}}, b);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->rows, 2u);
  EXPECT_EQ(stats->named_values, 3u);
  EXPECT_EQ(stats->missing, std::vector<std::string>{"MISSING"});
  auto counts = b.DistinctCounts();
  EXPECT_EQ(counts[static_cast<size_t>(Kind::kNir)], 2u);
  EXPECT_EQ(counts[static_cast<size_t>(Kind::kCpr)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(Kind::kPhone)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(Kind::kEmail)], 1u);
}

TEST(WatchScan, FindingsSayRealOrNotInProductionAndRealOnesAreKeptPastTheCap) {
  WatchKey key = WatchKey::Generate();
  auto checker = WatchChecker::Create(
      WatchKey::Parse(key.FileText().RevealBytes()).value(),
      ListOf(key, {{Kind::kNir, "184127645108946"}, {Kind::kCpr, "070761-4285"}}));
  ASSERT_TRUE(checker.ok());
  ScanOptions o;
  o.watch = &*checker;
  o.max_findings_per_file = 2;
  std::string text =
      "pseudo 255081416802538\npseudo 2 55 08 14 168 025 38\npseudo a.b@orange.fr\n"
      "real 1 84 12 76 451 089 46\nreal 070761-4285\n";
  FileResult r = ScanBuffer("t", text, o);
  EXPECT_EQ(r.total(), 5u);
  EXPECT_EQ(r.real[static_cast<size_t>(Kind::kNir)], 1u);
  EXPECT_EQ(r.real[static_cast<size_t>(Kind::kCpr)], 1u);
  ASSERT_EQ(r.findings.size(), 4u) << "2 kept by the cap, then the 2 real ones";
  EXPECT_EQ(r.findings[0].presence, Presence::kNotInProduction);
  EXPECT_EQ(r.findings[2].presence, Presence::kReal);
  EXPECT_EQ(r.findings[2].line, 4u) << "line numbers still right past the cap";
  EXPECT_EQ(r.findings[3].kind, Kind::kCpr);
  EXPECT_EQ(r.findings[3].line, 5u);

  ScanReport report;
  report.files.push_back(r);
  Totals t = Summarize(report);
  EXPECT_EQ(t.real_findings, 2u);
  auto text_report = MakeReporter(ReportFormat::kText, true);
  std::string out = text_report->File(r) + text_report->End(report, t);
  EXPECT_NE(out.find("t: 3 nir, 1 cpr, 1 email (2 real, 3 valid, not in production)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("t:4:6  nir  1 84 12 ** *** *** **  real"), std::string::npos) << out;
  EXPECT_NE(out.find("; 2 real, 3 valid, not in production\n"), std::string::npos) << out;
  auto json = MakeReporter(ReportFormat::kJson, true);
  std::string doc = json->Begin() + json->File(r) + json->End(report, t);
  EXPECT_NE(doc.find("\"real\":true"), std::string::npos);
  EXPECT_NE(doc.find("\"real\":false"), std::string::npos);
  EXPECT_NE(doc.find("\"not_in_production\":3"), std::string::npos) << doc;
  auto sarif = MakeReporter(ReportFormat::kSarif, true);
  std::string s = sarif->Begin() + sarif->File(r) + sarif->End(report, t);
  EXPECT_NE(s.find("\"level\":\"note\""), std::string::npos);
  EXPECT_NE(s.find("(valid, not in production)"), std::string::npos);
  EXPECT_NE(s.find("\"real\":true"), std::string::npos);
  // Without a watchlist, nothing of it shows.
  FileResult plain = ScanBuffer("t", text, {});
  auto unwatched = MakeReporter(ReportFormat::kJson);
  std::string p = unwatched->Begin() + unwatched->File(plain);
  EXPECT_EQ(p.find("real"), std::string::npos);
}

TEST(WatchScan, LineNumbersPastTheCapMatchAnUncappedScan) {
  WatchKey key = WatchKey::Generate();
  std::mt19937_64 rng(3);
  std::string text;
  std::vector<std::string> real;
  // More findings than a batch holds (kMaxBatch, 4096), so that a whole
  // piece resolves its batch midway as a big database cell does.
  for (int i = 0; i < 10000; ++i) {
    // Lines of varied lengths, newlines in runs (counted eight bytes at a time).
    text += std::string(rng() % 40, 'x') + (i % 7 == 0 ? "\n\n\n" : " ") + RandomNir(rng) + "\n";
    if (i % 1000 == 250) {  // ten: as many as are kept past the cap
      real.push_back(RandomNir(rng));
      text += "é " + real.back() + "\n";
    }
  }
  auto checker = CheckerOfNirs(key, real);
  ASSERT_TRUE(checker.ok());
  ScanOptions watched;
  watched.watch = &*checker;
  watched.max_findings_per_file = 10;  // the real ones are far past it
  ScanOptions all;
  all.max_findings_per_file = 1 << 20;
  for (size_t piece : {size_t{97}, size_t{4096}, TextScanner::kPiece}) {
    FileResult w, u;
    w.path = u.path = "t";
    {
      TextScanner ws(watched, w, {}, piece), us(all, u, {}, piece);
      ws.Feed(text);
      us.Feed(text);
      ws.Finish();
      us.Finish();
    }
    ASSERT_EQ(w.findings.size(), 10 + real.size()) << piece;
    for (size_t i = 10; i < w.findings.size(); ++i) {
      const Finding& f = w.findings[i];
      EXPECT_EQ(f.presence, Presence::kReal);
      auto same = std::find_if(u.findings.begin(), u.findings.end(),
                               [&](const Finding& x) { return x.offset == f.offset; });
      ASSERT_NE(same, u.findings.end());
      EXPECT_EQ(f.line, same->line) << piece;
      // And counted here independently.
      const auto before = text.begin() + static_cast<std::ptrdiff_t>(f.offset);
      EXPECT_EQ(f.line, 1 + static_cast<uint64_t>(std::count(text.begin(), before, '\n')));
      EXPECT_EQ(f.column, same->column);
      EXPECT_EQ(f.char_column, same->char_column);
    }
  }
}

// A database's cells are looked up together, across cells: a real one found
// past the cap is reported after its cell is gone, and must still name its
// cell and place itself as a scan without the cap does.
TEST(WatchScan, RealCellsPastTheCapAreNamedAndPlacedLikeAnUncappedScan) {
  test_support::ScopedTempDir dir;
  WatchKey key = WatchKey::Generate();
  std::mt19937_64 rng(11);
  std::vector<std::vector<testdata::Cell>> rows;
  std::vector<std::string> real;
  // More cells with findings than a batch holds (kMaxBatch, 4096).
  for (int64_t i = 1; i <= 6000; ++i) {
    std::string note = "vu le " + std::to_string(i);
    if (i % 600 == 17) {  // ten, in multi-line cells, after accented text
      real.push_back(RandomNir(rng));
      note = "ligne 1\nété, 2e ligne " + real.back() + " fin";
    }
    rows.push_back({i, RandomNir(rng), note});
  }
  const std::string db = dir.path() + "/lis.sqlite";
  ASSERT_TRUE(testdata::WriteSqlite(db,
                                    "CREATE TABLE p(id INTEGER PRIMARY KEY, nir TEXT, note TEXT);",
                                    "INSERT INTO p VALUES (?, ?, ?)", rows)
                  .ok());
  auto checker = CheckerOfNirs(key, real);
  ASSERT_TRUE(checker.ok());
  ScanOptions watched;
  watched.watch = &*checker;
  watched.max_findings_per_file = 10;
  ScanOptions all;
  all.max_findings_per_file = 1 << 20;
  FileResult w, u;
  w.path = u.path = db;
  ScanFile(w, watched);
  ScanFile(u, all);
  EXPECT_EQ(w.real[static_cast<size_t>(Kind::kNir)], real.size());
  ASSERT_EQ(w.findings.size(), 10 + real.size());
  for (size_t i = 10; i < w.findings.size(); ++i) {
    const Finding& f = w.findings[i];
    EXPECT_EQ(f.presence, Presence::kReal);
    auto same = std::find_if(u.findings.begin(), u.findings.end(), [&](const Finding& x) {
      return x.part == f.part && x.offset == f.offset;
    });
    ASSERT_NE(same, u.findings.end()) << f.part;
    EXPECT_EQ(f.part, "p:note:" + std::to_string(600 * (i - 10) + 17));
    EXPECT_EQ(f.line, 2u);
    EXPECT_EQ(f.column, same->column);
    EXPECT_EQ(f.char_column, same->char_column);
    EXPECT_EQ(f.masked, same->masked);
    EXPECT_EQ(f.length, same->length);
  }
}

// The false-positive rate, measured: values not in production never match a
// list of 100,000 (the rate is n / 2^64 ≈ 5e-15 per look-up, so a match
// here would be a defect, not bad luck).
TEST(Watchlist, RandomValidNirsNotInTheListDoNotMatch) {
  WatchKey key = WatchKey::Generate();
  std::mt19937_64 rng(19);
  std::set<std::string> in_list;
  WatchlistBuilder b(key);
  while (in_list.size() < 100000) {
    std::string nir = RandomNir(rng);
    if (in_list.insert(nir).second) b.Add(Kind::kNir, nir);
  }
  Watchlist list = b.Finish();
  ASSERT_EQ(list.size(), 100000u);
  uint64_t looked_up = 0, matched = 0;
  for (int i = 0; i < 300000; ++i) {
    std::string nir = RandomNir(rng);
    if (in_list.count(nir)) continue;
    ++looked_up;
    matched += list.Contains(*key.Digest(Kind::kNir, nir));
  }
  EXPECT_GT(looked_up, 290000u);
  EXPECT_EQ(matched, 0u);
  // 0 of 300,000 at 64 bits says little about the rate itself; the same
  // digests cut to 16 bits must give n / 2^16 per look-up, as uniform
  // digests do (the rate n / 2^64 is that formula at 64 bits).
  {
    std::vector<uint16_t> short_list;
    for (auto it = in_list.begin(); short_list.size() < 1000; ++it) {
      short_list.push_back(static_cast<uint16_t>(*key.Digest(Kind::kNir, *it) >> 48));
    }
    std::sort(short_list.begin(), short_list.end());
    short_list.erase(std::unique(short_list.begin(), short_list.end()), short_list.end());
    std::mt19937_64 other(23);
    const int lookups = 300000;
    int hits = 0;
    for (int i = 0; i < lookups; ++i) {
      const auto d = static_cast<uint16_t>(*key.Digest(Kind::kNir, RandomNir(other)) >> 48);
      hits += std::binary_search(short_list.begin(), short_list.end(), d);
    }
    const double expected = lookups * static_cast<double>(short_list.size()) / 65536.0;
    EXPECT_NEAR(hits, expected, 5 * std::sqrt(expected)) << "expected " << expected;
  }
  std::vector<uint64_t> sorted;
  for (const std::string& nir : in_list) sorted.push_back(*key.Digest(Kind::kNir, nir));
  std::sort(sorted.begin(), sorted.end());
  // The batched look-up answers as Contains does, for members and not.
  std::vector<uint64_t> mixed;
  auto member = in_list.begin();
  for (int i = 0; i < 1000; ++i, std::advance(member, 97)) {
    mixed.push_back(rng());
    mixed.push_back(*key.Digest(Kind::kNir, *member));
  }
  std::vector<uint8_t> real(mixed.size());
  list.ContainsMany(mixed, real);
  for (size_t i = 0; i < mixed.size(); ++i) {
    ASSERT_EQ(real[i] != 0, list.Contains(mixed[i])) << i;
    ASSERT_EQ(real[i] != 0, i % 2 == 1) << i;
  }
  // Values sharing a member's top bits (its filter bit and its bucket) but
  // not in the list: the filter lets them through, the search must not.
  std::vector<uint64_t> near;
  for (size_t i = 1; i < mixed.size(); i += 2) {
    for (uint64_t flip : {uint64_t{1}, uint64_t{1} << 20}) {
      if (!std::binary_search(sorted.begin(), sorted.end(), mixed[i] ^ flip)) {
        near.push_back(mixed[i] ^ flip);
      }
    }
  }
  ASSERT_GT(near.size(), 1900u);
  std::vector<uint8_t> near_real(near.size(), 1);
  list.ContainsMany(near, near_real);
  for (size_t i = 0; i < near.size(); ++i) {
    ASSERT_FALSE(list.Contains(near[i])) << i;
    ASSERT_EQ(near_real[i], 0) << i;
  }
  // Small lists (one bucket) too.
  Watchlist tiny(key.id(), {mixed[1], mixed[3]});
  EXPECT_TRUE(tiny.Contains(mixed[3]));
  EXPECT_FALSE(tiny.Contains(mixed[0]));
  EXPECT_FALSE(Watchlist(key.id(), {}).Contains(mixed[1]));
  // And every listed one matches (no false negative).
  for (const std::string& nir : in_list) ASSERT_TRUE(list.Contains(*key.Digest(Kind::kNir, nir)));
}

}  // namespace
}  // namespace cordon::scan
