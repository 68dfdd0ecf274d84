#include "scan/watchlist.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/encoding.h"
#include "core/key_file.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "detect/matcher.h"
#include "detect/normalize.h"

namespace cordon::scan {
namespace {

constexpr std::string_view kKeyPrefix = "CORDON-WATCH-KEY-1 ";
constexpr size_t kSecretSize = 32;
constexpr std::string_view kMagic = "cordon-watchlist ";
constexpr std::string_view kVersion = "1";
constexpr std::string_view kDigestLine = "digest hmac-sha256-64";
constexpr size_t kDigestSize = 8;
constexpr size_t kChecksumSize = 32;
// The in-memory index holds 32-bit offsets (2^31 digests: a 16 GiB file).
constexpr uint64_t kMaxDigests = uint64_t{1} << 31;

// The id names the key without revealing it (a hash of the secret under a
// label of its own, cut to 64 bits), as pseudonym keys are named.
std::string IdOf(const SecretBuffer& secret) {
  crypto::Sha256 h;
  h.Update(AsBytes(std::string_view("cordon watch key id v1")));
  h.Update(secret.RevealBytes());
  auto digest = h.Final();
  return HexEncode(ByteView(digest.data(), 8));
}

// The MAC key is derived, not the file's secret itself: the secret then
// serves only as the root of labelled keys (a later version can derive
// another without the two meeting).
SecretBuffer MacKey(const SecretBuffer& secret) {
  return crypto::HkdfSha256(secret, AsBytes(std::string_view("cordon watchlist v1")), "digest", 32);
}

bool IsKeyId(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

uint64_t LoadBigEndian(const uint8_t* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

Error Bad(std::string what) {
  return Error(ErrorCode::kMalformed, "not a valid watchlist: " + std::move(what),
               "make it again with `cordon watchlist build`");
}

// Takes one '\n'-terminated line off `rest`; nullopt when there is none.
std::optional<std::string_view> TakeLine(std::string_view& rest) {
  size_t nl = rest.find('\n');
  if (nl == std::string_view::npos || nl > 64) return std::nullopt;
  std::string_view line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return line;
}

}  // namespace

WatchKey::WatchKey(SecretBuffer secret)
    : secret_(std::move(secret)), id_(IdOf(secret_)), prf_(MacKey(secret_)) {}

WatchKey WatchKey::Generate() { return WatchKey(crypto::RandomSecret(kSecretSize)); }

Result<WatchKey> WatchKey::Parse(ByteView file_text) {
  CORDON_ASSIGN_OR_RETURN(SecretBuffer secret,
                          ParseKeyFile(file_text, kKeyPrefix, kSecretSize,
                                       Error(ErrorCode::kMalformed, "not a cordon watch key file",
                                             "make one with `cordon watchlist keygen -o FILE`")));
  return WatchKey(std::move(secret));
}

SecretBuffer WatchKey::FileText() const {
  return FormatKeyFile(
      "# cordon watch key " + id_ +
          "\n# Secret: whoever holds it can test numbers against the watchlists made with it.\n",
      kKeyPrefix, secret_);
}

std::optional<uint64_t> WatchKey::Digest(detect::Kind kind, std::string_view text) const {
  // kind ‖ 0x00 ‖ normal form: the kinds are separate domains (a card
  // number's digits never meet a CPR's), and no kind name holds a NUL.
  char message[16 + detect::kMaxNormalizedSize];
  const std::string_view name = detect::KindName(kind);
  std::memcpy(message, name.data(), name.size());
  message[name.size()] = '\0';
  const size_t head = name.size() + 1;
  const size_t n = detect::NormalizeIdentifier(
      kind, text, std::span<char>(message + head, detect::kMaxNormalizedSize));
  if (n == 0) return std::nullopt;
  crypto::Mac256 mac = prf_.Mac(ByteView(reinterpret_cast<const uint8_t*>(message), head + n));
  return LoadBigEndian(mac.data());
}

Watchlist::Watchlist(std::string key_id, std::vector<uint64_t> digests)
    : key_id_(std::move(key_id)), digests_(std::move(digests)) {
  std::sort(digests_.begin(), digests_.end());
  digests_.erase(std::unique(digests_.begin(), digests_.end()), digests_.end());
  BuildIndex();
}

void Watchlist::BuildIndex() {
  // About 4 digests per bucket: the index costs half a byte per digest.
  int bits = 0;
  while (bits < 30 && (uint64_t{1} << (bits + 2)) < digests_.size()) ++bits;
  shift_ = 64 - bits;
  buckets_.assign((size_t{1} << bits) + 1, 0);
  size_t i = 0;
  for (size_t b = 0; b + 1 < buckets_.size(); ++b) {
    buckets_[b] = static_cast<uint32_t>(i);
    while (i < digests_.size() && (bits == 0 ? 0 : digests_[i] >> shift_) == b) ++i;
  }
  buckets_.back() = static_cast<uint32_t>(digests_.size());
  // At least 16 filter bits per digest (2 to 4 bytes each), 64 at the least:
  // a value not in the list passes with probability under 1 - e^(-1/16).
  int filter_bits = 6;
  while (filter_bits < 36 && (uint64_t{1} << filter_bits) < 16 * digests_.size()) ++filter_bits;
  filter_shift_ = 64 - filter_bits;
  filter_.assign(size_t{1} << (filter_bits - 6), 0);
  for (uint64_t d : digests_) {
    const uint64_t bit = d >> filter_shift_;
    filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

uint64_t Watchlist::FileSize(uint64_t count) {
  std::string head = std::string(kMagic) + std::string(kVersion) + "\nkey 0123456789abcdef\n" +
                     std::string(kDigestLine) + "\ncount " + std::to_string(count) + "\n\n";
  return head.size() + count * kDigestSize + kChecksumSize;
}

Bytes Watchlist::Serialize() const {
  std::string head = std::string(kMagic) + std::string(kVersion) + "\nkey " + key_id_ + "\n" +
                     std::string(kDigestLine) + "\ncount " + std::to_string(digests_.size()) +
                     "\n\n";
  Bytes out(head.begin(), head.end());
  out.reserve(head.size() + digests_.size() * kDigestSize + kChecksumSize);
  for (uint64_t d : digests_) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(d >> shift));
  }
  auto sum = crypto::Sha256::Hash(out);
  out.insert(out.end(), sum.begin(), sum.end());
  return out;
}

Result<Watchlist> Watchlist::Parse(ByteView file) {
  std::string_view rest = AsChars(file);
  auto magic = TakeLine(rest);
  if (!magic || !magic->starts_with(kMagic)) {
    return Bad("it does not start with \"cordon-watchlist 1\"");
  }
  if (std::string_view version = magic->substr(kMagic.size()); version != kVersion) {
    return Error(ErrorCode::kUnsupported,
                 "watchlist format version \"" + std::string(version.substr(0, 16)) +
                     "\" is not supported (this cordon reads version 1)",
                 "build the watchlist again with this cordon");
  }
  auto key = TakeLine(rest);
  if (!key || !key->starts_with("key ") || !IsKeyId(key->substr(4))) {
    return Bad("its second line is not \"key <16 lowercase hex digits>\"");
  }
  auto digest = TakeLine(rest);
  if (!digest || *digest != kDigestLine) {
    return Bad("its third line is not \"" + std::string(kDigestLine) + "\"");
  }
  auto count_line = TakeLine(rest);
  uint64_t count = 0;
  if (!count_line || !count_line->starts_with("count ")) return Bad("no \"count\" line");
  std::string_view digits = count_line->substr(6);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
      (digits.size() > 1 && digits[0] == '0')) {
    return Bad("its count is not a decimal number");
  }
  auto blank = TakeLine(rest);
  if (!blank || !blank->empty()) return Bad("no blank line after its header");
  if (count > kMaxDigests) {
    return Error(ErrorCode::kLimitExceeded,
                 "watchlist of " + std::to_string(count) + " digests: more than this cordon reads",
                 "split the source and give several watchlists");
  }
  const size_t header = file.size() - rest.size();
  // Sizes are checked before anything is allocated: a count the file
  // cannot hold is a truncated file, not a reason to reserve memory.
  if (rest.size() < kChecksumSize || (rest.size() - kChecksumSize) / kDigestSize < count) {
    return Error(ErrorCode::kTruncated,
                 "watchlist truncated: its header announces " + std::to_string(count) +
                     " digests, the file holds " + std::to_string(file.size()) + " bytes",
                 "copy the whole file again, or build it again");
  }
  if (rest.size() != count * kDigestSize + kChecksumSize) {
    return Bad("it has " + std::to_string(rest.size() - count * kDigestSize - kChecksumSize) +
               " bytes past its checksum");
  }
  const size_t body_end = header + count * kDigestSize;
  auto sum = crypto::Sha256::Hash(file.first(body_end));
  if (std::memcmp(sum.data(), file.data() + body_end, kChecksumSize) != 0) {
    return Error(ErrorCode::kMalformed, "watchlist corrupted: its checksum does not match",
                 "copy the file again, or build it again");
  }
  std::vector<uint64_t> digests(count);
  for (uint64_t i = 0; i < count; ++i) {
    digests[i] = LoadBigEndian(file.data() + header + i * kDigestSize);
    if (i > 0 && digests[i] <= digests[i - 1]) {
      return Bad("digest " + std::to_string(i) + " is not greater than the one before it");
    }
  }
  Watchlist out(std::string(key->substr(4)), {});
  out.digests_ = std::move(digests);
  out.BuildIndex();
  return out;
}

Result<Watchlist> Watchlist::Merge(const std::vector<Watchlist>& lists) {
  if (lists.empty()) return Error(ErrorCode::kInvalidArgument, "no watchlist to merge");
  std::vector<uint64_t> all;
  size_t total = 0;
  for (const Watchlist& l : lists) total += l.size();
  all.reserve(total);
  for (size_t i = 0; i < lists.size(); ++i) {
    if (lists[i].key_id() != lists[0].key_id()) {
      return Error(ErrorCode::kInvalidArgument,
                   "watchlist " + std::to_string(i + 1) + " was made with watch key " +
                       lists[i].key_id() + ", the first with " + lists[0].key_id(),
                   "watchlists used together must be built with the same --key");
    }
    // Each list is sorted: merging keeps the whole sorted without a sort.
    const auto middle = static_cast<std::ptrdiff_t>(all.size());
    all.insert(all.end(), lists[i].digests_.begin(), lists[i].digests_.end());
    std::inplace_merge(all.begin(), all.begin() + middle, all.end());
  }
  all.erase(std::unique(all.begin(), all.end()), all.end());
  Watchlist out(lists[0].key_id(), {});
  out.digests_ = std::move(all);
  out.BuildIndex();
  return out;
}

bool Watchlist::InBucket(uint64_t digest) const {
  const size_t b = shift_ == 64 ? 0 : static_cast<size_t>(digest >> shift_);
  const auto first = digests_.begin() + buckets_[b];
  const auto last = digests_.begin() + buckets_[b + 1];
  return std::binary_search(first, last, digest);
}

bool Watchlist::Contains(uint64_t digest) const { return MayContain(digest) && InBucket(digest); }

void Watchlist::ContainsMany(std::span<const uint64_t> digests, std::span<uint8_t> real) const {
  // Each memory access is prefetched kAhead look-ups before it is needed, so
  // that the cache misses of successive look-ups overlap instead of one
  // waiting for the next: first every filter word, then, for the few that
  // pass it, the bucket offsets, then the bucket's first digests.
  constexpr size_t kAhead = 64;
  const size_t n = digests.size();
  auto bucket = [&](uint64_t d) {
    return shift_ == 64 ? size_t{0} : static_cast<size_t>(d >> shift_);
  };
  auto filter_word = [&](uint64_t d) { return &filter_[(d >> filter_shift_) >> 6]; };
  for (size_t i = 0; i < std::min(n, kAhead); ++i) __builtin_prefetch(filter_word(digests[i]));
  size_t passed = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(filter_word(digests[i + kAhead]));
    real[i] = MayContain(digests[i]) ? 1 : 0;
    passed += real[i];
  }
  if (passed == 0) return;
  // The few that passed (members, and under 1/16 of the others).
  std::vector<size_t> at;
  at.reserve(passed);
  for (size_t i = 0; i < n; ++i) {
    if (real[i]) at.push_back(i);
  }
  for (size_t j = 0; j < std::min(at.size(), kAhead); ++j) {
    __builtin_prefetch(&buckets_[bucket(digests[at[j]])]);
  }
  for (size_t j = 0; j < at.size(); ++j) {
    if (j + kAhead < at.size()) __builtin_prefetch(&buckets_[bucket(digests[at[j + kAhead]])]);
    if (j + kAhead / 2 < at.size()) {
      __builtin_prefetch(digests_.data() + buckets_[bucket(digests[at[j + kAhead / 2]])]);
    }
    real[at[j]] = InBucket(digests[at[j]]) ? 1 : 0;
  }
}

Status CheckWatchKey(const Watchlist& list, const WatchKey& key) {
  if (list.key_id() == key.id()) return Ok();
  return Error(
      ErrorCode::kNoMatch,
      "the watchlist was made with watch key " + list.key_id() + ", not with key " + key.id(),
      "pass the --watch-key it was built with (`cordon watchlist info` names it)");
}

Result<WatchChecker> WatchChecker::Create(WatchKey key, Watchlist list) {
  CORDON_TRY(CheckWatchKey(list, key));
  return WatchChecker(std::move(key), std::move(list));
}

bool WatchChecker::IsReal(detect::Kind kind, std::string_view text) const {
  std::optional<uint64_t> d = key_.Digest(kind, text);
  return d && list_.Contains(*d);
}

bool WatchlistBuilder::Add(detect::Kind kind, std::string_view text) {
  std::optional<uint64_t> d = key_.Digest(kind, text);
  if (!d) return false;
  digests_[static_cast<size_t>(kind)].push_back(*d);
  return true;
}

void WatchlistBuilder::AddText(std::string_view text) {
  detect::FindIdentifiers(text, detect::kAllKinds, [&](const detect::Match& m) {
    Add(m.kind, text.substr(m.offset, m.length));
  });
}

unsigned WatchlistBuilder::AddValue(std::string_view cell) {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
  unsigned added = 0;
  if (cell.empty()) return added;
  for (size_t k = 0; k < detect::kKindCount; ++k) {
    const auto kind = static_cast<detect::Kind>(k);
    bool valid = detect::Validate(kind, cell) != detect::Confidence::kNone;
    // Ten bare digits with a real date: a CPR issued without mod 11, which
    // the scanner finds as DDMMYY-SSSS (kMedium). Named as a CPR column, it is one.
    if (!valid && kind == detect::Kind::kCpr && cell.size() == 10) {
      std::string dashed = std::string(cell.substr(0, 6)) + "-" + std::string(cell.substr(6));
      valid = detect::ValidateCpr(dashed) != detect::Confidence::kNone;
    }
    if (valid && Add(kind, cell)) added |= 1u << k;
  }
  return added;
}

std::array<uint64_t, detect::kKindCount> WatchlistBuilder::DistinctCounts() {
  std::array<uint64_t, detect::kKindCount> counts{};
  for (size_t k = 0; k < detect::kKindCount; ++k) {
    auto& v = digests_[k];
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    counts[k] = v.size();
  }
  return counts;
}

Watchlist WatchlistBuilder::Finish() {
  std::vector<uint64_t> all;
  size_t total = 0;
  for (const auto& v : digests_) total += v.size();
  all.reserve(total);
  for (auto& v : digests_) {
    all.insert(all.end(), v.begin(), v.end());
    std::vector<uint64_t>().swap(v);
  }
  return Watchlist(key_.id(), std::move(all));
}

}  // namespace cordon::scan
